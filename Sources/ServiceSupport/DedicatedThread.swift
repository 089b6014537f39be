import CLinuxNet
import Glibc
import Synchronization

/// Runs blocking work (poll loops, libpq, hiredis, SQLite, netlink) on a POSIX thread made
/// for it, never on Swift's cooperative pool (house style rule 21), and awaits it.
///
/// The thread is named (visible in `/proc/<pid>/task/*/comm`, `top -H`, `gdb`) and joined
/// before ``run(name:onCancel:_:)`` returns, so nothing it started outlives the call: a test can
/// check that no thread of that name is left.
public enum DedicatedThread {
    /// Longest thread name the kernel keeps (`TASK_COMM_LEN` − 1).
    public static let maximumNameLength = 15

    /// What the new thread runs: a name and a closure (type-erased, so the C entry point
    /// captures nothing generic).
    private final class Job {
        let name: String
        let work: () -> Void

        init(name: String, work: @escaping () -> Void) {
            self.name = name
            self.work = work
        }
    }

    /// Starts `job` on a joinable thread; returns the thread or the `pthread_create` status.
    private static func start(_ job: Job) -> Result<pthread_t, ServiceSupportError> {
        var thread = pthread_t()
        let context = Unmanaged.passRetained(job).toOpaque()
        let status = pthread_create(&thread, nil, { argument in
            guard let argument else { return nil }
            let job = Unmanaged<Job>.fromOpaque(argument).takeRetainedValue()
            _ = cln_set_thread_name(job.name)
            job.work()
            return nil
        }, context)
        guard status == 0 else {
            Unmanaged<Job>.fromOpaque(context).release()
            return .failure(ServiceSupportError(
                .threadFailed, "pthread_create for \(job.name): \(String(cString: strerror(status))) (errno \(status))"))
        }
        return .success(thread)
    }

    /// A thread started by blocking code that is itself on a dedicated thread, and joined by it.
    public struct Joinable: Sendable {
        let thread: pthread_t

        /// Waits until the thread has returned (blocking: call it from a dedicated thread only).
        public func join() {
            pthread_join(thread, nil)
        }
    }

    /// Starts `body` on a new thread named `name` (cut to 15 bytes) for blocking code that must
    /// run beside the caller's own blocking loop; the caller joins it before it returns.
    public static func start(name: String, _ body: @escaping @Sendable () -> Void) throws(ServiceSupportError) -> Joinable {
        let shortName = String(decoding: name.utf8.prefix(maximumNameLength), as: UTF8.self)
        return Joinable(thread: try start(Job(name: shortName, work: body)).get())
    }

    /// Runs `body` on a new thread named `name` (cut to 15 bytes) and returns its result once
    /// the thread has exited. Cancelling the awaiting task calls `onCancel`, which must make
    /// `body` return (stop a poll loop, close a socket); `body` is never abandoned.
    ///
    /// - Throws: what `body` throws, or ``ServiceSupportError/Code/threadFailed`` when no thread
    ///   could be started.
    public static func run<T: Sendable>(name: String, onCancel: @escaping @Sendable () -> Void = {},
                                        _ body: @escaping @Sendable () throws -> T) async throws -> T {
        let shortName = String(decoding: name.utf8.prefix(maximumNameLength), as: UTF8.self)
        // Set inside the continuation's closure, which returns before the awaiting task can go on.
        let started = Mutex<pthread_t?>(nil)
        let result: Result<T, any Error> = await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Result<T, any Error>, Never>) in
                let job = Job(name: shortName) { continuation.resume(returning: Result { try body() }) }
                switch start(job) {
                case .success(let thread): started.withLock { $0 = thread }
                case .failure(let error): continuation.resume(returning: .failure(error))
                }
            }
        } onCancel: {
            onCancel()
        }
        if let thread = started.withLock({ $0 }) {
            // The thread resumed us as its last act; wait the few microseconds until it is gone
            // without blocking a cooperative thread in pthread_join.
            while cln_pthread_tryjoin(thread) == EBUSY {
                await Task.yield()
            }
        }
        return try result.get()
    }

    /// Names of the calling process's threads (`/proc/self/task/*/comm`), for tests and
    /// diagnostics that check what is still running.
    public static func processThreadNames() -> [String] {
        guard let directory = opendir("/proc/self/task") else { return [] }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let id = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            guard id.first?.isNumber == true, let file = fopen("/proc/self/task/\(id)/comm", "r") else { continue }
            var buffer = [CChar](repeating: 0, count: 64)
            if fgets(&buffer, Int32(buffer.count), file) != nil {
                let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
                names.append(String(decoding: bytes, as: UTF8.self).trimmingSuffix("\n"))
            }
            fclose(file)
        }
        return names
    }
}

