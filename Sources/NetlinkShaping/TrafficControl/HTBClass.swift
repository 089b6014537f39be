import CLinuxNet

/// An HTB class (`tc class add dev D parent 1:1 classid 1:10 htb rate … ceil … burst … cburst …
/// prio … quantum …`). Rates are in bits per second and may exceed 32 bits of bytes per second
/// (`TCA_HTB_RATE64`/`TCA_HTB_CEIL64` are sent when needed).
public struct HTBClass: Hashable, Sendable {
    /// The class id, e.g. `1:10`.
    public var classID: TCHandle
    /// The parent class or qdisc.
    public var parent: TCHandle
    /// Guaranteed rate in bits per second (`rate`).
    public var rate: UInt64
    /// Maximum rate when borrowing from the parent, bits per second (`ceil`); at least `rate`.
    public var ceil: UInt64
    /// Bytes that may be sent at line speed above `rate` (`burst`).
    public var burst: UInt32
    /// Bytes that may be sent at line speed above `ceil` (`cburst`).
    public var cburst: UInt32
    /// Priority for borrowing spare bandwidth, 0 (first) to 7 (`prio`).
    public var priority: UInt32
    /// Bytes served per round when borrowing (`quantum`).
    public var quantum: UInt32

    /// Creates a class. `burst`/`cburst` default to tc's choice (rate/1000 bytes + 1600), the
    /// quantum to rate/10 bytes clamped to 1,600…200,000 (so HTB never warns about it).
    public init(classID: TCHandle, parent: TCHandle, rate: UInt64, ceil: UInt64? = nil,
                burst: UInt32? = nil, cburst: UInt32? = nil, priority: UInt32 = 0, quantum: UInt32? = nil) {
        self.classID = classID
        self.parent = parent
        self.rate = rate
        self.ceil = Swift.max(ceil ?? rate, rate)
        self.burst = burst ?? Self.defaultBurst(rate: rate)
        self.cburst = cburst ?? Self.defaultBurst(rate: self.ceil)
        self.priority = priority
        self.quantum = quantum ?? UInt32(Swift.min(Swift.max(rate / 8 / 10, 1600), 200_000))
    }

    /// tc's default burst: one jiffy (1 ms at HZ=1000) of bytes plus an MTU of 1600.
    public static func defaultBurst(rate: UInt64) -> UInt32 {
        UInt32(clamping: rate / 8 / 1000 + 1600)
    }

    /// Nanoseconds per psched tick: the kernel keeps HTB buffers in 64 ns ticks (`PSCHED_SHIFT` 6).
    static let nanosecondsPerTick: UInt64 = 64

    /// How long `bytes` take at `rate` bits per second, in psched ticks (tc's `tc_calc_xmittime`).
    static func ticks(bytes: UInt32, rate: UInt64) -> UInt32 {
        let bytesPerSecond = Swift.max(rate / 8, 1)
        let nanoseconds = UInt64(bytes).multipliedFullWidth(by: 1_000_000_000)
        let (quotient, _) = bytesPerSecond.dividingFullWidth((nanoseconds.high, nanoseconds.low))
        return UInt32(clamping: quotient / nanosecondsPerTick)
    }

    /// Bytes that `ticks` of time are worth at `rate` (the inverse of `ticks(bytes:rate:)`).
    static func bytes(ticks: UInt32, rate: UInt64) -> UInt32 {
        let nanoseconds = UInt64(ticks) * nanosecondsPerTick
        let value = (Double(nanoseconds) * Double(rate / 8) / 1e9).rounded()
        return value >= Double(UInt32.max) ? UInt32.max : UInt32(value)
    }

    /// Checks what the kernel would refuse with a less helpful message.
    public func validate() throws {
        guard rate >= 8 else { throw NetlinkShapingError(.invalidArgument, "HTB class \(classID): rate must be at least 8 bit/s (got \(rate))") }
        guard classID.minor != 0, classID.major == parent.major else {
            throw NetlinkShapingError(.invalidArgument, "HTB class \(classID) must have a non-zero minor under its qdisc \(parent.major)")
        }
        guard priority <= 7 else { throw NetlinkShapingError(.invalidArgument, "HTB class \(classID): prio must be 0…7 (got \(priority))") }
    }

