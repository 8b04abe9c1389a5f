#!/bin/bash
# normlab-bench measures every preset normlab-cli lists (a preset's recipe must not stop the
# benchmark: tiny's 3-epoch warm-up once made a 3-epoch benchmark a config error), each with one
# JSON line of positive throughputs.
# usage: test_bench_presets.sh NORMLAB_CLI NORMLAB_BENCH
set -euo pipefail
cli=$1
bench=$2
fail() { echo "FAIL: $*" >&2; exit 1; }

# the table's rows: after the header, up to the blank line before the notes
presets=$("$cli" presets | awk 'NR == 1 { next } NF == 0 { exit } { print $1 }')
[ -n "$presets" ] || fail "normlab-cli presets listed nothing"
for preset in $presets; do
    # 3 epochs: the benchmark's default, and as many as tiny's warm-up
    out=$("$bench" --presets "$preset" --epochs 3 --train-images 64 --test-images 32 --json) ||
        fail "normlab-bench --presets $preset exited $?"
    line=$(grep "\"preset\":\"$preset\"" <<<"$out") || fail "no result line for $preset: $out"
    for key in train_images_per_second eval_images_per_second; do
        value=$(sed -n "s/.*\"$key\":\([0-9.e+-]*\).*/\1/p" <<<"$line")
        awk -v v="$value" 'BEGIN { exit !(v > 0) }' || fail "$preset: $key is '$value'"
    done
    echo "ok $preset: $line"
done
