import Benchmark
import DHCPKit
import NetworkTypes

/// A DHCPDISCOVER frame sent by ISC dhclient on this machine
/// (Tests/DHCPKitTests/Vectors/captured/dhclient-01-client-discover.hex).
let clientFrameHex = "ffffffffffff02005e100001080045100148000000008011399600000000ffffffff004400430134899e01010600007dc936000000000000000000000000000000000000000002005e10000100000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000638253633501010c02766d370d011c02030f06770c2c2f1a792aff00000000000000000000000000000000000000000000000000000000000000000000000000"

let clientFrame: [UInt8] = stride(from: 0, to: clientFrameHex.count, by: 2).map { offset in
    let start = clientFrameHex.index(clientFrameHex.startIndex, offsetBy: offset)
    return UInt8(clientFrameHex[start..<clientFrameHex.index(start, offsetBy: 2)], radix: 16) ?? 0
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration.metrics = [.throughput, .wallClock, .mallocCountTotal, .peakMemoryResident]
    Benchmark.defaultConfiguration.maxDuration = .seconds(3)
    Benchmark.defaultConfiguration.maxIterations = 10_000_000

    // The message a gateway relay receives from an access node: dhclient's DISCOVER with Option 82.
    var node = AccessNodeRelayAgent(configuration: .init(remoteID: "an-01", circuitIDs: ["p1": "an-01/1/1"]))
    let discover = (try? DHCPFrame(parsing: clientFrame).message()) ?? DHCPMessage(op: .bootRequest)
    var relayedDiscover = discover
    if case .forwardToUplink(let stamped)? = node.handle(.fromClient(discover, port: "p1"), now: .now).first {
        relayedDiscover = stamped
    }
    let relayedBytes = relayedDiscover.encoded()

    Benchmark("DHCP parse relayed DISCOVER with Option 82") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try? DHCPMessage(parsing: relayedBytes))
        }
    }

    Benchmark("DHCP serialize relayed DISCOVER with Option 82") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(relayedDiscover.encoded())
        }
    }

    Benchmark("Access-node relay frame in -> frame out (parse, stamp Option 82, rebuild, checksums)") { benchmark in
        var agent = AccessNodeRelayAgent(configuration: .init(remoteID: "an-01", circuitIDs: ["p1": "an-01/1/1"]))
        let now = ContinuousClock.now
        for _ in benchmark.scaledIterations {
            guard let frame = try? DHCPFrame(parsing: clientFrame), let message = try? frame.message(),
                  case .forwardToUplink(let stamped)? = agent.handle(.fromClient(message, port: "p1"), now: now).first,
                  let out = try? DHCPFrame(message: stamped, ethernet: frame.ethernet, ipv4: frame.ipv4, udp: frame.udp)
            else { fatalError("relay path failed on a known-good frame") }
            blackHole(out.encoded())
        }
    }

    Benchmark("Gateway relay request path (parse frame, giaddr + relay-id + server-id-override, encode)") { benchmark in
        var gateway = GatewayRelayAgent(configuration: .init(
            relayAddress: IPv4Address(100, 64, 0, 1), servers: [IPv4Address(198, 18, 0, 1)],
            interfaces: ["dn0": .trusted], relayID: "bng-01"))
        let now = ContinuousClock.now
        let stampedFrame = (try? DHCPFrame(parsing: clientFrame)).flatMap { frame in
            try? DHCPFrame(message: relayedDiscover, ethernet: frame.ethernet, ipv4: frame.ipv4, udp: frame.udp)
        }?.encoded() ?? []
        for _ in benchmark.scaledIterations {
            guard let message = try? DHCPFrame(parsing: stampedFrame).message() else { fatalError("bad frame") }
            for action in gateway.handle(.fromClient(message, interface: "dn0"), now: now) {
                if case .forwardToServers(let relayed, _) = action { blackHole(relayed.encoded()) }
            }
        }
    }
}
