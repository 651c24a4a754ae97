#!/usr/bin/env bash
# The benchmark suite: ctt against what users would use instead, side by side, in one run.
#
#   bench/run.sh                  full run (release builds, then ~6 min); output also saved to
#                                 bench/results/<UTC date>.txt
#   bench/run.sh --smoke          a few seconds of tiny N (debug builds, reused from the tests):
#                                 checks that every contender runs; figures are meaningless
#   bench/run.sh [--smoke] client bulk parse listener footprint   only these sections (output
#                                 saved under target/bench/, not bench/results/)
#   bench/run.sh [--smoke] --build-only                          build everything, measure nothing
#
# Installs what it needs (Debian: wrk, hyperfine, libcjson-dev, gcc; PyPI: maturin, httpx,
# requests, pydantic) and reuses what is there. See bench/README.md for how to read the tables.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
source scripts/lib.sh

SMOKE=""; BUILD_ONLY=""
for a in "$@"; do
  case "$a" in --smoke) SMOKE=1 ;; --build-only) BUILD_ONLY=1 ;; esac
done
if [ -n "$SMOKE" ]; then PROFILE=debug; CARGO_PROFILE=(); MATURIN_PROFILE=(); else
  PROFILE=release; CARGO_PROFILE=(--release); MATURIN_PROFILE=(--release); fi
WORK="$ROOT/target/bench"
mkdir -p "$WORK"

need_cmd wrk wrk
need_cmd hyperfine hyperfine
need_cmd gcc gcc
need_cmd strip binutils
need_cmd python3 python3
if [ ! -f /usr/include/cjson/cJSON.h ]; then
  echo "installing libcjson-dev"
  if [ -z "${CTT_APT_UPDATED:-}" ]; then apt-get update -qq; export CTT_APT_UPDATED=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libcjson-dev >/dev/null
fi
if ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then
  if [ -z "${CTT_APT_UPDATED:-}" ]; then apt-get update -qq; export CTT_APT_UPDATED=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
fi
command -v cargo >/dev/null || { echo "cargo is required (rustup, stable toolchain)" >&2; exit 1; }

echo "--- building ($PROFILE): ctt, libctt.so, ctt-bench"
cargo build -q "${CARGO_PROFILE[@]}" -p ctt-cli -p ctt-ffi -p ctt-bench
T="$ROOT/target/$PROFILE"

echo "--- building the C parse benchmark (libctt + cJSON)"
# libctt.so has a versioned soname (libctt.so.0.<minor>): give the binary its own copy and link.
LIB="$WORK/lib-$PROFILE"
rm -rf "$LIB" && mkdir -p "$LIB" && cp "$T/libctt.so" "$LIB/"
SONAME=$(readelf -d "$LIB/libctt.so" | sed -n 's/.*SONAME.*\[\(.*\)\]/\1/p')
[ -n "$SONAME" ] && ln -sf libctt.so "$LIB/$SONAME"
gcc -O2 -std=c11 -Wall -Wextra -Werror -I "$ROOT/include" bench/c/parse_bench.c -o "$WORK/parse_bench-$PROFILE" \
  -L "$LIB" -lctt -lcjson -Wl,-rpath,"$LIB"

echo "--- building the wheel ($PROFILE) and the bench venv"
if ! "$ROOT/target/python/tools/bin/maturin" --version >/dev/null 2>&1; then
  python3 -m venv --clear "$ROOT/target/python/tools"
  "$ROOT/target/python/tools/bin/pip" install -q --disable-pip-version-check "maturin>=1.9,<2"
fi
rm -rf "$WORK/wheels-$PROFILE"
"$ROOT/target/python/tools/bin/maturin" build --locked "${MATURIN_PROFILE[@]}" --interpreter python3 \
  -m python/Cargo.toml -o "$WORK/wheels-$PROFILE" >"$WORK/maturin.log" 2>&1 || { cat "$WORK/maturin.log"; exit 1; }
WHEEL=$(ls "$WORK"/wheels-$PROFILE/ctt-*.whl)
VENV="$WORK/venv"
if ! "$VENV/bin/python" -c 'import httpx, requests, pydantic' >/dev/null 2>&1; then
  python3 -m venv --clear "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check "httpx>=0.27" "requests>=2.32" "pydantic>=2.7,<3"
fi
"$VENV/bin/pip" install -q --disable-pip-version-check --force-reinstall --no-deps "$WHEEL"

