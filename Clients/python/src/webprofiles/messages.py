"""The messages of webprofiles v1: one dataclass per request and response of every method, the shared
shapes (principal, registration, company, …), the enumerations, and :data:`METHODS`, the table of
every method of the protocol.

Attributes are the wire's camelCase keys in snake_case (``sessionToken`` is ``session_token``);
:meth:`Message.to_wire` and :meth:`Message.from_wire` convert to and from the CBOR maps of
Protocol/PROTOCOL.md:

- an optional field that is ``None`` is omitted from the map (never sent as null);
- keys the client does not know are ignored (a newer daemon may add fields);
- enumerations are text on the wire and :class:`OpenEnum` members here; a value this version does
  not know (a newer daemon's) is kept as a member that is not one of the class's
  (``Profile("superUser").known`` is false) rather than failing the whole answer;
- timestamps are CBOR tag 1 (epoch seconds) on the wire and timezone-aware
  :class:`datetime.datetime` here.

Requests accept a plain ``str`` wherever an enumeration is expected (``"users.view"`` as well as
``Permission.USERS_VIEW``).
"""
from __future__ import annotations

import dataclasses
import datetime as _dt
import enum
import typing
from typing import Any, Callable, Dict, Generic, List, Mapping, Optional, Tuple, Type, TypeVar, Union

import cbor2

from .errors import ProtocolError

__all__ = [
    # enumerations
    "OpenEnum", "Profile", "RegistrationStatus", "LineKind", "Permission", "AuditAction", "HealthStatus",
    "RequiredAction",
    # codec
    "Message", "Method", "METHODS", "METHODS_BY_NAME", "Empty",
    # shared shapes
    "Principal", "Membership", "Registration", "Line", "LegalRepresentative", "Company", "SessionInfo", "Account",
    "SecondFactorState", "RecoveryDelivery", "AuditEvent",
    # Health
    "HealthCheckResponse",
    # Session
    "LoginRequest", "LoginResponse", "ActivateRequest", "ActivateResponse", "PrincipalResponse",
    "RequestRecoveryRequest", "RequestRecoveryResponse", "CompleteRecoveryRequest", "WhoamiRequest", "WhoamiResponse",
    "AuthorizeRequest", "AuthorizeResponse", "AuthorizationCheck", "AuthorizeManyRequest", "AuthorizationResult",
    "AuthorizeManyResponse", "ListAuthorizedLinesRequest", "ListAuthorizedLinesResponse", "SelectCompanyRequest", "AcceptInvitationRequest", "AccountResponse",
    "UpdateMyDetailsRequest", "ListSessionsResponse", "RevokeSessionRequest", "SessionsEndedResponse",
    "ChangePasswordRequest", "BeginTOTPEnrollmentResponse", "ConfirmTOTPEnrollmentRequest",
    "ConfirmTOTPEnrollmentResponse", "DisableTOTPRequest",
    # Profiles
    "ListRegistrationsRequest", "ListRegistrationsResponse", "GetRegistrationRequest", "RegistrationResponse",
    "RegisterUserRequest", "RegistrationWithActivation", "ChangeProfileRequest", "RevokeCredentialsRequest",
    "RestoreCredentialsRequest", "CompanyResponse", "GetOwnCompanyRequest", "UpdateRegistrationRequest",
    "ResetCredentialsRequest", "CredentialsResetResponse", "ReissueActivationRequest", "UserSessionsRequest",
    "ListCompanyAuditEventsRequest", "ListAuditEventsResponse",
    # Operator
    "LegalRepresentativeRequest", "CreateCompanyRequest", "CompanyWithActivation", "ChangeLegalRepresentativeRequest",
    "AddLinesRequest", "RemoveLineRequest", "ListCompaniesRequest", "ListCompaniesResponse", "GetCompanyRequest",
    "UnlockRegistrationRequest", "ListAuditEventsRequest", "StatsResponse", "ReloadResponse", "MetricsResponse", "FindCompaniesRequest",
    "FindRegistrationsRequest", "FindRegistrationsResponse", "OperatorListRegistrationsRequest",
    "OperatorRegistrationRequest", "UpdateLegalRepresentativeRequest", "SetReferentTypesRequest",
    "OperatorResetCredentialsRequest", "OperatorReissueActivationRequest", "ResetSecondFactorRequest",
    "OperatorEndUserSessionsRequest",
]

M = TypeVar("M", bound="Message")
Req = TypeVar("Req", bound="Message")
Resp = TypeVar("Resp", bound="Message")


# MARK: enumerations

class OpenEnum(str, enum.Enum):
    """A text enumeration that keeps the values it does not know.

    Members compare equal to their wire text (``Profile.USER == "user"``) and print as it. A value
    from the wire that is not a member gives a stand-in instance of the class whose
    :attr:`known` is false, so that an answer of a newer daemon still decodes::

        Profile("superUser").known   # False
        Profile("user").known        # True, and it is Profile.USER
    """

    @classmethod
    def _missing_(cls, value: object) -> Optional["OpenEnum"]:
        if not isinstance(value, str):
            return None
        member = str.__new__(cls, value)
        member._name_ = value
        member._value_ = value
        return member

    @property
    def known(self) -> bool:
        """Whether the value is one this version of the client knows."""
        return type(self).__members__.get(self._name_) is self

    def __str__(self) -> str:
        return str(self._value_)

    def __format__(self, spec: str) -> str:
        return format(str(self._value_), spec)


class Profile(OpenEnum):
    """The five profiles, most to least powerful."""

    LEGAL_REPRESENTATIVE = "legalRepresentative"  # Rappresentante Legale
    ADMIN_FULL = "adminFull"                      # Amministratore Full
    ADMIN_LIGHT = "adminLight"                    # Amministratore Light
    DEVICE_USER = "deviceUser"                    # Utilizzatore dispositivo
    USER = "user"                                 # Utilizzatore


