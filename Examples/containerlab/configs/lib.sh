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
table bridge aether_access {
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
