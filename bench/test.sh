#!/usr/bin/env bash
# The benchmark suite's smoke layer for scripts/test-all.sh: every contender of bench/run.sh runs
# once on tiny N (debug builds, reused from the other layers) and must answer correctly (same
# parse results everywhere, every bulk request and every listener callback accepted). Asserts no
# timing. The real measurement is `bench/run.sh` (see bench/README.md).
set -euo pipefail
cd "$(dirname "$0")/.."
exec bash bench/run.sh --smoke
