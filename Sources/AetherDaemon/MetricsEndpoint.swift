import Glibc
import Logging
import NetworkTypes
import Prometheus
import ServiceLifecycle
import ServiceSupport
import Synchronization

/// A small HTTP/1.1 endpoint for Prometheus: `GET /metrics` answers the registry in the text
/// exposition format, `GET /health` answers `ok`; anything else is 404 or 405.
///
/// One dedicated thread accepts and answers one request per connection (`Connection: close`);
/// a scrape every few seconds needs nothing more, and it keeps HTTP frameworks out of daemons
/// that do not serve HTTP otherwise. Bind it to the management side only.
public final class MetricsEndpoint: Service, Sendable {
    /// Largest request head read (bytes); longer requests get 431.
    public static let maximumRequestLength = 8192
    /// How long a client may take to send its request (ms).
    public static let requestTimeoutMilliseconds: Int32 = 2000

    /// The bound address and port (the real port when 0 was asked for).
    public let address: IPv4Address
    /// The bound port.
    public let port: UInt16
    private let registry: PrometheusCollectorRegistry
    private let listener: Int32
    private let wakeup: PollWakeup
    private let stopped = ServiceFlag()
    private let logger: Logger

    /// Listens on `address:port` (in the calling thread's network namespace).
    public init(address: IPv4Address, port: UInt16, registry: PrometheusCollectorRegistry,
                logger: Logger = Logger(label: "aether.metrics")) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        guard fd >= 0 else { throw DaemonError.system("socket for the metrics endpoint") }
        var one: Int32 = 1
        _ = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var sin = sockaddr_in()
        sin.sin_family = sa_family_t(AF_INET)
        sin.sin_port = port.bigEndian
        sin.sin_addr.s_addr = address.value.bigEndian
        let bound = withUnsafePointer(to: &sin) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 16) == 0 else {
            let error = DaemonError.system("bind/listen \(address):\(port) for the metrics endpoint")
            close(fd)
            throw error
        }
        var actual = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &actual) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        listener = fd
        self.address = address
        self.port = UInt16(bigEndian: actual.sin_port)
        self.registry = registry
        self.logger = logger
        wakeup = try PollWakeup()
    }

    deinit { close(listener) }

    /// Serves until graceful shutdown or cancellation.
    public func run() async throws {
        logger.info("metrics endpoint listening", metadata: ["address": "\(address):\(port)"])
        try await BlockingService.run(name: "aether-metrics", stop: { [stopped, wakeup] in
            stopped.set()
            wakeup.signal()
        }) { [self] in serve() }
    }

    private func serve() {
        var entries = [pollfd(fd: listener, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: wakeup.descriptor, events: Int16(POLLIN), revents: 0)]
        while !stopped.isSet {
            entries[0].revents = 0
            entries[1].revents = 0
            let ready = poll(&entries, 2, -1)
            if ready < 0 {
                if errno == EINTR { continue }
                logger.error("metrics endpoint poll failed", metadata: ["errno": "\(errno)"])
                return
            }
            if entries[0].revents != 0 {
                while true {
                    let client = accept(listener, nil, nil)
                    if client < 0 { break }
                    _ = fcntl(client, F_SETFD, FD_CLOEXEC)
                    answer(client)
                    close(client)
                }
            }
        }
    }

    private func answer(_ client: Int32) {
        var request: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 2048)
        while request.count < Self.maximumRequestLength, request.firstRange(of: [13, 10, 13, 10]) == nil {
            var entry = pollfd(fd: client, events: Int16(POLLIN), revents: 0)
            guard poll(&entry, 1, Self.requestTimeoutMilliseconds) > 0 else { return }
            let count = chunk.withUnsafeMutableBytes { recv(client, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { return }
            request += chunk[0..<count]
        }
        let line = String(decoding: request.prefix { $0 != 13 && $0 != 10 }, as: UTF8.self)
        let parts = line.split(separator: " ")
        let response: (status: String, type: String, body: [UInt8])
        if request.firstRange(of: [13, 10, 13, 10]) == nil {
            response = ("431 Request Header Fields Too Large", "text/plain", Array("request too long\n".utf8))
        } else if parts.count < 2 || parts[0] != "GET" {
            response = ("405 Method Not Allowed", "text/plain", Array("only GET\n".utf8))
        } else {
            switch parts[1].split(separator: "?").first {
            case "/metrics": response = ("200 OK", "text/plain; version=0.0.4; charset=utf-8", registry.emitToBuffer())
            case "/health": response = ("200 OK", "text/plain", Array("ok\n".utf8))
            default: response = ("404 Not Found", "text/plain", Array("not found\n".utf8))
            }
        }
        let head = "HTTP/1.1 \(response.status)\r\nContent-Type: \(response.type)\r\nContent-Length: \(response.body.count)\r\nConnection: close\r\n\r\n"
        let bytes = Array(head.utf8) + response.body
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if sent < 0, errno == EINTR { continue }
            guard sent > 0 else { return }
            offset += sent
        }
    }
}

/// A flag set once from any thread.
final class ServiceFlag: Sendable {
    private let value = Atomic<Bool>(false)
    func set() { value.store(true, ordering: .releasing) }
    var isSet: Bool { value.load(ordering: .acquiring) }
}
