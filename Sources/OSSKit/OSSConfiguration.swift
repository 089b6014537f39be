import EventSourcing
import Foundation
import ServiceSupport
import Yams

/// The OSS configuration file (YAML), shared by `aether-ingestor` and `aether-api`: where the
/// `oss` database and the event stream are, how the ingestors consume, how long series are kept.
///
/// ```yaml
/// postgres:
///   host: /run/aether/postgres      # a host name, an address, or a Unix socket directory
///   port: 5432
///   database: oss
///   user: aether
///   password: {file: /etc/aether/postgres.password}
///   schema: public                  # optional
/// redis:
///   socket: /run/aether/redis.sock  # or address: and port:
///   password: {env: AETHER_REDIS_PASSWORD}
///   stream: bng_events
/// ingestor:
///   group: oss
///   batch_size: 500
///   metrics: 127.0.0.1:9104
/// retention:
///   traffic_seconds: 1h
///   session_updates: 7d
///   health_events: 7d
///   interval: 1m
/// ```
public struct OSSConfiguration: Hashable, Sendable, Codable {
    /// The `oss` database.
    public struct Postgres: Hashable, Sendable, Codable {
        public var host: String
        public var port: Int?
        public var database: String?
        public var user: String
        public var password: Secret?
        /// A schema of its own in the database (default `public`): several OSS instances can share one database.
        public var schema: String?
    }

    /// The event stream the BNGs publish to.
    public struct Redis: Hashable, Sendable, Codable {
        public var socket: String?
        public var address: String?
        public var port: Int?
        public var password: Secret?
        /// The stream (default `bng_events`, as the BNG's default).
        public var stream: String?
    }

    /// How ingestors consume.
    public struct Ingestor: Hashable, Sendable, Codable {
        /// Consumer group shared by every ingestor (default `oss`).
        public var group: String?
        /// This consumer's name, unique in the group (default `<host>-<pid>`).
        public var name: String?
        /// Messages per read and per transaction (default 500).
        public var batchSize: Int?
        /// Pending messages of a dead ingestor are claimed after this long (default 30s).
        public var claimIdle: OSSDuration?
        /// `address:port` of the Prometheus endpoint; empty for none (default `127.0.0.1:9104`).
        public var metrics: String?

        enum CodingKeys: String, CodingKey { case group, name, batchSize = "batch_size", claimIdle = "claim_idle", metrics }
    }

    /// How long series and the events they come from are kept (see ``OSSRetention``).
    public struct Retention: Hashable, Sendable, Codable {
        public var trafficSeconds: OSSDuration?
        public var sessionUpdates: OSSDuration?
        public var healthEvents: OSSDuration?
        /// How often an ingestor prunes (default 1m).
        public var interval: OSSDuration?

        enum CodingKeys: String, CodingKey {
            case trafficSeconds = "traffic_seconds", sessionUpdates = "session_updates", healthEvents = "health_events", interval
        }
    }

    public var postgres: Postgres
    public var redis: Redis?
    public var ingestor: Ingestor?
    public var retention: Retention?

