import AetherTestSupport
import Foundation
import LabKit
import NetworkTypes

/// iperf3 `-J` output: what the receiving side got.
struct IperfResult {
    let receivedBitsPerSecond: Double
    let totalReceivedBytes: Int
    let omittedBytes: Int

    init(_ json: String) throws {
        let root = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
        let end = root?["end"] as? [String: Any]
        let received = end?["sum_received"] as? [String: Any]
        guard let rate = received?["bits_per_second"] as? Double, let bytes = (received?["bytes"] as? NSNumber)?.intValue else {
            throw LabKitError(.commandFailed, "iperf3 printed no sum_received: \(json.prefix(400))")
        }
        receivedBitsPerSecond = rate
        totalReceivedBytes = bytes
        let intervals = root?["intervals"] as? [[String: Any]] ?? []
        omittedBytes = intervals.filter { ($0["sum"] as? [String: Any])?["omitted"] as? Bool == true }
            .compactMap { (($0["sum"] as? [String: Any])?["bytes"] as? NSNumber)?.intValue }.reduce(0, +)
    }
}

extension NetworkNamespace {
    /// Starts `iperf3 -s` on `port` in this namespace and waits until it listens.
    @discardableResult
    func startIperfServer(_ network: TestNetwork, port: Int = 5201) async throws -> BackgroundProcess {
        let server = try network.spawn(["iperf3", "-s", "-p", "\(port)"], in: self, log: "iperf3-server-\(port)")
        try await Readiness.wait(for: "iperf3 server on \(port)", timeoutSeconds: 15) {
            try await self.run(["ss", "-Hltn", "sport = :\(port)"]).standardOutput.contains("\(port)")
        }
        return server
    }

    /// One iperf3 client run to `server`; `-R` in `arguments` makes the server send.
    func iperf(to server: IPv4Address, port: Int = 5201, _ arguments: [String]) async throws -> IperfResult {
        try IperfResult(try await check(["iperf3", "-c", "\(server)", "-p", "\(port)", "-J"] + arguments, timeoutSeconds: 90).standardOutput)
    }
}

/// FreeRADIUS's `radclient` run from the services network (the management side), with the
/// harness's dictionary (vendor 43242 included).
struct RadiusClientTool {
    let endpoints: ServiceEndpoints
    let directory: String

    /// Sends one `command` (`disconnect`, `coa`) request with `attributes` to `server`:3799 and
    /// returns radclient's output (`-x`: the reply's code and attributes are printed).
    func send(_ command: String, _ attributes: [String], to server: IPv4Address, secret: String? = nil,
              from namespace: NetworkNamespace? = nil, timeout: Int = 2, retries: Int = 2) async throws -> CommandOutput {
        let file = directory + "/radclient-\(UInt32.random(in: 0...UInt32.max)).txt"
        try (attributes + ["Message-Authenticator = 0x00"]).joined(separator: "\n").write(toFile: file, atomically: true, encoding: .utf8)
        return try await (namespace ?? endpoints.servicesNamespace).run(
            ["radclient", "-x", "-d", endpoints.radiusDictionaryDirectory, "-r", "\(retries)", "-t", "\(timeout)", "-f", file,
             "\(server):3799", command, secret ?? endpoints.radius.secret],
            timeoutSeconds: Double(timeout * (retries + 1) + 10))
    }
}
