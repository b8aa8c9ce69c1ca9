"""The blocking client: one multiplexed connection shared by every thread.

::

    from webprofiles import Client

    client = Client("/run/webprofiled/webprofiled.sock", timeout=2.0)
    session = client.login("mario.rossi", password)
    decision = client.authorize("users.view", token=session.session_token)
    if decision.allowed:
        ...

A :class:`Client` is safe to share between threads: calls from many threads go over one socket at
once (each REQUEST has its own stream id; a reader thread hands each RESPONSE to the thread
waiting for it). The connection is opened on the first call and opened again after the daemon
closed it (GOAWAY on shutdown or idle timeout, a restart); calls the daemon never started are sent
again on the new connection. After ``os.fork()`` the child opens its own connection.
"""
from __future__ import annotations

import collections
import copy
import os
import socket
import threading
import time
import weakref
from dataclasses import dataclass
from typing import Any, Deque, Dict, Generic, Mapping, Optional, Tuple, TypeVar

from . import _wire
from ._methods import ApiMethods, OperatorMethods
from ._wire import (Answered, Closing, Event, Failed, GoAway, Multiplexer, Ponged, Retry, Send, State,
                    call_metadata, effective_deadline, timeout_millis)
from .errors import Cancelled, DeadlineExceeded, ProtocolError, Unavailable, WebProfilesError
from .messages import Message, Method

__all__ = ["Client", "OperatorClient", "PendingCall", "ConnectionInfo", "DEFAULT_SOCKET", "DEFAULT_OPERATOR_SOCKET",
           "default_agent"]

DEFAULT_SOCKET = "/run/webprofiled/webprofiled.sock"
DEFAULT_OPERATOR_SOCKET = "/run/webprofiled/operator.sock"
#: How many times a call the server never started (GOAWAY) is sent again on a new connection.
MAX_ATTEMPTS = 3
_READ_BYTES = 256 * 1024

Resp = TypeVar("Resp", bound=Message)


def _peer_name() -> str:
    from . import __version__
    return f"webprofiles-python/{__version__}"


def default_socket() -> str:
    """``$WEBPROFILED_SOCKET``, else the packaged daemon's API socket."""
    return os.environ.get("WEBPROFILED_SOCKET") or DEFAULT_SOCKET


def default_agent() -> Optional[str]:
    """The desk agent operator writes name by default, as ``webprofilectl`` does: ``$SUDO_USER``,
    ``$LOGNAME`` or ``$USER``."""
    for name in ("SUDO_USER", "LOGNAME", "USER"):
        value = os.environ.get(name)
        if value:
            return value
    return None


@dataclass(frozen=True)
class ConnectionInfo:
    """What a client's connection is doing (for health pages and tests)."""

    #: ``"open"``, ``"draining"`` (GOAWAY sent or received), ``"closed"``, or ``"none"`` before the
    #: first call.
    state: str
    #: Calls sent and not answered yet by the server (a cancelled call counts until the server's
    #: answer frees its stream).
    streams_open: int
    #: Connections this client has opened so far (more than one after reconnects).
    connections_opened: int
    server_peer: Optional[str] = None
    server_max_frame_bytes: Optional[int] = None
    #: The last GOAWAY the server sent on the current connection.
    goaway: Optional[GoAway] = None


class _RetryElsewhere(Exception):
    """The server never ran the call (GOAWAY, or a connection that broke before the REQUEST was
    out): send it again on another connection."""

    def __init__(self, reason: WebProfilesError) -> None:
        super().__init__(reason)
        self.reason = reason


class _Slot:
    """One answer to wait for: a lock held until the reader thread releases it (the cheapest wait
    CPython has)."""

    __slots__ = ("_lock", "value", "error")

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._lock.acquire()
        self.value: Any = None
        self.error: Optional[BaseException] = None

    def resolve(self, value: Any) -> None:
        self.value = value
        self._lock.release()

    def fail(self, error: BaseException) -> None:
        self.error = error
        self._lock.release()

    def wait(self, timeout: Optional[float]) -> bool:
        if timeout is None:
            return self._lock.acquire()
        return self._lock.acquire(timeout=max(0.0, timeout))


