import Foundation
import NetworkTypes

/// How a NAS builds a subscriber's User-Name from its line (SPEC §3): a template with
/// `{bng}`, `{remote_id}`, `{circuit_id}` and `{mac}` placeholders, `{bng}/{remote_id}/{circuit_id}`
/// by default (`bng-01/an-01/1/0/3`). The BNG and the OSS's provisioning use this one function, so
/// the name a BNG sends is the name provisioning wrote into radcheck.
public struct RADIUSUserNameFormat: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The template.
    public let template: String

    /// `{bng}/{remote_id}/{circuit_id}`.
    public static let standard = RADIUSUserNameFormat(unchecked: "{bng}/{remote_id}/{circuit_id}")
    /// The placeholders a template may use.
    public static let placeholders = ["{bng}", "{remote_id}", "{circuit_id}", "{mac}"]

    private init(unchecked template: String) { self.template = template }

    /// Checks `template`: it must name the line (`{remote_id}` and `{circuit_id}`, or `{mac}`),
    /// use only known placeholders, and fit RADIUS's 253-byte limit with room for the values.
    ///
    /// - Throws: `invalidValue` naming what is wrong.
    public init(_ template: String) throws(RADIUSError) {
        var rest = template
        for placeholder in Self.placeholders { rest = rest.replacingOccurrences(of: placeholder, with: "") }
        guard !rest.contains("{"), !rest.contains("}") else {
            throw RADIUSError(.invalidValue, "User-Name template \"\(template)\" uses a placeholder other than \(Self.placeholders.joined(separator: ", "))")
        }
        let namesLine = template.contains("{remote_id}") && template.contains("{circuit_id}")
        guard namesLine || template.contains("{mac}") else {
            throw RADIUSError(.invalidValue, "User-Name template \"\(template)\" names no subscriber: use {remote_id} and {circuit_id}, or {mac}")
        }
        guard template.utf8.count <= 128 else {
            throw RADIUSError(.invalidValue, "User-Name template is \(template.utf8.count) bytes; keep it under 128 so the name fits 253")
        }
        self.template = template
    }

    /// The User-Name for a line.
    public func userName(bng: String, remoteID: String, circuitID: String, mac: MACAddress? = nil) -> String {
        template
            .replacingOccurrences(of: "{bng}", with: bng)
            .replacingOccurrences(of: "{remote_id}", with: remoteID)
            .replacingOccurrences(of: "{circuit_id}", with: circuitID)
            .replacingOccurrences(of: "{mac}", with: mac?.description ?? "")
    }

    /// The template.
    public var description: String { template }

    /// Decodes and checks a template string.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        do {
            self = try RADIUSUserNameFormat(container.decode(String.self))
        } catch let error as RADIUSError {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.context)
        }
    }

    /// Encodes the template.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(template)
    }
}
