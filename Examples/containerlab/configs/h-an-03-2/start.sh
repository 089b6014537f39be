#!/bin/sh
# h-an-03-2: a subscriber on an-03 port 2 (circuit-id an-03/2), MAC 02:3a:a0:dd:b5:c4.
set -eu
. /etc/aether/lib.sh
run_subscriber
