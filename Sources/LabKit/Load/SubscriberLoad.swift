import DHCPKit
import Foundation
import Histogram
import NetworkTypes
import ServiceSupport
import Synchronization

/// Thousands of DHCP subscribers from one thread: one ``DHCPClientStateMachine`` each, over one
/// packet socket, the way BNG Blaster emulates subscribers for a real BNG.
///
/// Frames leave with Option 82 (the configured remote-id, a circuit-id per subscriber) as the
/// access node would stamp it; replies are matched to their subscriber by chaddr and xid; every
/// client timer sits in one ``TimerWheel``; the receive buffer is reused. A session counts as
/// established when its SESSION_START and its authorizing POLICY_APPLY have been read from the
/// BNG's event stream (``SessionEventWatcher``); without a watcher, at DHCPACK.
///
/// With ``SubscriberLoadConfiguration/relay`` and a ``DirectRADIUS`` the same subscribers measure
/// the peers' own ceiling instead: DHCP relayed over UDP straight to Kea, then the Access-Request
/// and Accounting-Start a BNG would send, straight to FreeRADIUS.
public final class SubscriberLoad: Sendable {
    /// A snapshot for the live progress line.
    public struct Progress: Sendable {
        public var elapsedSeconds: Double
        public var started: Int
        public var bound: Int
        public var established: Int
        public var failed: Int
        public var establishedPerSecond: Double
        public var p99Milliseconds: Double

        /// The live progress line `aether-sim load` prints.
        public var line: String {
            String(format: "load: %6.1f s  %d started, %d bound, %d established (%.0f/s), %d failed, p99 %.1f ms",
                   elapsedSeconds, started, bound, established, establishedPerSecond, failed, p99Milliseconds)
        }
    }

    public let configuration: SubscriberLoadConfiguration
    private let watcher: SessionEventWatcher?
    private let radius: DirectRADIUS?
    private let stopRequested = Atomic<Bool>(false)

    /// - Parameters:
    ///   - watcher: establishes sessions from a BNG's events.
    ///   - radius: establishes them by asking RADIUS directly (no BNG); not with a watcher.
    public init(configuration: SubscriberLoadConfiguration, watcher: SessionEventWatcher?, radius: DirectRADIUS? = nil) throws {
        try configuration.validate()
        guard watcher == nil || radius == nil else {
            throw LabKitError(.invalidConfiguration, "load: a session is established by the BNG's events or by RADIUS directly, not both")
        }
        self.configuration = configuration
        self.watcher = watcher
        self.radius = radius
    }

    /// Ends the run early (Ctrl-C); held leases are still released when `releaseAtEnd` is set.
    public func stop() { stopRequested.store(true, ordering: .relaxed) }

    /// Runs to the end and reports. The packet socket is opened in the network namespace at
    /// `namespacePath` (`/run/netns/<name>`) when given, else in the caller's; the event
    /// watcher keeps the caller's (its Redis may be on the machine's loopback). `progress` is
    /// called about once a second, on the run's thread. Cancelling the task ends the run early.
    public func run(inNetworkNamespace namespacePath: String? = nil,
                    progress: @escaping @Sendable (Progress) -> Void = { _ in }) async throws -> SubscriberLoadReport {
        let (interface, relay) = (configuration.interface, configuration.relay)
        let open: @Sendable () throws -> LoadTransport = {
            if let relay { .relayed(try UDPSocket(address: relay.agentAddress, port: UDPHeader.dhcpServerPort), relay) }
            else { .frames(try PacketSocket(interface: interface)) }
        }
        let transport = if let namespacePath {
            try await DedicatedThread.run(name: "aether-load-ns", inNetworkNamespace: namespacePath, open)
        } else {
            try open()
        }
        try watcher?.start()
        defer { watcher?.stop() }
        radius?.start()
        do {
            let report = try await DedicatedThread.run(name: "aether-load", onCancel: { [self] in stop() }) { [self] in
                runLoop(transport: transport, progress: progress)
            }
            await radius?.stop()
            return report
        } catch {
            await radius?.stop()
            throw error
        }
    }

