import BNGKit
import DHCPKit
import Foundation
import NetworkTypes
import OSSKit
import Yams

/// The same lab as a containerlab topology, for users with Docker or labs spread over hosts:
/// one `linux` node per host, access node, BNG, aggregation segment, the upstream and the
/// services, wired as the namespace lab is, with Dockerfiles, the generated configurations,
/// start scripts and a README.
///
/// Everything is a pure function of the topology, so the committed copy in
/// `Examples/containerlab/` can be regenerated and compared byte for byte. Nothing secret is in
/// it: `generate-secrets.sh` writes `secrets/` at deploy time, and every configuration reads
/// its secrets from files there.
public struct ContainerlabExport: Sendable {
    public let topology: LabTopology
    /// The topology file's name as the README mentions it.
    public let sourceName: String

    public init(topology: LabTopology, sourceName: String) {
        self.topology = topology
        self.sourceName = sourceName
    }

    /// The management network (the namespace lab's services network): services at `.1`, BNGs
    /// from `.101`, as in the namespace lab.
    static let servicesAddress = IPv4Address(198, 18, 0, 1)
    static let servicesPrefix = 24
    static let images = ["bng", "relay", "host", "services"]
    /// The binaries each image carries (built with the static Swift standard library).
    static let binaries: [String: [String]] = [
        "bng": ["aether-bng"], "relay": ["aether-relay"], "host": [], "services": ["aether-ingestor", "aether-api", "aether-sim"],
    ]

    func bngNumber(_ id: String) -> Int { (topology.bngs.firstIndex { $0.id == id } ?? 0) + 1 }
    func bngAddress(_ id: String) -> IPv4Address { Self.servicesAddress.advanced(by: 100 + bngNumber(id)) }

    /// Every file, by path relative to the output folder (executable ones flagged).
    public func files() throws -> [(path: String, text: String, executable: Bool)] {
        var files: [(String, String, Bool)] = []
        files.append(("topology.clab.yml", try clabTopology(), false))
        files.append(("README.md", readme, false))
        files.append(("build-images.sh", buildScript, true))
        files.append(("generate-secrets.sh", secretsScript, true))
        files.append(("configs/lib.sh", libraryScript, false))
        for image in Self.images { files.append(("images/\(image)/Dockerfile", dockerfile(image), false)) }
        for bng in topology.bngs {
            files.append(("configs/\(bng.id)/bng.yaml", try bngConfiguration(bng), false))
            files.append(("configs/\(bng.id)/start.sh", bngStart(bng), true))
            files.append(("configs/agg-\(bng.id)/start.sh", switchStart(ports: topology.accessNodes(of: bng.id).count + 1), true))
        }
        for node in topology.accessNodes {
            files.append(("configs/\(node.id)/relay.json", try relayConfiguration(node), false))
            files.append(("configs/\(node.id)/start.sh", relayStart(node), true))
        }
        for host in topology.hosts { files.append(("configs/\(host.name)/start.sh", hostStart(host), true)) }
        files.append(("configs/wan/start.sh", switchStart(ports: topology.bngs.count + 1), true))
        files.append(("configs/mgmt/start.sh", switchStart(ports: topology.bngs.count + 1), true))
        files.append(("configs/upstream/start.sh", upstreamStart, true))
        files.append(("configs/upstream/www/index.html", "<!doctype html><title>\(topology.upstream.domain)</title>\n<h1>The Aether lab's upstream</h1>\n", false))
        files.append(("configs/services/start.sh", servicesStart, true))
        files.append(("configs/services/kea-dhcp4.json", try keaConfiguration(), false))
        files.append(("configs/services/kea-ctrl-agent.json", keaAgentConfiguration, false))
        files.append(("configs/services/oss.yaml", try ossConfiguration(), false))
        files.append(("configs/services/access-routers.sql", accessRoutersSQL, false))
        files.append(("configs/services/clients.conf", radiusClients, false))
        files.append(("configs/services/dictionary.aether", FreeRADIUSService.aetherDictionary, false))
        return files.sorted { $0.0 < $1.0 }.map { (path: $0.0, text: $0.1, executable: $0.2) }
    }

