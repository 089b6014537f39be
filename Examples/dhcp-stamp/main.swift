// dhcp-stamp: what an access node does to a client's DHCP message, in a dozen lines of DHCPKit.
// Reads a DHCP message as hex on standard input, adds Option 82 (circuit-id, remote-id) as
// RFC 3046 asks (last before End, never twice), prints the new message as hex.
//   usage: dhcp-stamp <circuit-id> <remote-id> < message.hex
import DHCPKit
import Foundation

let arguments = CommandLine.arguments
guard arguments.count == 3 else {
    FileHandle.standardError.write(Data("usage: dhcp-stamp <circuit-id> <remote-id> < message.hex\n".utf8))
    exit(2)
}
let hex = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self).filter(\.isHexDigit)
let bytes = stride(from: 0, to: hex.count - 1, by: 2).compactMap { offset -> UInt8? in
    let start = hex.index(hex.startIndex, offsetBy: offset)
    return UInt8(hex[start...hex.index(after: start)], radix: 16)
}
do {
    var message = try DHCPMessage(parsing: bytes)
    let option82 = RelayAgentInformation(circuitID: RelayAgentIdentifier(text: arguments[1]),
                                         remoteID: RelayAgentIdentifier(text: arguments[2]))
    try message.insertRelayAgentInformation(option82, maximumLength: 576)
    print(message.encoded().map { String(format: "%02x", $0) }.joined())
} catch {
    FileHandle.standardError.write(Data("dhcp-stamp: \(error)\n".utf8))
    exit(1)
}
