#!/usr/bin/env bash
# Packages the Swift bindings for Apple platforms: an XCFramework of the static library
# (iOS devices, iOS simulator, macOS) with the generated FFI header and module map, zipped with
# its SwiftPM checksum, plus the generated Ctt.swift for a `binaryTarget` + source target package.
#
# NOT RUN in this repository's CI: it needs macOS with Xcode (xcodebuild, lipo) and the Apple
# Rust targets. It is written to be run by hand on a Mac:
#   rustup target add aarch64-apple-ios aarch64-apple-ios-sim x86_64-apple-ios \
#                     aarch64-apple-darwin x86_64-apple-darwin
#   bindings/swift/build-xcframework.sh            # output in bindings/generated/apple/
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
OUT="$ROOT/bindings/generated/apple"
[ "$(uname -s)" = Darwin ] || { echo "build-xcframework.sh needs macOS with Xcode" >&2; exit 2; }
command -v xcodebuild >/dev/null || { echo "xcodebuild not found (install Xcode)" >&2; exit 2; }

TARGETS=(aarch64-apple-ios aarch64-apple-ios-sim x86_64-apple-ios aarch64-apple-darwin x86_64-apple-darwin)
rm -rf "$OUT"
mkdir -p "$OUT/headers" "$OUT/lib"

for t in "${TARGETS[@]}"; do
  # A static library for Apple platforms (the crate's own crate-type list is for Linux/JVM).
  cargo rustc -p ctt-uniffi --release --locked --target "$t" --crate-type staticlib
done

# Swift sources and the FFI header, generated from the macOS library (library mode).
cargo build --manifest-path bindings/uniffi-bindgen/Cargo.toml --target-dir target --locked
cargo build -p ctt-uniffi --release --locked --target aarch64-apple-darwin
target/debug/uniffi-bindgen generate --library target/aarch64-apple-darwin/release/libctt_uniffi.dylib \
  --language swift --out-dir "$OUT/swift"
cp "$OUT/swift/CttFFI.h" "$OUT/headers/"
cat > "$OUT/headers/module.modulemap" <<'MAP'
module CttFFI {
    header "CttFFI.h"
    export *
}
MAP

lib() { echo "target/$1/release/libctt_uniffi.a"; }
lipo -create "$(lib aarch64-apple-ios-sim)" "$(lib x86_64-apple-ios)" -output "$OUT/lib/libctt_uniffi-ios-sim.a"
lipo -create "$(lib aarch64-apple-darwin)" "$(lib x86_64-apple-darwin)" -output "$OUT/lib/libctt_uniffi-macos.a"

xcodebuild -create-xcframework \
  -library "$(lib aarch64-apple-ios)" -headers "$OUT/headers" \
  -library "$OUT/lib/libctt_uniffi-ios-sim.a" -headers "$OUT/headers" \
  -library "$OUT/lib/libctt_uniffi-macos.a" -headers "$OUT/headers" \
  -output "$OUT/CttFFI.xcframework"

(cd "$OUT" && zip -qry CttFFI.xcframework.zip CttFFI.xcframework)
checksum=$(swift package compute-checksum "$OUT/CttFFI.xcframework.zip")
cat <<EOT
Built $OUT/CttFFI.xcframework.zip (checksum $checksum).
Release package layout: Sources/Ctt/Ctt.swift (from $OUT/swift) and in Package.swift
    .binaryTarget(name: "CttFFI", url: "https://…/CttFFI.xcframework.zip", checksum: "$checksum"),
    .target(name: "Ctt", dependencies: ["CttFFI"]),
EOT
