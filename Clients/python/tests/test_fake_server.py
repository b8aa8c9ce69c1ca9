"""Both clients against a scripted server (tests/fakeserver.py), for what the daemon does not do on
demand: PING the client, GOAWAY with calls on both sides of lastStreamId, refuse to speak, break
the protocol, vanish mid-call; and to see exactly which frames the client sends."""
import asyncio
import threading

import cbor2
import pytest

from fakeserver import CANCEL, GOAWAY, HEALTH, HEALTH_ANSWER, PING, PONG, REQUEST, FakeServer
from webprofiles import Client, aio
from webprofiles.errors import (DeadlineExceeded, InvalidArgument, ProtocolError, ResourceExhausted, StatusCode,
                                Unavailable)
from webprofiles.messages import METHODS_BY_NAME, Empty, HealthStatus

HEALTH_METHOD = METHODS_BY_NAME[HEALTH]


@pytest.fixture
def fake():
    servers = []

    def start(handler):
        server = FakeServer(handler)
        servers.append(server)
        return server
    yield start
    for server in servers:
        server.close()


def health_in_thread(client, results):
    def call():
        try:
            results.append(client.health_check())
        except BaseException as error:
            results.append(error)
    thread = threading.Thread(target=call)
    thread.start()
    return thread


# MARK: PING

def test_the_client_answers_the_servers_ping(fake):
    pongs = []

    def handler(peer):
        hello = peer.hello()
        assert hello["protocol"] == "webprofiles" and hello["peer"].startswith("webprofiles-python/")
        request = peer.read_kind(REQUEST)
        peer.send(PING, b"\x00\x01\x02\x03\x04\x05\x06\x07")  # between a request and its answer
        pong = peer.read_kind(PONG)
        pongs.append(pong.payload)
        peer.answer(request.stream_id, HEALTH_ANSWER)
        peer.read()  # until the client closes

    server = fake(handler)
    with Client(server.path) as client:
        assert client.health_check().status is HealthStatus.SERVING
    server.join()
    assert pongs == [b"\x00\x01\x02\x03\x04\x05\x06\x07"]


def test_the_asyncio_client_answers_the_servers_ping(fake):
    pongs = []

    def handler(peer):
        peer.hello()
        peer.send(PING, b"12345678")
        pongs.append(peer.read_kind(PONG).payload)
        request = peer.read_kind(REQUEST)
        peer.answer(request.stream_id, HEALTH_ANSWER)
        peer.read()

    server = fake(handler)

    async def main():
        async with aio.Client(server.path) as client:
            return await client.health_check()
    assert asyncio.run(main()).status is HealthStatus.SERVING
    server.join()
    assert pongs == [b"12345678"]


# MARK: GOAWAY

def goaway_after_three(peer):
    """First connection: three calls arrive; GOAWAY says only stream 2 will be run; 1 and 2 are
    answered. Later connections answer everything."""
    peer.hello()
    if peer.index == 0:
        requests = peer.requests(3)
        assert [r.stream_id for r in requests] == [1, 2, 3]
        peer.goaway(2)
        peer.answer(1, dict(HEALTH_ANSWER, version="first"))
        peer.answer(2, dict(HEALTH_ANSWER, version="first"))
        peer.read()  # the client's GOAWAY once it has its answers, or the end of the stream
        return
    while True:
        frame = peer.read()
        if frame is None:
            return
        if frame.kind == REQUEST:
            peer.answer(frame.stream_id, dict(HEALTH_ANSWER, version=f"connection {peer.index}"))


def test_goaway_finishes_calls_up_to_last_and_resends_the_others(fake):
    server = fake(goaway_after_three)
    with Client(server.path) as client:
        client.connect()
        first = client.connection_info
        calls = [client.submit(HEALTH_METHOD, Empty()) for _ in range(3)]
        versions = [call.result(timeout=10).version for call in calls]
        assert versions == ["first", "first", "connection 1"]  # stream 3 went again, on a new connection
        assert client.connection_info.connections_opened == 2
        assert client.health_check().version == "connection 1"  # new calls: the new connection
        assert first.connections_opened == 1
    assert server.connections == 2


def test_the_asyncio_client_follows_goaway_the_same_way(fake):
    server = fake(goaway_after_three)

    async def main():
        async with aio.Client(server.path) as client:
            await client.connect()
            answers = await asyncio.gather(*(client.health_check() for _ in range(3)))
            again = await client.health_check()
            return [a.version for a in answers], again.version, client.connection_info.connections_opened
    versions, again, opened = asyncio.run(main())
    assert versions == ["first", "first", "connection 1"] and again == "connection 1" and opened == 2


def test_a_goaway_for_a_protocol_error_fails_the_calls_with_its_status(fake):
    def handler(peer):
        peer.hello()
        peer.read_kind(REQUEST)
        peer.goaway(1, "flags must be 0", status=StatusCode.INVALID_ARGUMENT)

    server = fake(handler)
    with Client(server.path) as client:
        with pytest.raises(InvalidArgument, match="flags must be 0"):
            client.health_check()


def test_a_server_shutting_down_before_hello_is_unavailable(fake):
    def handler(peer):
        peer.read()  # the client's HELLO
        peer.goaway(0, "shutting down")

    server = fake(handler)
    with Client(server.path) as client:
        with pytest.raises(Unavailable, match="shutting down"):
            client.health_check()

    async def main():
        async with aio.Client(server.path) as client:
            with pytest.raises(Unavailable, match="shutting down"):
                await client.health_check()
    asyncio.run(main())


