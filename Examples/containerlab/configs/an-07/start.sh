#!/bin/sh
# an-07: subscriber ports eth1…eth6, uplink eth7; ports isolated, DHCP only through aether-relay.
set -eu
. /etc/aether/lib.sh
wait_for_interfaces eth1 eth2 eth3 eth4 eth5 eth6 eth7
ip link add br0 type bridge stp_state 0 forward_delay 0
for port in eth1 eth2 eth3 eth4 eth5 eth6; do ip link set "$port" master br0; bridge link set dev "$port" isolated on; done
ip link set eth7 master br0
ip link set br0 up
nft -f - <<'EOF'
table bridge aether_access {
    chain forward {
        type filter hook forward priority filter; policy accept;
        ether type ip udp dport { 67, 68 } counter drop comment "DHCP crosses the node only through aether-relay"
    }
}
EOF
exec aether-relay --config /etc/aether/node/relay.json --metrics 0.0.0.0:9102
