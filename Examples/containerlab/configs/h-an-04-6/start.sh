#!/bin/sh
# h-an-04-6: a subscriber on an-04 port 6 (circuit-id an-04/6), MAC 02:ab:88:6b:ce:c4.
set -eu
. /etc/aether/lib.sh
run_subscriber
