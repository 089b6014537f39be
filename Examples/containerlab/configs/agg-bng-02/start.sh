#!/bin/sh
# An L2 segment: every link of this node in one bridge.
set -eu
. /etc/aether/lib.sh
wait_for_interfaces eth1 eth2 eth3 eth4 eth5 eth6
ip link add br0 type bridge stp_state 0 forward_delay 0
for port in eth1 eth2 eth3 eth4 eth5 eth6; do ip link set "$port" master br0; done
ip link set br0 up
exec sleep infinity
