#!/bin/sh
# h-an-01-6: a subscriber on an-01 port 6 (circuit-id an-01/6), MAC 02:f1:c8:58:0a:d2.
set -eu
. /etc/aether/lib.sh
run_subscriber
