import Foundation
import LabKit

/// Executables of this package, found next to the running test bundle (`swift build --build-tests`
/// builds them into the same folder).
public enum BuiltProducts {
    /// The product `name` next to the test runner, or in `$AETHER_PRODUCTS` when set (the
    /// benchmark points it at a release build).
    public static func executable(_ name: String) throws -> String {
        if let folder = ProcessInfo.processInfo.environment["AETHER_PRODUCTS"], !folder.isEmpty {
            let candidate = folder + "/" + name
            guard FileManager.default.isExecutableFile(atPath: candidate) else {
                throw LabKitError(.executableNotFound, "\(name) is not built in \(folder) (AETHER_PRODUCTS)")
            }
            return candidate
        }
        let testBinary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var folder = testBinary.deletingLastPathComponent()
        // On Linux the test runner is `<build>/debug/AetherPackageTests.xctest`; step out of bundles.
        while folder.pathExtension == "xctest" || folder.lastPathComponent == "Contents" {
            folder = folder.deletingLastPathComponent()
        }
        let candidate = folder.appendingPathComponent(name).path
        guard FileManager.default.isExecutableFile(atPath: candidate) else {
            throw LabKitError(.executableNotFound, "\(name) is not built in \(folder.path); run `swift build --build-tests`")
        }
        return candidate
    }
}
