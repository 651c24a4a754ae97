#!/usr/bin/env bash
# The C layer: header drift, the header as C99 and C++17, the C suite (fixtures, conventions,
# NULL/UTF-8/buffers, end to end with mock + listener) plain, under valgrind and under ASan,
# the example, the GoogleTest suite, and an install consumed via pkg-config and CMake.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
need_cmd gcc gcc
need_cmd g++ g++
need_cmd valgrind valgrind
need_cmd cmake cmake
need_cmd pkg-config pkg-config
need_cmd python3 python3
if [ ! -e /usr/lib/x86_64-linux-gnu/libgtest.a ] && [ ! -e /usr/lib/libgtest.a ] && [ ! -e /usr/local/lib/libgtest.a ]; then
  if [ -z "${CTT_APT_UPDATED:-}" ]; then apt-get update -qq; export CTT_APT_UPDATED=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libgtest-dev >/dev/null
fi

step() { echo "--- ffi-c: $*"; }
out=target/ffi-c-tests
rm -rf "$out" && mkdir -p "$out"
CFLAGS=(-std=c99 -Wall -Wextra -Werror -pedantic -g -Iinclude -Iffi-c/tests/c)

step "header drift, version macros, documentation (cargo test)"
cargo test -p ctt-ffi --locked
cargo build -p ctt-ffi --locked
lib=target/debug/libctt.a
readelf -d target/debug/libctt.so | grep -q 'SONAME.*libctt\.so\.0\.' || { echo "libctt.so has no versioned soname" >&2; exit 1; }

step "the header compiles as C99 and C++17 with warnings as errors"
printf '#include <ctt.h>\nint main(void) { return ctt_version() == 0; }\n' > "$out/h.c"
gcc "${CFLAGS[@]}" -c "$out/h.c" -o "$out/h_c.o"
g++ -std=c++17 -Wall -Wextra -Werror -pedantic -Iinclude -x c++ -c "$out/h.c" -o "$out/h_cpp.o"

step "C suite"
python3 ffi-c/tests/gen_null_tests.py include/ctt.h "$out/null_gen.c"
srcs=(ffi-c/tests/c/main.c ffi-c/tests/c/api.c ffi-c/tests/c/fixtures.c ffi-c/tests/c/json.c ffi-c/tests/c/e2e.c "$out/null_gen.c")
libs=(-lpthread -ldl -lm -lrt -lutil)
gcc "${CFLAGS[@]}" -o "$out/ctt_tests" "${srcs[@]}" "$lib" "${libs[@]}"
"$out/ctt_tests" tests/fixtures/cases

step "C suite under valgrind"
valgrind --leak-check=full --errors-for-leak-kinds=definite,possible --error-exitcode=1 -q \
  "$out/ctt_tests" tests/fixtures/cases

step "C suite under AddressSanitizer (with LeakSanitizer)"
gcc "${CFLAGS[@]}" -fsanitize=address,undefined -fno-omit-frame-pointer -o "$out/ctt_tests_asan" "${srcs[@]}" "$lib" "${libs[@]}"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1 "$out/ctt_tests_asan" tests/fixtures/cases

step "example: ffi-c/examples/consent_flow.c"
gcc "${CFLAGS[@]}" -o "$out/consent_flow" ffi-c/examples/consent_flow.c "$lib" "${libs[@]}"
"$out/consent_flow"

step "C++17 GoogleTest suite"
g++ -std=c++17 -Wall -Wextra -Werror -pedantic -Iinclude -o "$out/ctt_gtest" ffi-c/tests/cpp/test_gtest.cpp \
  "$lib" -lgtest -lgtest_main "${libs[@]}"
"$out/ctt_gtest"

step "install to a prefix; out-of-tree consumers via pkg-config (shared, static) and CMake"
prefix=$out/prefix
bash ffi-c/install.sh "$prefix" --debug
export PKG_CONFIG_PATH=$PWD/$prefix/lib/pkgconfig
gcc -std=c99 -Wall -Werror -o "$out/consumer_pc" ffi-c/tests/consumer/consumer.c $(pkg-config --cflags --libs ctt) \
  -Wl,-rpath,"$PWD/$prefix/lib"
"$out/consumer_pc"
readelf -d "$out/consumer_pc" | grep 'NEEDED.*libctt\.so\.0\.' >/dev/null || { echo "consumer does not need the versioned soname" >&2; exit 1; }
# Static link, exactly as ffi-c/README.md documents it (the flags are ctt.pc's Libs.private).
gcc -std=c99 -Wall -Werror -o "$out/consumer_pc_static" ffi-c/tests/consumer/consumer.c \
  $(pkg-config --cflags ctt) "$(pkg-config --variable=libdir ctt)/libctt.a" -lgcc_s -lutil -lrt -lpthread -lm -ldl
"$out/consumer_pc_static"
if readelf -d "$out/consumer_pc_static" | grep 'libctt' >/dev/null; then echo "static consumer links libctt.so" >&2; exit 1; fi
cmake -S ffi-c/tests/consumer -B "$out/cmake" -DCMAKE_PREFIX_PATH="$PWD/$prefix" -DCMAKE_BUILD_RPATH="$PWD/$prefix/lib" >/dev/null
cmake --build "$out/cmake" >/dev/null
"$out/cmake/consumer"
"$out/cmake/consumer_static"
echo "ffi-c: all passed"
