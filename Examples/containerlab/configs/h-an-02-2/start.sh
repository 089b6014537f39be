#!/bin/sh
# h-an-02-2: a subscriber on an-02 port 2 (circuit-id an-02/2), MAC 02:70:02:dd:18:d2.
set -eu
. /etc/aether/lib.sh
run_subscriber
