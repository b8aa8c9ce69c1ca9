#!/usr/bin/env python3
"""The side-by-side benchmark run behind `make bench` (Benchmarks/run.sh builds first).

In one run, on this machine: the C ping-pong floor, Redis, the gRPC peer, webprofiled
(Authorize, Login, Authorize under a login storm), the scale run, the PostgreSQL backend next to
SQLite, and the micro-benchmarks.
Each load runs --repetitions times; the tables give medians. Writes BENCHMARKS.md.
"""
import argparse
import datetime
import json
import os
import platform
import resource
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, ".build", "release")
PEER_BIN = os.path.join(ROOT, "Benchmarks", ".build", "release")
sys.path.insert(0, os.path.join(ROOT, "Tests", "Interop"))

LINE = "+393331234567"
PERMISSION = "line.manage"
REP_PASSWORD = "Quartz-Harbor-Lantern-2026"
USER_PASSWORD = "Meadow-Copper-Violin-2026"
# Logins of one account in flight at once: below the lockout threshold (5), since the daemon lets
# no more password checks of one account run at once than failures would lock it; 4 keep the
# hashing threads of 2 cores busy.
LOGINS_IN_FLIGHT = 4
# The lines of the page that AuthorizeMany and ListAuthorizedLines are measured on.
PAGE_LINES = 300


def log(message):
    print(f"bench: {message}", file=sys.stderr, flush=True)


def run(argv, input_text=None, check=True, env=None):
    result = subprocess.run(argv, input=input_text, capture_output=True, text=True, env=env)
    if check and result.returncode != 0:
        raise SystemExit(f"bench: command failed ({result.returncode}): {' '.join(argv)}\n{result.stdout}{result.stderr}")
    return result.stdout


def pinned(argv, cpu):
    """argv run on one CPU (`taskset -c`), or as is."""
    return ["taskset", "-c", str(cpu), *argv] if cpu is not None else argv


def process_cpu_seconds(pid):
    """User + system CPU time a running process has used so far."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def children_cpu_seconds():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


class CPUMeter:
    """CPU time per call of a server process and of the load generators (child processes that
    ended) over one load: the cost of a call on each side, which bounds calls/s when both share
    the machine's cores."""

    def __init__(self, server_pid):
        self.server_pid = server_pid
        self.server = process_cpu_seconds(server_pid)
        self.client = children_cpu_seconds()

    def per_call(self, result, calls):
        result["serverCPUMicros"] = (process_cpu_seconds(self.server_pid) - self.server) / calls * 1e6
        result["clientCPUMicros"] = (children_cpu_seconds() - self.client) / calls * 1e6
        return result


def median_of(samples):
    """Per-key medians of a list of dicts; keys that are not numbers keep the first value."""
    return {key: statistics.median(s[key] for s in samples) if isinstance(samples[0][key], (int, float)) else samples[0][key]
            for key in samples[0]}


def repeat(times, measure):
    samples = []
    for _ in range(times):
        samples.append(measure())
    return median_of(samples), samples


# MARK: processes

