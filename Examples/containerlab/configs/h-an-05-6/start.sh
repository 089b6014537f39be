#!/bin/sh
# h-an-05-6: a subscriber on an-05 port 6 (circuit-id an-05/6), MAC 02:20:6a:89:d2:c4.
set -eu
. /etc/aether/lib.sh
wait_for_interfaces eth1
ip route del default 2>/dev/null || true   # containerlab's management default route: subscribers go through their BNG
# -nw: in the background at once; dhclient keeps asking until the line (an-05/6) has a service.
dhclient -nw -v eth1
exec sleep infinity
