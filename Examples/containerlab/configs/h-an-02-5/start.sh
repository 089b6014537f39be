#!/bin/sh
# h-an-02-5: a subscriber on an-02 port 5 (circuit-id an-02/5), MAC 02:55:0e:dd:18:d2.
set -eu
. /etc/aether/lib.sh
wait_for_interfaces eth1
ip route del default 2>/dev/null || true   # containerlab's management default route: subscribers go through their BNG
# -nw: in the background at once; dhclient keeps asking until the line (an-02/5) has a service.
dhclient -nw -v eth1
exec sleep infinity
