#!/bin/sh
# h-an-05-5: a subscriber on an-05 port 5 (circuit-id an-05/5), MAC 02:39:6f:89:d2:c4.
set -eu
. /etc/aether/lib.sh
run_subscriber