class _Connection:
    """One socket, its reader thread and its multiplexer."""

    def __init__(self, path: str, peer: str, max_frame_bytes: int, connect_timeout: Optional[float]) -> None:
        self.path = path
        self.pid = os.getpid()
        self.mux: Multiplexer[_Slot] = Multiplexer(max_frame_bytes)
        self._state_lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._outbox: Deque[bytes] = collections.deque()
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.settimeout(connect_timeout)
            sock.connect(path)
            sock.sendall(self.mux.hello(peer))
            while self.mux.state is State.HANDSHAKE:
                data = sock.recv(_READ_BYTES)
                if not data:
                    raise Unavailable(f"{path}: the server closed the connection before its HELLO")
                events = self.mux.receive(data)
                for event in events:
                    if isinstance(event, Closing):
                        raise event.goaway.error()
                    if isinstance(event, Send):
                        sock.sendall(event.data)
            sock.settimeout(None)
        except WebProfilesError:
            sock.close()
            raise
        except (OSError, socket.timeout) as error:
            sock.close()
            raise Unavailable(f"cannot connect to {path}: {error}") from error
        self.sock = sock
        self._reader = threading.Thread(target=self._read_loop, name="webprofiles-reader", daemon=True)
        self._reader.start()

    @property
    def accepts_calls(self) -> bool:
        return self.mux.state is State.OPEN

    # Writing
    #
    # Every frame goes through one queue, in the order it was made (a REQUEST's stream id is
    # allocated and its frame queued under the state lock, so ids reach the daemon in order and a
    # CANCEL never overtakes its REQUEST). Whoever holds the write lock writes everything queued,
    # several frames in one sendall; a thread that finds the lock taken leaves its frame to the
    # holder, which looks at the queue again after letting go of the lock.

    def start(self, payload: bytes, slot: _Slot) -> int:
        """Queues a REQUEST and writes it (or leaves it to the thread writing); its stream id."""
        with self._state_lock:
            try:
                stream_id, frame = self.mux.start(payload, slot)
            except Unavailable as error:
                if self.mux.state in (State.DRAINING, State.CLOSED):
                    raise _RetryElsewhere(error) from None
                raise
            self._outbox.append(frame)
        self._flush()
        return stream_id

    def cancel(self, stream_id: int) -> bool:
        """Gives up on a call and sends CANCEL. False when its answer is already being delivered."""
        with self._state_lock:
            waiting = self.mux.waiting(stream_id)
            frame = self.mux.cancel(stream_id)
            if frame is not None:
                self._outbox.append(frame)
        if frame is not None:
            self._flush()
        return waiting

    def ping(self, timeout: Optional[float]) -> float:
        slot = _Slot()
        with self._state_lock:
            key, frame = self.mux.ping(slot)
            self._outbox.append(frame)
        self._flush()
        if not slot.wait(timeout):
            with self._state_lock:
                if self.mux.forget_ping(key):
                    raise DeadlineExceeded(f"no PONG within {timeout} s")
            slot.wait(None)
        if slot.error is not None:
            raise slot.error
        return float(slot.value)

    def _flush(self) -> None:
        outbox = self._outbox
        while outbox:
            if not self._write_lock.acquire(blocking=False):
                return  # the holder writes it: it checks the queue again once it lets go
            try:
                while outbox:
                    batch = [outbox.popleft()]
                    while outbox and len(batch) < 64:
                        batch.append(outbox.popleft())
                    self.sock.sendall(batch[0] if len(batch) == 1 else b"".join(batch))
            except OSError:
                outbox.clear()  # the reader sees the broken connection and fails the calls
            finally:
                self._write_lock.release()

    # Reading

    def _read_loop(self) -> None:
        error: Optional[WebProfilesError] = None
        sock = self.sock
        try:
            while True:
                data = sock.recv(_READ_BYTES)
                if not data:
                    break
                with self._state_lock:
                    events = self.mux.receive(data)
                self._dispatch(events)
                if self.mux.finished:
                    break
        except ProtocolError as violation:
            error = violation
            try:
                with self._write_lock:
                    sock.sendall(_wire.violation_goaway(violation))
            except OSError:
                pass
        except OSError as lost:
            error = Unavailable(f"connection lost: {lost}")
        finally:
            goaway = self.mux.goaway
            if error is None:
                error = goaway.error() if goaway is not None else Unavailable("the server closed the connection")
            with self._state_lock:
                events = self.mux.lost(error)
            self._dispatch(events)
            self._shut()

    def _dispatch(self, events: "list[Event]") -> None:
        for event in events:
            if isinstance(event, Answered):
                event.waiter.resolve((event.status, event.payload))
            elif isinstance(event, Failed):  # one instance per caller: each raises its own
                event.waiter.fail(copy.copy(event.error))
            elif isinstance(event, Retry):
                event.waiter.fail(_RetryElsewhere(event.goaway.error()))
            elif isinstance(event, Send):  # a PONG
                self._outbox.append(event.data)
                self._flush()
            elif isinstance(event, Ponged):
                event.waiter.resolve(event.seconds)
            # Ready and Closing change the multiplexer's state only.

    def _shut(self) -> None:
        try:
            self.sock.shutdown(socket.SHUT_RDWR)  # wakes a writer blocked in sendall
        except OSError:
            pass
        with self._write_lock:
            self.sock.close()

    # Closing

    def close(self, grace: Optional[float]) -> None:
        """GOAWAY and a half-close: the server answers the calls in flight, then closes. After
        ``grace`` seconds the socket is closed anyway (the remaining calls fail UNAVAILABLE)."""
        with self._state_lock:
            frame = self.mux.close_gracefully()
            if frame is not None:
                self._outbox.append(frame)
        with self._write_lock:  # waits for a thread writing, then writes what is left, then half-closes
            try:
                while self._outbox:
                    self.sock.sendall(self._outbox.popleft())
                self.sock.shutdown(socket.SHUT_WR)
            except OSError:
                pass
        if threading.current_thread() is not self._reader:
            self._reader.join(grace)
            if self._reader.is_alive():
                try:
                    self.sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                self._reader.join()

    def abandon(self) -> None:
        """In a forked child: drop the parent's connection without touching its state (no
        GOAWAY, no shutdown: the socket is shared with the parent)."""
        try:
            os.close(self.sock.detach())
        except OSError:
            pass


