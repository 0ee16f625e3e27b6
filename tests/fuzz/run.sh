#!/usr/bin/env bash
# Runs every libFuzzer target of tests/fuzz for SECONDS each, from the seeds in
# tests/fuzz/corpus/TARGET (copied: the checkout's corpus stays as it is). A crash fails the run
# and leaves its input in FUZZ_DIR/crashes/.
set -euo pipefail

usage="usage: tests/fuzz/run.sh FUZZ_DIR SECONDS"
(($# == 2)) || { echo "$usage" >&2; exit 2; }
fuzz_dir=$1
seconds=$2
[[ $seconds =~ ^[1-9][0-9]*$ ]] || { echo "$usage" >&2; exit 2; }
seeds=$(cd -- "$(dirname -- "$0")/corpus" && pwd -P)

failed=()
mkdir -p -- "$fuzz_dir/crashes"
for seed_dir in "$seeds"/*/; do
    target=$(basename -- "$seed_dir")
    corpus=$fuzz_dir/corpus/$target
    mkdir -p -- "$corpus"
    cp -n -- "$seed_dir"* "$corpus/"
    # Bodies reach the programs up to nginx's 16 KiB.
    if "$fuzz_dir/bin/$target" -max_total_time="$seconds" -max_len=16384 -print_final_stats=1 \
        -artifact_prefix="$fuzz_dir/crashes/$target-" "$corpus" >"$fuzz_dir/$target.log" 2>&1; then
        runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$fuzz_dir/$target.log" | grep -o '[0-9]*$' || true)
        printf 'fuzz: %-18s ok, %s inputs in %s s\n' "$target" "${runs:-?}" "$seconds"
    else
        printf 'fuzz: %-18s FAILED; see %s\n' "$target" "$fuzz_dir/$target.log"
        tail -n 30 -- "$fuzz_dir/$target.log" >&2
        failed+=("$target")
    fi
done
((${#failed[@]} == 0)) || { echo "fuzz: failed: ${failed[*]}" >&2; exit 1; }