    private func runLoop(transport: LoadTransport, progress: (Progress) -> Void) -> SubscriberLoadReport {
        var run = LoadRun(configuration: configuration, transport: transport, radius: radius,
                          waitsForEvents: watcher != nil || radius != nil)
        var nextProgress = Duration.seconds(1)
        while !run.isFinished, !stopRequested.load(ordering: .relaxed) {
            let now = run.now()
            run.startArrivals(upTo: now)
            run.fireTimers(upTo: now)
            if let observations = watcher?.take() ?? radius?.take() { run.apply(observations) }
            run.poll(timeoutMilliseconds: run.pollTimeout(now: now))
            run.receiveAll()
            if now >= nextProgress {
                progress(run.progress(now: now))
                nextProgress = now + .seconds(1)
            }
        }
        if configuration.releaseAtEnd { run.releaseAll() }
        progress(run.progress(now: run.now()))
        return run.report(eventFailure: watcher?.failure)
    }
}

/// Why a session attempt did not become established.
public enum LoadFailure: String, Sendable, Codable, CaseIterable {
    case noOffer = "no_offer"
    case noAck = "no_ack"
    case noSessionStart = "no_session_start"
    case noPolicy = "no_policy_apply"
    case rejected
}

/// Where the generator's DHCP goes: frames on the access link, or relayed UDP to a server.
enum LoadTransport: @unchecked Sendable {
    case frames(PacketSocket)
    case relayed(UDPSocket, SubscriberLoadConfiguration.DirectRelay)

    var fileDescriptor: Int32 {
        switch self {
        case .frames(let socket): socket.fileDescriptor
        case .relayed(let socket, _): socket.fileDescriptor
        }
    }
}

/// The mutable state of one run; lives on the run's thread only.
struct LoadRun {
    enum Phase: Equatable {
        case waiting, settingUp, established, failed, away
    }

    struct Subscriber {
        var machine: DHCPClientStateMachine
        var phase: Phase = .waiting
        var attemptStart: Duration = .zero
        var boundAt: Duration?
        var sessionID: UUID?
        var sawStart = false
        var sawPolicy = false
    }

    /// Timer kinds, folded into the wheel's key as `index * 4 + kind`.
    enum Timer: Int {
        case client = 0, setup, hold, rejoin
    }

    let configuration: SubscriberLoadConfiguration
    let transport: LoadTransport
    let radius: DirectRADIUS?
    let waitsForEvents: Bool
    let origin = ContinuousClock.now
    var subscribers: [Subscriber]
    var wheel = TimerWheel<Int>(tick: .milliseconds(5), slotCount: 8192)
    var started = 0
    var receiveBuffer = [UInt8](repeating: 0, count: PacketSocket.maximumFrameLength)
    var gatewayMAC: MACAddress?
    var counters = SubscriberLoadReport.Counters()
    var failures: [LoadFailure: Int] = [:]
    var setupLatency = Histogram<UInt64>(highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: .three)
    var boundLatency = Histogram<UInt64>(highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: .three)
    var firstDiscover: Duration?
    var lastEstablished: Duration?
    var inProgress = 0
    /// Established sessions whose hold timer has not yet released them.
    var holding = 0

    init(configuration: SubscriberLoadConfiguration, transport: LoadTransport, radius: DirectRADIUS?, waitsForEvents: Bool) {
        self.configuration = configuration
        self.transport = transport
        self.radius = radius
        self.waitsForEvents = waitsForEvents
        var seeded = configuration.seed
        subscribers = (0..<configuration.sessions).map { n in
            // A 64-bit LCG step per subscriber: distinct, repeatable transaction IDs.
            seeded = seeded &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let xid = UInt32(truncatingIfNeeded: seeded >> 32)
            return Subscriber(machine: DHCPClientStateMachine(
                configuration: .init(macAddress: configuration.macAddress(n), requestsBroadcast: true), transactionID: xid))
        }
    }

    func now() -> Duration { ContinuousClock.now - origin }

