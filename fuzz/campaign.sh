#!/usr/bin/env bash
# A real fuzzing campaign: every target for CAMPAIGN_SECS seconds (default 1200), JOBS
# at a time (default 2), under `nice -n 10`, from fuzz/corpus/<target>/ (kept between
# campaigns, git-ignored) plus the committed seeds, with the dictionary. Logs go to
# fuzz/campaign-logs/ (git-ignored); at the end a summary table (execs/s, total execs,
# coverage, features, crashes) is printed and written to campaign-logs/summary.md.
# Run it detached, e.g.:
#   cd fuzz && CAMPAIGN_SECS=1200 JOBS=2 setsid nohup ./campaign.sh > campaign.out 2>&1 &
set -euo pipefail
cd "$(dirname "$0")"
export CAMPAIGN_SECS="${CAMPAIGN_SECS:-1200}"
JOBS="${JOBS:-2}"
export RSS_MB="${FUZZ_RSS_MB:-2048}"
cargo fuzz --version >/dev/null 2>&1 || cargo install cargo-fuzz --locked
mkdir -p campaign-logs
touch campaign-logs/.start
nice -n 10 cargo fuzz build -s none
targets=$(cargo fuzz list)
echo "campaign: $(echo $targets | wc -w) targets x ${CAMPAIGN_SECS} s, $JOBS at a time, started $(date -u +%FT%TZ)"

run_one() {
  local t=$1
  mkdir -p "corpus/$t"
  local rc=0
  nice -n 10 cargo fuzz run -s none "$t" "corpus/$t" "seeds/$t" -- \
    -max_total_time="$CAMPAIGN_SECS" -dict=dict -rss_limit_mb="$RSS_MB" -max_len=8192 \
    -timeout=30 -print_final_stats=1 >"campaign-logs/$t.log" 2>&1 || rc=$?
  echo "$rc" >"campaign-logs/$t.rc"
  echo "campaign: $t finished (exit $rc) $(date -u +%FT%TZ)"
}
export -f run_one
printf '%s\n' $targets | xargs -P "$JOBS" -I{} bash -c 'run_one {}'

{
  echo "| target | execs/s | total execs | cov | ft | corpus | crashes | exit |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|"
  for t in $targets; do
    log="campaign-logs/$t.log"
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
    last=$(grep -E '^#[0-9]+' "$log" | tail -1)
    cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
    ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
    corp=$(sed -n 's/.* corp: \([0-9]*\/[0-9a-zA-Z]*\).*/\1/p' <<<"$last")
    crashes=$(find "artifacts/$t" -type f -newer campaign-logs/.start 2>/dev/null | wc -l)
    echo "| $t | ${rate:-?} | ${execs:-?} | ${cov:-?} | ${ft:-?} | ${corp:-?} | $crashes | $(cat "campaign-logs/$t.rc") |"
  done
} | tee campaign-logs/summary.md
