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
        try IperfResult(try await iperfClient(["iperf3", "-c", "\(server)", "-p", "\(port)", "-J"] + arguments).standardOutput)
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

/// A lab host's DHCP client files: `<dir>/<name>.leases` and `<dir>/<name>.pid`.
struct DHCPClientFiles {
    let leases: String
    let pid: String

    init(_ network: TestNetwork, host name: String) {
        leases = network.directory + "/\(name).leases"
        pid = network.directory + "/\(name).pid"
    }
}

extension NetworkNamespace {
    /// Runs `dhclient -1` on eth0 with `files`; it is stopped without a RELEASE at cleanup.
    /// `context` adds a daemon's log to the error when no lease comes.
    func dhclient(_ files: DHCPClientFiles, network: TestNetwork, extraArguments: [String] = [], timeoutSeconds: Double,
                  context: @autoclosure () -> String) async throws {
        let result = try await run(["dhclient", "-1", "-v", "-lf", files.leases, "-pf", files.pid] + extraArguments + ["eth0"],
                                   timeoutSeconds: timeoutSeconds)
        guard result.succeeded else {
            throw LabKitError(.commandFailed, "dhclient in \(name): \(result.standardError)\n\(context())")
        }
        network.onCleanup { [self] in _ = try? await run(["dhclient", "-x", "-lf", files.leases, "-pf", files.pid, "eth0"]) }
    }

    /// This namespace's IPv4 address on `interface`.
    func ipv4Address(on interface: String = "eth0") async throws -> IPv4Address {
        let text = try await ip("-4", "-o", "addr", "show", "dev", interface).standardOutput
        guard let field = text.split(separator: " ").first(where: { $0.contains("/") }),
              let address = IPv4InterfaceAddress(String(field))?.address else {
            throw LabKitError(.commandFailed, "\(name) has no IPv4 address on \(interface): \(text)")
        }
        return address
    }
}

/// busybox udhcpc in the foreground on eth0 with a hook that records each call (`bound`,
/// `renew`, `deconfig`) with the server id and address in `<dir>/<name>.udhcpc`.
struct UdhcpcClient {
    let process: BackgroundProcess
    let events: String

    static func start(_ host: NetworkNamespace, network: TestNetwork, name: String, discoverAttempts: Int = 20) async throws -> UdhcpcClient {
        let events = network.directory + "/\(name).udhcpc"
        let script = network.directory + "/udhcpc-\(name).sh"
        try """
            #!/bin/sh
            case "$1" in
              bound|renew)
                ip addr replace "$ip/${mask:-24}" dev "$interface"
                [ -n "$router" ] && ip route replace default via "$router" dev "$interface"
                ;;
              deconfig)
                ip addr flush dev "$interface"
                ;;
            esac
            echo "$1 serverid=$serverid ip=$ip" >> \(events)
            exit 0

            """.write(toFile: script, atomically: true, encoding: .utf8)
        chmod(script, 0o755)
        let process = try network.spawn(["udhcpc", "-f", "-i", "eth0", "-s", script, "-t", "\(discoverAttempts)", "-T", "2", "-A", "2"],
                                        in: host, log: "udhcpc-\(name)")
        try await Readiness.wait(for: "udhcpc on \(name) bound", timeoutSeconds: 60) {
            ((try? String(contentsOfFile: events, encoding: .utf8)) ?? "").contains("bound ")
        }
        return UdhcpcClient(process: process, events: events)
    }
}
