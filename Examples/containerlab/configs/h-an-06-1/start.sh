#!/bin/sh
# h-an-06-1: a subscriber on an-06 port 1 (circuit-id an-06/1), MAC 02:c0:02:05:c4:c4.
set -eu
. /etc/aether/lib.sh
run_subscriber
