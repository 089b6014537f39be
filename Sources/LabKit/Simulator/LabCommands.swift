import Foundation
import Glibc

/// Runs a simulator command on a lab host: placeholders filled in, `sh -c` inside the host's
/// namespace, and for iperf3 a port of the upstream's pool held for the whole run.
///
/// The pool is shared by every process of the lab (the simulator and aether-api's demo panel)
/// through one lock file per port (`flock`): two clients never meet on one iperf3 server, and a
/// process that dies lets go of its ports with its descriptors.
public struct LabCommands: Sendable {
    public let layout: LabLayout
    public let iperf3Rate: String

    public init(layout: LabLayout, iperf3Rate: String) {
        self.layout = layout
        self.iperf3Rate = iperf3Rate
    }

    var lockDirectory: String { layout.directory + "/sim/ports" }

    /// What one run did; `command` is the text as run.
    public struct Outcome: Sendable, Hashable {
        public var command: String
        public var status: Int32
        public var output: String
        public var seconds: Double
    }

    /// A held pool port; released when dropped.
    final class PortLease: Sendable {
        let port: UInt16
        private let descriptor: Int32

        init(port: UInt16, descriptor: Int32) {
            self.port = port
            self.descriptor = descriptor
        }

        deinit { close(descriptor) }
    }

    /// The first free pool port, or nil when every one is in use.
    func takePort() -> PortLease? {
        try? StateFiles.makeDirectory(lockDirectory, mode: 0o755)
        for port in layout.topology.upstream.iperf3Ports {
            let fd = open(lockDirectory + "/iperf3-\(port).lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
            guard fd >= 0 else { continue }
            if flock(fd, LOCK_EX | LOCK_NB) == 0 { return PortLease(port: port, descriptor: fd) }
            close(fd)
        }
        return nil
    }

    /// `command` with `{upstream}`, `{domain}`, `{iperf3_port}`, `{iperf3_rate}` and `{interface}` replaced.
    public func fill(_ command: String, port: UInt16?) -> String {
        let upstream = layout.topology.upstream
        return command.replacingOccurrences(of: "{upstream}", with: upstream.address.description)
            .replacingOccurrences(of: "{domain}", with: upstream.domain)
            .replacingOccurrences(of: "{iperf3_port}", with: port.map(String.init) ?? "\(upstream.iperf3Ports[0])")
            .replacingOccurrences(of: "{iperf3_rate}", with: iperf3Rate)
            .replacingOccurrences(of: "{interface}", with: "eth0")
    }

    /// Runs `command` on `host`; nil when it needs an iperf3 port and none is free. A command
    /// that outlives `timeoutSeconds` is killed and reported with status 124.
    public func run(_ command: String, on host: LabTopology.Host, timeoutSeconds: Double = 60) async -> Outcome? {
        var lease: PortLease?
        if command.contains("{iperf3_port}") {
            lease = takePort()
            guard lease != nil else { return nil }
        }
        let text = fill(command, port: lease?.port)
        let started = MonotonicClock.now
        let result = try? await layout.hostNamespace(host).run(["sh", "-c", text], timeoutSeconds: timeoutSeconds)
        withExtendedLifetime(lease) {}
        return Outcome(command: text, status: result?.status ?? 124,
                       output: result.map { $0.standardOutput + $0.standardError } ?? "timed out after \(Int(timeoutSeconds)) s",
                       seconds: MonotonicClock.now - started)
    }
}
