#!/usr/bin/env bash
# Fuzz smoke, run by .ci/run: installs cargo-fuzz if missing, builds every target on
# stable without a sanitizer, runs each for FUZZ_SECS seconds (default 20) from its
# committed seeds with the dictionary, and fails on any crash, panic, timeout or OOM.
# New corpus entries go to fuzz/corpus/<target>/ (git-ignored), crashes to
# fuzz/artifacts/<target>/.
set -euo pipefail
cd "$(dirname "$0")"
FUZZ_SECS="${FUZZ_SECS:-20}"
RSS_MB="${FUZZ_RSS_MB:-2048}"
cargo fuzz --version >/dev/null 2>&1 || cargo install cargo-fuzz --locked
start=$SECONDS
cargo fuzz build -s none
echo "fuzz build: $((SECONDS - start)) s"
logs=$(mktemp -d)
failed=()
for t in $(cargo fuzz list); do
  mkdir -p "corpus/$t"
  t0=$SECONDS
  if cargo fuzz run -s none "$t" "corpus/$t" "seeds/$t" -- \
      -max_total_time="$FUZZ_SECS" -dict=dict -rss_limit_mb="$RSS_MB" -max_len=8192 \
      -timeout=30 -print_final_stats=1 >"$logs/$t.log" 2>&1; then
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$logs/$t.log")
    cov=$(grep -E '^#[0-9]+' "$logs/$t.log" | tail -1 | sed -n 's/.*\(cov: [0-9]* ft: [0-9]*\).*/\1/p')
    echo "fuzz $t: ok, ${execs:-?} runs, ${cov:-?}, $((SECONDS - t0)) s"
  else
    echo "fuzz $t: FAILED ($((SECONDS - t0)) s); the end of its log:"
    tail -n 80 "$logs/$t.log"
    failed+=("$t")
  fi
done
echo "fuzz smoke: $((SECONDS - start)) s in all"
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz smoke failed: ${failed[*]} (inputs in fuzz/artifacts/)"
  exit 1
fi
