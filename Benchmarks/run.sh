#!/usr/bin/env bash
# The side-by-side benchmarks (`make bench`): builds webprofiled and the benchmark package in
# release mode, then runs the C floor, Redis, the gRPC peer, webprofiled, the scale run and the
# micro-benchmarks one after the other on this machine and writes BENCHMARKS.md.
#
#   Benchmarks/run.sh                      # the full run (about 30 minutes on 2 cores, after the builds)
#   Benchmarks/run.sh --repetitions 1 --duration 2 --scale-registrations 100000   # a quick look
#
# Options go to Benchmarks/bench.py (`python3 Benchmarks/bench.py --help`). Nothing here runs
# in CI or in the test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
for arg in "$@"; do
    if [[ "$arg" == "-h" || "$arg" == "--help" ]]; then exec python3 Benchmarks/bench.py --help; fi
done
scripts/ensure-deps.sh --bench
swift build -c release --product webprofiled
swift build -c release --product webprofilectl
swift build -c release --package-path Benchmarks --product grpc-authorize-peer
swift build -c release --package-path Benchmarks --product webprofiles-seed
swift build -c release --package-path Benchmarks --product argon2-rate
# The micro-benchmarks run last; building them now makes a build failure show before the loads.
swift build -c release --package-path Benchmarks --product Micro
exec python3 Benchmarks/bench.py "$@"
