import Foundation
import Glibc

/// Passwords and shared secrets the harness generates on first start and keeps in
/// `<state>/secrets.json` (mode 0600). Nothing secret is ever compiled in or logged.
struct HarnessSecrets: Codable, Hashable, Sendable {
    var postgresSuperuser: String
    var oss: String
    var kea: String
    var radiusDatabase: String
    var redis: String
    var radiusShared: String

    static func generate() -> HarnessSecrets {
        HarnessSecrets(postgresSuperuser: randomToken(), oss: randomToken(), kea: randomToken(),
                       radiusDatabase: randomToken(), redis: randomToken(), radiusShared: randomToken())
    }

    /// 128 random bits as 32 hex digits: safe inside SQL literals and config files without quoting.
    static func randomToken() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<16).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
    }

    /// Loads the secrets of an existing state folder, or creates and stores new ones.
    static func loadOrCreate(in stateDirectory: String) throws -> HarnessSecrets {
        let path = stateDirectory + "/secrets.json"
        if FileManager.default.fileExists(atPath: path) {
            do {
                return try JSONDecoder().decode(HarnessSecrets.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
            } catch {
                throw LabKitError(.stateUnreadable, "\(path) is unreadable (\(error)); remove the state folder to start afresh")
            }
        }
        let secrets = generate()
        try StateFiles.writePrivate(try JSONEncoder().encode(secrets), to: path)
        return secrets
    }
}

/// Small file helpers for the state folder.
enum StateFiles {
    /// Writes `data` atomically with mode 0600.
    static func writePrivate(_ data: Data, to path: String) throws {
        try write(data, to: path, mode: 0o600)
    }

    static func write(_ text: String, to path: String, mode: Int = 0o644) throws {
        try write(Data(text.utf8), to: path, mode: mode)
    }

    static func write(_ data: Data, to path: String, mode: Int) throws {
        let temporary = path + ".tmp"
        do {
            guard FileManager.default.createFile(atPath: temporary, contents: data, attributes: [.posixPermissions: mode]) else {
                throw LabKitError.errno("create \(temporary)")
            }
            guard rename(temporary, path) == 0 else { throw LabKitError.errno("rename \(temporary)") }
        } catch {
            throw LabKitError(.stateUnreadable, "cannot write \(path): \(error)")
        }
    }

    static func makeDirectory(_ path: String, mode: Int = 0o755) throws {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: mode])
            try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
        } catch {
            throw LabKitError(.stateUnreadable, "cannot create \(path): \(error)")
        }
    }

    static func read(_ path: String) -> String? {
        try? String(contentsOfFile: path, encoding: .utf8)
    }

    static func exists(_ path: String) -> Bool {
        FileManager.default.fileExists(atPath: path)
    }
}
