import Foundation
import Glibc
import RadiusKit
import Synchronization

/// A stand-in RADIUS server for failover tests: a UDP socket bound in a test namespace that
/// is either silent (reads and drops, so no ICMP ever tells the client) or answers.
final class TestRADIUSResponder: Sendable {
    enum Mode: Sendable {
        /// Read and drop everything.
        case silent
        /// Answer Status-Server only.
        case statusServerOnly
        /// Answer Status-Server and Access-Request (Access-Accept with Reply-Message `marker`).
        case acceptAll(marker: String)
        /// Answer Access-Request with an Access-Accept signed with another secret (a forgery).
        case acceptSignedWrongly
    }

    private struct State {
        var mode: Mode = .silent
        var received: [RADIUSCode: Int] = [:]
        var stopped = false
    }

    private let descriptor: Int32
    private let secret: RADIUSSecret
    /// The bound port (the real one when 0 was asked for).
    let port: UInt16
    private let state = Mutex(State())

    /// Binds `address:port`; call from a thread inside the namespace (`namespace.perform`).
    init(address: String, port: UInt16, secret: RADIUSSecret) throws {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw RADIUSError(.systemCallFailed, "socket: errno \(errno)") }
        var local = sockaddr_in()
        local.sin_family = sa_family_t(AF_INET)
        local.sin_port = port.bigEndian
        inet_pton(AF_INET, address, &local.sin_addr)
        let bound = withUnsafePointer(to: &local) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else {
            close(fd)
            throw RADIUSError(.systemCallFailed, "bind \(address):\(port): errno \(errno)")
        }
        var actual = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &actual) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        descriptor = fd
        self.port = UInt16(bigEndian: actual.sin_port)
        self.secret = secret
        let thread = Thread { [self] in serve() }
        thread.start()
    }

    var mode: Mode {
        get { state.withLock { $0.mode } }
        set { state.withLock { $0.mode = newValue } }
    }

    func receivedCount(_ code: RADIUSCode) -> Int { state.withLock { $0.received[code] ?? 0 } }

    func stop() { state.withLock { $0.stopped = true } }

    private func serve() {
        defer { close(descriptor) }
        var buffer = [UInt8](repeating: 0, count: 4096)
        while !state.withLock({ $0.stopped }) {
            var entry = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            guard poll(&entry, 1, 50) == 1 else { continue }
            var peer = sockaddr_storage()
            var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let count = buffer.withUnsafeMutableBytes { raw in
                withUnsafeMutablePointer(to: &peer) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { recvfrom(descriptor, raw.baseAddress, raw.count, 0, $0, &length) }
                }
            }
            guard count > 0, let request = try? RADIUSPacketVerifier.request(Array(buffer[0..<count]), secret: secret) else { continue }
            let mode = state.withLock { state -> Mode in
                state.received[request.code, default: 0] += 1
                return state.mode
            }
            var reply: RADIUSPacket?
            switch (mode, request.code) {
            case (.statusServerOnly, .statusServer), (.acceptAll, .statusServer):
                reply = RADIUSPacket(code: .accessAccept, identifier: request.identifier)
            case let (.acceptAll(marker), .accessRequest):
                reply = RADIUSPacket(code: .accessAccept, identifier: request.identifier, attributes: [.string(.replyMessage, marker)])
            case (.acceptSignedWrongly, .accessRequest):
                reply = RADIUSPacket(code: .accessAccept, identifier: request.identifier)
            default:
                reply = nil
            }
            var signing = secret
            if case .acceptSignedWrongly = mode, let wrong = try? RADIUSSecret("not-the-shared-secret") { signing = wrong }
            guard let reply, let bytes = try? reply.encodedResponse(toRequestAuthenticator: request.authenticator, secret: signing) else {
                continue
            }
            _ = bytes.withUnsafeBytes { raw in
                withUnsafePointer(to: &peer) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { sendto(descriptor, raw.baseAddress, raw.count, 0, $0, length) }
                }
            }
        }
    }
}
