"""The blocking client against the real daemon: login, authorization, listings, errors, deadlines,
cancellation, PING, GOAWAY and reconnection, fork."""
import datetime
import os
import re
import signal
import threading
import time

import pytest

from client_support import PASSWORD, CompanySetup, daemon_metric, throttled_address, unique, wait_until
from webprofiles import Client, OperatorClient
from webprofiles.errors import (AlreadyExists, Cancelled, DeadlineExceeded, InvalidArgument, NotFound,
                                PermissionDenied, StatusCode, Unauthenticated, Unavailable)
from webprofiles.messages import (METHODS_BY_NAME, AuditAction, AuthorizationCheck, Empty, HealthStatus,
                                  LoginRequest, Permission, Profile, RegistrationStatus)

TOKEN = re.compile(r"^wps_[A-Za-z0-9_-]{43}$")
LOGIN = METHODS_BY_NAME["webprofiles.v1.Session/Login"]


def test_health_check(client):
    health = client.health_check()
    assert health.status is HealthStatus.SERVING and health.version and health.uptime_seconds >= 0
    info = client.connection_info
    assert info.state == "open" and info.server_peer.startswith("webprofiled/") and info.connections_opened == 1


def test_login_returns_a_session_token(company, client):
    session = client.login(company.rep_username, PASSWORD)
    assert TOKEN.match(session.session_token)
    assert session.principal.company_id == company.company_id
    assert session.principal.profile is Profile.LEGAL_REPRESENTATIVE
    assert [m.company_id for m in session.memberships] == [company.company_id]
    assert session.expires_at > datetime.datetime.now(datetime.timezone.utc)
    assert session.required_action is None


def test_login_passes_the_end_users_address_and_browser(company, client):
    session = client.login(company.rep_username, PASSWORD, client_ip="203.0.113.5", user_agent="Mozilla/5.0 (pytest)")
    # The person's sessions carry the address and browser of their login (PROTOCOL.md 7.3).
    mine = next(s for s in client.list_sessions(token=session.session_token).sessions if s.current)
    assert mine.session_id == session.session_id
    assert mine.client_address == "203.0.113.5" and mine.user_agent == "Mozilla/5.0 (pytest)"


def test_authorize_allowed_and_denied(company, client):
    user = company.register(Profile.DEVICE_USER, line=company.lines[0])
    granted = client.authorize(Permission.USERS_VIEW, token=company.rep_token)
    assert granted.allowed and granted.principal.username == company.rep_username
    denied = client.authorize("users.view", token=user["token"])
    assert not denied.allowed and denied.reason and denied.principal.profile is Profile.DEVICE_USER
    assert client.authorize("line.manage", line=company.lines[0], token=user["token"]).allowed
    assert not client.authorize("line.manage", line=company.lines[1], token=user["token"]).allowed


def test_authorize_many_and_authorized_lines(company, client):
    user = company.register(Profile.DEVICE_USER, line=company.lines[0])
    checks = [AuthorizationCheck("users.view"), AuthorizationCheck(Permission.LINE_MANAGE, line=company.lines[0]),
              AuthorizationCheck(Permission.LINE_MANAGE, line=company.lines[1])]
    answer = client.authorize_many(checks, token=user["token"])
    assert [r.allowed for r in answer.results] == [False, True, False]
    assert answer.principal.username == user["username"]
    lines = client.list_authorized_lines(Permission.LINE_MANAGE, token=company.rep_token)
    assert [line.msisdn for line in lines.lines] == sorted(company.lines) and lines.next_page_token is None
    mine = client.list_authorized_lines("line.manage", token=user["token"])
    assert [line.msisdn for line in mine.lines] == [company.lines[0]]


def test_whoami(company, client):
    me = client.whoami(token=company.rep_token)
    assert me.principal.username == company.rep_username and me.principal.company_id == company.company_id
    assert Permission.USERS_MANAGE in me.principal.permissions and me.session.current
    assert [m.company_id for m in me.memberships] == [company.company_id]


def test_the_clients_default_token_and_a_per_call_token(company, daemon):
    user = company.register(Profile.ADMIN_FULL)
    with Client(daemon.api, token=company.rep_token) as client:
        assert client.whoami().principal.username == company.rep_username
        assert client.whoami(token=user["token"]).principal.username == user["username"]
        client.token = user["token"]
        assert client.whoami().principal.username == user["username"]


