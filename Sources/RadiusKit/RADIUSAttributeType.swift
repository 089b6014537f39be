/// The Type octet of a RADIUS attribute (RFC 2865 §5 and the RFCs cited per member).
///
/// An open set: types without a static member still parse, round-trip and print. The
/// printed name comes from ``RADIUSDictionary/standard``.
public struct RADIUSAttributeType: RawRepresentable, Sendable, Hashable, Codable, CustomStringConvertible {
    /// The value on the wire.
    public var rawValue: UInt8

    /// Wraps a wire value.
    public init(rawValue: UInt8) {
        self.rawValue = rawValue
    }

    /// The dictionary name, such as `User-Name`, or `Attr-<n>`.
    public var description: String {
        RADIUSDictionary.standard.attribute(type: self)?.name ?? "Attr-\(rawValue)"
    }

    // RFC 2865 §5
    /// User-Name, 1, string (RFC 2865 §5.1).
    public static let userName = Self(rawValue: 1)
    /// User-Password, 2, hidden string (RFC 2865 §5.2).
    public static let userPassword = Self(rawValue: 2)
    /// CHAP-Password, 3, octets (RFC 2865 §5.3).
    public static let chapPassword = Self(rawValue: 3)
    /// NAS-IP-Address, 4, ipaddr (RFC 2865 §5.4).
    public static let nasIPAddress = Self(rawValue: 4)
    /// NAS-Port, 5, integer (RFC 2865 §5.5).
    public static let nasPort = Self(rawValue: 5)
    /// Service-Type, 6, enumerated integer (RFC 2865 §5.6).
    public static let serviceType = Self(rawValue: 6)
    /// Framed-Protocol, 7, enumerated integer (RFC 2865 §5.7).
    public static let framedProtocol = Self(rawValue: 7)
    /// Framed-IP-Address, 8, ipaddr (RFC 2865 §5.8).
    public static let framedIPAddress = Self(rawValue: 8)
    /// Framed-IP-Netmask, 9, ipaddr (RFC 2865 §5.9).
    public static let framedIPNetmask = Self(rawValue: 9)
    /// Framed-Routing, 10, enumerated integer (RFC 2865 §5.10).
    public static let framedRouting = Self(rawValue: 10)
    /// Filter-Id, 11, string (RFC 2865 §5.11).
    public static let filterID = Self(rawValue: 11)
    /// Framed-MTU, 12, integer (RFC 2865 §5.12).
    public static let framedMTU = Self(rawValue: 12)
    /// Framed-Compression, 13, enumerated integer (RFC 2865 §5.13).
    public static let framedCompression = Self(rawValue: 13)
    /// Login-IP-Host, 14, ipaddr (RFC 2865 §5.14).
    public static let loginIPHost = Self(rawValue: 14)
    /// Login-Service, 15, enumerated integer (RFC 2865 §5.15).
    public static let loginService = Self(rawValue: 15)
    /// Reply-Message, 18, string (RFC 2865 §5.18).
    public static let replyMessage = Self(rawValue: 18)
    /// Framed-Route, 22, string (RFC 2865 §5.22).
    public static let framedRoute = Self(rawValue: 22)
    /// State, 24, octets (RFC 2865 §5.24).
    public static let state = Self(rawValue: 24)
    /// Class, 25, octets (RFC 2865 §5.25).
    public static let `class` = Self(rawValue: 25)
    /// Vendor-Specific, 26 (RFC 2865 §5.26).
    public static let vendorSpecific = Self(rawValue: 26)
    /// Session-Timeout, 27, integer seconds (RFC 2865 §5.27).
    public static let sessionTimeout = Self(rawValue: 27)
    /// Idle-Timeout, 28, integer seconds (RFC 2865 §5.28).
    public static let idleTimeout = Self(rawValue: 28)
    /// Termination-Action, 29, enumerated integer (RFC 2865 §5.29).
    public static let terminationAction = Self(rawValue: 29)
    /// Called-Station-Id, 30, string (RFC 2865 §5.30).
    public static let calledStationID = Self(rawValue: 30)
    /// Calling-Station-Id, 31, string (RFC 2865 §5.31).
    public static let callingStationID = Self(rawValue: 31)
    /// NAS-Identifier, 32, string (RFC 2865 §5.32).
    public static let nasIdentifier = Self(rawValue: 32)
    /// Proxy-State, 33, octets (RFC 2865 §5.33).
    public static let proxyState = Self(rawValue: 33)
    /// CHAP-Challenge, 60, octets (RFC 2865 §5.40).
    public static let chapChallenge = Self(rawValue: 60)
    /// NAS-Port-Type, 61, enumerated integer (RFC 2865 §5.41).
    public static let nasPortType = Self(rawValue: 61)
    /// Port-Limit, 62, integer (RFC 2865 §5.42).
    public static let portLimit = Self(rawValue: 62)

