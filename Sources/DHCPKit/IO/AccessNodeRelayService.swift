import Logging
import NetworkTypes
import ServiceLifecycle
import ServiceSupport

/// Runs an ``AccessNodeRelayAgent`` on real interfaces: one ``PacketSocket`` per subscriber port
/// and one on the uplink, polled by one dedicated thread.
///
/// Frames keep their Ethernet and IPv4 headers (a client without an address keeps its
/// 0.0.0.0 → 255.255.255.255 broadcast, a renewing client its unicast to the gateway); only the
/// DHCP payload changes, with lengths and checksums recomputed.
///
/// A ServiceLifecycle `Service`: ``run()`` relays until graceful shutdown or cancellation, then
/// returns once its thread has exited.
public final class AccessNodeRelayService: Service, Sendable {
    private let ports: [String: PacketSocket]
    private let uplink: PacketSocket
    private let poller: SocketPoller
    private let configuration: AccessNodeRelayAgent.Configuration
    /// What the relay counts (see ``DHCPRelayMetrics``).
    public let metrics: DHCPRelayMetrics
    private let logger: Logger

    /// Opens the sockets (in the calling thread's network namespace). Every port named in the
    /// configuration's circuit-id map must exist.
    public init(configuration: AccessNodeRelayAgent.Configuration, uplink: String,
                metrics: DHCPRelayMetrics? = nil, logger: Logger = Logger(label: "aether.dhcp.access-node-relay")) throws(DHCPKitError) {
        var ports: [String: PacketSocket] = [:]
        for port in configuration.circuitIDs.keys.sorted() {
            ports[port] = try PacketSocket(interface: port)
        }
        self.ports = ports
        self.uplink = try PacketSocket(interface: uplink)
        self.poller = try SocketPoller()
        self.configuration = configuration
        self.metrics = metrics ?? DHCPRelayMetrics(relay: configuration.remoteID.description)
        self.logger = logger
    }

    /// Relays until graceful shutdown or cancellation.
    public func run() async throws {
        logger.debug("access-node relay running", metadata: ["remote-id": "\(configuration.remoteID)", "ports": "\(ports.count)"])
        try await BlockingService.run(name: "aether-anrelay", stop: { [poller] in poller.stop() }) { [self] in
            relayLoop()
        }
    }

    private func relayLoop() {
        var agent = AccessNodeRelayAgent(configuration: configuration)
        var handlers: [(fileDescriptor: Int32, onReadable: () -> Void)] = ports.map { name, socket in
            (socket.fileDescriptor, { socket.drainDHCP(metrics: self.metrics, side: .client) { frame, message, arrival in
                self.perform(agent.handle(.fromClient(message, port: name), now: arrival), frame: frame, arrival: arrival)
                self.metrics.learnedClients.record(agent.learnedPorts.count)
            } })
        }
        handlers.append((uplink.fileDescriptor, { self.uplink.drainDHCP(metrics: self.metrics, side: .uplink) { frame, message, arrival in
            self.perform(agent.handle(.fromUplink(message), now: arrival), frame: frame, arrival: arrival)
        } }))
        poller.run(handlers)
    }

    private func perform(_ actions: [AccessNodeRelayAgent.Action], frame: DHCPFrame, arrival: ContinuousClock.Instant) {
        for action in actions {
            switch action {
            case .forwardToUplink(let message):
                transmit(message, in: frame, on: uplink, path: .toUplink)
            case .forwardToPort(let message, let port):
                guard let socket = ports[port] else {
                    metrics.dropped.increment(.unknownInterface)
                    continue
                }
                transmit(message, in: frame, on: socket, path: .toPort)
            case .drop(let reason):
                metrics.dropped.increment(reason)
            }
        }
        metrics.processing.record(duration: ContinuousClock.now - arrival)
    }

    private func transmit(_ message: DHCPMessage, in original: DHCPFrame, on socket: PacketSocket, path: DHCPRelayMetrics.Path) {
        do {
            let frame = try DHCPFrame(message: message, ethernet: original.ethernet, ipv4: original.ipv4, udp: original.udp)
            try socket.send(frame.encoded())
            metrics.forwarded.increment(path)
        } catch {
            metrics.errors.increment(.send)
            logger.debug("send failed", metadata: ["interface": "\(socket.interface.name)", "error": "\(error)"])
        }
    }
}
