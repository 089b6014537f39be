#!/bin/sh
# h-an-07-3: a subscriber on an-07 port 3 (circuit-id an-07/3), MAC 02:e1:b5:94:c9:c4.
set -eu
. /etc/aether/lib.sh
wait_for_interfaces eth1
ip route del default 2>/dev/null || true   # containerlab's management default route: subscribers go through their BNG
# -nw: in the background at once; dhclient keeps asking until the line (an-07/3) has a service.
dhclient -nw -v eth1
exec sleep infinity
