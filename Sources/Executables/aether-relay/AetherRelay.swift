import ArgumentParser
import DHCPKit
import Foundation
import Glibc

/// `aether-relay`: the access-node DHCP agent. Stamps Option 82 (circuit-id = port,
/// remote-id = node) on subscriber requests, forwards them on the uplink, and delivers each
/// reply only to the port its circuit-id names, with Option 82 removed.
@main
struct AetherRelay: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "aether-relay",
        abstract: "Access-node DHCP Option 82 agent (RFC 3046).",
        discussion: "Run it inside the access node's network namespace; it needs CAP_NET_RAW.")

    @Option(help: "JSON configuration file (remoteID, uplink, ports: {interface: circuit-id}).")
    var config: String

    @Option(help: "Print counters to standard error every N seconds (0: only at exit).")
    var statsInterval: Double = 0

    func run() throws {
        let file: AccessNodeRelayFile
        let service: AccessNodeRelayService
        do {
            file = try AccessNodeRelayFile.load(path: config)
            service = try AccessNodeRelayService(configuration: file.agentConfiguration, uplink: file.uplink)
        } catch {
            throw ValidationError("\(error)")
        }
        // Stop on SIGINT/SIGTERM: the poll loop returns and counters are printed.
        let signals = [SIGINT, SIGTERM].map { number -> DispatchSourceSignal in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { service.stop() }
            source.resume()
            return source
        }
        var timer: DispatchSourceTimer?
        if statsInterval > 0 {
            let source = DispatchSource.makeTimerSource(queue: .global())
            source.schedule(deadline: .now() + statsInterval, repeating: statsInterval)
            source.setEventHandler { Self.report(service.counters) }
            source.resume()
            timer = source
        }
        log("aether-relay: remote-id \(file.remoteID), uplink \(file.uplink), ports \(file.ports.keys.sorted().joined(separator: ","))")
        service.run()
        timer?.cancel()
        signals.forEach { $0.cancel() }
        Self.report(service.counters)
    }

    static func report(_ counters: RelayCounters) {
        let line = counters.snapshot.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        FileHandle.standardError.write(Data("aether-relay: counters \(line.isEmpty ? "(none)" : line)\n".utf8))
    }

    func log(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }
}
