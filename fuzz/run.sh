#!/usr/bin/env bash
# Fuzzing of the core's parsers with cargo-fuzz (libFuzzer), seeded from tests/fixtures.
#   fuzz/run.sh                      smoke run: every target for FUZZ_SECONDS (default 12) seconds
#   fuzz/run.sh redirect handler     only these targets
#   fuzz/long.sh                     the long run: 10 million executions per target, into RESULTS.md
# cargo-fuzz needs nightly flags; RUSTC_BOOTSTRAP=1 lets the stable toolchain accept them.
# Every target runs even if an earlier one crashed; the exit status is 1 if any crashed, and
# the crash inputs are in fuzz/artifacts/<target>/ (reproduce: cargo fuzz run <target> <file>).
set -uo pipefail
cd "$(dirname "$0")/.."
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
export RUSTC_BOOTSTRAP=1
python3 fuzz/seed.py
seconds=${FUZZ_SECONDS:-12}
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(callback_json redirect action_url_answer state_verify handler)
crashed=()
for target in "${targets[@]}"; do
  log=$(mktemp)
  cargo fuzz run -s "${FUZZ_SANITIZER:-none}" "$target" "fuzz/corpus/$target" -- -max_total_time="$seconds" -print_final_stats=1 >"$log" 2>&1
  rc=$?
  execs=$(grep -oE "stat::number_of_executed_units: *[0-9]+" "$log" | grep -oE "[0-9]+$" | tail -1)
  rss=$(grep -oE "stat::peak_rss_mb: *[0-9]+" "$log" | grep -oE "[0-9]+$" | tail -1)
  if [ $rc -ne 0 ]; then
    crashed+=("$target")
    echo "[$target] CRASH after ${execs:-?} executions (exit $rc):"
    grep -E "panicked|ERROR|Test unit written|assertion" "$log" | head -5 | sed "s/^/[$target]   /"
  else
    echo "[$target] ok: ${execs:-?} executions in ${seconds} s, peak RSS ${rss:-?} MB"
  fi
  rm -f "$log"
done
if [ ${#crashed[@]} -gt 0 ]; then
  echo "fuzz: crashes in: ${crashed[*]}" >&2
  exit 1
fi
echo "fuzz: no crash in ${#targets[@]} targets"
