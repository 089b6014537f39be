#!/bin/sh
# h-an-07-4: a subscriber on an-07 port 4 (circuit-id an-07/4), MAC 02:94:b7:94:c9:c4.
set -eu
. /etc/aether/lib.sh
run_subscriber
