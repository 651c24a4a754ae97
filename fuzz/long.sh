#!/usr/bin/env bash
# The long fuzz run: each target once for FUZZ_RUNS (default 10 000 000) executions, one after the
# other at low priority (nice 19), logs in fuzz/logs/<target>.log; prints one Markdown table row
# per target (executions, seconds, exec/s, outcome) for fuzz/RESULTS.md.
#   fuzz/long.sh                   all five targets
#   fuzz/long.sh handler redirect  some
#   fuzz/long.sh --table           only print the rows again from the logs in fuzz/logs/
set -uo pipefail
cd "$(dirname "$0")/.."
row() { # TARGET: one table row from fuzz/logs/TARGET.log
  local log=fuzz/logs/$1.log execs secs rate cov outcome
  execs=$(grep -oE "stat::number_of_executed_units: *[0-9]+" "$log" | grep -oE "[0-9]+$" | tail -1)
  secs=$(grep -oE "^Done [0-9]+ runs in [0-9]+ second" "$log" | grep -oE "in [0-9]+" | grep -oE "[0-9]+" | tail -1)
  rate=$(grep -oE "stat::average_exec_per_sec: *[0-9]+" "$log" | grep -oE "[0-9]+$" | tail -1)
  cov=$(grep -oE "cov: [0-9]+" "$log" | tail -1 | grep -oE "[0-9]+")
  outcome="no crash"
  grep -q "Test unit written to" "$log" && outcome="CRASH: $(grep -oE "Test unit written to [^ ]+" "$log" | tail -1)"
  [ -n "$execs" ] || outcome="unfinished"
  echo "| $1 | ${execs:-?} | ${secs:-?} | ${rate:-?} | ${cov:-?} | $outcome | $(date -u -r "$log" +%H:%M) UTC |"
}
if [ "${1:-}" = "--table" ]; then
  for t in callback_json redirect action_url_answer state_verify handler; do [ -e "fuzz/logs/$t.log" ] && row "$t"; done
  exit 0
fi
export RUSTC_BOOTSTRAP=1
python3 fuzz/seed.py >/dev/null
runs=${FUZZ_RUNS:-10000000}
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(callback_json redirect action_url_answer state_verify handler)
mkdir -p fuzz/logs
for target in "${targets[@]}"; do
  log=fuzz/logs/$target.log
  nice -n 19 cargo fuzz run -s "${FUZZ_SANITIZER:-none}" "$target" "fuzz/corpus/$target" -- -runs="$runs" -print_final_stats=1 >"$log" 2>&1
  row "$target"
done