class RegistrationStatus(OpenEnum):
    PENDING_ACTIVATION = "pendingActivation"
    ACTIVE = "active"
    REVOKED = "revoked"


class LineKind(OpenEnum):
    MOBILE = "mobile"
    FIXED = "fixed"


class Permission(OpenEnum):
    """What ``Session/Authorize`` checks. The ``line.*`` permissions need a ``line``."""

    COMPANY_VIEW = "company.view"
    INVOICES_VIEW = "invoices.view"
    USERS_VIEW = "users.view"
    USERS_MANAGE = "users.manage"
    USERS_MANAGE_ADMINS = "users.manageAdmins"
    AUDIT_VIEW = "audit.view"
    LINES_VIEW = "lines.view"
    LINE_SERVICES = "line.services"
    LINE_MANAGE = "line.manage"
    LINE_PREMIUM_SERVICES = "line.premiumServices"
    LINE_EXCLUSIVE_OFFERS = "line.exclusiveOffers"

    @property
    def needs_line(self) -> bool:
        """Whether the permission is checked against a line (``line=`` is then required)."""
        return str(self._value_).startswith("line.")


class AuditAction(OpenEnum):
    """The ``action`` of an audit event."""

    REGISTERED = "registered"
    ACTIVATED = "activated"
    INVITATION_ACCEPTED = "invitationAccepted"
    PROFILE_CHANGED = "profileChanged"
    DETAILS_CHANGED = "detailsChanged"
    REVOKED = "revoked"
    RESTORED = "restored"
    LOCKED = "locked"
    UNLOCKED = "unlocked"
    LOGIN = "login"
    LOGIN_FAILED = "loginFailed"
    LOGOUT = "logout"
    SESSION_REVOKED = "sessionRevoked"
    PASSWORD_CHANGED = "passwordChanged"
    RECOVERY_REQUESTED = "recoveryRequested"
    CREDENTIALS_RESET = "credentialsReset"
    ACTIVATION_REISSUED = "activationReissued"
    SECOND_FACTOR_ENROLLED = "secondFactorEnrolled"
    SECOND_FACTOR_DISABLED = "secondFactorDisabled"
    SECOND_FACTOR_RESET = "secondFactorReset"
    COMPANY_CREATED = "companyCreated"
    LEGAL_REPRESENTATIVE_CHANGED = "legalRepresentativeChanged"
    LEGAL_REPRESENTATIVE_UPDATED = "legalRepresentativeUpdated"
    LINES_CHANGED = "linesChanged"
    REFERENT_TYPES_CHANGED = "referentTypesChanged"
    AUDIT_PURGED = "auditPurged"


class HealthStatus(OpenEnum):
    SERVING = "serving"
    NOT_SERVING = "notServing"
    DRAINING = "draining"


class RequiredAction(OpenEnum):
    """What a person must do before anything else (``requiredAction`` of Login and Whoami)."""

    ENROLL_SECOND_FACTOR = "enrollSecondFactor"


# MARK: the codec

class _WireError(Exception):
    """A value of the wrong shape, with the path to it (``principal.permissions[2]``)."""

    def __init__(self, path: str, problem: str) -> None:
        super().__init__(path, problem)
        self.path, self.problem = path, problem

    def under(self, outer: str) -> "_WireError":
        return _WireError(outer + ("" if self.path.startswith("[") or not self.path else ".") + self.path, self.problem)


Encoder = Callable[[Any], Any]
Decoder = Callable[[Any], Any]


def _camel(snake: str) -> str:
    head, *rest = snake.split("_")
    return head + "".join(part.title() for part in rest)


def _look_through(value: Any) -> Any:
    # PROTOCOL.md section 3: tags other than 1 are looked through.
    while isinstance(value, cbor2.CBORTag) and value.tag != 1:
        value = value.value
    return value


def _expect(kind: type, name: str) -> Decoder:
    def decode(value: Any) -> Any:
        if type(value) is kind:  # the common case: no tag, the exact type (bool is not int here)
            return value
        value = _look_through(value)
        if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
            raise _WireError("", f"expected {name}, got {type(value).__name__}")
        return value
    return decode


def _check(kind: Union[type, Tuple[type, ...]], name: str) -> Encoder:
    def encode(value: Any) -> Any:
        if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
            raise TypeError(f"expected {name}, got {type(value).__name__}")
        return value
    return encode


def _decode_float(value: Any) -> float:
    if type(value) is float:
        return value
    value = _look_through(value)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _WireError("", f"expected a number, got {type(value).__name__}")
    return float(value)


