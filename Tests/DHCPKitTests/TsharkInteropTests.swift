import DHCPKit
import Foundation
import LabKit
import Testing
import NetworkTypes

/// Wireshark's dissector is an independent reading of the RFCs: what DHCPKit builds must read
/// back in tshark with the same field values.
@Suite struct TsharkInteropTests {
    @Test func tsharkReadsTheSameFieldsFromAFrameDHCPKitBuilt() async throws {
        let mac = try MACAddress(parsing: "02:00:5e:aa:bb:cc")
        var message = DHCPMessage(op: .bootRequest, xid: 0x1234_abcd, flags: DHCPMessage.broadcastFlag)
        message.setClientMACAddress(mac)
        message.giaddr = IPv4Address(100, 64, 7, 1)
        message.hops = 1
        message.messageType = .discover
        message.requestedIPAddress = IPv4Address(100, 64, 7, 42)
        message.hostName = "h-07-01"
        message.padToMinimumBOOTPLength()
        var information = RelayAgentInformation(circuitID: "an-07/1/1", remoteID: "an-07")
        information.subOptions.append(RelayAgentSubOption(code: .linkSelection, data: [100, 64, 7, 0]))
        information.subOptions.append(RelayAgentSubOption(code: .serverIdentifierOverride, data: [100, 64, 7, 1]))
        information.subOptions.append(RelayAgentSubOption(code: .relayID, data: Array("bng-01".utf8)))
        try message.insertRelayAgentInformation(information, maximumLength: 1500)

        let frame = try DHCPFrame(
            message: message,
            ethernet: EthernetHeader(destination: .broadcast, source: mac),
            ipv4: IPv4Header(source: IPv4Address(100, 64, 7, 1), destination: IPv4Address(198, 18, 0, 1)),
            udp: UDPHeader(sourcePort: 67, destinationPort: 67))

        let fields = ["dhcp.type", "dhcp.id", "dhcp.flags.bc", "dhcp.hops", "dhcp.hw.mac_addr", "dhcp.ip.relay",
                      "dhcp.option.dhcp", "dhcp.option.requested_ip_address", "dhcp.option.hostname",
                      "dhcp.option.agent_information_option.agent_circuit_id",
                      "dhcp.option.agent_information_option.agent_remote_id",
                      "dhcp.option.agent_information_option.link_selection",
                      "dhcp.option.agent_information_option.server_id_override",
                      "dhcp.option.agent_information_option.relay_agent_id",
                      "udp.checksum.status", "ip.checksum.status"]
        let values = try await Self.tsharkFields(of: frame.encoded(), fields: fields)
        #expect(values["dhcp.type"] == "1")
        #expect(values["dhcp.id"] == "0x1234abcd")
        #expect(values["dhcp.flags.bc"] == "1" || values["dhcp.flags.bc"] == "True")
        #expect(values["dhcp.hops"] == "1")
        #expect(values["dhcp.hw.mac_addr"] == "02:00:5e:aa:bb:cc")
        #expect(values["dhcp.ip.relay"] == "100.64.7.1")
        #expect(values["dhcp.option.dhcp"] == "1")
        #expect(values["dhcp.option.requested_ip_address"] == "100.64.7.42")
        #expect(values["dhcp.option.hostname"] == "h-07-01")
        #expect(values["dhcp.option.agent_information_option.agent_circuit_id"] == Self.hex("an-07/1/1"))
        #expect(values["dhcp.option.agent_information_option.agent_remote_id"] == Self.hex("an-07"))
        #expect(values["dhcp.option.agent_information_option.link_selection"] == "100.64.7.0")
        #expect(values["dhcp.option.agent_information_option.server_id_override"] == "100.64.7.1")
        #expect(values["dhcp.option.agent_information_option.relay_agent_id"] == Self.hex("bng-01"))
        // tshark verifies both checksums itself when asked: 1 is "Good" (0 bad, 2 unverified).
        #expect(values["udp.checksum.status"] == "1")
        #expect(values["ip.checksum.status"] == "1")
    }

    /// Writes `frame` as a one-packet pcap and asks tshark for `fields` (checksum validation on).
    static func tsharkFields(of frame: [UInt8], fields: [String]) async throws -> [String: String] {
        var pcap: [UInt8] = []
        func le32(_ value: UInt32) { pcap += withUnsafeBytes(of: value.littleEndian, Array.init) }
        func le16(_ value: UInt16) { pcap += withUnsafeBytes(of: value.littleEndian, Array.init) }
        le32(0xa1b2_c3d4); le16(2); le16(4); le32(0); le32(0); le32(65535); le32(1)  // pcap header, Ethernet
        le32(0); le32(0); le32(UInt32(frame.count)); le32(UInt32(frame.count))
        pcap += frame
        let path = NSTemporaryDirectory() + "aether-tshark-\(UInt32.random(in: 0...UInt32.max)).pcap"
        try Data(pcap).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let output = try await CommandRunner.check(
            ["tshark", "-r", path, "-o", "udp.check_checksum:TRUE", "-o", "ip.check_checksum:TRUE",
             "-T", "fields", "-E", "separator=|", "-E", "occurrence=f"] + fields.flatMap { ["-e", $0] })
        let line = output.standardOutput.trimmingCharacters(in: .newlines)
        let columns = line.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
        return Dictionary(uniqueKeysWithValues: zip(fields, columns))
    }

    static func hex(_ text: String) -> String {
        text.utf8.map { String(format: "%02x", $0) }.joined()
    }
}
