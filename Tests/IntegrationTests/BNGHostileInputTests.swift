import AetherTestSupport
import DHCPKit
import Foundation
import LabKit
import NetworkTypes
import Testing

/// Hostile input from a subscriber port (issue "BNG", acceptance 9): forged Option 82, the fuzz
/// corpora as frames, forged OFFER/ACK, CoA from the subscriber side, 5,000 DISCOVERs and 500
/// DORAs with random MACs — dropped or limited and counted by reason, no crash, bounded memory,
/// and a legitimate neighbour keeps getting answered at once.
@Suite("aether-bng under hostile subscriber input", .serialized)
struct BNGHostileInputTests {
    static var repositoryRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    /// Every file of a fuzz corpus.
    static func corpus(_ name: String) throws -> [[UInt8]] {
        let directory = repositoryRoot.appendingPathComponent("Fuzz/Corpus/\(name)")
        return try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted().map {
            [UInt8](try Data(contentsOf: directory.appendingPathComponent($0)))
        }
    }

    static func request(_ type: DHCPMessageType, mac: MACAddress, xid: UInt32, configure: (inout DHCPMessage) -> Void = { _ in }) throws -> [UInt8] {
        var message = DHCPMessage(op: .bootRequest, xid: xid, flags: 0x8000, chaddr: mac.bytes)
        message.messageType = type
        configure(&message)
        return try DHCPFrame(message: message, ethernet: EthernetHeader(destination: .broadcast, source: mac),
                             ipv4: IPv4Header(source: .any, destination: .broadcast),
                             udp: UDPHeader(sourcePort: 68, destinationPort: 67)).encoded()
    }

    /// Waits up to `seconds` for DHCP replies on `socket`, handing each parsed message to `handle`.
    static func collect(_ socket: PacketSocket, seconds: Double, _ handle: (DHCPMessage) throws -> Void) throws {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while ContinuousClock.now < deadline {
            var descriptor = pollfd(fd: socket.fileDescriptor, events: Int16(POLLIN), revents: 0)
            _ = poll(&descriptor, 1, 50)
            while let frame = try socket.receive() {
                if let message = try? DHCPFrame(parsing: frame, verifyingUDPChecksum: false).message(), message.op == .bootReply {
                    try handle(message)
                }
            }
        }
    }

    static func randomMAC() -> MACAddress {
        MACAddress(0x02, .random(in: 0...255), .random(in: 0...255), .random(in: 0...255), .random(in: 0...255), .random(in: 0...255))
    }

    static func residentKilobytes(_ pid: Int32) throws -> Int {
        let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
        guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
              let kilobytes = Int(line.split(separator: " ").dropFirst().first ?? "") else {
            throw LabKitError(.commandFailed, "no VmRSS for \(pid)")
        }
        return kilobytes
    }

