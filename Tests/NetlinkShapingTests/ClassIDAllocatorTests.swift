@testable import NetlinkShaping
import Testing

@Suite("Class id allocator")
struct ClassIDAllocatorTests {
    @Test func handsOutEveryMinorOfTheDefaultRangeThenFailsWithTheLimit() throws {
        var allocator = ClassIDAllocator()
        #expect(allocator.capacity == 65_533)
        var seen = Set<UInt16>()
        for _ in 0..<allocator.capacity { seen.insert(try allocator.allocate(for: "x")) }
        #expect(seen.count == 65_533)
        #expect(!seen.contains(0) && !seen.contains(1) && !seen.contains(2))
        let error = capture { _ = try allocator.allocate(for: "100.64.0.9") }
        #expect(error?.code == .classLimitReached)
        #expect(error?.message.contains("no free class id for 100.64.0.9: all 65533 minors 0x3…0xffff are in use (a qdisc holds at most 65535 classes)") == true)
    }

    @Test func reusesTheLowestReleasedIdAndHonoursReservations() throws {
        var allocator = ClassIDAllocator(range: 10...20)
        let reserved = [allocator.reserve(12), allocator.reserve(12), allocator.reserve(9)]
        #expect(reserved == [true, false, false])
        let first = try [allocator.allocate(for: "a"), allocator.allocate(for: "b"), allocator.allocate(for: "c")]
        #expect(first == [10, 11, 13])
        allocator.release(11)
        let again = try allocator.allocate(for: "d")
        #expect(again == 11)
        #expect(allocator.count == 4)
    }
}