    /// The request that creates the class (`create`, fails with `objectExists` on a duplicate id)
    /// or changes it in place (`change`: same class, new parameters, queued packets kept).
    package func request(_ operation: TrafficControlRequests.Operation, interfaceIndex: Int32) -> NetlinkRequest {
        var writer = TrafficControlRequests.header(interfaceIndex: interfaceIndex, handle: classID.rawValue, parent: parent.rawValue)
        if operation != .delete {
            writer.append(UInt16(TCA_KIND), string: "htb")
            writer.nest(UInt16(TCA_OPTIONS)) { options in
                let rateBytes = rate / 8
                let ceilBytes = ceil / 8
                var parameters: [UInt8] = []
                Self.appendRateSpec(rateBytes, to: &parameters)
                Self.appendRateSpec(ceilBytes, to: &parameters)
                parameters.appendHost(Self.ticks(bytes: burst, rate: rate))
                parameters.appendHost(Self.ticks(bytes: cburst, rate: ceil))
                parameters.appendHost(quantum)
                parameters.appendHost(UInt32(0))       // level: computed by the kernel
                parameters.appendHost(priority)
                options.append(UInt16(TCA_HTB_PARMS), bytes: parameters)
                if rateBytes > UInt64(UInt32.max) { options.append(UInt16(TCA_HTB_RATE64), host: rateBytes) }
                if ceilBytes > UInt64(UInt32.max) { options.append(UInt16(TCA_HTB_CEIL64), host: ceilBytes) }
            }
        }
        let type = operation.messageType(new: Int32(RTM_NEWTCLASS), delete: Int32(RTM_DELTCLASS))
        let what = operation == .delete ? "" : " rate \(rate) bit/s ceil \(ceil) bit/s"
        return NetlinkRequest(type: type, flags: operation.flags, payload: writer.bytes,
                              summary: "\(operation.verb) HTB class \(classID)\(what) on interface \(interfaceIndex)")
    }

    /// Appends `struct tc_ratespec` (12 bytes): cell_log, linklayer, overhead, cell_align, mpu, rate.
    /// The link layer is Ethernet so the kernel needs no rate table (`TCA_HTB_RTAB`).
    private static func appendRateSpec(_ bytesPerSecond: UInt64, to bytes: inout [UInt8]) {
        bytes.append(0)
        bytes.append(UInt8(TC_LINKLAYER_ETHERNET.rawValue))
        bytes.appendHost(UInt16(0))
        bytes.appendHost(Int16(0))
        bytes.appendHost(UInt16(0))
        bytes.appendHost(UInt32(clamping: bytesPerSecond))
    }

    /// Reads a class back from a dump; nil when `object` is not an HTB class.
    public init?(_ object: TrafficControlObject) {
        guard object.messageType == UInt16(RTM_NEWTCLASS), object.kind == "htb",
              let parameters = object.options.first(UInt16(TCA_HTB_PARMS))?.payload,
              let rate32 = parameters.host(UInt32.self, at: 8), let ceil32 = parameters.host(UInt32.self, at: 20),
              let buffer = parameters.host(UInt32.self, at: 24), let cbuffer = parameters.host(UInt32.self, at: 28),
              let quantum = parameters.host(UInt32.self, at: 32), let priority = parameters.host(UInt32.self, at: 40) else { return nil }
        let rateBytes = object.options.first(UInt16(TCA_HTB_RATE64))?.integer(UInt64.self) ?? UInt64(rate32)
        let ceilBytes = object.options.first(UInt16(TCA_HTB_CEIL64))?.integer(UInt64.self) ?? UInt64(ceil32)
        classID = object.handle
        parent = object.parent
        rate = rateBytes * 8
        ceil = ceilBytes * 8
        burst = Self.bytes(ticks: buffer, rate: rate)
        cburst = Self.bytes(ticks: cbuffer, rate: ceil)
        self.priority = priority
        self.quantum = quantum
    }
}

/// Requests that act on any class by id.
public enum ClassRequests {
    /// Deletes class `classID` on `interfaceIndex`; the kernel refuses while filters point at it.
    public static func delete(interfaceIndex: Int32, classID: TCHandle) -> NetlinkRequest {
        let writer = TrafficControlRequests.header(interfaceIndex: interfaceIndex, handle: classID.rawValue, parent: 0)
        return NetlinkRequest(type: UInt16(RTM_DELTCLASS), payload: writer.bytes,
                              summary: "delete class \(classID) on interface \(interfaceIndex)")
    }
}
