#!/bin/sh
# h-an-03-4: a subscriber on an-03 port 4 (circuit-id an-03/4), MAC 02:08:96:dd:b5:c4.
set -eu
. /etc/aether/lib.sh
run_subscriber
