#!/bin/sh
# h-an-07-3: a subscriber on an-07 port 3 (circuit-id an-07/3), MAC 02:e1:b5:94:c9:c4.
set -eu
. /etc/aether/lib.sh
run_subscriber
