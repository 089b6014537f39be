#!/usr/bin/env bash
# Builds the libFuzzer harnesses (ASan) and runs one of them, then merges what it found back
# into the committed corpus (minimized). Usage: Fuzz/run.sh <Harness> [seconds]   (default 600)
#   e.g. Fuzz/run.sh DHCPMessageFuzz 600
set -euo pipefail
cd "$(dirname "$0")"
HARNESS=${1:?"harness name, one of: $(ls -d */ | grep -v Corpus | tr -d / | tr '\n' ' ')"}
SECONDS_TO_RUN=${2:-600}
swift build -c debug --sanitize fuzzer --sanitize address --scratch-path ../.build-fuzz --product "$HARNESS" 2>&1 \
  | grep -v "Cannot export local symbol" || true
BIN=../.build-fuzz/debug/$HARNESS
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
mkdir -p "Corpus/$HARNESS" "$WORK/corpus"
cp "Corpus/$HARNESS"/* "$WORK/corpus/" 2>/dev/null || true
# Swift's own crash backtracer confuses ASan; libFuzzer reports crashes itself.
export SWIFT_BACKTRACE=enable=no
"$BIN" -max_total_time="$SECONDS_TO_RUN" -rss_limit_mb=2048 -artifact_prefix="$PWD/crash-$HARNESS-" "$WORK/corpus"
"$BIN" -merge=1 "Corpus/$HARNESS" "$WORK/corpus" >/dev/null 2>&1
echo "fuzz: $HARNESS ran ${SECONDS_TO_RUN}s without a crash; corpus: $(ls "Corpus/$HARNESS" | wc -l) inputs"
