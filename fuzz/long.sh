#!/usr/bin/env bash
# The long fuzz run: each target once for FUZZ_RUNS (default 10 000 000) executions, one after the
# other at low priority (nice 19), logs in fuzz/logs/<target>.log; prints one Markdown table row
# per target (executions, seconds, exec/s, outcome) for fuzz/RESULTS.md.
#   fuzz/long.sh                   all five targets
#   fuzz/long.sh handler redirect  some
set -uo pipefail
cd "$(dirname "$0")/.."
export RUSTC_BOOTSTRAP=1
python3 fuzz/seed.py >/dev/null
runs=${FUZZ_RUNS:-10000000}
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(callback_json redirect action_url_answer state_verify handler)
mkdir -p fuzz/logs
for target in "${targets[@]}"; do
  log=fuzz/logs/$target.log
  start=$(date +%s)
  nice -n 19 cargo fuzz run -s "${FUZZ_SANITIZER:-none}" "$target" "fuzz/corpus/$target" -- -runs="$runs" -print_final_stats=1 >"$log" 2>&1
  rc=$?
  secs=$(( $(date +%s) - start ))
  execs=$(grep -oE "stat::number_of_executed_units: *[0-9]+" "$log" | grep -oE "[0-9]+$" | tail -1)
  rate=$(grep -oE "stat::average_exec_per_sec: *[0-9]+" "$log" | grep -oE "[0-9]+$" | tail -1)
  cov=$(grep -oE "cov: [0-9]+" "$log" | tail -1)
  outcome="no crash"
  [ $rc -eq 0 ] || outcome="CRASH: $(grep -oE "Test unit written to [^ ]+" "$log" | tail -1)"
  echo "| $target | ${execs:-?} | $secs | ${rate:-?} | ${cov:-?} | $outcome | $(date -u +%H:%M) UTC |"
done
