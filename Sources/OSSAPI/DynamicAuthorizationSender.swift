import Foundation
import Logging
import NetworkTypes
import RadiusKit
import ServiceSupport

/// Sends RFC 5176 Disconnect-Requests and CoA-Requests to the BNG that owns a session, over
/// RadiusKit's client (Message-Authenticator on every request, required on every reply).
///
/// A session's BNG is reached at its NAS-IP-Address on the CoA port unless `targets` names an
/// `address:port` for that BNG (a BNG whose CoA listener is on a management address).
public struct DynamicAuthorizationSender: Sendable {
    /// A session to act on.
    public struct Session: Sendable, Hashable {
        public var sessionID: String
        public var bngID: String
        public var nasIP: String
        public var username: String?

        public init(sessionID: String, bngID: String, nasIP: String, username: String?) {
            self.sessionID = sessionID
            self.bngID = bngID
            self.nasIP = nasIP
            self.username = username
        }
    }

    public var secret: RADIUSSecret
    public var port: UInt16
    public var targets: [String: String]
    public var configuration: RADIUSClient.Configuration
    /// The network namespace (`/run/netns/<name>`) whose sockets send the requests, when the BNGs
    /// are reachable only there (the lab's services network); `nil`: this process's own.
    public var networkNamespace: String?
    let logger: Logger

    /// A sender; `timeout` per transmission, `attempts` transmissions before `timeout` is reported.
    public init(secret: RADIUSSecret, port: UInt16 = 3799, targets: [String: String] = [:], timeout: Duration = .seconds(2),
                attempts: Int = 2, networkNamespace: String? = nil, logger: Logger = Logger(label: "aether.api.coa")) {
        self.secret = secret
        self.networkNamespace = networkNamespace
        self.port = port
        self.targets = targets
        configuration = RADIUSClient.Configuration(timeout: timeout, maximumTimeout: timeout, attemptsPerServer: attempts, sourcePorts: 1)
        self.logger = logger
    }

    /// Where requests for `session` go.
    public func target(for session: Session) -> String { targets[session.bngID] ?? "\(session.nasIP):\(port)" }

    /// Ends each session; results in the order given.
    public func disconnect(_ sessions: [Session]) async -> [DynamicAuthorizationResult] {
        await send(sessions, request: "Disconnect-Request") { client, session throws(RADIUSError) in
            try await client.disconnect(Self.identification(of: session))
        }
    }

    /// Changes the rates of each session in place; `rates` names what changes.
    public func changeRates(_ sessions: [Session], to rates: RADIUSRateLimits) async -> [DynamicAuthorizationResult] {
        let attributes: [RADIUSAttribute]
        do {
            attributes = try rates.aetherAttributes()
        } catch {
            return sessions.map { DynamicAuthorizationResult(sessionID: $0.sessionID, bngID: $0.bngID, target: target(for: $0),
                                                             request: "CoA-Request", outcome: "error", detail: "\(error)") }
        }
        return await send(sessions, request: "CoA-Request") { client, session throws(RADIUSError) in
            try await client.changeAuthorization(Self.identification(of: session) + attributes)
        }
    }

    static func identification(of session: Session) -> [RADIUSAttribute] {
        var attributes: [RADIUSAttribute] = [.string(.acctSessionID, session.sessionID)]
        if let address = IPv4Address(session.nasIP) { attributes.append(.ipv4Address(.nasIPAddress, address)) }
        if let username = session.username { attributes.append(.string(.userName, username)) }
        // RFC 5176 §3.4: lets the BNG refuse a replayed request.
        attributes.append(.date(.eventTimestamp, secondsSince1970: UInt32(clamping: Int(Date().timeIntervalSince1970))))
        return attributes
    }

    /// One client per target, its requests concurrent, the targets concurrent too.
    private func send(_ sessions: [Session], request: String,
                      _ body: @escaping @Sendable (RADIUSClient, Session) async throws(RADIUSError) -> RADIUSPacket) async -> [DynamicAuthorizationResult] {
        let byTarget = Dictionary(grouping: sessions.indices, by: { target(for: sessions[$0]) })
        var results = [DynamicAuthorizationResult?](repeating: nil, count: sessions.count)
        await withTaskGroup(of: [(Int, DynamicAuthorizationResult)].self) { group in
            for (target, indices) in byTarget {
                group.addTask {
                    await sendAll(indices.map { ($0, sessions[$0]) }, to: target, request: request, body)
                }
            }
            for await batch in group { for (index, result) in batch { results[index] = result } }
        }
        return results.compactMap { $0 }
    }

    private func sendAll(_ sessions: [(Int, Session)], to target: String, request: String,
                         _ body: @escaping @Sendable (RADIUSClient, Session) async throws(RADIUSError) -> RADIUSPacket) async -> [(Int, DynamicAuthorizationResult)] {
        func failure(_ session: Session, _ outcome: String, _ detail: String) -> DynamicAuthorizationResult {
            DynamicAuthorizationResult(sessionID: session.sessionID, bngID: session.bngID, target: target, request: request,
                                       outcome: outcome, detail: detail)
        }
        let client: RADIUSClient
        do {
            let (secret, configuration, logger) = (secret, configuration, logger)
            let make: @Sendable () throws -> RADIUSClient = {
                try RADIUSClient(servers: [RADIUSServer(name: target, secret: secret)], configuration: configuration, logger: logger)
            }
            if let networkNamespace {
                client = try await DedicatedThread.run(name: "coa-netns", inNetworkNamespace: "/run/netns/\(networkNamespace)", make)
            } else {
                client = try make()
            }
        } catch {
            return sessions.map { ($0.0, failure($0.1, "error", "cannot reach \(target): \(error)")) }
        }
        do {
            return try await withRunningService(client) {
                await withTaskGroup(of: (Int, DynamicAuthorizationResult).self) { group in
                    for (index, session) in sessions {
                        group.addTask {
                            do throws(RADIUSError) {
                                let reply = try await body(client, session)
                                let acknowledged = reply.code == .disconnectACK || reply.code == .coaACK
                                let cause = reply.attributes(ofType: .errorCause).first.flatMap { try? $0.integerValue() }
                                let result = DynamicAuthorizationResult(
                                    sessionID: session.sessionID, bngID: session.bngID, target: target, request: request,
                                    outcome: acknowledged ? "ack" : "nak", reply: reply.code.description,
                                    errorCause: cause.map(Int64.init), detail: cause.map { RADIUSErrorCause(rawValue: $0).description })
                                return (index, result)
                            } catch {
                                let timedOut = error.code == .requestTimedOut
                                return (index, failure(session, timedOut ? "timeout" : "error",
                                                       timedOut ? "no reply from \(target)" : "\(error)"))
                            }
                        }
                    }
                    var collected: [(Int, DynamicAuthorizationResult)] = []
                    for await result in group { collected.append(result) }
                    return collected
                }
            }
        } catch {
            return sessions.map { ($0.0, failure($0.1, "error", "\(error)")) }
        }
    }
}
