#!/bin/sh
# h-an-04-4: a subscriber on an-04 port 4 (circuit-id an-04/4), MAC 02:11:8c:6b:ce:c4.
set -eu
. /etc/aether/lib.sh
run_subscriber
