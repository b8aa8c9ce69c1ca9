"""Renders the results of Benchmarks/bench.py as BENCHMARKS.md (tables, ratios, targets)."""
import os
import re

HERE = os.path.dirname(os.path.abspath(__file__))

ROWS = [
    # key, system, configuration, command
    ("floor 1x1", "C ping-pong (floor)", "1 connection × 1", "Benchmarks/floor/pingpong.c REQ RESP SECONDS"),
    ("floor 1x1 one core", "C ping-pong (floor)", "1 × 1, both on CPU 0", "taskset -c 0 pingpong REQ RESP SECONDS"),
    ("redis 1x1", "Redis GET", "1 client", "redis-benchmark -s SOCK -t get -c 1"),
    ("redis 50x1", "Redis GET", "50 clients", "redis-benchmark -s SOCK -t get -c 50"),
    ("redis 50x16", "Redis GET", "50 clients, pipeline 16", "redis-benchmark -s SOCK -t get -c 50 -P 16"),
    ("grpc 1x1", "gRPC peer Authorize", "1 connection × 1", "grpc-authorize-peer load --connections 1 --inflight 1"),
    ("grpc 1x1 one core", "gRPC peer Authorize", "1 × 1, both on CPU 0", "taskset -c 0 grpc-authorize-peer load …"),
    ("grpc 50x1", "gRPC peer Authorize", "50 connections × 1", "grpc-authorize-peer load --connections 50 --inflight 1"),
    ("grpc 50x16", "gRPC peer Authorize", "50 connections × 16", "grpc-authorize-peer load --connections 50 --inflight 16"),
    ("wpload 1x1", "webprofiled Authorize (C generator)", "1 connection × 1", "wpload --connections 1 --inflight 1"),
    ("wpload 50x1", "webprofiled Authorize (C generator)", "50 connections × 1", "wpload --connections 50 --inflight 1"),
    ("wpload 50x16", "webprofiled Authorize (C generator)", "50 connections × 16", "wpload --connections 50 --inflight 16"),
    ("wpload authorize-many 1x1", "webprofiled AuthorizeMany, 300 checks (C generator)", "1 connection × 1",
     "wpload --method AuthorizeMany --checks 300 --line … (300 lines)"),
    ("wpload authorized-lines 1x1", "webprofiled ListAuthorizedLines, a page of 300 (C generator)", "1 connection × 1",
     "wpload --method ListAuthorizedLines --page-size 300"),
    ("webprofiled 1x1", "webprofiled Authorize", "1 connection × 1", "webprofilectl bench authorize --connections 1 --inflight 1"),
    ("webprofiled 1x1 one core", "webprofiled Authorize", "1 × 1, both on CPU 0", "taskset -c 0 webprofilectl bench authorize …"),
    ("webprofiled 1x16", "webprofiled Authorize", "1 connection × 16", "webprofilectl bench authorize --connections 1 --inflight 16"),
    ("webprofiled 50x1", "webprofiled Authorize", "50 connections × 1", "webprofilectl bench authorize --connections 50 --inflight 1"),
    ("webprofiled 50x16", "webprofiled Authorize", "50 connections × 16", "webprofilectl bench authorize --connections 50 --inflight 16"),
    ("python blocking 1x1", "webprofiled Authorize, Python client", "blocking, 1 connection × 1", "Benchmarks/python_client.py --mode blocking --inflight 1"),
    ("python threads 1x8", "webprofiled Authorize, Python client", "blocking, 1 connection, 8 threads", "Benchmarks/python_client.py --mode threads --inflight 8"),
    ("python asyncio 1x16", "webprofiled Authorize, Python client", "asyncio, 1 connection × 16", "Benchmarks/python_client.py --mode asyncio --inflight 16"),
    ("webprofiled 1x1 during login storm", "webprofiled Authorize", "1 × 1 during a login storm", "bench authorize while bench login --inflight 4 runs"),
    ("argon2 raw", "Argon2id (raw)", "daemon's parameters and pool size", "argon2-rate --threads CORES"),
    ("login", "webprofiled Login", "1 connection × 4 (one account: below its lockout threshold)", "webprofilectl bench login --connections 1 --inflight 4"),
]


