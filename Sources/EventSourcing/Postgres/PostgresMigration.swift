import Foundation

/// One schema change: a version, a name and plain SQL, applied at most once.
public struct PostgresMigration: Hashable, Sendable {
    /// Order of application; unique within a component, positive.
    public var version: Int
    /// Human name (`create_session_events`).
    public var name: String
    /// The SQL script; several statements allowed. It runs inside a transaction, so statements
    /// that refuse one (`CREATE INDEX CONCURRENTLY`, `VACUUM`) do not belong here.
    public var sql: String

    /// A migration.
    public init(version: Int, name: String, sql: String) {
        self.version = version
        self.name = name
        self.sql = sql
    }

    /// FNV-1a 64-bit digest of the SQL, hex: detects an applied migration that was edited later.
    public var checksum: String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in sql.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        let digits = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }

    /// Reads `<version>_<name>.sql` files from `directory` (e.g. `0001_create_events.sql`);
    /// other files are ignored. Throws `migrationInvalid` for a `.sql` file without a numeric prefix.
    public static func load(directory: String) throws -> [PostgresMigration] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory)
        } catch {
            throw EventSourcingError(.migrationInvalid, "cannot list migrations in \(directory): \(error.localizedDescription)")
        }
        return try names.filter { $0.hasSuffix(".sql") }.sorted().map { file in
            let stem = file.dropLast(4)
            let parts = stem.split(separator: "_", maxSplits: 1)
            guard parts.count == 2, let version = Int(parts[0]), version > 0 else {
                throw EventSourcingError(.migrationInvalid, "\(directory)/\(file): name it <version>_<name>.sql with a positive version")
            }
            let sql: String
            do {
                sql = try String(contentsOfFile: directory + "/" + file, encoding: .utf8)
            } catch {
                throw EventSourcingError(.migrationInvalid, "cannot read \(directory)/\(file): \(error.localizedDescription)")
            }
            return PostgresMigration(version: version, name: String(parts[1]), sql: sql)
        }
    }
}
