import Glibc

/// Finds executables by name the way a root shell would, including the sbin folders
/// (`ip`, `dhclient`, `kea-dhcp4` live there) even when the caller's `PATH` lacks them.
enum ExecutableLookup {
    static let fallbackDirectories = ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"]

    static func path(of name: String) throws -> String {
        if name.contains("/") { return name }
        let fromEnvironment = (getenv("PATH").map { String(cString: $0) } ?? "")
            .split(separator: ":").map(String.init)
        for directory in fromEnvironment + fallbackDirectories where !directory.isEmpty {
            let candidate = directory + "/" + name
            if access(candidate, X_OK) == 0 { return candidate }
        }
        throw LabKitError(.executableNotFound,
                          "\(name) is not installed (not found on PATH or in sbin); run `make deps`")
    }

    /// The search path children get, so tools they run (dhclient-script calls `ip`) are found:
    /// `base` (default: ours) followed by the sbin and bin folders it lacks.
    static func childSearchPath(extending base: String? = nil) -> String {
        let current = base ?? getenv("PATH").map { String(cString: $0) } ?? ""
        let parts = current.split(separator: ":").map(String.init)
        return (parts + fallbackDirectories.filter { !parts.contains($0) }).joined(separator: ":")
    }
}