def _encode_time(value: Any) -> cbor2.CBORTag:
    if not isinstance(value, _dt.datetime):
        raise TypeError(f"expected a datetime, got {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("a naive datetime is ambiguous: give it a timezone (datetime.timezone.utc)")
    delta = value - _EPOCH
    if delta.microseconds == 0:
        return cbor2.CBORTag(1, delta.days * 86400 + delta.seconds)
    return cbor2.CBORTag(1, delta.total_seconds())


_EPOCH = _dt.datetime(1970, 1, 1, tzinfo=_dt.timezone.utc)


def _decode_time(value: Any) -> _dt.datetime:
    # cbor2 turns tag 1 into an aware datetime already; a bare CBORTag(1, n) is seen if a decoder
    # is configured without semantic tags.
    if isinstance(value, _dt.datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=_dt.timezone.utc)
    if isinstance(value, cbor2.CBORTag) and value.tag == 1 and isinstance(value.value, (int, float)) \
            and not isinstance(value.value, bool):
        return _EPOCH + _dt.timedelta(seconds=value.value)
    raise _WireError("", f"expected a timestamp (tag 1), got {type(value).__name__}")


def _enum_codec(cls: Type[OpenEnum]) -> Tuple[Encoder, Decoder]:
    def encode(value: Any) -> str:
        if isinstance(value, enum.Enum):
            if not isinstance(value, cls):
                raise TypeError(f"expected a {cls.__name__}, got {type(value).__name__}.{value.name}")
            return str(value.value)
        if not isinstance(value, str):
            raise TypeError(f"expected a {cls.__name__} or str, got {type(value).__name__}")
        return str(value)

    members = cls._value2member_map_

    def decode(value: Any) -> OpenEnum:
        member = members.get(value) if type(value) is str else None
        if member is not None:  # a known value: no call through EnumMeta
            return member  # type: ignore[return-value]
        value = _look_through(value)
        if not isinstance(value, str):
            raise _WireError("", f"expected text ({cls.__name__}), got {type(value).__name__}")
        return cls(value)
    return encode, decode


def _list_codec(item: Tuple[Encoder, Decoder]) -> Tuple[Encoder, Decoder]:
    encode_item, decode_item = item

    def encode(value: Any) -> List[Any]:
        if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, typing.Iterable):
            raise TypeError(f"expected a list, got {type(value).__name__}")
        return [encode_item(v) for v in value]

    def decode(value: Any) -> List[Any]:
        if type(value) is not list:
            value = _look_through(value)
            if not isinstance(value, list):
                raise _WireError("", f"expected an array, got {type(value).__name__}")
        try:
            return [decode_item(v) for v in value]
        except _WireError:
            for index, v in enumerate(value):  # again, to name the item
                try:
                    decode_item(v)
                except _WireError as error:
                    raise error.under(f"[{index}]") from None
            raise
    return encode, decode


def _text_map_codec() -> Tuple[Encoder, Decoder]:
    def encode(value: Any) -> Dict[str, str]:
        if not isinstance(value, Mapping) or not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
            raise TypeError("expected a mapping of str to str")
        return dict(value)

    def decode(value: Any) -> Dict[str, str]:
        value = _look_through(value)
        if not isinstance(value, dict):
            raise _WireError("", f"expected a map, got {type(value).__name__}")
        out = {}
        for k, v in value.items():
            v = _look_through(v)
            if not isinstance(k, str) or not isinstance(v, str):
                raise _WireError(str(k), "expected text keys and text values")
            out[k] = v
        return out
    return encode, decode


def _message_codec(cls: Type["Message"]) -> Tuple[Encoder, Decoder]:
    def encode(value: Any) -> Dict[str, Any]:
        if not isinstance(value, cls):
            raise TypeError(f"expected a {cls.__name__}, got {type(value).__name__}")
        return value.to_wire()

    def decode(value: Any) -> "Message":
        return cls._decode(value if type(value) is dict else _look_through(value))
    return encode, decode


def _codec_for(annotation: Any) -> Tuple[Encoder, Decoder]:
    """The encoder and decoder of one annotation of a message field."""
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is Union:
        options = [a for a in args if a is not type(None)]
        enums = [a for a in options if isinstance(a, type) and issubclass(a, OpenEnum)]
        if len(options) == 1:
            return _codec_for(options[0])
        if len(enums) == 1 and set(options) == {enums[0], str}:
            return _enum_codec(enums[0])  # Union[Profile, str]: a request field taking either
        raise TypeError(f"unsupported union {annotation!r}")
    if origin in (list, List):
        return _list_codec(_codec_for(args[0]))
    if origin in (dict, Dict):
        if args != (str, str):
            raise TypeError(f"unsupported map {annotation!r}")
        return _text_map_codec()
    if annotation is str:
        return _check(str, "str"), _expect(str, "text")
    if annotation is bool:
        return _check(bool, "bool"), _expect(bool, "a boolean")
    if annotation is int:
        return _check(int, "int"), _expect(int, "an integer")
    if annotation is float:
        return _check((int, float), "a number"), _decode_float
    if annotation is _dt.datetime:
        return _encode_time, _decode_time
    if isinstance(annotation, type) and issubclass(annotation, OpenEnum):
        return _enum_codec(annotation)
    if isinstance(annotation, type) and issubclass(annotation, Message):
        return _message_codec(annotation)
    raise TypeError(f"unsupported field type {annotation!r}")


@dataclasses.dataclass(frozen=True)
class FieldInfo:
    """One field of a message: its attribute, wire key, whether it is required, and its type."""

    attribute: str
    key: str
    required: bool
    annotation: Any
    encode: Encoder = dataclasses.field(repr=False, compare=False)
    decode: Decoder = dataclasses.field(repr=False, compare=False)


_PLANS: Dict[type, Tuple[FieldInfo, ...]] = {}


def _plan(cls: type) -> Tuple[FieldInfo, ...]:
    plan = _PLANS.get(cls)
    if plan is None:
        hints = typing.get_type_hints(cls)
        infos = []
        for f in dataclasses.fields(cls):
            required = f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
            encode, decode = _codec_for(hints[f.name])
            infos.append(FieldInfo(f.name, f.metadata.get("wire", _camel(f.name)), required, hints[f.name], encode, decode))
        plan = _PLANS[cls] = tuple(infos)
    return plan


