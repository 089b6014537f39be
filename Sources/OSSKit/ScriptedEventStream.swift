import EventSourcing
import Foundation
import NetworkTypes
import ServiceSupport

/// A seeded, scripted event stream of several BNGs, as BNGs would publish it: sessions that
/// start, get their policy, report growing counters (one update in twenty after a counter
/// reset), and two in three stop; late updates after a stop; health every 40 events;
/// access-node liveness. For tests, benchmarks and demos of the OSS without a BNG: the same
/// seed gives the same events.
public struct ScriptedEventStream: Sendable {
    /// BNGs `bng-01`, `bng-02`, … each one source.
    public var bngs: Int
    /// Sessions each BNG starts.
    public var sessionsPerBNG: Int
    /// Interim updates per session before it stops (or stays).
    public var updatesPerSession: Int
    /// First event's time, µs since the epoch.
    public var start: Int64
    /// Time between two events of one BNG, µs.
    public var spacing: Int64
    /// The generator's seed.
    public var seed: UInt64

    /// A stream; `start` is µs since the epoch, `spacing` µs between a BNG's events.
    public init(bngs: Int = 3, sessionsPerBNG: Int = 100, updatesPerSession: Int = 8, start: Int64 = 1_790_000_000_000_000,
                spacing: Int64 = 50_000, seed: UInt64 = 7) {
        self.bngs = bngs
        self.sessionsPerBNG = sessionsPerBNG
        self.updatesPerSession = updatesPerSession
        self.start = start
        self.spacing = spacing
        self.seed = seed
    }

    /// Every BNG's events, BNG after BNG, each BNG's in sequence order.
    public func events() -> [EventEnvelope] {
        var generator = SeededGenerator(seed: seed)
        var all: [EventEnvelope] = []
        for bng in 0..<bngs {
            let bngID = "bng-\(String(format: "%02d", bng + 1))"
            let source = EventSource(bngID: bngID, instanceID: Self.uuid(0, bng + 1))
            var seq: UInt64 = 0
            var clock = start + Int64(bng) * 1_000
            var events: [EventEnvelope] = []
            func emit(_ payload: EventPayload) {
                seq += 1
                clock += spacing
                events.append(EventEnvelope(source: source, seq: seq, timestamp: EventTimestamp(rawValue: clock), payload: payload))
                if seq % 40 == 0 {
                    seq += 1
                    events.append(EventEnvelope(source: source, seq: seq, timestamp: EventTimestamp(rawValue: clock), payload: .bngHealthUpdate(
                        BNGHealthUpdatePayload(cpuPercent: Double.random(in: 0...100, using: &generator),
                                               memoryUsedBytes: UInt64.random(in: 30...90, using: &generator) << 20, memoryLimitBytes: 1 << 30))))
                }
            }
            emit(.routerUpdate(RouterUpdatePayload(routerName: "an-\(bng + 1)", isAlive: true, lastSeen: EventTimestamp(rawValue: clock))))
            struct Live { var line: SessionLine; var counters: SessionCounters; var updates: Int }
            var live: [Live] = []
            var started = 0
            var stopped: [SessionLine] = []
            while started < sessionsPerBNG || !live.isEmpty {
                // Start a session now and then, or advance a random live one.
                if started < sessionsPerBNG && (live.isEmpty || Int.random(in: 0..<4, using: &generator) == 0) {
                    let line = SessionLine(
                        sessionID: Self.uuid(0x1000_0000, bng << 32 | started),
                        nasIP: IPv4Address(10, 255, 0, UInt8(11 + bng)), remoteID: "an-\(bng + 1)", circuitID: "an-\(bng + 1)/\(started + 1)",
                        macAddress: MACAddress(0x02, 0, UInt8(bng), UInt8(started >> 8), UInt8(started & 0xff), 1),
                        ipAddress: IPv4Address(100, 64 + UInt8(bng), UInt8(started >> 8), UInt8(started & 0xff)), username: "\(bngID)/\(started + 1)")
                    started += 1
                    emit(.sessionStart(SessionStartPayload(line: line, startedAt: EventTimestamp(rawValue: clock))))
                    emit(.policyApply(PolicyApplyPayload(line: line, authState: .authorized, downloadKbps: 20_000, uploadKbps: 5_000)))
                    live.append(Live(line: line, counters: .zero, updates: 0))
                    continue
                }
                let index = Int.random(in: 0..<live.count, using: &generator)
                var session = live[index]
                if session.updates >= updatesPerSession {
                    live.remove(at: index)
                    if Int.random(in: 0..<3, using: &generator) == 0 { continue }  // a third stay active
                    session.counters.bytesDown += UInt64.random(in: 0...2_000_000, using: &generator)
                    emit(.sessionStop(SessionStopPayload(line: session.line, counters: session.counters, terminateCause: "User-Request",
                                                         endedAt: EventTimestamp(rawValue: clock))))
                    stopped.append(session.line)
                    continue
                }
                if Int.random(in: 0..<20, using: &generator) == 0 {
                    // The BNG's counter started again (its objects were re-created).
                    session.counters = SessionCounters(bytesUp: UInt64.random(in: 0...1000, using: &generator),
                                                       bytesDown: UInt64.random(in: 0...5000, using: &generator))
                } else {
                    session.counters.bytesUp += UInt64.random(in: 0...500_000, using: &generator)
                    session.counters.bytesDown += UInt64.random(in: 0...3_000_000, using: &generator)
                }
                session.counters.packetsUp += 10
                session.counters.packetsDown += 30
                session.updates += 1
                live[index] = session
                emit(.sessionUpdate(SessionUpdatePayload(line: session.line, counters: session.counters)))
                if session.updates == updatesPerSession / 2, Int.random(in: 0..<5, using: &generator) == 0 {
                    emit(.policyApply(PolicyApplyPayload(line: session.line, authState: .authorized, downloadKbps: 8_000, uploadKbps: 5_000)))
                }
            }
            for line in stopped.prefix(3) {
                emit(.sessionUpdate(SessionUpdatePayload(line: line, counters: SessionCounters(bytesUp: 1, bytesDown: 999_999_999))))
            }
            emit(.routerUpdate(RouterUpdatePayload(routerName: "an-\(bng + 1)", isAlive: false, lastSeen: nil)))
            all += events
        }
        return all
    }

