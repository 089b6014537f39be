#!/bin/sh
# h-an-05-3: a subscriber on an-05 port 3 (circuit-id an-05/3), MAC 02:9f:72:89:d2:c4.
set -eu
. /etc/aether/lib.sh
run_subscriber
