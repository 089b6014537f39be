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
/// api:
///   listen: 127.0.0.1:8080
///   token: {file: /etc/aether/api.token}
/// provisioning:
///   radius: {host: /run/aether/postgres, database: radius, user: aether, password: {file: …}}
///   password: {file: /etc/aether/subscriber.password}
/// coa:
///   secret: {file: /etc/aether/coa.secret}
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

    /// The API process (`aether-api`).
    public struct API: Hashable, Sendable, Codable {
        /// `address:port` to serve on (default `127.0.0.1:8080`).
        public var listen: String?
        /// The bearer token of every mutation (required).
        public var token: Secret?
        /// A BNG or access node silent for longer is offline (default 30s).
        public var heartbeatTimeout: OSSDuration?
        /// Folder of Debian's libjs-chart.js (default `/usr/share/javascript/chart.js`).
        public var chartjs: String?
        /// Folder of the dashboard's files (default: the copy built into aether-api).
        public var dashboard: String?
        /// Database threads (default: the processor count, 2 to 8; more only queue inside PostgreSQL).
        public var databaseThreads: Int?
        /// Change feed: at most one tick per `stream_interval` (default 1s).
        public var streamInterval: OSSDuration?
        /// List totals and `/api/stats` may be this old (default 1s): many viewers share one count.
        public var cache: OSSDuration?

        enum CodingKeys: String, CodingKey {
            case listen, token, heartbeatTimeout = "heartbeat_timeout", chartjs, dashboard, databaseThreads = "database_threads"
            case streamInterval = "stream_interval", cache
        }
    }

    /// RADIUS provisioning: where FreeRADIUS's tables are and what to write.
    public struct Provisioning: Hashable, Sendable, Codable {
        /// FreeRADIUS's database.
        public var radius: Postgres
        /// User-Name template, as the BNGs' `radius.user_name` (default `{bng}/{remote_id}/{circuit_id}`).
        public var userName: String?
        /// The Cleartext-Password of every line (the BNGs' subscriber password).
        public var password: Secret
        /// Plan group prefix (default `aether-plan-`).
        public var groupPrefix: String?
        /// This OSS's name in `aether_provisioned` (default `oss`).
        public var owner: String?
        /// Repair pass interval (default 1m).
        public var interval: OSSDuration?

        enum CodingKeys: String, CodingKey {
            case radius, userName = "user_name", password, groupPrefix = "group_prefix", owner, interval
        }
    }

    /// RFC 5176 requests to the BNGs.
    public struct CoA: Hashable, Sendable, Codable {
        /// The shared secret of the BNGs' CoA listeners.
        public var secret: Secret
        /// Port on each session's NAS-IP-Address (default 3799).
        public var port: Int?
        /// `address:port` per BNG id, when its listener is not on the NAS-IP-Address.
        public var targets: [String: String]?
        /// Wait per transmission (default 2s; two transmissions).
        public var timeout: OSSDuration?
        /// Network namespace (a name under /run/netns) to send from, when the BNGs are reachable
        /// only there, as in the lab, where the API serves on the machine's loopback.
        public var networkNamespace: String?

        enum CodingKeys: String, CodingKey {
            case secret, port, targets, timeout
            case networkNamespace = "network_namespace"
        }
    }

    /// The lab this API serves a topology page and demo commands for (aether-lab writes it).
    public struct Lab: Hashable, Sendable, Codable {
        /// The lab's topology file.
        public var topology: String
        /// The simulator file whose demo commands the dashboard may run (none: no demo panel).
        public var simulator: String?
        /// The harness profile the lab runs under (its namespaces are `aet-<profile>-…`).
        public var profile: String
        /// That profile's state folder.
        public var stateDirectory: String

        enum CodingKeys: String, CodingKey {
            case topology, simulator, profile
            case stateDirectory = "state_directory"
        }
    }

    public var postgres: Postgres
    public var redis: Redis?
    public var ingestor: Ingestor?
    public var retention: Retention?
    public var api: API?
    public var provisioning: Provisioning?
    public var coa: CoA?
    public var lab: Lab?

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
        if configuration.api != nil { _ = try configuration.resolveAPI(source: source, readSecrets: false) }
        return configuration
    }

    /// The settings with every default applied and (with `readSecrets`) every secret read.
    public func resolve(source: String, readSecrets: Bool = true) throws -> OSSSettings {
        func fail(_ key: String, _ why: String) -> ConfigurationError { ConfigurationError("\(source): key \"\(key)\": \(why)") }
        let info = try Self.connectionInfo(postgres, key: "postgres", source: source, readSecrets: readSecrets)
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

extension OSSConfiguration {
    /// Connection parameters of a `postgres`-shaped section at `key`.
    public static func connectionInfo(_ postgres: Postgres, key: String, source: String, readSecrets: Bool,
                                      defaultDatabase: String = "oss") throws -> PostgresConnectionInfo {
        var info = PostgresConnectionInfo(host: postgres.host, port: postgres.port ?? 5432, database: postgres.database ?? defaultDatabase,
                                          user: postgres.user, applicationName: "aether-oss")
        if readSecrets { info.password = try postgres.password?.resolve(key: "\(key).password", file: source) }
        if let schema = postgres.schema {
            guard let first = schema.unicodeScalars.first, first.properties.isLowercase || first == "_", schema.utf8.count <= 63,
                  schema.unicodeScalars.allSatisfy({ ($0.isASCII && ($0.properties.isLowercase || ("0"..."9").contains($0))) || $0 == "_" }) else {
                throw ConfigurationError("\(source): key \"\(key).schema\": \"\(schema)\" must be a lower-case identifier (a–z, 0–9, _)")
            }
            info.options = "-c search_path=\(schema)"
        }
        return info
    }

    /// What `aether-api` needs, defaults applied and (with `readSecrets`) secrets read.
    public func resolveAPI(source: String, readSecrets: Bool = true) throws -> OSSAPIOptions {
        func fail(_ key: String, _ why: String) -> ConfigurationError { ConfigurationError("\(source): key \"\(key)\": \(why)") }
        let settings = try resolve(source: source, readSecrets: readSecrets)
        guard let api else { throw fail("api", "is missing: aether-api needs at least api.token") }
        let listen = api.listen ?? "127.0.0.1:8080"
        guard let colon = listen.lastIndex(of: ":"), let port = Int(listen[listen.index(after: colon)...]), (0...65_535).contains(port),
              !listen[..<colon].isEmpty else {
            throw fail("api.listen", "\"\(listen)\" is not address:port")
        }
        guard let tokenSecret = api.token else { throw fail("api.token", "is required: mutations need a bearer token") }
        let token = readSecrets ? try tokenSecret.resolve(key: "api.token", file: source) : "unread"
        guard !readSecrets || token.utf8.count >= 16 else { throw fail("api.token", "is shorter than 16 characters") }
        let threads = api.databaseThreads ?? max(2, min(8, ProcessInfo.processInfo.activeProcessorCount))
        guard (1...64).contains(threads) else { throw fail("api.database_threads", "\(threads) is not in 1…64") }
        var options = OSSAPIOptions(oss: settings, host: String(listen[..<colon]), port: port, token: token,
                                    heartbeatTimeoutSeconds: Int((api.heartbeatTimeout?.duration ?? .seconds(30)).components.seconds),
                                    chartJSDirectory: api.chartjs ?? "/usr/share/javascript/chart.js", dashboardDirectory: api.dashboard,
                                    databaseThreads: threads, streamInterval: api.streamInterval?.duration ?? .seconds(1),
                                    cacheTTL: api.cache?.duration ?? .seconds(1))
        if let provisioning {
            let radius = try Self.connectionInfo(provisioning.radius, key: "provisioning.radius", source: source, readSecrets: readSecrets,
                                                 defaultDatabase: "radius")
            let password = readSecrets ? try provisioning.password.resolve(key: "provisioning.password", file: source) : "unread"
            let prefix = provisioning.groupPrefix ?? "aether-plan-"
            guard !prefix.isEmpty, prefix.utf8.count <= 40 else { throw fail("provisioning.group_prefix", "must be 1–40 characters") }
            options.provisioning = .init(radius: radius, userNameTemplate: provisioning.userName ?? "{bng}/{remote_id}/{circuit_id}",
                                         password: password, groupPrefix: prefix, owner: provisioning.owner ?? "oss",
                                         interval: provisioning.interval?.duration ?? .seconds(60))
        }
        if let coa {
            let port = coa.port ?? 3799
            guard (1...65_535).contains(port) else { throw fail("coa.port", "\(port) is not a port") }
            let secret = readSecrets ? try coa.secret.resolve(key: "coa.secret", file: source) : "unread"
            if let name = coa.networkNamespace, name.isEmpty || name.contains("/") || name.hasPrefix(".") {
                throw fail("coa.network_namespace", "\"\(name)\" is not a namespace name (a file under /run/netns)")
            }
            options.coa = .init(secret: secret, port: UInt16(port), targets: coa.targets ?? [:],
                                timeout: coa.timeout?.duration ?? .seconds(2), networkNamespace: coa.networkNamespace)
        }
        if let lab {
            for (key, path) in [("lab.topology", lab.topology), ("lab.state_directory", lab.stateDirectory)] + (lab.simulator.map { [("lab.simulator", $0)] } ?? [])
            where !path.hasPrefix("/") {
                throw fail(key, "\"\(path)\" must be an absolute path")
            }
        }
        options.lab = lab
        return options
    }
}

/// `aether-api`'s settings, defaults applied and secrets read.
public struct OSSAPIOptions: Sendable {
    public struct Provisioning: Sendable {
        public var radius: PostgresConnectionInfo
        public var userNameTemplate: String
        public var password: String
        public var groupPrefix: String
        public var owner: String
        public var interval: Duration
    }
    public struct CoA: Sendable {
        public var secret: String
        public var port: UInt16
        public var targets: [String: String]
        public var timeout: Duration
        public var networkNamespace: String?
    }
    public var oss: OSSSettings
    public var host: String
    public var port: Int
    public var token: String
    public var heartbeatTimeoutSeconds: Int
    public var chartJSDirectory: String
    public var dashboardDirectory: String?
    public var databaseThreads: Int
    public var streamInterval: Duration
    public var cacheTTL: Duration
    public var provisioning: Provisioning?
    public var coa: CoA?
    public var lab: OSSConfiguration.Lab?
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