    var isFinished: Bool {
        if let duration = configuration.duration { return now() >= .seconds(duration) }
        // Bound clients keep renewal timers armed, so the wheel is never empty: the run is over
        // when every subscriber has an outcome and no held session still waits for its release.
        return started == configuration.sessions && inProgress == 0 && holding == 0
    }

    // MARK: Arrivals and timers

    /// Whether the in-flight window (``SubscriberLoadConfiguration/maxInFlight``) has room.
    var windowHasRoom: Bool { configuration.maxInFlight.map { inProgress < $0 } ?? true }

    mutating func startArrivals(upTo now: Duration) {
        while started < configuration.sessions, windowHasRoom, Duration.seconds(Double(started) / configuration.arrivalRate) <= now {
            beginAttempt(started, now: now)
            started += 1
        }
    }

    mutating func beginAttempt(_ n: Int, now: Duration) {
        subscribers[n].phase = .settingUp
        subscribers[n].attemptStart = now
        subscribers[n].boundAt = nil
        subscribers[n].sessionID = nil
        subscribers[n].sawStart = false
        subscribers[n].sawPolicy = false
        inProgress += 1
        counters.peakInFlight = max(counters.peakInFlight, inProgress)
        counters.attempts += 1
        if firstDiscover == nil { firstDiscover = now }
        wheel.schedule(key(n, .setup), at: now + .seconds(configuration.setupTimeout))
        perform(subscribers[n].machine.handle(.start(now: now)), for: n, now: now)
    }

    func key(_ n: Int, _ timer: Timer) -> Int { n * 4 + timer.rawValue }

    mutating func fireTimers(upTo now: Duration) {
        var fired: [Int] = []
        wheel.advance(to: now) { fired.append($0.key) }
        for timerKey in fired {
            let n = timerKey / 4
            switch Timer(rawValue: timerKey % 4) {
            case .client: perform(subscribers[n].machine.handle(.timerFired(now: now)), for: n, now: now)
            case .setup: setupTimedOut(n, now: now)
            case .hold: release(n, now: now)
            case .rejoin: beginAttempt(n, now: now)
            case nil: break
            }
        }
    }

    func pollTimeout(now: Duration) -> Int32 {
        var wake = now + .milliseconds(20)
        // A full window waits for a reply (the poll), not for the next arrival time.
        if started < configuration.sessions, windowHasRoom {
            wake = min(wake, .seconds(Double(started) / configuration.arrivalRate))
        }
        if let deadline = wheel.nextDeadline(lookahead: 4) { wake = min(wake, deadline) }
        let milliseconds = (wake - now) / .milliseconds(1)
        return Int32(max(0, min(20, milliseconds.rounded(.up))))
    }

    mutating func setupTimedOut(_ n: Int, now: Duration) {
        guard subscribers[n].phase == .settingUp else { return }
        let reason: LoadFailure
        let subscriber = subscribers[n]
        switch subscriber.machine.state {
        case .initial, .selecting: reason = .noOffer
        case .requesting, .rebooting, .initReboot: reason = .noAck
        case .bound, .renewing, .rebinding: reason = subscriber.sawStart ? .noPolicy : .noSessionStart
        }
        fail(n, reason, now: now)
    }

    mutating func fail(_ n: Int, _ reason: LoadFailure, now: Duration) {
        failures[reason, default: 0] += 1
        subscribers[n].phase = .failed
        inProgress -= 1
        wheel.cancel(key(n, .setup))
        // Give the address back and stop retrying: a failed subscriber leaves nothing behind.
        let actions = subscribers[n].machine.state == .bound ? subscribers[n].machine.handle(.release(now: now)) : []
        perform(actions, for: n, now: now)
        wheel.cancel(key(n, .client))
    }

    mutating func release(_ n: Int, now: Duration) {
        guard subscribers[n].phase == .established else { return }
        subscribers[n].phase = .away
        holding -= 1
        counters.releases += 1
        perform(subscribers[n].machine.handle(.release(now: now)), for: n, now: now)
        wheel.cancel(key(n, .client))
        if let rejoin = configuration.rejoinAfter {
            wheel.schedule(key(n, .rejoin), at: now + .seconds(rejoin))
        }
    }

