#!/bin/sh
# h-an-07-6: a subscriber on an-07 port 6 (circuit-id an-07/6), MAC 02:fa:ba:94:c9:c4.
set -eu
. /etc/aether/lib.sh
run_subscriber
