#!/usr/bin/env bash
# The mobile bindings tested on a plain JVM (no Android SDK): builds veldwerk-mobile and
# veldwerk-server (release), generates the Kotlin bindings (library mode), checks the committed
# Swift bindings in ios/ are current, starts a demo server on a free loopback port with a
# temporary data directory, runs the Kotlin bindings test and the view-model tests against it,
# stops it, and prints the FFI overhead of recording a waarneming (Kotlin medians from the
# bindings test beside the Rust medians of the same calls from `cargo bench --bench record`).
#
# Installs what it needs itself: libjna-java (apt) and the Kotlin compiler (npm pack, into
# build/tools). Uses CARGO_TARGET_DIR when set. Ends with the line `N passed, N failed` over
# every check (the Kotlin programs' checks, the Swift bindings check, each compile) and exits
# non-zero on any failure.
#
# Usage: scripts/mobile-tests.sh [--update-swift] [--no-bench] [--debug]
#   --update-swift  write the generated Swift bindings into ios/ instead of failing on a diff
#   --no-bench      skip the Rust bench (the Kotlin figures are still printed)
#   --debug         test the debug build (reuses what `cargo test --workspace` built; CI uses
#                   it); implies --no-bench, since unoptimised figures say nothing
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)
UPDATE_SWIFT=0
BENCH=1
PROFILE=release
for arg in "$@"; do
    case "$arg" in
        --update-swift) UPDATE_SWIFT=1 ;;
        --no-bench) BENCH=0 ;;
        --debug) PROFILE=debug; BENCH=0 ;;
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

PASSED=0
FAILED=0
step() { printf '\n== %s\n' "$*"; }
pass() { PASSED=$((PASSED + 1)); echo "ok    $*"; }
fail() { FAILED=$((FAILED + 1)); echo "FAIL  $*"; }
finish() {
    echo
    echo "$PASSED passed, $FAILED failed"
    if [ "$FAILED" = 0 ]; then exit 0; else exit 1; fi
}
# A failure that stops the run: counted, then the closing line.
abort() { fail "$*"; finish; }

# --- tools -----------------------------------------------------------------------------------
step "tools"
JNA=/usr/share/java/jna.jar
if [ ! -f "$JNA" ]; then
    SUDO=""
    [ "$(id -u)" = 0 ] || SUDO="sudo"
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get install -y libjna-java >/dev/null 2>&1 ||
        { $SUDO apt-get update >/dev/null && $SUDO apt-get install -y libjna-java >/dev/null; } ||
        abort "libjna-java could not be installed"
fi
KOTLINC=$TOOLS/package/bin/kotlinc
STDLIB=$TOOLS/package/lib/kotlin-stdlib.jar
if [ ! -x "$KOTLINC" ]; then
    (cd "$TOOLS" && npm pack "kotlin-compiler@$KOTLIN_VERSION" >/dev/null &&
        tar xzf "kotlin-compiler-$KOTLIN_VERSION.tgz" && rm -f "kotlin-compiler-$KOTLIN_VERSION.tgz") ||
        abort "kotlin-compiler $KOTLIN_VERSION could not be fetched with npm pack"
fi
command -v java >/dev/null || abort "no java on PATH"
echo "jna: $JNA"
echo "kotlinc: $("$KOTLINC" -version 2>&1 | tail -1)"

# --- build -----------------------------------------------------------------------------------
# The debug build selects the whole workspace, as `cargo test --workspace` does, so the same
# features resolve and what that built is reused.
BUILD_ARGS=(--release -p veldwerk-mobile -p veldwerk-server)
[ "$PROFILE" = release ] || BUILD_ARGS=(--workspace)
step "cargo build ${BUILD_ARGS[*]} --bins --lib"
cargo build "${BUILD_ARGS[@]}" --bins --lib || abort "cargo build"
# Private copies: a target directory shared with other checkouts may be rewritten meanwhile.
rm -rf "$BUILD/bin" && mkdir -p "$BUILD/bin"
cp "$TARGET/$PROFILE/libveldwerk_mobile.so" "$TARGET/$PROFILE/uniffi-bindgen" \
    "$TARGET/$PROFILE/veldwerk-server" "$BUILD/bin/"
LIB=$BUILD/bin/libveldwerk_mobile.so
BINDGEN=$BUILD/bin/uniffi-bindgen
SERVER=$BUILD/bin/veldwerk-server

