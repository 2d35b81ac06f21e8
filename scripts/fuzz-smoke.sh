#!/usr/bin/env bash
# A short run of every fuzz target (cargo-fuzz, libFuzzer, on the nightly toolchain), then every
# saved crash input replayed. Installs cargo-fuzz if it is missing. Seconds per target:
# FUZZ_SECONDS (default 20). FUZZ_BUILD=dev builds the targets unoptimised (much quicker to
# build, fewer runs per second: enough for a smoke; CI uses it), default release. A crash fails the script and leaves its input in
# fuzz/artifacts/<target>/: copy it to fuzz/regressions/<target>/ so it is replayed from then on.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${FUZZ_SECONDS:-20}"
toolchain="${FUZZ_TOOLCHAIN:-nightly}"
case "${FUZZ_BUILD:-release}" in
    release) build_flag=(--release) ;;
    dev) build_flag=(--dev) ;;
    *) echo "fuzz-smoke: FUZZ_BUILD is release or dev, not '${FUZZ_BUILD}'" >&2; exit 2 ;;
esac

if ! rustup run "$toolchain" rustc --version >/dev/null 2>&1; then
    echo "fuzz-smoke: the $toolchain toolchain is missing (rustup toolchain install $toolchain)" >&2
    exit 1
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "== installing cargo-fuzz"
    # A debug build of the driver is enough and builds in a fraction of the time.
    cargo install cargo-fuzz --locked --quiet --debug
fi

targets=$(cargo +"$toolchain" fuzz list --fuzz-dir fuzz)
for target in $targets; do
    echo "== fuzz $target (${seconds}s)"
    corpus="fuzz/corpus/$target"
    mkdir -p "$corpus" "fuzz/seeds/$target" "fuzz/regressions/$target"
    log="fuzz/artifacts/$target.log"
    mkdir -p fuzz/artifacts
    if ! cargo +"$toolchain" fuzz run "${build_flag[@]}" --fuzz-dir fuzz "$target" "$corpus" "fuzz/seeds/$target" -- \
        -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 >"$log" 2>&1; then
        tail -40 "$log"
        echo "fuzz-smoke: $target crashed; the input is in fuzz/artifacts/$target/" >&2
        exit 1
    fi
    grep -E "^stat::(number_of_executed_units|peak_rss_mb)|^Done [0-9]+ runs" "$log" || true
    if compgen -G "fuzz/regressions/$target/*" >/dev/null; then
        echo "== replay fuzz/regressions/$target"
        if ! cargo +"$toolchain" fuzz run "${build_flag[@]}" --fuzz-dir fuzz "$target" fuzz/regressions/"$target"/* -- -runs=1 >"$log" 2>&1; then
            tail -40 "$log"
            exit 1
        fi
    fi
done
echo "fuzz-smoke: every target ran without a crash"