    /// Writes every file under `directory` (created), replacing what a previous export wrote.
    public func write(to directory: String) throws {
        for file in try files() {
            let path = directory + "/" + file.path
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try Data(file.text.utf8).write(to: URL(fileURLWithPath: path))
            chmod(path, file.executable ? 0o755 : 0o644)
        }
    }

    // MARK: The topology

    func clabTopology() throws -> String {
        var nodes: [(String, [String: Any])] = []
        func node(_ name: String, image: String, binds: [String], extra: [String: Any] = [:]) {
            var config: [String: Any] = ["kind": "linux", "image": "aether-lab/\(image):latest", "binds": binds,
                                         "cmd": "/bin/sh /etc/aether/start.sh"]
            for (key, value) in extra { config[key] = value }
            nodes.append((name, config))
        }
        let common = ["configs/lib.sh:/etc/aether/lib.sh:ro"]
        node("services", image: "services", binds: ["configs/services:/etc/aether/services:ro", "configs/services/start.sh:/etc/aether/start.sh:ro",
                                                    "secrets:/etc/aether/secrets:ro"] + common)
        node("mgmt", image: "host", binds: ["configs/mgmt/start.sh:/etc/aether/start.sh:ro"] + common)
        node("wan", image: "host", binds: ["configs/wan/start.sh:/etc/aether/start.sh:ro"] + common)
        node("upstream", image: "host", binds: ["configs/upstream:/etc/aether/upstream:ro", "configs/upstream/start.sh:/etc/aether/start.sh:ro"] + common)
        for bng in topology.bngs {
            node(bng.id, image: "bng", binds: ["configs/\(bng.id):/etc/aether/node:ro", "configs/\(bng.id)/start.sh:/etc/aether/start.sh:ro",
                                                "secrets:/etc/aether/secrets:ro"] + common,
                 extra: ["sysctls": ["net.ipv4.ip_forward": "1"]])
            node("agg-\(bng.id)", image: "host", binds: ["configs/agg-\(bng.id)/start.sh:/etc/aether/start.sh:ro"] + common)
        }
        for access in topology.accessNodes {
            node(access.id, image: "relay", binds: ["configs/\(access.id):/etc/aether/node:ro", "configs/\(access.id)/start.sh:/etc/aether/start.sh:ro"] + common)
        }
        for host in topology.hosts {
            node(host.name, image: "host", binds: ["configs/\(host.name)/start.sh:/etc/aether/start.sh:ro"] + common)
        }

        var links: [[String: Any]] = []
        func link(_ a: String, _ b: String) { links.append(["endpoints": [a, b]]) }
        for (index, bng) in topology.bngs.enumerated() {
            link("\(bng.id):eth1", "agg-\(bng.id):eth1")
            link("\(bng.id):eth2", "wan:eth\(index + 1)")
            link("\(bng.id):eth3", "mgmt:eth\(index + 1)")
            for (position, access) in topology.accessNodes(of: bng.id).enumerated() {
                link("\(access.id):eth\(access.ports + 1)", "agg-\(bng.id):eth\(position + 2)")
            }
        }
        link("upstream:eth1", "wan:eth\(topology.bngs.count + 1)")
        link("services:eth1", "mgmt:eth\(topology.bngs.count + 1)")
        for host in topology.hosts {
            // The host's MAC is fixed on its end of the link (the same one the namespace lab uses).
            links.append(["type": "veth", "endpoints": [
                ["node": host.name, "interface": "eth1", "mac": host.mac.description],
                ["node": host.accessNode, "interface": "eth\(host.port)"],
            ]])
        }
        let root: [String: Any] = ["name": topology.name, "topology": ["nodes": Dictionary(uniqueKeysWithValues: nodes), "links": links]]
        let header = """
            # Generated by `aether-lab export containerlab` from \(sourceName); do not edit (re-export instead).
            # Deploy: see README.md next to this file.

            """
        return header + (try Yams.dump(object: root, sortKeys: true))
    }

