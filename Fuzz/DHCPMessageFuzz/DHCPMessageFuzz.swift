import DHCPKit

/// libFuzzer entry: any bytes either parse (and then re-encode to exactly themselves, and every
/// typed accessor and Option 82 survives) or throw a `DHCPKitError`; nothing may crash.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let message = try? DHCPMessage(parsing: bytes) else { return 0 }
    precondition(message.encoded() == bytes, "parse-then-encode changed the bytes")
    _ = message.messageType
    _ = message.leaseTime
    _ = message.serverIdentifier
    _ = message.parameterRequestList
    _ = message.clientIdentifier
    _ = message.hostName
    _ = message.routers
    _ = message.domainNameServers
    if let information = try? message.relayAgentInformation() {
        _ = information.circuitID
        _ = try? information.encoded()
        var stripped = message
        stripped.stripRelayAgentInformation()
        _ = stripped.encoded()
    }
    _ = try? DHCPMessageDocument(message).message()
    return 0
}