class Daemon:
    """A webprofiled from .build/release on its own state folder, started with a NOTIFY_SOCKET
    so the time to READY=1 is measured as systemd would see it."""

    def __init__(self, state, database=None, cpu=None, extra=(), env_extra=None):
        self.state = state
        os.makedirs(state, exist_ok=True)
        self.socket = os.path.join(state, "webprofiled.sock")
        self.operator_socket = os.path.join(state, "operator.sock")
        notify_path = os.path.join(state, "notify.sock")
        if os.path.exists(notify_path):
            os.unlink(notify_path)
        notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        notify.bind(notify_path)
        notify.settimeout(60)
        argv = [os.path.join(BIN, "webprofiled"), "--state-directory", state, *extra]
        if database:
            argv += ["--database", database]
        env = dict(os.environ, NOTIFY_SOCKET=notify_path, **(env_extra or {}))
        self.log_file = open(os.path.join(state, "daemon.log"), "ab")
        started = time.monotonic()
        self.process = subprocess.Popen(pinned(argv, cpu), stdout=self.log_file, stderr=self.log_file, env=env)
        try:
            while True:
                message = notify.recv(4096).decode()
                if "READY=1" in message.split("\n"):
                    break
        except socket.timeout:
            self.stop()
            raise SystemExit(f"bench: webprofiled sent no READY=1 within 60 s; see {state}/daemon.log")
        self.seconds_to_ready = time.monotonic() - started
        notify.close()

    def ctl(self, *args, input_text=None, token=None):
        argv = [os.path.join(BIN, "webprofilectl"), "--socket", self.socket, "--operator-socket", self.operator_socket]
        if token:
            argv += ["--token", token]
        return run(argv + list(args), input_text=input_text).strip()

    def rss_kib(self):
        """(VmRSS, VmHWM) of the daemon in KiB."""
        values = {}
        with open(f"/proc/{self.process.pid}/status") as status:
            for line in status:
                key, _, value = line.partition(":")
                if key in ("VmRSS", "VmHWM"):
                    values[key] = int(value.split()[0])
        return values["VmRSS"], values["VmHWM"]

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log_file.close()


def bench_ctl(daemon, kind, token, connections, inflight, duration, warmup=1, cpu=None, extra=()):
    argv = [os.path.join(BIN, "webprofilectl"), "--socket", daemon.socket, "--json"]
    if token:
        argv += ["--token", token]
    argv += ["bench", kind, "--connections", str(connections), "--inflight", str(inflight),
             "--duration", str(duration), "--warmup", str(warmup), *extra]
    meter = CPUMeter(daemon.process.pid)
    result = pick(json.loads(run(pinned(argv, cpu))))
    # Warm-up calls are not in the latency samples but cost CPU: count them at the same rate.
    return meter.per_call(result, result["callsPerSecond"] * (duration + warmup))


def pick(result):
    return {"callsPerSecond": result["callsPerSecond"], "p50Micros": result["p50Micros"], "p99Micros": result["p99Micros"]}


def set_up_company(daemon):
    """A company with its Legal Representative (who logs in) and a Device User on a line,
    through the CLI as an operator and the representative would. Returns the tokens."""
    company, rep_code = daemon.ctl(
        "operator", "company", "create", "--name", "Bench S.r.l.", "--vat", "01234567897",
        "--rep-name", "Mario Rossi", "--rep-fiscal-code", "RSSMRA80A01H501U", "--rep-email", "mario@bench.example",
        "--rep-username", "mario.rossi", "--field", "company.companyId", "--field", "activationCode").split()
    daemon.ctl("operator", "lines", "add", company, LINE)
    daemon.ctl("activate", rep_code, "--password-stdin", input_text=REP_PASSWORD + "\n")
    rep_token = daemon.ctl("login", "mario.rossi", "--password-stdin", input_text=REP_PASSWORD + "\n")
    _, user_code = daemon.ctl(
        "users", "register", "device.user", "--display-name", "Device User", "--email", "device@bench.example",
        "--profile", "deviceUser", "--line", LINE, "--field", "registration.registrationId", "--field", "activationCode",
        token=rep_token).split()
    daemon.ctl("activate", user_code, "--password-stdin", input_text=USER_PASSWORD + "\n")
    user_token = daemon.ctl("login", "device.user", "--password-stdin", input_text=USER_PASSWORD + "\n")
    allowed = json.loads(daemon.ctl("--json", "authorize", PERMISSION, "--line", LINE, token=user_token))
    assert allowed["allowed"], f"the benchmark's Authorize must be allowed: {allowed}"
    return rep_token, user_token


def company_id(daemon, token):
    return json.loads(daemon.ctl("--json", "whoami", token=token))["principal"]["companyId"]


