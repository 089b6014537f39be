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

    /// The HTB qdisc of shard `octet`, child of `shardClass(octet)`: major `firstShardMajor +
    /// octet` (`100:`…`1ff:` by default, so `10a:` holds addresses ending in .10) — or that plus
    /// 0x100, 0x200, … for the 17 octets (by default) whose handle would land in the kernel's
    /// qdisc hash bucket of handle 0 (`20b:` for .11).
    ///
    /// Why: the kernel hashes every qdisc of a device into 16 buckets by handle
    /// (`dev->qdisc_hash`, `hash_32(handle, 4)`), and every subscriber class's default leaf qdisc
    /// has handle 0, so bucket 0 holds one entry per subscriber. Each class or filter request
    /// looks its shard's qdisc up in that table (`qdisc_lookup`); a shard sharing bucket 0 would
    /// walk all n leaves each time, making those shards O(n) per subscriber again.
    public func shardQdisc(_ octet: UInt8) -> TCHandle {
        // validate() makes sure every shard major fits below ffff: (the ingress major).
        TCHandle(major: UInt16(truncatingIfNeeded: shardMajor(octet)), minor: 0)
    }

    /// Shard `octet`'s major, unclamped (so validation can see one that does not fit).
    func shardMajor(_ octet: UInt8) -> UInt32 {
        var major = UInt32(firstShardMajor) + UInt32(octet)
        while Self.sharesQdiscHashBucketWithHandleZero(major) { major += 0x100 }
        return major
    }

    /// The class of the root qdisc that holds shard `octet`'s qdisc: minor = the shard's major
    /// (`1:10a` holds `10a:`), so `tc` output reads `leaf 10a:` under `1:10a`.
    public func shardClass(_ octet: UInt8) -> TCHandle {
        TCHandle(major: qdiscMajor, minor: shardQdisc(octet).major)
    }

    /// Which shard a qdisc major (or shard class minor) belongs to, or nil when it is not one of ours.
    func shard(ofMajor major: UInt16) -> UInt8? {
        guard layout == .sharded, major >= firstShardMajor else { return nil }
        let octet = UInt8(truncatingIfNeeded: major - firstShardMajor)
        return shardQdisc(octet).major == major ? octet : nil
    }

    /// Whether `major:` hashes to the bucket of handle 0 in the kernel's per-device qdisc table:
    /// `hash_32(handle, 4)`, the top 4 bits of `handle * GOLDEN_RATIO_32` (include/linux/hash.h,
    /// `DECLARE_HASHTABLE(qdisc_hash, 4)` in netdevice.h). A different kernel hash only costs speed.
    static func sharesQdiscHashBucketWithHandleZero(_ major: UInt32) -> Bool {
        ((major << 16) &* 0x61C8_8647) >> 28 == 0
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
