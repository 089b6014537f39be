import CLinuxNet
import Glibc

/// Wakes a thread blocked in `poll(2)` from any other thread: a non-blocking pipe whose read
/// end is one of the polled descriptors.
public final class PollWakeup: Sendable {
    /// The read end, to include in the `pollfd` set.
    public let descriptor: Int32
    private let writeEnd: Int32

    /// Opens the pipe (close-on-exec, non-blocking).
    public init() throws(ServiceSupportError) {
        var ends: [Int32] = [0, 0]
        guard cln_pipe2(&ends, O_CLOEXEC | O_NONBLOCK) == 0 else {
            let number = errno
            throw ServiceSupportError(.descriptorFailed, "pipe2: \(String(cString: strerror(number))) (errno \(number))")
        }
        descriptor = ends[0]
        writeEnd = ends[1]
    }

    deinit {
        close(descriptor)
        close(writeEnd)
    }

    /// Makes ``descriptor`` readable; a full pipe is readable already, so EAGAIN is fine.
    public func signal() {
        var byte: UInt8 = 1
        _ = write(writeEnd, &byte, 1)
    }

    /// Empties the pipe after `poll` reported it readable.
    public func drain() {
        var bytes = [UInt8](repeating: 0, count: 64)
        while bytes.withUnsafeMutableBytes({ read(descriptor, $0.baseAddress, $0.count) }) > 0 {}
    }
}