def test_two_users_tokens_per_call_on_one_client_from_many_threads(company, client):
    """One connection, many threads, two sessions: every answer is the asking session's."""
    user = company.register(Profile.ADMIN_LIGHT)
    people = [(company.rep_token, company.rep_username, True), (user["token"], user["username"], False)]
    mistakes, done = [], []

    def work(index):
        for i in range(40):
            token, username, may_view_users = people[(index + i) % 2]
            if i % 2:
                got = client.whoami(token=token).principal.username
                if got != username:
                    mistakes.append((username, got))
            else:
                decision = client.authorize("users.view", token=token)
                if decision.allowed != may_view_users or decision.principal.username != username:
                    mistakes.append((username, decision))
        done.append(index)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(done) == list(range(8)) and not mistakes
    assert client.connection_info.connections_opened == 1 and client.connection_info.streams_open == 0


def test_list_registrations_page_by_page(company, client):
    for _ in range(4):
        company.register(Profile.ADMIN_LIGHT, activate=False)
    usernames, token, pages = [], None, 0
    while True:
        page = client.list_registrations(page_size=2, page_token=token, token=company.rep_token)
        pages += 1
        usernames += [r.username for r in page.registrations]
        token = page.next_page_token
        if token is None:
            break
    assert pages >= 3 and len(usernames) == 5 and usernames == sorted(usernames)
    pending = client.list_registrations(status=RegistrationStatus.PENDING_ACTIVATION, token=company.rep_token)
    assert len(pending.registrations) == 4
    assert all(r.status is RegistrationStatus.PENDING_ACTIVATION and not r.locked for r in pending.registrations)
    assert client.list_registrations(profile="legalRepresentative", token=company.rep_token).registrations[0].username \
        == company.rep_username


def test_register_user_then_activate_and_log_in(company, client):
    username = unique("anna.")
    created = client.register_user(username, "Anna Bianchi", f"{username}@rossi.example", Profile.USER,
                                   line=company.lines[1], token=company.rep_token)
    assert created.registration.status is RegistrationStatus.PENDING_ACTIVATION
    assert created.registration.line == company.lines[1] and created.activation_code.startswith("wpa_")
    activated = client.activate(created.activation_code, PASSWORD)
    assert activated.principal.registration_id == created.registration.registration_id
    session = client.login(username, PASSWORD)
    assert session.principal.profile is Profile.USER and session.principal.line == company.lines[1]
    fetched = client.get_registration(created.registration.registration_id, token=company.rep_token)
    assert fetched.registration.status is RegistrationStatus.ACTIVE and fetched.registration.last_login_at is not None
    client.logout(token=session.session_token)
    with pytest.raises(Unauthenticated):
        client.whoami(token=session.session_token)


def test_errors_are_exceptions_with_the_status(company, client, schema):
    with pytest.raises(Unauthenticated) as raised:
        client.login(company.rep_username, "not-the-password-1")
    assert raised.value.code is StatusCode.UNAUTHENTICATED and raised.value.message == "invalid username or password"
    assert raised.value.method == "webprofiles.v1.Session/Login" and raised.value.second_factor is None

    with pytest.raises(Unauthenticated):
        client.whoami(token="wps_" + "A" * 43)

    viewer = company.register(Profile.ADMIN_LIGHT)
    with pytest.raises(PermissionDenied) as raised:
        client.register_user(unique("x."), "X", "x@rossi.example", Profile.USER, line=company.lines[0],
                             token=viewer["token"])
    assert raised.value.code == 7

    with pytest.raises(NotFound):
        client.get_registration("00000000-0000-0000-0000-000000000000", token=company.rep_token)

    with pytest.raises(InvalidArgument) as raised:
        client.register_user(unique("y."), "Y", "not an email", Profile.ADMIN_FULL, token=company.rep_token)
    assert raised.value.field == "email"

    with schema.invalid_requests():  # the CDDL too says a line permission needs a line
        with pytest.raises(InvalidArgument) as raised:
            client.authorize(Permission.LINE_MANAGE, token=company.rep_token)
    assert raised.value.field == "line"

    with pytest.raises(AlreadyExists):
        client.register_user(company.rep_username, "Again", "again@rossi.example", Profile.ADMIN_FULL,
                             token=company.rep_token)

    with schema.invalid_requests():  # not a permission of v1: the daemon refuses the message
        with pytest.raises(InvalidArgument):
            client.authorize("teleport", token=company.rep_token)
    # Errors leave the connection as it was.
    assert client.connection_info.connections_opened == 1 and client.health_check().status is HealthStatus.SERVING


