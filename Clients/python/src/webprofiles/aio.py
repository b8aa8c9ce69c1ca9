"""The asyncio client: one multiplexed connection per client, any number of calls in flight.

::

    from webprofiles.aio import Client

    async with Client("/run/webprofiled/webprofiled.sock", timeout=2.0) as client:
        session = await client.login("mario.rossi", password)
        decision = await client.authorize("users.view", token=session.session_token)

The connection is an :class:`asyncio.Protocol`: its ``data_received`` hands each RESPONSE to the
future of the call waiting for that stream id, answers PING, and follows GOAWAY. Cancelling the
task awaiting a call (``task.cancel()``, :func:`asyncio.wait_for`, ``asyncio.timeout``) sends
CANCEL to the daemon. A client belongs to the event loop it first connected on.
"""
from __future__ import annotations

import asyncio
import copy
import os
import time
import weakref
from typing import Any, Dict, List, Mapping, Optional, Tuple, TypeVar

from . import _wire
from ._methods import AsyncApiMethods, AsyncOperatorMethods
from ._wire import (Answered, Closing, Event, Failed, Multiplexer, Ponged, Ready, Retry, Send, State, call_metadata,
                    effective_deadline, timeout_millis)
from .client import (DEFAULT_OPERATOR_SOCKET, MAX_ATTEMPTS, ConnectionInfo, _peer_name, decode_answer, default_agent,
                     default_socket, desk_metadata)
from .errors import DeadlineExceeded, ProtocolError, Unavailable, WebProfilesError
from .messages import Message, Method

__all__ = ["Client", "OperatorClient"]

Resp = TypeVar("Resp", bound=Message)


class _RetryElsewhere(Exception):
    def __init__(self, reason: WebProfilesError) -> None:
        super().__init__(reason)
        self.reason = reason


class _LocalDeadline(Exception):
    """Set on a call's future when its deadline passes here before the daemon answers."""


def _expire(future: "asyncio.Future[Any]") -> None:
    if not future.done():
        future.set_exception(_LocalDeadline())


class _Protocol(asyncio.Protocol):
    def __init__(self, connection: "_Connection") -> None:
        self.connection = connection

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.connection.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.connection._received(data)

    def eof_received(self) -> Optional[bool]:
        return False  # close our side too

    def connection_lost(self, exc: Optional[Exception]) -> None:
        self.connection._lost(exc)

    def pause_writing(self) -> None:
        self.connection._paused = True

    def resume_writing(self) -> None:
        self.connection._resume()