    // RFC 2866 §5
    /// Acct-Status-Type, 40, enumerated integer (RFC 2866 §5.1).
    public static let acctStatusType = Self(rawValue: 40)
    /// Acct-Delay-Time, 41, integer seconds (RFC 2866 §5.2).
    public static let acctDelayTime = Self(rawValue: 41)
    /// Acct-Input-Octets, 42, integer: octets received from the port, i.e. from the subscriber
    /// (RFC 2866 §5.3).
    public static let acctInputOctets = Self(rawValue: 42)
    /// Acct-Output-Octets, 43, integer: octets sent to the subscriber (RFC 2866 §5.4).
    public static let acctOutputOctets = Self(rawValue: 43)
    /// Acct-Session-Id, 44, string (RFC 2866 §5.5).
    public static let acctSessionID = Self(rawValue: 44)
    /// Acct-Authentic, 45, enumerated integer (RFC 2866 §5.6).
    public static let acctAuthentic = Self(rawValue: 45)
    /// Acct-Session-Time, 46, integer seconds (RFC 2866 §5.7).
    public static let acctSessionTime = Self(rawValue: 46)
    /// Acct-Input-Packets, 47, integer (RFC 2866 §5.8).
    public static let acctInputPackets = Self(rawValue: 47)
    /// Acct-Output-Packets, 48, integer (RFC 2866 §5.9).
    public static let acctOutputPackets = Self(rawValue: 48)
    /// Acct-Terminate-Cause, 49, enumerated integer (RFC 2866 §5.10).
    public static let acctTerminateCause = Self(rawValue: 49)
    /// Acct-Multi-Session-Id, 50, string (RFC 2866 §5.11).
    public static let acctMultiSessionID = Self(rawValue: 50)
    /// Acct-Link-Count, 51, integer (RFC 2866 §5.12).
    public static let acctLinkCount = Self(rawValue: 51)

    // RFC 2869 §5
    /// Acct-Input-Gigawords, 52, integer: times Acct-Input-Octets wrapped past 2^32
    /// (RFC 2869 §5.1).
    public static let acctInputGigawords = Self(rawValue: 52)
    /// Acct-Output-Gigawords, 53, integer (RFC 2869 §5.2).
    public static let acctOutputGigawords = Self(rawValue: 53)
    /// Event-Timestamp, 55, date: seconds since 1970-01-01 UTC (RFC 2869 §5.3).
    public static let eventTimestamp = Self(rawValue: 55)
    /// Connect-Info, 77, string (RFC 2869 §5.11).
    public static let connectInfo = Self(rawValue: 77)
    /// EAP-Message, 79, octets, concatenated over several attributes (RFC 3579 §3.1).
    public static let eapMessage = Self(rawValue: 79)
    /// Message-Authenticator, 80, 16-byte HMAC-MD5 (RFC 3579 §3.2, RFC 2869 §5.14).
    public static let messageAuthenticator = Self(rawValue: 80)
    /// Acct-Interim-Interval, 85, integer seconds (RFC 2869 §5.16).
    public static let acctInterimInterval = Self(rawValue: 85)
    /// NAS-Port-Id, 87, string (RFC 2869 §5.17).
    public static let nasPortID = Self(rawValue: 87)
    /// Framed-Pool, 88, string (RFC 2869 §5.18).
    public static let framedPool = Self(rawValue: 88)

    // RFC 2868 §3 (tagged)
    /// Tunnel-Type, 64, tagged integer (RFC 2868 §3.1).
    public static let tunnelType = Self(rawValue: 64)
    /// Tunnel-Medium-Type, 65, tagged integer (RFC 2868 §3.2).
    public static let tunnelMediumType = Self(rawValue: 65)
    /// Tunnel-Client-Endpoint, 66, tagged string (RFC 2868 §3.3).
    public static let tunnelClientEndpoint = Self(rawValue: 66)
    /// Tunnel-Server-Endpoint, 67, tagged string (RFC 2868 §3.4).
    public static let tunnelServerEndpoint = Self(rawValue: 67)
    /// Tunnel-Password, 69, tagged, salted and hidden string (RFC 2868 §3.5).
    public static let tunnelPassword = Self(rawValue: 69)
    /// Tunnel-Private-Group-Id, 81, tagged string (RFC 2868 §3.6).
    public static let tunnelPrivateGroupID = Self(rawValue: 81)
    /// Tunnel-Assignment-Id, 82, tagged string (RFC 2868 §3.7).
    public static let tunnelAssignmentID = Self(rawValue: 82)
    /// Tunnel-Preference, 83, tagged integer (RFC 2868 §3.8).
    public static let tunnelPreference = Self(rawValue: 83)

    // Others
    /// Chargeable-User-Identity, 89, octets (RFC 4372).
    public static let chargeableUserIdentity = Self(rawValue: 89)
    /// NAS-IPv6-Address, 95, ipv6addr (RFC 3162 §2.1).
    public static let nasIPv6Address = Self(rawValue: 95)
    /// Framed-Interface-Id, 96, ifid (RFC 3162 §2.2).
    public static let framedInterfaceID = Self(rawValue: 96)
    /// Framed-IPv6-Prefix, 97, ipv6prefix (RFC 3162 §2.3).
    public static let framedIPv6Prefix = Self(rawValue: 97)
    /// Login-IPv6-Host, 98, ipv6addr (RFC 3162 §2.4).
    public static let loginIPv6Host = Self(rawValue: 98)
    /// Framed-IPv6-Route, 99, string (RFC 3162 §2.5).
    public static let framedIPv6Route = Self(rawValue: 99)
    /// Framed-IPv6-Pool, 100, string (RFC 3162 §2.6).
    public static let framedIPv6Pool = Self(rawValue: 100)
    /// Error-Cause, 101, enumerated integer (RFC 5176 §3.5).
    public static let errorCause = Self(rawValue: 101)
    /// Delegated-IPv6-Prefix, 123, ipv6prefix (RFC 4818).
    public static let delegatedIPv6Prefix = Self(rawValue: 123)
    /// Framed-IPv6-Address, 168, ipv6addr (RFC 6911).
    public static let framedIPv6Address = Self(rawValue: 168)
}