def test_a_deadline_that_passes_raises_and_cancels_on_the_daemon(client, answers):
    address = throttled_address(client)  # its next login waits 0.5 s for its turn
    with pytest.raises(DeadlineExceeded) as raised:
        client.login("nobody.here", "not-the-password-1", client_ip=address, timeout=0.1)
    assert raised.value.method == "webprofiles.v1.Session/Login"
    # The client gave up (CANCEL) and the daemon answered the stream, which freed it.
    wait_until(lambda: client.connection_info.streams_open == 0, "the daemon to answer the expired call")
    assert answers.of(client)[-1][1] in (StatusCode.CANCELLED, StatusCode.DEADLINE_EXCEEDED)
    assert client.health_check().status is HealthStatus.SERVING
    assert client.connection_info.connections_opened == 1


def test_an_absolute_deadline_and_one_already_passed(client):
    address = throttled_address(client)
    with pytest.raises(DeadlineExceeded):
        client.login("nobody.here", "not-the-password-1", client_ip=address, deadline=time.monotonic() + 0.1)
    sent_before = client.connection_info
    with pytest.raises(DeadlineExceeded, match="before the call was sent"):
        client.health_check(deadline=time.monotonic() - 1)
    assert client.connection_info.connections_opened == sent_before.connections_opened


def test_cancel_sends_cancel_frees_the_stream_and_keeps_the_connection(client, answers):
    address = throttled_address(client)
    call = client.submit(LOGIN, LoginRequest("nobody.here", "not-the-password-1"), metadata={"client-ip": address})
    assert not call.done()
    assert call.cancel() is True and call.cancel() is False
    with pytest.raises(Cancelled, match="cancelled by the client"):
        call.result()
    wait_until(lambda: client.connection_info.streams_open == 0, "the daemon to answer the cancelled stream")
    assert (call.stream_id, StatusCode.CANCELLED) in answers.of(client), "the daemon did not answer CANCELLED"
    assert client.health_check().status is HealthStatus.SERVING
    assert client.connection_info.connections_opened == 1


def test_a_keyboard_interrupt_while_waiting_cancels_the_call(client, answers):
    address = throttled_address(client)
    call = client.submit(LOGIN, LoginRequest("nobody.here", "not-the-password-1"), metadata={"client-ip": address})
    # Ctrl-C while the main thread waits: a real SIGINT (interrupt_main() would not wake the wait).
    interrupt = threading.Timer(0.05, os.kill, (os.getpid(), signal.SIGINT))
    interrupt.start()
    with pytest.raises(KeyboardInterrupt):
        call.result()
    interrupt.join()
    wait_until(lambda: client.connection_info.streams_open == 0, "the daemon to answer the cancelled stream")
    assert (call.stream_id, StatusCode.CANCELLED) in answers.of(client)
    assert client.health_check().status is HealthStatus.SERVING


def test_a_finished_call_cannot_be_cancelled(client):
    call = client.submit(METHODS_BY_NAME["webprofiles.v1.Health/Check"], Empty())
    assert call.result().status is HealthStatus.SERVING
    assert call.done() and call.cancel() is False


def test_ping_is_answered(client):
    assert client.ping() > 0


def test_an_idle_timeout_goaway_then_a_new_connection(make_daemon):
    daemon = make_daemon("--idle-timeout", "1")
    with Client(daemon.api) as client:
        assert client.health_check().status is HealthStatus.SERVING
        wait_until(lambda: client.connection_info.state != "open", "the daemon's idle GOAWAY")
        goaway = client.connection_info.goaway
        assert goaway is not None and goaway.status is StatusCode.OK and goaway.message == "idle timeout"
        assert client.health_check().status is HealthStatus.SERVING
        assert client.connection_info.connections_opened == 2 and client.connection_info.state == "open"


def test_a_daemon_restart_is_survived(make_daemon):
    daemon = make_daemon()
    operator = OperatorClient(daemon.operator, agent="pytest")
    client = Client(daemon.api, timeout=10)
    company = CompanySetup(operator, client)
    assert client.authorize("users.view", token=company.rep_token).allowed
    daemon.stop()  # SIGTERM: GOAWAY to every connection, then exit
    wait_until(lambda: client.connection_info.state == "closed", "the connection to end")
    assert client.connection_info.goaway is not None
    with pytest.raises(Unavailable, match="cannot connect"):
        client.health_check()
    daemon.start()
    # The session lives in the database: the same token works on the new connection.
    assert client.authorize("users.view", token=company.rep_token).allowed
    assert client.connection_info.connections_opened == 2
    client.close()
    operator.close()