class _Connection:
    """One socket of an asyncio client."""

    def __init__(self, loop: asyncio.AbstractEventLoop, max_frame_bytes: int) -> None:
        self.loop = loop
        self.mux: Multiplexer["asyncio.Future[Any]"] = Multiplexer(max_frame_bytes)
        self.transport: Optional[asyncio.Transport] = None
        self.ready: "asyncio.Future[Any]" = loop.create_future()
        self.done: "asyncio.Future[None]" = loop.create_future()
        self._paused = False
        self._writable: Optional["asyncio.Future[None]"] = None
        # Frames made during one turn of the loop go out in one write, in the order they were made
        # (so a CANCEL never overtakes its REQUEST).
        self._outbox: List[bytes] = []
        self._flush_scheduled = False

    @classmethod
    async def open(cls, path: str, peer: str, max_frame_bytes: int, connect_timeout: Optional[float]) -> "_Connection":
        loop = asyncio.get_running_loop()
        connection = cls(loop, max_frame_bytes)
        try:
            await asyncio.wait_for(connection._handshake(path, peer), connect_timeout)
        except asyncio.TimeoutError:
            connection.abort()
            raise Unavailable(f"cannot connect to {path}: no HELLO within {connect_timeout} s") from None
        except OSError as error:
            connection.abort()
            raise Unavailable(f"cannot connect to {path}: {error}") from error
        except BaseException:
            connection.abort()
            raise
        return connection

    async def _handshake(self, path: str, peer: str) -> None:
        await self.loop.create_unix_connection(lambda: _Protocol(self), path)
        assert self.transport is not None
        self.transport.write(self.mux.hello(peer))
        await asyncio.shield(self.ready)

    @property
    def accepts_calls(self) -> bool:
        return self.mux.state is State.OPEN

    # From the protocol

    def _received(self, data: bytes) -> None:
        try:
            events = self.mux.receive(data)
        except ProtocolError as violation:
            if self.transport is not None:
                self._outbox.append(_wire.violation_goaway(violation))
                self._flush()
                self.transport.close()
            self._dispatch(self.mux.lost(violation))
            self._settle_ready(violation)
            return
        self._dispatch(events)
        if self.mux.finished and self.transport is not None:
            self.transport.close()

    def _lost(self, exc: Optional[Exception]) -> None:
        goaway = self.mux.goaway
        if exc is not None:
            error: WebProfilesError = Unavailable(f"connection lost: {exc}")
        elif goaway is not None:
            error = goaway.error()
        else:
            error = Unavailable("the server closed the connection")
        self._dispatch(self.mux.lost(error))
        self._settle_ready(error)
        self._resume()
        if not self.done.done():
            self.done.set_result(None)

    def _settle_ready(self, error: BaseException) -> None:
        if not self.ready.done():
            self.ready.set_exception(error)
            self.ready.exception()  # retrieved: nobody may be waiting any more

    def _dispatch(self, events: "list[Event]") -> None:
        for event in events:
            if isinstance(event, Answered):
                if not event.waiter.done():
                    event.waiter.set_result((event.status, event.payload))
            elif isinstance(event, Failed):  # one instance per caller: each raises its own
                if not event.waiter.done():
                    event.waiter.set_exception(copy.copy(event.error))
            elif isinstance(event, Retry):
                if not event.waiter.done():
                    event.waiter.set_exception(_RetryElsewhere(event.goaway.error()))
            elif isinstance(event, Send):  # a PONG
                self._write(event.data)
            elif isinstance(event, Ponged):
                if not event.waiter.done():
                    event.waiter.set_result(event.seconds)
            elif isinstance(event, Ready):
                if not self.ready.done():
                    self.ready.set_result(event.hello)
            elif isinstance(event, Closing):
                if not self.ready.done():  # GOAWAY instead of HELLO: the daemon is shutting down
                    self._settle_ready(event.goaway.error())

    def _resume(self) -> None:
        self._paused = False
        if self._writable is not None and not self._writable.done():
            self._writable.set_result(None)
        self._writable = None

    def _write(self, frame: bytes) -> None:
        self._outbox.append(frame)
        if not self._flush_scheduled:
            self._flush_scheduled = True
            self.loop.call_soon(self._flush)

    def _flush(self) -> None:
        self._flush_scheduled = False
        outbox, self._outbox = self._outbox, []
        transport = self.transport
        if outbox and transport is not None and not transport.is_closing():
            transport.write(outbox[0] if len(outbox) == 1 else b"".join(outbox))

    # From the client

    async def writable(self) -> None:
        """Waits while the transport's buffer is above its high-water mark (the daemon is not reading)."""
        while self._paused:
            if self._writable is None:
                self._writable = self.loop.create_future()
            await asyncio.shield(self._writable)

    def start(self, payload: bytes, future: "asyncio.Future[Any]") -> int:
        try:
            stream_id, frame = self.mux.start(payload, future)
        except Unavailable as error:
            if self.mux.state in (State.DRAINING, State.CLOSED):
                raise _RetryElsewhere(error) from None
            raise
        self._write(frame)
        return stream_id

    def cancel(self, stream_id: int) -> None:
        frame = self.mux.cancel(stream_id)
        if frame is not None:
            self._write(frame)

    async def ping(self, timeout: Optional[float]) -> float:
        future = self.loop.create_future()
        key, frame = self.mux.ping(future)
        self._write(frame)
        try:
            return float(await asyncio.wait_for(future, timeout))
        except asyncio.TimeoutError:
            self.mux.forget_ping(key)
            raise DeadlineExceeded(f"no PONG within {timeout} s") from None

    async def close(self, grace: Optional[float]) -> None:
        frame = self.mux.close_gracefully()
        if frame is not None:
            self._outbox.append(frame)
        self._flush()
        transport = self.transport
        if transport is not None and not transport.is_closing():
            if transport.can_write_eof():
                transport.write_eof()
        try:
            await asyncio.wait_for(asyncio.shield(self.done), grace)
        except asyncio.TimeoutError:
            self.abort()
            await self.done

    def abort(self) -> None:
        if self.transport is not None:
            self.transport.abort()