class PendingCall(Generic[Resp]):
    """A call in flight (:meth:`Client.submit`): wait for it with :meth:`result`, or give it up
    with :meth:`cancel`, which sends CANCEL to the daemon."""

    __slots__ = ("_client", "_method", "_message", "_metadata", "_deadline", "_slot", "_connection", "_stream_id",
                 "_attempts", "_outcome")

    def __init__(self, client: "_BlockingClient", method: Method[Any, Resp], message: Dict[str, Any],
                 metadata: Optional[Dict[str, str]], deadline: Optional[float]) -> None:
        self._client = client
        self._method = method
        self._message = message
        self._metadata = metadata
        self._deadline = deadline
        self._attempts = 0
        self._outcome: Optional[Tuple[bool, Any]] = None
        self._send()

    @property
    def method(self) -> Method[Any, Resp]:
        return self._method

    @property
    def stream_id(self) -> int:
        """The call's stream id on its current connection."""
        return self._stream_id

    def _send(self) -> None:
        while True:
            self._attempts += 1
            now = time.monotonic()
            if self._deadline is not None and now >= self._deadline:
                raise DeadlineExceeded("deadline exceeded before the call was sent", method=self._method.full_name)
            payload = _wire.encode_request(self._method.full_name, self._message, timeout_millis(self._deadline, now),
                                           self._metadata)
            connection = self._client._connection()
            slot = _Slot()
            try:
                self._stream_id = connection.start(payload, slot)
            except _RetryElsewhere as retry:
                if self._attempts >= MAX_ATTEMPTS:
                    raise _with_method(retry.reason, self._method) from None
                continue
            self._slot, self._connection = slot, connection
            return

    def done(self) -> bool:
        """Whether :meth:`result` would return (or raise) without waiting."""
        if self._outcome is not None:
            return True
        if self._slot.wait(0):
            self._slot._lock.release()
            return True
        return False

    def cancel(self) -> bool:
        """Gives up on the call: CANCEL goes to the daemon, and :meth:`result` raises
        :class:`~webprofiles.Cancelled`. False when the answer had already arrived."""
        if self._outcome is not None:
            return False
        if self._connection.cancel(self._stream_id):
            self._slot.fail(Cancelled("cancelled by the client", method=self._method.full_name))
            return True
        return False

    def result(self, timeout: Optional[float] = None) -> Resp:
        """The answer, waiting for it (at most ``timeout`` seconds, if given, after which
        :class:`TimeoutError` is raised and the call goes on).

        Raises:
            WebProfilesError: the call failed; :class:`~webprofiles.DeadlineExceeded` when the
                call's deadline passed (the daemon is sent CANCEL).
        """
        if self._outcome is None:
            self._outcome = self._wait(timeout)
        ok, value = self._outcome
        if ok:
            return value  # type: ignore[no-any-return]
        raise value

    def _wait(self, timeout: Optional[float]) -> Tuple[bool, Any]:
        limit = None if timeout is None else time.monotonic() + timeout
        while True:
            now = time.monotonic()
            ends = [t for t in (self._deadline, limit) if t is not None]
            try:
                arrived = self._slot.wait(min(ends) - now if ends else None)
            except BaseException:
                # KeyboardInterrupt or another asynchronous exception: do not leave the call running.
                self.cancel()
                raise
            if not arrived:
                if self._deadline is not None and time.monotonic() >= self._deadline:
                    if self._connection.cancel(self._stream_id):
                        return False, DeadlineExceeded("deadline exceeded (client)", method=self._method.full_name)
                    self._slot.wait(None)  # the answer is being handed over right now
                else:
                    raise TimeoutError(f"{self._method.full_name} still running after {timeout} s")
            error = self._slot.error
            if error is None:
                try:
                    return True, self._decode(*self._slot.value)
                except WebProfilesError as failure:
                    return False, failure
            if isinstance(error, _RetryElsewhere):
                if self._attempts >= MAX_ATTEMPTS:
                    return False, _with_method(error.reason, self._method)
                try:
                    self._send()
                except WebProfilesError as failure:
                    return False, failure
                continue
            return False, _with_method(error, self._method)

    def _decode(self, status: int, payload: bytes) -> Resp:
        return decode_answer(self._method, status, payload)


