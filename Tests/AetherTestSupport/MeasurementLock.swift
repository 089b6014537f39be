/// One at a time across every suite: tests that measure rates or deadlines (iperf3 against an HTB
/// profile, a neighbour's DORA within a second during a flood) and tests that load the machine on
/// purpose (the subscriber load generator, the fuzz campaign) take it, so a burst of load never
/// lands in the middle of a measurement. Suites run in parallel, and
/// on two cores a measured 50 Mbit/s fell to 41 while the load generator ran beside it.
public enum MeasurementLock {
    private static let lock = AsyncMutex()

    /// Runs `body` holding the lock; waiters go in arrival order.
    public static func exclusive<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        await lock.acquire()
        do {
            let result = try await body()
            await lock.release()
            return result
        } catch {
            await lock.release()
            throw error
        }
    }
}

/// A FIFO mutex for async code: waiters are resumed one by one, without polling.
actor AsyncMutex {
    private var held = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    func acquire() async {
        guard held else {
            held = true
            return
        }
        await withCheckedContinuation { waiters.append($0) }
    }

    func release() {
        if waiters.isEmpty {
            held = false
        } else {
            waiters.removeFirst().resume()
        }
    }
}
