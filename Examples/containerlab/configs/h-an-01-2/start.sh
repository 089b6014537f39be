#!/bin/sh
# h-an-01-2: a subscriber on an-01 port 2 (circuit-id an-01/2), MAC 02:bd:cf:58:0a:d2.
set -eu
. /etc/aether/lib.sh
run_subscriber
