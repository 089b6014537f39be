#!/bin/sh
# h-an-06-3: a subscriber on an-06 port 3 (circuit-id an-06/3), MAC 02:26:06:05:c4:c4.
set -eu
. /etc/aether/lib.sh
run_subscriber
