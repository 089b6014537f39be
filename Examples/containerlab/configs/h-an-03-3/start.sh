#!/bin/sh
# h-an-03-3: a subscriber on an-03 port 3 (circuit-id an-03/3), MAC 02:ed:a1:dd:b5:c4.
set -eu
. /etc/aether/lib.sh
run_subscriber
