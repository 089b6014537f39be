#!/bin/sh
# h-an-07-1: a subscriber on an-07 port 1 (circuit-id an-07/1), MAC 02:7b:b2:94:c9:c4.
set -eu
. /etc/aether/lib.sh
run_subscriber
