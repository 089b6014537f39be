#!/bin/sh
# h-an-04-1: a subscriber on an-04 port 1 (circuit-id an-04/1), MAC 02:2a:91:6b:ce:c4.
set -eu
. /etc/aether/lib.sh
run_subscriber
