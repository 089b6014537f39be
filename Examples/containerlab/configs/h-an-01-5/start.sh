#!/bin/sh
# h-an-01-5: a subscriber on an-01 port 5 (circuit-id an-01/5), MAC 02:d8:c3:58:0a:d2.
set -eu
. /etc/aether/lib.sh
run_subscriber
