#!/bin/sh
# h-an-03-6: a subscriber on an-03 port 6 (circuit-id an-03/6), MAC 02:6e:99:dd:b5:c4.
set -eu
. /etc/aether/lib.sh
run_subscriber