class Message:
    """Base of every message dataclass: conversion to and from the wire's CBOR maps."""

    __slots__ = ()

    @classmethod
    def wire_fields(cls) -> Tuple[FieldInfo, ...]:
        """The fields with their wire keys, in declaration order."""
        return _plan(cls)

    def to_wire(self) -> Dict[str, Any]:
        """The map sent on the wire (absent optional fields omitted).

        Raises:
            TypeError, ValueError: a field holds a value of the wrong type, or a required one is None.
        """
        out: Dict[str, Any] = {}
        for f in _plan(type(self)):
            value = getattr(self, f.attribute)
            if value is None:
                if f.required:
                    raise ValueError(f"{type(self).__name__}.{f.attribute} is required")
                continue
            try:
                out[f.key] = f.encode(value)
            except (TypeError, ValueError) as error:
                raise type(error)(f"{type(self).__name__}.{f.attribute}: {error}") from None
        return out

    @classmethod
    def from_wire(cls: Type[M], data: Any) -> M:
        """The message a decoded CBOR map holds; unknown keys are ignored.

        Raises:
            ProtocolError: a required key is missing or a value has the wrong type.
        """
        try:
            return cls._decode(data)
        except _WireError as error:
            where = f" at {error.path}" if error.path else ""
            raise ProtocolError(f"undecodable {cls.__name__}{where}: {error.problem}") from None

    @classmethod
    def _decode(cls: Type[M], data: Any) -> M:
        if not isinstance(data, dict):
            raise _WireError("", f"expected a map ({cls.__name__}), got {type(data).__name__}")
        values: Dict[str, Any] = {}
        for f in _plan(cls):
            value = data.get(f.key)
            if value is None:  # absent (or null, which senders never write)
                if f.required:
                    raise _WireError(f.key, "missing")
                continue
            try:
                values[f.attribute] = f.decode(value)
            except _WireError as error:
                raise error.under(f.key) from None
        return cls(**values)


# MARK: shared shapes (PROTOCOL.md 7.2)

@dataclasses.dataclass
class Empty(Message):
    """A request or answer without fields (``{}``)."""


@dataclasses.dataclass
class Principal(Message):
    """Who a session acts as in one company, and what they may do there."""

    registration_id: str
    company_id: str
    company_name: str
    username: str
    display_name: str
    profile: Profile
    #: Every permission of the profile (line permissions are then checked per line).
    permissions: List[Permission]
    referent: Optional[str] = None
    line: Optional[str] = None


@dataclasses.dataclass
class Membership(Message):
    """One company a person is active in, with their profile there."""

    registration_id: str
    company_id: str
    company_name: str
    profile: Profile


@dataclasses.dataclass
class Registration(Message):
    """A person's access to one company's customer area."""

    registration_id: str
    company_id: str
    username: str
    display_name: str
    email: str
    profile: Profile
    status: RegistrationStatus
    #: Whether failed logins locked it (until the lockout ends or the desk unlocks it).
    locked: bool
    created_at: _dt.datetime
    updated_at: _dt.datetime
    referent: Optional[str] = None
    line: Optional[str] = None
    last_login_at: Optional[_dt.datetime] = None


@dataclasses.dataclass
class Line(Message):
    """A company line: ``msisdn`` in E.164 form (``+39…``)."""

    msisdn: str
    kind: LineKind


@dataclasses.dataclass
class LegalRepresentative(Message):
    full_name: str
    fiscal_code: str
    email: str
    registration_id: str


@dataclasses.dataclass
class Company(Message):
    company_id: str
    name: str
    vat_number: str
    legal_representative: LegalRepresentative
    lines: List[Line]
    #: The referent types the contract names; None when any referent is accepted.
    referent_types: Optional[List[str]] = None


@dataclasses.dataclass
class SessionInfo(Message):
    """One live session (``session`` on the wire)."""

    session_id: str
    created_at: _dt.datetime
    last_seen_at: _dt.datetime
    expires_at: _dt.datetime
    idle_expires_at: _dt.datetime
    #: Whether this is the session making the call.
    current: bool
    client_address: Optional[str] = None
    user_agent: Optional[str] = None
    selected_company_id: Optional[str] = None


@dataclasses.dataclass
class SecondFactorState(Message):
    enabled: bool
    required: bool
    recovery_codes_left: int


@dataclasses.dataclass
class Account(Message):
    """A person's own account, whatever the companies."""

    account_id: str
    username: str
    display_name: str
    email: str
    memberships: List[Membership]
    second_factor: SecondFactorState


@dataclasses.dataclass
class RecoveryDelivery(Message):
    """What the portal must deliver to the person (to ``email``; never shown to a manager or the desk)."""

    registration_id: str
    email: str
    display_name: str
    recovery_code: str = dataclasses.field(repr=False)
    expires_at: _dt.datetime


@dataclasses.dataclass
class AuditEvent(Message):
    event_id: int
    at: _dt.datetime
    action: AuditAction
    #: ``registration:<id>``, ``account:<id>``, ``operator:uid=<uid>``, ``system`` or ``anonymous``.
    actor: str
    agent: Optional[str] = None
    ticket: Optional[str] = None
    company_id: Optional[str] = None
    target_registration_id: Optional[str] = None
    target_account_id: Optional[str] = None
    before: Optional[Dict[str, str]] = None
    after: Optional[Dict[str, str]] = None


# MARK: Health

@dataclasses.dataclass
class HealthCheckResponse(Message):
    status: HealthStatus
    version: str
    uptime_seconds: float
    #: ``ok``, ``unavailable: <reason>`` or ``data loss: <reason>``; absent from older daemons.
    storage: Optional[str] = None


# MARK: Session

@dataclasses.dataclass
class LoginRequest(Message):
    username: str
    password: str = dataclasses.field(repr=False)
    otp: Optional[str] = dataclasses.field(repr=False, default=None)
    company_id: Optional[str] = None


@dataclasses.dataclass
class LoginResponse(Message):
    #: ``wps_`` + 43 base64url characters: pass it as ``token=`` to later calls.
    session_token: str = dataclasses.field(repr=False)
    session_id: str
    expires_at: _dt.datetime
    idle_expires_at: _dt.datetime
    #: Every company the person is active in.
    memberships: List[Membership]
    #: Present when the session acts for one company (the one named, or the only one).
    principal: Optional[Principal] = None
    required_action: Optional[RequiredAction] = None


