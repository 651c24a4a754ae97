#!/usr/bin/env bash
# The main job: builds the `ctt` tool and runs `ctt demo`, the whole consent flow end to end
# against the embedded mock of the API and an in-process webhook listener (no network, no
# credentials needed). Extra arguments go to `ctt demo`, e.g. `--type GET_CDR_CONSENT` or
# `--output json`. Exits 0 when every step behaved as expected.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v cargo >/dev/null 2>&1; then
  if [ -x "$HOME/.cargo/bin/cargo" ]; then
    export PATH="$HOME/.cargo/bin:$PATH"
  else
    echo "cargo is required: install a stable Rust toolchain (https://rustup.rs), then run $0 again" >&2
    exit 1
  fi
fi
echo "building ctt (first build takes a few minutes)…" >&2
cargo build --quiet --locked -p ctt-cli
exec ./target/debug/ctt demo "$@"
