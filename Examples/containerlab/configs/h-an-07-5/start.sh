#!/bin/sh
# h-an-07-5: a subscriber on an-07 port 5 (circuit-id an-07/5), MAC 02:47:b9:94:c9:c4.
set -eu
. /etc/aether/lib.sh
run_subscriber
