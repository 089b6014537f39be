#!/bin/sh
# h-an-02-1: a subscriber on an-02 port 1 (circuit-id an-02/1), MAC 02:89:07:dd:18:d2.
set -eu
. /etc/aether/lib.sh
run_subscriber
