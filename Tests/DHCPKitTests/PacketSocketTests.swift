import AetherTestSupport
@testable import DHCPKit
import Foundation
import LabKit
import MetricsTestKit
import NetworkTypes
import Testing

@Suite("AF_PACKET socket under a flood")
struct PacketSocketTests {
    @Test func framesTheKernelDropsForWantOfBufferAreCountedAsReceiveBufferFull() async throws {
        try await withTestNetwork { network in
            let sender = try await network.namespace("tx")
            let receiver = try await network.namespace("rx")
            try await sender.addVeth("tx0", peer: "rx0", in: receiver)
            let socket = try await receiver.perform { try PacketSocket(interface: "rx0") }
            // Far more frames than the receive buffer holds, and nobody reading meanwhile.
            let sent = 20_000
            var discover = DHCPMessage(op: .bootRequest, xid: 1, chaddr: MACAddress(0x02, 0, 0, 0, 0, 1).bytes)
            discover.messageType = .discover
            let frame = try DHCPFrame(message: discover, ethernet: EthernetHeader(destination: .broadcast, source: MACAddress(0x02, 0, 0, 0, 0, 1)),
                                      ipv4: IPv4Header(source: .any, destination: .broadcast),
                                      udp: UDPHeader(sourcePort: 68, destinationPort: 67)).encoded()
            try await sender.perform {
                let out = try PacketSocket(interface: "tx0")
                for _ in 0..<sent { try out.send(frame) }
            }
            let factory = TestMetrics()
            let metrics = DHCPRelayMetrics(relay: "flood", factory: factory)
            var handled = 0
            socket.drainDHCP(metrics: metrics, side: .client, maximumFrames: .max) { _, _, _ in handled += 1 }
            let dropped = try factory.expectCounter("aether_dhcp_relay_dropped_total", [("relay", "flood"), ("reason", "receiveBufferFull")]).totalValue
            #expect(dropped > 0, "the flood fit in the buffer; send more")
            #expect(handled > 0)
            // Every frame is either handled or counted: none vanishes unseen.
            #expect(handled + Int(dropped) == sent, "handled \(handled) + dropped \(dropped) of \(sent)")
        }
    }

    static func discoverFrame(from mac: MACAddress) throws -> [UInt8] {
        var discover = DHCPMessage(op: .bootRequest, xid: 1, chaddr: mac.bytes)
        discover.messageType = .discover
        return try DHCPFrame(message: discover, ethernet: EthernetHeader(destination: .broadcast, source: mac),
                             ipv4: IPv4Header(source: .any, destination: .broadcast), udp: UDPHeader(sourcePort: 68, destinationPort: 67)).encoded()
    }

    @Test func aFloodOnOnePortDelaysAFrameOnAnotherByOneBatchAtMost() async throws {
        try await withTestNetwork { network in
            let sender = try await network.namespace("tx")
            let relay = try await network.namespace("rl")
            try await sender.addVeth("flood0", peer: "p1", in: relay)
            try await sender.addVeth("calm0", peer: "p2", in: relay)
            let (flooded, calm) = try await relay.perform { (try PacketSocket(interface: "p1"), try PacketSocket(interface: "p2")) }
            let attacker = MACAddress(0x02, 0, 0, 0, 0, 0xaa)
            let neighbour = MACAddress(0x02, 0, 0, 0, 0, 0xbb)
            let flood = 1_000
            // Everything waits in the two sockets before the loop starts: the flood first, then the neighbour.
            try await sender.perform {
                let out = try PacketSocket(interface: "flood0")
                let frame = try Self.discoverFrame(from: attacker)
                for _ in 0..<flood { try out.send(frame) }
                try PacketSocket(interface: "calm0").send(try Self.discoverFrame(from: neighbour))
            }
            let metrics = DHCPRelayMetrics(relay: "fair", factory: TestMetrics())
            let poller = try SocketPoller()
            var order: [MACAddress] = []
            func handler(_ socket: PacketSocket) -> () -> Void {
                {
                    socket.drainDHCP(metrics: metrics, side: .client) { frame, _, _ in order.append(frame.ethernet.source) }
                    if order.count == flood + 1 { poller.stop() }
                }
            }
            poller.run([(flooded.fileDescriptor, handler(flooded)), (calm.fileDescriptor, handler(calm))])
            let position = try #require(order.firstIndex(of: neighbour))
            #expect(position <= PacketSocket.drainBatch, "the neighbour's frame came \(position)th, behind the flood")
        }
    }
}
