/// Runs an ``AccessNodeRelayAgent`` on real interfaces: one ``PacketSocket`` per subscriber port
/// and one on the uplink.
///
/// Frames keep their Ethernet and IPv4 headers (a client without an address keeps its
/// 0.0.0.0 → 255.255.255.255 broadcast); only the DHCP payload changes, with lengths and
/// checksums recomputed. Blocking: `run()` owns the calling thread until `stop()`.
public final class AccessNodeRelayService: Sendable {
    private let ports: [String: PacketSocket]
    private let uplink: PacketSocket
    private let poller: SocketPoller
    private let configuration: AccessNodeRelayAgent.Configuration
    /// What the relay did so far.
    public let counters = RelayCounters()

    /// Opens the sockets (in the calling thread's network namespace). Every port named in the
    /// configuration's circuit-id map must exist.
    public init(configuration: AccessNodeRelayAgent.Configuration, uplink: String) throws(DHCPKitError) {
        var ports: [String: PacketSocket] = [:]
        for port in configuration.circuitIDs.keys.sorted() {
            ports[port] = try PacketSocket(interface: port)
        }
        self.ports = ports
        self.uplink = try PacketSocket(interface: uplink)
        self.poller = try SocketPoller()
        self.configuration = configuration
    }

    /// Relays until `stop()` is called.
    public func run() {
        var agent = AccessNodeRelayAgent(configuration: configuration)
        var handlers: [(fileDescriptor: Int32, onReadable: () -> Void)] = ports.map { name, socket in
            (socket.fileDescriptor, { socket.drainDHCP(counting: self.counters) { frame, message in
                self.perform(agent.handle(.fromClient(message, port: name)), frame: frame)
            } })
        }
        handlers.append((uplink.fileDescriptor, { self.uplink.drainDHCP(counting: self.counters) { frame, message in
            self.perform(agent.handle(.fromUplink(message)), frame: frame)
        } }))
        poller.run(handlers)
    }

    /// Makes `run()` return.
    public func stop() { poller.stop() }

    private func perform(_ actions: [AccessNodeRelayAgent.Action], frame: DHCPFrame) {
        for action in actions {
            switch action {
            case .forwardToUplink(let message):
                transmit(message, in: frame, on: uplink, counter: "forwarded")
            case .forwardToPort(let message, let port):
                guard let socket = ports[port] else {
                    counters.increment("drop.unknownPort")
                    continue
                }
                transmit(message, in: frame, on: socket, counter: "delivered")
            case .drop(let reason):
                counters.increment("drop.\(reason.rawValue)")
            }
        }
    }

    private func transmit(_ message: DHCPMessage, in original: DHCPFrame, on socket: PacketSocket, counter: String) {
        do {
            let frame = try DHCPFrame(message: message, ethernet: original.ethernet, ipv4: original.ipv4, udp: original.udp)
            try socket.send(frame.encoded())
            counters.increment(counter)
        } catch {
            counters.increment("error.send.\(error.code.rawValue)")
        }
    }
}
