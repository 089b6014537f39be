#!/bin/sh
# h-an-06-5: a subscriber on an-06 port 5 (circuit-id an-06/5), MAC 02:8c:09:05:c4:c4.
set -eu
. /etc/aether/lib.sh
run_subscriber
