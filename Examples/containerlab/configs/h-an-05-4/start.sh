#!/bin/sh
# h-an-05-4: a subscriber on an-05 port 4 (circuit-id an-05/4), MAC 02:86:6d:89:d2:c4.
set -eu
. /etc/aether/lib.sh
run_subscriber
