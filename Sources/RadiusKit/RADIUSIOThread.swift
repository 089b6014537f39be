import Glibc

/// Starts `body` on a dedicated, detached POSIX thread: socket I/O (`poll`) never blocks the
/// cooperative pool (house style rule 3).
enum RADIUSIOThread {
    private final class Body {
        let run: () -> Void
        init(_ run: @escaping () -> Void) { self.run = run }
    }

    static func start(_ body: @escaping @Sendable () -> Void) throws(RADIUSError) {
        let box = Unmanaged.passRetained(Body(body)).toOpaque()
        var thread = pthread_t()
        let result = pthread_create(&thread, nil, { argument in
            guard let argument else { return nil }
            Unmanaged<Body>.fromOpaque(argument).takeRetainedValue().run()
            return nil
        }, box)
        guard result == 0 else {
            Unmanaged<Body>.fromOpaque(box).release()
            throw RADIUSUDPSocket.failure("pthread_create", result)
        }
        pthread_detach(thread)
    }
}
