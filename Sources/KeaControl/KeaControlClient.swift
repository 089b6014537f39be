import Foundation
import Glibc
import NetworkTypes
import ServiceSupport

/// Sends commands to Kea DHCPv4: through the control agent's HTTP endpoint, or straight to
/// kea-dhcp4's Unix control socket. Typed calls for what a BNG and the lab need
/// (``status()``, ``leases(subnets:)``, ``leasePage(after:limit:)``, ``allLeases(pageSize:)``),
/// ``send(_:arguments:)`` for anything else.
///
/// A deliberately small HTTP/1.1 client (one request per connection, `Connection: close`): the
/// control agent is a local management endpoint, not a data path. Every exchange runs on a
/// thread of its own and ends with an answer or ``KeaControlError/Code/timedOut`` after
/// ``timeoutSeconds``.
public struct KeaControlClient: Sendable, Hashable {
    /// Where Kea listens.
    public enum Transport: Sendable, Hashable {
        /// The control agent (`kea-ctrl-agent`), HTTP on `host:port`.
        case controlAgent(host: IPv4Address, port: UInt16)
        /// kea-dhcp4's own control socket.
        case unixSocket(path: String)
    }

    /// Where Kea listens.
    public let transport: Transport
    /// Longest wait for one answer, seconds (default 10).
    public let timeoutSeconds: Double

    /// A client; nothing is opened until a command is sent.
    public init(_ transport: Transport, timeoutSeconds: Double = 10) {
        self.transport = transport
        self.timeoutSeconds = timeoutSeconds
    }

    /// One answer from Kea.
    public struct Answer: @unchecked Sendable {
        // Holds only JSONSerialization output (dictionaries, arrays, strings, numbers), never mutated.

        /// 0 success, 3 empty (no leases); 1 and 2 are thrown as ``KeaControlError/Code/commandFailed``.
        public let result: Int
        /// Kea's text, e.g. "3 IPv4 lease(s) found.".
        public let text: String
        /// The `arguments` object, if any.
        public let arguments: [String: Any]?
    }

    /// Sends `command` with `arguments` to the `dhcp4` service. Result 0 (success) and 3
    /// (empty) are returned; 1 and 2 throw ``KeaControlError/Code/commandFailed``.
    public func send(_ command: String, arguments: [String: any Sendable]? = nil) async throws -> Answer {
        var request: [String: Any] = ["command": command]
        if let arguments { request["arguments"] = arguments }
        if case .controlAgent = transport { request["service"] = ["dhcp4"] }
        let body = Array(try JSONSerialization.data(withJSONObject: request))
        let (transport, timeout) = (self.transport, timeoutSeconds)
        let raw = try await DedicatedThread.run(name: "aether-kea") {
            try Self.exchange(body, command: command, over: transport, timeoutSeconds: timeout)
        }
        return try Self.answer(parsing: raw, command: command)
    }

    /// Reads Kea's answer to `command` from its raw bytes (the control socket's or the control
    /// agent's, which wraps it in a one-element array). Result 0 and 3 are returned; anything that
    /// is not a Kea answer throws ``KeaControlError/Code/malformedAnswer``, result 1 and 2
    /// ``KeaControlError/Code/commandFailed``.
    public static func answer(parsing raw: [UInt8], command: String) throws -> Answer {
        let parsed: Any
        do {
            parsed = try JSONSerialization.jsonObject(with: Data(raw))
        } catch {
            throw KeaControlError(.malformedAnswer, command: command, "not JSON: \(String(decoding: raw.prefix(200), as: UTF8.self))")
        }
        // The control agent answers a one-element array (one object per service).
        guard let answer = (parsed as? [[String: Any]])?.first ?? (parsed as? [String: Any]), let result = answer["result"] as? Int else {
            throw KeaControlError(.malformedAnswer, command: command, "not a Kea response: \(String(decoding: raw.prefix(200), as: UTF8.self))")
        }
        let text = answer["text"] as? String ?? ""
        guard result == 0 || result == 3 else {
            let hint = result == 2 ? " (is the lease_cmds hook loaded?)" : ""
            throw KeaControlError(.commandFailed, command: command, "Kea answered result \(result): \(text)\(hint)")
        }
        return Answer(result: result, text: text, arguments: answer["arguments"] as? [String: Any])
    }

    /// `status-get`: Kea's process id and uptime, seconds.
    public func status() async throws -> (pid: Int, uptime: Int) {
        let answer = try await send("status-get")
        guard let pid = answer.arguments?["pid"] as? Int, let uptime = answer.arguments?["uptime"] as? Int else {
            throw KeaControlError(.malformedAnswer, command: "status-get", "no pid/uptime in \(answer.arguments ?? [:])")
        }
        return (pid, uptime)
    }

    /// `lease4-get-all` for `subnets` (all subnets when empty).
    public func leases(subnets: [Int] = []) async throws -> [KeaLease4] {
        let command = "lease4-get-all"
        let answer = try await send(command, arguments: subnets.isEmpty ? nil : ["subnets": subnets])
        return try Self.leases(in: answer, command: command)
    }

