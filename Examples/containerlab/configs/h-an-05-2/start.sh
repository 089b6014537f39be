#!/bin/sh
# h-an-05-2: a subscriber on an-05 port 2 (circuit-id an-05/2), MAC 02:ec:70:89:d2:c4.
set -eu
. /etc/aether/lib.sh
run_subscriber
