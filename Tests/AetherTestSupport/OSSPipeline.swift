import EventSourcing
import Foundation
import LabKit

/// The OSS pipeline as processes: a folder with secrets and configuration files, a Redis stream
/// of its own, `aether-ingestor` runs started from them, and events published to the stream.
public struct OSSPipeline: Sendable {
    public let directory: String
    public let stream: String
    public let schema: String
    public let endpoints: ServiceEndpoints
    /// The Redis the stream is in (the harness's unless the test brought its own).
    public let redis: RedisEndpoint
    /// The PostgreSQL the ingestors write to (the harness's `oss` unless the test brought its own).
    public let postgres: PostgresConnectionInfo

    /// A pipeline on `stream` (a fresh one by default) in `redis` (the harness's by default),
    /// writing to `postgres` (the harness's `oss` database by default).
    public init(schema: String, endpoints: ServiceEndpoints, stream: String? = nil, redis: RedisEndpoint? = nil,
                postgres: PostgresConnectionInfo? = nil) throws {
        directory = "/tmp/aether-test-ingestor-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        self.stream = stream ?? "oss-test:\(UInt32.random(in: 0...UInt32.max))"
        self.schema = schema
        self.endpoints = endpoints
        self.redis = redis ?? endpoints.redis
        self.postgres = postgres ?? endpoints.postgres.oss
        try (self.postgres.password ?? "").write(toFile: directory + "/postgres.password", atomically: true, encoding: .utf8)
        try (self.redis.password ?? "").write(toFile: directory + "/redis.password", atomically: true, encoding: .utf8)
    }

    /// A configuration file for `name`; `extra` is appended (sections for aether-api).
    public func configuration(name: String, batchSize: Int, metrics: String = "", extra: String = "") throws -> String {
        guard case .unixSocket(let socket) = redis.address else { throw LabKitError(.commandFailed, "the pipeline's Redis has no socket") }
        let path = directory + "/\(name).yaml"
        try """
            postgres:
              host: \(postgres.host)
              port: \(postgres.port)
              database: \(postgres.database)
              user: \(postgres.user)
            \(postgres.password == nil ? "" : "  password: {file: \(directory)/postgres.password}")
              schema: \(schema)
            redis:
              socket: \(socket)
            \(redis.password == nil ? "" : "  password: {file: \(directory)/redis.password}")
              stream: \(stream)
            ingestor:
              group: oss
              name: \(name)
              batch_size: \(batchSize)
              claim_idle: 1s
              metrics: "\(metrics)"
            """.appending(extra.isEmpty ? "" : "\n" + extra).write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    public func start(_ name: String, batchSize: Int = 500, metrics: String = "") throws -> BackgroundProcess {
        try BackgroundProcess([try BuiltProducts.executable("aether-ingestor"), "run", "--config",
                               try configuration(name: name, batchSize: batchSize, metrics: metrics)],
                              logPath: directory + "/\(name).log")
    }

    /// XADDs `events` in exactly this order, repeats included: a bus that reorders and
    /// redelivers (`RedisStreamProducer` would skip what it knows it already published).
    public func publish(_ events: [EventEnvelope]) throws {
        let redis = try RedisConnection(self.redis)
        let codec = EventCodec()
        for start in stride(from: 0, to: events.count, by: 1000) {
            let commands = try events[start..<min(start + 1000, events.count)].map { try EventStreamFormat.xadd($0, to: stream, codec: codec) }
            let replies = try redis.pipeline(commands)
            guard replies.allSatisfy({ $0.string != nil }) else { throw LabKitError(.commandFailed, "XADD refused: \(replies.first { $0.string == nil }!)") }
        }
    }

    public func pending(of consumer: String? = nil) throws -> Int {
        let redis = try RedisConnection(self.redis)
        if let consumer {
            return try redis.command(["XPENDING", stream, "oss", "-", "+", "1000000", consumer]).array?.count ?? 0
        }
        return Int(try redis.command(["XPENDING", stream, "oss"]).array?.first?.integer ?? 0)
    }

    public func remove() {
        _ = try? RedisConnection(redis).command(["DEL", stream, stream + ":dead"])
        if ProcessInfo.processInfo.environment["AETHER_KEEP_TEST_LOGS"] == nil { try? FileManager.default.removeItem(atPath: directory) }
    }
}

/// Events projected so far, and whether every source is settled through its last event.