def decode_answer(method: Method[Any, Resp], status: int, payload: bytes) -> Resp:
    """The response message of a RESPONSE frame, or the call's error raised."""
    message = _wire.decode_response(method.full_name, status, payload)
    try:
        return method.response.from_wire(message)
    except ProtocolError as error:
        error.method = method.full_name
        raise


def _with_method(error: BaseException, method: Method[Any, Any]) -> BaseException:
    if isinstance(error, WebProfilesError) and error.method is None:
        error.method = method.full_name
    return error


class _BlockingClient:
    """What :class:`Client` and :class:`OperatorClient` share: the connection and the call path."""

    def __init__(self, socket_path: str, *, timeout: Optional[float], metadata: Optional[Mapping[str, str]],
                 connect_timeout: Optional[float], max_frame_bytes: int, peer: Optional[str]) -> None:
        self.socket_path = os.fspath(socket_path)
        #: The timeout (seconds) of calls that give neither ``timeout`` nor ``deadline``.
        self.timeout = timeout
        #: Metadata every call carries unless it gives its own value for the key.
        self.metadata: Dict[str, str] = dict(metadata or {})
        self.connect_timeout = connect_timeout
        self.max_frame_bytes = max_frame_bytes
        self.peer = peer or _peer_name()
        self._lock = threading.Lock()
        self._current: Optional[_Connection] = None
        self._all: "weakref.WeakSet[_Connection]" = weakref.WeakSet()
        self._opened = 0
        self._closed = False
        self._pid = os.getpid()
        _LIVE_CLIENTS.add(self)

    # Connection

    def _connection(self) -> _Connection:
        current = self._current
        if current is not None and current.mux.state is State.OPEN:
            return current
        with self._lock:
            current = self._current
            if current is not None and current.accepts_calls:
                return current
            if self._closed:
                raise Unavailable("the client is closed")
            current = _Connection(self.socket_path, self.peer, self.max_frame_bytes, self.connect_timeout)
            self._current = current
            self._all.add(current)
            self._opened += 1
            return current

    def _after_fork(self) -> None:
        """In a forked child: forget the parent's connection; the next call opens the child's own."""
        inherited = self._current
        self._lock = threading.Lock()
        self._current = None
        self._all = weakref.WeakSet()
        self._pid = os.getpid()
        if inherited is not None:
            inherited.abandon()

    def connect(self) -> None:
        """Opens the connection now (rather than on the first call).

        Raises:
            Unavailable: the daemon cannot be reached.
        """
        self._connection()

    @property
    def connection_info(self) -> ConnectionInfo:
        current = self._current
        if current is None:
            return ConnectionInfo("none", 0, self._opened)
        mux = current.mux
        return ConnectionInfo(mux.state.value, mux.streams_open, self._opened,
                              mux.server.peer if mux.server else None,
                              mux.server.max_frame_bytes if mux.server else None, mux.goaway)

    def ping(self, timeout: Optional[float] = 5.0) -> float:
        """Sends PING and waits for the PONG: the round trip in seconds."""
        return self._connection().ping(timeout)

    def close(self, grace: Optional[float] = 5.0) -> None:
        """Closes the client: sends GOAWAY, lets the calls in flight finish (at most ``grace``
        seconds), then closes the socket. Later calls raise :class:`~webprofiles.Unavailable`."""
        with self._lock:
            self._closed = True
            connections = list(self._all)
            self._current = None
        if self._pid != os.getpid():
            return
        for connection in connections:
            connection.close(grace)

    @property
    def closed(self) -> bool:
        return self._closed

    def __enter__(self: "_C") -> "_C":
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    # Calls

    def _submit(self, method: Method[Any, Resp], request: Message, metadata: Optional[Dict[str, str]],
                timeout: Optional[float], deadline: Optional[float]) -> "PendingCall[Resp]":
        if not isinstance(request, method.request):
            raise TypeError(f"{method.full_name} takes a {method.request.__name__}, not {type(request).__name__}")
        absolute = effective_deadline(timeout, deadline, self.timeout, time.monotonic())
        return PendingCall(self, method, request.to_wire(), metadata, absolute)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.socket_path!r}, state={self.connection_info.state})"


