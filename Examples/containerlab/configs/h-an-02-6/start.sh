#!/bin/sh
# h-an-02-6: a subscriber on an-02 port 6 (circuit-id an-02/6), MAC 02:3c:09:dd:18:d2.
set -eu
. /etc/aether/lib.sh
run_subscriber
