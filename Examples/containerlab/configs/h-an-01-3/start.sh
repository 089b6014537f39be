#!/bin/sh
# h-an-01-3: a subscriber on an-01 port 3 (circuit-id an-01/3), MAC 02:0a:ce:58:0a:d2.
set -eu
. /etc/aether/lib.sh
run_subscriber