    @Test func hostileSubscriberInputIsDroppedOrLimitedAndCountedWhileANeighbourIsServed() async throws {
        try await MeasurementLock.exclusive {
            let endpoints = try await TestServices.endpoints()
            try await withTestNetwork { network in
                let lab = try await BNGLab.make(network, endpoints: endpoints, hosts: 2)
                try await lab.waitForBNG()
                // The neighbour, h2: a session first (the BNG warmed up), then a DORA every ~0.4 s during the attack.
                _ = try await lab.dhclient(1)
                _ = try await lab.waitForAuthorizedSession(at: try await lab.address(of: 1))
                try await lab.stopDHCPClient(1)
                let rssBefore = try Self.residentKilobytes(lab.bng.handle.pid)
                let stop = network.directory + "/stop-neighbour"
                let timings = network.directory + "/neighbour.txt"
                let neighbour = try network.spawn(["sh", "-c", """
                    while [ ! -f \(stop) ]; do
                      s=$(date +%s%N)
                      if udhcpc -i eth0 -q -n -s /bin/true -t 1 -T 1 -A 1 >/dev/null 2>&1; then echo "ok $(( ($(date +%s%N) - s) / 1000000 ))"; else echo fail; fi
                      sleep 0.4   # a DORA every ~0.4 s keeps the line well under its 10 requests/s
                    done >> \(timings)
                    """], in: lab.hosts[1], log: "neighbour")

                let attacker = lab.macs[0]
                let coaFrames = 20
                let (offers, acks) = try await lab.hosts[0].perform { () -> (Int, Int) in
                    let socket = try PacketSocket(interface: "eth0")
                    // Forged Option 82: the access node must not let a subscriber name its own line.
                    for index in 0..<50 {
                        try socket.send(try Self.request(.discover, mac: attacker, xid: UInt32(index)) { message in
                            try? message.insertRelayAgentInformation(RelayAgentInformation(circuitID: "evil/1", remoteID: "evil"), maximumLength: 576)
                        })
                    }
                    // The fuzz corpora: whole frames as they are, DHCP messages in valid frames.
                    for frame in try Self.corpus("dhcp-frame") { try? socket.send(frame) }
                    for payload in try Self.corpus("dhcp-message") {
                        if let frame = try? DHCPFrame(payload: payload, ethernet: EthernetHeader(destination: .broadcast, source: attacker),
                                                      ipv4: IPv4Header(source: .any, destination: .broadcast),
                                                      udp: UDPHeader(sourcePort: 68, destinationPort: 67)) {
                            try socket.send(frame.encoded())
                        }
                    }
                    // Forged OFFER and ACK, as a rogue server on the subscriber side.
                    for type in [DHCPMessageType.offer, .ack] {
                        var reply = DHCPMessage(op: .bootReply, xid: 0x0bad_f00d, yiaddr: IPv4Address(100, 64, 99, 9), chaddr: lab.macs[1].bytes)
                        reply.messageType = type
                        reply.serverIdentifier = IPv4Address(100, 64, 99, 1)
                        for _ in 0..<25 {
                            try socket.send(try DHCPFrame(message: reply, ethernet: EthernetHeader(destination: .broadcast, source: attacker),
                                                          ipv4: IPv4Header(source: IPv4Address(100, 64, 99, 1), destination: .broadcast),
                                                          udp: UDPHeader(sourcePort: 67, destinationPort: 68)).encoded())
                        }
                    }
                    // 5,000 DISCOVERs from random MACs.
                    for index in 0..<5_000 { try socket.send(try Self.request(.discover, mac: Self.randomMAC(), xid: 0x1000_0000 + UInt32(index))) }
                    // 500 DORAs from random MACs: every DISCOVER, then a REQUEST for every OFFER.
                    var clients: [UInt32: MACAddress] = [:]
                    for index in 0..<500 {
                        let mac = Self.randomMAC()
                        clients[0x2000_0000 + UInt32(index)] = mac
                        try socket.send(try Self.request(.discover, mac: mac, xid: 0x2000_0000 + UInt32(index)))
                    }
                    var offers = 0
                    var acks = 0
                    try Self.collect(socket, seconds: 3) { reply in
                        guard let mac = clients[reply.xid], reply.messageType == .offer else { return }
                        offers += 1
                        try socket.send(try Self.request(.request, mac: mac, xid: reply.xid) { message in
                            message.requestedIPAddress = reply.yiaddr
                            message.serverIdentifier = reply.serverIdentifier
                        })
                    }
                    try Self.collect(socket, seconds: 2) { reply in
                        if clients[reply.xid] != nil, reply.messageType == .ack { acks += 1 }
                    }
                    return (offers, acks)
                }
                // The same corpora and a forged ACK straight onto the BNG's subscriber side, as a
                // compromised access node would send them (the bridge keeps DHCP away otherwise).
                let nodeMAC = MACAddress(0x02, 0xad, 0, 0, 0, 1)
                let remoteID = lab.remoteID
                try await lab.accessNode.perform {
                    let socket = try PacketSocket(interface: "up0")
                    for frame in try Self.corpus("dhcp-frame") { try? socket.send(frame) }
                    // A burst past any port limit, stamped as the attacker's line: the BNG limits the line itself.
                    let line = RelayAgentInformation(circuitID: RelayAgentIdentifier(text: "\(remoteID)/1"), remoteID: RelayAgentIdentifier(text: remoteID))
                    for index in 0..<500 {
                        try socket.send(try Self.request(.discover, mac: Self.randomMAC(), xid: 0x3000_0000 + UInt32(index)) { message in
                            try? message.insertRelayAgentInformation(line, maximumLength: 576)
                        })
                    }
                    var ack = DHCPMessage(op: .bootReply, xid: 0x0bad_f00d, yiaddr: IPv4Address(100, 64, 99, 9), chaddr: attacker.bytes)
                    ack.messageType = .ack
                    for _ in 0..<25 {
                        try socket.send(try DHCPFrame(message: ack, ethernet: EthernetHeader(destination: .broadcast, source: nodeMAC),
                                                      ipv4: IPv4Header(source: IPv4Address(100, 64, 99, 1), destination: .broadcast),
                                                      udp: UDPHeader(sourcePort: 67, destinationPort: 67)).encoded())
                    }
                }
                // Disconnect/CoA from the subscriber side (an address of its own choosing), at the
                // BNG's gateway address and at its NAS address.
                try await lab.hosts[0].ip("addr", "add", "\(lab.gateway.address.advanced(by: 200))/\(lab.gateway.network.prefixLength)", "dev", "eth0")
                try await lab.hosts[0].ip("route", "add", "default", "via", "\(lab.gateway.address)")
                for target in [lab.gateway.address, lab.services.address] {
                    for _ in 0..<coaFrames / 2 {
                        try await lab.hosts[0].check(["sh", "-c", "printf '\\050\\001\\000\\024AAAAAAAAAAAAAAAA' | socat -u - UDP4-SENDTO:\(target):3799"])
                    }
                }
                try "".write(toFile: stop, atomically: true, encoding: .utf8)
                try await Readiness.wait(for: "the neighbour's loop to end", timeoutSeconds: 30) { !neighbour.isRunning }

                // The BNG is alive and still has only the sessions it should.
                #expect(lab.bng.isRunning, "aether-bng died: \(lab.bng.log().suffix(2000))")
                let sessions = try await lab.sessions()
                let onAttackerLine = sessions.filter { $0["circuit_id"] as? String == "\(lab.remoteID)/1" }
                #expect(onAttackerLine.count <= 4, "the attacker's line holds \(onAttackerLine.count) sessions")
                #expect(offers <= 4 && acks <= 4, "random MACs got \(offers) offers, \(acks) acks")
                let rssAfter = try Self.residentKilobytes(lab.bng.handle.pid)
                print("aether-bng RSS \(rssBefore / 1024) MiB before, \(rssAfter / 1024) MiB after the attack (+\((rssAfter - rssBefore) / 1024) MiB)")
                #expect(rssAfter - rssBefore <= 32 * 1024, "RSS grew by \((rssAfter - rssBefore) / 1024) MiB")

                // Counted by reason: the access node drops what a subscriber may not send at all …
                let relay = try await lab.relayMetrics()
                print("access-node relay drops by reason: " + ["untrustedOption82", "wrongDirection", "malformed", "receiveBufferFull", "rateLimited"]
                    .map { "\($0) \(Int(relay.value("aether_dhcp_relay_dropped_total", ["reason": $0])))" }.joined(separator: ", "))
                #expect(relay.value("aether_dhcp_relay_dropped_total", ["reason": "untrustedOption82"]) > 0, "\(relay.text)")   // those the port limit let through
                #expect(relay.value("aether_dhcp_relay_dropped_total", ["reason": "wrongDirection"]) >= 50)
                #expect(relay.value("aether_dhcp_relay_dropped_total", ["reason": "malformed"]) > 0)
                #expect(relay.value("aether_dhcp_relay_dropped_total", ["reason": "rateLimited"]) > 5_000)
                // … and the BNG limits the line (what got past the port's limit, and the compromised node's frames).
                let bng = try await lab.metrics()
                #expect(bng.value("aether_dhcp_relay_dropped_total", ["reason": "tooManyClients"]) > 0, "\(bng.text)")
                #expect(bng.value("aether_dhcp_relay_dropped_total", ["reason": "rateLimited"]) > 0)
                #expect(bng.value("aether_dhcp_relay_dropped_total", ["reason": "malformed"]) > 0)
                // The forged ACKs: some may have been lost in the flood, counted as receiveBufferFull.
                #expect(bng.value("aether_dhcp_relay_dropped_total", ["reason": "wrongDirection"]) > 0)
                print("aether-bng drops by reason: " + ["tooManyClients", "rateLimited", "malformed", "wrongDirection", "receiveBufferFull"]
                    .map { "\($0) \(Int(bng.value("aether_dhcp_relay_dropped_total", ["reason": $0])))" }.joined(separator: ", "))
                // CoA from the subscriber side never reached the CoA server.
                #expect(bng.value("aether_radius_dae_requests_total") == 0)
                #expect(bng.value("aether_radius_dae_discarded_total") == 0)

                // The neighbour's DORAs: every one answered at its first DISCOVER (-t 1 -T 1: 1 s to OFFER).
                let lines = try String(contentsOfFile: timings, encoding: .utf8).split(separator: "\n")
                let done = lines.compactMap { $0.hasPrefix("ok ") ? Int($0.dropFirst(3)) : nil }.sorted()
                #expect(!done.isEmpty && !lines.contains("fail"), "neighbour: \(lines)")
                if !done.isEmpty {
                    print("neighbour DORAs during the attack: \(done.count), p50 \(done[done.count / 2]) ms, p99 \(done[min(done.count - 1, Int(Double(done.count) * 0.99))]) ms")
                }
            }
        }
    }
}
