#!/usr/bin/env bash
# The mobile bindings tested on a plain JVM (no Android SDK): builds veldwerk-mobile and
# veldwerk-server, generates the Kotlin bindings (library mode), checks the committed Swift
# bindings are current, starts a demo server on a free loopback port with a temporary data
# directory, runs the Kotlin bindings test and the view-model tests against it, stops it, and
# runs the Rust figure of the same recording call for the FFI overhead.
#
# Usage: scripts/mobile-tests.sh [--update-swift] [--no-bench]
#   --update-swift  write the generated Swift bindings into ios/ instead of failing on a diff
#   --no-bench      skip the Rust bench (the Kotlin figures are still printed)
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)
UPDATE_SWIFT=0
BENCH=1
for arg in "$@"; do
    case "$arg" in
        --update-swift) UPDATE_SWIFT=1 ;;
        --no-bench) BENCH=0 ;;
        *) echo "unknown argument: $arg" >&2; exit 2 ;;
    esac
done

TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
BUILD=$ROOT/build/mobile
TOOLS=$ROOT/build/tools
KOTLIN_VERSION=2.4.20
SWIFT_DIR=$ROOT/ios/VeldwerkCore/Sources/VeldwerkCore/Generated
SWIFT_FFI_DIR=$ROOT/ios/VeldwerkCore/FFI
mkdir -p "$BUILD" "$TOOLS"

step() { printf '\n== %s\n' "$*"; }

# --- tools -----------------------------------------------------------------------------------
step "tools"
JNA=/usr/share/java/jna.jar
if [ ! -f "$JNA" ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y libjna-java >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y libjna-java >/dev/null; }
fi
KOTLINC=$TOOLS/package/bin/kotlinc
STDLIB=$TOOLS/package/lib/kotlin-stdlib.jar
if [ ! -x "$KOTLINC" ]; then
    (cd "$TOOLS" && npm pack "kotlin-compiler@$KOTLIN_VERSION" >/dev/null && tar xzf "kotlin-compiler-$KOTLIN_VERSION.tgz")
fi
echo "jna: $JNA"
echo "kotlinc: $("$KOTLINC" -version 2>&1 | tail -1)"

# --- build -----------------------------------------------------------------------------------
step "cargo build --release -p veldwerk-mobile -p veldwerk-server"
cargo build --release -p veldwerk-mobile -p veldwerk-server --bins --lib
# Private copies: a target directory shared with other checkouts may be rewritten meanwhile.
rm -rf "$BUILD/bin" && mkdir -p "$BUILD/bin"
cp "$TARGET/release/libveldwerk_mobile.so" "$TARGET/release/uniffi-bindgen" "$TARGET/release/veldwerk-server" "$BUILD/bin/"
LIB=$BUILD/bin/libveldwerk_mobile.so
BINDGEN=$BUILD/bin/uniffi-bindgen
SERVER=$BUILD/bin/veldwerk-server
grep -q '/v1/sync' "$SERVER" || { echo "FAIL: $SERVER has no /v1/sync route (stale build?)" >&2; exit 1; }

# --- bindings --------------------------------------------------------------------------------
step "generate Kotlin bindings (library mode)"
rm -rf "$BUILD/kotlin"
"$BINDGEN" generate --library "$LIB" --language kotlin --out-dir "$BUILD/kotlin" --no-format
KOTLIN_BINDINGS=$BUILD/kotlin/uniffi/veldwerk/veldwerk.kt

step "generate Swift bindings and compare with ios/"
SWIFT_TMP=$(mktemp -d)
"$BINDGEN" generate --library "$LIB" --language swift --out-dir "$SWIFT_TMP" --no-format
if [ "$UPDATE_SWIFT" = 1 ]; then
    mkdir -p "$SWIFT_DIR" "$SWIFT_FFI_DIR/include"
    cp "$SWIFT_TMP/veldwerk.swift" "$SWIFT_DIR/veldwerk.swift"
    cp "$SWIFT_TMP/veldwerkFFI.h" "$SWIFT_FFI_DIR/include/veldwerkFFI.h"
    cp "$SWIFT_TMP/veldwerkFFI.modulemap" "$SWIFT_FFI_DIR/include/module.modulemap"
    echo "Swift bindings written to ios/"
fi
SWIFT_OK=1
diff -u "$SWIFT_DIR/veldwerk.swift" "$SWIFT_TMP/veldwerk.swift" >/dev/null 2>&1 || SWIFT_OK=0
diff -u "$SWIFT_FFI_DIR/include/veldwerkFFI.h" "$SWIFT_TMP/veldwerkFFI.h" >/dev/null 2>&1 || SWIFT_OK=0
diff -u "$SWIFT_FFI_DIR/include/module.modulemap" "$SWIFT_TMP/veldwerkFFI.modulemap" >/dev/null 2>&1 || SWIFT_OK=0
rm -rf "$SWIFT_TMP"
if [ "$SWIFT_OK" = 1 ]; then
    echo "Swift bindings in ios/ are current"
