"""The PostgreSQL rows of `make bench` (called by bench.py): webprofiled on a shared PostgreSQL
database next to the embedded SQLite one, measured in turns on this machine.

- Authorize answered from memory, 1 × 1 and 50 × 1, PostgreSQL and SQLite daemons in turns;
- Authorize on a cold cache: every call another session, never seen before (a database read);
- Login (Argon2id dominates on both), RegisterUser throughput (a durable write on each);
- cross-host revocation: three daemons on one database, commit (the server's commit timestamp)
  to the first refusal on another daemon.
The server runs with fsync on (scripts/postgres.sh start --durable), as in production.
"""
import json
import os
import statistics
import subprocess
import threading
import time

import wp_client

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, ".build", "release")
FAST_HASHING = ("--argon2-memory-kib", "64", "--argon2-iterations", "1")
SESSION = "webprofiles.v1.Session/"
PROFILES = "webprofiles.v1.Profiles/"


class Postgres:
    def __init__(self, run):
        self.run = run
        self.dir = run([os.path.join(ROOT, "scripts", "postgres.sh"), "start", "--durable"]).strip()
        self.socket_dir = os.path.join(self.dir, "sock")

    def sql(self, statement, database="postgres"):
        out = self.run(["psql", "-h", self.socket_dir, "-U", "webprofiled", "-d", database, "-XAtq", "-c", statement])
        return [line.split("|") for line in out.splitlines() if line]

    def create(self, name):
        self.sql(f"CREATE DATABASE {name}")
        return name

    def uri(self, database, host):
        return f"postgresql://webprofiled@/{database}?host={self.socket_dir}&application_name={host}"

    def stop(self):
        self.run([os.path.join(ROOT, "scripts", "postgres.sh"), "stop", self.dir])


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def call(connection, method, message, token=None):
    metadata = {"authorization": "Bearer " + token} if token else None
    return connection.call(method, message, metadata=metadata)


def connect(daemon):
    c = wp_client.Connection(daemon.socket, timeout=30)
    c.hello()
    return c


