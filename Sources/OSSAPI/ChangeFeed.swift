import EventSourcing
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Metrics
import ServiceLifecycle
import ServiceSupport
import Synchronization

/// The API process's one change feed, fanned out to every `/api/stream` viewer as Server-Sent
/// Events.
///
/// One connection `LISTEN`s on `oss_changes` (the ingestor notifies once per committed batch);
/// while anyone watches, a notification, or `refresh` without one, makes the feed build one tick — the stats, the BNGs,
/// the access nodes and which sessions started, stopped or changed — with one set of queries,
/// at most once per `interval`, whatever the number of viewers. Each message has an id
/// (`<feed>-<n>`); the last `replayLimit` are kept, so a viewer that reconnects with
/// `Last-Event-ID` gets exactly what it missed, and one whose id is unknown (older, or another
/// process's) gets a `reset` and the current state.
public final class ChangeFeed: Service, Sendable {
    /// One message of the feed.
    public struct Message: Sendable {
        public var sequence: UInt64
        public var event: String
        /// JSON data; nil for `sessions`, which is built per viewer from `sessions`.
        var data: String?
        var sessions: SessionsChange?
    }

    /// What changed among live sessions since the previous tick.
    struct SessionsChange: Sendable {
        var started: [ActiveSession]
        var stopped: [String]
        /// Changed rows of sessions some viewer watches.
        var updated: [String: ActiveSession]
        var updatedCount: Int
    }

    /// What the producer returns for a tick: the messages, and the watch set to use next time.
    /// `membership`: sessions may have started or stopped since the last tick (else only counters moved).
    typealias Producer = @Sendable (_ watched: Set<String>, _ membership: Bool) async throws -> [(event: String, data: String?, sessions: SessionsChange?)]

    public let identifier: String
    let listen: PostgresConnectionInfo?
    let channel: String
    let interval: Duration
    let refresh: Duration
    let replayLimit: Int
    private let doorbell = Doorbell()
    private let state = Mutex(State())
    private let logger: Logger
    private let ticks: Counter
    private let sent: Counter

    private struct Viewer {
        var continuation: AsyncStream<Message>.Continuation
        var watch: Set<String>
    }

    private struct State {
        var producer: Producer?
        /// A notification said sessions came or went (or the feed cannot know: it starts, reconnects, refreshes).
        var membership = true
        var sequence: UInt64 = 0
        var recent: [Message] = []
        /// The last message of each kind, for a new viewer's first screen.
        var latest: [String: Message] = [:]
        var viewers: [UInt64: Viewer] = [:]
        var nextViewer: UInt64 = 0
    }

    public init(listen: PostgresConnectionInfo?, channel: String = "oss_changes", interval: Duration = .seconds(1),
                refresh: Duration = .seconds(5), replayLimit: Int = 512, logger: Logger = Logger(label: "aether.api.feed")) {
        identifier = String(UInt64(Date().timeIntervalSince1970 * 1000), radix: 36)
        self.listen = listen
        self.channel = channel
        self.interval = interval
        self.refresh = refresh
        self.replayLimit = replayLimit
        self.logger = logger
        ticks = Counter(label: "aether_api_feed_ticks_total")
        sent = Counter(label: "aether_api_feed_messages_total")
    }

    func setProducer(_ producer: @escaping Producer) { state.withLock { $0.producer = producer } }

    /// Open stream connections.
    public var viewers: Int { state.withLock { $0.viewers.count } }

    /// Asks for a tick soon (a change made through the API itself).
    public func poke() { doorbell.ring() }

