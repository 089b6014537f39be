#!/bin/sh
# h-an-06-6: a subscriber on an-06 port 6 (circuit-id an-06/6), MAC 02:a5:0e:05:c4:c4.
set -eu
. /etc/aether/lib.sh
run_subscriber
