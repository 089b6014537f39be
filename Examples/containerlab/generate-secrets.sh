#!/bin/sh
# Writes secrets/ once: RADIUS shared secret, database and Redis passwords, the subscribers'
# RADIUS password and the API token (random; never committed, never in a config file).
set -eu
cd "$(dirname "$0")"
mkdir -p secrets && chmod 700 secrets
for name in radius redis oss-db kea-db radius-db subscriber-password api-token; do
  [ -s "secrets/$name" ] || head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n' > "secrets/$name"
done
chmod 644 secrets/*   # read inside the containers by root and postgres
echo "secrets in $(pwd)/secrets; the dashboard's token is secrets/api-token"
