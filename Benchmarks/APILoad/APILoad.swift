import EventSourcing
import Foundation
import Glibc
import LabKit
import NetworkTypes
import OSSKit
import Synchronization

/// A fixed-rate (open-loop) load test of aether-api over 10,000 live sessions while
/// aether-ingestor takes 1,000 events/s, against the harness's PostgreSQL and Redis.
///
/// Requests are scheduled at exact instants (`rate` per second) and each one's latency is
/// counted from its scheduled instant, so a slow answer also charges the requests queued behind
/// it (no coordinated omission). Run with the test services up and release binaries built:
///
///     swift build -c release --product aether-api --product aether-ingestor
///     .build/debug/aether-lab services run --profile test -- sh -c 'cd Benchmarks && swift run -c release APILoad'
@main
struct APILoad {
    static let sessionsPerBNG = 5_000
    static let bngs = ["bng-l1", "bng-l2"]
    static let eventsPerSecond = Int(ProcessInfo.processInfo.environment["APILOAD_EVENTS"] ?? "") ?? 1_000
    static let requestRate = 200
    /// Dashboards watching the change feed while the requests run (each watching a page of 50).
    static let viewers = Int(ProcessInfo.processInfo.environment["APILOAD_VIEWERS"] ?? "") ?? 20
    static let seconds = Int(ProcessInfo.processInfo.environment["APILOAD_SECONDS"] ?? "") ?? 30

