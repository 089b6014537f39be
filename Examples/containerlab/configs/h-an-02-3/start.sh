#!/bin/sh
# h-an-02-3: a subscriber on an-02 port 3 (circuit-id an-02/3), MAC 02:23:04:dd:18:d2.
set -eu
. /etc/aether/lib.sh
run_subscriber