    // MARK: Configurations

    func bngConfiguration(_ bng: LabTopology.BNG) throws -> String {
        let nodes = topology.accessNodes(of: bng.id).map { "    - { remote_id: \($0.id), gateway: \($0.gateway) }" }
        let text = """
            # Generated by aether-lab export containerlab.
            bng:
              id: \(bng.id)
              nas_ip: \(bngAddress(bng.id))
              state_dir: /var/lib/aether-bng
            subscribers:
              interface: eth1
              access_nodes:
            \(nodes.joined(separator: "\n"))
            dhcp:
              servers: [\(Self.servicesAddress)]
              server_interface: eth3
            radius:
              authentication: [{ address: \(Self.servicesAddress), port: 1812 }]
              accounting: [{ address: \(Self.servicesAddress), port: 1813 }]
              secret: { file: /etc/aether/secrets/radius }
              password: { file: /etc/aether/secrets/subscriber-password }
            coa:
              clients: [{ network: \(Self.servicesAddress)/32, secret: { file: /etc/aether/secrets/radius } }]
            redis:
              address: \(Self.servicesAddress)
              port: 6379
              password: { file: /etc/aether/secrets/redis }
            kea:
              control_agent: http://\(Self.servicesAddress):8000/
            shaping:
              ifb: ifb0
            timers:
              interim_interval: 15
              counters_interval: 5
            management:
              metrics: 0.0.0.0:9103

            """
        _ = try BNGConfiguration.decode(text, source: "configs/\(bng.id)/bng.yaml")
        return text
    }

