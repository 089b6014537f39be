import Foundation
import NetworkTypes
import RadiusKit
import ServiceSupport
import Synchronization

/// The RADIUS half of the peers' ceiling: what a BNG asks of RADIUS for each new session, asked
/// straight from the load generator, so a benchmark can measure what Kea and FreeRADIUS manage
/// on their own with no BNG in the way.
///
/// For every subscriber that gets its DHCPACK the generator hands over its MAC, address and
/// circuit; this sends the Access-Request a BNG sends (the same attributes as aether-bng's) and,
/// once accepted, the Accounting-Request Start, and reports the session established when the
/// Accounting-Response arrives (rejected on Access-Reject). Requests run concurrently on two
/// ``RADIUSClient``s (authentication and accounting), bounded by the clients' own limits.
public final class DirectRADIUS: Sendable {
    /// Who the generator pretends to be and where RADIUS is.
    public struct Settings: Sendable, Hashable, Codable {
        /// Authentication server, `a.b.c.d:port`.
        public var authentication: String
        /// Accounting server, `a.b.c.d:port`.
        public var accounting: String
        /// NAS-Identifier, and the first part of every User-Name (`<nas>/<remote-id>/<circuit-id>`,
        /// aether-bng's default format).
        public var nasIdentifier: String
        /// NAS-IP-Address.
        public var nasIPAddress: IPv4Address
        /// The User-Password of every subscriber.
        public var password: String

        public init(authentication: String, accounting: String, nasIdentifier: String, nasIPAddress: IPv4Address, password: String) {
            self.authentication = authentication
            self.accounting = accounting
            self.nasIdentifier = nasIdentifier
            self.nasIPAddress = nasIPAddress
            self.password = password
        }

        /// From the command line's `--radius-*`, `--nas-identifier` and `--nas-ip` (all or none:
        /// `nil` without `--radius-auth`).
        public static func options(authentication: String?, accounting: String?, nasIdentifier: String?, nasIP: String?,
                                   password: String?) throws -> Settings? {
            guard let authentication else { return nil }
            guard let accounting, let nasIdentifier, let nasIP, let password else {
                throw LabKitError(.invalidConfiguration,
                                  "load: --radius-auth needs --radius-acct, --radius-secret-file, --nas-identifier, --nas-ip and --radius-password")
            }
            return Settings(authentication: authentication, accounting: accounting, nasIdentifier: nasIdentifier,
                            nasIPAddress: try IPv4Address.option(nasIP, "--nas-ip"), password: password)
        }
    }

    /// One session to start.
    struct Request: Sendable {
        var mac: MACAddress
        var address: IPv4Address
        var remoteID: String
        var circuitID: String
    }

    public let settings: Settings
    private let authentication: RADIUSClient
    private let accounting: RADIUSClient
    private let requests: AsyncStream<Request>
    private let submissions: AsyncStream<Request>.Continuation
    private let inbox = Mutex<[SessionEventWatcher.Observation]>([])
    private let task = Mutex<Task<Void, Never>?>(nil)

    /// Opens the clients' sockets in the network namespace at `namespacePath` when given (so
    /// RADIUS sees the NAS address it knows), else in the caller's.
    public init(settings: Settings, secret: RADIUSSecret, inNetworkNamespace namespacePath: String? = nil) async throws {
        self.settings = settings
        // One try per request and a timeout past any queue: a ceiling counts what the servers
        // answer, not what retransmissions add.
        let configuration = RADIUSClient.Configuration(timeout: .seconds(10), attemptsPerServer: 1, sourcePorts: 8)
        let make: @Sendable () throws -> (RADIUSClient, RADIUSClient) = {
            func client(_ label: String, _ name: String) throws -> RADIUSClient {
                let servers = [RADIUSServer(name: name, secret: secret)]
                return try RADIUSClient(servers: servers, configuration: configuration,
                                        metrics: RADIUSClientMetrics(client: label, servers: servers))
            }
            return (try client("load-auth", settings.authentication), try client("load-acct", settings.accounting))
        }
        let clients = if let namespacePath {
            try await DedicatedThread.run(name: "load-radius-ns", inNetworkNamespace: namespacePath, make)
        } else {
            try make()
        }
        (authentication, accounting) = clients
        (requests, submissions) = AsyncStream.makeStream(of: Request.self)
    }

    /// Starts the clients and the request loop.
    public func start() {
        let (authentication, accounting, requests) = (authentication, accounting, requests)
        let task = Task { [self] in
            await withDiscardingTaskGroup { group in
                group.addTask { try? await authentication.run() }
                group.addTask { try? await accounting.run() }
                for await request in requests {
                    group.addTask { await self.startSession(request) }
                }
                authentication.shutdown()
                accounting.shutdown()
            }
        }
        self.task.withLock { $0 = task }
    }

    /// Stops taking requests, fails the outstanding ones and waits for the clients.
    public func stop() async {
        submissions.finish()
        await task.withLock { $0 }?.value
    }

    /// Asks RADIUS for the session of a subscriber that has its lease (from the generator's thread).
    func submit(_ request: Request) { submissions.yield(request) }

    /// Everything decided since the last call: `started` + `authorized`, or `started` + `rejected`.
    func take() -> [SessionEventWatcher.Observation] {
        inbox.withLock { observations in
            defer { observations.removeAll(keepingCapacity: true) }
            return observations
        }
    }

    private func startSession(_ request: Request) async {
        let sessionID = UUID()
        let userName = "\(settings.nasIdentifier)/\(request.remoteID)/\(request.circuitID)"
        let callingStation = request.mac.description.uppercased().replacingOccurrences(of: ":", with: "-")
        let common: [RADIUSAttribute] = [
            .string(.nasIdentifier, settings.nasIdentifier),
            .ipv4Address(.nasIPAddress, settings.nasIPAddress),
            .string(.nasPortID, request.circuitID),
            .integer(.nasPortType, 15),
        ]
        let now = UInt32(clamping: Int(Date().timeIntervalSince1970))
        do {
            let reply = try await authentication.authenticate(userName: userName, password: settings.password, attributes: common + [
                .integer(.serviceType, 2),
                .string(.callingStationID, callingStation),
                .ipv4Address(.framedIPAddress, request.address),
                .string(.acctSessionID, sessionID.uuidString.lowercased()),
                .date(.eventTimestamp, secondsSince1970: now),
            ])
            deliver(request.mac, sessionID, .started)
            guard reply.code == .accessAccept else {
                deliver(request.mac, sessionID, .rejected)
                return
            }
            let classes = reply.attributes.filter { $0.type == .class }
            let record = RADIUSAccountingRecord(
                statusType: .start, sessionID: sessionID.uuidString.lowercased(), userName: userName,
                inputOctets: 0, outputOctets: 0, inputPackets: 0, outputPackets: 0, eventTimestamp: now,
                attributes: common + [.string(.callingStationID, callingStation), .ipv4Address(.framedIPAddress, request.address)] + classes)
            _ = try await accounting.account(record)
            deliver(request.mac, sessionID, .authorized)
        } catch {
            // Unanswered: the generator's setup timer fails the attempt (no_session_start / no_policy_apply).
        }
    }

    private func deliver(_ mac: MACAddress, _ sessionID: UUID, _ kind: SessionEventWatcher.Observation.Kind) {
        let observation = SessionEventWatcher.Observation(mac: mac, sessionID: sessionID, kind: kind, readAt: .now)
        inbox.withLock { $0.append(observation) }
    }
}