else
    echo "FAIL: the Swift bindings in ios/ are out of date: run scripts/mobile-tests.sh --update-swift and commit" >&2
fi

# --- compile Kotlin --------------------------------------------------------------------------
step "compile the Kotlin bindings test and the view-model tests"
SUPPORT=$ROOT/android/bindings-test/ServerApi.kt
"$KOTLINC" "$KOTLIN_BINDINGS" android/bindings-test/*.kt -cp "$JNA" -d "$BUILD/bindings-test.jar" 2>&1 | grep -v '^warning:' || true
[ -f "$BUILD/bindings-test.jar" ] || { echo "FAIL: bindings test did not compile" >&2; exit 1; }
VM_SOURCES=$(find android/viewmodels/src -name '*.kt' 2>/dev/null | sort)
if [ -n "$VM_SOURCES" ]; then
    # shellcheck disable=SC2086
    "$KOTLINC" "$KOTLIN_BINDINGS" "$SUPPORT" $VM_SOURCES -cp "$JNA" -d "$BUILD/viewmodels-test.jar" 2>&1 | grep -v '^warning:' || true
    [ -f "$BUILD/viewmodels-test.jar" ] || { echo "FAIL: view-model tests did not compile" >&2; exit 1; }
fi

# --- server ----------------------------------------------------------------------------------
step "start veldwerk-server --demo on loopback"
DATA=$(mktemp -d)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
LOG=$BUILD/server.log
SERVER_PID=""
cleanup() {
    if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill -TERM "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    rm -rf "$DATA"
}
trap cleanup EXIT
"$SERVER" --data-dir "$DATA" --listen "127.0.0.1:$PORT" --demo >"$LOG" 2>&1 &
SERVER_PID=$!
URL="http://127.0.0.1:$PORT"
for _ in $(seq 1 100); do
    if curl -fsS "$URL/healthz" >/dev/null 2>&1; then break; fi
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then cat "$LOG" >&2; echo "FAIL: server did not start" >&2; exit 1; fi
    sleep 0.1
done
PASSWORD=$(sed -n 's/^ *wachtwoord: *\([^ ]*\).*/\1/p' "$LOG" | head -1)
CODE1=$(sed -n 's/^ *handhaver1: *\([^ ]*\) .*/\1/p' "$LOG" | head -1)
[ -n "$PASSWORD" ] && [ -n "$CODE1" ] || { cat "$LOG" >&2; echo "FAIL: no demo password or enrollment code printed" >&2; exit 1; }
# A second code for the view-model tests' own device (admin command on the same data dir).
CODE2=$("$SERVER" --data-dir "$DATA" enroll-code --user handhaver1 | head -1)
echo "server $URL (pid $SERVER_PID)"

# --- run -------------------------------------------------------------------------------------
CP_RUN="$JNA:$STDLIB"
STATUS=0
step "Kotlin bindings test"
VELDWERK_SERVER=$URL VELDWERK_ENROLL_CODE=$CODE1 VELDWERK_SUPERVISOR_PASSWORD=$PASSWORD \
    java -Djna.library.path="$BUILD/bin" -cp "$BUILD/bindings-test.jar:$CP_RUN" MainKt \
    | tee "$BUILD/bindings-test.out" || STATUS=1
if [ -f "$BUILD/viewmodels-test.jar" ]; then
    step "view-model tests"
    VELDWERK_SERVER=$URL VELDWERK_ENROLL_CODE=$CODE2 VELDWERK_SUPERVISOR_PASSWORD=$PASSWORD \
        java -Djna.library.path="$BUILD/bin" -cp "$BUILD/viewmodels-test.jar:$CP_RUN" \
        veldwerk.viewmodels.test.ViewModelTestsKt | tee "$BUILD/viewmodels-test.out" || STATUS=1
fi
cleanup
SERVER_PID=""

# --- FFI overhead ----------------------------------------------------------------------------
if [ "$BENCH" = 1 ]; then
    step "Rust figure for the same call (cargo bench -p veldwerk-mobile --bench record)"
    cargo bench -p veldwerk-mobile --bench record -- --warm-up-time 1 --measurement-time 3 2>&1 \
        | grep -E '^(bench|record|check)|time:' | tee "$BUILD/bench-rust.out" || true
    step "FFI overhead (median per call)"
    grep '^bench kotlin' "$BUILD/bindings-test.out" || true
    grep '^bench rust' "$BUILD/bench-rust.out" || true
fi

[ "$SWIFT_OK" = 1 ] || STATUS=1
if [ "$STATUS" = 0 ]; then echo "mobile tests: passed"; else echo "mobile tests: FAILED"; fi
exit "$STATUS"
