import Logging
import NetworkTypes
import ServiceLifecycle
import ServiceSupport

/// Runs a ``GatewayRelayAgent`` on real interfaces: a ``PacketSocket`` per subscriber-side
/// interface (clients may have no address yet) and one ``UDPSocket`` on port 67 toward the
/// servers, confined to the server-side device when one is given; one dedicated thread polls them.
///
/// Replies go back to clients as frames built here, from the interface's MAC and the gateway
/// address, to the Ethernet and IPv4 broadcast or to the client's MAC and address as RFC 2131
/// §4.1 says. In relay-proxy mode renewing clients send unicast to the gateway's UDP 67: the
/// packet socket relays those, and a UDP socket bound to port 67 on each subscriber-side
/// interface takes the kernel's copy so no ICMP port-unreachable goes back to the subscriber.
///
/// Every relayed message is reported to `observe` on the relay thread (keep it quick: enqueue).
/// A ServiceLifecycle `Service`: ``run()`` relays until graceful shutdown or cancellation and
/// returns once its thread has exited.
public final class GatewayRelayService: Service, Sendable {
    private let clientSockets: [String: PacketSocket]
    private let clientDrains: [UDPSocket]
    private let serverSocket: UDPSocket
    private let poller: SocketPoller
    private let configuration: GatewayRelayAgent.Configuration
    private let gate: RelayAdmissionGate?
    private let seed: [(MACAddress, String)]
    private let observe: @Sendable (DHCPRelayObservation) -> Void
    /// What the relay counts (see ``DHCPRelayMetrics``).
    public let metrics: DHCPRelayMetrics
    private let logger: Logger

    /// Opens the sockets in the calling thread's network namespace.
    /// - Parameters:
    ///   - serverDevice: interface toward the DHCP servers; `nil` accepts replies on any interface.
    ///   - seed: clients known from elsewhere (MAC and interface), e.g. a BNG's sessions after
    ///     a restart, so replies to their next unicast renewal are delivered.
    ///   - gate: when given and closed, requests that begin a binding are refused (bound
    ///     clients still renew); see ``RelayAdmissionGate``.
    ///   - observe: called for every relayed message (the session manager's input).
    public init(configuration: GatewayRelayAgent.Configuration, serverDevice: String?,
                metrics: DHCPRelayMetrics? = nil, seed: [(MACAddress, String)] = [], gate: RelayAdmissionGate? = nil,
                logger: Logger = Logger(label: "aether.dhcp.gateway-relay"),
                observe: @escaping @Sendable (DHCPRelayObservation) -> Void = { _ in }) throws(DHCPKitError) {
        var sockets: [String: PacketSocket] = [:]
        var drains: [UDPSocket] = []
        for name in configuration.interfaces.keys.sorted() {
            sockets[name] = try PacketSocket(interface: name)
            drains.append(try UDPSocket(port: UDPHeader.dhcpServerPort, device: name))
        }
        clientSockets = sockets
        clientDrains = drains
        serverSocket = try UDPSocket(port: UDPHeader.dhcpServerPort, device: serverDevice)
        poller = try SocketPoller()
        self.configuration = configuration
        self.seed = seed
        self.gate = gate
        self.metrics = metrics ?? DHCPRelayMetrics(relay: configuration.relayID?.description ?? "gateway")
        self.logger = logger
        self.observe = observe
    }

    /// Relays until graceful shutdown or cancellation.
    public func run() async throws {
        logger.debug("gateway relay running", metadata: ["interfaces": "\(clientSockets.keys.sorted())"])
        try await BlockingService.run(name: "aether-gwrelay", stop: { [poller] in poller.stop() }) { [self] in
            relayLoop()
        }
    }

    private func relayLoop() {
        var agent = GatewayRelayAgent(configuration: configuration)
        agent.seed(seed, now: .now)
        var handlers: [(fileDescriptor: Int32, onReadable: () -> Void)] = clientSockets.map { name, socket in
            (socket.fileDescriptor, { socket.drainDHCP(metrics: self.metrics, side: .client) { _, message, arrival in
                if let gate = self.gate { agent.admitsNewClients = gate.isOpen }
                self.perform(agent.handle(.fromClient(message, interface: name), now: arrival), arrival: arrival)
                self.metrics.learnedClients.record(agent.learnedInterfaces.count)
            } })
        }
        for drain in clientDrains {
            handlers.append((drain.fileDescriptor, { drain.discardAll() }))
        }
        handlers.append((serverSocket.fileDescriptor, { self.drainServers { message, source, arrival in
            self.perform(agent.handle(.fromServer(message, source: source), now: arrival), arrival: arrival)
        } }))
        poller.run(handlers)
    }

    private func drainServers(_ handle: (DHCPMessage, IPv4Address, ContinuousClock.Instant) -> Void) {
        // One buffer for the whole drain, not 64 KiB per datagram.
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let datagram: (length: Int, source: IPv4Address, port: UInt16)?
            do { datagram = try serverSocket.receive(into: &buffer) } catch {
                metrics.errors.increment(.receive)
                return
            }
            guard let datagram else { return }
            let arrival = ContinuousClock.now
            metrics.received.increment(.server)
            do {
                handle(try DHCPMessage(parsing: Array(buffer[..<datagram.length])), datagram.source, arrival)
            } catch {
                metrics.malformed(error.code)
            }
        }
    }

    private func perform(_ actions: [GatewayRelayAgent.Action], arrival: ContinuousClock.Instant) {
        for action in actions {
            switch action {
            case .forwardToServers(let message, let servers):
                do {
                    let payload = message.encoded()
                    for server in servers {
                        try serverSocket.send(payload, to: server, port: UDPHeader.dhcpServerPort)
                    }
                    metrics.forwarded.increment(.toServer)
                } catch {
                    metrics.errors.increment(.send)
                    logger.debug("send to servers failed", metadata: ["error": "\(error)"])
                }
            case .forwardToClient(let message, let interface, let delivery, let gateway):
                guard let socket = clientSockets[interface] else {
                    metrics.dropped.increment(.unknownInterface)
                    continue
                }
                deliver(message, on: socket, delivery: delivery, from: gateway)
            case .observe(let observation):
                observe(observation)
            case .drop(let reason):
                metrics.dropped.increment(reason)
            }
        }
        metrics.processing.record(duration: ContinuousClock.now - arrival)
    }

    private func deliver(_ message: DHCPMessage, on socket: PacketSocket, delivery: GatewayRelayAgent.Delivery, from gateway: IPv4Address) {
        let (mac, address): (MACAddress, IPv4Address) = switch delivery {
        case .broadcast: (.broadcast, .broadcast)
        case .unicast(let address, let mac): (mac, address)
        }
        do {
            let frame = try DHCPFrame(
                message: message,
                ethernet: EthernetHeader(destination: mac, source: socket.interface.macAddress),
                ipv4: IPv4Header(source: gateway, destination: address),
                udp: UDPHeader(sourcePort: UDPHeader.dhcpServerPort, destinationPort: UDPHeader.dhcpClientPort))
            try socket.send(frame.encoded())
            metrics.forwarded.increment(.toClient)
        } catch {
            metrics.errors.increment(.send)
            logger.debug("delivery failed", metadata: ["interface": "\(socket.interface.name)", "error": "\(error)"])
        }
    }
}
