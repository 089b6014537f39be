import Benchmark
import RadiusKit
import NetworkTypes

/// Per-packet cost of the two hot paths of a BNG's RADIUS client, on one core.
let benchmarks: @Sendable () -> Void = {
    throughputBenchmarks()
    Benchmark.defaultConfiguration.maxDuration = .seconds(3)
    Benchmark.defaultConfiguration.metrics = [.wallClock, .cpuTotal, .throughput, .mallocCountTotal]

    let secret: RADIUSSecret
    let request: RADIUSPacket
    let acceptBytes: [UInt8]
    do {
        secret = try RADIUSSecret("benchmark-shared-secret")
        let authenticator = [UInt8](repeating: 0x5A, count: 16)
        request = RADIUSPacket(code: .accessRequest, identifier: 7, authenticator: authenticator, attributes: [
            .string(.userName, "bng-01/an-01/1/1/1/7"),
            .ipv4Address(.nasIPAddress, IPv4Address(198, 18, 0, 10)),
            .string(.nasIdentifier, "bng-01"),
            .string(.nasPortID, "an-01 eth 1/1/1/7"),
            .integer(.nasPortType, 15),
            .string(.callingStationID, "02-00-00-00-00-07"),
            .ipv4Address(.framedIPAddress, IPv4Address(100, 64, 0, 7)),
            .date(.eventTimestamp, secondsSince1970: 1_800_000_000),
        ])
        let rates = try RADIUSRateLimits(downloadKbps: 50_000, uploadKbps: 10_000, downloadBurstKbit: 500, uploadBurstKbit: 100)
        let accept = RADIUSPacket(code: .accessAccept, identifier: 7, attributes: try rates.aetherAttributes() + [
            .integer(.sessionTimeout, 86_400), .integer(.acctInterimInterval, 300), .string(.class, "service-gold"),
        ])
        acceptBytes = try accept.encodedResponse(toRequestAuthenticator: authenticator, secret: secret)
    } catch {
        fatalError("benchmark fixtures: \(error)")
    }
    let password = Array("subscriber-password".utf8)

    Benchmark("RADIUS encode+sign Access-Request") { benchmark in
        for _ in benchmark.scaledIterations {
            var packet = request
            packet.authenticator = RADIUSAuthenticator.random()
            do {
                packet.attributes.append(RADIUSAttribute(
                    type: .userPassword,
                    value: try RADIUSUserPassword.hide(password, secret: secret, requestAuthenticator: packet.authenticator)))
                blackHole(try packet.encodedRequest(secret: secret))
            } catch {
                fatalError("\(error)")
            }
        }
    }

    Benchmark("RADIUS decode+verify Access-Accept") { benchmark in
        for _ in benchmark.scaledIterations {
            do {
                let reply = try RADIUSPacketVerifier.response(acceptBytes, to: request, secret: secret)
                blackHole(try RADIUSRateLimits(packet: reply))
            } catch {
                fatalError("\(error)")
            }
        }
    }
}
