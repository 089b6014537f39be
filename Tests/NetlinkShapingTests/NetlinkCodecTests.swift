import CLinuxNet
import Glibc
@testable import NetlinkShaping
import Testing

@Suite("Netlink message and attribute codec")
struct NetlinkCodecTests {
    @Test func nestedAttributesRoundTripWithPadding() throws {
        var writer = NetlinkAttributeWriter()
        writer.append(1, string: "htb")                  // 4 bytes of payload
        writer.nest(2) { inner in
            inner.append(3, host: UInt32(0xDEAD_BEEF))
            inner.append(4, bytes: [1, 2, 3])            // 3 bytes, padded to 4
        }
        #expect(writer.bytes.count % 4 == 0)
        let attributes = try NetlinkAttribute.parse(writer.bytes[...])
        #expect(attributes.map(\.type) == [1, 2])
        #expect(attributes.first(1)?.string == "htb")
        let nested = try #require(attributes.first(2)).nested()
        #expect(nested.first(3)?.integer(UInt32.self) == 0xDEAD_BEEF)
        #expect(Array(try #require(nested.first(4)).payload) == [1, 2, 3])
    }

    @Test func attributeLongerThanItsBufferIsRejected() {
        var bytes: [UInt8] = []
        bytes.appendHost(UInt16(12))   // claims 12 bytes, only 8 present
        bytes.appendHost(UInt16(1))
        bytes.appendHost(UInt32(7))
        let error = capture { _ = try NetlinkAttribute.parse(bytes[...]) }
        #expect(error?.code == .malformedMessage)
        #expect(error?.message.contains("claims 12 bytes") == true)
    }

    @Test func messagesSplitAndRoundTrip() throws {
        let first = NetlinkMessage(type: 36, flags: 5, sequence: 9, portID: 0, payload: [1, 2, 3, 4, 5])
        let second = NetlinkMessage(type: UInt16(NLMSG_DONE), flags: 2, sequence: 10, portID: 0, payload: [0, 0, 0, 0])
        let bytes = first.serialized() + second.serialized()
        #expect(bytes.count == 24 + 20)
        #expect(try NetlinkMessage.parseAll(bytes[...]) == [first, second])
    }

    @Test func truncatedMessageIsMalformed() {
        var bytes = NetlinkMessage(type: 36, flags: 0, payload: [0, 0, 0, 0]).serialized()
        bytes.setHost(UInt32(64), at: 0)
        #expect(throws: NetlinkShapingError.self) { try NetlinkMessage.parseAll(bytes[...]) }
    }

    @Test func errorMessageCarriesErrnoAndExtendedAckText() throws {
        var payload: [UInt8] = []
        payload.appendHost(Int32(-EEXIST))
        payload += NetlinkMessage(type: 40, flags: 0, payload: []).serialized()   // echoed header only (capped)
        var tlvs = NetlinkAttributeWriter()
        tlvs.append(UInt16(NLMSGERR_ATTR_MSG.rawValue), string: "Class already exists")
        payload += tlvs.bytes
        let message = NetlinkMessage(type: UInt16(NLMSG_ERROR), flags: UInt16(NLM_F_CAPPED | NLM_F_ACK_TLVS), payload: payload)
        let ack = try NetlinkAcknowledgement(message)
        #expect(ack.errno == EEXIST)
        #expect(ack.message == "Class already exists")
        let error = NetlinkShapingError.kernel(errno: ack.errno, extendedAck: ack.message, summary: "add class 1:10")
        #expect(error.code == .objectExists)
        #expect(error.message == "add class 1:10: File exists (errno 17): Class already exists")
    }

    /// Found by the `netlink` fuzz target: Int32.min as the error code trapped on negation.
    @Test func errorCodesThatAreNoNegativeErrnoAreMalformed() {
        for code in [Int32.min, 1, Int32.max] {
            var payload: [UInt8] = []
            payload.appendHost(code)
            let message = NetlinkMessage(type: UInt16(NLMSG_ERROR), flags: 0, payload: payload)
            #expect(throws: NetlinkShapingError.self) { try NetlinkAcknowledgement(message) }
        }
    }

    @Test func wireStructSizesMatchTheKernelHeaders() {
        #expect(MemoryLayout<tc_u32_sel>.size == U32Filter.selector(flags: 0, hashOffset: 0, hashMask: 0, keys: []).count)
        #expect(MemoryLayout<tc_u32_key>.size == 16)
        #expect(MemoryLayout<tcmsg>.size == TrafficControlRequests.headerLength)
        #expect(MemoryLayout<ifinfomsg>.size == LinkRequests.headerLength)
        #expect(MemoryLayout<tc_htb_opt>.size == 44)
        #expect(MemoryLayout<tc_mirred>.size == 28)
    }

    @Test func handlesPrintLikeTc() {
        #expect(TCHandle(major: 1, minor: 0x10).description == "1:10")
        #expect(TCHandle(major: 1, minor: 0).description == "1:")
        #expect(U32Handle(table: 2, bucket: 0x2a, node: 3).description == "2:2a:3")
        #expect(U32Handle(table: 2, bucket: 0x2a, node: 3).rawValue == 0x0022_A003)
    }

    @Test func burstTicksRoundTrip() {
        let ticks = HTBClass.ticks(bytes: 15_000, rate: 10_000_000)   // 12 ms at 10 Mbit/s
        #expect(ticks == 187_500)
        #expect(HTBClass.bytes(ticks: ticks, rate: 10_000_000) == 15_000)
    }
}
