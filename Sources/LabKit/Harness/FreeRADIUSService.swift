import EventSourcing
import Foundation
import NetworkTypes

/// FreeRADIUS 3 in the services namespace with the `sql` module on the harness's PostgreSQL
/// (`radius` database, FreeRADIUS's own schema), clients limited to the services network and
/// loopback, and one generated shared secret.
struct FreeRADIUSService {
    let configuration: HarnessConfiguration
    let secrets: HarnessSecrets
    let postgres: PostgresService

    static let systemConfiguration = "/etc/freeradius/3.0"

    var directory: String { Self.directory(in: configuration.stateDirectory) }
    var configurationDirectory: String { Self.configurationDirectory(in: configuration.stateDirectory) }
    static func directory(in stateDirectory: String) -> String { stateDirectory + "/radius" }
    static func configurationDirectory(in stateDirectory: String) -> String { directory(in: stateDirectory) + "/raddb" }
    var runDirectory: String { directory + "/run" }
    var logDirectory: String { directory + "/log" }
    var pidPath: String { runDirectory + "/freeradius.pid" }

    var clientNetworks: [IPv4Network] {
        [IPv4Network(containing: .loopback, prefixLength: 32), configuration.servicesNetwork]
    }

    var process: ProcessHandle? {
        StateFiles.read(pidPath).flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
            .flatMap(ProcessHandle.init(pid:))
    }

    func start() async throws {
        try initializeSchema()
        if let process, process.isAlive, isListening(process) { return }
        await process?.terminate()
        try await writeConfiguration()
        let namespace = configuration.servicesNamespace
        let check = try await namespace.run(["freeradius", "-C", "-d", configurationDirectory])
        guard check.succeeded else {
            throw LabKitError(.invalidConfiguration, "FreeRADIUS rejected \(configurationDirectory): " +
                              check.standardOutput.split(separator: "\n").suffix(6).joined(separator: "\n"))
        }
        // Without -f FreeRADIUS daemonizes and writes its pid file into run_dir.
        try await namespace.check(["freeradius", "-d", configurationDirectory])
        try await Readiness.wait(for: "FreeRADIUS on \(configuration.servicesAddress):1812") {
            guard let process else { return false }
            return isListening(process)
        }
    }

    func stop() async {
        await process?.terminate()
    }

    /// The kernel's own view: the daemon's namespace has UDP 1812 bound (read via /proc/<pid>/net/udp).
    func isListening(_ process: ProcessHandle) -> Bool {
        guard let table = StateFiles.read("/proc/\(process.pid)/net/udp") else { return false }
        return table.split(separator: "\n").dropFirst().contains { line in
            let fields = line.split(separator: " ")
            return fields.count > 1 && fields[1].hasSuffix(":0714")   // 1812 in hex
        }
    }

    private func initializeSchema() throws {
        let info = postgres.connectionInfo(database: "radius", user: "radius", password: secrets.radiusDatabase)
        let connection = try PostgresConnection(info)
        let present = try connection.query("SELECT to_regclass('public.radcheck') IS NOT NULL AS present")
        if try present.value("present") == "t" { return }
        let schemaPath = Self.systemConfiguration + "/mods-config/sql/main/postgresql/schema.sql"
        guard let schema = StateFiles.read(schemaPath) else {
            throw LabKitError(.executableNotFound, "\(schemaPath) is missing; run `make deps` (freeradius-postgresql)")
        }
        try connection.execute(script: schema)
    }

