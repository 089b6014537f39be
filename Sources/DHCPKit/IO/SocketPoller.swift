import Glibc
import Synchronization

/// A blocking `poll(2)` loop over a fixed set of descriptors, run on a thread of its own.
///
/// Handlers run on the polling thread, one at a time, so the relay engines they drive need no
/// locks. `stop()` may be called from any thread; it wakes the loop through a pipe.
public final class SocketPoller: Sendable {
    private let wakeRead: Int32
    private let wakeWrite: Int32
    private let stopped = Atomic<Bool>(false)

    public init() throws(DHCPKitError) {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw SystemCall.error("pipe") }
        for fd in fds {
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            _ = fcntl(fd, F_SETFL, O_NONBLOCK)
        }
        wakeRead = fds[0]
        wakeWrite = fds[1]
    }

    deinit {
        close(wakeRead)
        close(wakeWrite)
    }

    /// Runs until `stop()`: waits for any descriptor to become readable and calls its handler.
    public func run(_ handlers: [(fileDescriptor: Int32, onReadable: () -> Void)]) {
        var entries = handlers.map { pollfd(fd: $0.fileDescriptor, events: Int16(POLLIN), revents: 0) }
        entries.append(pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0))
        while !stopped.load(ordering: .acquiring) {
            for index in entries.indices { entries[index].revents = 0 }
            let ready = poll(&entries, nfds_t(entries.count), -1)
            if ready < 0 {
                if errno == EINTR { continue }
                return   // EBADF/EINVAL/ENOMEM: polling again would fail the same way
            }
            for (index, handler) in handlers.enumerated() where entries[index].revents != 0 {
                handler.onReadable()
            }
        }
    }

    /// Makes `run` return after the handlers in progress finish.
    public func stop() {
        stopped.store(true, ordering: .releasing)
        var byte: UInt8 = 1
        _ = write(wakeWrite, &byte, 1)
    }
}
