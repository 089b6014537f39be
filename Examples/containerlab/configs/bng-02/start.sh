#!/bin/sh
# bng-02: subscribers on eth1 (aggregation), upstream on eth2, services on eth3.
set -eu
. /etc/aether/lib.sh
wait_for_interfaces eth1 eth2 eth3
ip addr add 100.64.3.1/26 dev eth1
ip addr add 100.64.3.65/26 dev eth1
ip addr add 100.64.4.1/26 dev eth1
ip addr add 100.64.4.65/26 dev eth1
ip addr add 100.64.4.129/26 dev eth1
ip addr add 192.0.2.12/24 dev eth2
ip addr add 198.18.0.103/24 dev eth3
sysctl -qw net.ipv4.conf.all.send_redirects=0 net.ipv4.conf.eth1.send_redirects=0 net.ipv4.conf.eth1.proxy_arp_pvlan=1
mkdir -p /var/lib/aether-bng
exec aether-bng run --config /etc/aether/node/bng.yaml
