#!/usr/bin/env bash
# Browser tests of the supervisor console: installs Debian's Chromium and playwright-core when
# missing (never a browser download), builds and starts a real `veldwerk-server --demo` on a free
# loopback port with a temporary data directory, runs tests/browser/console.mjs (with the
# `veldwerk` CLI as a field device) and tests/browser/klant.mjs (the client's page of the digital
# huisbezoek on a phone, with axe-core), keeps the screenshots in artifacts/screenshots/, stops
# the server, and exits non-zero on any failure.
# The closing line is `N passed, N failed`.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
SHOTS="$ROOT/artifacts/screenshots"
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"

if [ ! -x /usr/bin/chromium ]; then
    echo "browser-tests: installing chromium and chromium-driver"
    apt-get -o DPkg::Lock::Timeout=600 update -qq
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq chromium chromium-driver >/dev/null
fi
if ! command -v pdftotext >/dev/null || ! command -v pdftoppm >/dev/null; then
    echo "browser-tests: installing poppler-utils (pdftotext, pdftoppm) to read the rapport"
    apt-get -o DPkg::Lock::Timeout=600 update -qq
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq poppler-utils >/dev/null
fi
if [ ! -d tests/browser/node_modules/playwright-core ] || [ ! -d tests/browser/node_modules/axe-core ]; then
    echo "browser-tests: installing playwright-core and axe-core"
    (cd tests/browser && npm ci --no-audit --no-fund --loglevel=error)
fi

cargo build -q -p veldwerk-server --bin veldwerk-server -p veldwerk-cli --bin veldwerk
BIN="$TARGET/debug/veldwerk-server"
CLI="$TARGET/debug/veldwerk"

WORK="$(mktemp -d)"
PORT="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
NO_COLOR=1 "$BIN" --demo --data-dir "$WORK/data" --listen "127.0.0.1:$PORT" >"$WORK/server.out" 2>"$WORK/server.log" &
SERVER=$!
cleanup() {
    kill "$SERVER" 2>/dev/null || true
    wait "$SERVER" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

for _ in $(seq 1 100); do
    if curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1; then break; fi
    if ! kill -0 "$SERVER" 2>/dev/null; then
        echo "browser-tests: the server did not start:"; cat "$WORK/server.log"
        echo "0 passed, 1 failed"; exit 1
    fi
    sleep 0.1
done
PASSWORD="$(sed -n 's/^ *wachtwoord: *//p' "$WORK/server.out" | head -n1)"
if [ -z "$PASSWORD" ]; then
    echo "browser-tests: no demo password in the server output:"; cat "$WORK/server.out"
    echo "0 passed, 1 failed"; exit 1
fi

rm -rf "$SHOTS"
mkdir -p "$SHOTS"
# The runner's own exit status (not tee's, not that of a `|| true`): a failed test fails the run.
set +e
status=0
: >"$WORK/results"
for suite in ${BROWSER_SUITES:-console klant}; do
    echo "browser-tests: tests/browser/$suite.mjs"
    VELDWERK_URL="http://127.0.0.1:$PORT" VELDWERK_USER=supervisor VELDWERK_PASSWORD="$PASSWORD" VELDWERK_CLI="$CLI" \
        VELDWERK_SERVER_BIN="$BIN" VELDWERK_DATA_DIR="$WORK/data" \
        SCREENSHOTS="$SHOTS" node "tests/browser/$suite.mjs" | tee "$WORK/$suite.results"
    suite_status=${PIPESTATUS[0]}
    [ "$suite_status" -eq 0 ] || status=$suite_status
    cat "$WORK/$suite.results" >>"$WORK/results"
done
set -e
if [ "$status" -ne 0 ]; then
    echo "browser-tests: server log (last 40 lines):"
    tail -n 40 "$WORK/server.log"
fi
echo "screenshots: $SHOTS"
# The closing line, last, for whoever counts the results.
summary="$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$WORK/results" \
    | awk '{p += $1; f += $3; n++} END {if (n) printf "%d passed, %d failed", p, f}' || true)"
echo "${summary:-0 passed, 1 failed}"
if [ -z "$summary" ] && [ "$status" -eq 0 ]; then status=1; fi
case "$summary" in *" passed, 0 failed") ;; *) [ "$status" -ne 0 ] || status=1 ;; esac
exit "$status"
