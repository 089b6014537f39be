#!/bin/sh
# Builds the binaries with the static Swift standard library (the images need no Swift
# toolchain), copies them to bin/, and builds the four images. Run from this folder,
# with the Aether checkout at $AETHER (default: two folders up).
set -eu
cd "$(dirname "$0")"
AETHER=${AETHER:-../..}
(cd "$AETHER" && swift build -c release --static-swift-stdlib --product aether-api --product aether-bng --product aether-ingestor --product aether-relay --product aether-sim)
mkdir -p bin
for product in aether-api aether-bng aether-ingestor aether-relay aether-sim; do cp "$AETHER/.build/release/$product" bin/; done
docker build -f images/bng/Dockerfile -t aether-lab/bng:latest .
docker build -f images/relay/Dockerfile -t aether-lab/relay:latest .
docker build -f images/host/Dockerfile -t aether-lab/host:latest .
docker build -f images/services/Dockerfile -t aether-lab/services:latest .
