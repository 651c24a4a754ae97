#!/usr/bin/env bash
# Installs libctt to a prefix: include/ctt.h, lib/libctt.so.<ver> (+ soname and dev symlinks),
# lib/libctt.a, lib/pkgconfig/ctt.pc and lib/cmake/ctt/ (find_package(ctt) -> ctt::ctt).
#
#   ffi-c/install.sh PREFIX [--debug]
#
# The small alternative to cargo-c's `cargo cinstall` (same layout), without its long install.
# --debug installs the debug build (what the tests use); the default is the release build.
set -euo pipefail
cd "$(dirname "$0")/.."
prefix=${1:?usage: ffi-c/install.sh PREFIX [--debug]}
profile=release
[ "${2:-}" = "--debug" ] && profile=debug
if [ "$profile" = release ]; then cargo build -p ctt-ffi --release --locked; else cargo build -p ctt-ffi --locked; fi
target_dir=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
version=$(grep -m1 '^#define CTT_VERSION_STRING' include/ctt.h | cut -d'"' -f2)
major=${version%%.*}; rest=${version#*.}; minor=${rest%%.*}
if [ "$major" = 0 ]; then soname=libctt.so.0.$minor; else soname=libctt.so.$major; fi
# The libraries a static link needs besides libctt.a (`--print native-static-libs`).
static_libs="-lgcc_s -lutil -lrt -lpthread -lm -ldl -lc"

install -d "$prefix/include" "$prefix/lib/pkgconfig" "$prefix/lib/cmake/ctt"
install -m 644 include/ctt.h "$prefix/include/ctt.h"
install -m 755 "$target_dir/$profile/libctt.so" "$prefix/lib/libctt.so.$version"
ln -sf "libctt.so.$version" "$prefix/lib/$soname"
ln -sf "$soname" "$prefix/lib/libctt.so"
install -m 644 "$target_dir/$profile/libctt.a" "$prefix/lib/libctt.a"
prefix_abs=$(cd "$prefix" && pwd)
sed -e "s|@PREFIX@|$prefix_abs|" -e "s|@VERSION@|$version|" -e "s|@STATIC_LIBS@|$static_libs|" \
  ffi-c/pkg/ctt.pc.in > "$prefix/lib/pkgconfig/ctt.pc"
sed -e "s|@VERSION@|$version|" -e "s|@STATIC_LIBS@|$static_libs|" -e "s|@SONAME@|$soname|" \
  ffi-c/pkg/ctt-config.cmake.in > "$prefix/lib/cmake/ctt/ctt-config.cmake"
sed -e "s|@VERSION@|$version|" ffi-c/pkg/ctt-config-version.cmake.in > "$prefix/lib/cmake/ctt/ctt-config-version.cmake"
echo "installed libctt $version ($profile) to $prefix_abs"