def frame_sizes(daemon, token):
    """Bytes of the Authorize REQUEST and RESPONSE frames, as the Python client sends them."""
    import wp_client  # the Python client written from Protocol/PROTOCOL.md (needs cbor2)
    connection = wp_client.Connection(daemon.socket)
    connection.hello()
    payload = wp_client.cbor2.dumps({"method": "webprofiles.v1.Session/Authorize",
                                     "message": {"permission": PERMISSION, "line": LINE},
                                     "metadata": {"authorization": f"Bearer {token}"}})
    connection.send(wp_client.REQUEST, payload, 1)
    response = connection.read_frame()
    connection.close()
    assert response.status == 0, response.status_name
    return 12 + len(payload), 12 + len(response.payload)


# MARK: peers

def build_floor(folder):
    """Compiles Benchmarks/floor/pingpong.c into the run's folder."""
    binary = os.path.join(folder, "pingpong")
    compiler = shutil.which("cc") or shutil.which("clang")
    if not compiler:
        raise SystemExit("bench: no C compiler (cc or clang) for the floor")
    run([compiler, "-O2", "-o", binary, os.path.join(ROOT, "Benchmarks", "floor", "pingpong.c")])
    return binary


def floor(binary, request_bytes, response_bytes, duration, cpu):
    return pick(json.loads(run(pinned([binary, str(request_bytes), str(response_bytes), str(duration)], cpu))))


def build_loadgen(folder):
    """Compiles Benchmarks/loadgen/wpload.c, the C load generator in the manner of redis-benchmark."""
    binary = os.path.join(folder, "wpload")
    compiler = shutil.which("cc") or shutil.which("clang")
    if not compiler:
        raise SystemExit("bench: no C compiler (cc or clang) for the load generator")
    run([compiler, "-O2", "-o", binary, os.path.join(ROOT, "Benchmarks", "loadgen", "wpload.c")])
    return binary


def build_malloc_count(folder):
    """Compiles Benchmarks/loadgen/malloc_count.c, the allocation counter preloaded into a daemon."""
    library = os.path.join(folder, "malloc_count.so")
    compiler = shutil.which("cc") or shutil.which("clang")
    run([compiler, "-O2", "-shared", "-fPIC", "-o", library, os.path.join(ROOT, "Benchmarks", "loadgen", "malloc_count.c")])
    return library


def mallocs_per_call(loadgen, library, folder, token, connections, inflight, duration):
    """Allocations per cached Authorize in the real daemon: the daemon of the small database
    runs with malloc_count.so preloaded; its count before and after a load of the C generator,
    over every call the load made (warm-up included)."""
    counter = os.path.join(folder, "malloc-count")
    daemon = Daemon(os.path.join(folder, "small"), env_extra={"LD_PRELOAD": library, "MALLOC_COUNT_FILE": counter})
    try:
        def count():
            with open(counter, "rb") as f:
                return int.from_bytes(f.read(8), "little")
        # A first load brings the session into memory and lets every lazy structure settle.
        wpload(loadgen, daemon, token, connections, inflight, 1, warmup=0.2, extra=("--permission", PERMISSION, "--line", LINE))
        before = count()
        argv = [loadgen, "--socket", daemon.socket, "--token", token, "--connections", str(connections), "--inflight", str(inflight),
                "--duration", str(duration), "--warmup", "0.5", "--permission", PERMISSION, "--line", LINE]
        out = json.loads(run(argv))
        after = count()
        return {"mallocsPerCall": (after - before) / out["allCalls"], "calls": out["allCalls"], "callsPerSecond": out["callsPerSecond"]}
    finally:
        daemon.stop()


