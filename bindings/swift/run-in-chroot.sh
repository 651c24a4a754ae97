#!/usr/bin/env bash
# Runs the Swift package's tests (`swift test`) inside a Debian trixie chroot, because no Swift
# toolchain exists for Debian 12 (bookworm). The chroot lives in a cache directory outside the
# repository and is reused on later runs.
#
#   run-in-chroot.sh setup            create the chroot (if missing) and install swiftlang
#   run-in-chroot.sh test LIBDIR FIXTURES
#                                     copy the package (with the generated sources that
#                                     bindings/test.sh put in it), the host-built
#                                     LIBDIR/libctt_uniffi.so and the fixture cases in; `swift test`
#
# Env: CTT_SWIFT_CHROOT (default /var/cache/ctt-swift-chroot), CTT_DEBIAN_MIRROR.
# The first setup downloads ~0.5 GB and uses ~3.5 GB of disk (about 1.5 min on a fast link).
# /proc (and /dev, if the chroot has no device nodes) are mounted only while needed and are
# unmounted on every exit path (trap).
set -euo pipefail

CACHE="${CTT_SWIFT_CHROOT:-/var/cache/ctt-swift-chroot}"
ROOT="$CACHE/root"
# (Paths inside the chroot are checked without following absolute symlinks, which would point
# into the host: /usr/bin/swift -> /usr/libexec/swift/bin/swift.)
MIRROR="${CTT_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
HERE="$(cd "$(dirname "$0")" && pwd)"

log() { printf '[swift-chroot] %s\n' "$*" >&2; }

MOUNTS=()
cleanup() {
  local i
  for ((i = ${#MOUNTS[@]} - 1; i >= 0; i--)); do
    umount "${MOUNTS[$i]}" 2>/dev/null || umount -l "${MOUNTS[$i]}" 2>/dev/null || true
  done
  MOUNTS=()
}
trap cleanup EXIT INT TERM HUP

mount_into() { # mount_into ROOT
  local r="$1"
  if ! mountpoint -q "$r/proc"; then
    mount -t proc proc "$r/proc"
    MOUNTS+=("$r/proc")
  fi
  if [ ! -c "$r/dev/null" ] && ! mountpoint -q "$r/dev"; then
    mount --bind /dev "$r/dev"
    MOUNTS+=("$r/dev")
  fi
}

in_root() { # in_root ROOT CMD...
  local r="$1"; shift
  chroot "$r" /usr/bin/env -i HOME=/root PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive "$@"
}

need_root() {
  if [ "$(id -u)" != 0 ]; then
    log "must run as root (chroot, mount, debootstrap)"; exit 2
  fi
}

setup() {
  need_root
  if [ -f "$CACHE/ready" ] && [ -x "$ROOT/usr/libexec/swift/bin/swift-driver" ]; then
    log "reusing chroot $ROOT"; return 0
  fi
  mkdir -p "$CACHE"
  exec 9>"$CACHE/lock"
  flock 9
  if [ -f "$CACHE/ready" ] && [ -x "$ROOT/usr/libexec/swift/bin/swift-driver" ]; then
    log "reusing chroot $ROOT (made by a concurrent run)"; return 0
  fi
  if ! command -v debootstrap >/dev/null; then
    log "installing debootstrap"
    apt-get update -qq && apt-get install -y -qq debootstrap >/dev/null
  fi
  local tmp="$CACHE/root.partial"
  if [ ! -x "$tmp/usr/bin/apt-get" ] || [ ! -f "$CACHE/bootstrapped" ]; then
    rm -rf "$tmp" "$CACHE/bootstrapped"
    log "debootstrap --variant=minbase trixie into $tmp (mirror $MIRROR)"
    debootstrap --variant=minbase trixie "$tmp" "$MIRROR"
    touch "$CACHE/bootstrapped"
  fi
  cp -L /etc/resolv.conf "$tmp/etc/resolv.conf" 2>/dev/null || true
  mount_into "$tmp"
  log "apt-get install swiftlang libc6-dev (in the chroot)"
  in_root "$tmp" apt-get update -qq
  in_root "$tmp" apt-get install -y -qq --no-install-recommends swiftlang libc6-dev >/dev/null
  in_root "$tmp" apt-get clean
  in_root "$tmp" swift --version >&2 # needs /proc: the toolchain finds its libraries via $ORIGIN
  cleanup
  rm -rf "$ROOT"
  mv "$tmp" "$ROOT"
  rm -f "$CACHE/bootstrapped"
  touch "$CACHE/ready"
  log "chroot ready: $ROOT"
}

run_test() {
  local libdir="$1" fixtures="$2"
  setup
  [ -f "$libdir/libctt_uniffi.so" ] || { log "missing $libdir/libctt_uniffi.so"; exit 2; }
  [ -f "$HERE/Sources/Ctt/Ctt.swift" ] && [ -f "$HERE/Sources/CttFFI/CttFFI.h" ] \
    || { log "the generated Swift is missing; run bindings/test.sh"; exit 2; }
  exec 8>"$CACHE/test.lock"
  flock 8
  local dst="$ROOT/work/ctt-swift"
  # Everything but SwiftPM's .build (kept so that later runs build incrementally) is replaced.
  mkdir -p "$dst"
  find "$dst" -mindepth 1 -maxdepth 1 ! -name .build -exec rm -rf {} +
  mkdir -p "$dst/lib" "$dst/fixtures"
  # The package (generated sources included), without host build products.
  (cd "$HERE" && tar --exclude=./.build -cf - .) | (cd "$dst" && tar -xf -)
  cp "$libdir/libctt_uniffi.so" "$dst/lib/"
  cp -r "$fixtures/." "$dst/fixtures/"
  mount_into "$ROOT"
  local rc=0
  in_root "$ROOT" /bin/sh -c "cd /work/ctt-swift && CTT_FIXTURES_DIR=/work/ctt-swift/fixtures \
      LD_LIBRARY_PATH=/work/ctt-swift/lib swift test --disable-swift-testing -Xlinker -L/work/ctt-swift/lib \
      -Xlinker -rpath=/work/ctt-swift/lib ${CTT_SWIFT_TEST_ARGS:-}" || rc=$?
  cleanup
  return $rc
}

case "${1:-}" in
  setup) setup ;;
  test) shift; [ $# -eq 2 ] || { log "usage: $0 test LIBDIR FIXTURES"; exit 2; }; run_test "$1" "$2" ;;
  *) echo "usage: $0 setup | test LIBDIR FIXTURES" >&2; exit 2 ;;
esac