def test_a_connection_lost_mid_call_is_unavailable_and_the_next_call_reconnects(fake):
    def handler(peer):
        peer.hello()
        request = peer.read_kind(REQUEST)
        if peer.index == 0:
            return  # closes without answering
        peer.answer(request.stream_id, HEALTH_ANSWER)
        peer.read()

    server = fake(handler)
    with Client(server.path) as client:
        with pytest.raises(Unavailable, match="closed the connection"):
            client.health_check()
        assert client.health_check().status is HealthStatus.SERVING
        assert client.connection_info.connections_opened == 2


# MARK: what the client sends

def test_the_deadline_goes_out_as_timeout_millis_and_expiry_sends_cancel(fake):
    seen = {}

    def handler(peer):
        peer.hello()
        request = peer.read_kind(REQUEST)
        seen["request"] = request.value
        seen["cancel"] = peer.read_kind(CANCEL)  # never answered: the client must give up and say so
        peer.fail(request.stream_id, StatusCode.CANCELLED, "cancelled")
        peer.read()

    server = fake(handler)
    with Client(server.path) as client:
        with pytest.raises(DeadlineExceeded, match="client"):
            client.health_check(timeout=0.2, token="wps_T", metadata={"user-agent": "pytest"})
    server.join()
    assert 0 < seen["request"]["timeoutMillis"] <= 200
    assert seen["request"]["metadata"] == {"user-agent": "pytest", "authorization": "Bearer wps_T"}
    assert seen["cancel"].stream_id == 1 and seen["cancel"].payload == b""


def test_asyncio_cancellation_sends_cancel_for_the_stream(fake):
    cancels = []

    def handler(peer):
        peer.hello()
        first, second = peer.requests(2)
        cancels.append(peer.read_kind(CANCEL).stream_id)
        peer.answer(second.stream_id, HEALTH_ANSWER)
        peer.fail(first.stream_id, StatusCode.CANCELLED, "cancelled")  # late, and ignored
        peer.read()

    server = fake(handler)

    async def main():
        async with aio.Client(server.path) as client:
            doomed = asyncio.ensure_future(client.health_check())
            survivor = asyncio.ensure_future(client.health_check())
            while client.connection_info.streams_open < 2:
                await asyncio.sleep(0)
            doomed.cancel()
            assert (await survivor).status is HealthStatus.SERVING
            with pytest.raises(asyncio.CancelledError):
                await doomed
            while client.connection_info.streams_open:
                await asyncio.sleep(0.01)
    asyncio.run(main())
    server.join()
    assert cancels == [1]


def test_close_sends_goaway_and_half_closes(fake):
    seen = []

    def handler(peer):
        peer.hello()
        request = peer.read_kind(REQUEST)
        peer.answer(request.stream_id, HEALTH_ANSWER)
        goaway = peer.read_kind(GOAWAY)
        seen.append(cbor2.loads(goaway.payload))
        seen.append(peer.read())  # then end of stream (SHUT_WR)

    server = fake(handler)
    client = Client(server.path)
    client.health_check()
    client.close()
    server.join()
    assert seen[0]["lastStreamId"] == 1 and isinstance(seen[0]["message"], str) and seen[1] is None


def test_a_request_larger_than_the_servers_maximum_is_refused_locally(fake):
    def handler(peer):
        peer.hello(max_frame_bytes=256)
        frame = peer.read()
        assert frame is None or frame.kind == GOAWAY, "nothing but a GOAWAY may follow"

    server = fake(handler)
    with Client(server.path) as client:
        with pytest.raises(ResourceExhausted, match="exceeds the server's maximum"):
            client.login("x" * 300, "y")
        assert client.connection_info.server_max_frame_bytes == 256


# MARK: a server breaking the protocol

@pytest.mark.no_schema
def test_a_frame_above_our_maximum_ends_the_connection_with_goaway(fake):
    seen = []

    def handler(peer):
        peer.hello()
        request = peer.read_kind(REQUEST)
        peer.sock.sendall((2048 + 8).to_bytes(4, "big") + bytes([3, 0, 0, 0]) + request.stream_id.to_bytes(4, "big"))
        seen.append(peer.read_kind(GOAWAY))

    server = fake(handler)
    with Client(server.path, max_frame_bytes=2048) as client:
        with pytest.raises(ProtocolError, match="exceeds this client's maximum"):
            client.health_check()
    server.join()
    assert seen[0].status == StatusCode.RESOURCE_EXHAUSTED


@pytest.mark.no_schema
def test_an_answer_with_an_unknown_enumeration_value_still_decodes(fake):
    def handler(peer):
        peer.hello()
        request = peer.read_kind(REQUEST)
        peer.answer(request.stream_id, dict(HEALTH_ANSWER, status="warmingUp", futureKey=[1, 2, 3]))
        peer.read()

    server = fake(handler)
    with Client(server.path) as client:
        health = client.health_check()
    assert health.status == "warmingUp" and not health.status.known and health.version == "0.1.0"


@pytest.mark.no_schema
def test_an_undecodable_answer_is_a_protocol_error_and_the_connection_goes_on(fake):
    def handler(peer):
        peer.hello()
        first = peer.read_kind(REQUEST)
        peer.answer(first.stream_id, {"status": "serving"})  # required keys missing
        second = peer.read_kind(REQUEST)
        peer.answer(second.stream_id, HEALTH_ANSWER)
        peer.read()

    server = fake(handler)
    with Client(server.path) as client:
        with pytest.raises(ProtocolError, match="at version: missing"):
            client.health_check()
        assert client.health_check().status is HealthStatus.SERVING
        assert client.connection_info.connections_opened == 1
