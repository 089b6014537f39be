import AetherTestSupport
import DHCPKit
import Foundation
import Glibc
import KeaControl
import NetworkTypes
import Testing

@Suite struct KeaLease4DecodingTests {
    /// A lease as Kea 2.2 answers it (the lab notes' capture, with a remote-id added).
    static var kea22: [String: Any] {
        [
        "client-id": "01:7a:50:2a:11:30:17", "cltt": 1_795_277_978, "fqdn-fwd": false, "fqdn-rev": false, "hostname": "h1",
        "hw-address": "7a:50:2a:11:30:17", "ip-address": "100.64.0.101", "state": 0, "subnet-id": 1,
        "user-context": ["ISC": ["relay-agent-info": "0x01067375622D6831020461622D31"]], "valid-lft": 3600,
        ]
    }

    @Test func decodesKea22LeasesWithOption82AsAHexString() throws {
        let lease = try KeaLease4(json: Self.kea22, command: "lease4-get-all")
        #expect(lease.address == IPv4Address(100, 64, 0, 101))
        #expect(lease.hardwareAddress == MACAddress(0x7a, 0x50, 0x2a, 0x11, 0x30, 0x17))
        #expect(lease.clientIdentifier == [0x01, 0x7a, 0x50, 0x2a, 0x11, 0x30, 0x17])
        #expect(lease.subnetID == 1)
        #expect(lease.expiry == 1_795_277_978 + 3600)
        #expect(lease.state == .default)
        #expect(lease.hostname == "h1")
        #expect(lease.relayAgentInformation?.circuitID == "sub-h1")
        #expect(lease.relayAgentInformation?.remoteID == "ab-1")
        #expect(lease.isActive(at: 1_795_277_978 + 3599))
        #expect(!lease.isActive(at: 1_795_277_978 + 3600))
    }

    @Test func decodesTheLaterSubOptionsFormAndStates() throws {
        var json = Self.kea22
        json["user-context"] = ["ISC": ["relay-agent-info": ["sub-options": "0x01027031", "remote-id": "ignored"]]]
        json["state"] = 1
        let lease = try KeaLease4(json: json, command: "c")
        #expect(lease.relayAgentInformation?.circuitID == "p1")
        #expect(lease.state == .declined)
        #expect(!lease.isActive(at: 0))
        json["user-context"] = nil
        json["state"] = 2
        let plain = try KeaLease4(json: json, command: "c")
        #expect(plain.relayAgentInformation == nil)
        #expect(plain.state == .expiredReclaimed)
    }

    @Test(arguments: ["ip-address", "subnet-id", "cltt", "valid-lft"])
    func aMissingRequiredFieldIsAMalformedAnswerNamingIt(_ field: String) {
        var json = Self.kea22
        json[field] = nil
        #expect { try KeaLease4(json: json, command: "lease4-get-all") } throws: { error in
            (error as? KeaControlError)?.code == .malformedAnswer && "\(error)".contains(field)
        }
    }

    @Test func undecodableOption82IsAMalformedAnswer() {
        var json = Self.kea22
        json["user-context"] = ["ISC": ["relay-agent-info": "0x0105aa"]]
        #expect { try KeaLease4(json: json, command: "c") } throws: { ($0 as? KeaControlError)?.code == .malformedAnswer }
    }
}

/// A Unix-socket peer that answers every connection with fixed bytes, or never.
final class FakeKeaSocket: @unchecked Sendable {
    // The listening descriptor is owned by the accepting thread after init.
    let path: String
    private let listener: Int32

    init(answer: [UInt8]?, in directory: String) throws {
        path = directory + "/kea-\(UInt32.random(in: 0...UInt32.max)).sock"
        listener = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(path.utf8)) }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0, listen(listener, 4) == 0 else { throw KeaControlError(.transportFailed, command: "test", "bind \(path)") }
        let descriptor = listener
        Thread {
            let client = accept(descriptor, nil, nil)
            guard client >= 0 else { return }
            if let answer {
                // Answer only once the command has arrived: closing first would make the client's
                // write fail (EPIPE) before it could read the answer — a race a busy machine wins.
                var request = [UInt8](repeating: 0, count: 4096)
                _ = request.withUnsafeMutableBytes { recv(client, $0.baseAddress, $0.count, 0) }
                _ = answer.withUnsafeBytes { send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                close(client)
            }
            // Without an answer the connection stays open until the listener is gone.
        }.start()
    }

    deinit {
        close(listener)
        unlink(path)
    }
}

/// One negative test per ``KeaControlError/Code``, and the typed calls against the harness's Kea.
@Suite("KeaControlClient against Kea and fakes")
struct KeaControlClientTests {
    static func code(_ body: () async throws -> Void) async -> KeaControlError.Code? {
        do {
            try await body()
            return nil
        } catch let error as KeaControlError {
            return error.code
        } catch {
            return nil
        }
    }

    @Test(arguments: KeaControlError.Code.allCases)
    func everyErrorCodeHasACauseThatProducesIt(_ code: KeaControlError.Code) async throws {
        let directory = NSTemporaryDirectory()
        switch code {
        case .transportFailed:
            let client = KeaControlClient(.unixSocket(path: directory + "/no-such-kea.sock"))
            #expect(await Self.code { _ = try await client.status() } == code)
        case .timedOut:
            let silent = try FakeKeaSocket(answer: nil, in: directory)
            let client = KeaControlClient(.unixSocket(path: silent.path), timeoutSeconds: 0.3)
            #expect(await Self.code { _ = try await client.status() } == code)
        case .malformedAnswer:
            let garbage = try FakeKeaSocket(answer: Array(#"{"not": "kea"}"#.utf8), in: directory)
            let client = KeaControlClient(.unixSocket(path: garbage.path))
            #expect(await Self.code { _ = try await client.status() } == code)
        case .commandFailed:
            let endpoints = try await TestServices.endpoints()
            #expect(await Self.code { _ = try await endpoints.kea.controlAgent.send("lease4-does-not-exist") } == code)
        case .invalidConfiguration:
            let client = KeaControlClient(.unixSocket(path: "/" + String(repeating: "x", count: 200)))
            #expect(await Self.code { _ = try await client.status() } == code)
        }
    }

    @Test func statusAnswersThroughTheAgentAndTheSocket() async throws {
        let endpoints = try await TestServices.endpoints()
        let viaAgent = try await endpoints.kea.controlAgent.status()
        let viaSocket = try await KeaControlClient(.unixSocket(path: endpoints.kea.controlSocket)).status()
        #expect(viaAgent.pid == viaSocket.pid)
        #expect(viaAgent.pid > 0)
    }
}