export BENCH_CTT="$T/ctt" BENCH_RUST="$T/ctt-bench" BENCH_PARSE_C="$WORK/parse_bench-$PROFILE" \
  BENCH_PY="$VENV/bin/python" BENCH_LIBCTT="$T/libctt.so" BENCH_WHEEL="$WHEEL"
# The Kotlin binding (optional: needs java + mvn, as bindings/test.sh installs them; skipped with
# a note when they are missing or the build fails, since that layer is not a prerequisite here).
BENCH_KOTLIN=""
SECTIONS=" $(printf '%s ' "$@" | sed 's/--smoke//g; s/--build-only//g') "
WANT_PARSE=""; { [ -z "${SECTIONS// /}" ] || [[ "$SECTIONS" == *" parse "* ]]; } && WANT_PARSE=1
# --smoke leaves it out unless CTT_BENCH_KOTLIN=1 (compiling the generated Kotlin takes a minute).
KOTLIN_DEFAULT=1; [ -n "$SMOKE" ] && KOTLIN_DEFAULT=0
if [ -n "$WANT_PARSE" ] && [ "${CTT_BENCH_KOTLIN:-$KOTLIN_DEFAULT}" != 0 ] && command -v mvn >/dev/null && command -v java >/dev/null; then
  echo "--- building the Kotlin parse benchmark (libctt_uniffi $PROFILE, generated bindings, Maven)"
  KLOG="$WORK/kotlin-build.log"
  if {
    cargo build -q "${CARGO_PROFILE[@]}" -p ctt-uniffi --locked &&
    { [ -x target/debug/uniffi-bindgen ] ||
      cargo build -q --manifest-path bindings/uniffi-bindgen/Cargo.toml --target-dir target --locked; } &&
    rm -rf "$WORK/kotlin-gen-new" &&
    target/debug/uniffi-bindgen generate --no-format --library "$T/libctt_uniffi.so" --language kotlin \
      --out-dir "$WORK/kotlin-gen-new" &&
    # Keep the old sources (and their time stamps) when nothing changed: Maven then has nothing to do.
    { if diff -rq "$WORK/kotlin-gen-new" "$WORK/kotlin-gen-$PROFILE" >/dev/null 2>&1; then rm -rf "$WORK/kotlin-gen-new";
      else rm -rf "$WORK/kotlin-gen-$PROFILE" && mv "$WORK/kotlin-gen-new" "$WORK/kotlin-gen-$PROFILE"; fi; } &&
    KCLASS="$WORK/kotlin-$PROFILE/classes/ParseBenchKt.class" &&
    { [ -f "$KCLASS" ] && [ -f "$WORK/kotlin-$PROFILE/classpath.txt" ] &&
        [ -z "$(find "$WORK/kotlin-gen-$PROFILE" bench/kotlin/src bench/kotlin/pom.xml bindings/kotlin/src/main -newer "$KCLASS" | head -1)" ] ||
      (cd bench/kotlin && mvn -q -B -Dctt.generated.dir="$WORK/kotlin-gen-$PROFILE" \
        -Dbench.build.dir="$WORK/kotlin-$PROFILE" compile dependency:build-classpath); }
  } >"$KLOG" 2>&1; then
    BENCH_KOTLIN="java -Xss4m -Djna.library.path=$T -cp $WORK/kotlin-$PROFILE/classes:$(cat "$WORK/kotlin-$PROFILE/classpath.txt") ParseBenchKt"
  else
    echo "    (Kotlin benchmark not built, left out; see $KLOG)"; tail -5 "$KLOG"
  fi
elif [ -n "$WANT_PARSE" ]; then
  echo "--- (no java/mvn here, or CTT_BENCH_KOTLIN=0: the Kotlin binding is left out of the parse section)"
fi
export BENCH_KOTLIN

if [ -n "$BUILD_ONLY" ]; then
  echo "--- built (--build-only): nothing measured"; exit 0
fi
if [ -n "$SMOKE" ]; then
  exec python3 bench/bench.py "$@"
fi
# Only a full run is kept in bench/results/ (committed); a partial one goes under target/.
if [ -z "${SECTIONS// /}" ]; then
  mkdir -p bench/results; OUT="bench/results/$(date -u +%Y-%m-%d).txt"
else
  OUT="$WORK/partial-$(date -u +%Y-%m-%dT%H%M%S).txt"
fi
{
  echo "command: bench/run.sh $*"
  echo "commit: $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
  python3 bench/bench.py "$@"
} 2>&1 | tee "$OUT"
echo "(saved to $OUT)"
