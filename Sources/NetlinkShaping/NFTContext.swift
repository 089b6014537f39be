import CNftables
import Foundation

/// A libnftables context: runs nftables commands in-process, the way `nft` does, without a subprocess.
///
/// Commands may be nft's text syntax (`list ruleset`) or its JSON syntax (`{"nftables": [...]}`);
/// output is JSON when `jsonOutput` is set. libnftables opens its netlink socket in
/// `nft_ctx_new`, so the context programs the network namespace of the thread that *created* it,
/// whichever thread runs the commands later (checked against libnftables 1.0.6). Calls block until
/// the kernel answers and are serialised by a lock, so keep them off Swift's cooperative pool.
public final class NFTContext: @unchecked Sendable {
    private let context: OpaquePointer
    private let lock = NSLock()
    /// Set-element counters read over netlink, in the same namespace as the context (its socket
    /// is opened here, on the creating thread, for the same reason).
    public let setCounters: NFTSetCounters

    /// Creates a context whose output is JSON (the default) or nft's text format.
    public init(jsonOutput: Bool = true) throws {
        setCounters = try NFTSetCounters()
        guard let context = nft_ctx_new(UInt32(NFT_CTX_DEFAULT)) else {
            throw NetlinkShapingError(.nftablesUnavailable, "nft_ctx_new failed")
        }
        if jsonOutput {
            nft_ctx_output_set_flags(context, UInt32(NFT_CTX_OUTPUT_JSON))
        }
        // Buffer both streams so nothing is written to our stdout/stderr and errors can be thrown.
        guard nft_ctx_buffer_output(context) == 0, nft_ctx_buffer_error(context) == 0 else {
            nft_ctx_free(context)
            throw NetlinkShapingError(.nftablesUnavailable, "libnftables cannot buffer its output")
        }
        self.context = context
    }

    deinit { nft_ctx_free(context) }

    /// Runs one command (or a batch, one command per line; JSON batches are atomic) and
    /// returns what libnftables printed. Throws `nftablesCommandFailed` with libnftables' error text.
    @discardableResult
    public func run(_ command: String) throws -> String {
        lock.lock()
        defer { lock.unlock() }
        let status = nft_run_cmd_from_buffer(context, command)
        let output = nft_ctx_get_output_buffer(context).map { String(cString: $0) } ?? ""
        let errors = nft_ctx_get_error_buffer(context).map { String(cString: $0) } ?? ""
        guard status == 0 else {
            let reason = errors.isEmpty ? "libnftables returned \(status)" : errors.trimmingTrailingNewlines()
            throw NetlinkShapingError(.nftablesCommandFailed, reason)
        }
        return output
    }
}

extension String {
    func trimmingTrailingNewlines() -> String {
        var text = Substring(self)
        while let last = text.last, last.isNewline { text.removeLast() }
        return String(text)
    }
}