@dataclasses.dataclass
class ActivateRequest(Message):
    activation_code: str = dataclasses.field(repr=False)
    password: str = dataclasses.field(repr=False)


@dataclasses.dataclass
class ActivateResponse(Message):
    principal: Principal


@dataclasses.dataclass
class PrincipalResponse(Message):
    """A principal alone (``SelectCompany``, ``AcceptInvitation``)."""

    principal: Principal


@dataclasses.dataclass
class RequestRecoveryRequest(Message):
    username: str


@dataclasses.dataclass
class RequestRecoveryResponse(Message):
    #: What the portal must deliver, for an active account; None otherwise.
    delivery: Optional[RecoveryDelivery] = None


@dataclasses.dataclass
class CompleteRecoveryRequest(Message):
    recovery_code: str = dataclasses.field(repr=False)
    new_password: str = dataclasses.field(repr=False)


@dataclasses.dataclass
class WhoamiRequest(Message):
    company_id: Optional[str] = None


@dataclasses.dataclass
class WhoamiResponse(Message):
    principal: Principal
    session: SessionInfo
    memberships: Optional[List[Membership]] = None
    required_action: Optional[RequiredAction] = None


@dataclasses.dataclass
class AuthorizeRequest(Message):
    permission: Union[Permission, str]
    #: Required for the ``line.*`` permissions, refused for the others.
    line: Optional[str] = None
    company_id: Optional[str] = None


@dataclasses.dataclass
class AuthorizeResponse(Message):
    allowed: bool
    reason: str
    principal: Principal


@dataclasses.dataclass
class AuthorizationCheck(Message):
    """One check of ``Session/AuthorizeMany``."""

    permission: Union[Permission, str]
    #: Required for the ``line.*`` permissions, refused for the others.
    line: Optional[str] = None


@dataclasses.dataclass
class AuthorizeManyRequest(Message):
    #: At most 1000 checks, answered in the same order.
    checks: List[AuthorizationCheck]
    company_id: Optional[str] = None


@dataclasses.dataclass
class AuthorizationResult(Message):
    """The decision of one check."""

    allowed: bool
    reason: str


@dataclasses.dataclass
class AuthorizeManyResponse(Message):
    #: One per check, in the order of the request's ``checks``.
    results: List[AuthorizationResult]
    principal: Principal


@dataclasses.dataclass
class ListAuthorizedLinesRequest(Message):
    """The company lines a ``line.*`` permission reaches for the caller, in MSISDN order."""

    permission: Union[Permission, str]
    page_size: Optional[int] = None
    page_token: Optional[str] = None
    company_id: Optional[str] = None


@dataclasses.dataclass
class ListAuthorizedLinesResponse(Message):
    lines: List[Line]
    next_page_token: Optional[str] = None


@dataclasses.dataclass
class SelectCompanyRequest(Message):
    company_id: str


@dataclasses.dataclass
class AcceptInvitationRequest(Message):
    invitation_code: str = dataclasses.field(repr=False)


@dataclasses.dataclass
class AccountResponse(Message):
    account: Account


@dataclasses.dataclass
class UpdateMyDetailsRequest(Message):
    display_name: Optional[str] = None
    email: Optional[str] = None
    #: Required to change the email (where recovery codes go).
    current_password: Optional[str] = dataclasses.field(repr=False, default=None)


@dataclasses.dataclass
class ListSessionsResponse(Message):
    sessions: List[SessionInfo]


@dataclasses.dataclass
class RevokeSessionRequest(Message):
    session_id: str


@dataclasses.dataclass
class SessionsEndedResponse(Message):
    sessions_ended: int


@dataclasses.dataclass
class ChangePasswordRequest(Message):
    current_password: str = dataclasses.field(repr=False)
    new_password: str = dataclasses.field(repr=False)


@dataclasses.dataclass
class BeginTOTPEnrollmentResponse(Message):
    #: The shared secret, base32 without padding.
    secret: str = dataclasses.field(repr=False)
    #: ``otpauth://totp/…``, for a QR code.
    otpauth_uri: str = dataclasses.field(repr=False, metadata={"wire": "otpauthURI"})


@dataclasses.dataclass
class ConfirmTOTPEnrollmentRequest(Message):
    code: str = dataclasses.field(repr=False)


@dataclasses.dataclass
class ConfirmTOTPEnrollmentResponse(Message):
    #: Ten single-use codes (shown once).
    recovery_codes: List[str] = dataclasses.field(repr=False)


@dataclasses.dataclass
class DisableTOTPRequest(Message):
    password: str = dataclasses.field(repr=False)


# MARK: Profiles

@dataclasses.dataclass
class ListRegistrationsRequest(Message):
    profile: Optional[Union[Profile, str]] = None
    status: Optional[Union[RegistrationStatus, str]] = None
    #: A substring of username, display name or email (case and accents folded).
    query: Optional[str] = None
    #: 1–500, default 50.
    page_size: Optional[int] = None
    page_token: Optional[str] = None
    company_id: Optional[str] = None


@dataclasses.dataclass
class ListRegistrationsResponse(Message):
    registrations: List[Registration]
    #: The next page's token; None when the listing is complete.
    next_page_token: Optional[str] = None


@dataclasses.dataclass
class GetRegistrationRequest(Message):
    registration_id: str
    company_id: Optional[str] = None


@dataclasses.dataclass
class RegistrationResponse(Message):
    registration: Registration


@dataclasses.dataclass
class RegisterUserRequest(Message):
    username: str
    display_name: str
    email: str
    profile: Union[Profile, str]
    line: Optional[str] = None
    referent: Optional[str] = None
    company_id: Optional[str] = None


@dataclasses.dataclass
class RegistrationWithActivation(Message):
    """A registration with its new single-use activation code (shown once)."""

    registration: Registration
    activation_code: str = dataclasses.field(repr=False)
    activation_expires_at: _dt.datetime