_C = TypeVar("_C", bound=_BlockingClient)
_LIVE_CLIENTS: "weakref.WeakSet[_BlockingClient]" = weakref.WeakSet()


def _reset_after_fork() -> None:
    for client in list(_LIVE_CLIENTS):
        client._after_fork()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_reset_after_fork)


class Client(_BlockingClient, ApiMethods):
    """A blocking client of the API socket, safe to share between threads.

    Args:
        socket_path: the daemon's API socket (default ``$WEBPROFILED_SOCKET``, else
            ``/run/webprofiled/webprofiled.sock``).
        token: the session token of calls that give no ``token=`` (for scripts acting as one
            person; a web backend passes each request's token per call instead).
        timeout: seconds allowed to calls that give neither ``timeout=`` nor ``deadline=``
            (default: no limit).
        metadata: metadata every call carries (``user-agent``, …) unless the call gives its own.
        connect_timeout: seconds to connect and exchange HELLO.
        max_frame_bytes: the largest answer accepted (announced in HELLO).
        peer: the name the daemon logs for this client (``webprofiles-python/<version>``).

    Every method takes, besides the request's fields, ``token=`` (the session to act as),
    ``timeout=`` (seconds) or ``deadline=`` (a :func:`time.monotonic` instant), and ``metadata=``.
    A deadline is sent to the daemon (``timeoutMillis``) and enforced here too: when it passes, the
    call raises :class:`~webprofiles.DeadlineExceeded` and the daemon is sent CANCEL.
    """

    def __init__(self, socket_path: Optional[str] = None, *, token: Optional[str] = None,
                 timeout: Optional[float] = None, metadata: Optional[Mapping[str, str]] = None,
                 connect_timeout: Optional[float] = 5.0, max_frame_bytes: int = _wire.DEFAULT_MAX_FRAME_BYTES,
                 peer: Optional[str] = None) -> None:
        super().__init__(socket_path or default_socket(), timeout=timeout, metadata=metadata,
                         connect_timeout=connect_timeout, max_frame_bytes=max_frame_bytes, peer=peer)
        #: The session token of calls that give none.
        self.token = token

    def submit(self, method: Method[Any, Resp], request: Message, *, token: Optional[str] = None,
               timeout: Optional[float] = None, deadline: Optional[float] = None,
               metadata: Optional[Mapping[str, str]] = None) -> PendingCall[Resp]:
        """Sends a call without waiting for it: a :class:`PendingCall` to wait on or cancel.

        ``method`` is one of :data:`webprofiles.messages.METHODS` (for instance
        ``METHODS_BY_NAME["webprofiles.v1.Session/Login"]``) and ``request`` its request message.
        """
        if method.plane == "operator":
            raise ValueError(f"{method.full_name} is served on the operator socket: use OperatorClient")
        return self._submit(method, request, call_metadata(self.metadata, token if token is not None else self.token,
                                                           metadata), timeout, deadline)

    def call(self, method: Method[Any, Resp], request: Message, *, token: Optional[str] = None,
             timeout: Optional[float] = None, deadline: Optional[float] = None,
             metadata: Optional[Mapping[str, str]] = None) -> Resp:
        """Calls ``method`` with ``request`` and waits for the answer (see :meth:`submit`)."""
        return self.submit(method, request, token=token, timeout=timeout, deadline=deadline,
                           metadata=metadata).result()


