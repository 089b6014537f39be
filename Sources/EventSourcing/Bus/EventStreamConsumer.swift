/// One named consumer in a consumer group of an event stream (Redis Streams semantics).
///
/// Messages read are pending for this consumer until acknowledged; pending messages of a
/// consumer that died are taken over with `claimIdle`.
public protocol EventStreamConsumer: AnyObject, SendableMetatype {
    /// This consumer's name within the group.
    var name: String { get }
    /// Creates the group (and the stream) when missing; harmless when both exist.
    func ensureGroup() throws
    /// Messages never delivered to the group, waiting up to `blockMilliseconds` for the first (0 = don't wait).
    func readNew(count: Int, blockMilliseconds: Int) throws -> [StreamMessage]
    /// This consumer's own pending messages with IDs above `after` (redelivery after a restart).
    func readPending(after: StreamMessageID, count: Int) throws -> [StreamMessage]
    /// Takes over messages pending for any consumer longer than `minIdleMilliseconds` (XAUTOCLAIM).
    func claimIdle(minIdleMilliseconds: Int, count: Int) throws -> [StreamMessage]
    /// Acknowledges processed messages; they leave the pending list.
    func acknowledge(_ ids: [StreamMessageID]) throws
}
