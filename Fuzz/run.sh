#!/usr/bin/env bash
# Builds the libFuzzer harness (ASan) and fuzzes one target, or every target in turn, then merges
# what it found back into the committed corpus (minimized).
#   Fuzz/run.sh --list                 the targets and what each feeds
#   Fuzz/run.sh <target> [seconds]     one target (default 600 s), e.g. Fuzz/run.sh netlink 600
#   Fuzz/run.sh all [seconds]          every target for that long each
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$(cd .. && pwd)
build() {
  swift build -c debug --sanitize fuzzer --sanitize address --scratch-path ../.build-fuzz --product AetherFuzz 2>&1 \
    | grep -v "Cannot export local symbol" || true
  [ -x ../.build-fuzz/debug/AetherFuzz ] || { echo "fuzz: the harness did not build" >&2; exit 1; }
}
TARGET=${1:?"usage: Fuzz/run.sh <target|all|--list> [seconds]"}
SECONDS_TO_RUN=${2:-600}
if [ "$TARGET" = "--list" ]; then
  build >/dev/null
  AETHER_FUZZ_TARGET=--list ../.build-fuzz/debug/AetherFuzz
  exit 0
fi
build
BIN=../.build-fuzz/debug/AetherFuzz
# Swift's own crash backtracer confuses ASan; libFuzzer reports crashes itself.
export SWIFT_BACKTRACE=enable=no
run_one() {
  local target=$1 work
  work=$(mktemp -d)
  mkdir -p "Corpus/$target" "$work/corpus"
  cp "Corpus/$target"/* "$work/corpus/" 2>/dev/null || true
  AETHER_FUZZ_TARGET=$target AETHER_FUZZ_SEED_DIR="$work/corpus" AETHER_FUZZ_REPOSITORY="$ROOT" \
    "$BIN" -max_total_time="$SECONDS_TO_RUN" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
      -artifact_prefix="$PWD/crash-$target-" "$work/corpus" 2>&1 | tee "$work/log" | grep -E "^#[0-9]+ +(INITED|DONE)|stat::number_of_executed_units|ERROR|finding" || true
  if grep -q "ERROR: libFuzzer\|ERROR: AddressSanitizer\|finding:" "$work/log"; then
    echo "fuzz: $target FOUND A CRASH; input saved as $PWD/crash-$target-*; log: $work/log" >&2
    return 1
  fi
  AETHER_FUZZ_TARGET=$target "$BIN" -merge=1 "Corpus/$target" "$work/corpus" >/dev/null 2>&1
  echo "fuzz: $target ran ${SECONDS_TO_RUN}s without a finding; corpus: $(ls "Corpus/$target" | wc -l) inputs"
  rm -rf "$work"
}
if [ "$TARGET" = "all" ]; then
  status=0
  for target in $(AETHER_FUZZ_TARGET=--list "$BIN" | cut -f1); do
    run_one "$target" || status=1
  done
  exit $status
fi
run_one "$TARGET"
