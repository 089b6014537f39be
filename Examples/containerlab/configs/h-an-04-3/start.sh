#!/bin/sh
# h-an-04-3: a subscriber on an-04 port 3 (circuit-id an-04/3), MAC 02:c4:8d:6b:ce:c4.
set -eu
. /etc/aether/lib.sh
run_subscriber