    mutating func releaseAll() {
        let now = now()
        for n in subscribers.indices where [.bound, .renewing, .rebinding].contains(subscribers[n].machine.state) {
            counters.releases += 1
            perform(subscribers[n].machine.handle(.release(now: now)), for: n, now: now)
        }
    }

    // MARK: The state machine's actions

    mutating func perform(_ actions: [DHCPClientStateMachine.Action], for n: Int, now: Duration) {
        for action in actions {
            switch action {
            case .send(let message, let destination):
                send(message, to: destination, for: n)
            case .scheduleTimer(let deadline):
                wheel.schedule(key(n, .client), at: deadline)
            case .cancelTimer:
                wheel.cancel(key(n, .client))
            case .bind(let lease):
                if subscribers[n].boundAt == nil, subscribers[n].phase == .settingUp {
                    subscribers[n].boundAt = now
                    _ = boundLatency.record(UInt64(max(0, (now - subscribers[n].attemptStart) / .microseconds(1))))
                    counters.bound += 1
                    if let radius {
                        radius.submit(DirectRADIUS.Request(mac: configuration.macAddress(n), address: lease.address,
                                                           remoteID: configuration.remoteID, circuitID: configuration.circuitID(n)))
                    } else if !waitsForEvents {
                        established(n, now: now)
                    }
                } else if subscribers[n].phase == .established, lease.acquiredAt > (subscribers[n].boundAt ?? .zero) {
                    counters.renewals += 1
                }
            case .unbind:
                break
            }
        }
    }

    mutating func send(_ message: DHCPMessage, to destination: IPv4Address, for n: Int) {
        var message = message
        let information = RelayAgentInformation(circuitID: RelayAgentIdentifier(text: configuration.circuitID(n)),
                                                remoteID: RelayAgentIdentifier(text: configuration.remoteID))
        do {
            try message.insertRelayAgentInformation(information)
            if case .relayed(let socket, let relay) = transport {
                message.giaddr = relay.agentAddress
                message.hops = 1
                try socket.send(message.encoded(), to: relay.server, port: UDPHeader.dhcpServerPort)
                counters.framesSent += 1
                return
            }
            guard case .frames(let socket) = transport else { return }
            let unicast = destination != .broadcast
            let source = unicast ? (subscribers[n].machine.lease?.address ?? .any) : (message.ciaddr)
            let frame = try DHCPFrame(
                message: message,
                ethernet: EthernetHeader(destination: unicast ? (gatewayMAC ?? .broadcast) : .broadcast,
                                         source: configuration.macAddress(n)),
                ipv4: IPv4Header(source: source, destination: destination),
                udp: UDPHeader(sourcePort: UDPHeader.dhcpClientPort, destinationPort: UDPHeader.dhcpServerPort))
            try socket.send(frame.encoded())
            counters.framesSent += 1
        } catch {
            counters.sendErrors += 1
        }
    }

    // MARK: Replies

    mutating func poll(timeoutMilliseconds: Int32) {
        var descriptor = pollfd(fd: transport.fileDescriptor, events: Int16(POLLIN), revents: 0)
        _ = Glibc.poll(&descriptor, 1, timeoutMilliseconds)
    }

    mutating func receiveAll() {
        switch transport {
        case .frames(let socket):
            while let received = try? socket.receiveFrame(into: &receiveBuffer) {
                counters.framesReceived += 1
                handleFrame(Array(receiveBuffer[..<received.length]), checksumPending: received.checksumPending)
            }
            counters.kernelDrops += socket.takeKernelDrops()
        case .relayed(let socket, _):
            while let received = try? socket.receive(into: &receiveBuffer) {
                counters.framesReceived += 1
                handleReply(try? DHCPMessage(parsing: Array(receiveBuffer[..<received.length])))
            }
        }
    }

    mutating func handleFrame(_ bytes: [UInt8], checksumPending: Bool) {
        guard let frame = try? DHCPFrame(parsing: bytes, verifyingUDPChecksum: !checksumPending),
              frame.udp.destinationPort == UDPHeader.dhcpClientPort else {
            counters.framesIgnored += 1
            return
        }
        handleReply(try? frame.message(), from: frame.ethernet.source)
    }

