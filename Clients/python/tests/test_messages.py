"""The message dataclasses: conversion to and from the wire, against the golden messages of
Protocol/vectors/messages.json, and the rules of PROTOCOL.md section 3 (unknown keys, unknown
enumeration values, absent optionals, tag 1 timestamps)."""
import ast
import dataclasses
import datetime
import inspect
import json
import pickle
import subprocess
import sys

import cbor2
import pytest

import webprofiles
from client_support import PACKAGE_ROOT, ROOT
from webprofiles import aio, errors, messages
from webprofiles.errors import ProtocolError, StatusCode, Unauthenticated, WebProfilesError, error_for
from webprofiles.messages import (METHODS, METHODS_BY_NAME, AuthorizeRequest, Empty, HealthStatus,
                                  ListCompanyAuditEventsRequest, LoginRequest, LoginResponse, Permission,
                                  Principal, Profile, Registration, RegistrationStatus)

GOLDEN = json.loads((ROOT / "Protocol" / "vectors" / "messages.json").read_text())
UTC = datetime.timezone.utc


def from_json(value):
    """messages.json's JSON form back to what cbor2 decodes ({"$time": s} is a tag 1 timestamp)."""
    if isinstance(value, dict):
        if set(value) == {"$time"}:
            return datetime.datetime.fromtimestamp(0, UTC) + datetime.timedelta(seconds=value["$time"])
        return {k: from_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [from_json(v) for v in value]
    return value


def roundtrip(wire):
    """A map as it arrives after encoding (tags turned into datetimes, as cbor2 decodes them)."""
    return cbor2.loads(cbor2.dumps(wire))


@pytest.mark.parametrize("vector", GOLDEN["messages"], ids=lambda v: f"{v['name']}-{v['kind']}")
def test_every_golden_message_decodes_and_encodes_back(vector):
    method = METHODS_BY_NAME.get(vector["method"])
    assert method is not None, f"the package has no method {vector['method']}"
    cls = method.request if vector["kind"] == "request" else method.response
    data = cbor2.loads(bytes.fromhex(vector["hex"]))
    assert data == from_json(vector["message"])
    decoded = cls.from_wire(data)
    assert isinstance(decoded, cls)
    assert roundtrip(decoded.to_wire()) == data, "encoding it again changed the message"


@pytest.mark.parametrize("vector", GOLDEN["errors"], ids=lambda v: v["name"])
def test_every_golden_error_raises_its_class(vector):
    from webprofiles.client import decode_answer
    method = METHODS_BY_NAME[vector["method"]]
    with pytest.raises(WebProfilesError) as raised:
        decode_answer(method, vector["statusCode"], bytes.fromhex(vector["hex"]))
    error = raised.value
    assert error.code == vector["statusCode"] and error.code.name == vector["status"]
    assert type(error) is type(error_for(vector["statusCode"], ""))
    assert error.message == vector["payload"]["error"]["message"]
    assert error.details == vector["payload"]["error"].get("details", {})
    assert error.method == method.full_name


def test_golden_vectors_cover_every_method():
    covered = {(v["method"], v["kind"]) for v in GOLDEN["messages"]}
    missing = [f"{m.full_name} {kind}" for m in METHODS for kind in ("request", "response") if (m.full_name, kind) not in covered]
    assert not missing, f"Protocol/vectors/messages.json has no golden message for: {missing}"


# MARK: the rules of section 3

PRINCIPAL = {"registrationId": "r1", "companyId": "c1", "companyName": "Rossi", "username": "mario.rossi",
             "displayName": "Mario Rossi", "profile": "adminFull", "permissions": ["users.view", "line.manage"]}


def registration(**changes):
    data = {"registrationId": "r1", "companyId": "c1", "username": "anna", "displayName": "Anna", "email": "a@x",
            "profile": "user", "line": "+393331234567", "status": "active", "locked": False,
            "createdAt": cbor2.CBORTag(1, 1700000000), "updatedAt": cbor2.CBORTag(1, 1700000000.25)}
    data.update(changes)
    return cbor2.loads(cbor2.dumps(data))


def test_unknown_keys_are_ignored():
    principal = Principal.from_wire(dict(PRINCIPAL, futureField={"nested": [1, 2]}))
    assert principal.username == "mario.rossi"
    assert not hasattr(principal, "futureField") and not hasattr(principal, "future_field")


def test_unknown_enumeration_values_are_kept_not_fatal():
    decoded = Registration.from_wire(registration(profile="superUser", status="archived"))
    assert decoded.profile == "superUser" and isinstance(decoded.profile, Profile) and not decoded.profile.known
    assert decoded.status == "archived" and not decoded.status.known
    assert decoded.profile != Profile.ADMIN_FULL
    principal = Principal.from_wire(dict(PRINCIPAL, permissions=["users.view", "teleport"]))
    assert [p.known for p in principal.permissions] == [True, False]
    assert Permission.USERS_VIEW in principal.permissions and "teleport" in principal.permissions


def test_known_values_are_the_members():
    decoded = Registration.from_wire(registration())
    assert decoded.profile is Profile.USER and decoded.status is RegistrationStatus.ACTIVE
    assert Profile.USER.known and str(Profile.USER) == "user" and f"{Permission.LINE_MANAGE}" == "line.manage"
    assert Permission.LINE_MANAGE.needs_line and not Permission.USERS_VIEW.needs_line
    assert pickle.loads(pickle.dumps(Profile("superUser"))) == "superUser"


def test_timestamps_are_tag_1_both_ways():
    decoded = Registration.from_wire(registration())
    assert decoded.created_at == datetime.datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)
    assert decoded.updated_at.microsecond == 250000 and decoded.last_login_at is None
    request = ListCompanyAuditEventsRequest(since=decoded.created_at, until=decoded.updated_at)
    wire = request.to_wire()
    assert wire["since"] == cbor2.CBORTag(1, 1700000000) and isinstance(wire["since"].value, int)
    assert wire["until"] == cbor2.CBORTag(1, 1700000000.25)
    assert cbor2.dumps(wire["since"]).hex() == "c11a6553f100"
    rome = datetime.timezone(datetime.timedelta(hours=1))
    assert ListCompanyAuditEventsRequest(since=datetime.datetime(2023, 11, 14, 23, 13, 20, tzinfo=rome)).to_wire() \
        == {"since": cbor2.CBORTag(1, 1700000000)}
    with pytest.raises(ValueError, match="naive"):
        ListCompanyAuditEventsRequest(since=datetime.datetime(2023, 11, 14)).to_wire()