    /// Listens and ticks until shutdown; viewers' streams end with it.
    public func run() async throws {
        let stop = StopFlag()
        let wakeup = try PollWakeup()
        await withThrowingTaskGroup(of: Void.self) { group in
            if let listen {
                group.addTask { [self] in
                    try await DedicatedThread.run(name: "feed-listen", onCancel: { stop.set(); wakeup.signal() }) {
                        self.listenLoop(listen, stop: stop, wakeup: wakeup)
                    }
                }
            }
            group.addTask { [self] in
                var heartbeat = ContinuousClock.now
                while !Task.isCancelled && !stop.isSet {
                    let started = ContinuousClock.now
                    await tick()
                    if ContinuousClock.now - heartbeat >= .seconds(15) {
                        heartbeat = .now
                        broadcast(event: "heartbeat", data: nil, sessions: nil, keep: false)
                    }
                    let rest = interval - (ContinuousClock.now - started)
                    if rest > .zero { try? await Task.sleep(for: rest) }
                    await doorbell.wait(atMost: refresh)
                    if !Task.isCancelled, ContinuousClock.now - started >= refresh { state.withLock { $0.membership = true } }
                }
            }
            await withGracefulShutdownHandler {
                try? await group.next()
            } onGracefulShutdown: { [doorbell] in
                stop.set()
                wakeup.signal()
                doorbell.ring()
            }
            group.cancelAll()
            finishViewers()
        }
    }

    private func listenLoop(_ info: PostgresConnectionInfo, stop: StopFlag, wakeup: PollWakeup) {
        var connection: PostgresConnection?
        while !stop.isSet {
            do {
                if connection == nil {
                    let opened = try PostgresConnection(info)
                    // The projection signals `<channel>.<schema>`: this OSS's schema only.
                    let schema = try opened.query("SELECT current_schema() AS schema").value("schema") ?? "public"
                    try opened.listen("\(channel).\(schema)")
                    connection = opened
                    state.withLock { $0.membership = true }
                    doorbell.ring()
                }
                if let connection {
                    let notes = try connection.waitForNotifications(timeoutMilliseconds: 1000, wakeup: wakeup)
                    if !notes.isEmpty {
                        if notes.contains(where: { $0.payload != "counters" }) { state.withLock { $0.membership = true } }
                        doorbell.ring()
                    }
                }
            } catch {
                logger.debug("change feed listener lost its connection; reconnecting", metadata: ["error": "\(error)"])
                connection = nil
                var descriptor = pollfd(fd: wakeup.descriptor, events: Int16(POLLIN), revents: 0)
                _ = poll(&descriptor, 1, 1000)
            }
        }
    }

    private func tick() async {
        let (producer, watched, viewers, membership) = state.withLock { state in
            defer { if !state.viewers.isEmpty { state.membership = false } }
            return (state.producer, state.viewers.values.reduce(into: Set<String>()) { $0.formUnion($1.watch) }, state.viewers.count,
                    state.membership)
        }
        // Nobody watching: nothing to build (a new viewer rings for a tick at once).
        guard let producer, viewers > 0 else { return }
        do {
            for message in try await producer(watched, membership) {
                broadcast(event: message.event, data: message.data, sessions: message.sessions, keep: true)
            }
            ticks.increment()
        } catch {
            logger.warning("change feed tick failed", metadata: ["error": "\(error)"])
        }
    }

    private func broadcast(event: String, data: String?, sessions: SessionsChange?, keep: Bool) {
        let targets = state.withLock { state -> [(AsyncStream<Message>.Continuation, Message)] in
            state.sequence += 1
            let message = Message(sequence: state.sequence, event: event, data: data, sessions: sessions)
            if keep {
                state.recent.append(message)
                if state.recent.count > replayLimit { state.recent.removeFirst(state.recent.count - replayLimit) }
                if sessions == nil { state.latest[event] = message }
            }
            return state.viewers.values.map { ($0.continuation, message) }
        }
        for (continuation, message) in targets { continuation.yield(message) }
        sent.increment(by: targets.count)
    }

    private func finishViewers() {
        let viewers = state.withLock { state -> [Viewer] in
            defer { state.viewers.removeAll() }
            return Array(state.viewers.values)
        }
        for viewer in viewers { viewer.continuation.finish() }
    }

