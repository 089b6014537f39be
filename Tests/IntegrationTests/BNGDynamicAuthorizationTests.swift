import AetherTestSupport
import EventSourcing
import Foundation
import LabKit
import NetworkTypes
import Testing

/// Disconnect and CoA from FreeRADIUS's `radclient` against a running `aether-bng` (issue "BNG",
/// acceptance 4).
@Suite("aether-bng Disconnect and CoA with radclient", .serialized)
struct BNGDynamicAuthorizationTests {
    @Test func disconnectEndsTheSessionAndItsFlowCoAReshapesInPlaceAndUnknownSessionsGetNAK503() async throws {
        try await MeasurementLock.exclusive {
            let endpoints = try await TestServices.endpoints()
            try await withTestNetwork { network in
                let lab = try await BNGLab.make(network, endpoints: endpoints, hosts: 2, leases: .short)
                try await lab.waitForBNG()
                for index in 0..<2 { _ = try await lab.dhclient(index) }
                let addresses = [try await lab.address(of: 0), try await lab.address(of: 1)]
                var ids: [String] = []
                for address in addresses {
                    ids.append(try #require(try await lab.waitForAuthorizedSession(at: address)["session_id"] as? String))
                }
                try await lab.upstream.startIperfServer(network, port: 5201)
                try await lab.upstream.startIperfServer(network, port: 5202)
                let radclient = RadiusClientTool(endpoints: endpoints, directory: network.directory)

                // Disconnect h1 by Acct-Session-Id while it downloads: the BNG ACKs, the flow stops
                // (iperf3 gives up after 3 s without a byte) and the session ends Admin-Reset.
                let flow = try network.spawn(["iperf3", "-c", "\(BNGLab.upstreamAddress)", "-p", "5201", "-R", "-t", "60", "--rcv-timeout", "3000"],
                                             in: lab.hosts[0], log: "iperf3-h1")
                try await Readiness.wait(for: "h1's download to flow", timeoutSeconds: 20) {
                    (try await lab.sessions().first { $0["session_id"] as? String == ids[0] }?["bytes_down"] as? Int ?? 0) > 2_000_000
                }
                // h1's DHCP client pauses (no RELEASE, the lease stays): a renewal must not bring a
                // fresh session back while the test watches the old one's flow die.
                try await lab.stopDHCPClient(0)
                let ack = try await radclient.send("disconnect", ["Acct-Session-Id = \"\(ids[0])\""], to: lab.services.address)
                #expect(ack.standardOutput.contains("Received Disconnect-ACK"), "\(ack.standardOutput)\(ack.standardError)")
                try await Readiness.wait(for: "h1's iperf3 to give up", timeoutSeconds: 20) {
                    flow.log().contains("idle timeout for receiving data") || !flow.isRunning
                }
                #expect(flow.log().contains("idle timeout for receiving data"), "the download did not stop: \(flow.log().suffix(600))")
                var stop: SessionStopPayload?
                try await Readiness.wait(for: "SESSION_STOP of h1", timeoutSeconds: 20) {
                    stop = try lab.events().compactMap { event -> SessionStopPayload? in
                        if case .sessionStop(let payload) = event.payload, payload.line.sessionID.uuidString.lowercased() == ids[0] { return payload }
                        return nil
                    }.first
                    return stop != nil
                }
                #expect(stop?.terminateCause == "Admin-Reset")
                try await Readiness.wait(for: "h1's Acct-Stop", timeoutSeconds: 20) {
                    try lab.radacct().first { $0["acctsessionid"] == ids[0] }?["cause"] ?? nil == "Admin-Reset"
                }
                let tracked = try await lab.bngNamespace.run(["conntrack", "-L", "-d", "\(addresses[0])", "-p", "tcp", "--state", "ESTABLISHED"])
                #expect(!tracked.standardOutput.contains("dport=5201"), "h1's flow is still tracked: \(tracked.standardOutput)")

                // CoA on h2 by Framed-IP-Address: the download rate goes from 20 to 8 Mbit/s, the
                // upload rate stays, the session keeps its id, POLICY_APPLY tells the rest.
                let before = try await lab.hosts[1].iperf(to: BNGLab.upstreamAddress, port: 5202, ["-t", "5", "-O", "1", "-R"])
                let coa = try await radclient.send("coa", ["Framed-IP-Address = \(addresses[1])", "Aether-Download-Rate = 8000"],
                                                   to: lab.services.address)
                #expect(coa.standardOutput.contains("Received CoA-ACK"), "\(coa.standardOutput)\(coa.standardError)")
                let after = try await lab.hosts[1].iperf(to: BNGLab.upstreamAddress, port: 5202, ["-t", "5", "-O", "1", "-R"])
                let upload = try await lab.hosts[1].iperf(to: BNGLab.upstreamAddress, port: 5202, ["-t", "5", "-O", "1"])
                print("CoA through aether-bng: download \(before.receivedBitsPerSecond / 1e6) → \(after.receivedBitsPerSecond / 1e6) Mbit/s (8 asked), upload \(upload.receivedBitsPerSecond / 1e6) Mbit/s (5)")
                #expect(abs(before.receivedBitsPerSecond / 20e6 - 1) <= 0.1, "before CoA: \(before.receivedBitsPerSecond)")
                #expect(abs(after.receivedBitsPerSecond / 8e6 - 1) <= 0.1, "after CoA: \(after.receivedBitsPerSecond)")
                #expect(abs(upload.receivedBitsPerSecond / 5e6 - 1) <= 0.1, "upload after CoA: \(upload.receivedBitsPerSecond)")
                let session = try #require(try await lab.sessions().first { $0["address"] as? String == "\(addresses[1])" })
                #expect(session["session_id"] as? String == ids[1])
                #expect(session["download_kbps"] as? Int == 8000)
                let applied = try lab.events().compactMap { event -> PolicyApplyPayload? in
                    if case .policyApply(let payload) = event.payload, payload.line.sessionID.uuidString.lowercased() == ids[1] { return payload }
                    return nil
                }
                #expect(applied.last?.downloadKbps == 8000 && applied.last?.uploadKbps == UInt64(BNGLab.planUploadKbps), "\(applied)")
                #expect(try lab.events().filter { $0.eventType == .sessionStart && $0.payload.sessionID?.uuidString.lowercased() == ids[1] }.count == 1)

                // Unknown sessions: NAK with Error-Cause 503, for Disconnect and for CoA.
                let unknown = try await radclient.send("disconnect", ["Acct-Session-Id = \"\(UUID().uuidString.lowercased())\""], to: lab.services.address)
                #expect(unknown.standardOutput.contains("Received Disconnect-NAK"), "\(unknown.standardOutput)\(unknown.standardError)")
                #expect(unknown.standardOutput.contains("Error-Cause = Session-Context-Not-Found"))
                let nobody = try await radclient.send("coa", ["Framed-IP-Address = 198.51.100.77", "Aether-Download-Rate = 1000"], to: lab.services.address)
                #expect(nobody.standardOutput.contains("Received CoA-NAK"), "\(nobody.standardOutput)\(nobody.standardError)")
                #expect(nobody.standardOutput.contains("Error-Cause = Session-Context-Not-Found"))

                // h1 still holds its lease: its next DHCP exchange brings a fresh session (a new id).
                _ = try await lab.dhclient(0)
                let fresh = try await lab.waitForAuthorizedSession(at: addresses[0], timeoutSeconds: 30)
                #expect(fresh["session_id"] as? String != ids[0])
            }
        }
    }
}