def test_absent_optionals_are_omitted_never_null():
    assert AuthorizeRequest(Permission.USERS_VIEW).to_wire() == {"permission": "users.view"}
    assert AuthorizeRequest("line.manage", line="+393331234567").to_wire() == {"permission": "line.manage",
                                                                             "line": "+393331234567"}
    assert Empty().to_wire() == {}
    assert "company_id" not in cbor2.loads(cbor2.dumps(LoginRequest("a", "b").to_wire()))


def test_requests_take_strings_or_members_for_enumerations():
    assert AuthorizeRequest("users.view").to_wire() == AuthorizeRequest(Permission.USERS_VIEW).to_wire()
    assert type(AuthorizeRequest(Permission.USERS_VIEW).to_wire()["permission"]) is str
    with pytest.raises(TypeError):
        AuthorizeRequest(Profile.USER).to_wire()  # a member of another enumeration
    with pytest.raises(TypeError):
        AuthorizeRequest(42).to_wire()  # type: ignore[arg-type]


def test_wrong_shapes_name_the_path():
    with pytest.raises(ProtocolError, match=r"at permissions\[1\]"):
        Principal.from_wire(dict(PRINCIPAL, permissions=["users.view", 7]))
    with pytest.raises(ProtocolError, match="at companyName: missing"):
        Principal.from_wire({k: v for k, v in PRINCIPAL.items() if k != "companyName"})
    with pytest.raises(ProtocolError, match="at locked: expected a boolean"):
        Registration.from_wire(registration(locked=1))
    with pytest.raises(ProtocolError, match="expected an integer"):
        messages.SessionsEndedResponse.from_wire({"sessionsEnded": True})
    with pytest.raises(ProtocolError, match="expected a map"):
        Principal.from_wire(["not", "a", "map"])
    with pytest.raises(ValueError, match="required"):
        LoginRequest("a", None).to_wire()  # type: ignore[arg-type]


def test_floats_accept_integers_and_other_tags_are_looked_through():
    health = messages.HealthCheckResponse.from_wire({"status": "serving", "version": "1", "uptimeSeconds": 3,
                                                    "storage": cbor2.CBORTag(32, "ok")})
    assert health.uptime_seconds == 3.0 and type(health.uptime_seconds) is float and health.storage == "ok"
    assert health.status is HealthStatus.SERVING


