#!/bin/sh
# an-03: subscriber ports eth1…eth7, uplink eth8; ports isolated, DHCP only through aether-relay.
set -eu
. /etc/aether/lib.sh
run_access_node 7