@dataclasses.dataclass
class ChangeProfileRequest(Message):
    registration_id: str
    profile: Union[Profile, str]
    line: Optional[str] = None
    referent: Optional[str] = None
    company_id: Optional[str] = None


@dataclasses.dataclass
class RevokeCredentialsRequest(Message):
    registration_id: str
    reason: Optional[str] = None
    company_id: Optional[str] = None


@dataclasses.dataclass
class RestoreCredentialsRequest(Message):
    registration_id: str
    company_id: Optional[str] = None


@dataclasses.dataclass
class CompanyResponse(Message):
    company: Company


@dataclasses.dataclass
class GetOwnCompanyRequest(Message):
    company_id: Optional[str] = None


@dataclasses.dataclass
class UpdateRegistrationRequest(Message):
    registration_id: str
    display_name: Optional[str] = None
    email: Optional[str] = None
    company_id: Optional[str] = None


@dataclasses.dataclass
class ResetCredentialsRequest(Message):
    registration_id: str
    company_id: Optional[str] = None


@dataclasses.dataclass
class CredentialsResetResponse(Message):
    registration: Registration
    delivery: RecoveryDelivery
    sessions_ended: int


@dataclasses.dataclass
class ReissueActivationRequest(Message):
    registration_id: str
    company_id: Optional[str] = None


@dataclasses.dataclass
class UserSessionsRequest(Message):
    registration_id: str
    company_id: Optional[str] = None


@dataclasses.dataclass
class ListCompanyAuditEventsRequest(Message):
    registration_id: Optional[str] = None
    action: Optional[Union[AuditAction, str]] = None
    #: From this time on (inclusive).
    since: Optional[_dt.datetime] = None
    #: Before this time (exclusive).
    until: Optional[_dt.datetime] = None
    page_size: Optional[int] = None
    page_token: Optional[str] = None
    company_id: Optional[str] = None


@dataclasses.dataclass
class ListAuditEventsResponse(Message):
    events: List[AuditEvent]
    next_page_token: Optional[str] = None


# MARK: Operator

@dataclasses.dataclass
class LegalRepresentativeRequest(Message):
    """The legal representative of a new company, or a replacement."""

    full_name: str
    fiscal_code: str
    email: str
    #: The username of the legal representative's registration.
    username: str


@dataclasses.dataclass
class CreateCompanyRequest(Message):
    name: str
    vat_number: str
    legal_representative: LegalRepresentativeRequest


@dataclasses.dataclass
class CompanyWithActivation(Message):
    company: Company
    registration: Registration
    activation_code: str = dataclasses.field(repr=False)
    activation_expires_at: _dt.datetime


@dataclasses.dataclass
class ChangeLegalRepresentativeRequest(Message):
    company_id: str
    legal_representative: LegalRepresentativeRequest
    reason: str


@dataclasses.dataclass
class AddLinesRequest(Message):
    company_id: str
    lines: List[Line]


@dataclasses.dataclass
class RemoveLineRequest(Message):
    company_id: str
    msisdn: str


@dataclasses.dataclass
class ListCompaniesRequest(Message):
    page_size: Optional[int] = None
    page_token: Optional[str] = None


@dataclasses.dataclass
class ListCompaniesResponse(Message):
    companies: List[Company]
    next_page_token: Optional[str] = None


@dataclasses.dataclass
class GetCompanyRequest(Message):
    company_id: str


@dataclasses.dataclass
class UnlockRegistrationRequest(Message):
    registration_id: str


@dataclasses.dataclass
class ListAuditEventsRequest(Message):
    company_id: Optional[str] = None
    registration_id: Optional[str] = None
    action: Optional[Union[AuditAction, str]] = None
    since: Optional[_dt.datetime] = None
    until: Optional[_dt.datetime] = None
    page_size: Optional[int] = None
    page_token: Optional[str] = None


@dataclasses.dataclass
class StatsResponse(Message):
    companies: int
    registrations: int
    active_registrations: int
    live_sessions: int
    #: Sessions held in the daemon's memory.
    cached_sessions: int
    connections: int
    uptime_seconds: float
    version: str


@dataclasses.dataclass
class ReloadResponse(Message):
    #: Settings that changed in the file but only take effect after a restart.
    restart_required: List[str]


@dataclasses.dataclass
class MetricsResponse(Message):
    #: Every metric, in the Prometheus text exposition format.
    text: str
    #: The media type of ``text`` (``text/plain; version=0.0.4``).
    content_type: str


@dataclasses.dataclass
class FindCompaniesRequest(Message):
    """By VAT number (exact) or by name (a substring): exactly one of the two."""

    vat_number: Optional[str] = None
    name: Optional[str] = None
    page_size: Optional[int] = None
    page_token: Optional[str] = None


@dataclasses.dataclass
class FindRegistrationsRequest(Message):
    """By username, email or fiscal code: exactly one of the three."""

    username: Optional[str] = None
    email: Optional[str] = None
    fiscal_code: Optional[str] = None


@dataclasses.dataclass
class FindRegistrationsResponse(Message):
    registrations: List[Registration]


@dataclasses.dataclass
class OperatorListRegistrationsRequest(Message):
    company_id: str
    profile: Optional[Union[Profile, str]] = None
    status: Optional[Union[RegistrationStatus, str]] = None
    query: Optional[str] = None
    page_size: Optional[int] = None
    page_token: Optional[str] = None


@dataclasses.dataclass
class OperatorRegistrationRequest(Message):
    registration_id: str


@dataclasses.dataclass
class UpdateLegalRepresentativeRequest(Message):
    company_id: str
    reason: str
    full_name: Optional[str] = None
    email: Optional[str] = None
    fiscal_code: Optional[str] = None