def test_secrets_stay_out_of_repr():
    login = LoginRequest("mario.rossi", "hunter2-hunter2", otp="123456")
    assert "hunter2" not in repr(login) and "123456" not in repr(login) and "mario.rossi" in repr(login)
    answer = LoginResponse("wps_" + "A" * 43, "s1", datetime.datetime.now(UTC), datetime.datetime.now(UTC), [])
    assert "wps_" not in repr(answer)


def test_every_field_has_a_codec_and_a_camel_case_key():
    for message in {m.request for m in METHODS} | {m.response for m in METHODS}:
        for field in message.wire_fields():
            assert field.key[0].islower() and "_" not in field.key, (message.__name__, field)
    assert [f.key for f in messages.BeginTOTPEnrollmentResponse.wire_fields()] == ["secret", "otpauthURI"]


# MARK: errors

def test_every_status_has_its_class():
    for code in StatusCode:
        if code is StatusCode.OK:
            continue
        error = error_for(code, "text", {"field": "x"}, "webprofiles.v1.Session/Login")
        assert error.code is code and isinstance(error, WebProfilesError)
        assert type(error).__name__.lower() == code.name.replace("_", "").lower()
        assert type(error).status is code
        assert error.field == "x" and str(error) == f"{code.name}: text (webprofiles.v1.Session/Login)"
        copy = pickle.loads(pickle.dumps(error))
        assert type(copy) is type(error) and copy.code is code and copy.details == {"field": "x"}
    assert error_for(99, "new").code is StatusCode.UNKNOWN
    assert Unauthenticated("x", {"secondFactor": "required"}).second_factor == "required"
    assert issubclass(errors.ProtocolError, errors.Internal)


# MARK: the package's shape

def test_the_generated_methods_are_up_to_date():
    result = subprocess.run([sys.executable, str(PACKAGE_ROOT / "tools" / "generate_methods.py"), "--check"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("cls, plane", [(webprofiles.Client, "api"), (aio.Client, "api"), (webprofiles.ClientPool, "api"),
                                        (webprofiles.OperatorClient, "operator"), (aio.OperatorClient, "operator")])
def test_every_method_is_a_typed_method_of_its_clients(cls, plane):
    expected = {m.python_name: m for m in METHODS if m.plane in (plane, "both")}
    for name, method in expected.items():
        function = getattr(cls, name, None)
        assert function is not None, f"{cls.__qualname__} has no {name}"
        assert inspect.iscoroutinefunction(function) == (cls.__module__ == "webprofiles.aio"), name
        parameters = inspect.signature(function).parameters
        for field in dataclasses.fields(method.request):
            assert field.name in parameters, f"{cls.__qualname__}.{name} lacks {field.name}"
        options = {"token", "timeout", "deadline", "metadata"} if plane == "api" else \
            {"agent", "ticket", "timeout", "deadline", "metadata"}
        assert options <= set(parameters), f"{cls.__qualname__}.{name}: {options - set(parameters)}"
        assert function.__doc__ and method.full_name in function.__doc__
    other = {m.python_name for m in METHODS if m.plane not in (plane, "both")} - set(expected)
    assert not any(hasattr(cls, name) for name in other if name not in expected)


def test_the_brief_shape_reads_naturally():
    parameters = inspect.signature(webprofiles.Client.authorize).parameters
    assert list(parameters)[:2] == ["self", "permission"]
    assert parameters["token"].kind is inspect.Parameter.KEYWORD_ONLY and parameters["line"].default is None
    assert list(inspect.signature(webprofiles.Client.login).parameters)[:3] == ["self", "username", "password"]
    assert inspect.signature(webprofiles.Client.logout).return_annotation in (None, "None")


def test_the_package_is_python_3_9_syntax():
    """requires-python is >=3.9: no syntax of a later version (match, except*, PEP 604 unions
    evaluated at run time are caught by the dataclass codec resolving annotations)."""
    folder = pathlib_of(webprofiles)
    files = sorted(folder.glob("*.py"))
    assert len(files) >= 8
    for path in files:
        ast.parse(path.read_text(), filename=str(path), feature_version=(3, 9))
    assert (folder / "py.typed").exists(), "py.typed must ship with the package"


def pathlib_of(module):
    import pathlib
    return pathlib.Path(module.__file__).parent
