"""A Python client of webprofiled, the session authentication and web registration profiles daemon.

::

    from webprofiles import Client

    client = Client("/run/webprofiled/webprofiled.sock")
    session = client.login("mario.rossi", "Velvet-Orbit-Lantern-7")
    if client.authorize("invoices.view", token=session.session_token).allowed:
        ...

- :class:`Client` (blocking, thread-safe) and :class:`webprofiles.aio.Client` (asyncio) speak to
  the API socket; :class:`OperatorClient` and :class:`webprofiles.aio.OperatorClient` to the
  operator socket. Each holds one multiplexed connection.
- :class:`ClientPool` spreads a threaded server's calls over several connections.
- Every failure raises a :class:`WebProfilesError` subclass named after its status.
- The messages are dataclasses in :mod:`webprofiles.messages`.
"""
__version__ = "0.1.0"

from . import errors, messages
from .client import Client, ConnectionInfo, OperatorClient, PendingCall
from .errors import (Aborted, AlreadyExists, Cancelled, DataLoss, DeadlineExceeded, FailedPrecondition, Internal,
                     InvalidArgument, NotFound, OutOfRange, PermissionDenied, ProtocolError, ResourceExhausted,
                     StatusCode, Unauthenticated, Unavailable, Unimplemented, Unknown, WebProfilesError)
from .messages import (METHODS, METHODS_BY_NAME, AuditAction, LineKind, Method, Permission, Profile,
                       RegistrationStatus)
from .pool import ClientPool

__all__ = [
    "__version__", "errors", "messages",
    "Client", "OperatorClient", "ClientPool", "PendingCall", "ConnectionInfo",
    "WebProfilesError", "StatusCode", "Cancelled", "Unknown", "InvalidArgument", "DeadlineExceeded", "NotFound",
    "AlreadyExists", "PermissionDenied", "ResourceExhausted", "FailedPrecondition", "Aborted", "OutOfRange",
    "Unimplemented", "Internal", "Unavailable", "DataLoss", "Unauthenticated", "ProtocolError",
    "METHODS", "METHODS_BY_NAME", "Method", "Permission", "Profile", "RegistrationStatus", "LineKind", "AuditAction",
]