@dataclasses.dataclass
class SetReferentTypesRequest(Message):
    company_id: str
    #: At most 50, distinct; empty to accept any referent again.
    referent_types: List[str]


@dataclasses.dataclass
class OperatorResetCredentialsRequest(Message):
    registration_id: str
    reason: str


@dataclasses.dataclass
class OperatorReissueActivationRequest(Message):
    registration_id: str
    reason: Optional[str] = None


@dataclasses.dataclass
class ResetSecondFactorRequest(Message):
    registration_id: str
    reason: str


@dataclasses.dataclass
class OperatorEndUserSessionsRequest(Message):
    registration_id: str
    reason: str


# MARK: methods

@dataclasses.dataclass(frozen=True)
class Method(Generic[Req, Resp]):
    """One method of the protocol: its name, message types, and where it may be called."""

    service: str
    name: str
    request: Type[Req]
    response: Type[Resp]
    #: The snake_case name of the client method calling it.
    python_name: str
    #: Whether the call needs a session token (``authorization: Bearer …``).
    requires_session: bool
    #: ``"api"``, ``"operator"`` or ``"both"``: the socket(s) serving it.
    plane: str
    doc: str

    @property
    def full_name(self) -> str:
        """``webprofiles.v1.<Service>/<Method>``, as sent in a REQUEST."""
        return f"webprofiles.v1.{self.service}/{self.name}"

    @property
    def rule_name(self) -> str:
        """``<Service>.<Method>``: the prefix of the method's rules in Protocol/webprofiles.cddl."""
        return f"{self.service}.{self.name}"


def _m(service: str, name: str, request: type, response: type, python_name: str, doc: str,
       session: bool = False) -> Method[Any, Any]:
    plane = {"Health": "both", "Operator": "operator"}.get(service, "api")
    return Method(service, name, request, response, python_name, session, plane, doc)


