#!/bin/sh
# h-an-04-5: a subscriber on an-04 port 5 (circuit-id an-04/5), MAC 02:5e:8a:6b:ce:c4.
set -eu
. /etc/aether/lib.sh
run_subscriber
