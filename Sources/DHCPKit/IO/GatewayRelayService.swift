import NetworkTypes

/// Runs a ``GatewayRelayAgent`` on real interfaces: a ``PacketSocket`` per subscriber-side
/// interface (clients may have no address yet) and one ``UDPSocket`` on port 67 toward the
/// servers, confined to the server-side device when one is given.
///
/// Replies go back to clients as frames built here: from the interface's MAC and the relay
/// address, to the Ethernet and IPv4 broadcast or to the client's MAC and offered address as
/// RFC 2131 §4.1 says. Every relayed message is reported to `observe` on the relay thread.
/// Blocking: `run()` owns the calling thread until `stop()`.
public final class GatewayRelayService: Sendable {
    private let clientSockets: [String: PacketSocket]
    private let serverSocket: UDPSocket
    private let poller: SocketPoller
    private let configuration: GatewayRelayAgent.Configuration
    private let observe: @Sendable (DHCPRelayObservation) -> Void
    /// What the relay did so far.
    public let counters = RelayCounters()

    /// Opens the sockets in the calling thread's network namespace.
    /// - Parameters:
    ///   - serverDevice: interface toward the DHCP servers; `nil` accepts replies on any interface.
    ///   - observe: called for every relayed message (the session manager's input).
    public init(configuration: GatewayRelayAgent.Configuration, serverDevice: String?,
                observe: @escaping @Sendable (DHCPRelayObservation) -> Void = { _ in }) throws(DHCPKitError) {
        var sockets: [String: PacketSocket] = [:]
        for name in configuration.interfaces.keys.sorted() {
            sockets[name] = try PacketSocket(interface: name)
        }
        clientSockets = sockets
        serverSocket = try UDPSocket(address: IPv4Address(0, 0, 0, 0), port: UDPHeader.dhcpServerPort, device: serverDevice)
        poller = try SocketPoller()
        self.configuration = configuration
        self.observe = observe
    }

    /// Relays until `stop()` is called.
    public func run() {
        var agent = GatewayRelayAgent(configuration: configuration)
        var handlers: [(fileDescriptor: Int32, onReadable: () -> Void)] = clientSockets.map { name, socket in
            (socket.fileDescriptor, { socket.drainDHCP(counting: self.counters) { frame, message in
                // Only client → server traffic enters here; our own replies and server traffic do not.
                guard frame.udp.destinationPort == UDPHeader.dhcpServerPort else { return }
                self.perform(agent.handle(.fromClient(message, interface: name)))
            } })
        }
        handlers.append((serverSocket.fileDescriptor, { self.drainServers { message in
            self.perform(agent.handle(.fromServer(message)))
        } }))
        poller.run(handlers)
    }

    /// Makes `run()` return.
    public func stop() { poller.stop() }

    private func drainServers(_ handle: (DHCPMessage) -> Void) {
        while true {
            let datagram: (payload: [UInt8], source: IPv4Address, port: UInt16)?
            do { datagram = try serverSocket.receive() } catch {
                counters.increment("error.receive")
                return
            }
            guard let datagram else { return }
            do {
                let message = try DHCPMessage(parsing: datagram.payload)
                guard message.op == .bootReply else {
                    counters.increment("drop.wrongDirection")
                    continue
                }
                handle(message)
            } catch {
                counters.increment("drop.malformed.\(error.code.rawValue)")
            }
        }
    }

    private func perform(_ actions: [GatewayRelayAgent.Action]) {
        for action in actions {
            switch action {
            case .forwardToServers(let message, let servers):
                do {
                    let payload = message.encoded()
                    for server in servers {
                        try serverSocket.send(payload, to: server, port: UDPHeader.dhcpServerPort)
                    }
                    counters.increment("forwarded")
                } catch {
                    counters.increment("error.send.\(error.code.rawValue)")
                }
            case .forwardToClient(let message, let interface, let delivery):
                guard let socket = clientSockets[interface] else {
                    counters.increment("drop.unknownInterface")
                    continue
                }
                deliver(message, on: socket, delivery: delivery)
            case .observe(let observation):
                observe(observation)
            case .drop(let reason):
                counters.increment("drop.\(reason.rawValue)")
            }
        }
    }

    private func deliver(_ message: DHCPMessage, on socket: PacketSocket, delivery: GatewayRelayAgent.Delivery) {
        let (mac, address): (MACAddress, IPv4Address) = switch delivery {
        case .broadcast: (.broadcast, .broadcast)
        case .unicast(let address, let mac): (mac, address)
        }
        do {
            let frame = try DHCPFrame(
                message: message,
                ethernet: EthernetHeader(destination: mac, source: socket.interface.macAddress),
                ipv4: IPv4Header(source: socket.interface.ipv4Address ?? configuration.relayAddress, destination: address),
                udp: UDPHeader(sourcePort: UDPHeader.dhcpServerPort, destinationPort: UDPHeader.dhcpClientPort))
            try socket.send(frame.encoded())
            counters.increment("delivered")
        } catch {
            counters.increment("error.send.\(error.code.rawValue)")
        }
    }
}
