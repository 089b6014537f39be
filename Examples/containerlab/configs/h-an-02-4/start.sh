#!/bin/sh
# h-an-02-4: a subscriber on an-02 port 4 (circuit-id an-02/4), MAC 02:a2:0c:dd:18:d2.
set -eu
. /etc/aether/lib.sh
run_subscriber