#: Every method of webprofiles v1 (the same list as Sources/WebProfilesAPI/APICatalog.swift).
METHODS: Tuple[Method[Any, Any], ...] = (
    _m("Health", "Check", Empty, HealthCheckResponse, "health_check",
       "Liveness of the daemon and of its database (both sockets)."),
    # Session
    _m("Session", "Login", LoginRequest, LoginResponse, "login",
       "Checks a password (and a second factor) and starts a session."),
    _m("Session", "Activate", ActivateRequest, ActivateResponse, "activate",
       "Sets a new person's password with their single-use activation code."),
    _m("Session", "RequestRecovery", RequestRecoveryRequest, RequestRecoveryResponse, "request_recovery",
       "Issues a recovery code for the portal to deliver (same answer shape whether or not the username exists)."),
    _m("Session", "CompleteRecovery", CompleteRecoveryRequest, Empty, "complete_recovery",
       "Sets a new password with a recovery code; every session of the person ends."),
    _m("Session", "Whoami", WhoamiRequest, WhoamiResponse, "whoami",
       "The session's principal, the session itself and the person's memberships.", True),
    _m("Session", "Authorize", AuthorizeRequest, AuthorizeResponse, "authorize",
       "Whether the session may do `permission` (on `line` for the line permissions).", True),
    _m("Session", "AuthorizeMany", AuthorizeManyRequest, AuthorizeManyResponse, "authorize_many",
       "Several Authorize checks of one session in one call (a page's actions on many lines).", True),
    _m("Session", "ListAuthorizedLines", ListAuthorizedLinesRequest, ListAuthorizedLinesResponse,
       "list_authorized_lines", "One page of the company lines a `line.*` permission reaches for the caller.", True),
    _m("Session", "SelectCompany", SelectCompanyRequest, PrincipalResponse, "select_company",
       "Chooses the company the session acts for when a call names none.", True),
    _m("Session", "AcceptInvitation", AcceptInvitationRequest, PrincipalResponse, "accept_invitation",
       "Joins the company whose invitation code this is.", True),
    _m("Session", "GetAccount", Empty, AccountResponse, "get_account",
       "The person's own account.", True),
    _m("Session", "UpdateMyDetails", UpdateMyDetailsRequest, AccountResponse, "update_my_details",
       "Changes the person's own display name or email (an email change needs `current_password`).", True),
    _m("Session", "Logout", Empty, Empty, "logout", "Ends the session.", True),
    _m("Session", "ListSessions", Empty, ListSessionsResponse, "list_sessions",
       "Every live session of the person.", True),
    _m("Session", "RevokeSession", RevokeSessionRequest, Empty, "revoke_session",
       "Ends one of the person's sessions.", True),
    _m("Session", "RevokeOtherSessions", Empty, SessionsEndedResponse, "revoke_other_sessions",
       "Ends every session of the person but this one.", True),
    _m("Session", "ChangePassword", ChangePasswordRequest, Empty, "change_password",
       "Changes the person's password; their other sessions end.", True),
    _m("Session", "BeginTOTPEnrollment", Empty, BeginTOTPEnrollmentResponse, "begin_totp_enrollment",
       "Starts enrolling a TOTP second factor: the secret and its otpauth URI.", True),
    _m("Session", "ConfirmTOTPEnrollment", ConfirmTOTPEnrollmentRequest, ConfirmTOTPEnrollmentResponse,
       "confirm_totp_enrollment", "Turns the second factor on with the authenticator's current code.", True),
    _m("Session", "DisableTOTP", DisableTOTPRequest, Empty, "disable_totp",
       "Turns the second factor off (needs the password).", True),
    # Profiles
    _m("Profiles", "ListRegistrations", ListRegistrationsRequest, ListRegistrationsResponse, "list_registrations",
       "One page of the company's registrations, ordered by username (users.view).", True),
    _m("Profiles", "GetRegistration", GetRegistrationRequest, RegistrationResponse, "get_registration",
       "One registration of the company (users.view).", True),
    _m("Profiles", "RegisterUser", RegisterUserRequest, RegistrationWithActivation, "register_user",
       "Registers a person in the company; the answer carries their activation code (users.manage).", True),
    _m("Profiles", "ChangeProfile", ChangeProfileRequest, RegistrationResponse, "change_profile",
       "Changes a registration's profile, line or referent (users.manage).", True),
    _m("Profiles", "RevokeCredentials", RevokeCredentialsRequest, RegistrationResponse, "revoke_credentials",
       "Revokes a registration; its sessions stop acting for the company (users.manage).", True),
    _m("Profiles", "RestoreCredentials", RestoreCredentialsRequest, RegistrationWithActivation, "restore_credentials",
       "Restores a revoked registration with a new activation code (users.manage).", True),
    _m("Profiles", "GetCompany", GetOwnCompanyRequest, CompanyResponse, "get_company",
       "The caller's company (company.view).", True),
    _m("Profiles", "UpdateRegistration", UpdateRegistrationRequest, RegistrationResponse, "update_registration",
       "Changes a registration's display name or email (users.manage).", True),
    _m("Profiles", "ResetCredentials", ResetCredentialsRequest, CredentialsResetResponse, "reset_credentials",
       "Resets a person's password; the answer carries the recovery delivery (users.manage).", True),
    _m("Profiles", "ReissueActivation", ReissueActivationRequest, RegistrationWithActivation, "reissue_activation",
       "A new activation code for a pending registration (users.manage).", True),
    _m("Profiles", "ListUserSessions", UserSessionsRequest, ListSessionsResponse, "list_user_sessions",
       "A registration's sessions acting for this company (users.manage).", True),
    _m("Profiles", "EndUserSessions", UserSessionsRequest, SessionsEndedResponse, "end_user_sessions",
       "Ends a registration's sessions (users.manage).", True),
    _m("Profiles", "ListAuditEvents", ListCompanyAuditEventsRequest, ListAuditEventsResponse, "list_audit_events",
       "One page of the company's audit trail, oldest first (audit.view).", True),
    # Operator
    _m("Operator", "CreateCompany", CreateCompanyRequest, CompanyWithActivation, "create_company",
       "Creates a company with its legal representative's registration."),
    _m("Operator", "ChangeLegalRepresentative", ChangeLegalRepresentativeRequest, CompanyWithActivation,
       "change_legal_representative", "Replaces a company's legal representative (the previous one is revoked)."),
    _m("Operator", "AddLines", AddLinesRequest, CompanyResponse, "add_lines", "Adds lines (1–1000) to a company."),
    _m("Operator", "RemoveLine", RemoveLineRequest, CompanyResponse, "remove_line", "Removes a company line."),
    _m("Operator", "ListCompanies", ListCompaniesRequest, ListCompaniesResponse, "list_companies",
       "One page of every company, ordered by VAT number."),
    _m("Operator", "GetCompany", GetCompanyRequest, CompanyResponse, "get_company", "One company."),
    _m("Operator", "UnlockRegistration", UnlockRegistrationRequest, RegistrationResponse, "unlock_registration",
       "Clears the lockout of a registration's account."),
    _m("Operator", "ListAuditEvents", ListAuditEventsRequest, ListAuditEventsResponse, "list_audit_events",
       "One page of the audit trail, oldest first."),
    _m("Operator", "FindCompanies", FindCompaniesRequest, ListCompaniesResponse, "find_companies",
       "Companies by VAT number or by name."),
    _m("Operator", "FindRegistrations", FindRegistrationsRequest, FindRegistrationsResponse, "find_registrations",
       "Registrations across companies by username, email or fiscal code."),
    _m("Operator", "ListRegistrations", OperatorListRegistrationsRequest, ListRegistrationsResponse,
       "list_registrations", "One page of a company's registrations."),
    _m("Operator", "GetRegistration", OperatorRegistrationRequest, RegistrationResponse, "get_registration",
       "One registration, in any company."),
    _m("Operator", "UpdateLegalRepresentative", UpdateLegalRepresentativeRequest, CompanyResponse,
       "update_legal_representative", "Corrects the legal representative's data in place."),
    _m("Operator", "SetReferentTypes", SetReferentTypesRequest, CompanyResponse, "set_referent_types",
       "Sets the referent types the company's contract names."),
    _m("Operator", "ResetCredentials", OperatorResetCredentialsRequest, CredentialsResetResponse, "reset_credentials",
       "Resets any active registration's password; the answer carries the recovery delivery."),
    _m("Operator", "ReissueActivation", OperatorReissueActivationRequest, RegistrationWithActivation,
       "reissue_activation", "A new activation code for a pending registration."),
    _m("Operator", "ResetSecondFactor", ResetSecondFactorRequest, RegistrationResponse, "reset_second_factor",
       "Removes the account's second factor and recovery codes; its sessions end."),
    _m("Operator", "ListUserSessions", OperatorRegistrationRequest, ListSessionsResponse, "list_user_sessions",
       "Every session of the registration's person."),
    _m("Operator", "EndUserSessions", OperatorEndUserSessionsRequest, SessionsEndedResponse, "end_user_sessions",
       "Ends every session of the registration's person."),
    _m("Operator", "Stats", Empty, StatsResponse, "stats", "Counts of companies, registrations, sessions, connections."),
    _m("Operator", "Reload", Empty, ReloadResponse, "reload", "Re-reads the configuration file, like SIGHUP."),
    _m("Operator", "Metrics", Empty, MetricsResponse, "metrics",
       "The daemon's metrics in the Prometheus text exposition format."),
)

#: The methods by full name (``webprofiles.v1.Session/Login``).
METHODS_BY_NAME: Dict[str, Method[Any, Any]] = {m.full_name: m for m in METHODS}
