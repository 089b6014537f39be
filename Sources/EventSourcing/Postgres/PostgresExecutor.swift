import Foundation
import Logging
import ServiceLifecycle
import ServiceSupport

/// Runs blocking libpq work for async callers on a fixed set of dedicated threads, each owning
/// one connection (house style rule 21: no libpq call on the cooperative pool).
///
/// Jobs queue in arrival order and the first idle thread takes the next; a thread whose
/// connection broke opens a new one for its next job, which is the executor's reconnect. The
/// threads live exactly as long as ``run()``: jobs submitted before it wait, jobs still queued
/// when it returns fail with `poolExhausted`.
///
/// ```swift
/// let executor = PostgresExecutor(info, threads: 4)
/// // in a ServiceGroup, or withRunningService(executor) { … }
/// let count: Int64 = try await executor.run { try $0.query("SELECT count(*) AS n FROM plans").decode("n") }
/// ```
public final class PostgresExecutor: Service, Sendable {
    /// Where connections go.
    public let info: PostgresConnectionInfo
    /// How many threads (and so connections at most) serve jobs.
    public let threads: Int
    /// Thread name prefix (`/proc/<pid>/task/*/comm`).
    public let name: String
    private let queue: JobQueue
    private let logger: Logger

    /// An executor; nothing connects until a job needs it.
    public init(_ info: PostgresConnectionInfo, threads: Int = 4, name: String = "pg-exec",
                logger: Logger = Logger(label: "aether.eventsourcing.postgres-executor")) {
        self.info = info
        self.threads = max(1, threads)
        self.name = name
        self.logger = logger
        queue = JobQueue()
    }

    /// Runs `body` with a connection on one of the executor's threads and returns its result.
    /// A connection-loss error is thrown as is (the next job reconnects); retry only idempotent work.
    public func run<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let accepted = queue.push { connection in
                continuation.resume(with: Result { try body(try connection.get()) })
            }
            if !accepted {
                continuation.resume(throwing: EventSourcingError(.poolExhausted, "the PostgreSQL executor \(name) has stopped"))
            }
        }
    }

    /// Jobs waiting for a thread.
    public var backlog: Int { queue.count }

    /// Jobs handed to a thread since the executor was made (how much database work callers caused).
    public var jobsStarted: Int { queue.started }

    /// Starts the threads, serves jobs until graceful shutdown or cancellation, then stops them
    /// (a job in progress finishes) and fails what is still queued.
    public func run() async throws {
        var started: [DedicatedThread.Joinable] = []
        for index in 0..<threads {
            let info = self.info, queue = self.queue, logger = self.logger
            started.append(try DedicatedThread.start(name: "\(name)-\(index)") {
                var connection: PostgresConnection?
                while let job = queue.pop() {
                    if connection == nil || connection?.isHealthy == false {
                        do {
                            connection = try PostgresConnection(info)
                        } catch {
                            logger.debug("postgres executor cannot connect", metadata: ["error": "\(error)"])
                            job(.failure(error))
                            continue
                        }
                    }
                    if let connection { job(.success(connection)) }
                }
            })
        }
        let queue = self.queue
        await withTaskCancellationHandler {
            await withGracefulShutdownHandler {
                await queue.waitUntilClosed()
            } onGracefulShutdown: {
                queue.close()
            }
        } onCancel: {
            queue.close()
        }
        queue.close()
        let joined = started
        try await DedicatedThread.run(name: "\(name)-join") { for thread in joined { thread.join() } }
    }

    /// Stops the executor without a service group (what graceful shutdown does).
    public func shutdown() { queue.close() }
}

/// The executor's queue: jobs in order, a condition for the threads, a close flag. Jobs left when
/// it closes are failed by the thread that sees the close.
// @unchecked Sendable: every stored property is read and written under `condition`.
private final class JobQueue: @unchecked Sendable {
    typealias Job = @Sendable (Result<PostgresConnection, any Error>) -> Void
    private let condition = NSCondition()
    private var jobs: [Job] = []
    private var head = 0
    private var taken = 0
    private var closed = false
    private var closeWaiters: [CheckedContinuation<Void, Never>] = []

    var count: Int {
        condition.lock()
        defer { condition.unlock() }
        return jobs.count - head
    }

    var started: Int {
        condition.lock()
        defer { condition.unlock() }
        return taken
    }

    /// Adds a job; false once closed.
    func push(_ job: @escaping Job) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        guard !closed else { return false }
        jobs.append(job)
        condition.signal()
        return true
    }

    /// The next job, blocking until there is one; nil once closed (queued jobs are failed first).
    func pop() -> Job? {
        condition.lock()
        while head == jobs.count && !closed { condition.wait() }
        if closed {
            let left = Array(jobs[head...])
            jobs.removeAll()
            head = 0
            condition.unlock()
            for job in left { job(.failure(EventSourcingError(.poolExhausted, "the PostgreSQL executor stopped before this job ran"))) }
            return nil
        }
        let job = jobs[head]
        head += 1
        taken += 1
        if head > 1024 && head * 2 > jobs.count {
            jobs.removeFirst(head)
            head = 0
        }
        condition.unlock()
        return job
    }

    func close() {
        condition.lock()
        closed = true
        let waiters = closeWaiters
        closeWaiters.removeAll()
        condition.broadcast()
        condition.unlock()
        for waiter in waiters { waiter.resume() }
    }

    func waitUntilClosed() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            condition.lock()
            if closed {
                condition.unlock()
                continuation.resume()
            } else {
                closeWaiters.append(continuation)
                condition.unlock()
            }
        }
    }
}
