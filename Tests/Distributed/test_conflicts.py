"""Conflicting writes from three daemons at once, for a while (WORKLOAD_SECONDS), then an offline
checker over the database and its audit trail: no session of someone with no live registration,
lockout counts matching the audited failures, one live legal representative per company, no line
held twice, every manager outranking whom they acted on."""
import json
import os
import random
import threading
import time
from collections import Counter, defaultdict

from conftest import Cluster, figure
from wp_daemon import OPERATOR, PASSWORD, PROFILES, SESSION, Company, ok

SECONDS = float(os.environ.get("WORKLOAD_SECONDS", "20" if os.environ.get("CI") == "true" else "10"))
THRESHOLD = 5
RANK = {"legalRepresentative": 5, "adminFull": 4, "adminLight": 3, "deviceUser": 2, "user": 1}


def bearer(token):
    return {"authorization": "Bearer " + token}


class World:
    """What the workers know: tokens by username, registrations by company, lines."""

    def __init__(self, cluster):
        self.cluster = cluster
        self.lock = threading.Lock()
        self.companies = []
        self.tokens = {}
        self.registrations = defaultdict(list)
        self.lines = {}
        self.statuses = Counter()
        self.counter = 0
        self.oddities = []

    def next_name(self, prefix):
        with self.lock:
            self.counter += 1
            return f"{prefix}{self.counter}"

    def daemon(self):
        return random.choice(self.cluster.daemons)

    def note(self, status):
        with self.lock:
            self.statuses[status] += 1


def setup(cluster):
    world = World(cluster)
    a = cluster.daemons[0]
    for n in range(3):
        lines = [f"+39334{n}{i:06d}" for i in range(12)]
        company = Company(a, 10 + n, lines=lines)
        world.companies.append(company)
        world.lines[company.company_id] = lines
        world.tokens[f"rep{10 + n}.rossi"] = company.rep_token
        for d in range(3):
            name = f"c{n}d{d}"
            created = company.register(name, "adminFull")
            world.registrations[company.company_id].append(created["registration"]["registrationId"])
            world.tokens[name] = company.login(name)
        for k in range(2):
            name = f"c{n}lock{k}"
            company.register(name, "adminLight")
    return world


def worker(world, stop, seed):
    rng = random.Random(seed)
    while not stop.is_set():
        company = rng.choice(world.companies)
        n = world.companies.index(company)
        daemon = rng.choice(world.cluster.daemons)
        rep = f"rep{10 + n}.rossi"
        delegate = f"c{n}d{rng.randrange(3)}"
        actor = rng.choice([rep, delegate, delegate])
        token = world.tokens.get(actor)
        op = rng.randrange(8)
        answer = None
        registrations = world.registrations[company.company_id]
        try:
            if op == 0 and registrations:
                target = rng.choice(registrations)
                profile = rng.choice(["adminFull", "adminLight", "user", "deviceUser"])
                message = {"registrationId": target, "profile": profile}
                if profile in ("user", "deviceUser"):
                    message["line"] = rng.choice(world.lines[company.company_id])
                status, answer = daemon.call(PROFILES + "ChangeProfile", message, metadata=bearer(token))
            elif op == 1:
                profile = rng.choice(["adminLight", "user", "deviceUser", "adminFull"])
                message = {"username": world.next_name(f"c{n}u"), "displayName": "Worker Made", "email": "w@rossi.example",
                           "profile": profile}
                if profile in ("user", "deviceUser"):
                    message["line"] = rng.choice(world.lines[company.company_id])
                status, answer = daemon.call(PROFILES + "RegisterUser", message, metadata=bearer(token))
                if status == "OK":
                    with world.lock:
                        registrations.append(answer["registration"]["registrationId"])
                    world.note(daemon.call(SESSION + "Activate", {"activationCode": answer["activationCode"],
                                                                 "password": PASSWORD})[0])
            elif op == 2 and registrations:
                status, answer = daemon.call(PROFILES + "RevokeCredentials", {"registrationId": rng.choice(registrations)},
                                        metadata=bearer(token))
            elif op == 3 and registrations:
                status, answer = daemon.call(PROFILES + "RestoreCredentials", {"registrationId": rng.choice(registrations)},
                                             metadata=bearer(world.tokens[rep]))
                if status == "OK":
                    world.note(rng.choice(world.cluster.daemons).call(
                        SESSION + "Activate", {"activationCode": answer["activationCode"], "password": PASSWORD})[0])
            elif op == 4:
                status, answer = daemon.call(SESSION + "Login", {"username": f"c{n}lock{rng.randrange(2)}", "password": "wrong-guess"})
            elif op == 5:
                status, answer = daemon.call(SESSION + "Login", {"username": delegate, "password": PASSWORD})
                if status == "OK":
                    with world.lock:
                        world.tokens[delegate] = answer["sessionToken"]
            elif op == 6:
                line = rng.choice(world.lines[company.company_id])
                status, answer = daemon.call(OPERATOR + "RemoveLine", {"companyId": company.company_id, "msisdn": line}, "operator")
                if status == "OK":
                    world.note(daemon.call(OPERATOR + "AddLines", {"companyId": company.company_id,
                                                                  "lines": [{"msisdn": line, "kind": "mobile"}]}, "operator")[0])
            else:
                status, answer = daemon.call(SESSION + "Authorize", {"permission": "users.manage"}, metadata=bearer(token))
        except (OSError, AssertionError) as error:
            status = type(error).__name__
        world.note(status)
        if status in ("UNAVAILABLE", "INTERNAL", "UNKNOWN") and len(world.oddities) < 5:
            world.oddities.append((op, status, answer))


