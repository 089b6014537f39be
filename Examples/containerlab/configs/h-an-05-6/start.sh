#!/bin/sh
# h-an-05-6: a subscriber on an-05 port 6 (circuit-id an-05/6), MAC 02:20:6a:89:d2:c4.
set -eu
. /etc/aether/lib.sh
run_subscriber