def python_client(daemon, token, mode, inflight, duration, warmup=1):
    """Authorize through the Python client package (Clients/python; Benchmarks/python_client.py):
    `blocking` one call at a time, `threads` INFLIGHT threads sharing one blocking client,
    `asyncio` INFLIGHT calls in flight on one asyncio client; one connection each."""
    argv = [sys.executable, os.path.join(ROOT, "Benchmarks", "python_client.py"), "--socket", daemon.socket,
            "--token", token, "--mode", mode, "--inflight", str(inflight), "--duration", str(duration),
            "--warmup", str(warmup), "--permission", PERMISSION, "--line", LINE]
    meter = CPUMeter(daemon.process.pid)
    result = pick(json.loads(run(argv)))
    return meter.per_call(result, result["callsPerSecond"] * (duration + warmup))


def wpload(binary, daemon, token, connections, inflight, duration, warmup=1, cpu=None, extra=(), tokens_file=None):
    """One load of the C generator: pre-encoded REQUEST frames, latency per call by stream id;
    with `tokens_file`, one frame per session token, the calls going round them."""
    credentials = ["--tokens-file", tokens_file] if tokens_file else ["--token", token]
    argv = [binary, "--socket", daemon.socket, *credentials, "--connections", str(connections), "--inflight", str(inflight),
            "--duration", str(duration), "--warmup", str(warmup), *extra]
    meter = CPUMeter(daemon.process.pid)
    out = json.loads(run(pinned(argv, cpu)))
    if out["errors"]:
        raise SystemExit(f"bench: wpload got {out['errors']} error answers: {out.get('firstError')}")
    result = pick(out)
    # Warm-up calls are not in the latency samples but cost CPU: count them at the same rate.
    return meter.per_call(result, result["callsPerSecond"] * (duration + warmup))


