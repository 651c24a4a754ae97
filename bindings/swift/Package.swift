// swift-tools-version:5.9
// The Swift bindings of ctt. `Sources/Ctt/Ctt.swift` and `Sources/CttFFI/CttFFI.h` are generated
// by uniffi-bindgen (bindings/test.sh copies them in; they are not committed). The library
// `libctt_uniffi` must be on the linker and loader paths (see run-in-chroot.sh).
import PackageDescription

let package = Package(
    name: "Ctt",
    products: [
        .library(name: "Ctt", targets: ["Ctt"]),
    ],
    targets: [
        // The C declarations of the FFI, linked against libctt_uniffi.
        .systemLibrary(name: "CttFFI", path: "Sources/CttFFI"),
        .target(name: "Ctt", dependencies: ["CttFFI"], path: "Sources/Ctt"),
        .testTarget(name: "CttTests", dependencies: ["Ctt"], path: "Tests/CttTests"),
    ]
)