def sessions(daemon, username, password, count, threads=4):
    """`count` sessions of one person (the daemon runs with a high --max-sessions)."""
    tokens, lock = [], threading.Lock()

    def work(n):
        c = connect(daemon)
        for _ in range(n):
            # Logins of one account from several threads contend for its row: a login the shared
            # database could not settle (UNAVAILABLE, "try again") is tried again, as a portal would.
            for _ in range(20):
                status, answer = call(c, SESSION + "Login", {"username": username, "password": password})
                if status != "UNAVAILABLE":
                    break
            assert status == "OK", answer
            with lock:
                tokens.append(answer["sessionToken"])
        c.close()
    workers = [threading.Thread(target=work, args=(count // threads,)) for _ in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return tokens


def register_throughput(daemon, token, duration, threads=8, prefix="w"):
    """RegisterUser calls/s with `threads` connections, and the latency of each call."""
    latencies, lock, stop = [], threading.Lock(), threading.Event()
    failures = []

    def work(k):
        c = connect(daemon)
        n = 0
        while not stop.is_set():
            n += 1
            started = time.perf_counter()
            status, answer = call(c, PROFILES + "RegisterUser", {
                "username": f"{prefix}{k}x{n}", "displayName": "Bench Write", "email": "w@bench.example", "profile": "adminLight"}, token)
            elapsed = time.perf_counter() - started
            if status != "OK":
                failures.append(answer)
                continue
            with lock:
                latencies.append(elapsed)
        c.close()
    workers = [threading.Thread(target=work, args=(k,)) for k in range(threads)]
    started = time.monotonic()
    for w in workers:
        w.start()
    time.sleep(duration)
    stop.set()
    for w in workers:
        w.join()
    elapsed = time.monotonic() - started
    if failures:
        raise SystemExit(f"bench: RegisterUser failed: {failures[:3]}")
    return {"callsPerSecond": len(latencies) / elapsed, "p50Micros": percentile(latencies, 50) * 1e6,
            "p99Micros": percentile(latencies, 99) * 1e6}


def cold_authorize(bench_ctl, daemon, tokens_file, count, permission):
    """Authorize 1 × 1 where every call is a session the daemon has not seen since it started."""
    result = bench_ctl(daemon, "authorize", None, 1, 1, 0.5, warmup=0, extra=("--permission", permission, "--tokens-file", tokens_file))
    calls = result["callsPerSecond"] * 0.5
    if calls > count:
        raise SystemExit(f"bench: the cold run made {calls:.0f} calls over {count} sessions: make more sessions")
    return result


def cross_host_revocation(Daemon, folder, postgres, database, key, trials, set_up):
    """Three daemons on one database: commit of a revocation through A to its refusal on B."""
    daemons = [Daemon(os.path.join(folder, f"pg-{h}"), database=postgres.uri(database, f"bench-{h}"),
                      extra=("--second-factor-key-file", key, *FAST_HASHING)) for h in "abc"]
    a, b, _ = daemons
    try:
        rep_token = set_up(a)
        ca, cb = connect(a), connect(b)
        latencies = []
        for trial in range(trials):
            status, created = call(ca, PROFILES + "RegisterUser", {
                "username": f"rev{trial}", "displayName": "Revoked Later", "email": "r@bench.example", "profile": "adminFull"}, rep_token)
            assert status == "OK", created
            assert call(ca, SESSION + "Activate", {"activationCode": created["activationCode"], "password": "Saffron-Glacier-Piano-2026"})[0] == "OK"
            status, login = call(ca, SESSION + "Login", {"username": f"rev{trial}", "password": "Saffron-Glacier-Piano-2026"})
            token = login["sessionToken"]
            for _ in range(3):
                status, answer = call(cb, SESSION + "Authorize", {"permission": "users.view"}, token)
                assert status == "OK" and answer["allowed"], answer
            before = int(postgres.sql("SELECT COALESCE(MAX(id), 0) FROM changeLog", database)[0][0])
            registration = created["registration"]["registrationId"]
            assert call(ca, PROFILES + "RevokeCredentials", {"registrationId": registration}, rep_token)[0] == "OK"
            while True:
                status, answer = call(cb, SESSION + "Authorize", {"permission": "users.view"}, token)
                if status != "OK" or not answer["allowed"]:
                    refused = time.time()
                    break
            account = postgres.sql(f"SELECT accountId FROM membership WHERE id = '{registration}'", database)[0][0]
            committed = float(postgres.sql(
                f"SELECT extract(epoch FROM pg_xact_commit_timestamp(xmin)) FROM changeLog WHERE id > {before} "
                f"AND change = 'a:{account}' ORDER BY id LIMIT 1", database)[0][0])
            latencies.append((refused - committed) * 1000)
        return {"trials": trials, "p50Millis": statistics.median(latencies), "p99Millis": percentile(latencies, 99),
                "maxMillis": max(latencies)}
    finally:
        for d in daemons:
            d.stop()


def run_all(results, save, folder, reps, duration, Daemon, bench_ctl, repeat, median_of, set_up_company, run, log,
            permission, line, rep_password, user_password):
    """Fills results["postgresql"]; the SQLite daemons run beside the PostgreSQL ones, in turns."""
    pg = results["postgresql"] = {}
    os.makedirs(folder, exist_ok=True)
    postgres = Postgres(run)
    key = os.path.join(folder, "secondfactor.key")
    with open(key, "wb") as f:
        f.write(os.urandom(32))
    os.chmod(key, 0o600)
    daemons = []
    try:
        database = postgres.create("bench")
        sqlite = Daemon(os.path.join(folder, "sqlite-turns"))
        shared = Daemon(os.path.join(folder, "pg-main"), database=postgres.uri(database, "bench-main"),
                        extra=("--second-factor-key-file", key))
        daemons += [sqlite, shared]
        tokens = {}
        for name, daemon in (("sqlite", sqlite), ("postgresql", shared)):
            rep_token, user_token = set_up_company(daemon)
            tokens[name] = (rep_token, user_token)
        args = ("--permission", permission, "--line", line)
        for connections in (1, 50):
            log(f"postgresql: Authorize {connections}x1 in turns with SQLite …")
            s_runs, p_runs = [], []
            for _ in range(reps):
                s_runs.append(bench_ctl(sqlite, "authorize", tokens["sqlite"][1], connections, 1, duration, extra=args))
                p_runs.append(bench_ctl(shared, "authorize", tokens["postgresql"][1], connections, 1, duration, extra=args))
            pg[f"sqlite authorize {connections}x1"], pg[f"postgresql authorize {connections}x1"] = median_of(s_runs), median_of(p_runs)
            log(f"postgresql: {pg[f'postgresql authorize {connections}x1']} vs SQLite {pg[f'sqlite authorize {connections}x1']}")
            save()
        log("postgresql: Login …")
        for name, daemon in (("sqlite", sqlite), ("postgresql", shared)):
            def login(daemon=daemon):
                argv = [os.path.join(BIN, "webprofilectl"), "--socket", daemon.socket, "--json", "bench", "login",
                        "--connections", "1", "--inflight", "4", "--duration", str(duration), "--warmup", "1",
                        "--username", "mario.rossi", "--password-stdin"]
                result = json.loads(run(argv, input_text=rep_password + "\n"))
                return {k: result[k] for k in ("callsPerSecond", "p50Micros", "p99Micros")}
            pg[f"{name} login"], _ = repeat(reps, login)
        # The login loads made more sessions than one person may hold: the representative's first
        # one ended. A new one for the writes.
        for name, daemon in (("sqlite", sqlite), ("postgresql", shared)):
            tokens[name] = (daemon.ctl("login", "mario.rossi", "--password-stdin", input_text=rep_password + "\n"), tokens[name][1])
        save()
        log("postgresql: RegisterUser throughput …")
        for name, daemon in (("sqlite", sqlite), ("postgresql", shared)):
            runs = [register_throughput(daemon, tokens[name][0], duration, prefix=f"r{i}") for i in range(reps)]
            pg[f"{name} register"] = median_of(runs)
        save()
        for d in daemons:
            d.stop()
        daemons = []
        # Cold: fresh daemons (empty caches) on the same databases, the sessions made through
        # another daemon beforehand (people whose passwords were hashed cheaply, so that making
        # thousands of sessions is quick; 900 sessions each). A login answered UNAVAILABLE
        # is tried again; if its commit happened all the same (a connection lost after COMMIT),
        # that makes one session more: the limit of 1,000 leaves room for those, so that none
        # of the sessions handed out is ended to make room.
        log("postgresql: cold Authorize …")
        people, per_person = 6, 900
        for name in ("sqlite", "postgresql"):
            state = os.path.join(folder, "sqlite-turns" if name == "sqlite" else "pg-main")
            database_arg = None if name == "sqlite" else postgres.uri(database, "bench-main")
            common = ("--max-sessions", "1000") + (() if name == "sqlite" else ("--second-factor-key-file", key))
            runs = []
            for i in range(reps):
                maker = Daemon(state, database=database_arg, extra=(*common, *FAST_HASHING))
                made = []
                try:
                    for p in range(people):
                        username = f"cold{i}p{p}"
                        c = connect(maker)
                        status, created = call(c, PROFILES + "RegisterUser", {
                            "username": username, "displayName": "Cold Cache", "email": "c@bench.example", "profile": "adminLight"},
                            tokens[name][0])
                        assert status == "OK", created
                        assert call(c, SESSION + "Activate", {"activationCode": created["activationCode"], "password": user_password})[0] == "OK"
                        c.close()
                        made += sessions(maker, username, user_password, per_person)
                finally:
                    maker.stop()
                tokens_file = os.path.join(folder, f"cold-{name}-{i}")
                with open(tokens_file, "w") as f:
                    f.write("\n".join(made) + "\n")
                fresh = Daemon(state, database=database_arg, extra=common)
                try:
                    runs.append(cold_authorize(bench_ctl, fresh, tokens_file, len(made), "invoices.view"))
                finally:
                    fresh.stop()
            pg[f"{name} cold authorize"] = median_of(runs)
            log(f"postgresql: cold {name} {pg[f'{name} cold authorize']}")
        save()
        log("postgresql: cross-host revocation …")
        revocation_db = postgres.create("bench_revocation")

        def set_up(daemon):
            rep_token, _ = set_up_company(daemon)
            return rep_token
        pg["cross-host revocation"] = cross_host_revocation(Daemon, folder, postgres, revocation_db, key, 50, set_up)
        log(f"postgresql: cross-host revocation {pg['cross-host revocation']}")
        save()
    finally:
        for d in daemons:
            d.stop()
        postgres.stop()