def micro_rows(markdown):
    """(name, wall-clock p50, mallocs p50) of each benchmark in ordo-one/benchmark's markdown."""
    rows = []
    for block in re.split(r"\n### ", markdown)[1:]:
        name = block.split("\n")[0].strip()
        cells = {}
        for line in block.split("\n"):
            for metric in ("Time (wall clock)", "Malloc (total)"):
                if line.startswith("| " + metric):
                    row = [c.strip() for c in line.strip().strip("|").split("|")]
                    value = row[3]
                    # Times are in the unit the label names; the table gives nanoseconds.
                    scale = {"(ns)": 1, "(μs)": 1_000, "(us)": 1_000, "(ms)": 1_000_000}
                    for unit, factor in scale.items():
                        if unit in row[0] and factor != 1:
                            value = f"{int(value.replace(',', '')) * factor} (±{factor // 2})"
                    cells[metric] = value
        rows.append((name, cells.get("Time (wall clock)", "?"), cells.get("Malloc (total)", "?")))
    return rows


def number(value, digits=0):
    return f"{value:,.{digits}f}"


def render(r):
    side = r["side"]
    m = r["machine"]
    out = []
    out.append("# Benchmarks\n")
    out.append(f"Produced by `make bench` (`Benchmarks/run.sh`) in one run on {r['date']}. Everything ran on the same machine, "
               "one load at a time; load generators share the machine's cores with the server they load.\n")
    out.append(f"- CPU: {m['cpu']}, {m['cores']} cores; Linux {m['kernel']}; {m['swift']}; Redis {r.get('redis_version', '?')}")
    out.append(f"- Each figure is the median of {r['repetitions']} runs of {r['duration']:g} s, release builds, after a warm-up "
               "that is not counted (1 s for the Swift load tools, 0.5 s for the floor and for Authorize during the storm; "
               "redis-benchmark counts every request). Latencies are round trips measured by the client; redis-benchmark's "
               "percentiles come from its histogram at 1 µs resolution.")
    out.append(f"- Message sizes: the Authorize REQUEST frame is {r['frames']['request']} bytes and its RESPONSE "
               f"{r['frames']['response']} bytes; the floor exchanges exactly these sizes.")
    out.append("- \"one core\" rows pin the client and the server to CPU 0 (`taskset -c 0`): on this virtual machine a wake-up "
               "across CPUs costs far more than one on the same CPU, so both placements are shown for the latency rows.\n")

    out.append("## Side by side\n")
    out.append("| System | Load | calls/s | p50 µs | p99 µs | server CPU µs/call | client CPU µs/call | Command |")
    out.append("|---|---|---:|---:|---:|---:|---:|---|")
    for key, system, load, command in ROWS:
        if key not in side:
            continue
        s = side[key]
        cells = [number(s["callsPerSecond"])]
        for field in ("p50Micros", "p99Micros", "serverCPUMicros", "clientCPUMicros"):
            cells.append(number(s[field], 1) if field in s else "–")
        out.append(f"| {system} | {load} | {' | '.join(cells)} | `{command}` |")
    out.append("")
    out.append("CPU per call is the user + system time the server process and the load generator used during the load, divided by "
               "the calls made (for the Swift tools: calls/s × (duration + warm-up), so start-up counts too); on "
               f"{m['cores']} shared cores, calls/s can never exceed {m['cores']} s / (server + client CPU per call). The row during the "
               "login storm leaves them out: the daemon's CPU there is mostly the storm's hashing.\n")

    targets = []

    def target(name, measured, ratio, goal, met):
        targets.append((name, measured, ratio, goal, "met" if met else "**not met**"))

    def ratio_row(name, a, b, key, goal_text, check, fmt=lambda x: f"{x:.2f}×"):
        if a in side and b in side:
            ratio = side[a][key] / side[b][key]
            target(name, f"{number(side[a][key], 1)} vs {number(side[b][key], 1)}", fmt(ratio), goal_text, check(ratio))

    ratio_row("Authorize 1×1 p50 / floor p50", "webprofiled 1x1", "floor 1x1", "p50Micros", "≤ 3×", lambda x: x <= 3)
    ratio_row("same, both on one core", "webprofiled 1x1 one core", "floor 1x1 one core", "p50Micros", "≤ 3×", lambda x: x <= 3)
    ratio_row("Authorize 50×1 calls/s (C generator) / Redis GET 50 clients", "wpload 50x1", "redis 50x1", "callsPerSecond", "≥ 1×",
              lambda x: x >= 1)
    ratio_row("Authorize 50×16 calls/s (C generator) / Redis GET 50 clients, pipeline 16", "wpload 50x16", "redis 50x16", "callsPerSecond",
              "≥ 0.3×", lambda x: x >= 0.3)
    ratio_row("Authorize 1×1 p50 (C generator) / Redis GET 1 client p50", "wpload 1x1", "redis 1x1", "p50Micros", "≤ 1.5×", lambda x: x <= 1.5)
    ratio_row("Swift client 50×16 calls/s / C generator 50×16", "webprofiled 50x16", "wpload 50x16", "callsPerSecond", "≥ 0.5×",
              lambda x: x >= 0.5)
    if "wpload authorize-many 1x1" in side and "wpload 1x1" in side:
        many, one = side["wpload authorize-many 1x1"]["callsPerSecond"] * 300, side["wpload 1x1"]["callsPerSecond"]
        target("checks/s: AuthorizeMany (300 per call) / one Authorize per call, 1×1", f"{number(many)} vs {number(one)}",
               f"{many / one:.1f}×", "> 1× (fewer calls per page pay)", many > one)
    ratio_row("gRPC p50 / webprofiled p50 (1×1)", "grpc 1x1", "webprofiled 1x1", "p50Micros", "≥ 15×", lambda x: x >= 15)
    ratio_row("same, both on one core", "grpc 1x1 one core", "webprofiled 1x1 one core", "p50Micros", "≥ 15×", lambda x: x >= 15)
    ratio_row("webprofiled / gRPC calls/s (50×16)", "webprofiled 50x16", "grpc 50x16", "callsPerSecond", "≥ 5×", lambda x: x >= 5)
    ratio_row("webprofiled / gRPC calls/s (50×1)", "webprofiled 50x1", "grpc 50x1", "callsPerSecond", "≥ 5×", lambda x: x >= 5)
    ratio_row("Login / raw Argon2id hashes/s", "login", "argon2 raw", "callsPerSecond", "≥ 0.9×", lambda x: x >= 0.9)
    ratio_row("Authorize p99 in a login storm / idle p99", "webprofiled 1x1 during login storm", "webprofiled 1x1", "p99Micros", "≤ 5×", lambda x: x <= 5)

    for load, counted in sorted(r.get("mallocs", {}).items()):
        target(f"allocations per cached Authorize in the daemon, {load.replace('x', '×')} (malloc_count.so preloaded, C generator)",
               f"{counted['mallocsPerCall']:.1f} over {counted['calls']:,} calls", "–", "≤ 2", counted["mallocsPerCall"] <= 2)

    scale = r.get("scale")
    if scale:
        small = scale["authorize_small"]["p50Micros"]
        big = scale["authorize"]["p50Micros"]
        target(f"Authorize p50 (C generator) at {scale['counts']['registrations']:,} registrations (every call another of "
               f"{scale['counts']['sessions']:,} sessions) / small database",
               f"{big:.1f} vs {small:.1f} µs", f"{big / small:.2f}×", "≤ 1.1×", big / small <= 1.1)
        target("ListRegistrations first page p99", f"{scale['list']['p99Micros'] / 1000:.2f} ms", "–", "≤ 5 ms", scale["list"]["p99Micros"] <= 5000)
        target("daemon peak RSS (VmHWM) at scale", f"{scale['hwm_kib'] / 1024:.1f} MiB", "–", "≤ 192 MiB", scale["hwm_kib"] <= 192 * 1024)
        target("start to READY=1 at scale", f"{scale['seconds_to_ready'] * 1000:.0f} ms", "–", "≤ 1 s", scale["seconds_to_ready"] <= 1)

    pg = r.get("postgresql")
    if pg:
        for connections in (1, 50):
            p_, s_ = pg[f"postgresql authorize {connections}x1"], pg[f"sqlite authorize {connections}x1"]
            ratio = p_["callsPerSecond"] / s_["callsPerSecond"]
            target(f"PostgreSQL / SQLite Authorize {connections}×1 calls/s (answered from memory, in turns)",
                   f"{number(p_['callsPerSecond'], 1)} vs {number(s_['callsPerSecond'], 1)}", f"{ratio:.2f}×", "≥ 0.95×", ratio >= 0.95)
        rev = pg["cross-host revocation"]
        target("cross-host revocation, commit to refusal on another daemon: max of "
               f"{rev['trials']} trials", f"{rev['maxMillis']:.1f} ms", "–", "≤ 100 ms", rev["maxMillis"] <= 100)

    out.append("## Targets\n")
    out.append("| Target | Measured | Ratio | Goal | Status |")
    out.append("|---|---|---:|---|---|")
    for row in targets:
        out.append("| " + " | ".join(row) + " |")
    out.append("")

    if scale:
        c = scale["counts"]
        out.append("## Scale run\n")
        out.append(f"`webprofiles-seed` (benchmark package only, never installed) filled a database with {c['companies']:,} companies, "
                   f"{c['registrations']:,} registrations and {c['sessions']:,} live sessions in {scale['seed_seconds']:.0f} s.\n")
        out.append("| Measure | Value |")
        out.append("|---|---:|")
        out.append(f"| database size (with -wal/-shm) | {scale['database_bytes'] / (1 << 20):,.1f} MiB |")
        out.append(f"| start to READY=1 (median of {r['repetitions']} starts) | {scale['seconds_to_ready'] * 1000:.0f} ms |")
        permission = scale.get("authorize_permission", "?")
        out.append(f"| sessions held in the daemon's memory after the first pass (`operator stats`) | {scale.get('cached_sessions', '?'):,} |")
        out.append(f"| Authorize {permission} 1×1 (C generator), every call another session: p50 / p99 | {scale['authorize']['p50Micros']:.1f} / "
                   f"{scale['authorize']['p99Micros']:.1f} µs |")
        out.append(f"| same on the small database (one session), measured in turns with it | {scale['authorize_small']['p50Micros']:.1f} / "
                   f"{scale['authorize_small']['p99Micros']:.1f} µs |")
        out.append(f"| Authorize 1×1 calls/s (C generator) | {scale['authorize']['callsPerSecond']:,.0f} |")
        if "authorize_client" in scale:
            client, client_small = scale["authorize_client"], scale["authorize_client_small"]
            out.append(f"| the same through the Swift client (`webprofilectl bench authorize`), every call another session / the small "
                       f"database: p50 | {client['p50Micros']:.1f} / {client_small['p50Micros']:.1f} µs |")
        out.append(f"| ListRegistrations first page (50) p50 / p99 | {scale['list']['p50Micros']:.1f} / {scale['list']['p99Micros']:.1f} µs |")
        out.append(f"| daemon RSS after the loads / peak | {scale['rss_kib'] / 1024:.1f} / {scale['hwm_kib'] / 1024:.1f} MiB |")
        if "small_rss_kib" in r:
            out.append(f"| for comparison, small database: RSS / peak | {r['small_rss_kib'][0] / 1024:.1f} / {r['small_rss_kib'][1] / 1024:.1f} MiB |")
        out.append("")

    if pg:
        out.append("## PostgreSQL backend\n")
        out.append("One PostgreSQL 15 server (`scripts/postgres.sh start --durable`: Unix socket, fsync on) on this machine; "
                   "each load runs on a daemon on it and on a SQLite daemon, in turns (medians of "
                   f"{r['repetitions']}). Cold: a daemon just started, every call a session it has not seen (made through "
                   "another daemon beforehand), so every call reads the database. RegisterUser: 8 connections of the Python "
                   "client, each call a durable write (SQLite `synchronous = FULL`, PostgreSQL fsync on, SERIALIZABLE). "
                   "Cross-host: three daemons on one database; a revocation committed through the first, the second asked "
                   "without pause; from the server's commit timestamp to the first refusal.\n")
        out.append("| Load | SQLite calls/s | SQLite p50 / p99 µs | PostgreSQL calls/s | PostgreSQL p50 / p99 µs | ratio (calls/s) | Command |")
        out.append("|---|---:|---:|---:|---:|---:|---|")
        rows = [("Authorize 1 × 1, from memory", "authorize 1x1", "webprofilectl bench authorize --connections 1 --inflight 1"),
                ("Authorize 50 × 1, from memory", "authorize 50x1", "webprofilectl bench authorize --connections 50 --inflight 1"),
                ("Authorize 1 × 1, cold (a database read each)", "cold authorize", "webprofilectl bench authorize --tokens-file 6,000 new sessions"),
                ("Login", "login", "webprofilectl bench login --connections 1 --inflight 4"),
                ("RegisterUser (a durable write)", "register", "Benchmarks/postgres_bench.py register_throughput, 8 connections")]
        for label, key, command in rows:
            a, b = pg[f"sqlite {key}"], pg[f"postgresql {key}"]
            out.append(f"| {label} | {number(a['callsPerSecond'])} | {number(a['p50Micros'], 1)} / {number(a['p99Micros'], 1)} | "
                       f"{number(b['callsPerSecond'])} | {number(b['p50Micros'], 1)} / {number(b['p99Micros'], 1)} | "
                       f"{b['callsPerSecond'] / a['callsPerSecond']:.2f}× | `{command}` |")
        rev = pg["cross-host revocation"]
        out.append(f"\nCross-host revocation over {rev['trials']} trials: p50 {rev['p50Millis']:.2f} ms, p99 {rev['p99Millis']:.2f} ms, "
                   f"max {rev['maxMillis']:.2f} ms (`Benchmarks/postgres_bench.py cross_host_revocation`).\n")

    if r.get("micro"):
        out.append("## Micro-benchmarks (ordo-one/benchmark)\n")
        out.append("`swift package --package-path Benchmarks benchmark --target Micro`: CBOR (the wire format, as the daemon and its "
                   "client encode and decode it) next to Foundation's JSONEncoder/JSONDecoder on the same Authorize messages (the "
                   "gRPC peer's format), frame decoding and the permission check. Medians per operation; the full percentile "
                   "tables are in `Benchmarks/micro-results.md`.\n")
        out.append("| Benchmark | wall clock p50 (ns) | mallocs |")
        out.append("|---|---:|---:|")
        for name, wall, mallocs in micro_rows(r["micro"]):
            out.append(f"| {name} | {wall} | {mallocs} |")
        out.append("")

    analysis = os.path.join(HERE, "ANALYSIS.md")
    if os.path.exists(analysis):
        with open(analysis) as f:
            out.append(f.read().strip() + "\n")
    return "\n".join(out)