extension String {
    fileprivate func trimmingSuffix(_ suffix: String) -> String {
        hasSuffix(suffix) ? String(dropLast(suffix.count)) : self
    }
}

extension DedicatedThread {
    /// Runs `body` on a new thread that has first entered the network namespace at `path`
    /// (`/run/netns/<name>`), and returns its result once the thread has exited.
    ///
    /// Sockets created inside `body` belong to that namespace for their whole life, whichever
    /// thread later uses them: this is how one process listens in one namespace and talks to
    /// peers in another (an API on the machine's loopback sending CoA into a lab). The thread
    /// ends with `body`, so nothing else ever runs in the namespace by accident.
    ///
    /// `body` must stay synchronous work (make sockets, bind, connect): it must not resume
    /// continuations or start tasks, because a thread the runtime creates from inside the
    /// namespace would stay in it and so would every process it later spawns.
    ///
    /// - Throws: what `body` throws, or ``ServiceSupportError/Code/namespaceUnavailable``.
    public static func run<T: Sendable>(name: String, inNetworkNamespace path: String,
                                        _ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await run(name: name) {
            try performInNetworkNamespace(path, threadName: name, body)
        }
    }

    /// Runs `body` on a thread of its own inside the network namespace at `path` and waits for
    /// it (blocking: call it from a dedicated thread only). The calling thread never changes
    /// namespace.
    ///
    /// This is why the thread that goes on afterwards (resuming an awaiting task, which may make
    /// the Swift runtime start a pool thread from it) is still in the namespace it started in:
    /// threads inherit their creator's namespace, so a pool thread created from a thread that had
    /// entered a lab node would run every later `posix_spawn` of the process inside that node.
    ///
    /// - Throws: what `body` throws, or ``ServiceSupportError/Code/namespaceUnavailable``.
    public static func performInNetworkNamespace<T: Sendable>(_ path: String, threadName: String = "netns",
                                                              _ body: @escaping @Sendable () throws -> T) throws -> T {
        let outcome = Outcome<T>()
        let inner = try start(name: threadName) {
            let result = Result<T, any Error> {
                let fd = open(path, O_RDONLY | O_CLOEXEC)
                guard fd >= 0 else {
                    let code = errno
                    throw ServiceSupportError(.namespaceUnavailable, "open \(path): \(String(cString: strerror(code))) (errno \(code))")
                }
                defer { close(fd) }
                guard cln_setns_net(fd) == 0 else {
                    let code = errno
                    throw ServiceSupportError(.namespaceUnavailable, "setns \(path): \(String(cString: strerror(code))) (errno \(code))")
                }
                return try body()
            }
            outcome.value.withLock { $0 = result }
        }
        inner.join()
        guard let result = outcome.value.withLock({ $0 }) else {
            throw ServiceSupportError(.threadFailed, "the thread for \(path) ended without a result")
        }
        return try result.get()
    }
}

/// What a joined thread hands back to the thread that joins it.
private final class Outcome<T: Sendable>: Sendable {
    let value = Mutex<Result<T, any Error>?>(nil)
}
