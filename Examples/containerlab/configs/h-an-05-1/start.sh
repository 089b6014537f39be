#!/bin/sh
# h-an-05-1: a subscriber on an-05 port 1 (circuit-id an-05/1), MAC 02:05:76:89:d2:c4.
set -eu
. /etc/aether/lib.sh
wait_for_interfaces eth1
ip route del default 2>/dev/null || true   # containerlab's management default route: subscribers go through their BNG
# -nw: in the background at once; dhclient keeps asking until the line (an-05/1) has a service.
dhclient -nw -v eth1
exec sleep infinity
