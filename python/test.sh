#!/usr/bin/env bash
# The Python layer: build the wheel with maturin, install the built file into a fresh virtual
# environment, then run the pytest suite and the stub check (mypy.stubtest) against that install.
#
# Reuses what is there: the maturin tools venv (target/python/tools) and cargo's shared target/.
# The wheel is a debug build. Measured on the 2-core machine (2026-12-04): release build 10m35s
# (thin LTO) and suite 6 s; debug build 1-2 min from warm dependencies and suite 12 s.
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$(cd .. && pwd)
WORK="$ROOT/target/python"
PY=${PYTHON:-python3}
source "$ROOT/scripts/lib.sh"

command -v cargo >/dev/null || { echo "cargo is required (rustup, stable toolchain)" >&2; exit 1; }
need_cmd "$PY" python3
if ! "$PY" -c 'import venv, ensurepip' >/dev/null 2>&1; then
  if [ -z "${CTT_APT_UPDATED:-}" ]; then apt-get update -qq; export CTT_APT_UPDATED=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
fi
mkdir -p "$WORK"

# maturin, from PyPI, in its own venv (kept between runs).
if ! "$WORK/tools/bin/maturin" --version >/dev/null 2>&1; then
  "$PY" -m venv --clear "$WORK/tools"
  "$WORK/tools/bin/pip" install -q --disable-pip-version-check "maturin>=1.9,<2"
fi

echo "--- building the wheel"
rm -rf "$WORK/wheels"
"$WORK/tools/bin/maturin" build --locked --interpreter "$PY" -o "$WORK/wheels"
WHEEL=$(ls "$WORK"/wheels/ctt-*.whl)

echo "--- installing $(basename "$WHEEL") into a fresh venv"
"$PY" -m venv --clear "$WORK/test-venv"
VPY="$WORK/test-venv/bin/python"
"$VPY" -m pip install -q --disable-pip-version-check "$WHEEL" "pytest>=8" "pytest-asyncio>=0.24" "mypy>=1.13"

echo "--- pytest"
# Run from the tests folder so that only the installed package can be imported as `ctt`.
(cd tests && CTT_FIXTURES="$ROOT/tests/fixtures/cases" CTT_EXAMPLES="$PWD/../examples" \
  "$VPY" -m pytest -q -p no:cacheprovider)

# The wheel is abi3 for CPython 3.9+: where a 3.9 interpreter is at hand (pyenv), run the suite
# on it too, from the same wheel file.
PY39=""
if python3.9 -c '' >/dev/null 2>&1; then
  PY39=python3.9
elif command -v pyenv >/dev/null 2>&1; then
  V=$(pyenv versions --bare 2>/dev/null | grep -E '^3\.9\.[0-9]+$' | tail -1 || true)
  [ -n "$V" ] && PY39="$(pyenv root)/versions/$V/bin/python3.9"
fi
if [ -n "$PY39" ] && "$PY39" -c 'import venv, ensurepip' >/dev/null 2>&1; then
  echo "--- pytest on $("$PY39" -V) (the oldest supported), same wheel"
  "$PY39" -m venv --clear "$WORK/test-venv39"
  "$WORK/test-venv39/bin/python" -m pip install -q --disable-pip-version-check "$WHEEL" "pytest>=8" "pytest-asyncio>=0.24"
  (cd tests && CTT_FIXTURES="$ROOT/tests/fixtures/cases" CTT_EXAMPLES="$PWD/../examples" \
    "$WORK/test-venv39/bin/python" -m pytest -q -p no:cacheprovider)
else
  echo "--- (no Python 3.9 here: the suite ran on $("$PY" -V) only)"
fi

echo "--- stub check (mypy.stubtest), then mypy over the examples (strict) and the tests"
(cd tests && "$VPY" -m mypy.stubtest ctt --allowlist ../stubtest-allowlist.txt)
(cd examples && "$VPY" -m mypy --strict --no-incremental --cache-dir=/dev/null .)
(cd tests && "$VPY" -m mypy --check-untyped-defs --no-incremental --cache-dir=/dev/null .)
