import ArgumentParser
import Foundation
import Prometheus
import RadiusKit
import ServiceSupport

/// `aether-radius`: a radclient-like command line over RadiusKit, plus a packet decoder.
@main
struct AetherRadius: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "aether-radius",
        abstract: "Send RADIUS requests (attributes by dictionary name) or decode a packet.",
        discussion: """
            Exit status: 0 for Access-Accept, Accounting-Response, CoA-ACK and Disconnect-ACK; \
            1 for Access-Reject and NAKs; 2 when no valid reply came or the input was wrong.
            Example: aether-radius auth --server 198.18.0.1:1812 --secret s3cret User-Name=alice User-Password=pw
            """,
        subcommands: [Auth.self, Acct.self, CoA.self, Disconnect.self, Decode.self])
}

/// What every sending subcommand takes.
struct RequestOptions: ParsableArguments {
    @Option(name: .long, help: "Server as a.b.c.d:port or [v6]:port; repeat for failover, in order of preference.")
    var server: [String]

    @Option(name: .long, help: "Shared secret (or set AETHER_RADIUS_SECRET).")
    var secret: String?

    @Option(name: .long, help: "A FreeRADIUS dictionary file loaded on top of the built-in one.")
    var dictionary: String?

    @Option(name: .long, help: "Seconds to wait before the first retransmission (doubling after).")
    var timeout: Double = 3

    @Option(name: .long, help: "Transmissions per server before failing over.")
    var attempts: Int = 3

    @Flag(name: .long, help: "Print the reply as JSON.")
    var json = false

    @Argument(help: "Attributes as Name=value, by dictionary name (e.g. Acct-Status-Type=Start).")
    var attributes: [String] = []

    func loadDictionary() throws -> RADIUSDictionary {
        guard let dictionary else { return .standard }
        return try RADIUSDictionary.load(contentsOf: dictionary)
    }

    /// Sends `code` with the attributes and prints the reply; exits with the status above.
    func run(_ code: RADIUSCode) async throws {
        let dictionary = try loadDictionary()
        guard let secretText = secret ?? ProcessInfo.processInfo.environment["AETHER_RADIUS_SECRET"] else {
            throw ValidationError("give --secret or set AETHER_RADIUS_SECRET")
        }
        guard !server.isEmpty else { throw ValidationError("give at least one --server") }
        let secret = try RADIUSSecret(secretText)
        var password: [UInt8]?
        var list: [RADIUSAttribute] = []
        for text in attributes {
            let pair = try RADIUSDictionary.parsePair(text)
            if pair.name.lowercased() == "user-password" {
                password = Array(pair.value.utf8)
                continue
            }
            list += try dictionary.encode(pair)
        }
        let request = RADIUSPacket(code: code, identifier: 0, authenticator: RADIUSAuthenticator.random(), attributes: list)
        // The client's own metrics explain a failure (datagrams sent, replies discarded and why).
        let registry = PrometheusCollectorRegistry()
        let servers = server.map { RADIUSServer(name: $0, secret: secret) }
        let client = try RADIUSClient(
            servers: servers,
            configuration: .init(timeout: .milliseconds(Int64(timeout * 1000)), attemptsPerServer: attempts),
            metrics: RADIUSClientMetrics(client: "aether-radius", servers: servers, factory: PrometheusMetricsFactory(registry: registry)))
        let reply: RADIUSPacket
        do {
            reply = try await withRunningService(client) { try await client.send(request, userPassword: password) }
        } catch {
            let counts = registry.emitToString().split(separator: "\n").filter { line in
                !line.hasPrefix("#") && (line.contains("datagrams") || line.contains("discarded")) && !line.hasSuffix(" 0")
            }
            FileHandle.standardError.write(Data(("\(error)\n" + counts.joined(separator: "\n") + "\n").utf8))
            throw ExitCode(2)
        }
        print(PacketReport(reply, dictionary: dictionary).render(json: json))
        let success: Set<RADIUSCode> = [.accessAccept, .accountingResponse, .coaACK, .disconnectACK]
        if !success.contains(reply.code) { throw ExitCode(1) }
    }
}

struct Auth: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Send an Access-Request (User-Password is hidden per server).")
    @OptionGroup var options: RequestOptions
    func run() async throws { try await options.run(.accessRequest) }
}

struct Acct: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Send an Accounting-Request.")
    @OptionGroup var options: RequestOptions
    func run() async throws { try await options.run(.accountingRequest) }
}

struct CoA: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "coa", abstract: "Send a CoA-Request (RFC 5176).")
    @OptionGroup var options: RequestOptions
    func run() async throws { try await options.run(.coaRequest) }
}

struct Disconnect: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Send a Disconnect-Request (RFC 5176).")
    @OptionGroup var options: RequestOptions
    func run() async throws { try await options.run(.disconnectRequest) }
}

struct Decode: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Decode a packet given in hex and print it as JSON.")

    @Argument(help: "The packet in hex; spaces, colons and a 0x prefix are ignored.")
    var hex: String

    @Option(name: .long, help: "A FreeRADIUS dictionary file loaded on top of the built-in one.")
    var dictionary: String?

    func run() throws {
        let dictionary = try dictionary.map { try RADIUSDictionary.load(contentsOf: $0) } ?? .standard
        var digits = hex.filter { !$0.isWhitespace && $0 != ":" }
        if digits.hasPrefix("0x") { digits.removeFirst(2) }
        guard digits.count % 2 == 0 else { throw ValidationError("odd number of hex digits") }
        var bytes: [UInt8] = []
        var index = digits.startIndex
        while index < digits.endIndex {
            let next = digits.index(index, offsetBy: 2)
            guard let byte = UInt8(digits[index..<next], radix: 16) else { throw ValidationError("'\(digits[index..<next])' is not hex") }
            bytes.append(byte)
            index = next
        }
        let packet = try RADIUSPacket(bytes: bytes)
        print(PacketReport(packet, dictionary: dictionary).render(json: true))
    }
}

/// A packet as printed: code, identifier, authenticator and named attributes.
struct PacketReport: Encodable {
    var code: String
    var codeNumber: UInt8
    var identifier: UInt8
    var length: Int
    var authenticator: String
    var attributes: [RADIUSNamedValue]

    init(_ packet: RADIUSPacket, dictionary: RADIUSDictionary) {
        code = packet.code.description
        codeNumber = packet.code.rawValue
        identifier = packet.identifier
        length = packet.length
        authenticator = packet.authenticator.map { String(format: "%02x", $0) }.joined()
        attributes = dictionary.describe(packet)
    }

    func render(json: Bool) -> String {
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            return (try? encoder.encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        }
        return (["Received \(code) Id \(identifier) length \(length)"] + attributes.map { "\t\($0)" }).joined(separator: "\n")
    }
}
