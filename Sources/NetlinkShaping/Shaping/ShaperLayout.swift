import NetworkTypes

/// How a `Shaper` arranges subscriber classes on each shaped interface.
///
/// The kernel walks every class of a qdisc each time it creates a class in it (`tc_bind_tclass`
/// → `htb_walk`), so a class costs time proportional to the classes already in its qdisc.
/// `.singleQdisc` puts every subscriber into one qdisc, which makes installing n subscribers
/// O(n²); `.sharded` spreads them over 256 child qdiscs, so each qdisc holds about n/256 and the
/// cost per subscriber stays flat. See `Docs/netlinkshaping.md` for the picture and the numbers.
public enum ShaperLayout: Hashable, Sendable, Codable {
    /// Every subscriber class in the root HTB qdisc (`1:N`), filters in its hash table keyed by the
    /// address's last octet. At most 65,533 subscribers per interface.
    case singleQdisc
    /// A hashed u32 at the root steers each packet by the address's last octet to one of 256
    /// shard classes (`1:100`…`1:1ff`); each holds its own HTB qdisc (`100:`…`1ff:`) with the
    /// subscriber classes of that octet and their u32 filters, hashed by the third octet. The
    /// 65,533-class limit applies per shard. The default.
    case sharded
}

/// Where one subscriber's class and filters go: the qdisc that holds them and the bucket of
/// that qdisc's u32 hash table.
struct SubscriberPlacement: Hashable, Sendable {
    /// The HTB qdisc holding the subscriber's class and filter (`1:` or a shard's `10a:`).
    let qdisc: TCHandle
    /// The bucket of the qdisc's hash table the filter node goes in.
    let bucket: UInt8

    /// The parent of subscriber classes in that qdisc (its root class, minor 1).
    var parentClass: TCHandle { qdisc.withMinor(1) }
    /// The qdisc's default leaf (minor 2), where its unclassified traffic goes.
    var defaultClass: TCHandle { qdisc.withMinor(2) }
}

extension ShaperConfiguration {
    /// How many shards the sharded layout has: one per value of an address's last octet.
    public static let shardCount = 256

    /// The HTB qdisc of shard `octet` (`100:`…`1ff:` by default), child of `shardClass(octet)`.
    public func shardQdisc(_ octet: UInt8) -> TCHandle {
        TCHandle(major: firstShardMajor + UInt16(octet), minor: 0)
    }

    /// The class of the root qdisc that holds shard `octet`'s qdisc (`1:100`…`1:1ff` by default:
    /// the minor repeats the shard's major so `tc` output reads `leaf 10a:` under `1:10a`).
    public func shardClass(_ octet: UInt8) -> TCHandle {
        TCHandle(major: qdiscMajor, minor: firstShardMajor + UInt16(octet))
    }

    /// Which shard a qdisc major belongs to, or nil when it is not one of ours.
    func shard(ofMajor major: UInt16) -> UInt8? {
        guard layout == .sharded, major >= firstShardMajor, major - firstShardMajor < UInt16(Self.shardCount) else { return nil }
        return UInt8(major - firstShardMajor)
    }

    /// Where `address`'s class and filter nodes go under this configuration's layout.
    func placement(of address: IPv4Address) -> SubscriberPlacement {
        let lastOctet = UInt8(truncatingIfNeeded: address.value)
        switch layout {
        case .singleQdisc:
            return SubscriberPlacement(qdisc: qdiscHandle, bucket: lastOctet)
        case .sharded:
            return SubscriberPlacement(qdisc: shardQdisc(lastOctet), bucket: UInt8(truncatingIfNeeded: address.value >> 8))
        }
    }

    /// Every qdisc that holds subscriber classes: the root qdisc, or the 256 shard qdiscs.
    var subscriberQdiscs: [TCHandle] {
        switch layout {
        case .singleQdisc: [qdiscHandle]
        case .sharded: (0..<Self.shardCount).map { shardQdisc(UInt8($0)) }
        }
    }
}