    /// Subscribes a viewer: first what it missed since `lastEventID` (or `reset` and the latest
    /// state), then every new message.
    func subscribe(lastEventID: String?, watch: Set<String>) -> (id: UInt64, stream: AsyncStream<Message>) {
        let (stream, continuation) = AsyncStream<Message>.makeStream(bufferingPolicy: .bufferingNewest(1024))
        let id = state.withLock { state -> UInt64 in
            state.nextViewer += 1
            var replay: [Message]?
            if let lastEventID, let sequence = Self.sequence(of: lastEventID, feed: identifier) {
                if sequence == state.sequence {
                    replay = []
                } else if let first = state.recent.first, sequence >= first.sequence - 1, sequence < state.sequence {
                    replay = state.recent.filter { $0.sequence > sequence }
                }
            }
            if let replay {
                for message in replay { continuation.yield(message) }
            } else {
                continuation.yield(Message(sequence: state.sequence, event: "reset", data: "{}"))
                for message in state.latest.values.sorted(by: { $0.sequence < $1.sequence }) { continuation.yield(message) }
            }
            state.viewers[state.nextViewer] = Viewer(continuation: continuation, watch: watch)
            return state.nextViewer
        }
        doorbell.ring()
        continuation.onTermination = { [weak self] _ in
            _ = self?.state.withLock { $0.viewers.removeValue(forKey: id) }
        }
        return (id, stream)
    }

    static func sequence(of eventID: String, feed: String) -> UInt64? {
        let parts = eventID.split(separator: "-")
        guard parts.count == 2, parts[0] == feed else { return nil }
        return UInt64(parts[1])
    }

    /// The SSE response for `request`: `watch` (comma-separated session ids whose counter changes
    /// to receive), `Last-Event-ID` header or `last_event_id` parameter.
    func response(for request: Request) -> Response {
        let query = request.uri.queryParameters
        let watch = Set((query["watch"].map(String.init) ?? "").split(separator: ",").prefix(500).map { $0.lowercased() })
        let lastEventID = request.headers[HTTPField.Name("Last-Event-ID")!] ?? query["last_event_id"].map(String.init)
        let (_, stream) = subscribe(lastEventID: lastEventID, watch: watch)
        let feed = identifier
        return Response(status: .ok,
                        headers: [.contentType: "text/event-stream", .cacheControl: "no-cache", HTTPField.Name("X-Accel-Buffering")!: "no"],
                        body: ResponseBody { writer in
                            try await writer.write(ByteBuffer(string: "retry: 3000\n\n"))
                            // The server shuts down before the feed does: end the stream with it.
                            for await message in stream.cancelOnGracefulShutdown() {
                                try await writer.write(ByteBuffer(string: Self.frame(message, feed: feed, watch: watch)))
                            }
                            try await writer.finish(nil)
                        })
    }

    static func frame(_ message: Message, feed: String, watch: Set<String>) -> String {
        if message.event == "heartbeat" { return ": heartbeat\n\n" }
        var data = message.data ?? "{}"
        if let change = message.sessions {
            let payload = SessionsPayload(started: change.started, stopped: change.stopped,
                                          updated: change.updated.filter { watch.contains($0.key) }.map(\.value),
                                          updatedCount: Int64(change.updatedCount))
            data = String(decoding: (try? APIJSON.encoder().encode(payload)) ?? Data("{}".utf8), as: UTF8.self)
        }
        return "id: \(feed)-\(message.sequence)\nevent: \(message.event)\ndata: \(data)\n\n"
    }

    /// Set once to stop a blocking loop.
    final class StopFlag: Sendable {
        private let flag = Mutex(false)
        func set() { flag.withLock { $0 = true } }
        var isSet: Bool { flag.withLock { $0 } }
    }

    struct SessionsPayload: Encodable {
        var started: [ActiveSession]
        var stopped: [String]
        var updated: [ActiveSession]
        var updatedCount: Int64

        enum CodingKeys: String, CodingKey {
            case started, stopped, updated, updatedCount = "updated_count"
        }
    }
}
