import CLinuxNet
import Glibc

/// `posix_spawn` with explicit standard streams and no other inherited descriptors.
enum Spawn {
    /// Starts `arguments[0]` (looked up on PATH) with the given descriptors as its stdin/stdout/stderr.
    /// Every other descriptor is closed in the child, so daemons never hold our sockets or pipes.
    static func start(_ arguments: [String], environment: [String: String]?,
                      stdin: Int32, stdout: Int32, stderr: Int32) throws -> pid_t {
        guard let name = arguments.first else {
            throw LabKitError(.invalidConfiguration, "empty command line")
        }
        let executable = try ExecutableLookup.path(of: name)

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, stdin, 0)
        posix_spawn_file_actions_adddup2(&actions, stdout, 1)
        posix_spawn_file_actions_adddup2(&actions, stderr, 2)
        cln_spawn_addclosefrom(&actions, 3)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // Children start with default signal handling even if we ignore SIGPIPE or similar.
        var defaults = sigset_t()
        sigfillset(&defaults)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        var environmentPairs = environment ?? currentEnvironment()
        environmentPairs["PATH"] = ExecutableLookup.childSearchPath(extending: environmentPairs["PATH"])
        let envStrings = environmentPairs.map { "\($0.key)=\($0.value)" }

        var pid: pid_t = 0
        let status = withCStringList(arguments) { argv in
            withCStringList(envStrings) { envp in
                posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
            }
        }
        guard status == 0 else {
            throw LabKitError(.systemCallFailed,
                              "posix_spawn \(executable): \(String(cString: strerror(status))) (errno \(status))")
        }
        return pid
    }

    static func currentEnvironment() -> [String: String] {
        var result: [String: String] = [:]
        var cursor = environ
        while let entry = cursor.pointee {
            let text = String(cString: entry)
            if let equals = text.firstIndex(of: "=") {
                result[String(text[..<equals])] = String(text[text.index(after: equals)...])
            }
            cursor += 1
        }
        return result
    }

    /// `waitpid` that retries EINTR; returns the raw wait status.
    static func waitForExit(_ pid: pid_t) throws -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            if errno == EINTR { continue }
            throw LabKitError.errno("waitpid(\(pid))")
        }
        return status
    }

    /// Exit code for a normal exit, 128 + signal number for a killed child (the shell's convention).
    static func exitCode(fromWaitStatus status: Int32) -> Int32 {
        let signal = status & 0x7f
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal
    }
}

/// Calls `body` with a NULL-terminated `char *[]` built from `strings`.
func withCStringList<R>(_ strings: [String], _ body: ([UnsafeMutablePointer<CChar>?]) -> R) -> R {
    let storage = strings.map { strdup($0) }
    defer { storage.forEach { free($0) } }
    return body(storage + [nil])
}