    static func main() async throws {
        let environment = ProcessInfo.processInfo.environment
        let binaries = environment["AETHER_BIN"] ?? URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent(".build/release").path
        let endpoints = try ServiceHarness(configuration: .test()).recordedEndpoints()
        let schema = "api_load_\(UInt32.random(in: 0...UInt32.max))"
        let directory = "/tmp/aether-api-load-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let admin = try PostgresConnection(endpoints.postgres.oss)
        try admin.execute(script: "CREATE SCHEMA \(schema)")
        // APILOAD_KEEP=1 keeps the schema for EXPLAIN afterwards.
        defer { if environment["APILOAD_KEEP"] == nil { _ = try? admin.execute(script: "DROP SCHEMA \(schema) CASCADE") } else { print("kept schema \(schema)") } }
        var info = endpoints.postgres.oss
        info.options = "-c search_path=\(schema)"

        // 10,000 live sessions, half of them on provisioned lines.
        print("loading \(sessionsPerBNG * bngs.count) sessions…")
        let store = try PostgresEventStore(pool: PostgresPool(info, maximumConnections: 2))
        try store.migrate()
        let connection = try PostgresConnection(info)
        try OSSSchema.migrate(connection)
        try OSSSeed.load(into: connection)
        let now = Int64(Date().timeIntervalSince1970 * 1_000_000)
        var lines: [[SessionLine]] = []
        var sources: [EventSource] = []
        for (b, bng) in bngs.enumerated() {
            let source = EventSource(bngID: bng, instanceID: UUID())
            sources.append(source)
            var bngLines: [SessionLine] = []
            var events: [EventEnvelope] = []
            for index in 0..<sessionsPerBNG {
                let line = SessionLine(sessionID: UUID(), nasIP: IPv4Address(10, 0, 0, UInt8(b + 1)), remoteID: "an-\(b)-\(index / 50)",
                                       circuitID: "an-\(b)-\(index / 50)/\(index % 50 + 1)",
                                       macAddress: MACAddress(0x02, UInt8(b), 0, UInt8(index >> 8 & 0xff), UInt8(index & 0xff), 1),
                                       ipAddress: IPv4Address(100, 64 + UInt8(b), UInt8(index >> 8 & 0xff), UInt8(index & 0xff)),
                                       username: "\(bng)/an-\(b)-\(index / 50)/\(index % 50 + 1)")
                bngLines.append(line)
                let at = EventTimestamp(rawValue: now - 600_000_000 + Int64(index) * 1000)
                events.append(EventEnvelope(source: source, seq: UInt64(events.count + 1), timestamp: at, payload: .sessionStart(SessionStartPayload(line: line, startedAt: at))))
                events.append(EventEnvelope(source: source, seq: UInt64(events.count + 1), timestamp: at,
                                            payload: .policyApply(PolicyApplyPayload(line: line, authState: .authorized, downloadKbps: 100_000, uploadKbps: 30_000))))
            }
            for start in stride(from: 0, to: events.count, by: 1000) {
                _ = try store.append(Array(events[start..<min(start + 1000, events.count)]), projection: OSSProjection())
            }
            lines.append(bngLines)
        }
        try connection.execute(script: """
            INSERT INTO customers (name) SELECT 'Load customer ' || g FROM generate_series(1, 1000) g;
            INSERT INTO services (customer_id, plan_id, bng_id, remote_id, circuit_id)
              SELECT (SELECT min(customer_id) FROM customers) + (row_number() OVER () - 1) % 1000, 1, bng_id, remote_id, circuit_id
              FROM sessions_active WHERE bng_id = 'bng-l1';
            ANALYZE;
            """)

        // The processes, from release builds.
        let stream = "api-load:\(UInt32.random(in: 0...UInt32.max))"
        let port = Int.random(in: 40_000...49_999)
        try (endpoints.postgres.oss.password ?? "").write(toFile: directory + "/postgres.password", atomically: true, encoding: .utf8)
        try (endpoints.redis.password ?? "").write(toFile: directory + "/redis.password", atomically: true, encoding: .utf8)
        try "load-test-token-0123456789".write(toFile: directory + "/api.token", atomically: true, encoding: .utf8)
        guard case .unixSocket(let socket) = endpoints.redis.address else { fatalError("the harness Redis has no socket") }
        let config = directory + "/oss.yaml"
        try """
            postgres: {host: \(info.host), port: \(info.port), database: \(info.database), user: \(info.user), password: {file: \(directory)/postgres.password}, schema: \(schema)}
            redis: {socket: \(socket), password: {file: \(directory)/redis.password}, stream: \(stream)}
            ingestor: {group: oss, name: load, batch_size: 500, metrics: ""}
            api: {listen: "127.0.0.1:\(port)", token: {file: \(directory)/api.token}\(environment["APILOAD_DB_THREADS"].map { ", database_threads: \($0)" } ?? "")}
            """.write(toFile: config, atomically: true, encoding: .utf8)
        let ingestor = try BackgroundProcess([binaries + "/aether-ingestor", "run", "--config", config], logPath: directory + "/ingestor.log")
        let api = try BackgroundProcess([binaries + "/aether-api", "run", "--config", config], logPath: directory + "/api.log")
        defer {
            kill(api.handle.pid, SIGTERM)
            kill(ingestor.handle.pid, SIGTERM)
            _ = try? RedisConnection(endpoints.redis).command(["DEL", stream])
        }
        // Readiness: /health answers 200 (polled, up to a minute).
        var ready = false
        for _ in 0..<600 where !ready {
            ready = (try? HTTPLoad.get(port: port, path: "/health").status) == 200
            if !ready { try await Task.sleep(for: .milliseconds(100)) }
        }
        guard ready else { fatalError("aether-api did not answer /health; see \(directory)/api.log") }

        // 1,000 SESSION_UPDATEs a second, spread over the sessions, on a thread of its own.
        let publishing = Mutex(true)
        let published = Mutex(0)
        let allLines = lines, allSources = sources
        let publisher = Thread {
            do {
                let redis = try RedisConnection(endpoints.redis)
                let codec = EventCodec()
                var seqs = [UInt64](repeating: UInt64(sessionsPerBNG * 2), count: bngs.count)
                var counters = [[UInt64]](repeating: [UInt64](repeating: 0, count: sessionsPerBNG), count: bngs.count)
                var tick = 0
                let start = Date()
                while eventsPerSecond > 0 && publishing.withLock({ $0 }) {
                    var commands: [[[UInt8]]] = []
                    for _ in 0..<(eventsPerSecond / 10) {
                        let b = tick % bngs.count, index = (tick / bngs.count) % sessionsPerBNG
                        tick += 1
                        seqs[b] += 1
                        counters[b][index] += 1_500_000
                        let event = EventEnvelope(source: allSources[b], seq: seqs[b], timestamp: EventTimestamp(rawValue: Int64(Date().timeIntervalSince1970 * 1_000_000)),
                                                  payload: .sessionUpdate(SessionUpdatePayload(line: allLines[b][index], counters: SessionCounters(
                                                      bytesUp: counters[b][index] / 10, bytesDown: counters[b][index], packetsUp: 1, packetsDown: 1))))
                        commands.append(try EventStreamFormat.xadd(event, to: stream, codec: codec))
                    }
                    _ = try redis.pipeline(commands)
                    published.withLock { $0 += commands.count }
                    let next = start.addingTimeInterval(Double(tick) / Double(eventsPerSecond))
                    let wait = next.timeIntervalSinceNow
                    if wait > 0 { Thread.sleep(forTimeInterval: wait) }
                }
            } catch {
                print("publisher failed: \(error)")
            }
        }
        publisher.start()
        defer { publishing.withLock { $0 = false } }

        // Dashboards on the feed: each reads and discards its Server-Sent Events.
        let ids = lines.flatMap { $0 }.map { $0.sessionID.lowercasedText }
        for viewer in 0..<viewers {
            let watch = ids[(viewer * 50) % ids.count..<min((viewer * 50) % ids.count + 50, ids.count)].joined(separator: ",")
            let reader = Thread {
                guard let connection = try? HTTPLoad.Connection(port: port) else { return }
                connection.stream("/api/stream?watch=\(watch)") { publishing.withLock { $0 } }
            }
            reader.start()
        }
        try await Task.sleep(for: .seconds(5))

        var report: [String] = ["| request | sent/s | p50 ms | p90 ms | p99 ms | max ms | errors |", "|---|---|---|---|---|---|---|"]
        for path in ["/api/sessions/active?limit=50", "/api/stats", "/api/stats/traffic-series?range=1h", "/api/sessions/active?limit=50&search=an-1-7"] {
            let result = try HTTPLoad.run(port: port, path: path, rate: requestRate, seconds: seconds, connections: 16)
            let line = String(format: "| `GET %@` | %.0f | %.2f | %.2f | %.2f | %.2f | %d |", path, result.achievedRate,
                              result.percentile(0.5), result.percentile(0.9), result.percentile(0.99), result.percentile(1.0), result.errors)
            print(line)
            report.append(line)
        }
        publishing.withLock { $0 = false }
        let sent = published.withLock { $0 }
        try await Task.sleep(for: .seconds(3))
        let applied: Int64 = try connection.query("SELECT coalesce(sum(applied_through), 0) - \(sessionsPerBNG * 2 * bngs.count) AS n FROM event_sources").decode("n")
        let sessions: Int64 = try connection.query("SELECT count(*) AS n FROM sessions_active").decode("n")
        print("\nover \(sessions) live sessions with \(viewers) dashboards on /api/stream; \(sent) SESSION_UPDATEs published at \(eventsPerSecond)/s, \(applied) applied by the end")
        print(report.joined(separator: "\n"))
    }
}