    /// Reads and checks a YAML file; every error names the file and the key.
    public static func load(path: String) throws -> OSSConfiguration {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigurationError("\(path): cannot be read")
        }
        return try decode(String(decoding: data, as: UTF8.self), source: path)
    }

    /// Decodes and checks YAML text; `source` names it in errors.
    public static func decode(_ yaml: String, source: String) throws -> OSSConfiguration {
        let configuration: OSSConfiguration
        do {
            configuration = try YAMLDecoder().decode(OSSConfiguration.self, from: yaml)
        } catch let error as DecodingError {
            let (key, reason) = error.configurationProblem
            throw ConfigurationError("\(source): key \"\(key)\": \(reason)")
        } catch {
            throw ConfigurationError("\(source): not valid YAML: \(error)")
        }
        _ = try configuration.resolve(source: source, readSecrets: false)
        return configuration
    }

    /// The settings with every default applied and (with `readSecrets`) every secret read.
    public func resolve(source: String, readSecrets: Bool = true) throws -> OSSSettings {
        func fail(_ key: String, _ why: String) -> ConfigurationError { ConfigurationError("\(source): key \"\(key)\": \(why)") }
        var info = PostgresConnectionInfo(host: postgres.host, port: postgres.port ?? 5432, database: postgres.database ?? "oss",
                                          user: postgres.user, applicationName: "aether-oss")
        if readSecrets { info.password = try postgres.password?.resolve(key: "postgres.password", file: source) }
        if let schema = postgres.schema {
            guard let first = schema.unicodeScalars.first, first.properties.isLowercase || first == "_", schema.utf8.count <= 63,
                  schema.unicodeScalars.allSatisfy({ ($0.isASCII && ($0.properties.isLowercase || ("0"..."9").contains($0))) || $0 == "_" }) else {
                throw fail("postgres.schema", "\"\(schema)\" must be a lower-case identifier (a–z, 0–9, _)")
            }
            info.options = "-c search_path=\(schema)"
        }
        var redisEndpoint: RedisEndpoint?
        if let redis {
            let address: RedisEndpoint.Address
            if let socket = redis.socket {
                guard socket.hasPrefix("/") else { throw fail("redis.socket", "\"\(socket)\" must be an absolute path") }
                address = .unixSocket(path: socket)
            } else if let host = redis.address {
                address = .tcp(host: host, port: redis.port ?? 6379)
            } else {
                throw fail("redis", "give socket, or address and port")
            }
            redisEndpoint = RedisEndpoint(address: address,
                                          password: readSecrets ? try redis.password?.resolve(key: "redis.password", file: source) : nil)
        }
        let batchSize = ingestor?.batchSize ?? 500
        guard (1...10_000).contains(batchSize) else { throw fail("ingestor.batch_size", "\(batchSize) is not in 1…10000") }
        let retention: OSSRetention
        do {
            retention = try OSSRetention(trafficSeconds: self.retention?.trafficSeconds?.duration ?? .seconds(3600),
                                         sessionUpdates: self.retention?.sessionUpdates?.duration ?? .seconds(7 * 86_400),
                                         healthEvents: self.retention?.healthEvents?.duration ?? .seconds(7 * 86_400))
        } catch let error as EventSourcingError {
            throw ConfigurationError("\(source): \(error.message)")
        }
        let name = ingestor?.name ?? "\(ProcessInfo.processInfo.hostName)-\(ProcessInfo.processInfo.processIdentifier)"
        guard !name.isEmpty, !name.contains(where: \.isWhitespace) else { throw fail("ingestor.name", "\"\(name)\" must be a word") }
        return OSSSettings(postgres: info, redis: redisEndpoint, stream: redis?.stream ?? "bng_events", group: ingestor?.group ?? "oss",
                           consumerName: name, batchSize: batchSize, claimIdle: ingestor?.claimIdle?.duration ?? .seconds(30),
                           metricsAddress: ingestor?.metrics ?? "127.0.0.1:9104", retention: retention,
                           retentionInterval: self.retention?.interval?.duration ?? .seconds(60))
    }
}

/// Everything the OSS daemons need, defaults applied and secrets read.
public struct OSSSettings: Hashable, Sendable {
    public var postgres: PostgresConnectionInfo
    public var redis: RedisEndpoint?
    public var stream: String
    public var group: String
    public var consumerName: String
    public var batchSize: Int
    public var claimIdle: Duration
    public var metricsAddress: String
    public var retention: OSSRetention
    public var retentionInterval: Duration
}

/// A duration in a configuration file: a number of seconds, or a number with `s`, `m`, `h` or `d`.
public struct OSSDuration: Hashable, Sendable, Codable, CustomStringConvertible {
    public var duration: Duration
    public var description: String

    /// Parses `90`, `90s`, `15m`, `1h` or `7d`.
    public init?(_ text: String) {
        let units: [Character: Int64] = ["s": 1, "m": 60, "h": 3600, "d": 86_400]
        var digits = Substring(text.trimmingCharacters(in: .whitespaces))
        var unit: Int64 = 1
        if let last = digits.last, let factor = units[last] {
            unit = factor
            digits = digits.dropLast()
        }
        guard let value = Int64(digits), value > 0, value <= Int64.max / unit / 1_000_000 else { return nil }
        duration = .seconds(value * unit)
        description = text
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try (try? container.decode(Int64.self)).map(String.init) ?? container.decode(String.self)
        guard let parsed = OSSDuration(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                                                    debugDescription: "\"\(text)\" is not a duration (seconds, or a number with s, m, h or d)"))
        }
        self = parsed
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
