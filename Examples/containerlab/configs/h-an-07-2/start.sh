#!/bin/sh
# h-an-07-2: a subscriber on an-07 port 2 (circuit-id an-07/2), MAC 02:2e:b4:94:c9:c4.
set -eu
. /etc/aether/lib.sh
run_subscriber
