#!/bin/sh
# An L2 segment: every link of this node (eth1…eth3) in one bridge.
set -eu
. /etc/aether/lib.sh
run_switch 3
