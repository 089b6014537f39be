/// Sizes and limits of the RADIUS wire format.
///
/// Each limit is enforced by the codec and has a test of its own.
public enum RADIUSLimits {
    /// Length of the fixed header: Code (1), Identifier (1), Length (2), Authenticator (16),
    /// in bytes (RFC 2865 §3).
    public static let headerLength = 20

    /// Smallest legal value of the Length field, in bytes (RFC 2865 §3).
    public static let minimumPacketLength = 20

    /// Largest legal value of the Length field, in bytes (RFC 2865 §3).
    public static let maximumPacketLength = 4096

    /// Length of the Request and Response Authenticator fields, in bytes (RFC 2865 §3).
    public static let authenticatorLength = 16

    /// Length of an attribute's Type and Length octets, in bytes (RFC 2865 §5).
    public static let attributeHeaderLength = 2

    /// Largest value one attribute can carry, in bytes: 255 minus the two header octets
    /// (RFC 2865 §5).
    public static let maximumAttributeValueLength = 253

    /// Largest cleartext User-Password, in bytes (RFC 2865 §5.2).
    public static let maximumPasswordLength = 128

    /// Length of the Message-Authenticator value, an HMAC-MD5 digest, in bytes (RFC 3579 §3.2).
    public static let messageAuthenticatorLength = 16
}
