import ArgumentParser
import EventSourcing
import Foundation
import LabKit
import RadiusKit
import ServiceSupport

extension AetherSim {
    struct Load: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Emulate thousands of DHCP subscribers from one process and measure session setup.",
            discussion: """
                Sends DHCP from --sessions distinct MACs on --interface, Option 82 stamped as the access node \\
                --remote-id would (circuit-id <remote-id>/<n>), at --rate new subscribers per second. A session \\
                is established when its SESSION_START and authorizing POLICY_APPLY are read from the BNG's \\
                event stream (--stream on --redis-socket or --redis); with --no-events, at DHCPACK. \\
                Prints a progress line every second and a report at the end (--json writes it as JSON).

                The peers' ceiling (no BNG): --relay-to KEA --relay-address GIADDR relays the same DHCP over UDP \
                straight to Kea, and --radius-auth/--radius-acct send each bound subscriber's Access-Request and \
                Accounting-Start straight to FreeRADIUS as a BNG would; a session is then established at the \
                Accounting-Response.
                """)

        @Option(help: "Interface towards the BNG.")
        var interface: String

        @Option(help: "Network namespace the interface is in (a name under /run/netns).")
        var namespace: String?

        @Option(help: "Distinct subscribers.")
        var sessions: Int = 1000

        @Option(help: "New subscribers per second.")
        var rate: Double = 200

        @Option(help: "Option 82 remote-id of the emulated access node (the BNG must know it).")
        var remoteID: String

        @Option(help: "Circuit-id prefix; subscriber n gets <prefix><n> (default <remote-id>/).")
        var circuitPrefix: String?

        @Option(help: "Second MAC byte (02:<prefix>:<index>), so generators can share a link.")
        var macPrefix: UInt8 = 0x5a

        @Option(help: "Index of the first subscriber, from 0: subscriber i has MAC index i and circuit <prefix><i + 1>.")
        var firstIndex: Int = 0

        @Option(help: "Seconds from the first DISCOVER until a session must be established.")
        var setupTimeout: Double = 30

        @Option(help: "Seconds each established session is held before RELEASE (default: until the end).")
        var hold: Double?

        @Option(help: "Seconds after a release before the subscriber does a new DORA (churn; needs --hold, --duration).")
        var rejoinAfter: Double?

        @Option(help: "Seconds the run lasts at most.")
        var duration: Double?

        @Flag(help: "Keep the leases at the end instead of releasing them.")
        var noRelease = false

        @Option(help: "At most this many attempts in progress at once (closed loop); default: arrivals follow --rate alone.")
        var maxInFlight: Int?

        @Option(help: "Seed of the transaction IDs.")
        var seed: UInt64 = 1

        @Option(help: "Redis Unix socket of the BNG's event stream.")
        var redisSocket: String?

        @Option(help: "Redis host:port of the BNG's event stream.")
        var redis: String?

        @Option(help: "File holding the Redis password.")
        var redisPasswordFile: String?

        @Option(help: "The BNG's event stream.")
        var stream: String = "bng_events"

        @Flag(help: "Count a session as established at DHCPACK, without reading events.")
        var noEvents = false

        @Option(help: "Write the report as JSON to this file.")
        var json: String?

        @Option(help: "Relay DHCP over UDP straight to this server instead of sending frames (needs --relay-address).")
        var relayTo: String?

        @Option(help: "giaddr and local address of the relay socket (port 67) with --relay-to.")
        var relayAddress: String?

        @Option(help: "RADIUS authentication server a.b.c.d:port: ask RADIUS directly, without a BNG.")
        var radiusAuth: String?

        @Option(help: "RADIUS accounting server a.b.c.d:port (with --radius-auth).")
        var radiusAcct: String?

        @Option(help: "File holding the RADIUS shared secret (with --radius-auth).")
        var radiusSecretFile: String?

        @Option(help: "NAS-Identifier, and the first part of each User-Name <nas>/<remote-id>/<circuit-id> (with --radius-auth).")
        var nasIdentifier: String?

        @Option(help: "NAS-IP-Address (with --radius-auth).")
        var nasIP: String?

        @Option(help: "User-Password of every subscriber (with --radius-auth).")
        var radiusPassword: String?

        func run() async throws {
            let configuration = SubscriberLoadConfiguration(
                interface: interface, sessions: sessions, arrivalRate: rate, remoteID: remoteID, circuitPrefix: circuitPrefix,
                macPrefix: macPrefix, firstIndex: firstIndex, setupTimeout: setupTimeout, hold: hold, rejoinAfter: rejoinAfter,
                duration: duration, releaseAtEnd: !noRelease, seed: seed, relay: try .options(server: relayTo, agent: relayAddress), maxInFlight: maxInFlight)
            let namespacePath = namespace.map { "/run/netns/\($0)" }
            var radius: DirectRADIUS?
            if let settings = try DirectRADIUS.Settings.options(authentication: radiusAuth, accounting: radiusAcct, nasIdentifier: nasIdentifier,
                                                                nasIP: nasIP, password: radiusPassword) {
                guard let radiusSecretFile else { throw ValidationError("--radius-auth needs --radius-secret-file") }
                let secret = try Secret(.file(radiusSecretFile)).resolve(key: "--radius-secret-file", file: "the command line")
                radius = try await DirectRADIUS(settings: settings, secret: RADIUSSecret(secret), inNetworkNamespace: namespacePath)
            }
            var watcher: SessionEventWatcher?
            if !noEvents, radius == nil {
                let endpoint = try SessionEventWatcher.endpoint(socket: redisSocket, address: redis, passwordFile: redisPasswordFile)
                watcher = try SessionEventWatcher(endpoint: endpoint, stream: stream)
            }
            let load = try SubscriberLoad(configuration: configuration, watcher: watcher, radius: radius)
            let signals = Task {
                let signal = await Supervisor.waitForTerminationSignal()
                FileHandle.standardError.write(Data("aether-sim: signal \(signal), ending the run\n".utf8))
                load.stop()
            }
            defer { signals.cancel() }
            let report = try await load.run(inNetworkNamespace: namespacePath) { progress in
                FileHandle.standardError.write(Data((progress.line + "\n").utf8))
            }
            print(report.summary)
            try json.map(report.writeJSON(to:))
            let failed = report.failures.values.reduce(0, +)
            if failed > 0 || report.counters.established == 0 { throw ExitCode(3) }
        }
    }
}
