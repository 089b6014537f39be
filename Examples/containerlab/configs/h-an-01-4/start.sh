#!/bin/sh
# h-an-01-4: a subscriber on an-01 port 4 (circuit-id an-01/4), MAC 02:8b:c5:58:0a:d2.
set -eu
. /etc/aether/lib.sh
run_subscriber
