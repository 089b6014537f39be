#!/bin/sh
# h-an-04-4: a subscriber on an-04 port 4 (circuit-id an-04/4), MAC 02:11:8c:6b:ce:c4.
set -eu
. /etc/aether/lib.sh
wait_for_interfaces eth1
ip route del default 2>/dev/null || true   # containerlab's management default route: subscribers go through their BNG
# -nw: in the background at once; dhclient keeps asking until the line (an-04/4) has a service.
dhclient -nw -v eth1
exec sleep infinity