    func relayConfiguration(_ node: LabTopology.AccessNode) throws -> String {
        let ports = Dictionary(uniqueKeysWithValues: (1...node.ports).map { ("eth\($0)", RelayAgentIdentifier(text: "\(node.id)/\($0)")) })
        let file = AccessNodeRelayFile(remoteID: RelayAgentIdentifier(text: node.id), uplink: "eth\(node.ports + 1)", ports: ports,
                                       portRequestRate: DHCPRequestRate(perSecond: 20, burst: 40))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let data = try encoder.encode(file)
        _ = try AccessNodeRelayFile.decode(data, source: "configs/\(node.id)/relay.json")
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    func keaConfiguration() throws -> String {
        let layout = LabLayout(topology: topology, harness: .lab())
        let subnets: [[String: Any]] = layout.keaSubnets.map { subnet in
            ["id": subnet.id, "subnet": subnet.prefix.description, "pools": [["pool": "\(subnet.poolStart) - \(subnet.poolEnd)"]],
             "relay": ["ip-addresses": [subnet.relayAddress.description]],
             "option-data": [["name": "routers", "data": subnet.relayAddress.description],
                             ["name": "domain-name-servers", "data": topology.upstream.address.description]],
             "valid-lifetime": subnet.validLifetime, "renew-timer": subnet.renewTimer, "rebind-timer": subnet.rebindTimer]
        }
        let root: [String: Any] = ["Dhcp4": [
            "interfaces-config": ["interfaces": ["eth1/\(Self.servicesAddress)"], "dhcp-socket-type": "udp", "outbound-interface": "use-routing"],
            "control-socket": ["socket-type": "unix", "socket-name": "/run/kea/dhcp4.sock"],
            "lease-database": ["type": "postgresql", "name": "kea", "user": "kea", "password": "KEA_DB_PASSWORD", "host": "/run/postgresql",
                               "max-reconnect-tries": 600, "reconnect-wait-time": 1000, "on-fail": "serve-retry-continue"],
            "hooks-libraries": [["library": "/usr/lib/x86_64-linux-gnu/kea/hooks/libdhcp_lease_cmds.so"]],
            "store-extended-info": true, "authoritative": true, "subnet4": subnets,
            "loggers": [["name": "kea-dhcp4", "severity": "INFO", "output_options": [["output": "stdout"]]]],
        ] as [String: Any]]
        return String(decoding: try JSONSerialization.data(withJSONObject: root, options: [.prettyPrinted, .sortedKeys]), as: UTF8.self) + "\n"
    }

    var keaAgentConfiguration: String {
        """
        { "Control-agent": {
            "http-host": "\(Self.servicesAddress)", "http-port": 8000,
            "control-sockets": { "dhcp4": { "socket-type": "unix", "socket-name": "/run/kea/dhcp4.sock" } },
            "loggers": [ { "name": "kea-ctrl-agent", "severity": "INFO", "output_options": [ { "output": "stdout" } ] } ] } }

        """
    }

    func ossConfiguration() throws -> String {
        let text = """
            # Generated by aether-lab export containerlab.
            postgres: { host: /run/postgresql, port: 5432, database: oss, user: oss, password: { file: /etc/aether/secrets/oss-db } }
            redis: { address: 127.0.0.1, port: 6379, password: { file: /etc/aether/secrets/redis } }
            ingestor: { group: oss, name: services-ingestor, metrics: 0.0.0.0:9104 }
            api:
              listen: 0.0.0.0:8080
              token: { file: /etc/aether/secrets/api-token }
            provisioning:
              radius: { host: /run/postgresql, port: 5432, database: radius, user: radius, password: { file: /etc/aether/secrets/radius-db } }
              password: { file: /etc/aether/secrets/subscriber-password }
              owner: \(topology.name)
              interval: 30s
            coa:
              secret: { file: /etc/aether/secrets/radius }

            """
        _ = try OSSConfiguration.decode(text, source: "configs/services/oss.yaml").resolveAPI(source: "configs/services/oss.yaml", readSecrets: false)
        return text
    }

    var accessRoutersSQL: String {
        topology.accessNodes.map {
            "INSERT INTO access_routers (router_name, giaddr, bng_id, total_interfaces) VALUES ('\($0.id)', '\($0.gateway.address)', '\($0.bng)', \($0.ports)) ON CONFLICT (router_name) DO NOTHING;"
        }.joined(separator: "\n") + "\n"
    }

    var radiusClients: String {
        """
        # The management network: the BNGs' NAS addresses.
        client aether_mgmt {
        \tipaddr = \(IPv4Network(containing: Self.servicesAddress, prefixLength: Self.servicesPrefix))
        \tsecret = RADIUS_SECRET
        \trequire_message_authenticator = yes
        \tnas_type = other
        }

        """
    }

    // MARK: Scripts

    var libraryScript: String {
        """
        # Shared by every node's start.sh: containerlab attaches the links after the container
        # starts, so each script first waits for its interfaces.
        wait_for_interfaces() {
          for interface in "$@"; do
            tries=0
            until [ -e "/sys/class/net/$interface" ]; do
              tries=$((tries + 1))
              [ "$tries" -gt 600 ] && { echo "no $interface after 120 s" >&2; exit 1; }
              sleep 0.2
            done
            ip link set "$interface" up
          done
        }

        # An L2 segment: interfaces eth1…eth$1 in one bridge.
        run_switch() {
          ports=$(seq -f eth%g 1 "$1")
          wait_for_interfaces $ports
          ip link add br0 type bridge stp_state 0 forward_delay 0
          for port in $ports; do ip link set "$port" master br0; done
          ip link set br0 up
          exec sleep infinity
        }

        # An access node: subscriber ports eth1…eth$1 isolated from each other, bridged with the
        # uplink eth$(($1 + 1)); DHCP crosses it only through aether-relay, which stamps Option 82.
        run_access_node() {
          ports=$(seq -f eth%g 1 "$1")
          uplink=eth$(($1 + 1))
          wait_for_interfaces $ports "$uplink"
          ip link add br0 type bridge stp_state 0 forward_delay 0
          for port in $ports; do ip link set "$port" master br0; bridge link set dev "$port" isolated on; done
          ip link set "$uplink" master br0
          ip link set br0 up
          nft -f - <<'EOF'
        table bridge \(AccessNodeBridge.tableName) {
            chain forward {
                type filter hook forward priority filter; policy accept;
                ether type ip udp dport { 67, 68 } counter drop comment "DHCP crosses the node only through aether-relay"
            }
        }
        EOF
          exec aether-relay --config /etc/aether/node/relay.json --metrics 0.0.0.0:9102
        }

        # A subscriber on eth1: no management default route (it goes through its BNG), and a DHCP
        # client in the background (-nw) that keeps asking until the host's line has a service.
        run_subscriber() {
          wait_for_interfaces eth1
          ip route del default 2>/dev/null || true
          dhclient -nw -v eth1
          exec sleep infinity
        }

        """
    }

    func switchStart(ports: Int) -> String {
        """
        #!/bin/sh
        # An L2 segment: every link of this node (eth1…eth\(ports)) in one bridge.
        set -eu
        . /etc/aether/lib.sh
        run_switch \(ports)

        """
    }

    func bngStart(_ bng: LabTopology.BNG) -> String {
        let gateways = topology.accessNodes(of: bng.id).map { "ip addr add \($0.gateway) dev eth1" }.joined(separator: "\n")
        return """
            #!/bin/sh
            # \(bng.id): subscribers on eth1 (aggregation), upstream on eth2, services on eth3.
            set -eu
            . /etc/aether/lib.sh
            wait_for_interfaces eth1 eth2 eth3
            \(gateways)
            ip addr add \(bng.upstreamAddress)/\(topology.upstream.network.prefixLength) dev eth2
            ip addr add \(bngAddress(bng.id))/\(Self.servicesPrefix) dev eth3
            sysctl -qw net.ipv4.conf.all.send_redirects=0 net.ipv4.conf.eth1.send_redirects=0 net.ipv4.conf.eth1.proxy_arp_pvlan=1
            mkdir -p /var/lib/aether-bng
            exec aether-bng run --config /etc/aether/node/bng.yaml

            """
    }

    func relayStart(_ node: LabTopology.AccessNode) -> String {
        """
        #!/bin/sh
        # \(node.id): subscriber ports eth1…eth\(node.ports), uplink eth\(node.ports + 1); ports isolated, DHCP only through aether-relay.
        set -eu
        . /etc/aether/lib.sh
        run_access_node \(node.ports)

        """
    }

    func hostStart(_ host: LabTopology.Host) -> String {
        """
        #!/bin/sh
        # \(host.name): a subscriber on \(host.accessNode) port \(host.port) (circuit-id \(host.circuitID)), MAC \(host.mac).
        set -eu
        . /etc/aether/lib.sh
        run_subscriber

        """
    }

    var upstreamStart: String {
        let upstream = topology.upstream
        let routes = topology.accessNodes.map { node in
            "ip route add \(node.subnet) via \(topology.bngs.first { $0.id == node.bng }?.upstreamAddress.description ?? "")"
        }.joined(separator: "\n")
        let iperf = upstream.iperf3Ports.map { "iperf3 --server --daemon --bind \(upstream.address) --port \($0)" }.joined(separator: "\n")
        return """
            #!/bin/sh
            # The subscribers' internet: HTTP, DNS for \(upstream.domain), iperf3; routes back through each BNG.
            set -eu
            . /etc/aether/lib.sh
            wait_for_interfaces eth1
            ip addr add \(upstream.address)/\(upstream.network.prefixLength) dev eth1
            \(routes)
            \(iperf)
            busybox httpd -p \(upstream.address):80 -h /etc/aether/upstream/www
            exec dnsmasq --keep-in-foreground --no-resolv --no-hosts --bind-interfaces --listen-address=\(upstream.address) \\
              --address=/\(upstream.domain)/\(upstream.address) --local=/\(upstream.domain)/ --log-facility=-

            """
    }

    var servicesStart: String {
        let routes = topology.accessNodes.map { "ip route add \($0.subnet) via \(bngAddress($0.bng))" }.joined(separator: "\n")
        return """
            #!/bin/sh
            # PostgreSQL (oss, kea, radius), Redis, Kea DHCPv4 + control agent, FreeRADIUS, aether-ingestor, aether-api.
            set -eu
            . /etc/aether/lib.sh
            wait_for_interfaces eth1
            ip addr add \(Self.servicesAddress)/\(Self.servicesPrefix) dev eth1
            \(routes)
            S=/etc/aether/secrets
            C=/etc/aether/services
            PG=/usr/lib/postgresql/15/bin
            DATA=/var/lib/postgresql/aether
            mkdir -p /run/postgresql /run/kea /var/run/freeradius && chown postgres:postgres /run/postgresql
            if [ ! -s "$DATA/PG_VERSION" ]; then
              install -d -o postgres -g postgres "$DATA"
              su postgres -s /bin/sh -c "$PG/initdb -D $DATA --auth-local=peer --auth-host=scram-sha-256 >/dev/null"
              FRESH=1
            fi
            su postgres -s /bin/sh -c "$PG/pg_ctl -D $DATA -w -l $DATA/server.log -o '-c listen_addresses=127.0.0.1 -k /run/postgresql' start"
            if [ "${FRESH:-0}" = 1 ]; then
              for db in oss kea radius; do
                su postgres -s /bin/sh -c "psql -q -c \"CREATE ROLE $db LOGIN PASSWORD '$(cat $S/$db-db)'\" -c \"CREATE DATABASE $db OWNER $db\""
              done
              printf 'local all postgres peer\nlocal all all scram-sha-256\nhost all all 127.0.0.1/32 scram-sha-256\n' > "$DATA/pg_hba.conf"
              su postgres -s /bin/sh -c "$PG/pg_ctl -D $DATA reload"
              PGPASSWORD=$(cat $S/kea-db) kea-admin db-init pgsql -h 127.0.0.1 -u kea -n kea
              PGPASSWORD=$(cat $S/radius-db) psql -q -h 127.0.0.1 -U radius radius -f /etc/freeradius/3.0/mods-config/sql/main/postgresql/schema.sql
            fi
            redis-server --daemonize yes --bind 127.0.0.1 \(Self.servicesAddress) --requirepass "$(cat $S/redis)" --appendonly yes --dir /var/lib/redis
            sed "s/KEA_DB_PASSWORD/$(cat $S/kea-db)/" $C/kea-dhcp4.json > /run/kea/kea-dhcp4.json
            KEA_PIDFILE_DIR=/run/kea KEA_LOCKFILE_DIR=/run/kea kea-dhcp4 -c /run/kea/kea-dhcp4.json &
            KEA_PIDFILE_DIR=/run/kea KEA_LOCKFILE_DIR=/run/kea kea-ctrl-agent -c $C/kea-ctrl-agent.json &
            # FreeRADIUS: Debian's configuration with the sql module on PostgreSQL, Class kept in radacct,
            # replies signed (Message-Authenticator), vendor 43242, rejects without delay.
            R=/etc/freeradius/3.0
            sed -i -e 's/^\\tdialect = .*/\\tdialect = "postgresql"/' -e 's/^\\tdriver = "rlm_sql_null"/\\tdriver = "rlm_sql_${dialect}"/' \\
              -e "s|^\\tradius_db = .*|\\tradius_db = \\"host=/run/postgresql dbname=radius user=radius password=$(cat $S/radius-db)\\"|" $R/mods-available/sql
            sed -i -e 's/^\\tcolumn_name =.*/\\tcolumn_name = ", Class"/' -e "s/^\\tpacket_xlat =.*/\\tpacket_xlat = \\", '%{Class}'\\"/" \\
              -e "s/^\\treply_xlat =.*/\\treply_xlat = \\", '%{reply:Class}'\\"/" $R/mods-config/sql/main/postgresql/queries.conf
            sed -i 's/^\\treject_delay = .*/\\treject_delay = 0/' $R/radiusd.conf
            grep -q 'Message-Authenticator := 0x00' $R/sites-available/default || sed -i \\
              -e 's/^post-auth {$/post-auth {\\n\\tupdate reply {\\n\\t\\tMessage-Authenticator := 0x00\\n\\t}/' \\
              -e 's/^\\tPost-Auth-Type REJECT {$/\\tPost-Auth-Type REJECT {\\n\\t\\tupdate reply {\\n\\t\\t\\tMessage-Authenticator := 0x00\\n\\t\\t}/' \\
              -e 's/^accounting {$/accounting {\\n\\tupdate reply {\\n\\t\\tMessage-Authenticator := 0x00\\n\\t}/' $R/sites-available/default
            cp $C/dictionary.aether $R/dictionary.aether
            grep -q dictionary.aether $R/dictionary || echo '$INCLUDE dictionary.aether' >> $R/dictionary
            sed "s/RADIUS_SECRET/$(cat $S/radius)/" $C/clients.conf > $R/clients.conf
            ln -sf ../mods-available/sql $R/mods-enabled/sql
            freeradius
            aether-ingestor migrate --config $C/oss.yaml
            aether-ingestor seed --config $C/oss.yaml
            PGPASSWORD=$(cat $S/oss-db) psql -q -h 127.0.0.1 -U oss oss -f $C/access-routers.sql
            aether-ingestor run --config $C/oss.yaml &
            exec aether-api run --config $C/oss.yaml

            """
    }

    var buildScript: String {
        let products = Self.binaries.values.flatMap { $0 }.sorted()
        let builds = Self.images.map { "docker build -f images/\($0)/Dockerfile -t aether-lab/\($0):latest ." }.joined(separator: "\n")
        return """
            #!/bin/sh
            # Builds the binaries with the static Swift standard library (the images need no Swift
            # toolchain), copies them to bin/, and builds the four images. Run from this folder,
            # with the Aether checkout at $AETHER (default: two folders up).
            set -eu
            cd "$(dirname "$0")"
            AETHER=${AETHER:-../..}
            (cd "$AETHER" && swift build -c release --static-swift-stdlib \(products.map { "--product \($0)" }.joined(separator: " ")))
            mkdir -p bin
            for product in \(products.joined(separator: " ")); do cp "$AETHER/.build/release/$product" bin/; done
            \(builds)

            """
    }

    var secretsScript: String {
        """
        #!/bin/sh
        # Writes secrets/ once: RADIUS shared secret, database and Redis passwords, the subscribers'
        # RADIUS password and the API token (random; never committed, never in a config file).
        set -eu
        cd "$(dirname "$0")"
        mkdir -p secrets && chmod 700 secrets
        for name in radius redis oss-db kea-db radius-db subscriber-password api-token; do
          [ -s "secrets/$name" ] || head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \\n' > "secrets/$name"
        done
        chmod 644 secrets/*   # read inside the containers by root and postgres
        echo "secrets in $(pwd)/secrets; the dashboard's token is secrets/api-token"

        """
    }

    func dockerfile(_ image: String) -> String {
        let packages: [String: String] = [
            "bng": "iproute2 nftables libnftables1 libpq5 libhiredis0.14 libsqlite3-0 ca-certificates",
            "relay": "iproute2 nftables",
            "host": "iproute2 isc-dhcp-client udhcpc busybox curl dnsutils iperf3 dnsmasq-base iputils-ping procps",
            "services": "iproute2 postgresql redis-server kea-dhcp4-server kea-ctrl-agent kea-admin freeradius freeradius-postgresql libpq5 libhiredis0.14 libsqlite3-0 libnftables1 libcurl4 ca-certificates",
        ]
        let copies = (Self.binaries[image] ?? []).map { "COPY bin/\($0) /usr/local/bin/\($0)" }.joined(separator: "\n")
        return """
            # aether-lab/\(image): Debian 12 with \(Self.binaries[image]?.joined(separator: ", ").nilIfEmpty ?? "the subscriber tools")\(Self.binaries[image]?.isEmpty == false ? " (static Swift standard library: no toolchain inside)" : "").
            # Built by build-images.sh from this folder: docker build -f images/\(image)/Dockerfile -t aether-lab/\(image):latest .
            FROM debian:bookworm-slim
            RUN apt-get update \\
             && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \(packages[image] ?? "") \\
             && rm -rf /var/lib/apt/lists/*
            \(copies)
            CMD ["/bin/sh", "/etc/aether/start.sh"]

            """
    }

    var readme: String {
        let counts = "\(topology.bngs.count) BNGs, \(topology.accessNodes.count) access nodes, \(topology.hosts.count) hosts"
        return """
            # \(topology.name) as a containerlab topology

            Generated by `aether-lab export containerlab` from `\(sourceName)` (\(counts)): the same lab
            `aether-lab up` builds in network namespaces, as containerlab `linux` nodes — for machines with
            Docker, or a lab spread over several hosts. Do not edit: change the topology file and export again.

            | Node | Image | What runs |
            |---|---|---|
            | `services` | `aether-lab/services` | PostgreSQL, Redis, Kea DHCPv4 + control agent, FreeRADIUS, aether-ingestor, aether-api (dashboard on :8080) |
            | `bng-…` | `aether-lab/bng` | aether-bng: eth1 aggregation, eth2 upstream, eth3 services |
            | `an-…` | `aether-lab/relay` | aether-relay: eth1…ethN subscriber ports (isolated), the last interface its uplink |
            | `h-…` | `aether-lab/host` | a subscriber: dhclient on eth1 (the MAC is set on its link) |
            | `agg-…`, `wan`, `mgmt` | `aether-lab/host` | a Linux bridge over every link |
            | `upstream` | `aether-lab/host` | HTTP, DNS for `\(topology.upstream.domain)`, iperf3 on \(topology.upstream.iperf3Ports.map(String.init).joined(separator: ", ")) |

            ## Deploy

            On a Linux machine with Docker, containerlab and (for building the binaries) Swift 6.1+:

            ```sh
            ./generate-secrets.sh         # secrets/: random passwords, the RADIUS secret, the API token
            ./build-images.sh             # swift build -c release --static-swift-stdlib, then docker build ×4
            sudo containerlab deploy -t topology.clab.yml
            ```

            Then open `http://<services container address>:8080/` (`sudo containerlab inspect -t topology.clab.yml`
            lists the addresses) and give services through the dashboard's provisioning console or the API:
            a host gets its lease once its line (`<access node>/<port>`) has a service; until then the BNG
            rejects and blocks it. Drive the subscribers by hand (`docker exec clab-\(topology.name)-h-… curl http://\(topology.upstream.domain)/`).

            `sudo containerlab destroy -t topology.clab.yml` removes it; `secrets/` and the images stay.

            ## Addresses

            Management (services) network \(Self.servicesAddress)/\(Self.servicesPrefix): services at \(Self.servicesAddress), BNG *n* at
            198.18.0.(100 + *n*). Upstream \(topology.upstream.network), upstream at \(topology.upstream.address). Each access
            node's subnet and gateway as in the topology file; Kea serves them, relayed by the BNGs.

            """
    }
}

extension String {
    fileprivate var nilIfEmpty: String? { isEmpty ? nil : self }
}