# --- bindings --------------------------------------------------------------------------------
step "generate Kotlin bindings (library mode)"
rm -rf "$BUILD/kotlin"
"$BINDGEN" generate --library "$LIB" --language kotlin --out-dir "$BUILD/kotlin" --no-format ||
    abort "Kotlin bindings generation"
KOTLIN_BINDINGS=$BUILD/kotlin/uniffi/veldwerk/veldwerk.kt

step "generate Swift bindings and compare with ios/"
SWIFT_TMP=$(mktemp -d)
"$BINDGEN" generate --library "$LIB" --language swift --out-dir "$SWIFT_TMP" --no-format ||
    abort "Swift bindings generation"
if [ "$UPDATE_SWIFT" = 1 ]; then
    mkdir -p "$SWIFT_DIR" "$SWIFT_FFI_DIR/include"
    cp "$SWIFT_TMP/veldwerk.swift" "$SWIFT_DIR/veldwerk.swift"
    cp "$SWIFT_TMP/veldwerkFFI.h" "$SWIFT_FFI_DIR/include/veldwerkFFI.h"
    cp "$SWIFT_TMP/veldwerkFFI.modulemap" "$SWIFT_FFI_DIR/include/module.modulemap"
    echo "Swift bindings written to ios/"
fi
if diff -q "$SWIFT_DIR/veldwerk.swift" "$SWIFT_TMP/veldwerk.swift" >/dev/null 2>&1 &&
    diff -q "$SWIFT_FFI_DIR/include/veldwerkFFI.h" "$SWIFT_TMP/veldwerkFFI.h" >/dev/null 2>&1 &&
    diff -q "$SWIFT_FFI_DIR/include/module.modulemap" "$SWIFT_TMP/veldwerkFFI.modulemap" >/dev/null 2>&1; then
    pass "the Swift bindings in ios/ are current"
else
    diff -u "$SWIFT_DIR/veldwerk.swift" "$SWIFT_TMP/veldwerk.swift" 2>&1 | head -20 || true
    fail "the Swift bindings in ios/ are out of date: run scripts/mobile-tests.sh --update-swift and commit"
fi
rm -rf "$SWIFT_TMP"

# --- compile Kotlin --------------------------------------------------------------------------
step "compile the Kotlin bindings test and the view-model tests"
# kotlinc SOURCES... JAR NAME: compiles against the bindings and JNA; a stale jar never runs.
compile() {
    local jar=$1 name=$2
    shift 2
    rm -f "$jar"
    if "$KOTLINC" "$KOTLIN_BINDINGS" "$@" -cp "$JNA" -d "$jar" >"$jar.log" 2>&1 && [ -f "$jar" ]; then
        grep -v '^warning:' "$jar.log" || true
        pass "$name compiles"
    else
        cat "$jar.log"
        abort "$name does not compile"
    fi
}
SUPPORT=android/bindings-test/ServerApi.kt
compile "$BUILD/bindings-test.jar" "the bindings test" android/bindings-test/*.kt
mapfile -t VM_SOURCES < <(find android/viewmodels/src -name '*.kt' | sort)
compile "$BUILD/viewmodels-test.jar" "the view-model tests" "$SUPPORT" "${VM_SOURCES[@]}"

# --- server ----------------------------------------------------------------------------------
step "start veldwerk-server --demo on loopback"
DATA=$(mktemp -d)
LOG=$BUILD/server.log
SERVER_PID=""
stop_server() {
    if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill -TERM "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    SERVER_PID=""
    rm -rf "$DATA"
}
# The FFI figures compare the call, not the disk: the bindings test's store and the Rust
# bench's store live in RAM (tmpfs) when there is one, so both skip the same flush to disk.
FIGURES_TMP=""
if [ -d /dev/shm ] && [ -w /dev/shm ]; then
    FIGURES_TMP=$(mktemp -d /dev/shm/veldwerk-mobile.XXXXXX)
fi
trap 'stop_server; [ -z "$FIGURES_TMP" ] || rm -rf "$FIGURES_TMP"' EXIT
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
"$SERVER" --data-dir "$DATA" --listen "127.0.0.1:$PORT" --demo >"$LOG" 2>&1 &
SERVER_PID=$!
URL="http://127.0.0.1:$PORT"
for _ in $(seq 1 100); do
    if curl -fsS "$URL/healthz" >/dev/null 2>&1; then break; fi
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$LOG"; abort "the server did not start"; }
    sleep 0.1
done
PASSWORD=$(sed -n 's/^ *wachtwoord: *\([^ ]*\).*/\1/p' "$LOG" | head -1)
CODE1=$(sed -n 's/^ *handhaver1: *\([^ ]*\) .*/\1/p' "$LOG" | head -1)
[ -n "$PASSWORD" ] && [ -n "$CODE1" ] || { cat "$LOG"; abort "the demo server printed no password or enrollment code"; }
# A second code for the view-model tests' own device (admin command on the same data dir).
CODE2=$("$SERVER" --data-dir "$DATA" enroll-code --user handhaver1 | head -1)
echo "server $URL (pid $SERVER_PID)"

