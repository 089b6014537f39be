/// One Accounting-Request's content (RFC 2866 §5, RFC 2869 §5.1–5.2): status, session and
/// counters, with 64-bit byte counts carried as Octets + Gigawords.
public struct RADIUSAccountingRecord: Sendable, Hashable, Codable {
    /// Acct-Status-Type (RFC 2866 §5.1).
    public struct StatusType: RawRepresentable, Sendable, Hashable, Codable, CustomStringConvertible {
        /// The wire value.
        public var rawValue: UInt32
        /// Wraps a wire value.
        public init(rawValue: UInt32) { self.rawValue = rawValue }
        /// Start (1): a session begins.
        public static let start = Self(rawValue: 1)
        /// Stop (2): a session ends; counters are final.
        public static let stop = Self(rawValue: 2)
        /// Interim-Update (3): counters so far (RFC 2869 §2.1).
        public static let interimUpdate = Self(rawValue: 3)
        /// Accounting-On (7): the NAS started.
        public static let accountingOn = Self(rawValue: 7)
        /// Accounting-Off (8): the NAS stops.
        public static let accountingOff = Self(rawValue: 8)
        /// The FreeRADIUS dictionary name, or the number.
        public var description: String {
            switch rawValue {
            case 1: "Start"
            case 2: "Stop"
            case 3: "Interim-Update"
            case 7: "Accounting-On"
            case 8: "Accounting-Off"
            default: "\(rawValue)"
            }
        }
    }

    /// Acct-Status-Type.
    public var statusType: StatusType
    /// Acct-Session-Id (RFC 2866 §5.5).
    public var sessionID: String
    /// User-Name, as authenticated.
    public var userName: String?
    /// Bytes received from the subscriber (Acct-Input-Octets + Acct-Input-Gigawords).
    public var inputOctets: UInt64
    /// Bytes sent to the subscriber (Acct-Output-Octets + Acct-Output-Gigawords).
    public var outputOctets: UInt64
    /// Packets from the subscriber (Acct-Input-Packets, saturating at 2³²−1).
    public var inputPackets: UInt64
    /// Packets to the subscriber (Acct-Output-Packets, saturating at 2³²−1).
    public var outputPackets: UInt64
    /// Acct-Session-Time, seconds.
    public var sessionTime: UInt32?
    /// Acct-Terminate-Cause (RFC 2866 §5.10), on Stop.
    public var terminateCause: UInt32?
    /// Event-Timestamp, seconds since 1970 (RFC 2869 §5.3).
    public var eventTimestamp: UInt32?
    /// Further attributes (NAS-IP-Address, Framed-IP-Address, Calling-Station-Id, …), in order.
    public var attributes: [RADIUSAttribute]

    /// Creates a record; counters default to 0.
    public init(
        statusType: StatusType,
        sessionID: String,
        userName: String? = nil,
        inputOctets: UInt64 = 0,
        outputOctets: UInt64 = 0,
        inputPackets: UInt64 = 0,
        outputPackets: UInt64 = 0,
        sessionTime: UInt32? = nil,
        terminateCause: UInt32? = nil,
        eventTimestamp: UInt32? = nil,
        attributes: [RADIUSAttribute] = []
    ) {
        self.statusType = statusType
        self.sessionID = sessionID
        self.userName = userName
        self.inputOctets = inputOctets
        self.outputOctets = outputOctets
        self.inputPackets = inputPackets
        self.outputPackets = outputPackets
        self.sessionTime = sessionTime
        self.terminateCause = terminateCause
        self.eventTimestamp = eventTimestamp
        self.attributes = attributes
    }

    /// Splits a 64-bit byte count into the low 32 bits (Acct-*-Octets) and the number of
    /// 2³² wraps (Acct-*-Gigawords, RFC 2869 §5.1).
    public static func split(_ total: UInt64) -> (octets: UInt32, gigawords: UInt32) {
        (UInt32(truncatingIfNeeded: total), UInt32(truncatingIfNeeded: total >> 32))
    }

    /// The 64-bit byte count from Octets and Gigawords.
    public static func join(octets: UInt32, gigawords: UInt32) -> UInt64 {
        UInt64(gigawords) << 32 | UInt64(octets)
    }

    /// The Accounting-Request carrying this record (identifier and authenticator are filled
    /// in when it is sent). Gigawords attributes are present only for counts of 4 GiB or more.
    public var packet: RADIUSPacket {
        var list: [RADIUSAttribute] = [.integer(.acctStatusType, statusType.rawValue), .string(.acctSessionID, sessionID)]
        if let userName { list.append(.string(.userName, userName)) }
        if statusType != .start && statusType != .accountingOn && statusType != .accountingOff {
            let input = Self.split(inputOctets)
            let output = Self.split(outputOctets)
            list.append(.integer(.acctInputOctets, input.octets))
            if input.gigawords > 0 { list.append(.integer(.acctInputGigawords, input.gigawords)) }
            list.append(.integer(.acctOutputOctets, output.octets))
            if output.gigawords > 0 { list.append(.integer(.acctOutputGigawords, output.gigawords)) }
            list.append(.integer(.acctInputPackets, UInt32(clamping: inputPackets)))
            list.append(.integer(.acctOutputPackets, UInt32(clamping: outputPackets)))
        }
        if let sessionTime { list.append(.integer(.acctSessionTime, sessionTime)) }
        if let terminateCause { list.append(.integer(.acctTerminateCause, terminateCause)) }
        if let eventTimestamp { list.append(.date(.eventTimestamp, secondsSince1970: eventTimestamp)) }
        return RADIUSPacket(code: .accountingRequest, identifier: 0, attributes: list + attributes)
    }

    /// Reads a record back from an Accounting-Request (the server side of ``packet``).
    /// Attributes the record has no field for stay in ``attributes``.
    ///
    /// - Throws: `invalidValue` without Acct-Status-Type or Acct-Session-Id, and value errors.
    public init(packet: RADIUSPacket) throws(RADIUSError) {
        var status: StatusType?
        var session: String?
        var inOctets: UInt32 = 0, inGiga: UInt32 = 0, outOctets: UInt32 = 0, outGiga: UInt32 = 0
        self.init(statusType: .start, sessionID: "")
        for attribute in packet.attributes {
            switch attribute.type {
            case .acctStatusType: status = StatusType(rawValue: try attribute.integerValue())
            case .acctSessionID: session = try attribute.stringValue()
            case .userName: userName = try attribute.stringValue()
            case .acctInputOctets: inOctets = try attribute.integerValue()
            case .acctInputGigawords: inGiga = try attribute.integerValue()
            case .acctOutputOctets: outOctets = try attribute.integerValue()
            case .acctOutputGigawords: outGiga = try attribute.integerValue()
            case .acctInputPackets: inputPackets = UInt64(try attribute.integerValue())
            case .acctOutputPackets: outputPackets = UInt64(try attribute.integerValue())
            case .acctSessionTime: sessionTime = try attribute.integerValue()
            case .acctTerminateCause: terminateCause = try attribute.integerValue()
            case .eventTimestamp: eventTimestamp = try attribute.dateValue()
            case .messageAuthenticator: continue
            default: attributes.append(attribute)
            }
        }
        guard let status, let session else {
            throw RADIUSError(.invalidValue, "Accounting-Request without Acct-Status-Type or Acct-Session-Id")
        }
        statusType = status
        sessionID = session
        inputOctets = Self.join(octets: inOctets, gigawords: inGiga)
        outputOctets = Self.join(octets: outOctets, gigawords: outGiga)
    }
}
