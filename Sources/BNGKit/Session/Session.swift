import EventSourcing
import Foundation
import NetworkTypes

/// One subscriber session as the BNG keeps it (and stores it, so a restart resumes it): who it
/// is, what DHCP and RADIUS said, what the kernel counted, and what is due next.
///
/// Times are wall-clock UTC (``EventTimestamp``), so they mean the same after a restart.
public struct Session: Hashable, Sendable, Codable, Identifiable {
    /// Where a session is in its life.
    public enum Phase: String, Hashable, Sendable, Codable {
        /// Holding its address; authorized, rejected or waiting for RADIUS.
        case active
        /// Ending: its kernel objects are being removed and final counters read.
        case stopping
    }

    /// The session id, also the RADIUS Acct-Session-Id; new for every address.
    public let id: UUID
    /// Line and client.
    public var key: SessionKey
    /// The leased address.
    public var address: IPv4Address
    /// Subscriber-side interface the client is behind.
    public var interface: String
    /// The RADIUS User-Name of the line.
    public var userName: String
    /// When the ACK that started it was seen.
    public var startedAt: EventTimestamp
    /// When the lease runs out unless renewed.
    public var leaseExpiresAt: EventTimestamp
    /// Where it stands with RADIUS.
    public var authState: SessionAuthState
    /// Active or stopping.
    public var phase: Phase
    /// Why it is stopping.
    public var stopCause: TerminateCause?
    /// What RADIUS decided (after an Accept or a CoA).
    public var policy: SessionPolicy?
    /// Traffic so far, from the subscriber's side; never goes backwards.
    public var counters: SessionCounters
    /// The kernel counters at the last reading (a smaller reading means the counter was reset).
    public var kernelCounters: SessionCounters
    /// When traffic last moved.
    public var lastTrafficAt: EventTimestamp
    /// When the next Interim-Update is due (authorized sessions).
    public var nextInterimAt: EventTimestamp?
    /// Access-Requests sent without an answer that decided (timeouts, rejections).
    public var authAttempts: Int
    /// When to ask RADIUS again (pending or rejected sessions).
    public var nextAuthAt: EventTimestamp?
    /// Whether Acct-Start was queued (then exactly one Acct-Stop follows).
    public var accountingStarted: Bool

    /// A new session, pending authorization, counters at zero.
    public init(id: UUID = UUID(), key: SessionKey, address: IPv4Address, interface: String, userName: String,
                startedAt: EventTimestamp, leaseExpiresAt: EventTimestamp) {
        self.id = id
        self.key = key
        self.address = address
        self.interface = interface
        self.userName = userName
        self.startedAt = startedAt
        self.leaseExpiresAt = leaseExpiresAt
        authState = .pendingAuth
        phase = .active
        counters = .zero
        kernelCounters = .zero
        lastTrafficAt = startedAt
        authAttempts = 0
        accountingStarted = false
    }

    /// Takes a kernel reading: the difference to the last one is added (a smaller reading is a
    /// reset, and counts from zero). Returns whether traffic moved.
    @discardableResult
    public mutating func absorb(kernel reading: SessionCounters) -> Bool {
        func delta(_ now: UInt64, _ before: UInt64) -> UInt64 { now >= before ? now - before : now }
        let moved = SessionCounters(bytesUp: delta(reading.bytesUp, kernelCounters.bytesUp),
                                    bytesDown: delta(reading.bytesDown, kernelCounters.bytesDown),
                                    packetsUp: delta(reading.packetsUp, kernelCounters.packetsUp),
                                    packetsDown: delta(reading.packetsDown, kernelCounters.packetsDown))
        counters.bytesUp &+= moved.bytesUp
        counters.bytesDown &+= moved.bytesDown
        counters.packetsUp &+= moved.packetsUp
        counters.packetsDown &+= moved.packetsDown
        kernelCounters = reading
        return moved.bytesUp > 0 || moved.bytesDown > 0
    }
}

/// A session the BNG ended on purpose (idle, timeout, Disconnect) while the subscriber may still
/// hold its lease: until it expires, the reconciler does not bring the session back from Kea's
/// leases. A DHCP exchange of the subscriber always starts a fresh session.
public struct Tombstone: Hashable, Sendable, Codable {
    /// Line and client.
    public var key: SessionKey
    /// The address the session had.
    public var address: IPv4Address
    /// When it was ended.
    public var stoppedAt: EventTimestamp
    /// Why.
    public var cause: TerminateCause
    /// When the tombstone goes.
    public var expiresAt: EventTimestamp

    /// A tombstone.
    public init(key: SessionKey, address: IPv4Address, stoppedAt: EventTimestamp, cause: TerminateCause, expiresAt: EventTimestamp) {
        self.key = key
        self.address = address
        self.stoppedAt = stoppedAt
        self.cause = cause
        self.expiresAt = expiresAt
    }
}

extension EventTimestamp {
    /// This instant moved by `seconds` (fractions kept to the microsecond).
    public func adding(seconds: Double) -> EventTimestamp {
        EventTimestamp(microsecondsSinceEpoch: rawValue + Int64(seconds * 1_000_000))
    }

    /// Seconds from `other` to this instant.
    public func seconds(since other: EventTimestamp) -> Double {
        Double(rawValue - other.rawValue) / 1_000_000
    }

    /// Whole seconds since 1970 (RADIUS `date` attributes).
    public var unixSeconds: UInt32 { UInt32(clamping: rawValue / 1_000_000) }

    /// The current wall-clock time.
    public static var now: EventTimestamp {
        EventTimestamp(microsecondsSinceEpoch: Int64(Date().timeIntervalSince1970 * 1_000_000))
    }
}
