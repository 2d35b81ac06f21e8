// swift-tools-version:5.9
// VeldwerkCore: the generated uniffi Swift bindings over the Rust core, plus the Keychain key
// store. The Rust static library arrives as VeldwerkRust.xcframework, built on macOS with
// ios/build-xcframework.sh (see docs/mobile.md).
import PackageDescription

let package = Package(
    name: "VeldwerkCore",
    platforms: [.iOS(.v15), .macOS(.v12)],
    products: [
        .library(name: "VeldwerkCore", targets: ["VeldwerkCore"]),
    ],
    targets: [
        .binaryTarget(name: "VeldwerkRust", path: "VeldwerkRust.xcframework"),
        .target(
            name: "VeldwerkCore",
            dependencies: ["VeldwerkRust"],
            path: "Sources/VeldwerkCore"
        ),
    ]
)
