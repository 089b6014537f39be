#!/bin/sh
# h-an-03-5: a subscriber on an-03 port 5 (circuit-id an-03/5), MAC 02:bb:97:dd:b5:c4.
set -eu
. /etc/aether/lib.sh
run_subscriber
