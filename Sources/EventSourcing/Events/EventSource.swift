import Foundation

/// One producer of sequence numbers: a BNG id and the instance of it that is running.
///
/// `seq` is unique and gap-free within a source; `(bngID, instanceID, seq)` is an event's identity.
public struct EventSource: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    /// The BNG's configured id (`bng-01`).
    public var bngID: String
    /// The instance id, kept across restarts of the same BNG store (a new one only with a new store).
    public var instanceID: UUID

    /// A source.
    public init(bngID: String, instanceID: UUID) {
        self.bngID = bngID
        self.instanceID = instanceID
    }

    /// Orders by BNG id, then instance: the order locks are taken in, so writers never deadlock.
    public static func < (lhs: EventSource, rhs: EventSource) -> Bool {
        if lhs.bngID != rhs.bngID { return lhs.bngID < rhs.bngID }
        return lhs.instanceID.uuidString < rhs.instanceID.uuidString
    }

    /// `bng-01/<uuid>`.
    public var description: String { "\(bngID)/\(instanceID.uuidString.lowercased())" }
}
