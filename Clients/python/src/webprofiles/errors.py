"""Errors of webprofiles calls: one exception class per status code of the protocol.

Every failed call raises a :class:`WebProfilesError` (or a subclass named after its status), with
the status as :attr:`WebProfilesError.code`, the server's text as :attr:`~WebProfilesError.message`
and its ``details`` map (for instance ``{"field": "username"}``) as
:attr:`~WebProfilesError.details`::

    try:
        client.login(username, password)
    except webprofiles.Unauthenticated:
        ...  # wrong username or password (the message is always the same)
    except webprofiles.WebProfilesError as error:
        log.warning("login failed: %s (%s)", error.message, error.code.name)

Errors the client itself detects use the same classes: a daemon that cannot be reached (or that
went away mid-call) raises :class:`Unavailable`, a deadline that passed :class:`DeadlineExceeded`,
an answer that does not decode :class:`ProtocolError` (an :class:`Internal`).
"""
from __future__ import annotations

import enum
from typing import Any, Dict, Mapping, Optional, Type

__all__ = [
    "StatusCode", "WebProfilesError", "Cancelled", "Unknown", "InvalidArgument", "DeadlineExceeded", "NotFound",
    "AlreadyExists", "PermissionDenied", "ResourceExhausted", "FailedPrecondition", "Aborted", "OutOfRange",
    "Unimplemented", "Internal", "Unavailable", "DataLoss", "Unauthenticated", "ProtocolError", "error_for",
]


class StatusCode(enum.IntEnum):
    """The status codes of Protocol/PROTOCOL.md section 5 (gRPC numbering)."""

    OK = 0
    CANCELLED = 1
    UNKNOWN = 2
    INVALID_ARGUMENT = 3
    DEADLINE_EXCEEDED = 4
    NOT_FOUND = 5
    ALREADY_EXISTS = 6
    PERMISSION_DENIED = 7
    RESOURCE_EXHAUSTED = 8
    FAILED_PRECONDITION = 9
    ABORTED = 10
    OUT_OF_RANGE = 11
    UNIMPLEMENTED = 12
    INTERNAL = 13
    UNAVAILABLE = 14
    DATA_LOSS = 15
    UNAUTHENTICATED = 16

    @classmethod
    def of(cls, value: int) -> "StatusCode":
        """The code for a number from the wire; numbers this version does not know are UNKNOWN."""
        try:
            return cls(value)
        except ValueError:
            return cls.UNKNOWN


class WebProfilesError(Exception):
    """A call that did not succeed.

    Attributes:
        code: the status (:class:`StatusCode`).
        message: the server's explanation, meant for people (never shown to end users as is:
            it may name fields).
        details: the server's ``details`` map, empty when it sent none.
        method: the full method name of the call (``webprofiles.v1.Session/Login``), when known.
    """

    #: The status this class stands for (the base class: whatever the instance carries).
    status: StatusCode = StatusCode.UNKNOWN

    def __init__(self, code: int, message: str, details: Optional[Mapping[str, Any]] = None,
                 method: Optional[str] = None) -> None:
        self.code = StatusCode.of(code)
        self.message = message
        self.details: Dict[str, Any] = dict(details or {})
        self.method = method
        super().__init__(code, message, self.details)

    @property
    def field(self) -> Optional[str]:
        """The offending field the server named (``details.field``), if any."""
        value = self.details.get("field")
        return value if isinstance(value, str) else None

    def __str__(self) -> str:
        text = f"{self.code.name}: {self.message}"
        if self.method:
            text += f" ({self.method})"
        return text

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code.name}, message={self.message!r}, details={self.details!r})"

    def __reduce__(self) -> Any:
        # Keeps subclasses and every attribute across pickling (multiprocessing, task queues).
        return (_rebuild, (type(self), int(self.code), self.message, self.details, self.method))


def _rebuild(cls: Type[WebProfilesError], code: int, message: str, details: Dict[str, Any],
             method: Optional[str]) -> WebProfilesError:
    error = cls.__new__(cls)
    WebProfilesError.__init__(error, code, message, details, method)
    return error


