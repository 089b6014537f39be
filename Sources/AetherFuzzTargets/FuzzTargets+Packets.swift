import DHCPKit
import NetworkTypes
import RadiusKit

extension FuzzTarget {
    /// DHCP messages as a relay or server receives them (the UDP payload).
    public static let dhcpMessage = FuzzTarget(
        name: "dhcp-message",
        summary: "DHCPMessage(parsing:): parse-then-encode gives the input back; typed accessors, Option 82, strip, the JSON document"
    ) { bytes throws(FuzzFinding) in
        let name = "dhcp-message"
        guard let message = try? DHCPMessage(parsing: bytes) else { return }
        guard message.encoded() == bytes else { throw FuzzFinding(name, "parse-then-encode changed the bytes") }
        _ = message.messageType
        _ = message.leaseTime
        _ = message.serverIdentifier
        _ = message.parameterRequestList
        _ = message.clientIdentifier
        _ = message.hostName
        _ = message.routers
        _ = message.domainNameServers
        if let information = try? message.relayAgentInformation() {
            _ = information.circuitID
            if let encoded = try? information.encoded(), let again = try? RelayAgentInformation(parsing: encoded), again != information {
                throw FuzzFinding(name, "Option 82 does not survive encode-then-parse")
            }
            var stripped = message
            stripped.stripRelayAgentInformation()
            if (try? stripped.relayAgentInformation()) != nil {
                throw FuzzFinding(name, "Option 82 still present after stripping")
            }
        }
        _ = try? DHCPMessageDocument(message).message()
    }

    /// Whole Ethernet frames as a packet socket delivers them, then both relay engines.
    public static let dhcpFrame = FuzzTarget(
        name: "dhcp-frame",
        summary: "DHCPFrame(parsing:) with and without UDP checksum verification, then the access-node and gateway relay engines"
    ) { bytes throws(FuzzFinding) in
        for verify in [true, false] {
            guard let frame = try? DHCPFrame(parsing: bytes, verifyingUDPChecksum: verify) else { continue }
            guard frame.encoded() == bytes else { throw FuzzFinding("dhcp-frame", "frame parse-then-encode changed the bytes") }
            guard let message = try? frame.message() else { continue }
            var node = AccessNodeRelayAgent(configuration: .init(remoteID: "an-01", circuitIDs: ["p1": "an-01/1"]))
            let now = ContinuousClock.now
            _ = node.handle(.fromClient(message, port: "p1"), now: now)
            _ = node.handle(.fromUplink(message), now: now)
            var gateway = GatewayRelayAgent(configuration: .init(
                relayAddress: IPv4Address(100, 64, 0, 1), servers: [IPv4Address(198, 18, 0, 1)],
                interfaces: ["dn0": .trusted], relayID: "bng-01", proxyServerIdentifier: true))
            _ = gateway.handle(.fromClient(message, interface: "dn0"), now: now)
            _ = gateway.handle(.fromServer(message, source: IPv4Address(198, 18, 0, 1)), now: now)
        }
    }

    /// RADIUS packets as a client, a server or the CoA listener receives them.
    public static let radiusPacket = FuzzTarget(
        name: "radius-packet",
        summary: "RADIUSPacket(bytes:): round trip, verification as request and reply, vendor attributes, the dictionary, the CoA engine"
    ) { bytes throws(FuzzFinding) in
        guard let secret = RADIUSFuzzFixtures.secret, let source = RADIUSFuzzFixtures.source, let range = RADIUSFuzzFixtures.range else {
            throw FuzzFinding("radius-packet", "the fixtures' secret, address or range no longer parse")
        }
        if let packet = try? RADIUSPacket(bytes: bytes) {
            guard let encoded = try? packet.encoded(), encoded == bytes else {
                throw FuzzFinding("radius-packet", "parse-then-encode changed the bytes")
            }
            _ = RADIUSFuzzFixtures.dictionary.describe(packet)
            _ = try? RADIUSRateLimits(packet: packet)
            _ = try? RADIUSAccountingRecord(packet: packet)
            for attribute in packet.attributes where attribute.type == .vendorSpecific {
                _ = try? RADIUSVendorSpecific(attribute)
            }
            var request = packet
            request.code = .accessRequest
            _ = try? RADIUSPacketVerifier.response(bytes, to: request, secret: secret)
            _ = try? RADIUSPacket(bytes: bytes, allowingTrailingPadding: true)
        }
        _ = try? RADIUSPacketVerifier.request(bytes, secret: secret, requireMessageAuthenticator: false)
        var engine = RADIUSDynamicAuthorizationEngine<ContinuousClock.Instant>(
            clients: [RADIUSDynamicAuthorizationClient(name: "fuzz", range: range, secret: secret)],
            configuration: .init(requireMessageAuthenticator: false))
        _ = engine.handle(.received(bytes: bytes, source: source, now: .now, unixTime: 1_800_000_000))
    }

    /// FreeRADIUS-format dictionary text (an operator's `dictionary.*` files) and attribute pairs.
    public static let radiusDictionary = FuzzTarget(
        name: "radius-dictionary",
        summary: "RADIUSDictionaryParser on dictionary text, then every line as an `Attribute = value` pair encoded with it",
        seeds: { [Array(RADIUSDictionary.standardText.utf8), Array("User-Name = \"bng-01/an-01/an-01/1\"\nAether-Download-Rate = 50000\n".utf8)] }
    ) { bytes throws(FuzzFinding) in
        let text = String(decoding: bytes, as: UTF8.self)
        var parser = RADIUSDictionaryParser(adding: .standard)
        _ = try? parser.parse(text, fileName: "fuzz.dictionary")
        for line in text.split(separator: "\n").prefix(16) {
            guard let pair = try? RADIUSDictionary.parsePair(String(line)) else { continue }
            _ = try? parser.dictionary.encode(pair)
        }
    }
}

/// Constants the RADIUS targets share (valid literals; `nil` only if RadiusKit stopped accepting them).
enum RADIUSFuzzFixtures {
    static let dictionary = RADIUSDictionary.standard
    static let secret = try? RADIUSSecret("fuzz-secret")
    static let source = try? RADIUSSocketAddress("198.18.0.10:3799")
    static let range = try? RADIUSAddressRange("198.18.0.0/24")
}