class _AsyncClient:
    """What the asyncio :class:`Client` and :class:`OperatorClient` share."""

    def __init__(self, socket_path: str, *, timeout: Optional[float], metadata: Optional[Mapping[str, str]],
                 connect_timeout: Optional[float], max_frame_bytes: int, peer: Optional[str]) -> None:
        self.socket_path = os.fspath(socket_path)
        self.timeout = timeout
        self.metadata: Dict[str, str] = dict(metadata or {})
        self.connect_timeout = connect_timeout
        self.max_frame_bytes = max_frame_bytes
        self.peer = peer or _peer_name()
        self._current: Optional[_Connection] = None
        self._connecting: Optional["asyncio.Task[_Connection]"] = None
        self._all: "weakref.WeakSet[_Connection]" = weakref.WeakSet()
        self._opened = 0
        self._closed = False

    async def _connection(self) -> _Connection:
        current = self._current
        if current is not None and current.accepts_calls:
            if current.loop is not asyncio.get_running_loop():
                raise RuntimeError("this client is connected on another event loop")
            return current
        if self._closed:
            raise Unavailable("the client is closed")
        task = self._connecting
        if task is None:
            task = asyncio.get_running_loop().create_task(self._open())
            self._connecting = task
            task.add_done_callback(self._connected)
        return await asyncio.shield(task)

    async def _open(self) -> _Connection:
        connection = await _Connection.open(self.socket_path, self.peer, self.max_frame_bytes, self.connect_timeout)
        self._current = connection
        self._all.add(connection)
        self._opened += 1
        return connection

    def _connected(self, task: "asyncio.Task[_Connection]") -> None:
        if self._connecting is task:
            self._connecting = None
        if not task.cancelled():
            task.exception()  # retrieved here: the callers that awaited it may all be gone

    async def connect(self) -> None:
        """Opens the connection now (rather than on the first call)."""
        await self._connection()

    @property
    def connection_info(self) -> ConnectionInfo:
        current = self._current
        if current is None:
            return ConnectionInfo("none", 0, self._opened)
        mux = current.mux
        return ConnectionInfo(mux.state.value, mux.streams_open, self._opened,
                              mux.server.peer if mux.server else None,
                              mux.server.max_frame_bytes if mux.server else None, mux.goaway)

    async def ping(self, timeout: Optional[float] = 5.0) -> float:
        """Sends PING and waits for the PONG: the round trip in seconds."""
        return await (await self._connection()).ping(timeout)

    async def close(self, grace: Optional[float] = 5.0) -> None:
        """Sends GOAWAY, lets the calls in flight finish (at most ``grace`` seconds), closes."""
        self._closed = True
        if self._connecting is not None:
            self._connecting.cancel()
        connections = list(self._all)
        self._current = None
        await asyncio.gather(*(c.close(grace) for c in connections))

    @property
    def closed(self) -> bool:
        return self._closed

    async def __aenter__(self: "_A") -> "_A":
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        await self.close()

    async def _call(self, method: Method[Any, Resp], request: Message, metadata: Optional[Dict[str, str]],
                    timeout: Optional[float], deadline: Optional[float]) -> Resp:
        if not isinstance(request, method.request):
            raise TypeError(f"{method.full_name} takes a {method.request.__name__}, not {type(request).__name__}")
        message = request.to_wire()
        absolute = effective_deadline(timeout, deadline, self.timeout, time.monotonic())
        name = method.full_name
        attempts = 0
        while True:
            attempts += 1
            now = time.monotonic()
            if absolute is not None and now >= absolute:
                raise DeadlineExceeded("deadline exceeded before the call was sent", method=name)
            payload = _wire.encode_request(name, message, timeout_millis(absolute, now), metadata)
            connection = self._current
            if connection is None or not connection.accepts_calls:
                connection = await self._connection()
            if connection._paused:
                await connection.writable()
            future: "asyncio.Future[Tuple[int, bytes]]" = connection.loop.create_future()
            try:
                stream_id = connection.start(payload, future)
            except _RetryElsewhere as retry:
                if attempts >= MAX_ATTEMPTS:
                    raise _named(retry.reason, name) from None
                continue
            timer = None if absolute is None else connection.loop.call_later(absolute - now, _expire, future)
            try:
                status, answer = await future
            except _RetryElsewhere as retry:
                if attempts >= MAX_ATTEMPTS:
                    raise _named(retry.reason, name) from None
                continue
            except _LocalDeadline:
                connection.cancel(stream_id)
                raise DeadlineExceeded("deadline exceeded (client)", method=name) from None
            except asyncio.CancelledError:
                connection.cancel(stream_id)
                raise
            except WebProfilesError as error:
                raise _named(error, name) from None
            finally:
                if timer is not None:
                    timer.cancel()
            return decode_answer(method, status, answer)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.socket_path!r}, state={self.connection_info.state})"


