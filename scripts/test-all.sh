#!/usr/bin/env bash
# Every test of every layer. Installs what it needs on a fresh machine, reuses what is there.
# Each layer has its own script; a layer that fails stops the run with a non-zero exit.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

layer "Rust workspace (fmt, clippy, tests, doc-tests)" scripts/test-rust.sh
layer "Python package (wheel, pytest, stubtest)" python/test.sh
layer "C ABI (libctt: header drift, C suite plain/valgrind/ASan, C++, install + consumers)" ffi-c/test.sh
layer "Kotlin + Swift bindings (uniffi: generate, JUnit, XCTest in a trixie chroot)" bindings/test.sh
layer "Hardening (listener under attack, fuzz smoke, fault matrix, secrets, memory/threads in C and Python)" hardening/test.sh
layer "Benchmarks smoke (every contender of bench/run.sh once, tiny N, no timing asserted)" bench/test.sh
# Further layers register here, one line each.

summary