/// Seconds on the monotonic clock.
func monotonic() -> Double {
    var spec = timespec()
    clock_gettime(CLOCK_MONOTONIC, &spec)
    return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
}

/// A minimal HTTP/1.1 keep-alive client over blocking sockets, one per load thread.
enum HTTPLoad {
    struct Result {
        var latencies: [Double]
        var errors: Int
        var achievedRate: Double
        /// The nearest-rank percentile (`p` in 0…1), in milliseconds.
        func percentile(_ p: Double) -> Double {
            guard !latencies.isEmpty else { return .nan }
            let sorted = latencies.sorted()
            let rank = Int((Double(sorted.count) * p).rounded(.up))
            return sorted[min(sorted.count, max(rank, 1)) - 1]
        }
    }

    final class Connection {
        let fd: Int32
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        init(port: Int) throws {
            fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var one: Int32 = 1
            setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = UInt16(port).bigEndian
            address.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
            let status = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
            guard status == 0 else { throw LabKitError(.systemCallFailed, "connect to 127.0.0.1:\(port): errno \(errno)") }
        }
        deinit { close(fd) }

        /// Sends one GET and reads the whole response; returns the status.
        func get(_ path: String) throws -> Int {
            let request = Array("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n".utf8)
            guard request.withUnsafeBytes({ send(fd, $0.baseAddress, $0.count, 0) }) == request.count else { throw LabKitError(.systemCallFailed, "send") }
            var received = 0
            var headerEnd = -1, length = 0, status = 0
            while true {
                let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress! + received, $0.count - received, 0) }
                guard count > 0 else { throw LabKitError(.systemCallFailed, "recv: connection closed") }
                received += count
                if headerEnd < 0, let end = find([13, 10, 13, 10], upTo: received) {
                    headerEnd = end + 4
                    let head = String(decoding: buffer[0..<end], as: UTF8.self)
                    status = Int(head.split(separator: " ").dropFirst().first ?? "") ?? 0
                    for line in head.split(separator: "\r\n") where line.lowercased().hasPrefix("content-length:") {
                        length = Int(line.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)) ?? 0
                    }
                }
                if headerEnd >= 0 && received >= headerEnd + length { return status }
            }
        }

        /// Sends one GET and reads until `keepGoing` says stop (a stream).
        func stream(_ path: String, while keepGoing: () -> Bool) {
            let request = Array("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n".utf8)
            guard request.withUnsafeBytes({ send(fd, $0.baseAddress, $0.count, 0) }) == request.count else { return }
            var timeout = timeval(tv_sec: 1, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            while keepGoing() {
                let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                if count == 0 { return }
            }
        }

        private func find(_ needle: [UInt8], upTo end: Int) -> Int? {
            guard end >= needle.count else { return nil }
            for index in 0...(end - needle.count) where buffer[index] == needle[0] && Array(buffer[index..<index + needle.count]) == needle { return index }
            return nil
        }
    }

    static func get(port: Int, path: String) throws -> (status: Int, Void) { (try Connection(port: port).get(path), ()) }

    /// `rate` requests a second for `seconds`, each at its scheduled instant, over `connections` threads.
    static func run(port: Int, path: String, rate: Int, seconds: Int, connections: Int) throws -> Result {
        let total = rate * seconds
        let next = Mutex(0)
        let latencies = Mutex<[Double]>([])
        let errors = Mutex(0)
        let start = monotonic() + 0.2
        let group = DispatchGroup()
        for _ in 0..<connections {
            group.enter()
            let thread = Thread {
                defer { group.leave() }
                guard let connection = try? Connection(port: port) else { errors.withLock { $0 += 1 }; return }
                var mine: [Double] = []
                while true {
                    let index = next.withLock { value -> Int in defer { value += 1 }; return value }
                    guard index < total else { break }
                    let scheduled = start + Double(index) / Double(rate)
                    let wait = scheduled - monotonic()
                    if wait > 0 { Thread.sleep(forTimeInterval: wait) }
                    let status = (try? connection.get(path)) ?? 0
                    if status != 200 { errors.withLock { $0 += 1 } }
                    mine.append((monotonic() - scheduled) * 1000)
                }
                latencies.withLock { $0 += mine }
            }
            thread.start()
        }
        group.wait()
        let elapsed = monotonic() - start
        return Result(latencies: latencies.withLock { $0 }, errors: errors.withLock { $0 }, achievedRate: Double(total) / elapsed)
    }
}
