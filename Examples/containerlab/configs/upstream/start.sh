#!/bin/sh
# The subscribers' internet: HTTP, DNS for aether.lab, iperf3; routes back through each BNG.
set -eu
. /etc/aether/lib.sh
wait_for_interfaces eth1
ip addr add 192.0.2.2/24 dev eth1
ip route add 100.64.1.0/26 via 192.0.2.11
ip route add 100.64.1.64/26 via 192.0.2.11
ip route add 100.64.3.0/26 via 192.0.2.12
ip route add 100.64.3.64/26 via 192.0.2.12
ip route add 100.64.4.0/26 via 192.0.2.12
ip route add 100.64.4.64/26 via 192.0.2.12
ip route add 100.64.4.128/26 via 192.0.2.12
iperf3 --server --daemon --bind 192.0.2.2 --port 5201
iperf3 --server --daemon --bind 192.0.2.2 --port 5202
iperf3 --server --daemon --bind 192.0.2.2 --port 5203
iperf3 --server --daemon --bind 192.0.2.2 --port 5204
busybox httpd -p 192.0.2.2:80 -h /etc/aether/upstream/www
exec dnsmasq --keep-in-foreground --no-resolv --no-hosts --bind-interfaces --listen-address=192.0.2.2 \
  --address=/aether.lab/192.0.2.2 --local=/aether.lab/ --log-facility=-
