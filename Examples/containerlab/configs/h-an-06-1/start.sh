#!/bin/sh
# h-an-06-1: a subscriber on an-06 port 1 (circuit-id an-06/1), MAC 02:c0:02:05:c4:c4.
set -eu
. /etc/aether/lib.sh
wait_for_interfaces eth1
ip route del default 2>/dev/null || true   # containerlab's management default route: subscribers go through their BNG
# -nw: in the background at once; dhclient keeps asking until the line (an-06/1) has a service.
dhclient -nw -v eth1
exec sleep infinity