class OperatorClient(_BlockingClient, OperatorMethods):
    """A blocking client of the operator socket (customer-service tools; root or the daemon's uid).

    Args:
        socket_path: the operator socket (default ``/run/webprofiled/operator.sock``).
        agent: the desk agent every write names (``operator-agent``, required by the daemon for
            writes); default ``$SUDO_USER``, ``$LOGNAME`` or ``$USER`` like ``webprofilectl``.
        ticket: the customer-service ticket calls answer (``operator-ticket``), if any.

    Other arguments as :class:`Client`. Every method also takes ``agent=`` and ``ticket=`` for one call.
    """

    def __init__(self, socket_path: Optional[str] = None, *, agent: Optional[str] = None,
                 ticket: Optional[str] = None, timeout: Optional[float] = None,
                 metadata: Optional[Mapping[str, str]] = None, connect_timeout: Optional[float] = 5.0,
                 max_frame_bytes: int = _wire.DEFAULT_MAX_FRAME_BYTES, peer: Optional[str] = None) -> None:
        super().__init__(socket_path or DEFAULT_OPERATOR_SOCKET, timeout=timeout, metadata=metadata,
                         connect_timeout=connect_timeout, max_frame_bytes=max_frame_bytes, peer=peer)
        self.agent = agent if agent is not None else default_agent()
        self.ticket = ticket

    def submit(self, method: Method[Any, Resp], request: Message, *, agent: Optional[str] = None,
               ticket: Optional[str] = None, timeout: Optional[float] = None, deadline: Optional[float] = None,
               metadata: Optional[Mapping[str, str]] = None) -> PendingCall[Resp]:
        """Sends a call without waiting for it (see :meth:`Client.submit`)."""
        if method.plane == "api":
            raise ValueError(f"{method.full_name} is served on the API socket: use Client")
        return self._submit(method, request, desk_metadata(self.metadata, agent or self.agent, ticket or self.ticket,
                                                           metadata), timeout, deadline)

    def call(self, method: Method[Any, Resp], request: Message, *, agent: Optional[str] = None,
             ticket: Optional[str] = None, timeout: Optional[float] = None, deadline: Optional[float] = None,
             metadata: Optional[Mapping[str, str]] = None) -> Resp:
        """Calls ``method`` with ``request`` and waits for the answer."""
        return self.submit(method, request, agent=agent, ticket=ticket, timeout=timeout, deadline=deadline,
                           metadata=metadata).result()


def desk_metadata(default: Optional[Mapping[str, str]], agent: Optional[str], ticket: Optional[str],
                  given: Optional[Mapping[str, str]]) -> Optional[Dict[str, str]]:
    """The metadata of an operator call: defaults, ``operator-agent``/``operator-ticket``, the call's own."""
    merged: Dict[str, str] = dict(default or {})
    if agent:
        merged["operator-agent"] = agent
    if ticket:
        merged["operator-ticket"] = ticket
    if given:
        merged.update(given)
    return merged or None
