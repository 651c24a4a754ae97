#!/usr/bin/env bash
# Hardening evidence (issue 7), each part through a layer's public API:
#   1. Rust (crate ctt-hardening): the listener under attack, the fault matrix, secrets in every
#      format and in the TRACE log;
#   2. a fuzz smoke run of the five cargo-fuzz targets (fuzz/run.sh, FUZZ_SECONDS=12 each);
#   3. C (hardening/c/stress.c against libctt.a): 10,000 flows with RSS at start and end, one
#      client shared by 8 pthreads (also under ASan+UBSan), the fault matrix, secrets;
#   4. Python (hardening/python/stress.py against the installed wheel): 10,000 flows with RSS,
#      the fault matrix, secrets in exceptions and in the DEBUG log.
# Reuses: target/debug/libctt.a (built by ffi-c/test.sh; built here if missing), the venv
# target/python/test-venv with the wheel installed (by python/test.sh; run here if missing),
# fuzz/target (cargo-fuzz's own build). Figures: the lines starting with ATTACK, FAULT, MEMORY,
# THREADS, SECRETS (also kept in target/hardening/figures.txt). Knobs: HARDENING_FLOWS (10000),
# FUZZ_SECONDS (12), HARDENING_SKIP_FUZZ=1.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
need_cmd gcc gcc
need_cmd python3 python3
flows=${HARDENING_FLOWS:-10000}
out=target/hardening
mkdir -p "$out"
figures=$PWD/$out/figures.txt
: >"$figures"
step() { echo "--- hardening: $*"; }
# run LOG CMD...: runs CMD with its output in LOG, shows the figure lines, fails like CMD.
run() {
  local log=$1 rc=0
  shift
  "$@" >"$log" 2>&1 || rc=$?
  grep -oE "(ATTACK|FAULT|MEMORY|THREADS|SECRETS) .*" "$log" | tee -a "$figures" || true
  if [ $rc -ne 0 ]; then
    echo "FAILED ($rc): $*" >&2
    grep -vE "^(ATTACK|FAULT|MEMORY|THREADS|SECRETS)" "$log" | tail -40 >&2
    return $rc
  fi
}

limit=$(ulimit -n)
if [ "$limit" != unlimited ] && [ "$limit" -lt 4096 ]; then ulimit -n 4096 2>/dev/null || true; fi

step "Rust: listener under attack, fault matrix, secrets (open files limit $(ulimit -n))"
run "$out/rust.log" cargo test -p ctt-hardening --locked -- --nocapture --test-threads=1
grep -E "^test result" "$out/rust.log"

if [ -z "${HARDENING_SKIP_FUZZ:-}" ]; then
  step "fuzz smoke run (fuzz/run.sh, ${FUZZ_SECONDS:-12} s per target)"
  bash fuzz/run.sh
fi

step "C: libctt through ctt.h (memory over $flows flows, 8 pthreads, fault matrix, secrets)"
lib=target/debug/libctt.a
[ -e "$lib" ] || cargo build -p ctt-ffi --locked
libs=(-lpthread -ldl -lm -lrt -lutil)
gcc -std=c99 -Wall -Wextra -Werror -O1 -g -Iinclude -o "$out/stress" hardening/c/stress.c "$lib" "${libs[@]}"
run "$out/c-memory.log" "$out/stress" memory "$flows"
run "$out/c-threads.log" "$out/stress" threads 8 100
run "$out/c-faults.log" "$out/stress" faults
run "$out/c-secrets.log" "$out/stress" secrets
step "C: the shared client and the secrets check again under AddressSanitizer + UndefinedBehaviorSanitizer"
gcc -std=c99 -Wall -Wextra -Werror -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -Iinclude \
  -o "$out/stress_asan" hardening/c/stress.c "$lib" "${libs[@]}"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
run "$out/c-threads-asan.log" "$out/stress_asan" threads 8 25
run "$out/c-secrets-asan.log" "$out/stress_asan" secrets
unset ASAN_OPTIONS UBSAN_OPTIONS

step "Python: the installed wheel (memory over $flows flows, fault matrix, secrets)"
VPY=target/python/test-venv/bin/python
"$VPY" -c "import ctt" 2>/dev/null || bash python/test.sh
(cd hardening/python && run "../../$out/py-memory.log" "../../$VPY" stress.py memory "$flows")
(cd hardening/python && run "../../$out/py-faults.log" "../../$VPY" stress.py faults)
(cd hardening/python && run "../../$out/py-secrets.log" "../../$VPY" stress.py secrets)

echo "hardening: all passed (figures in $figures)"