def test_a_call_in_flight_is_answered_through_a_graceful_stop(make_daemon):
    daemon = make_daemon()
    with Client(daemon.api) as client:
        address = throttled_address(client)
        call = client.submit(LOGIN, LoginRequest("nobody.here", "not-the-password-1"), metadata={"client-ip": address})
        stopping = threading.Thread(target=daemon.stop)
        stopping.start()
        with pytest.raises(Unauthenticated):  # answered, not cut off
            call.result(timeout=30)
        stopping.join(60)
        assert client.connection_info.goaway is not None


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
# The point of the test: a fork after the client's reader thread started (a pre-forking server
# whose master made a call). Python 3.12+ warns about any fork of a threaded process.
@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")
def test_a_forked_child_opens_its_own_connection(client):
    assert client.health_check()
    pid = os.fork()
    if pid == 0:  # the child: its own connection, not the parent's
        try:
            ok = client.health_check().status is HealthStatus.SERVING and client.connection_info.connections_opened == 2
            os._exit(0 if ok else 1)
        except BaseException:
            os._exit(2)
    _, status = os.waitpid(pid, 0)
    assert os.WEXITSTATUS(status) == 0
    assert client.health_check().status is HealthStatus.SERVING
    assert client.connection_info.connections_opened == 1


def test_operator_client(company, operator):
    stats = operator.stats()
    assert stats.companies >= 1 and stats.version
    found = operator.find_companies(vat_number=company.company.vat_number)
    assert [c.company_id for c in found.companies] == [company.company_id]
    assert operator.get_company(company.company_id).company.lines[0].msisdn == company.lines[0]
    people = operator.find_registrations(username=company.rep_username).registrations
    assert [r.username for r in people] == [company.rep_username]
    since = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(hours=1)
    events = operator.list_audit_events(company_id=company.company_id, since=since, page_size=500).events
    assert AuditAction.COMPANY_CREATED in [e.action for e in events]
    created = next(e for e in events if e.action is AuditAction.COMPANY_CREATED)
    assert created.agent == "pytest" and created.actor.startswith("operator:uid=")
    metrics = operator.metrics()
    assert metrics.content_type.startswith("text/plain") and "webprofiled_" in metrics.text
    assert daemon_metric(operator, "webprofiled_rpc_duration_seconds_count",
                         method="webprofiles.v1.Operator/CreateCompany", code="OK") >= 1


def test_operator_writes_name_the_agent_and_ticket(company, operator):
    operator.set_referent_types(company.company_id, ["Mobile"], ticket="CS-1001")
    events = operator.list_audit_events(company_id=company.company_id, action=AuditAction.REFERENT_TYPES_CHANGED).events
    assert (events[-1].agent, events[-1].ticket) == ("pytest", "CS-1001")
    with OperatorClient(operator.socket_path, agent="") as anonymous:
        with pytest.raises(InvalidArgument) as raised:
            anonymous.set_referent_types(company.company_id, [])
        assert raised.value.field == "operator-agent"


def test_methods_go_to_their_socket():
    with pytest.raises(ValueError, match="operator socket"):
        Client("/nonexistent").call(METHODS_BY_NAME["webprofiles.v1.Operator/Stats"], Empty())
    with pytest.raises(ValueError, match="API socket"):
        OperatorClient("/nonexistent").call(LOGIN, LoginRequest("a", "b"))
    with pytest.raises(TypeError, match="takes a LoginRequest"):
        Client("/nonexistent").call(LOGIN, Empty())


def test_an_unreachable_daemon_is_unavailable(tmp_path):
    with Client(str(tmp_path / "none.sock")) as client:
        with pytest.raises(Unavailable, match="cannot connect"):
            client.health_check()
        assert client.connection_info.state == "none"


def test_close_sends_goaway_joins_the_reader_and_is_final(daemon):
    readers = lambda: sum(t.name == "webprofiles-reader" and t.is_alive() for t in threading.enumerate())  # noqa: E731
    before = readers()
    client = Client(daemon.api)
    client.health_check()
    assert readers() == before + 1
    client.close()
    assert readers() == before and client.closed
    with pytest.raises(Unavailable, match="closed"):
        client.health_check()
