#!/usr/bin/env bash
# Builds VeldwerkRust.xcframework (device + simulator static libraries with the generated C
# header and module map) for the Swift package. Runs on macOS with Xcode and the iOS Rust
# targets: rustup target add aarch64-apple-ios aarch64-apple-ios-sim x86_64-apple-ios
set -euo pipefail
cd "$(dirname "$0")/.."
TARGET=${CARGO_TARGET_DIR:-target}
for t in aarch64-apple-ios aarch64-apple-ios-sim x86_64-apple-ios; do
    cargo build --release -p veldwerk-mobile --lib --target "$t"
done
mkdir -p "$TARGET/ios-sim"
lipo -create "$TARGET/aarch64-apple-ios-sim/release/libveldwerk_mobile.a" \
    "$TARGET/x86_64-apple-ios/release/libveldwerk_mobile.a" \
    -output "$TARGET/ios-sim/libveldwerk_mobile.a"
rm -rf ios/VeldwerkCore/VeldwerkRust.xcframework
xcodebuild -create-xcframework \
    -library "$TARGET/aarch64-apple-ios/release/libveldwerk_mobile.a" -headers ios/VeldwerkCore/FFI/include \
    -library "$TARGET/ios-sim/libveldwerk_mobile.a" -headers ios/VeldwerkCore/FFI/include \
    -output ios/VeldwerkCore/VeldwerkRust.xcframework
