#!/bin/sh
# h-an-01-1: a subscriber on an-01 port 1 (circuit-id an-01/1), MAC 02:a4:ca:58:0a:d2.
set -eu
. /etc/aether/lib.sh
run_subscriber
