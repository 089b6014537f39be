#!/bin/sh
# h-an-03-1: a subscriber on an-03 port 1 (circuit-id an-03/1), MAC 02:87:9e:dd:b5:c4.
set -eu
. /etc/aether/lib.sh
run_subscriber
