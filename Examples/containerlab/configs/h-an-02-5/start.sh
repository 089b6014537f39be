#!/bin/sh
# h-an-02-5: a subscriber on an-02 port 5 (circuit-id an-02/5), MAC 02:55:0e:dd:18:d2.
set -eu
. /etc/aether/lib.sh
run_subscriber
