import ServiceLifecycle

/// Runs a blocking loop as the body of a ServiceLifecycle `Service.run()`.
public enum BlockingService {
    /// Runs `loop` on a dedicated thread named `name` until it returns. Graceful shutdown of the
    /// surrounding `ServiceGroup` and cancellation of the task both call `stop`, which must make
    /// `loop` return soon (and must work when called before `loop` started). Returns only after
    /// the thread has exited.
    public static func run(name: String, stop: @escaping @Sendable () -> Void,
                           _ loop: @escaping @Sendable () throws -> Void) async throws {
        try await withGracefulShutdownHandler {
            try await DedicatedThread.run(name: name, onCancel: stop, loop)
        } onGracefulShutdown: {
            stop()
        }
    }
}
