#!/bin/sh
# h-an-05-1: a subscriber on an-05 port 1 (circuit-id an-05/1), MAC 02:05:76:89:d2:c4.
set -eu
. /etc/aether/lib.sh
run_subscriber
