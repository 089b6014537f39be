import DHCPKit
import Glibc
import NetworkTypes
import Testing

@Suite("UDPSocket on the loopback")
struct UDPSocketTests {
    /// Waits (bounded) until `socket` has a datagram: the loopback delivers at once, poll makes it certain.
    static func waitReadable(_ socket: UDPSocket) -> Bool {
        var descriptor = pollfd(fd: socket.fileDescriptor, events: Int16(POLLIN), revents: 0)
        return poll(&descriptor, 1, 5000) == 1
    }

    @Test func receiveIntoReusesOneBufferAndReportsLengthAndSender() throws {
        let loopback = IPv4Address(127, 0, 0, 1)
        let receiver = try UDPSocket(address: loopback, port: 16_767)
        let sender = try UDPSocket(address: loopback, port: 16_768)
        var buffer = [UInt8](repeating: 0xEE, count: 8)
        #expect(try receiver.receive(into: &buffer) == nil)

        try sender.send([1, 2, 3, 4, 5], to: loopback, port: 16_767)
        #expect(Self.waitReadable(receiver))
        let first = try #require(try receiver.receive(into: &buffer))
        #expect(first.length == 5 && first.source == loopback && first.port == 16_768)
        #expect(Array(buffer[..<5]) == [1, 2, 3, 4, 5])

        // Longer than the buffer: cut to it, the buffer keeps its size.
        try sender.send(Array(10..<30), to: loopback, port: 16_767)
        #expect(Self.waitReadable(receiver))
        let second = try #require(try receiver.receive(into: &buffer))
        #expect(second.length == 8 && buffer == Array(10..<18))

        try sender.send([9], to: loopback, port: 16_767)
        #expect(Self.waitReadable(receiver))
        let third = try #require(try receiver.receive())
        #expect(third.payload == [9])
    }
}
