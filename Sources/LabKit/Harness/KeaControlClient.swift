import Dispatch
import Foundation
import Glibc

/// Sends commands to Kea: through the control agent's HTTP endpoint, or straight to
/// kea-dhcp4's Unix control socket. Answers are Kea's JSON, decoded with `JSONSerialization`.
///
/// A deliberately small HTTP/1.1 client (one request per connection, `Connection: close`):
/// the control agent is a local management endpoint, not a data path.
public struct KeaControlClient: Sendable {
    public enum Transport: Sendable, Hashable {
        case controlAgent(host: String, port: Int)
        case unixSocket(path: String)
    }

    public let transport: Transport
    public let timeoutSeconds: Double

    public init(_ transport: Transport, timeoutSeconds: Double = 10) {
        self.transport = transport
        self.timeoutSeconds = timeoutSeconds
    }

    /// Sends `command` with optional `arguments` to the `dhcp4` service and returns the answer
    /// object (the control agent's one-element array is unwrapped). Throws when `result` is 1 (error)
    /// or 2 (unsupported); result 0 (success) and 3 (empty) are returned.
    public func send(_ command: String, arguments: [String: any Sendable]? = nil) async throws -> KeaResponse {
        var request: [String: Any] = ["command": command]
        if let arguments { request["arguments"] = arguments }
        if case .controlAgent = transport { request["service"] = ["dhcp4"] }
        let body = try JSONSerialization.data(withJSONObject: request)
        let transport = self.transport
        let timeout = timeoutSeconds
        let raw: [UInt8] = try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result { try Self.exchange(Array(body), over: transport, timeoutSeconds: timeout) })
            }
        }
        let parsed = try JSONSerialization.jsonObject(with: Data(raw))
        let answer: [String: Any]? = (parsed as? [[String: Any]])?.first ?? (parsed as? [String: Any])
        guard let answer, let result = answer["result"] as? Int else {
            throw LabKitError(.controlRequestFailed, "\(command): answer is not a Kea response: \(String(decoding: raw.prefix(200), as: UTF8.self))")
        }
        guard result == 0 || result == 3 else {
            throw LabKitError(.controlRequestFailed, "\(command): Kea answered result \(result): \(answer["text"] as? String ?? "")")
        }
        return KeaResponse(result: result, text: answer["text"] as? String ?? "",
                           arguments: try answer["arguments"].map { try JSONSerialization.data(withJSONObject: $0) })
    }

    private static func exchange(_ body: [UInt8], over transport: Transport, timeoutSeconds: Double) throws -> [UInt8] {
        switch transport {
        case let .unixSocket(path):
            let fd = try connectUnix(path)
            defer { close(fd) }
            try writeAll(fd, body)
            return try readJSONDocument(fd, timeoutSeconds: timeoutSeconds)
        case let .controlAgent(host, port):
            let fd = try connectTCP(host: host, port: port)
            defer { close(fd) }
            let head = "POST / HTTP/1.1\r\nHost: \(host):\(port)\r\nContent-Type: application/json\r\n" +
                "Content-Length: \(body.count)\r\nConnection: close\r\n\r\n"
            try writeAll(fd, Array(head.utf8) + body)
            let response = try readToEnd(fd, timeoutSeconds: timeoutSeconds)
            guard let split = response.firstRange(of: [13, 10, 13, 10]) else {
                throw LabKitError(.controlRequestFailed, "control agent at \(host):\(port) sent no HTTP header")
            }
            let status = String(decoding: response[..<split.lowerBound], as: UTF8.self)
            guard status.hasPrefix("HTTP/1.1 200") || status.hasPrefix("HTTP/1.0 200") else {
                throw LabKitError(.controlRequestFailed, "control agent at \(host):\(port): \(status.split(separator: "\r\n").first ?? "")")
            }
            return Array(response[split.upperBound...])
        }
    }

    private static func connectUnix(_ path: String) throws -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw LabKitError.errno("socket(AF_UNIX)") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            close(fd)
            throw LabKitError(.invalidConfiguration, "socket path \(path) is too long")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            buffer.copyBytes(from: bytes)
        }
        let status = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard status == 0 else {
            let error = LabKitError.errno("connect \(path)")
            close(fd)
            throw error
        }
        return fd
    }

    private static func connectTCP(host: String, port: Int) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw LabKitError.errno("socket(AF_INET)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else {
            close(fd)
            throw LabKitError(.invalidConfiguration, "control agent host \"\(host)\" is not an IPv4 address")
        }
        let status = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard status == 0 else {
            let error = LabKitError.errno("connect \(host):\(port)")
            close(fd)
            throw error
        }
        return fd
    }

    private static func writeAll(_ fd: Int32, _ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if written < 0 {
                if errno == EINTR { continue }
                throw LabKitError.errno("send")
            }
            offset += written
        }
    }

    private static func readToEnd(_ fd: Int32, timeoutSeconds: Double,
                                  until complete: ([UInt8]) -> Bool = { _ in false }) throws -> [UInt8] {
        var result: [UInt8] = []
        let deadline = MonotonicClock.now + timeoutSeconds
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let remaining = deadline - MonotonicClock.now
            guard remaining > 0 else { throw LabKitError(.timedOut, "Kea did not answer within \(timeoutSeconds) s") }
            var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&entry, 1, Int32(remaining * 1000))
            if ready < 0 { if errno == EINTR { continue }; throw LabKitError.errno("poll") }
            if ready == 0 { continue }
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count < 0 { if errno == EINTR { continue }; throw LabKitError.errno("recv") }
            if count == 0 { return result }
            result += chunk[0..<count]
            if complete(result) { return result }
        }
    }

    /// kea-dhcp4 may keep its control connection open after answering; stop at the first
    /// complete JSON document instead of waiting for end-of-file.
    private static func readJSONDocument(_ fd: Int32, timeoutSeconds: Double) throws -> [UInt8] {
        try readToEnd(fd, timeoutSeconds: timeoutSeconds) { bytes in
            (try? JSONSerialization.jsonObject(with: Data(bytes))) != nil
        }
    }
}

/// One answer from Kea: `result` 0 success, 3 empty; `arguments` is the raw JSON of Kea's
/// `arguments` object (decode it with `Codable` types or `JSONSerialization`).
public struct KeaResponse: Sendable, Hashable {
    public let result: Int
    public let text: String
    public let arguments: Data?

    /// `arguments` decoded as a JSON object, or `nil` when there were none.
    public func argumentsObject() -> [String: Any]? {
        arguments.flatMap { try? JSONSerialization.jsonObject(with: $0) as? [String: Any] }
    }
}
