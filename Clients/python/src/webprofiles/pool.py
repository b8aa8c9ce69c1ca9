"""A pool of blocking clients for threaded servers (gunicorn with threads, Django, Flask, uWSGI).

One :class:`~webprofiles.Client` is already safe to share between threads: every call of every
thread goes over its one connection. A :class:`ClientPool` holds ``size`` clients (so ``size``
connections and reader threads) and hands each call to the next one in turn, which spreads a
busy server's calls over several of the daemon's connections and keeps one slow answer from
queueing behind another in one socket's buffers::

    pool = ClientPool("/run/webprofiled/webprofiled.sock", size=4, timeout=2.0)
    pool.connect()                         # at start-up: fail fast if the daemon is not there
    decision = pool.authorize("users.view", token=token)
    ...
    pool.close()                           # at shutdown: GOAWAY on each connection, threads joined

The pool has every method of :class:`~webprofiles.Client`; :meth:`client` gives the next client
itself (for :meth:`~webprofiles.Client.submit`, say), and ``with pool.connection() as client:``
does the same for code written against a checkout/checkin pool.
"""
from __future__ import annotations

import contextlib
import itertools
import threading
from typing import Any, Iterator, List, Mapping, Optional, TypeVar

from ._methods import ApiMethods
from .client import Client, PendingCall
from .errors import Unavailable
from .messages import Message, Method

__all__ = ["ClientPool"]

Resp = TypeVar("Resp", bound=Message)


class ClientPool(ApiMethods):
    """``size`` :class:`~webprofiles.Client` instances used in turn.

    Args:
        socket_path: the API socket (as :class:`~webprofiles.Client`).
        size: how many clients, hence connections (default 4).
        **options: passed to each :class:`~webprofiles.Client` (``timeout``, ``token``,
            ``metadata``, ``connect_timeout``, …).
    """

    def __init__(self, socket_path: Optional[str] = None, size: int = 4, **options: Any) -> None:
        if size < 1:
            raise ValueError("a pool holds at least one client")
        self._clients: List[Client] = [Client(socket_path, **options) for _ in range(size)]
        self._turn = itertools.count()
        self._lock = threading.Lock()
        self._closed = False

    @property
    def size(self) -> int:
        return len(self._clients)

    @property
    def clients(self) -> List[Client]:
        """The pool's clients (a copy of the list)."""
        return list(self._clients)

    def client(self) -> Client:
        """The next client in turn (``itertools.count`` makes the turn atomic under the GIL)."""
        if self._closed:
            raise Unavailable("the pool is closed")
        return self._clients[next(self._turn) % len(self._clients)]

    @contextlib.contextmanager
    def connection(self) -> Iterator[Client]:
        """``with pool.connection() as client:`` — a client for a block of calls. The client stays
        shared (calls are multiplexed), so nothing has to be given back."""
        yield self.client()

    def connect(self) -> None:
        """Opens every connection now.

        Raises:
            Unavailable: the daemon cannot be reached.
        """
        for client in self._clients:
            client.connect()

    def submit(self, method: Method[Any, Resp], request: Message, **options: Any) -> PendingCall[Resp]:
        """:meth:`Client.submit` on the next client."""
        return self.client().submit(method, request, **options)

    def call(self, method: Method[Any, Resp], request: Message, *, token: Optional[str] = None,
             timeout: Optional[float] = None, deadline: Optional[float] = None,
             metadata: Optional[Mapping[str, str]] = None) -> Resp:
        """:meth:`Client.call` on the next client."""
        return self.client().call(method, request, token=token, timeout=timeout, deadline=deadline, metadata=metadata)

    def ping(self, timeout: Optional[float] = 5.0) -> List[float]:
        """Pings every connection: their round trips in seconds."""
        return [client.ping(timeout) for client in self._clients]

    def close(self, grace: Optional[float] = 5.0) -> None:
        """Closes every client (each lets its calls in flight finish for at most ``grace`` seconds,
        at the same time as the others)."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
        threads = [threading.Thread(target=client.close, args=(grace,), name="webprofiles-pool-close")
                   for client in self._clients]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    @property
    def closed(self) -> bool:
        return self._closed

    def __enter__(self) -> "ClientPool":
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"ClientPool(size={self.size}, clients={self._clients!r})"
