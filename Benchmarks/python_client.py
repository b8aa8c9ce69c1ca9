#!/usr/bin/env python3
"""Authorize calls/s and latency through the Python client package (Clients/python), for the
side-by-side table of `make bench` (Benchmarks/bench.py runs it next to `webprofilectl bench
authorize`). It imports the checkout's Clients/python/src, so nothing needs installing but cbor2.

    python3 Benchmarks/python_client.py --socket S --token wps_… --mode blocking --inflight 1
    python3 Benchmarks/python_client.py --socket S --token wps_… --mode threads --inflight 8
    python3 Benchmarks/python_client.py --socket S --token wps_… --mode asyncio --inflight 16

Modes, all on one connection (one client): `blocking` makes one call at a time from one thread
(--inflight must be 1), `threads` runs --inflight threads sharing the blocking client, `asyncio`
keeps --inflight calls in flight on the asyncio client. Prints one JSON object: callsPerSecond,
p50Micros, p99Micros (round trips as the caller sees them, warm-up excluded), calls.
"""
import argparse
import asyncio
import json
import os
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "Clients", "python", "src"))

import webprofiles  # noqa: E402
from webprofiles import aio  # noqa: E402


def percentile(sorted_values, p):
    if not sorted_values:
        return float("nan")
    return sorted_values[min(len(sorted_values) - 1, int(round(p / 100 * (len(sorted_values) - 1))))]


def blocking(args, threads):
    client = webprofiles.Client(args.socket, token=args.token)
    client.authorize(args.permission, line=args.line)  # connects; checks the call is allowed
    started = time.perf_counter()
    measure_from = started + args.warmup
    ends = measure_from + args.duration
    latencies = [[] for _ in range(threads)]

    def worker(mine):
        authorize, permission, line, clock = client.authorize, args.permission, args.line, time.perf_counter
        while True:
            before = clock()
            if before >= ends:
                return
            authorize(permission, line=line)
            if before >= measure_from:
                mine.append(clock() - before)

    pool = [threading.Thread(target=worker, args=(latencies[n],)) for n in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    client.close()
    return [x for part in latencies for x in part]


def asynchronous(args):
    async def main():
        async with aio.Client(args.socket, token=args.token) as client:
            await client.authorize(args.permission, line=args.line)
            loop_clock = time.perf_counter
            measure_from = loop_clock() + args.warmup
            ends = measure_from + args.duration
            latencies = []

            async def worker():
                authorize, permission, line = client.authorize, args.permission, args.line
                while True:
                    before = loop_clock()
                    if before >= ends:
                        return
                    await authorize(permission, line=line)
                    if before >= measure_from:
                        latencies.append(loop_clock() - before)

            await asyncio.gather(*(worker() for _ in range(args.inflight)))
            return latencies
    return asyncio.run(main())


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--socket", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--mode", choices=("blocking", "threads", "asyncio"), default="blocking")
    parser.add_argument("--inflight", type=int, default=1)
    parser.add_argument("--duration", type=float, default=5)
    parser.add_argument("--warmup", type=float, default=1)
    parser.add_argument("--permission", default="line.manage")
    parser.add_argument("--line")
    args = parser.parse_args()
    if args.mode == "blocking" and args.inflight != 1:
        parser.error("--mode blocking makes one call at a time: use --mode threads for more")
    if args.mode == "asyncio":
        latencies = asynchronous(args)
    else:
        latencies = blocking(args, args.inflight)
    latencies.sort()
    print(json.dumps({"callsPerSecond": len(latencies) / args.duration, "p50Micros": percentile(latencies, 50) * 1e6,
                      "p99Micros": percentile(latencies, 99) * 1e6, "calls": len(latencies)}))


if __name__ == "__main__":
    main()
