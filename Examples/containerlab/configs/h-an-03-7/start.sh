#!/bin/sh
# h-an-03-7: a subscriber on an-03 port 7 (circuit-id an-03/7), MAC 02:21:9b:dd:b5:c4.
set -eu
. /etc/aether/lib.sh
run_subscriber
