#!/usr/bin/env bash
# Fuzzes the parsers a hostile peer reaches first, with libFuzzer and AddressSanitizer:
#
#   scripts/fuzz.sh TARGET|all SECONDS
#
# TARGET is FuzzFrameDecoder (frames from a byte stream), FuzzCBOR (the CBOR parser) or
# FuzzRequest (a REQUEST payload up to its typed message); `all` runs each in turn for SECONDS.
# Every target first replays Fuzz/Regressions/TARGET (inputs that once crashed, and the hostile
# cases of Tests/Hostile), then mutates a seed corpus made from the golden vectors
# (Fuzz/make_seeds.py). A crash, a leak, an input taking more than 10 s or 2 GiB fails the run;
# the input is kept under .build-fuzz/artifacts/ — copy it into Fuzz/Regressions/TARGET/ to make
# it a regression test (Tests/WireTests/FuzzRegressionTests.swift replays them too).
set -euo pipefail
cd "$(dirname "$0")/.."

targets=(FuzzFrameDecoder FuzzCBOR FuzzRequest)
usage() { echo "usage: scripts/fuzz.sh ${targets[*]// /|}|all SECONDS" >&2; exit 64; }
[[ $# -eq 2 && "$2" =~ ^[0-9]+$ ]] || usage
case "$1" in
    all) selected=("${targets[@]}") ;;
    FuzzFrameDecoder|FuzzCBOR|FuzzRequest) selected=("$1") ;;
    *) usage ;;
esac
seconds=$2

scripts/ensure-deps.sh --test
echo "==> building the fuzz targets (release, -sanitize=fuzzer,address)"
swift build --package-path Fuzz --scratch-path .build-fuzz -c release --sanitize=fuzzer --sanitize=address 2>&1 \
    | grep -v "Cannot export local symbol '__asan_extra_spill_area'" || true
bin=.build-fuzz/release
corpus=.build-fuzz/corpus
rm -rf "$corpus"
python3 Fuzz/make_seeds.py "$corpus"
mkdir -p .build-fuzz/artifacts

for target in "${selected[@]}"; do
    [[ -x "$bin/$target" ]] || { echo "fuzz: $bin/$target was not built" >&2; exit 1; }
    if compgen -G "Fuzz/Regressions/$target/*" >/dev/null; then
        echo "==> $target: replaying Fuzz/Regressions/$target"
        "$bin/$target" -timeout=10 -rss_limit_mb=2048 Fuzz/Regressions/"$target"/* 2>&1 | grep -c "^Executed" | sed "s/^/replayed inputs: /"
    fi
    echo "==> $target: fuzzing for ${seconds}s"
    "$bin/$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 \
        -artifact_prefix=".build-fuzz/artifacts/$target-" "$corpus/$target" 2>&1 \
        | grep -E "^(INFO: Seed|#[0-9]+ +DONE|Done|stat::number_of_executed_units|stat::peak_rss_mb)|ERROR|SUMMARY|Test unit written" || true
    status=${PIPESTATUS[0]}
    if [[ $status -ne 0 ]]; then
        echo "fuzz: $target failed (exit $status); the input is in .build-fuzz/artifacts/" >&2
        exit 1
    fi
done
echo "fuzz: no crash, leak or timeout"
