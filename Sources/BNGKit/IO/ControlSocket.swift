import Dispatch
import EventSourcing
import Foundation
import Glibc
import Logging
import NetworkTypes
import ServiceLifecycle
import ServiceSupport
import Synchronization

/// A request on the BNG's control socket (one JSON object per connection).
public struct ControlRequest: Codable, Sendable, Hashable {
    /// `sessions` or `disconnect`.
    public var command: String
    /// For `disconnect`: a session id, an address or a User-Name.
    public var target: String?

    /// A request.
    public init(command: String, target: String? = nil) {
        self.command = command
        self.target = target
    }
}

/// One session as the control socket lists it.
public struct ControlSession: Codable, Sendable, Hashable {
    public var sessionID: String
    public var remoteID: String
    public var circuitID: String
    public var mac: MACAddress
    public var address: IPv4Address
    public var userName: String
    public var authState: String
    public var phase: String
    public var startedAt: Int64
    public var leaseExpiresAt: Int64
    public var bytesUp: UInt64
    public var bytesDown: UInt64
    public var downloadKbps: UInt32?
    public var uploadKbps: UInt32?

    /// The listing of `session`.
    public init(_ session: Session) {
        sessionID = session.id.uuidString.lowercased()
        remoteID = session.key.line.remoteID
        circuitID = session.key.line.circuitID
        mac = session.key.mac
        address = session.address
        userName = session.userName
        authState = session.authState.rawValue
        phase = session.phase.rawValue
        startedAt = session.startedAt.rawValue / 1_000_000
        leaseExpiresAt = session.leaseExpiresAt.rawValue / 1_000_000
        bytesUp = session.counters.bytesUp
        bytesDown = session.counters.bytesDown
        downloadKbps = session.policy?.rates.downloadKbps
        uploadKbps = session.policy?.rates.uploadKbps
    }

    enum CodingKeys: String, CodingKey {
        case sessionID = "session_id", remoteID = "remote_id", circuitID = "circuit_id", mac, address, userName = "user_name"
        case authState = "auth_state", phase, startedAt = "started_at", leaseExpiresAt = "lease_expires_at"
        case bytesUp = "bytes_up", bytesDown = "bytes_down", downloadKbps = "download_kbps", uploadKbps = "upload_kbps"
    }
}

/// The answer to a ``ControlRequest``.
public struct ControlResponse: Codable, Sendable, Hashable {
    /// `ok`, `not-found` or `error`.
    public var result: String
    /// What went wrong, for `error`.
    public var reason: String?
    /// For `sessions`.
    public var sessions: [ControlSession]?

    /// A response.
    public init(result: String, reason: String? = nil, sessions: [ControlSession]? = nil) {
        self.result = result
        self.reason = reason
        self.sessions = sessions
    }
}

/// The operator's local control socket (a Unix socket, mode 0600), in the spirit of accel-cmd:
/// `aether-bng sessions` and `aether-bng disconnect` talk to it. One dedicated thread accepts
/// and answers one request per connection.
public final class ControlServer: Service, Sendable {
    /// Largest request read, bytes.
    public static let maximumRequest = 64 * 1024
    /// The socket's path.
    public let path: String
    private let listener: Int32
    private let wakeup: PollWakeup
    private let stopped = Atomic<Bool>(false)
    private let handler: @Sendable (ControlRequest) async -> ControlResponse
    private let logger: Logger

    /// Binds `path` (a stale socket file there is replaced).
    public init(path: String, logger: Logger = Logger(label: "aether.bng.control"),
                handler: @escaping @Sendable (ControlRequest) async -> ControlResponse) throws {
        self.path = path
        self.handler = handler
        self.logger = logger
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            throw BNGError(.controlFailed, "control socket path \(path) is too long")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
        unlink(path)
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        guard fd >= 0 else { throw BNGError(.controlFailed, "socket(AF_UNIX): errno \(errno)") }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0, chmod(path, 0o600) == 0, listen(fd, 16) == 0 else {
            let number = errno
            close(fd)
            throw BNGError(.controlFailed, "cannot listen on \(path): \(String(cString: strerror(number)))")
        }
        listener = fd
        wakeup = try PollWakeup()
    }

    deinit {
        close(listener)
        unlink(path)
    }

    /// Answers until graceful shutdown or cancellation.
    public func run() async throws {
        try await BlockingService.run(name: "aether-control", stop: { [self] in
            stopped.store(true, ordering: .releasing)
            wakeup.signal()
        }) { [self] in serve() }
    }

    private func serve() {
        var entries = [pollfd(fd: listener, events: Int16(POLLIN), revents: 0), pollfd(fd: wakeup.descriptor, events: Int16(POLLIN), revents: 0)]
        while !stopped.load(ordering: .acquiring) {
            entries[0].revents = 0
            entries[1].revents = 0
            if poll(&entries, 2, -1) < 0 {
                if errno == EINTR { continue }
                return
            }
            while true {
                let client = accept(listener, nil, nil)
                guard client >= 0 else { break }
                answer(client)
                close(client)
            }
        }
    }

    private func answer(_ client: Int32) {
        var request: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while request.count < Self.maximumRequest, !request.contains(10) {
            var entry = pollfd(fd: client, events: Int16(POLLIN), revents: 0)
            guard poll(&entry, 1, 2000) > 0 else { break }
            let count = chunk.withUnsafeMutableBytes { recv(client, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { break }
            request += chunk[0..<count]
        }
        let response: ControlResponse
        if let parsed = try? JSONDecoder().decode(ControlRequest.self, from: Data(request.prefix { $0 != 10 })) {
            // The handler is async (it asks the engine); this thread waits for it.
            let result = Mutex<ControlResponse?>(nil)
            let done = DispatchSemaphore(value: 0)
            let handler = self.handler
            Task {
                let answer = await handler(parsed)
                result.withLock { $0 = answer }
                done.signal()
            }
            done.wait()
            response = result.withLock { $0 } ?? ControlResponse(result: "error", reason: "no answer")
        } else {
            response = ControlResponse(result: "error", reason: "the request is not a JSON object with \"command\"")
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let bytes = Array((try? encoder.encode(response)) ?? Data()) + [10]
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { Glibc.send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if sent < 0, errno == EINTR { continue }
            guard sent > 0 else { return }
            offset += sent
        }
    }

    /// Sends `request` to the control socket at `path` and returns the answer (for the CLI).
    public static func send(_ request: ControlRequest, to path: String, timeoutSeconds: Double = 10) throws -> ControlResponse {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { throw BNGError(.controlFailed, "socket path too long") }
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw BNGError(.controlFailed, "socket: errno \(errno)") }
        defer { close(fd) }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard connected == 0 else {
            throw BNGError(.controlFailed, "no BNG answers on \(path) (\(String(cString: strerror(errno)))); is aether-bng running?")
        }
        let body = Array(try JSONEncoder().encode(request)) + [10]
        _ = body.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        var response: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        let deadline = ContinuousClock.now + .milliseconds(Int64(timeoutSeconds * 1000))
        while !response.contains(10) {
            guard ContinuousClock.now < deadline else { throw BNGError(.controlFailed, "no answer within \(timeoutSeconds) s") }
            var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&entry, 1, 1000) >= 0 else { throw BNGError(.controlFailed, "poll: errno \(errno)") }
            guard entry.revents != 0 else { continue }
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { break }
            response += chunk[0..<count]
        }
        do {
            return try JSONDecoder().decode(ControlResponse.self, from: Data(response.prefix { $0 != 10 }))
        } catch {
            throw BNGError(.controlFailed, "the BNG answered something that is not a response: \(error)")
        }
    }
}
