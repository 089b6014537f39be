import Synchronization

/// Whether a ``GatewayRelayService`` takes new subscribers: its owner closes the gate while it
/// cannot keep what a new binding needs (a BNG whose session store cannot write, a full disk)
/// and opens it again when it can. While closed, requests that begin a binding are dropped and
/// counted as ``RelayDropReason/newClientsRefused``; bound clients keep renewing and releasing.
/// Thread-safe; read by the relay once per request.
public final class RelayAdmissionGate: Sendable {
    private let open = Atomic<Bool>(true)

    /// A gate, open.
    public init() {}

    /// Whether new subscribers are admitted.
    public var isOpen: Bool { open.load(ordering: .relaxed) }

    /// Opens (`true`) or closes the gate; returns whether that changed it.
    @discardableResult
    public func set(open value: Bool) -> Bool {
        open.exchange(value, ordering: .relaxed) != value
    }
}
