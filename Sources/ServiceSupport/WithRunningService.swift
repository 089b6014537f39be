import ServiceLifecycle

/// Runs `service` while `body` runs, then cancels it and waits until its `run()` returned:
/// for tools and tests that use a service (a RADIUS client, a CoA server) for one job.
///
/// The service's errors other than cancellation are rethrown after `body`'s result or error.
public func withRunningService<S: Service, T>(_ service: S, _ body: () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await service.run() }
        let outcome: Result<T, any Error>
        do {
            outcome = .success(try await body())
        } catch {
            outcome = .failure(error)
        }
        group.cancelAll()
        do {
            try await group.waitForAll()
        } catch is CancellationError {
            // The service reacted to our cancellation; that is how it stops.
        }
        return try outcome.get()
    }
}
