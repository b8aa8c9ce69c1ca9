"""Connections: per-peer limits, a reserve of descriptors, idle limits PINGs do not defeat,
clients that never read, half-closed sockets."""
import os
import resource
import socket
import time

import cbor2

from conftest import FAST_HASHING, HEALTH, Company, Daemon, figure, ok, open_fds
from hostile_cbor import frame, request, head, text
from wp_client import GOAWAY, PING, PONG, REQUEST, RESPONSE, Connection


def test_pings_alone_do_not_keep_a_connection_open(daemon_factory):
    d = daemon_factory(*FAST_HASHING, "--idle-timeout", "1")
    c = d.connect()
    started = time.perf_counter()
    closed_after = None
    while time.perf_counter() - started < 8:
        try:
            c.send(PING, b"12345678")
            reply = c.read_frame()
        except OSError:
            reply = None
        if reply is None or reply.kind == GOAWAY:
            closed_after = time.perf_counter() - started
            break
        assert reply.kind == PONG
        time.sleep(0.2)
    figure("a connection sending only PINGs every 200 ms, idle timeout 1 s: closed after",
           "never (8 s)" if closed_after is None else f"{closed_after:.2f} s")
    assert closed_after is not None and closed_after < 3


def test_pings_with_a_partial_frame_do_not_keep_a_connection_open(daemon_factory):
    d = daemon_factory(*FAST_HASHING, "--idle-timeout", "1")
    c = d.connect()
    ping = frame(PING, b"12345678")
    c.send_raw(ping[:1])
    started = time.perf_counter()
    closed_after = None
    while time.perf_counter() - started < 8:
        try:
            # The rest of the pending PING and the first byte of the next one.
            c.send_raw(ping[1:] + ping[:1])
            reply = c.read_frame()
        except OSError:
            reply = None
        if reply is None or reply.kind == GOAWAY:
            closed_after = time.perf_counter() - started
            break
        time.sleep(0.2)
    figure("PINGs sent with a byte of the next one pending, idle timeout 1 s: closed after",
           "never (8 s)" if closed_after is None else f"{closed_after:.2f} s")
    assert closed_after is not None and closed_after < 3


def test_per_peer_connection_limit_keeps_the_operator_socket_and_others_working(daemon_factory):
    d = daemon_factory(*FAST_HASHING, "--max-connections-per-peer", "40")
    conns = []
    refused = 0
    for _ in range(60):
        c = Connection(d.api, timeout=5)
        try:
            c.hello()
            conns.append(c)
        except (AssertionError, OSError):
            refused += 1
            c.close()
    figure("61 connections from one uid with a per-peer limit of 40", f"{len(conns)} accepted, {refused} refused")
    assert len(conns) == 40 and refused == 20
    assert d.health("operator")["status"] == "serving"
    for c in conns:
        c.close()
    time.sleep(0.2)
    assert d.health()["status"] == "serving"


def test_a_descriptor_reserve_keeps_the_operator_socket_and_the_database_working(daemon_factory):
    limit = 160

    def low_fd_limit():
        resource.setrlimit(resource.RLIMIT_NOFILE, (limit, limit))

    d = daemon_factory(*FAST_HASHING, preexec_fn=low_fd_limit)
    company = Company(d)
    conns = []
    for _ in range(limit + 40):
        c = Connection(d.api, timeout=5)
        try:
            c.hello()
            conns.append(c)
        except (AssertionError, OSError):
            c.close()
            break
    figure(f"API connections accepted with RLIMIT_NOFILE={limit}", f"{len(conns)} (daemon fds open: {open_fds(d.pid)})")
    # The daemon said it lowered the configured maximum to keep its reserve.
    assert "fewer API connections than configured" in d.log()
    assert len(conns) == limit - 96
    # With the API side full, customer service and the database (a write: a new company, with
    # its audit events) still work.
    assert d.health("operator")["status"] == "serving"
    ok(d.call("webprofiles.v1.Operator/Stats", {}, "operator"))
    Company(d, n=2, lines=(), activate=False)
    for c in conns:
        c.close()
    time.sleep(0.3)
    assert d.health()["status"] == "serving"
    company.register("anna.bianchi")


def test_a_client_that_never_reads_is_dropped_and_others_are_served(daemon_factory):
    d = daemon_factory(*FAST_HASHING, "--frame-timeout", "1")
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.connect(d.api)
    s.sendall(frame(1, cbor2.dumps({"protocol": "webprofiles", "version": 1, "peer": "never-reads",
                                    "maxFrameBytes": 1 << 20})))
    body = request(HEALTH, head(5, 0))
    s.settimeout(0.05)
    sent, pending = 0, b""
    started = time.perf_counter()
    dropped_after = None
    while time.perf_counter() - started < 15:
        if not pending:
            sent += 1
            pending = frame(REQUEST, body, sent)
        try:
            pending = pending[s.send(pending):]
        except socket.timeout:
            time.sleep(0.05)
        except OSError:
            dropped_after = time.perf_counter() - started
            break
        if sent % 500 == 0 and not pending:
            assert d.health()["status"] == "serving"
    figure("a client that sends Health/Check but never reads: dropped after",
           "never (15 s)" if dropped_after is None else f"{dropped_after:.2f} s ({sent} requests sent)")
    assert dropped_after is not None
    s.close()
    assert d.health()["status"] == "serving"


def test_a_half_closed_client_gets_every_byte_of_large_answers(daemon_factory):
    d = daemon_factory(*FAST_HASHING)
    company = Company(d)
    for i in range(200):
        company.register(f"user{i:03d}", activate=False)
    c = d.connect()
    ids = [c.start_call("webprofiles.v1.Profiles/ListRegistrations", {"pageSize": 500},
                        metadata={"authorization": "Bearer " + company.rep_token}) for _ in range(10)]
    c.sock.shutdown(socket.SHUT_WR)
    sizes = {}
    while True:
        f = c.read_frame()
        if f is None:
            break
        if f.kind == RESPONSE:
            assert f.status_name == "OK"
            sizes[f.stream_id] = len(f.value["message"]["registrations"])
    figure("10 listings of 201 registrations then a half-close: complete answers", f"{len(sizes)} of 10")
    assert sorted(sizes) == ids and set(sizes.values()) == {201}


def test_a_half_closed_client_gets_every_answer(daemon_factory):
    d = daemon_factory(*FAST_HASHING)
    company = Company(d)
    c = d.connect()
    ids = [c.start_call("webprofiles.v1.Profiles/RegisterUser", {
        "username": f"user{i}", "displayName": f"User {i}", "email": f"user{i}@rossi.example", "profile": "adminFull"},
        metadata={"authorization": "Bearer " + company.rep_token}) for i in range(10)]
    c.sock.shutdown(socket.SHUT_WR)
    answers = {}
    while True:
        f = c.read_frame()
        if f is None:
            break
        if f.kind == RESPONSE:
            answers[f.stream_id] = f.status_name
    figure("10 RegisterUser then a half-close: answers received", f"{len(answers)} of 10")
    assert sorted(answers) == ids and set(answers.values()) == {"OK"}