    /// A version-4-shaped UUID from two numbers (deterministic ids for scripted sources and sessions).
    static func uuid(_ high: UInt32, _ low: Int) -> UUID {
        let value = UInt64(truncatingIfNeeded: low)
        let h = withUnsafeBytes(of: high.bigEndian, Array.init), l = withUnsafeBytes(of: value.bigEndian, Array.init)
        return UUID(uuid: (h[0], h[1], h[2], h[3], 0, 0, 0x40, 0, 0x80, 0, l[2], l[3], l[4], l[5], l[6], l[7]))
    }

    /// Bytes moved by every update and stop with a time in `window`, as the BNGs' counters say:
    /// each event's counters minus the session's previous ones (a lower counter is a reset, its
    /// value the delta); nothing after a stop. What the OSS's traffic series must add up to.
    public static func bytesMoved(_ events: [EventEnvelope], in window: ClosedRange<Int64>) -> (up: Int64, down: Int64) {
        var counters: [UUID: SessionCounters] = [:]
        var ended: Set<UUID> = []
        var up: Int64 = 0, down: Int64 = 0
        for event in events.sorted(by: { $0.key < $1.key }) {
            let id: UUID, now: SessionCounters
            switch event.payload {
            case .sessionStart(let start): counters[start.line.sessionID] = counters[start.line.sessionID] ?? .zero; continue
            case .sessionUpdate(let update): (id, now) = (update.line.sessionID, update.counters)
            case .sessionStop(let stop): (id, now) = (stop.line.sessionID, stop.counters)
            default: continue
            }
            guard let before = counters[id], !ended.contains(id) else { continue }
            if case .sessionStop = event.payload { ended.insert(id) }
            counters[id] = now
            guard window.contains(event.timestamp.rawValue) else { continue }
            up += Int64(now.bytesUp >= before.bytesUp ? now.bytesUp - before.bytesUp : now.bytesUp)
            down += Int64(now.bytesDown >= before.bytesDown ? now.bytesDown - before.bytesDown : now.bytesDown)
        }
        return (up, down)
    }
}
