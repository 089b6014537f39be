#!/bin/sh
# h-an-01-1: a subscriber on an-01 port 1 (circuit-id an-01/1), MAC 02:a4:ca:58:0a:d2.
set -eu
. /etc/aether/lib.sh
wait_for_interfaces eth1
ip route del default 2>/dev/null || true   # containerlab's management default route: subscribers go through their BNG
# -nw: in the background at once; dhclient keeps asking until the line (an-01/1) has a service.
dhclient -nw -v eth1
exec sleep infinity