    /// `lease4-get-page`: up to `limit` leases with addresses above `after` (from the start when
    /// `nil`), in address order. An empty page means there are no more.
    public func leasePage(after: IPv4Address?, limit: Int) async throws -> [KeaLease4] {
        let command = "lease4-get-page"
        let answer = try await send(command, arguments: ["from": after?.description ?? "start", "limit": max(1, limit)])
        return try Self.leases(in: answer, command: command)
    }

    /// Every lease, read page by page (`lease4-get-page`), so a large lease table never comes in
    /// one answer; `include` filters as pages arrive.
    public func allLeases(pageSize: Int = 1000, where include: (KeaLease4) -> Bool = { _ in true }) async throws -> [KeaLease4] {
        var result: [KeaLease4] = []
        var after: IPv4Address?
        while true {
            let page = try await leasePage(after: after, limit: pageSize)
            result += page.filter(include)
            guard page.count >= pageSize, let last = page.last?.address else { return result }
            after = last
        }
    }

    package static func leases(in answer: Answer, command: String) throws -> [KeaLease4] {
        guard answer.result != 3 else { return [] }
        guard let list = answer.arguments?["leases"] as? [[String: Any]] else {
            throw KeaControlError(.malformedAnswer, command: command, "no leases array in the answer")
        }
        return try list.map { json throws(KeaControlError) in try KeaLease4(json: json, command: command) }
    }

    // MARK: - Transport (blocking; runs on a dedicated thread)

    private static func exchange(_ body: [UInt8], command: String, over transport: Transport, timeoutSeconds: Double) throws -> [UInt8] {
        let deadline = ContinuousClock.now + .milliseconds(Int64(timeoutSeconds * 1000))
        switch transport {
        case let .unixSocket(path):
            let fd = try connectUnix(path, command: command)
            defer { close(fd) }
            try writeAll(fd, body, command: command)
            // kea-dhcp4 may keep the connection open after answering: stop at the first complete JSON document.
            return try read(fd, command: command, until: deadline) { (try? JSONSerialization.jsonObject(with: Data($0))) != nil }
        case let .controlAgent(host, port):
            let fd = try connectTCP(host: host, port: port, command: command)
            defer { close(fd) }
            let head = "POST / HTTP/1.1\r\nHost: \(host):\(port)\r\nContent-Type: application/json\r\n"
                + "Content-Length: \(body.count)\r\nConnection: close\r\n\r\n"
            try writeAll(fd, Array(head.utf8) + body, command: command)
            let response = try read(fd, command: command, until: deadline) { _ in false }
            guard let split = response.firstRange(of: [13, 10, 13, 10]) else {
                throw KeaControlError(.malformedAnswer, command: command, "the control agent at \(host):\(port) sent no HTTP header")
            }
            let status = String(decoding: response[..<split.lowerBound], as: UTF8.self)
            guard status.hasPrefix("HTTP/1.1 200") || status.hasPrefix("HTTP/1.0 200") else {
                throw KeaControlError(.malformedAnswer, command: command,
                                      "the control agent at \(host):\(port) answered \(status.split(separator: "\r\n").first ?? "")")
            }
            return Array(response[split.upperBound...])
        }
    }

    private static func systemError(_ call: String, command: String) -> KeaControlError {
        let number = errno
        return KeaControlError(.transportFailed, command: command, "\(call): \(String(cString: strerror(number))) (errno \(number))")
    }

    private static func connectUnix(_ path: String, command: String) throws -> Int32 {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            throw KeaControlError(.invalidConfiguration, command: command, "socket path \(path) is too long")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw systemError("socket(AF_UNIX)", command: command) }
        let status = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard status == 0 else {
            let error = systemError("connect \(path)", command: command)
            close(fd)
            throw error
        }
        return fd
    }

    private static func connectTCP(host: IPv4Address, port: UInt16, command: String) throws -> Int32 {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = host.value.bigEndian
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw systemError("socket(AF_INET)", command: command) }
        let status = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard status == 0 else {
            let error = systemError("connect \(host):\(port)", command: command)
            close(fd)
            throw error
        }
        return fd
    }

    private static func writeAll(_ fd: Int32, _ bytes: [UInt8], command: String) throws {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if written < 0 {
                if errno == EINTR { continue }
                throw systemError("send", command: command)
            }
            offset += written
        }
    }

    private static func read(_ fd: Int32, command: String, until deadline: ContinuousClock.Instant,
                             complete: ([UInt8]) -> Bool) throws -> [UInt8] {
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let remaining = ContinuousClock.now.duration(to: deadline)
            guard remaining > .zero else { throw KeaControlError(.timedOut, command: command, "no complete answer in time") }
            var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let milliseconds = Int32(clamping: remaining.components.seconds * 1000 + remaining.components.attoseconds / 1_000_000_000_000_000 + 1)
            let ready = poll(&entry, 1, milliseconds)
            if ready < 0 {
                if errno == EINTR { continue }
                throw systemError("poll", command: command)
            }
            if ready == 0 { continue }
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count < 0 {
                if errno == EINTR { continue }
                throw systemError("recv", command: command)
            }
            if count == 0 { return result }
            result += chunk[0..<count]
            if complete(result) { return result }
        }
    }
}
