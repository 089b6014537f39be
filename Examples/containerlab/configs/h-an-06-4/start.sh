#!/bin/sh
# h-an-06-4: a subscriber on an-06 port 4 (circuit-id an-06/4), MAC 02:3f:0b:05:c4:c4.
set -eu
. /etc/aether/lib.sh
run_subscriber
