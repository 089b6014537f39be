/// A hashed timer wheel (Varghese & Lauck): thousands of timers armed and re-armed in O(1),
/// fired in deadline order to within one tick.
///
/// Timers are never removed: re-arming a key bumps its generation, and a fired entry whose
/// generation is stale is skipped. That is what a DHCP client population needs — every reply
/// re-arms the client's one timer — without a heap's O(log n) per operation.
public struct TimerWheel<Key: Hashable & Sendable>: Sendable {
    /// One armed timer.
    public struct Entry: Sendable {
        public let key: Key
        public let deadline: Duration
        let generation: UInt32
    }

    /// Width of one slot.
    public let tick: Duration
    private var slots: [[Entry]]
    /// The tick the wheel has advanced to (every slot before it has fired).
    private var currentTick: Int64
    private var generations: [Key: UInt32] = [:]
    private var armed: [Key: Bool] = [:]
    /// Armed, not yet fired or superseded.
    public private(set) var count = 0

    /// A wheel with `slotCount` slots of `tick` each; timers further out than one turn wait
    /// in their slot for later turns.
    public init(tick: Duration = .milliseconds(10), slotCount: Int = 4096, start: Duration = .zero) {
        precondition(tick > .zero && slotCount > 0, "a timer wheel needs a positive tick and at least one slot")
        self.tick = tick
        slots = Array(repeating: [], count: slotCount)
        currentTick = Self.tickIndex(of: start, tick: tick)
    }

    private static func tickIndex(of time: Duration, tick: Duration) -> Int64 {
        let ticks = time / tick
        return Int64(ticks.rounded(.down))
    }

    /// Arms (or re-arms) `key`'s timer for `deadline`; a deadline already past fires on the
    /// next ``advance(to:_:)``.
    public mutating func schedule(_ key: Key, at deadline: Duration) {
        let generation = (generations[key] ?? 0) &+ 1
        if generations.updateValue(generation, forKey: key) != nil, isArmed(key) { count -= 1 }
        armed[key] = true
        count += 1
        let index = max(Self.tickIndex(of: deadline, tick: tick), currentTick)
        slots[Int(index % Int64(slots.count))].append(Entry(key: key, deadline: deadline, generation: generation))
    }

    /// Disarms `key`'s timer, if armed.
    public mutating func cancel(_ key: Key) {
        guard isArmed(key) else { return }
        generations[key] = (generations[key] ?? 0) &+ 1
        armed[key] = false
        count -= 1
    }

    /// Whether `key` has a timer armed.
    public func isArmed(_ key: Key) -> Bool { armed[key] ?? false }

    /// Fires, in deadline order within each tick, every timer due at or before `now`.
    public mutating func advance(to now: Duration, _ fire: (Entry) -> Void) {
        let target = Self.tickIndex(of: now, tick: tick)
        while currentTick <= target {
            let slot = Int(currentTick % Int64(slots.count))
            if !slots[slot].isEmpty {
                var due: [Entry] = []
                var later: [Entry] = []
                for entry in slots[slot] where generations[entry.key] == entry.generation {
                    if entry.deadline <= now { due.append(entry) } else { later.append(entry) }
                }
                slots[slot] = later
                for entry in due.sorted(by: { $0.deadline < $1.deadline }) where generations[entry.key] == entry.generation {
                    armed[entry.key] = false
                    count -= 1
                    fire(entry)
                }
            }
            // Stop on the current tick while it still holds entries due later within it.
            if currentTick == target { break }
            currentTick += 1
        }
    }

    /// The earliest deadline among armed timers in the next `lookahead` ticks, for a poll timeout.
    public func nextDeadline(lookahead: Int = 64) -> Duration? {
        for offset in 0..<min(lookahead, slots.count) {
            let tickNumber = currentTick + Int64(offset)
            let slot = Int(tickNumber % Int64(slots.count))
            // Entries for later turns of the wheel share the slot; they are not due this turn.
            let live = slots[slot].lazy
                .filter { generations[$0.key] == $0.generation && Self.tickIndex(of: $0.deadline, tick: tick) <= tickNumber }
                .map(\.deadline)
            if let earliest = live.min() { return earliest }
        }
        return nil
    }
}