class Redis:
    def __init__(self, folder, value_bytes):
        self.socket = os.path.join(folder, "redis.sock")
        self.process = subprocess.Popen(
            ["redis-server", "--port", "0", "--unixsocket", self.socket, "--unixsocketperm", "700",
             "--save", "", "--appendonly", "no", "--logfile", os.path.join(folder, "redis.log")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 20
        while not os.path.exists(self.socket):
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise SystemExit("bench: redis-server did not start")
            time.sleep(0.05)
        # The value has the size of an Authorize answer, so GET moves as many bytes.
        run(["redis-cli", "-s", self.socket, "set", "key:__rand_int__", "x" * value_bytes])
        self.version = run(["redis-server", "--version"]).split()[2].removeprefix("v=")

    def get(self, clients, pipeline, duration):
        def once(requests):
            meter = CPUMeter(self.process.pid)
            out = run(["redis-benchmark", "-s", self.socket, "-t", "get", "-n", str(requests), "-c", str(clients),
                       "-P", str(pipeline), "--csv"])
            rows = [line for line in out.splitlines() if line.startswith('"GET"')]
            fields = [float(f.strip('"')) for f in rows[-1].split(",")[1:]]
            # "rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"
            return meter.per_call({"callsPerSecond": fields[0], "p50Micros": fields[3] * 1000, "p99Micros": fields[5] * 1000}, requests)
        calibration = once(20_000 * pipeline)
        return once(max(20_000, int(calibration["callsPerSecond"] * duration)))

    def stop(self):
        self.process.terminate()
        self.process.wait(20)


class GRPCPeer:
    def __init__(self, folder, database, cpu=None):
        self.socket = os.path.join(folder, "grpc.sock")
        self.process = subprocess.Popen(
            pinned([os.path.join(PEER_BIN, "grpc-authorize-peer"), "serve", "--socket", self.socket, "--database", database], cpu),
            stdout=subprocess.PIPE, stderr=open(os.path.join(folder, "grpc.log"), "ab"), text=True)
        line = self.process.stdout.readline()
        if "ready" not in line:
            raise SystemExit(f"bench: the gRPC peer did not start: {line!r}; see {folder}/grpc.log")

    def load(self, token, connections, inflight, duration, warmup=1, cpu=None):
        argv = [os.path.join(PEER_BIN, "grpc-authorize-peer"), "load", "--socket", self.socket, "--token", token,
                "--permission", PERMISSION, "--line", LINE, "--connections", str(connections), "--inflight", str(inflight),
                "--duration", str(duration), "--warmup", str(warmup), "--json"]
        meter = CPUMeter(self.process.pid)
        result = pick(json.loads(run(pinned(argv, cpu))))
        return meter.per_call(result, result["callsPerSecond"] * (duration + warmup))

    def stop(self):
        self.process.terminate()
        self.process.wait(20)


def argon2_rate(duration, threads):
    argv = [os.path.join(PEER_BIN, "argon2-rate"), "--threads", str(threads), "--duration", str(duration), "--json"]
    return json.loads(run(argv))


# MARK: the run

def machine():
    cpu = "unknown"
    with open("/proc/cpuinfo") as info:
        for line in info:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    swift = run(["swift", "--version"], check=False).splitlines()
    return {"cpu": cpu, "cores": os.cpu_count(), "kernel": platform.release(),
            "swift": next((l for l in swift if "Swift version" in l), "unknown").strip()}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repetitions", type=int, default=3, help="runs of each load; tables give medians (default 3)")
    parser.add_argument("--duration", type=float, default=5, help="seconds of each load after 1 s of warm-up (default 5)")
    parser.add_argument("--scale-registrations", type=int, default=1_000_000, help="registrations of the scale run (default 1,000,000)")
    parser.add_argument("--scale-companies", type=int, default=10_000, help="companies of the scale run (default 10,000)")
    parser.add_argument("--scale-sessions", type=int, default=100_000, help="live sessions of the scale run (default 100,000)")
    parser.add_argument("--skip-micro", action="store_true", help="leave the micro-benchmarks out")
    parser.add_argument("--skip-postgresql", action="store_true", help="leave the PostgreSQL backend's rows out")
    parser.add_argument("--output", default=os.path.join(ROOT, "BENCHMARKS.md"), help="the report (default BENCHMARKS.md)")
    parser.add_argument("--json-output", default=os.path.join(ROOT, "Benchmarks", "results.json"),
                        help="the raw results (default Benchmarks/results.json)")
    parser.add_argument("--render-only", metavar="RESULTS_JSON",
                        help="run nothing: write the report again from the results of an earlier run "
                             "(e.g. after editing Benchmarks/ANALYSIS.md)")
    args = parser.parse_args()
    if args.repetitions < 1 or args.duration <= 0:
        parser.error("--repetitions must be ≥ 1 and --duration > 0")
    if args.render_only:
        import report  # noqa: E402  (next to this file)
        with open(args.render_only) as results_file:
            results = json.load(results_file)
        with open(args.output, "w") as out:
            out.write(report.render(results))
        log(f"wrote {args.output} from {args.render_only}")
        return

    reps, duration = args.repetitions, args.duration
    folder = tempfile.mkdtemp(prefix="webprofiles-bench-")
    results = {"date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
               "machine": machine(), "repetitions": reps, "duration": duration}
    log(f"working in {folder}; {reps} repetitions of {duration} s per load")

    def save():
        """Keeps what is measured so far: a failure later in the run loses nothing."""
        with open(args.json_output, "w") as out:
            json.dump(results, out, indent=2)

    # 1. webprofiled on a small database.
    daemon = Daemon(os.path.join(folder, "small"))
    redis = grpc = None
    try:
        rep_token, user_token = set_up_company(daemon)
        request_bytes, response_bytes = frame_sizes(daemon, user_token)
        results["frames"] = {"request": request_bytes, "response": response_bytes}
        side = results["side"] = {}

        def measure(key, function):
            log(f"{key} …")
            side[key], _ = repeat(reps, function)
            log(f"{key}: {side[key]}")
            save()

        floor_binary = build_floor(folder)
        measure("floor 1x1", lambda: floor(floor_binary, request_bytes, response_bytes, duration, None))
        measure("floor 1x1 one core", lambda: floor(floor_binary, request_bytes, response_bytes, duration, 0))
        measure("webprofiled 1x1", lambda: bench_ctl(daemon, "authorize", user_token, 1, 1, duration,
                                                    extra=("--permission", PERMISSION, "--line", LINE)))
        results["small_rss_kib"] = daemon.rss_kib()
        daemon.stop()
        # The same on one core: daemon and client share CPU 0, like the floor's one-core row.
        daemon = Daemon(os.path.join(folder, "small"), cpu=0)
        measure("webprofiled 1x1 one core", lambda: bench_ctl(daemon, "authorize", user_token, 1, 1, duration, cpu=0,
                                                             extra=("--permission", PERMISSION, "--line", LINE)))
        daemon.stop()
        daemon = Daemon(os.path.join(folder, "small"))
        for connections, inflight in ((1, 16), (50, 1), (50, 16)):
            measure(f"webprofiled {connections}x{inflight}", lambda: bench_ctl(
                daemon, "authorize", user_token, connections, inflight, duration, extra=("--permission", PERMISSION, "--line", LINE)))
        # The Python client next to the Swift one: one connection, one call at a time, 8 threads,
        # and asyncio with 16 in flight (next to the Swift client's 1x1 and 1x16).
        for mode, inflight in (("blocking", 1), ("threads", 8), ("asyncio", 16)):
            measure(f"python {mode} 1x{inflight}", lambda: python_client(daemon, user_token, mode, inflight, duration))

        # The C load generator: the server's cost apart from any client library.
        loadgen = build_loadgen(folder)
        authorize = ("--permission", PERMISSION, "--line", LINE)
        for connections, inflight in ((1, 1), (50, 1), (50, 16)):
            measure(f"wpload {connections}x{inflight}", lambda: wpload(loadgen, daemon, user_token, connections, inflight, duration,
                                                                       extra=authorize))
        # A page of a representative's lines: 300 lines, each checked (AuthorizeMany) or listed
        # (ListAuthorizedLines) in one call.
        page_lines = [f"+3934{n:08d}" for n in range(PAGE_LINES)]
        daemon.ctl("operator", "lines", "add", company_id(daemon, rep_token), *page_lines)
        checks = [arg for line in page_lines for arg in ("--line", line)]
        measure("wpload authorize-many 1x1", lambda: wpload(loadgen, daemon, rep_token, 1, 1, duration, extra=(
            "--method", "AuthorizeMany", "--permission", PERMISSION, "--checks", str(PAGE_LINES), *checks)))
        measure("wpload authorized-lines 1x1", lambda: wpload(loadgen, daemon, rep_token, 1, 1, duration, extra=(
            "--method", "ListAuthorizedLines", "--permission", PERMISSION, "--page-size", str(PAGE_LINES))))

        daemon.stop()
        library = build_malloc_count(folder)
        for connections, inflight in ((1, 1), (50, 16)):
            log(f"mallocs per Authorize {connections}x{inflight} …")
            results.setdefault("mallocs", {})[f"{connections}x{inflight}"] = mallocs_per_call(
                loadgen, library, folder, user_token, connections, inflight, duration)
            log(f"mallocs per Authorize {connections}x{inflight}: {results['mallocs'][f'{connections}x{inflight}']}")
            save()
        daemon = Daemon(os.path.join(folder, "small"))

        redis = Redis(folder, response_bytes - 12)
        results["redis_version"] = redis.version
        for clients, pipeline in ((1, 1), (50, 1), (50, 16)):
            measure(f"redis {clients}x{pipeline}", lambda: redis.get(clients, pipeline, duration))
        redis.stop()
        redis = None

        grpc = GRPCPeer(folder, os.path.join(daemon.state, "webprofiled.sqlite"))
        for connections, inflight in ((1, 1), (50, 1), (50, 16)):
            measure(f"grpc {connections}x{inflight}", lambda: grpc.load(user_token, connections, inflight, duration))
        grpc.stop()
        grpc = GRPCPeer(folder, os.path.join(daemon.state, "webprofiled.sqlite"), cpu=0)
        measure("grpc 1x1 one core", lambda: grpc.load(user_token, 1, 1, duration, cpu=0))
        grpc.stop()
        grpc = None

        # 2. Login against raw Argon2id with the daemon's parameters and pool size.
        threads = os.cpu_count()
        measure("argon2 raw", lambda: argon2_rate(duration, threads))
        login_load = ("--username", "mario.rossi", "--password-stdin")

        def login():
            argv = [os.path.join(BIN, "webprofilectl"), "--socket", daemon.socket, "--json", "bench", "login",
                    "--connections", "1", "--inflight", str(LOGINS_IN_FLIGHT), "--duration", str(duration), "--warmup", "1", *login_load]
            return pick(json.loads(run(argv, input_text=REP_PASSWORD + "\n")))
        measure("login", login)

        # 3. Authorize while a login storm saturates the hashing pool.
        def storm():
            argv = [os.path.join(BIN, "webprofilectl"), "--socket", daemon.socket, "--json", "bench", "login",
                    "--connections", "1", "--inflight", str(LOGINS_IN_FLIGHT), "--duration", str(duration + 2), "--warmup", "0", *login_load]
            storm_process = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
            storm_process.stdin.write(REP_PASSWORD + "\n")
            storm_process.stdin.close()
            try:
                time.sleep(1)
                during = bench_ctl(daemon, "authorize", user_token, 1, 1, duration, warmup=0.5,
                                   extra=("--permission", PERMISSION, "--line", LINE))
            except BaseException:
                storm_process.kill()
                storm_process.wait()
                raise
            storm_output = storm_process.stdout.read()
            if storm_process.wait() != 0:
                raise SystemExit(f"bench: the login storm failed: {storm_output}")
            # The daemon's CPU in this load is mostly the storm's hashing: not an Authorize cost.
            del during["serverCPUMicros"], during["clientCPUMicros"]
            during["stormLoginsPerSecond"] = json.loads(storm_output)["callsPerSecond"]
            return during
        measure("webprofiled 1x1 during login storm", storm)
    finally:
        daemon.stop()
        if redis:
            redis.stop()
        if grpc:
            grpc.stop()

    # 4. The scale run.
    scale = results["scale"] = {}
    database = os.path.join(folder, "scale", "webprofiled.sqlite")
    os.makedirs(os.path.dirname(database))
    log("seeding the scale database …")
    started = time.monotonic()
    tokens_file = os.path.join(folder, "scale", "tokens")
    seed = json.loads(run([os.path.join(PEER_BIN, "webprofiles-seed"), "--database", database,
                           "--companies", str(args.scale_companies), "--registrations", str(args.scale_registrations),
                           "--sessions", str(args.scale_sessions), "--tokens-file", tokens_file, "--json"]))
    scale["seed_seconds"] = time.monotonic() - started
    scale["counts"] = {"companies": args.scale_companies, "registrations": args.scale_registrations, "sessions": args.scale_sessions}
    sample = seed["sample"]
    ready = []
    for _ in range(reps):
        daemon = Daemon(os.path.join(folder, "scale"), database=database)
        ready.append(daemon.seconds_to_ready)
        daemon.stop()
    scale["seconds_to_ready"] = statistics.median(ready)
    save()
    # At scale, the calls go round all the live sessions (every call another session, as a
    # portal's many users), after a first pass has brought them all into the cache: the
    # daemon then holds every session, registration and company it serves. The small
    # database's daemon runs next to it and the two are measured in turns with the same
    # (unscoped) permission, so the ratio compares like with like.
    scale_permission = "invoices.view"
    daemon = Daemon(os.path.join(folder, "scale"), database=database)
    small = Daemon(os.path.join(folder, "small"))
    try:
        log("scale: first pass over every session …")
        # A session's first use loads it from the database (cold pages of a big file): passes of
        # 15 s until every session is in memory; each pass goes quickly over the ones loaded.
        started = time.monotonic()
        for _ in range(20):
            bench_ctl(daemon, "authorize", None, 50, 1, 15, warmup=0, extra=("--permission", scale_permission, "--tokens-file", tokens_file))
            cached = json.loads(daemon.ctl("--json", "operator", "stats"))["cachedSessions"]
            log(f"scale: {cached:,} sessions in memory")
            if cached >= args.scale_sessions:
                break
        else:
            raise SystemExit(f"bench: only {cached:,} of {args.scale_sessions:,} sessions came into memory")
        scale["first_pass_seconds"] = time.monotonic() - started
        log("scale: Authorize 1x1 over every session, small and big database in turns …")
        # The C generator measures the daemon alone: the Swift client remembers the principals
        # it decoded, which favours one session over many (its rows are given apart).
        small_runs, big_runs, small_client, big_client = [], [], [], []
        for _ in range(reps):
            small_runs.append(wpload(loadgen, small, user_token, 1, 1, duration, extra=("--permission", scale_permission)))
            big_runs.append(wpload(loadgen, daemon, None, 1, 1, duration, extra=("--permission", scale_permission), tokens_file=tokens_file))
            small_client.append(bench_ctl(small, "authorize", user_token, 1, 1, duration, extra=("--permission", scale_permission)))
            big_client.append(bench_ctl(daemon, "authorize", None, 1, 1, duration,
                                        extra=("--permission", scale_permission, "--tokens-file", tokens_file)))
        scale["authorize_small"], scale["authorize"] = median_of(small_runs), median_of(big_runs)
        scale["authorize_client_small"], scale["authorize_client"] = median_of(small_client), median_of(big_client)
        scale["authorize_permission"] = scale_permission
        log(f"scale: Authorize {scale['authorize']} against {scale['authorize_small']}")
        log("scale: ListRegistrations …")
        scale["list"], _ = repeat(reps, lambda: bench_ctl(daemon, "list-registrations", sample["adminToken"], 1, 1, duration))
        log(f"scale: ListRegistrations {scale['list']}")
        scale["rss_kib"], scale["hwm_kib"] = daemon.rss_kib()
        cached = json.loads(daemon.ctl("--json", "operator", "stats"))
        scale["cached_sessions"] = cached["cachedSessions"]
    finally:
        daemon.stop()
        small.stop()
    save()
    scale["database_bytes"] = sum(os.path.getsize(database + suffix) for suffix in ("", "-wal", "-shm") if os.path.exists(database + suffix))

    # 5. The PostgreSQL backend, next to SQLite (Benchmarks/postgres_bench.py).
    if not args.skip_postgresql:
        import postgres_bench  # noqa: E402  (next to this file)
        postgres_bench.run_all(results, save, os.path.join(folder, "postgresql"), reps, duration, Daemon, bench_ctl, repeat,
                               median_of, set_up_company, run, log, PERMISSION, LINE, REP_PASSWORD, USER_PASSWORD)
        save()

    # 6. Micro-benchmarks (ordo-one/benchmark).
    if not args.skip_micro:
        log("micro-benchmarks …")
        results["micro"] = run(["swift", "package", "--package-path", os.path.join(ROOT, "Benchmarks"),
                                "--allow-writing-to-package-directory", "benchmark", "--target", "Micro",
                                "--format", "markdown", "--no-progress"])
        with open(os.path.join(ROOT, "Benchmarks", "micro-results.md"), "w") as out:
            out.write(f"# Micro-benchmark results, {results['date']}\n\nProduced by `make bench`; summarised in BENCHMARKS.md.\n\n")
            out.write(results["micro"])

    save()
    import report  # noqa: E402  (next to this file)
    with open(args.output, "w") as out:
        out.write(report.render(results))
    log(f"wrote {args.output}")
    shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
