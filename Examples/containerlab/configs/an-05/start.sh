#!/bin/sh
# an-05: subscriber ports eth1…eth6, uplink eth7; ports isolated, DHCP only through aether-relay.
set -eu
. /etc/aether/lib.sh
run_access_node 6
