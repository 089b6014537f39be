import Foundation
import NetworkTypes

/// Who a session belongs to: the line identity (bng, remote-id, circuit-id) plus what DHCP and
/// RADIUS told us about the subscriber. Shared by every session event.
public struct SessionLine: Hashable, Sendable, Codable {
    /// Session id minted by the BNG (RADIUS Acct-Session-Id).
    public var sessionID: UUID
    /// The BNG's NAS-IP-Address.
    public var nasIP: IPv4Address
    /// Option 82 remote-id (sub-option 2): the access node.
    public var remoteID: String
    /// Option 82 circuit-id (sub-option 1): the port on the access node.
    public var circuitID: String
    /// Client hardware address; recorded, not the identity.
    public var macAddress: MACAddress
    /// Leased IPv4 address, when one is held.
    public var ipAddress: IPv4Address?
    /// RADIUS User-Name sent for this line.
    public var username: String?

    /// A session line.
    public init(sessionID: UUID, nasIP: IPv4Address, remoteID: String, circuitID: String, macAddress: MACAddress,
                ipAddress: IPv4Address? = nil, username: String? = nil) {
        self.sessionID = sessionID
        self.nasIP = nasIP
        self.remoteID = remoteID
        self.circuitID = circuitID
        self.macAddress = macAddress
        self.ipAddress = ipAddress
        self.username = username
    }

    enum CodingKeys: String, CodingKey {
        case sessionID = "session_id", nasIP = "nas_ip", remoteID = "remote_id", circuitID = "circuit_id"
        case macAddress = "mac_address", ipAddress = "ip_address", username
    }
}

/// `SESSION_START`: a subscriber got a new address; counters start at zero.
public struct SessionStartPayload: Hashable, Sendable, Codable {
    /// The session and its line.
    public var line: SessionLine
    /// When the session started (the DHCP ACK).
    public var startedAt: EventTimestamp
    /// RADIUS state at the time of the event.
    public var authState: SessionAuthState
    /// Lifecycle status (normally `ACTIVE`).
    public var status: SessionStatus

    /// A start event.
    public init(line: SessionLine, startedAt: EventTimestamp, authState: SessionAuthState = .pendingAuth,
                status: SessionStatus = .active) {
        self.line = line
        self.startedAt = startedAt
        self.authState = authState
        self.status = status
    }

    enum CodingKeys: String, CodingKey {
        case line, startedAt = "session_start", authState = "auth_state", status
    }
}

/// `SESSION_UPDATE`: cumulative counters of a live session (one per interim interval).
public struct SessionUpdatePayload: Hashable, Sendable, Codable {
    /// The session and its line.
    public var line: SessionLine
    /// Cumulative counters since the session started.
    public var counters: SessionCounters
    /// RADIUS state at the time of the event.
    public var authState: SessionAuthState
    /// Lifecycle status.
    public var status: SessionStatus

    /// An update event.
    public init(line: SessionLine, counters: SessionCounters, authState: SessionAuthState = .authorized,
                status: SessionStatus = .active) {
        self.line = line
        self.counters = counters
        self.authState = authState
        self.status = status
    }

    enum CodingKeys: String, CodingKey {
        case line, counters, authState = "auth_state", status
    }
}

/// `SESSION_STOP`: the session ended; final counters and why.
public struct SessionStopPayload: Hashable, Sendable, Codable {
    /// The session and its line.
    public var line: SessionLine
    /// Final cumulative counters.
    public var counters: SessionCounters
    /// RFC 2866 §5.10 Acct-Terminate-Cause name (`User-Request`, `Idle-Timeout`, `Lost-Carrier`, `Admin-Reset`, …).
    public var terminateCause: String
    /// When the session ended.
    public var endedAt: EventTimestamp
    /// RADIUS state at the time of the event.
    public var authState: SessionAuthState
    /// Lifecycle status (normally `STOPPED`).
    public var status: SessionStatus

    /// A stop event.
    public init(line: SessionLine, counters: SessionCounters, terminateCause: String, endedAt: EventTimestamp,
                authState: SessionAuthState = .authorized, status: SessionStatus = .stopped) {
        self.line = line
        self.counters = counters
        self.terminateCause = terminateCause
        self.endedAt = endedAt
        self.authState = authState
        self.status = status
    }

    enum CodingKeys: String, CodingKey {
        case line, counters, terminateCause = "terminate_cause", endedAt = "session_end"
        case authState = "auth_state", status
    }
}

/// `POLICY_APPLY`: an authorization result or a rate change took effect on a session.
public struct PolicyApplyPayload: Hashable, Sendable, Codable {
    /// The session and its line.
    public var line: SessionLine
    /// The resulting RADIUS state (`AUTHORIZED` or `REJECTED`).
    public var authState: SessionAuthState
    /// Download rate, kbit/s (vendor 43242 attribute 1); `nil` when unshaped.
    public var downloadKbps: UInt64?
    /// Upload rate, kbit/s (vendor 43242 attribute 2).
    public var uploadKbps: UInt64?
    /// Download burst, kbit (vendor 43242 attribute 3).
    public var downloadBurstKbit: UInt64?
    /// Upload burst, kbit (vendor 43242 attribute 4).
    public var uploadBurstKbit: UInt64?

    /// A policy event.
    public init(line: SessionLine, authState: SessionAuthState, downloadKbps: UInt64? = nil, uploadKbps: UInt64? = nil,
                downloadBurstKbit: UInt64? = nil, uploadBurstKbit: UInt64? = nil) {
        self.line = line
        self.authState = authState
        self.downloadKbps = downloadKbps
        self.uploadKbps = uploadKbps
        self.downloadBurstKbit = downloadBurstKbit
        self.uploadBurstKbit = uploadBurstKbit
    }

    enum CodingKeys: String, CodingKey {
        case line, authState = "auth_state", downloadKbps = "download_kbps", uploadKbps = "upload_kbps"
        case downloadBurstKbit = "download_burst_kbit", uploadBurstKbit = "upload_burst_kbit"
    }
}
