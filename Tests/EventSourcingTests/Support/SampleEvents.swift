import AetherTestSupport
import EventSourcing
import Foundation
import NetworkTypes

/// Deterministic events for tests: a session lifecycle per index, counters growing with seq.
enum SampleEvents {
    static let bng = "bng-test"

    static func source(_ n: UInt8 = 1) -> EventSource {
        EventSource(bngID: "\(bng)-\(n)", instanceID: UUID(uuid: (n, 0, 0, 0, 0, 0, 0x40, 0, 0x80, 0, 0, 0, 0, 0, 0, n)))
    }

    static func line(_ session: Int) -> SessionLine {
        SessionLine(sessionID: UUID(uuid: (0, 0, 0, 0, 0, 0, 0x40, 0, 0x80, 0, 0, 0, 0, 0, UInt8(session >> 8 & 0xff), UInt8(session & 0xff))),
                    nasIP: IPv4Address(198, 18, 0, 1), remoteID: "an-01", circuitID: "eth\(session)",
                    macAddress: MACAddress(0x02, 0, 0, 0, 0, UInt8(session & 0xff)),
                    ipAddress: IPv4Address(100, 64, 1, UInt8(session % 250 + 2)), username: "bng-test/an-01/eth\(session)")
    }

    /// Draft number `i` (0-based): start, updates, a policy, then stop, cycling over a few sessions.
    static func draft(_ i: Int) -> EventDraft {
        let session = i / 5
        let ts = EventTimestamp(microsecondsSinceEpoch: 1_764_000_000_000_000 + Int64(i) * 1000)
        let counters = SessionCounters(bytesUp: UInt64(i) * 100, bytesDown: UInt64(i) * 1000, packetsUp: UInt64(i), packetsDown: UInt64(i) * 2)
        switch i % 5 {
        case 0: return EventDraft(timestamp: ts, payload: .sessionStart(SessionStartPayload(line: line(session), startedAt: ts)))
        case 1: return EventDraft(timestamp: ts, payload: .policyApply(PolicyApplyPayload(line: line(session), authState: .authorized, downloadKbps: 50_000, uploadKbps: 10_000)))
        case 2, 3: return EventDraft(timestamp: ts, payload: .sessionUpdate(SessionUpdatePayload(line: line(session), counters: counters)))
        default: return EventDraft(timestamp: ts, payload: .sessionStop(SessionStopPayload(line: line(session), counters: counters, terminateCause: "User-Request", endedAt: ts)))
        }
    }

    static func envelopes(count: Int, source: EventSource = source()) -> [EventEnvelope] {
        (0..<count).map { draft($0).sequenced(source: source, seq: UInt64($0 + 1)) }
    }
}

/// A read model whose final value depends on every event, its order within a source, and
/// applying each exactly once: a per-source hash chain plus live-session counters.
struct TallyState: Hashable, Sendable {
    var chain: [EventSource: UInt64] = [:]
    var lastSeq: [EventSource: UInt64] = [:]
    var applied = 0
    var activeSessions: [String: SessionCounters] = [:]
    var bytesDownStopped: UInt64 = 0
}

struct TallyProjection: EventProjection {
    func reset(in context: InMemoryReadModel<TallyState>) throws {
        context.state = TallyState()
    }

    func apply(_ event: EventEnvelope, in context: InMemoryReadModel<TallyState>) throws {
        context.state.chain[event.source] = Self.mix(context.state.chain[event.source] ?? 0, event.seq)
        context.state.lastSeq[event.source] = event.seq
        context.state.applied += 1
        switch event.payload {
        case let .sessionStart(p): context.state.activeSessions["\(event.source)/\(p.line.sessionID)"] = .zero
        case let .sessionUpdate(p): context.state.activeSessions["\(event.source)/\(p.line.sessionID)"] = p.counters
        case let .sessionStop(p):
            context.state.activeSessions["\(event.source)/\(p.line.sessionID)"] = nil
            context.state.bytesDownStopped += p.counters.bytesDown
        default: break
        }
    }

    /// Order-sensitive: mix(mix(0, 1), 2) != mix(mix(0, 2), 1).
    static func mix(_ h: UInt64, _ v: UInt64) -> UInt64 {
        var x = (h ^ v) &* 0x9E37_79B9_7F4A_7C15
        x ^= x >> 29
        return x &* 0xBF58_476D_1CE4_E5B9 &+ v
    }
}
