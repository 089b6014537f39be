import Foundation
import RadiusKit

/// What RADIUS decided for a session (Access-Accept or CoA-Request): shaping rates and the
/// session parameters of RFC 2865/2869.
public struct SessionPolicy: Hashable, Sendable, Codable {
    /// Rates (vendor 43242, WISPr, or the profile Filter-Id names); empty: unshaped.
    public var rates: RADIUSRateLimits
    /// Session-Timeout (RFC 2865 §5.27), seconds: the session ends this long after it started.
    public var sessionTimeout: UInt32?
    /// Idle-Timeout (RFC 2865 §5.28), seconds; replaces the configured idle timeout.
    public var idleTimeout: UInt32?
    /// Acct-Interim-Interval (RFC 2869 §5.16), seconds; replaces the configured interval.
    public var interimInterval: UInt32?
    /// Class (RFC 2865 §5.25), echoed in every accounting request.
    public var classes: [[UInt8]]
    /// Filter-Id (RFC 2865 §5.11), when the server named a profile.
    public var filterID: String?

    /// A policy.
    public init(rates: RADIUSRateLimits = RADIUSRateLimits(), sessionTimeout: UInt32? = nil, idleTimeout: UInt32? = nil,
                interimInterval: UInt32? = nil, classes: [[UInt8]] = [], filterID: String? = nil) {
        self.rates = rates
        self.sessionTimeout = sessionTimeout
        self.idleTimeout = idleTimeout
        self.interimInterval = interimInterval
        self.classes = classes
        self.filterID = filterID
    }

    private enum CodingKeys: String, CodingKey { case rates, sessionTimeout, idleTimeout, interimInterval, classes, filterID }

    /// Reads what ``encode(to:)`` writes; Class values also as arrays of numbers (older stores).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        rates = try container.decode(RADIUSRateLimits.self, forKey: .rates)
        sessionTimeout = try container.decodeIfPresent(UInt32.self, forKey: .sessionTimeout)
        idleTimeout = try container.decodeIfPresent(UInt32.self, forKey: .idleTimeout)
        interimInterval = try container.decodeIfPresent(UInt32.self, forKey: .interimInterval)
        classes = try container.decodeByteList(forKey: .classes)
        filterID = try container.decodeIfPresent(String.self, forKey: .filterID)
    }

    /// Class values as base64 strings: the session is stored on every interim update.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(rates, forKey: .rates)
        try container.encodeIfPresent(sessionTimeout, forKey: .sessionTimeout)
        try container.encodeIfPresent(idleTimeout, forKey: .idleTimeout)
        try container.encodeIfPresent(interimInterval, forKey: .interimInterval)
        try container.encode(classes.map { Data($0).base64EncodedString() }, forKey: .classes)
        try container.encodeIfPresent(filterID, forKey: .filterID)
    }

    /// Reads an Access-Accept or CoA-Request. Rates come from the Aether vendor attributes or
    /// WISPr; without either, a Filter-Id naming one of `profiles` gives them.
    ///
    /// - Throws: the attribute value errors of RadiusKit (a malformed rate or timeout).
    public init(packet: RADIUSPacket, profiles: [String: RADIUSRateLimits]) throws(RADIUSError) {
        self.init()
        rates = try RADIUSRateLimits(packet: packet)
        filterID = try packet.attributes(ofType: .filterID).first?.stringValue()
        if rates.isEmpty, let filterID, let profile = profiles[filterID] { rates = profile }
        sessionTimeout = try packet.attributes(ofType: .sessionTimeout).first?.integerValue()
        idleTimeout = try packet.attributes(ofType: .idleTimeout).first?.integerValue()
        interimInterval = try packet.attributes(ofType: .acctInterimInterval).first?.integerValue()
        classes = packet.attributes(ofType: .class).map(\.value)
    }

    /// Whether a CoA carried anything to change.
    public var changesSomething: Bool {
        !rates.isEmpty || sessionTimeout != nil || idleTimeout != nil || interimInterval != nil || filterID != nil
    }
}
