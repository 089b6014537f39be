import Glibc
import Metrics
import ServiceLifecycle
import Synchronization

/// A queue served by one dedicated thread that takes everything waiting at once: callers
/// ``submit(_:)`` without blocking, and `process` gets the items in submission order, in
/// batches as large as the backlog (group commit for a database, one netlink batch for many
/// kernel changes).
///
/// A ServiceLifecycle `Service`: ``run()`` serves until graceful shutdown or cancellation, then
/// processes what is still queued and returns once its thread is gone.
public final class BatchingWorker<Item: Sendable>: Service, Sendable {
    private struct State {
        var items: [Item] = []
        var stopped = false
    }

    /// The thread's name.
    public let name: String
    /// Largest batch handed to `process` (the rest waits for the next round).
    public let maximumBatch: Int
    private let state = Mutex(State())
    private let wakeup: PollWakeup
    private let process: @Sendable ([Item]) -> Void
    private let depth: Gauge

    /// A worker whose thread is named `name`; `process` runs on it.
    public init(name: String, maximumBatch: Int = 4096, depth: Gauge? = nil, process: @escaping @Sendable ([Item]) -> Void) throws {
        self.name = name
        self.maximumBatch = max(1, maximumBatch)
        self.process = process
        self.depth = depth ?? Gauge(label: "aether_worker_queue_depth", dimensions: [("worker", name)])
        wakeup = try PollWakeup()
    }

    /// Items waiting.
    public var backlog: Int { state.withLock { $0.items.count } }

    /// Queues `item`; never blocks.
    public func submit(_ item: Item) {
        submit(contentsOf: [item])
    }

    /// Queues `items` in order; never blocks.
    public func submit(contentsOf items: [Item]) {
        guard !items.isEmpty else { return }
        let count = state.withLock { state -> Int in
            state.items += items
            return state.items.count
        }
        depth.record(count)
        wakeup.signal()
    }

    /// Serves until graceful shutdown or cancellation; what is queued then is still processed.
    public func run() async throws {
        try await BlockingService.run(name: name, stop: { [self] in
            state.withLock { $0.stopped = true }
            wakeup.signal()
        }) { [self] in serve() }
    }

    private func serve() {
        var entry = pollfd(fd: wakeup.descriptor, events: Int16(POLLIN), revents: 0)
        while true {
            let (batch, stopped, left) = state.withLock { state -> ([Item], Bool, Int) in
                let batch = Array(state.items.prefix(maximumBatch))
                state.items.removeFirst(batch.count)
                return (batch, state.stopped, state.items.count)
            }
            if !batch.isEmpty {
                depth.record(left)
                process(batch)
                continue
            }
            if stopped { return }
            entry.revents = 0
            if poll(&entry, 1, -1) < 0, errno != EINTR { return }
            wakeup.drain()
        }
    }
}
