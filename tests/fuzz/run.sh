#!/usr/bin/env bash
# Runs every libFuzzer target of tests/fuzz for SECONDS each, from the seeds in
# tests/fuzz/corpus/TARGET (copied: the checkout's corpus stays as it is), as many targets at
# once as the machine has cores (FUZZ_JOBS): each target is one process on one core. A crash
# fails the run and leaves its input in FUZZ_DIR/crashes/.
set -euo pipefail

usage="usage: tests/fuzz/run.sh FUZZ_DIR SECONDS"
(($# == 2)) || { echo "$usage" >&2; exit 2; }
fuzz_dir=$1
seconds=$2
[[ $seconds =~ ^[1-9][0-9]*$ ]] || { echo "$usage" >&2; exit 2; }
jobs=${FUZZ_JOBS:-$(nproc)}
[[ $jobs =~ ^[1-9][0-9]*$ ]] || { echo "FUZZ_JOBS must be a positive number" >&2; exit 2; }
seeds=$(cd -- "$(dirname -- "$0")/corpus" && pwd -P)

# One target: its verdict line on stdout, its log's tail on stderr when it fails.
fuzz_target() {
    local target=$1 corpus=$fuzz_dir/corpus/$1 log=$fuzz_dir/$1.log runs
    mkdir -p -- "$corpus"
    cp -n -- "$seeds/$target/"* "$corpus/"
    # Bodies reach the programs up to nginx's 16 KiB.
    if "$fuzz_dir/bin/$target" -max_total_time="$seconds" -max_len=16384 -print_final_stats=1 \
        -artifact_prefix="$fuzz_dir/crashes/$target-" "$corpus" >"$log" 2>&1; then
        runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || true)
        printf 'fuzz: %-18s ok, %s inputs in %s s\n' "$target" "${runs:-?}" "$seconds"
    else
        printf 'fuzz: %-18s FAILED; see %s\n' "$target" "$log"
        tail -n 30 -- "$log" >&2
        return 1
    fi
}

mkdir -p -- "$fuzz_dir/crashes"
declare -A running=()  # pid -> target
failed=()
# Waits for one running target and records it if it failed.
reap_one() {
    local pid
    if wait -n -p pid "${!running[@]}"; then :; else failed+=("${running[$pid]}"); fi
    unset "running[$pid]"
}
for seed_dir in "$seeds"/*/; do
    target=$(basename -- "$seed_dir")
    ((${#running[@]} < jobs)) || reap_one
    fuzz_target "$target" &
    running[$!]=$target
done
while ((${#running[@]} > 0)); do reap_one; done
((${#failed[@]} == 0)) || { echo "fuzz: failed: ${failed[*]}" >&2; exit 1; }
