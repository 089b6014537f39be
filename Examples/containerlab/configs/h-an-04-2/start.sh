#!/bin/sh
# h-an-04-2: a subscriber on an-04 port 2 (circuit-id an-04/2), MAC 02:77:8f:6b:ce:c4.
set -eu
. /etc/aether/lib.sh
run_subscriber