class _StatusError(WebProfilesError):
    """Base of the per-status classes: the code is fixed by the class."""

    def __init__(self, message: str, details: Optional[Mapping[str, Any]] = None, method: Optional[str] = None,
                 code: Optional[int] = None) -> None:
        super().__init__(self.status if code is None else code, message, details, method)


class Cancelled(_StatusError):
    """CANCELLED: the call was cancelled (a CANCEL frame)."""
    status = StatusCode.CANCELLED


class Unknown(_StatusError):
    """UNKNOWN: a status this client does not know."""
    status = StatusCode.UNKNOWN


class InvalidArgument(_StatusError):
    """INVALID_ARGUMENT: a field failed validation (see :attr:`field`), or a malformed request."""
    status = StatusCode.INVALID_ARGUMENT


class DeadlineExceeded(_StatusError):
    """DEADLINE_EXCEEDED: the call's deadline passed (on the server, or locally)."""
    status = StatusCode.DEADLINE_EXCEEDED


class NotFound(_StatusError):
    """NOT_FOUND: the registration, company or session addressed does not exist in the caller's scope."""
    status = StatusCode.NOT_FOUND


class AlreadyExists(_StatusError):
    """ALREADY_EXISTS: e.g. the username or the VAT number is taken."""
    status = StatusCode.ALREADY_EXISTS


class PermissionDenied(_StatusError):
    """PERMISSION_DENIED: a valid session without the right, or an operator method on the API socket."""
    status = StatusCode.PERMISSION_DENIED


class ResourceExhausted(_StatusError):
    """RESOURCE_EXHAUSTED: too many calls or bytes in flight, too many password checks, a throttled source."""
    status = StatusCode.RESOURCE_EXHAUSTED


class FailedPrecondition(_StatusError):
    """FAILED_PRECONDITION: an action the current state forbids."""
    status = StatusCode.FAILED_PRECONDITION


class Aborted(_StatusError):
    """ABORTED (not used by webprofiled v1)."""
    status = StatusCode.ABORTED


class OutOfRange(_StatusError):
    """OUT_OF_RANGE (not used by webprofiled v1)."""
    status = StatusCode.OUT_OF_RANGE


class Unimplemented(_StatusError):
    """UNIMPLEMENTED: the daemon does not know the method (an older daemon)."""
    status = StatusCode.UNIMPLEMENTED


class Internal(_StatusError):
    """INTERNAL: an unexpected failure (its cause is in the daemon's log)."""
    status = StatusCode.INTERNAL


class Unavailable(_StatusError):
    """UNAVAILABLE: the daemon cannot be reached, is shutting down, or its database cannot take the
    call now. Safe to retry later; never a sign that the session is bad."""
    status = StatusCode.UNAVAILABLE


class DataLoss(_StatusError):
    """DATA_LOSS: the daemon's database is corrupt."""
    status = StatusCode.DATA_LOSS


class Unauthenticated(_StatusError):
    """UNAUTHENTICATED: missing, unknown, expired or revoked session; a failed login."""
    status = StatusCode.UNAUTHENTICATED

    @property
    def second_factor(self) -> Optional[str]:
        """For a login with the right password: ``"required"`` (no ``otp`` given) or ``"invalid"``
        (a wrong one), from ``details.secondFactor``; None otherwise."""
        value = self.details.get("secondFactor")
        return value if isinstance(value, str) else None


class ProtocolError(Internal):
    """The peer broke the protocol: an undecodable frame or answer (raised by the client)."""


_BY_CODE: Dict[StatusCode, Type[_StatusError]] = {
    cls.status: cls for cls in (
        Cancelled, Unknown, InvalidArgument, DeadlineExceeded, NotFound, AlreadyExists, PermissionDenied,
        ResourceExhausted, FailedPrecondition, Aborted, OutOfRange, Unimplemented, Internal, Unavailable,
        DataLoss, Unauthenticated)
}


def error_for(code: int, message: str, details: Optional[Mapping[str, Any]] = None,
              method: Optional[str] = None) -> WebProfilesError:
    """The exception for a status from the wire: an instance of the class of that status (a number
    this client does not know gives :class:`Unknown`)."""
    status = StatusCode.of(code)
    cls = _BY_CODE.get(status)
    if cls is None:  # OK is not an error; a caller passing it gets the base class.
        return WebProfilesError(status, message, details, method)
    return cls(message, details, method)
