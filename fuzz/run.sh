#!/usr/bin/env bash
# Fuzzing of the core's parsers with cargo-fuzz (libFuzzer), seeded from tests/fixtures.
#   fuzz/run.sh            smoke run: every target for FUZZ_SECONDS (default 12) seconds
#   FUZZ_SECONDS=600 fuzz/run.sh    the long run; or one target:
#   RUSTC_BOOTSTRAP=1 cargo fuzz run redirect -- -runs=10000000   (from fuzz/..)
# cargo-fuzz needs nightly flags; RUSTC_BOOTSTRAP=1 lets the stable toolchain accept them.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
export RUSTC_BOOTSTRAP=1
python3 fuzz/seed.py
seconds=${FUZZ_SECONDS:-12}
for target in callback_json redirect action_url_answer state_verify handler; do
  cargo fuzz run "$target" "fuzz/corpus/$target" -- -max_total_time="$seconds" -print_final_stats=1 2>&1 \
    | grep -E "stat::number_of_executed_units|stat::peak_rss_mb|ERROR|panicked|Done" | sed "s/^/[$target] /"
done
