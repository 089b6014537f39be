import CLinuxNet

/// A traffic-control handle or class id, `major:minor` in 16 bits each (tc's `1:a`, hex).
///
/// A qdisc's handle has minor 0 (`1:`); its classes share the major (`1:10`). The kernel allows
/// minors 1…65,535 per qdisc, which is why a qdisc holds at most 65,535 classes.
public struct TCHandle: RawRepresentable, Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The 32-bit value on the wire (`TC_H_MAKE(major << 16, minor)`).
    public let rawValue: UInt32

    /// Wraps a raw 32-bit handle.
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// `major:minor`.
    public init(major: UInt16, minor: UInt16) { rawValue = UInt32(major) << 16 | UInt32(minor) }

    /// The upper 16 bits (the qdisc).
    public var major: UInt16 { UInt16(truncatingIfNeeded: rawValue >> 16) }
    /// The lower 16 bits (the class within the qdisc; 0 for the qdisc itself).
    public var minor: UInt16 { UInt16(truncatingIfNeeded: rawValue) }

    /// `TC_H_ROOT`: the parent of a root qdisc.
    public static let root = TCHandle(rawValue: UInt32(TC_H_ROOT))
    /// `TC_H_INGRESS`: the parent of an ingress qdisc.
    public static let ingressParent = TCHandle(rawValue: UInt32(TC_H_INGRESS))
    /// `ffff:`, the handle an ingress qdisc always has.
    public static let ingress = TCHandle(major: 0xFFFF, minor: 0)

    /// The same major with another minor.
    public func withMinor(_ minor: UInt16) -> TCHandle { TCHandle(major: major, minor: minor) }

    /// tc's notation: `1:10`, `1:`, `root`, `ingress`.
    public var description: String {
        switch self {
        case .root: "root"
        case .ingressParent: "ingress"
        default: "\(String(major, radix: 16)):\(minor == 0 ? "" : String(minor, radix: 16))"
        }
    }

    /// Orders handles by their 32-bit value.
    public static func < (lhs: TCHandle, rhs: TCHandle) -> Bool { lhs.rawValue < rhs.rawValue }
}