def check(cluster):
    """Every invariant over what was committed; returns the violations."""
    violations = []
    sql = cluster.sql
    for (session,) in sql("SELECT s.id FROM session s WHERE NOT EXISTS (SELECT 1 FROM membership m "
                          "WHERE m.accountId = s.accountId AND m.status = 'active')"):
        violations.append(f"session {session} of someone with no active registration")
    for company, count in sql("SELECT c.id, (SELECT count(*) FROM membership m WHERE m.companyId = c.id AND "
                              "m.profile = 'legalRepresentative' AND m.status <> 'revoked') FROM company c"):
        if int(count) != 1:
            violations.append(f"company {company} has {count} live legal representatives")
    for line, count in sql("SELECT line, count(*) FROM membership WHERE line IS NOT NULL AND status <> 'revoked' "
                           "GROUP BY line HAVING count(*) > 1"):
        violations.append(f"line {line} held {count} times")
    for (registration,) in sql("SELECT m.id FROM membership m WHERE m.line IS NOT NULL AND m.status <> 'revoked' AND NOT "
                               "EXISTS (SELECT 1 FROM line l WHERE l.msisdn = m.line AND l.companyId = m.companyId)"):
        violations.append(f"registration {registration} holds a line its company does not have")
    # Lockout: each verified failure took one of the account's attempts (taken before the
    # password check, so that concurrent guesses cannot outnumber the threshold); a lock takes
    # the threshold's worth and starts the count again.
    failures = defaultdict(list)
    locks = Counter()
    for account, action, after in sql("SELECT targetAccountId, action, after FROM auditEvent "
                                      "WHERE action IN ('loginFailed', 'locked') AND targetAccountId IS NOT NULL"):
        details = json.loads(after) if after else {}
        if action == "locked":
            locks[account] += 1
        elif "failedAttempts" in details:
            failures[account].append(int(details["failedAttempts"]))
    for account, attempts, locked_until in sql("SELECT id, failedAttempts, lockedUntil FROM account"):
        seen = failures.get(account, [])
        if locks[account] > 1:
            violations.append(f"account {account} locked {locks[account]} times")
        expected = THRESHOLD * locks[account] + int(attempts)
        if len(seen) != expected or any(n > THRESHOLD for n in seen):
            violations.append(f"account {account}: {len(seen)} audited failures {sorted(seen)}, {int(attempts)} counted, "
                              f"{locks[account]} locks")
    # Rank: every manager's action names the profile it held, and it outranks the target's.
    for event, action, before, after in sql("SELECT id, action, before, after FROM auditEvent WHERE after LIKE '%actorProfile%'"):
        after = json.loads(after)
        before = json.loads(before) if before else {}
        actor = after["actorProfile"]
        for profile in {before.get("profile"), after.get("profile")} - {None}:
            allowed = (actor == "legalRepresentative" and profile != "legalRepresentative") or \
                      (actor == "adminFull" and RANK[profile] < RANK["adminFull"])
            if not allowed:
                violations.append(f"event {event} ({action}): a {actor} acted on a {profile}")
    return violations


def test_conflicting_writes_from_three_daemons_keep_every_invariant(postgres):
    cluster = Cluster(postgres, extra=["--lockout-threshold", str(THRESHOLD), "--max-connections-per-peer", "200"])
    try:
        world = setup(cluster)
        stop = threading.Event()
        threads = [threading.Thread(target=worker, args=(world, stop, seed)) for seed in range(6)]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        time.sleep(SECONDS)
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
        elapsed = time.monotonic() - started
        calls = sum(world.statuses.values())
        figure(f"conflicting writes from 3 daemons for {SECONDS:.0f} s", f"{calls} calls ({calls / elapsed:.0f}/s): "
               + ", ".join(f"{k} {v}" for k, v in world.statuses.most_common()))
        if world.oddities:
            figure("first unavailable or internal answers (operation, status, answer)", str(world.oddities))
        assert world.statuses["INTERNAL"] == 0 and world.statuses["UNKNOWN"] == 0
        events = int(cluster.sql("SELECT count(*) FROM auditEvent")[0][0])
        violations = check(cluster)
        figure("offline checker over the database and the audit trail", f"{events} audit events, {len(violations)} violations")
        assert not violations, "\n".join(violations[:20])
    finally:
        cluster.stop()
