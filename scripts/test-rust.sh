#!/usr/bin/env bash
# The Rust layer: formatting, lints as errors, every test and doc-test of the workspace.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v cargo >/dev/null || { echo "cargo is required (rustup, stable toolchain)" >&2; exit 1; }
cargo fmt --all --check
cargo clippy --workspace --all-targets --locked -- -D warnings
# ctt-hardening runs in its own layer (hardening/test.sh), single-threaded with its figures.
cargo test --workspace --locked --exclude ctt-hardening
