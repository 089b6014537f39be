#!/bin/sh
# h-an-06-2: a subscriber on an-06 port 2 (circuit-id an-06/2), MAC 02:d9:07:05:c4:c4.
set -eu
. /etc/aether/lib.sh
run_subscriber