    /// A server's reply, from the link (`from` is the gateway's MAC) or relayed back over UDP.
    mutating func handleReply(_ message: DHCPMessage?, from gateway: MACAddress? = nil) {
        guard let message, message.op == .bootReply,
              let mac = message.clientMACAddress, let n = configuration.subscriber(of: mac) else {
            counters.framesIgnored += 1
            return
        }
        guard message.xid == subscribers[n].machine.transactionID, subscribers[n].phase != .failed else {
            counters.staleReplies += 1
            return
        }
        if let gateway { gatewayMAC = gateway }
        if message.messageType == .nak { counters.naks += 1 }
        perform(subscribers[n].machine.handle(.received(message, now: now())), for: n, now: now())
    }

    // MARK: Events

    mutating func apply(_ observations: [SessionEventWatcher.Observation]) {
        for observation in observations {
            guard let n = configuration.subscriber(of: observation.mac) else { continue }
            let at = observation.readAt - origin
            switch observation.kind {
            case .started:
                guard subscribers[n].phase == .settingUp else { continue }
                subscribers[n].sessionID = observation.sessionID
                subscribers[n].sawStart = true
            case .authorized:
                guard subscribers[n].phase == .settingUp, subscribers[n].sessionID == observation.sessionID else { continue }
                subscribers[n].sawPolicy = true
            case .rejected:
                guard subscribers[n].phase == .settingUp, subscribers[n].sessionID == observation.sessionID else { continue }
                fail(n, .rejected, now: at)
                continue
            case .stopped:
                if subscribers[n].phase == .established, subscribers[n].sessionID == observation.sessionID {
                    counters.unexpectedStops += 1
                }
                continue
            }
            if subscribers[n].sawStart, subscribers[n].sawPolicy { established(n, now: at) }
        }
    }

    mutating func established(_ n: Int, now: Duration) {
        subscribers[n].phase = .established
        inProgress -= 1
        counters.established += 1
        wheel.cancel(key(n, .setup))
        _ = setupLatency.record(UInt64(max(0, (now - subscribers[n].attemptStart) / .microseconds(1))))
        lastEstablished = max(lastEstablished ?? now, now)
        if let hold = configuration.hold {
            holding += 1
            wheel.schedule(key(n, .hold), at: now + .seconds(hold))
        }
    }

    // MARK: Reporting

    func rate(now: Duration) -> Double {
        guard let first = firstDiscover, counters.established > 0 else { return 0 }
        let span = ((lastEstablished ?? now) - first) / .seconds(1)
        return span > 0 ? Double(counters.established) / span : 0
    }

    func progress(now: Duration) -> SubscriberLoad.Progress {
        SubscriberLoad.Progress(elapsedSeconds: now / .seconds(1), started: started, bound: counters.bound,
                                established: counters.established, failed: failures.values.reduce(0, +),
                                establishedPerSecond: rate(now: now),
                                p99Milliseconds: Double(setupLatency.valueAtPercentile(99)) / 1000)
    }

    func report(eventFailure: String?) -> SubscriberLoadReport {
        let now = now()
        return SubscriberLoadReport(
            configuration: configuration, waitedForEvents: waitsForEvents, elapsedSeconds: now / .seconds(1),
            counters: counters, failures: Dictionary(uniqueKeysWithValues: failures.map { ($0.key.rawValue, $0.value) }),
            establishedPerSecond: rate(now: now),
            setupLatency: .init(setupLatency), boundLatency: .init(boundLatency), eventStreamError: eventFailure,
            establishedByRADIUS: radius != nil, cpuSeconds: Self.processCPUSeconds())
    }

    /// User + system CPU seconds of this process so far.
    static func processCPUSeconds() -> Double {
        var usage = rusage()
        guard getrusage(RUSAGE_SELF.rawValue, &usage) == 0 else { return 0 }
        func seconds(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1_000_000 }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }
}