# --- run -------------------------------------------------------------------------------------
# run NAME OUT JAR MAIN CODE TMP: runs a Kotlin test program (its device enrolls with CODE,
# its store lives under TMP) and adds its `N passed, N failed` line to the totals; a program
# that ends without that line counts as one failure.
run() {
    local name=$1 out=$2 jar=$3 main=$4 code=$5 tmp=$6
    step "$name"
    VELDWERK_SERVER=$URL VELDWERK_SUPERVISOR_PASSWORD=$PASSWORD VELDWERK_ENROLL_CODE=$code \
        java -Djna.library.path="$BUILD/bin" -Djava.io.tmpdir="$tmp" -cp "$jar:$JNA:$STDLIB" "$main" \
        2>&1 | tee "$out" || true
    local line
    line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$out" | tail -1 || true)
    if [ -n "$line" ]; then
        PASSED=$((PASSED + $(echo "$line" | cut -d' ' -f1)))
        FAILED=$((FAILED + $(echo "$line" | cut -d' ' -f3)))
    else
        fail "$name ended without its closing line"
    fi
}
SYSTEM_TMP=${TMPDIR:-/tmp}
STORE_KIND="RAM, tmpfs"
[ -n "$FIGURES_TMP" ] || STORE_KIND="$SYSTEM_TMP"
run "Kotlin bindings test" "$BUILD/bindings-test.out" "$BUILD/bindings-test.jar" MainKt "$CODE1" \
    "${FIGURES_TMP:-$SYSTEM_TMP}"
run "view-model tests" "$BUILD/viewmodels-test.out" "$BUILD/viewmodels-test.jar" \
    veldwerk.viewmodels.test.ViewModelTestsKt "$CODE2" "$SYSTEM_TMP"
stop_server

# --- FFI overhead ----------------------------------------------------------------------------
if [ "$BENCH" = 1 ]; then
    step "Rust figures for the same calls (cargo bench -p veldwerk-mobile --bench record -- check_action)"
    # The bench first repeats the Kotlin procedure (printed medians); criterion then measures
    # only the cheap call here (the full bench, with the core's record beside, runs by hand).
    if TMPDIR=${FIGURES_TMP:-$SYSTEM_TMP} cargo bench -p veldwerk-mobile --bench record -- \
        --warm-up-time 1 --measurement-time 2 check_action >"$BUILD/bench-rust.out" 2>&1; then
        grep -E '^bench rust|time:|^bench rust/' "$BUILD/bench-rust.out" || true
        pass "the Rust bench runs"
    else
        tail -30 "$BUILD/bench-rust.out"
        fail "the Rust bench"
    fi
    step "FFI overhead (median per call; Kotlin through the bindings vs Rust calling the facade; store in $STORE_KIND)"
    for call in record_waarneming check_action; do
        k=$(sed -n "s/^bench kotlin $call median_us=\([0-9.]*\).*/\1/p" "$BUILD/bindings-test.out" | tail -1)
        r=$(sed -n "s/^bench rust $call median_us=\([0-9.]*\).*/\1/p" "$BUILD/bench-rust.out" 2>/dev/null | tail -1)
        if [ -n "$k" ] && [ -n "$r" ]; then
            awk -v c="$call" -v k="$k" -v r="$r" \
                'BEGIN { printf "%-18s kotlin %10.1f us   rust %10.1f us   overhead %+9.1f us (%+.0f%%)\n", c, k, r, k - r, (k - r) / r * 100 }'
        else
            echo "$call: kotlin ${k:-?} us, rust ${r:-?} us"
        fi
    done
fi

finish
