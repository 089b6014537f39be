import Foundation

/// The `aether-relay` configuration file (JSON): which interfaces are subscriber ports, their
/// circuit-ids, the access node's remote-id and the uplink toward the BNG.
///
/// ```json
/// { "remoteID": "an-01", "uplink": "up0",
///   "ports": { "p1": "an-01/1/1", "p2": "an-01/1/2" },
///   "clientOption82Policy": "drop",
///   "portRequestRate": { "perSecond": 10, "burst": 20 } }
/// ```
/// Identifiers are text, or `0x`-prefixed hex for binary ones.
public struct AccessNodeRelayFile: Hashable, Sendable, Codable {
    /// Remote-id (sub-option 2) of this access node.
    public var remoteID: RelayAgentIdentifier
    /// Interface toward the BNG's aggregation segment.
    public var uplink: String
    /// Subscriber port interface → circuit-id (sub-option 1).
    public var ports: [String: RelayAgentIdentifier]
    /// What to do with Option 82 a client sent itself (default `drop`, RFC 3046 §2.1).
    public var clientOption82Policy: AccessNodeRelayAgent.ClientOption82Policy?
    /// DHCP requests each port may send (default: no limit at the access node; the BNG limits
    /// each line in any case).
    public var portRequestRate: DHCPRequestRate?

    public init(remoteID: RelayAgentIdentifier, uplink: String, ports: [String: RelayAgentIdentifier],
                clientOption82Policy: AccessNodeRelayAgent.ClientOption82Policy? = nil, portRequestRate: DHCPRequestRate? = nil) {
        self.remoteID = remoteID
        self.uplink = uplink
        self.ports = ports
        self.clientOption82Policy = clientOption82Policy
        self.portRequestRate = portRequestRate
    }

    /// The agent configuration this file describes.
    public var agentConfiguration: AccessNodeRelayAgent.Configuration {
        AccessNodeRelayAgent.Configuration(remoteID: remoteID, circuitIDs: ports,
                                           clientOption82Policy: clientOption82Policy ?? .drop, portRequestRate: portRequestRate)
    }

    /// Reads and checks a file; errors are `invalidConfiguration` naming the file and the key.
    public static func load(path: String) throws(DHCPKitError) -> AccessNodeRelayFile {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw DHCPKitError(.invalidConfiguration, field: "file", message: "\(path): cannot be read")
        }
        return try decode(data, source: path)
    }

    /// Decodes and checks JSON; `source` names it in errors.
    public static func decode(_ data: Data, source: String) throws(DHCPKitError) -> AccessNodeRelayFile {
        let file: AccessNodeRelayFile
        do {
            file = try JSONDecoder().decode(AccessNodeRelayFile.self, from: data)
        } catch let error as DecodingError {
            let (key, reason) = describe(error)
            throw DHCPKitError(.invalidConfiguration, field: key, message: "\(source): key \"\(key)\": \(reason)")
        } catch {
            throw DHCPKitError(.invalidConfiguration, field: "file", message: "\(source): \(error)")
        }
        guard !file.ports.isEmpty else {
            throw DHCPKitError(.invalidConfiguration, field: "ports", message: "\(source): key \"ports\": at least one port is needed")
        }
        if let port = file.ports.keys.first(where: { $0 == file.uplink }) {
            throw DHCPKitError(.invalidConfiguration, field: "ports.\(port)",
                               message: "\(source): key \"ports.\(port)\": the uplink cannot also be a subscriber port")
        }
        let circuits = file.ports.values.map(\.bytes)
        if Set(circuits).count != circuits.count {
            throw DHCPKitError(.invalidConfiguration, field: "ports",
                               message: "\(source): key \"ports\": two ports share a circuit-id, replies could not find their port")
        }
        if let rate = file.portRequestRate, !(rate.perSecond > 0) || rate.burst < 1 {
            throw DHCPKitError(.invalidConfiguration, field: "portRequestRate",
                               message: "\(source): key \"portRequestRate\": perSecond must be positive and burst at least 1")
        }
        return file
    }

    private static func describe(_ error: DecodingError) -> (String, String) {
        func path(_ context: DecodingError.Context, _ extra: CodingKey? = nil) -> String {
            let keys = context.codingPath + (extra.map { [$0] } ?? [])
            return keys.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
        }
        switch error {
        case .keyNotFound(let key, let context):
            return (path(context, key), "is missing")
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            return (path(context), context.debugDescription)
        case .dataCorrupted(let context):
            let underlying = (context.underlyingError as? DHCPKitError)?.message ?? context.debugDescription
            return (path(context).isEmpty ? "(document)" : path(context), underlying)
        @unknown default:
            return ("(document)", "\(error)")
        }
    }
}
