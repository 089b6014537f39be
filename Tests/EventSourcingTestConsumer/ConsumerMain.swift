import EventSourcing
import Foundation
import Glibc

/// What the crash tests tell the consumer process (JSON in argv[1]).
public struct TestConsumerConfiguration: Codable, Sendable {
    /// PostgreSQL to ingest into.
    public var postgres: PostgresConnectionInfo
    /// Redis with the stream.
    public var redis: RedisEndpoint
    /// Stream key.
    public var stream: String
    /// Group name.
    public var group: String
    /// This consumer's name.
    public var name: String
    /// `ChainProjection` table.
    public var table: String
    /// Messages per batch.
    public var batchSize: Int
    /// Idle time after which others' pending messages are claimed, ms.
    public var claimIdleMilliseconds: Int
    /// SIGKILL itself right after this many commits, before acknowledging (nil = never).
    public var dieAfterCommits: Int?

    /// A configuration.
    public init(postgres: PostgresConnectionInfo, redis: RedisEndpoint, stream: String, group: String, name: String,
                table: String, batchSize: Int, claimIdleMilliseconds: Int, dieAfterCommits: Int?) {
        self.postgres = postgres
        self.redis = redis
        self.stream = stream
        self.group = group
        self.name = name
        self.table = table
        self.batchSize = batchSize
        self.claimIdleMilliseconds = claimIdleMilliseconds
        self.dieAfterCommits = dieAfterCommits
    }
}

/// The ingest loop as a separate process, so a test can kill -9 it between commit and ack.
@main
struct TestConsumerMain {
    static func main() {
        do {
            if CommandLine.arguments.count == 5, CommandLine.arguments[1] == "append" {
                try appendThenDie(path: CommandLine.arguments[2], bngID: CommandLine.arguments[3], count: Int(CommandLine.arguments[4]) ?? 0)
            }
            guard CommandLine.arguments.count == 2 else {
                throw EventSourcingError(.invalidConfiguration, "usage: EventSourcingTestConsumer '<json configuration>'")
            }
            let configuration = try JSONDecoder().decode(TestConsumerConfiguration.self, from: Data(CommandLine.arguments[1].utf8))
            let store = try PostgresEventStore(pool: PostgresPool(configuration.postgres, maximumConnections: 1))
            let redis = ReconnectingRedis(configuration.redis, commandTimeoutMilliseconds: 5000)
            var settings = EventIngestor<RedisStreamConsumer, PostgresEventStore, ChainProjection>.Configuration()
            settings.batchSize = configuration.batchSize
            settings.blockMilliseconds = 200
            settings.claimIdleMilliseconds = configuration.claimIdleMilliseconds
            settings.claimIntervalMilliseconds = 100
            let ingestor = try EventIngestor(
                consumer: RedisStreamConsumer(redis: redis, stream: configuration.stream, group: configuration.group, name: configuration.name),
                store: store, projection: ChainProjection(table: configuration.table),
                deadLetters: RedisDeadLetterStream(redis: redis, stream: configuration.stream + ":dead"), configuration: settings,
                backoff: RetryBackoff(initialSeconds: 0.02, maximumSeconds: 0.5))
            if let limit = configuration.dieAfterCommits {
                let commits = CommitCounter()
                ingestor.afterCommit = { ids in
                    if commits.increment() >= limit {
                        print("committed \(ids.count) message(s); dying before XACK")
                        fflush(nil)
                        kill(getpid(), SIGKILL)
                    }
                }
            }
            print("consumer \(configuration.name) running")
            fflush(nil)
            ingestor.ingestLoop(control: RunControl())
        } catch {
            print("consumer failed: \(error)")
            exit(1)
        }
    }
}

/// `append <outbox> <bng> <n>`: appends n events one at a time, printing each sequence number
/// once `append` returned, then SIGKILLs itself: whatever it printed must be in the file.
func appendThenDie(path: String, bngID: String, count: Int) throws -> Never {
    let outbox = try SQLiteOutbox(path: path, bngID: bngID)
    for i in 0..<count {
        let ts = EventTimestamp(microsecondsSinceEpoch: 1_764_000_000_000_000 + Int64(i))
        let event = try outbox.append(EventDraft(timestamp: ts, payload: .bngHealthUpdate(
            BNGHealthUpdatePayload(cpuPercent: Double(i), memoryUsedBytes: UInt64(i)))))
        print("appended \(event.seq)")
        fflush(nil)
    }
    kill(getpid(), SIGKILL)
    exit(1)
}

// `@unchecked Sendable`: its one field is read and written only under `lock`.
final class CommitCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func increment() -> Int {
        lock.lock()
        defer { lock.unlock() }
        count += 1
        return count
    }
}