    /// A private copy of Debian's configuration with the edits the harness needs.
    private func writeConfiguration() async throws {
        try StateFiles.makeDirectory(directory, mode: 0o700)
        if !StateFiles.exists(configurationDirectory + "/radiusd.conf") {
            try await CommandRunner.check(["cp", "-a", Self.systemConfiguration, configurationDirectory])
        }
        try StateFiles.makeDirectory(runDirectory, mode: 0o700)
        try StateFiles.makeDirectory(logDirectory + "/radacct", mode: 0o700)

        try edit("radiusd.conf") { text in
            var text = text
            text = text.replacingLines(matching: "logdir = ", with: "logdir = \(logDirectory)")
            text = text.replacingLines(matching: "run_dir = ", with: "run_dir = \(runDirectory)")
            // Run as root: the state folder may sit where the freerad user cannot read.
            text = text.replacingLines(matching: "\tuser = freerad", with: "")
            text = text.replacingLines(matching: "\tgroup = freerad", with: "")
            // Rejects are answered at once; the 1 s default only slows tests and simulated load.
            text = text.replacingLines(matching: "\treject_delay = ", with: "\treject_delay = 0")
            return text
        }
        try edit("mods-available/sql") { text in
            var text = text
            text = text.replacingLines(matching: "\tdialect = ", with: "\tdialect = \"postgresql\"")
            text = text.replacingLines(matching: "\tdriver = \"rlm_sql_null\"", with: "\tdriver = \"rlm_sql_${dialect}\"")
            text = text.replacingLines(matching: "\tradius_db = ", with:
                "\tradius_db = \"host=\(postgres.socketDirectory) port=\(configuration.postgresPort) dbname=radius user=radius password=\(secrets.radiusDatabase)\"")
            return text
        }
        // radacct has a Class column (3.0.22+) but the stock queries leave it out; RFC 2865 §5.25
        // has the NAS echo Class in accounting, and the OSS reads the plan from it.
        try edit("mods-config/sql/main/postgresql/queries.conf") { text in
            var text = text
            text = text.replacingLines(matching: "\tcolumn_name =", with: "\tcolumn_name = \", Class\"")
            text = text.replacingLines(matching: "\tpacket_xlat =", with: "\tpacket_xlat = \", '%{Class}'\"")
            text = text.replacingLines(matching: "\treply_xlat =", with: "\treply_xlat = \", '%{reply:Class}'\"")
            return text
        }
        // FreeRADIUS 3.2.1 predates the Blast-RADIUS fixes and signs no reply on its own (nor
        // an Accounting-Response, which RadiusKit also requires to be signed, SPEC §8); a
        // Message-Authenticator placed in the reply list is computed when the reply is encoded.
        try edit("sites-available/default") { text in
            var text = text
            for section in ["post-auth {", "\tPost-Auth-Type REJECT {", "accounting {"] where !text.contains(section + "\n" + Self.signReplies) {
                text = text.replacingLines(matching: section, with: section + "\n" + Self.signReplies)
            }
            return text
        }
        // Vendor 43242 (SPEC §3): without it FreeRADIUS cannot store or return those attributes.
        try StateFiles.write(Self.aetherDictionary, to: configurationDirectory + "/dictionary.aether", mode: 0o640)
        try edit("dictionary") { text in
            text.contains("$INCLUDE dictionary.aether") ? text : text + "\n$INCLUDE dictionary.aether\n"
        }
        let link = configurationDirectory + "/mods-enabled/sql"
        if !StateFiles.exists(link) {
            try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: "../mods-available/sql")
        }
        let clients = clientNetworks.enumerated().map { index, network in
            """
            client aether_\(index) {
            \tipaddr = \(network)
            \tsecret = \(secrets.radiusShared)
            \trequire_message_authenticator = yes
            \tnas_type = other
            }
            """
        }.joined(separator: "\n")
        try StateFiles.write(clients + "\n", to: configurationDirectory + "/clients.conf", mode: 0o600)
    }

    static let aetherDictionary = """
        # Aether rate attributes (vendor 43242): rates in kbit/s, bursts in kbit.
        VENDOR Aether 43242
        BEGIN-VENDOR Aether
        ATTRIBUTE Aether-Download-Rate 1 integer
        ATTRIBUTE Aether-Upload-Rate 2 integer
        ATTRIBUTE Aether-Download-Burst 3 integer
        ATTRIBUTE Aether-Upload-Burst 4 integer
        END-VENDOR Aether

        """

    static let signReplies = "\t\tupdate reply {\n\t\t\tMessage-Authenticator := 0x00\n\t\t}"

    private func edit(_ relativePath: String, _ transform: (String) -> String) throws {
        let path = configurationDirectory + "/" + relativePath
        guard let text = StateFiles.read(path) else {
            throw LabKitError(.stateUnreadable, "\(path) is missing from the FreeRADIUS copy")
        }
        try StateFiles.write(transform(text), to: path, mode: 0o640)
    }
}

extension String {
    /// Replaces every line that starts with `prefix` (leading whitespace included) by `replacement`.
    func replacingLines(matching prefix: String, with replacement: String) -> String {
        split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.hasPrefix(prefix) ? Substring(replacement) : $0 }
            .joined(separator: "\n")
    }
}

extension ServiceEndpoints {
    /// The harness's FreeRADIUS configuration directory: `radclient -d` there knows the Aether
    /// vendor dictionary (43242) as well as the standard ones.
    public var radiusDictionaryDirectory: String { FreeRADIUSService.configurationDirectory(in: stateDirectory) }
}
