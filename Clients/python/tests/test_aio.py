"""The asyncio client against the real daemon: the same calls as the blocking client, many in
flight on one connection, cancellation of the awaiting task, deadlines, GOAWAY and reconnection."""
import asyncio
import re

import pytest

from client_support import PASSWORD, CompanySetup, throttled_address, unique
from webprofiles import Client, OperatorClient, aio
from webprofiles.errors import (DeadlineExceeded, InvalidArgument, NotFound, PermissionDenied, StatusCode,
                                Unauthenticated, Unavailable)
from webprofiles.messages import HealthStatus, Permission, Profile, RegistrationStatus


def run(coroutine, limit=60):
    """Runs a test's coroutine on a new loop, bounded so that a hang fails instead of blocking."""
    return asyncio.run(asyncio.wait_for(coroutine, limit))


def test_login_authorize_whoami(company, daemon):
    async def main():
        async with aio.Client(daemon.api, timeout=30) as client:
            session = await client.login(company.rep_username, PASSWORD)
            assert re.fullmatch(r"wps_[A-Za-z0-9_-]{43}", session.session_token)
            decision = await client.authorize("users.view", token=session.session_token)
            assert decision.allowed and decision.principal.company_id == company.company_id
            me = await client.whoami(token=session.session_token)
            assert me.principal.username == company.rep_username
            assert (await client.health_check()).status is HealthStatus.SERVING
            assert await client.ping() > 0
            return client.connection_info
    info = run(main())
    assert info.connections_opened == 1 and info.streams_open == 0


def test_many_calls_of_two_users_in_flight_on_one_connection(company, daemon):
    user = company.register(Profile.DEVICE_USER, line=company.lines[0])

    async def main():
        async with aio.Client(daemon.api, timeout=30) as client:
            people = [(company.rep_token, company.rep_username, True), (user["token"], user["username"], False)]

            async def one(i):
                token, username, allowed = people[i % 2]
                decision = await client.authorize(Permission.USERS_VIEW, token=token)
                return decision.principal.username == username and decision.allowed == allowed

            results = await asyncio.gather(*(one(i) for i in range(300)))
            return results, client.connection_info
    results, info = run(main())
    assert all(results) and len(results) == 300
    assert info.connections_opened == 1


def test_register_list_and_errors(company, daemon):
    async def main():
        async with aio.Client(daemon.api, token=company.rep_token, timeout=30) as client:
            username = unique("aio.")
            created = await client.register_user(username, "Aio User", f"{username}@rossi.example", Profile.ADMIN_LIGHT)
            assert created.registration.status is RegistrationStatus.PENDING_ACTIVATION
            await client.activate(created.activation_code, PASSWORD)
            listed = await client.list_registrations(query=username)
            assert [r.username for r in listed.registrations] == [username]
            token = (await client.login(username, PASSWORD)).session_token
            with pytest.raises(PermissionDenied):
                await client.list_registrations(token=token)
            with pytest.raises(NotFound):
                await client.get_registration("00000000-0000-0000-0000-000000000000")
            with pytest.raises(InvalidArgument) as raised:
                await client.register_user(unique("b."), "B", "nope", Profile.ADMIN_FULL)
            assert raised.value.field == "email"
            with pytest.raises(Unauthenticated) as raised:
                await client.login(username, "not-the-password-1")
            assert raised.value.code is StatusCode.UNAUTHENTICATED
    run(main())


def test_cancelling_the_awaiting_task_sends_cancel(daemon, setup_client, answers):
    async def main():
        async with aio.Client(daemon.api) as client:
            await client.health_check()
            address = await asyncio.get_running_loop().run_in_executor(None, throttled_address, setup_client)
            task = asyncio.ensure_future(client.login("nobody.here", "not-the-password-1", client_ip=address))
            while client.connection_info.streams_open == 0:  # the REQUEST is out
                await asyncio.sleep(0)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            while client.connection_info.streams_open:  # until the daemon answers the stream
                await asyncio.sleep(0.01)
            assert (await client.health_check()).status is HealthStatus.SERVING
            return client.connection_info, answers.of(client)
    info, received = run(main())
    assert info.connections_opened == 1
    assert (2, StatusCode.CANCELLED) in received, "the daemon did not answer the cancelled stream CANCELLED"


def test_a_deadline_and_wait_for_both_send_cancel(daemon, setup_client, answers):
    async def main():
        loop = asyncio.get_running_loop()
        async with aio.Client(daemon.api) as client:
            address = await loop.run_in_executor(None, throttled_address, setup_client)
            with pytest.raises(DeadlineExceeded):
                await client.login("nobody.here", "not-the-password-1", client_ip=address, timeout=0.1)
            while client.connection_info.streams_open:
                await asyncio.sleep(0.01)
            address = await loop.run_in_executor(None, throttled_address, setup_client)
            with pytest.raises(asyncio.TimeoutError):
                await asyncio.wait_for(client.login("nobody.here", "not-the-password-1", client_ip=address), 0.1)
            while client.connection_info.streams_open:
                await asyncio.sleep(0.01)
            return client.connection_info, answers.of(client)
    info, received = run(main())
    assert info.connections_opened == 1
    assert [stream for stream, _ in received] == [1, 2]
    assert received[0][1] in (StatusCode.CANCELLED, StatusCode.DEADLINE_EXCEEDED)  # whichever side fired first
    assert received[1][1] == StatusCode.CANCELLED


def test_idle_goaway_then_reconnect(make_daemon):
    daemon = make_daemon("--idle-timeout", "1")

    async def main():
        async with aio.Client(daemon.api) as client:
            await client.health_check()
            while client.connection_info.state == "open":
                await asyncio.sleep(0.05)
            assert client.connection_info.goaway.message == "idle timeout"
            await client.health_check()
            return client.connection_info
    info = run(main())
    assert info.connections_opened == 2


def test_restart_and_unreachable(make_daemon):
    daemon = make_daemon()
    company = CompanySetup(OperatorClient(daemon.operator, agent="pytest"), Client(daemon.api))

    async def main():
        client = aio.Client(daemon.api)
        assert (await client.authorize("users.view", token=company.rep_token)).allowed
        await asyncio.get_running_loop().run_in_executor(None, daemon.stop)
        while client.connection_info.state != "closed":
            await asyncio.sleep(0.02)
        with pytest.raises(Unavailable, match="cannot connect"):
            await client.health_check()
        await asyncio.get_running_loop().run_in_executor(None, daemon.start)
        assert (await client.authorize("users.view", token=company.rep_token)).allowed
        info = client.connection_info
        await client.close()
        with pytest.raises(Unavailable, match="closed"):
            await client.health_check()
        return info
    assert run(main()).connections_opened == 2


def test_concurrent_first_calls_share_one_connection(daemon):
    async def main():
        async with aio.Client(daemon.api) as client:
            await asyncio.gather(*(client.health_check() for _ in range(20)))
            return client.connection_info.connections_opened
    assert run(main()) == 1


def test_operator_client(company, daemon):
    async def main():
        async with aio.OperatorClient(daemon.operator, agent="pytest") as operator:
            stats = await operator.stats()
            assert stats.companies >= 1
            company_answer = await operator.get_company(company.company_id)
            assert company_answer.company.vat_number == company.company.vat_number
            listed = await operator.list_registrations(company.company_id)
            assert company.rep_username in [r.username for r in listed.registrations]
            assert "webprofiled_" in (await operator.metrics()).text
    run(main())