_A = TypeVar("_A", bound=_AsyncClient)


def _named(error: WebProfilesError, method: str) -> WebProfilesError:
    if error.method is None:
        error.method = method
    return error


class Client(_AsyncClient, AsyncApiMethods):
    """An asyncio client of the API socket. Arguments as :class:`webprofiles.Client`; every method
    is a coroutine with the same parameters."""

    def __init__(self, socket_path: Optional[str] = None, *, token: Optional[str] = None,
                 timeout: Optional[float] = None, metadata: Optional[Mapping[str, str]] = None,
                 connect_timeout: Optional[float] = 5.0, max_frame_bytes: int = _wire.DEFAULT_MAX_FRAME_BYTES,
                 peer: Optional[str] = None) -> None:
        super().__init__(socket_path or default_socket(), timeout=timeout, metadata=metadata,
                         connect_timeout=connect_timeout, max_frame_bytes=max_frame_bytes, peer=peer)
        self.token = token

    async def call(self, method: Method[Any, Resp], request: Message, *, token: Optional[str] = None,
                   timeout: Optional[float] = None, deadline: Optional[float] = None,
                   metadata: Optional[Mapping[str, str]] = None) -> Resp:
        """Calls ``method`` (one of :data:`webprofiles.messages.METHODS`) with ``request``."""
        if method.plane == "operator":
            raise ValueError(f"{method.full_name} is served on the operator socket: use OperatorClient")
        return await self._call(method, request, call_metadata(self.metadata, token if token is not None else self.token,
                                                               metadata), timeout, deadline)


class OperatorClient(_AsyncClient, AsyncOperatorMethods):
    """An asyncio client of the operator socket. Arguments as :class:`webprofiles.OperatorClient`."""

    def __init__(self, socket_path: Optional[str] = None, *, agent: Optional[str] = None,
                 ticket: Optional[str] = None, timeout: Optional[float] = None,
                 metadata: Optional[Mapping[str, str]] = None, connect_timeout: Optional[float] = 5.0,
                 max_frame_bytes: int = _wire.DEFAULT_MAX_FRAME_BYTES, peer: Optional[str] = None) -> None:
        super().__init__(socket_path or DEFAULT_OPERATOR_SOCKET, timeout=timeout, metadata=metadata,
                         connect_timeout=connect_timeout, max_frame_bytes=max_frame_bytes, peer=peer)
        self.agent = agent if agent is not None else default_agent()
        self.ticket = ticket

    async def call(self, method: Method[Any, Resp], request: Message, *, agent: Optional[str] = None,
                   ticket: Optional[str] = None, timeout: Optional[float] = None, deadline: Optional[float] = None,
                   metadata: Optional[Mapping[str, str]] = None) -> Resp:
        """Calls ``method`` with ``request``."""
        if method.plane == "api":
            raise ValueError(f"{method.full_name} is served on the API socket: use Client")
        return await self._call(method, request, desk_metadata(self.metadata, agent or self.agent,
                                                               ticket or self.ticket, metadata), timeout, deadline)
