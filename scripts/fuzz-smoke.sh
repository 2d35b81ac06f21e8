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

# What libFuzzer reported about a crash, without the driver's own backtrace: from the first line
# of the report on, deep stack frames cut.
report() {
    awk '/panicked at|==[0-9]+==|deadly signal|out-of-memory|LeakSanitizer|ALARM|Slowest unit/ { on = 1 }
         on && /^ *#[0-9]+ 0x/ { if (++frames > 12) next }
         on && /^Error: Fuzz target exited/ { exit }
         on && n++ < 120 { print }' "$1"
}

# Prints the inputs libFuzzer saved for a crash of target $1 (hex, first 512 bytes each).
show_inputs() {
    for input in fuzz/artifacts/"$1"/*; do
        [ -f "$input" ] || continue
        echo "-- $input ($(wc -c <"$input") bytes)"
        xxd -l 512 "$input" || od -A x -t x1z -N 512 "$input"
    done
}

# Runs target $1 from its corpus for the smoke's seconds into log $2.
run_target() {
    RUST_BACKTRACE=0 cargo +"$toolchain" fuzz run "${build_flag[@]}" --fuzz-dir fuzz "$1" "fuzz/corpus/$1" "fuzz/seeds/$1" -- \
        -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 >"$2" 2>&1
}

# Feeds each saved input of target $1 once; fails when one crashes.
replay_inputs() {
    local target="$1" log="$2"
    shift 2
    RUST_BACKTRACE=0 cargo +"$toolchain" fuzz run "${build_flag[@]}" --fuzz-dir fuzz "$target" "$@" -- -runs=1 >"$log" 2>&1
}

targets=$(cargo +"$toolchain" fuzz list --fuzz-dir fuzz)
for target in $targets; do
    echo "== fuzz $target (${seconds}s)"
    mkdir -p "fuzz/corpus/$target" "fuzz/seeds/$target" "fuzz/regressions/$target" "fuzz/artifacts/$target"
    log="fuzz/artifacts/$target.log"
    if ! run_target "$target" "$log"; then
        report "$log"
        show_inputs "$target"
        # The targets are deterministic: a bug is found again by feeding its input alone. A crash
        # its input does not reproduce came from the run's accumulated state (a leak check, the
        # RSS of the whole run); it is reported above and the run is tried once more, which
        # must then pass.
        inputs=(fuzz/artifacts/"$target"/*)
        if [ ! -f "${inputs[0]}" ] || replay_inputs "$target" "$log.replay" "${inputs[@]}"; then
            echo "fuzz-smoke: $target stopped, but its saved input does not crash it alone; running it again" >&2
            mkdir -p fuzz/artifacts/unreproduced
            mv fuzz/artifacts/"$target"/* fuzz/artifacts/unreproduced/ 2>/dev/null || true
            if ! run_target "$target" "$log"; then
                report "$log"
                show_inputs "$target"
                echo "fuzz-smoke: $target crashed twice; the inputs are in fuzz/artifacts/$target/" >&2
                exit 1
            fi
        else
            report "$log.replay"
            echo "fuzz-smoke: $target crashed; the input (above) is in fuzz/artifacts/$target/" >&2
            exit 1
        fi
    fi
    grep -E "^stat::(number_of_executed_units|peak_rss_mb)|^Done [0-9]+ runs" "$log" || true
    if compgen -G "fuzz/regressions/$target/*" >/dev/null; then
        echo "== replay fuzz/regressions/$target"
        if ! replay_inputs "$target" "$log" fuzz/regressions/"$target"/*; then
            report "$log"
            exit 1
        fi
    fi
done
echo "fuzz-smoke: every target ran without a crash"
