"""The package checked against the protocol's two other descriptions: Protocol/webprofiles.cddl and
the Swift message types (Sources/WebProfilesAPI, APICatalog.swift).

- the methods the package offers, APICatalog.swift's and the CDDL's ``*.Request`` rules are the
  same set;
- every request and answer dataclass has the Swift type's fields, with the same keys and the same
  optionality, all the way down the nested shapes;
- every enumeration has the values of the CDDL and of the Swift enum;
- a request of every method, as the package encodes it, matches its CDDL rule (through the hook of
  conftest.py that validates all traffic).
"""
import datetime
import re
import typing
from typing import Dict, Set, Tuple

import cbor2
import pytest

import wire_schema
from client_support import ROOT
from webprofiles import _wire
from webprofiles.messages import (METHODS, AuditAction, HealthStatus, LineKind, Message, OpenEnum, Permission,
                                  Profile, RegistrationStatus, RequiredAction)
from webprofiles import messages as m

SWIFT_API = ROOT / "Sources" / "WebProfilesAPI"
SWIFT_DOMAIN = ROOT / "Sources" / "WebProfilesDomain"
PACKAGE_METHODS = {method.full_name for method in METHODS}


# MARK: reading the Swift sources

def swift_descriptors() -> Dict[Tuple[str, str], Tuple[str, str, str, bool]]:
    """(``SessionAPI``, ``login``) → (full name, request type, response type, requires session)."""
    found = {}
    for path in SWIFT_API.glob("*.swift"):
        text = path.read_text()
        for enum_match in re.finditer(r"public enum (\w+API) \{(.*?)\n\}", text, re.S):
            for d in re.finditer(r'static let (\w+) = MethodDescriptor<(\w+), (\w+)>\(service: "(\w+)", '
                                 r'method: "(\w+)"(, requiresSession: true)?\)', enum_match[2]):
                found[(enum_match[1], d[1])] = (f"webprofiles.v1.{d[4]}/{d[5]}", d[2], d[3], bool(d[6]))
    return found


def swift_catalog() -> Dict[str, Tuple[str, str, bool]]:
    """The methods of APICatalog.methods: full name → (request type, response type, requires session)."""
    text = (SWIFT_API / "APICatalog.swift").read_text()
    listing = re.search(r"static let methods: \[any AnyMethodDescriptor\] = \[(.*?)\]", text, re.S)
    assert listing, "APICatalog.methods not found"
    descriptors = swift_descriptors()
    catalog = {}
    for enum_name, property_name in re.findall(r"(\w+API)\.(\w+)", listing[1]):
        name, request, response, session = descriptors[(enum_name, property_name)]
        catalog[name] = (request, response, session)
    return catalog


def swift_structs() -> Dict[str, Dict[str, str]]:
    """Every public struct of WebProfilesAPI: its stored properties' names and Swift types."""
    structs = {}
    for path in SWIFT_API.glob("*.swift"):
        for match in re.finditer(r"^public struct (\w+)[^{]*\{\n(.*?)^\}", path.read_text(), re.S | re.M):
            fields = dict(re.findall(r"^    public var (\w+): ([^\n={]+?)\s*$", match[2], re.M))
            structs[match[1]] = fields
    return structs


def swift_enum_values(name: str) -> Set[str]:
    text = (SWIFT_DOMAIN / f"{name}.swift").read_text()
    body = re.search(rf"public enum {name}: String[^{{]*\{{(.*?)\n\}}", text, re.S)[1]
    return {raw or case for case, raw in re.findall(r'^    case (\w+)(?: = "([^"]*)")?', body, re.M)}


# MARK: reading the CDDL

@pytest.fixture(scope="module")
def cddl():
    assert wire_schema.CDDL_PATH.exists(), f"{wire_schema.CDDL_PATH} is missing"
    return wire_schema.cddl_text()


def cddl_rule_body(text: str, rule: str) -> str:
    match = re.search(rf"^{re.escape(rule)}\s*=(.*?)(?=^\S)", text + "\nEND", re.S | re.M)
    assert match, f"no rule {rule}"
    return re.sub(r";[^\n]*", "", match[1])


def cddl_choice_values(text: str, rule: str) -> Set[str]:
    """The text values of a choice rule, following the rules it names (Permission = A / B)."""
    body = cddl_rule_body(text, rule)
    values = set(re.findall(r'"([^"]*)"', body))
    for name in re.findall(r"\b([A-Z]\w+)\b", body):
        if name != rule and name in wire_schema.rules(text):
            values |= cddl_choice_values(text, name)
    return values


# MARK: the three method lists

def test_methods_match_the_swift_api_catalog():
    catalog = swift_catalog()
    assert PACKAGE_METHODS == set(catalog), (
        f"only in the package: {sorted(PACKAGE_METHODS - set(catalog))}; "
        f"only in APICatalog.swift: {sorted(set(catalog) - PACKAGE_METHODS)}")
    for method in METHODS:
        assert method.requires_session == catalog[method.full_name][2], method.full_name


def test_methods_match_the_cddl_request_rules(cddl):
    rules = wire_schema.rules(cddl)
    requests = {f"webprofiles.v1.{s}/{n}" for s, n in (r.split(".")[:2] for r in rules if re.fullmatch(r"\w+\.\w+\.Request", r))}
    assert PACKAGE_METHODS == requests, (
        f"only in the package: {sorted(PACKAGE_METHODS - requests)}; "
        f"only in webprofiles.cddl: {sorted(requests - PACKAGE_METHODS)}")
    for method in METHODS:
        assert f"{method.rule_name}.Response" in rules, f"webprofiles.cddl has no {method.rule_name}.Response"
        assert f'"{method.full_name}"' in cddl, f"webprofiles.cddl never names {method.full_name} (request-payload)"


# MARK: fields, against the Swift types

SWIFT_SCALARS = {"String": (str,), "Int": (int,), "Int64": (int,), "Double": (float,), "Bool": (bool,),
                 "Date": (datetime.datetime,)}
SWIFT_ENUMS = {"Profile": Profile, "RegistrationStatus": RegistrationStatus, "LineKind": LineKind,
               "Permission": Permission}


def python_base(annotation):
    """(``list``/``dict``/None, the item type) of an annotation, Optional and Union[E, str] removed."""
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is typing.Union:
        options = [a for a in args if a is not type(None)]
        enums = [a for a in options if isinstance(a, type) and issubclass(a, OpenEnum)]
        return python_base(enums[0] if enums else options[0])
    if origin is list:
        return "list", python_base(args[0])[1]
    if origin is dict:
        return "dict", args[1]
    return None, annotation


def compare(py_cls, swift_name, structs, seen, path):
    if (py_cls, swift_name) in seen:
        return
    seen.add((py_cls, swift_name))
    swift = structs.get(swift_name)
    assert swift is not None, f"{path}: no Swift struct {swift_name}"
    hints = typing.get_type_hints(py_cls)
    python = {f.key: f for f in py_cls.wire_fields()}
    assert set(python) == set(swift), (
        f"{path} ({py_cls.__name__} / {swift_name}): only in Python {sorted(set(python) - set(swift))}, "
        f"only in Swift {sorted(set(swift) - set(python))}")
    for key, swift_type in swift.items():
        field = python[key]
        where = f"{path}.{key}"
        optional = swift_type.endswith("?")
        assert field.required == (not optional), f"{where}: Swift {swift_type}, Python required={field.required}"
        base = swift_type.rstrip("?")
        container, item = python_base(hints[field.attribute])
        if base.startswith("[") and ":" in base:
            assert container == "dict" and item is str and base.replace(" ", "") == "[String:String]", where
            continue
        if base.startswith("["):
            assert container == "list", f"{where}: Swift {swift_type} is an array"
            base = base[1:-1]
        else:
            assert container is None, f"{where}: Swift {swift_type} is not an array"
        if base in SWIFT_SCALARS:
            allowed = SWIFT_SCALARS[base]
            if base == "String":  # the Python side may type a Swift text as an open enumeration
                assert item is str or issubclass(item, OpenEnum), f"{where}: {item}"
            else:
                assert item in allowed, f"{where}: Swift {base}, Python {item}"
        elif base in SWIFT_ENUMS:
            assert item is SWIFT_ENUMS[base], f"{where}: Swift {base}, Python {item}"
        else:
            assert isinstance(item, type) and issubclass(item, Message), f"{where}: Swift {base}, Python {item}"
            compare(item, base, structs, seen, where)


@pytest.mark.parametrize("method", METHODS, ids=lambda m: m.full_name)
def test_messages_have_the_fields_of_the_swift_types(method):
    request, response, _ = swift_catalog()[method.full_name]
    structs = swift_structs()
    structs["Empty"] = {}
    compare(method.request, request, structs, set(), f"{method.rule_name}.Request")
    compare(method.response, response, structs, set(), f"{method.rule_name}.Response")


@pytest.mark.parametrize("enum, rule", [(Profile, "Profile"), (RegistrationStatus, "RegistrationStatus"),
                                        (LineKind, "LineKind"), (Permission, "Permission"),
                                        (AuditAction, "AuditAction"), (RequiredAction, "RequiredAction"),
                                        (HealthStatus, "HealthStatus")])
def test_enumerations_have_the_values_of_the_cddl_and_swift(cddl, enum, rule):
    values = {member.value for member in enum}
    assert values == cddl_choice_values(cddl, rule), f"{enum.__name__} against webprofiles.cddl's {rule}"
    if (SWIFT_DOMAIN / f"{rule}.swift").exists():
        assert values == swift_enum_values(rule), f"{enum.__name__} against WebProfilesDomain/{rule}.swift"


# MARK: a request of every method through the CDDL

WHEN = datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)
REP = m.LegalRepresentativeRequest("Mario Rossi", "RSSMRA80A01H501U", "mario@rossi.example", "mario.rossi")
LINE = "+393331234567"

# At least one request per method: the smallest, and one with every optional field that may go
# with the others (the CDDL's "exactly one of" / "at least one of" rules respected).
SAMPLES = {
    "Health.Check": [m.Empty()],
    "Session.Login": [m.LoginRequest("mario.rossi", "pw"), m.LoginRequest("mario.rossi", "pw", otp="123456", company_id="c1")],
    "Session.Activate": [m.ActivateRequest("wpa_code", "pw")],
    "Session.RequestRecovery": [m.RequestRecoveryRequest("mario.rossi")],
    "Session.CompleteRecovery": [m.CompleteRecoveryRequest("wpr_code", "pw")],
    "Session.Whoami": [m.WhoamiRequest(), m.WhoamiRequest(company_id="c1")],
    "Session.Authorize": [m.AuthorizeRequest(Permission.USERS_VIEW),
                          m.AuthorizeRequest("line.manage", line=LINE, company_id="c1")],
    "Session.AuthorizeMany": [m.AuthorizeManyRequest([m.AuthorizationCheck("users.view"),
                                                      m.AuthorizationCheck(Permission.LINE_MANAGE, line=LINE)],
                                                     company_id="c1")],
    "Session.ListAuthorizedLines": [m.ListAuthorizedLinesRequest(Permission.LINE_SERVICES),
                                    m.ListAuthorizedLinesRequest("line.manage", page_size=10, page_token="t",
                                                                 company_id="c1")],
    "Session.SelectCompany": [m.SelectCompanyRequest("c1")],
    "Session.AcceptInvitation": [m.AcceptInvitationRequest("wpa_code")],
    "Session.GetAccount": [m.Empty()],
    "Session.UpdateMyDetails": [m.UpdateMyDetailsRequest(display_name="Mario"),
                                m.UpdateMyDetailsRequest(email="m@x.example", current_password="pw"),
                                m.UpdateMyDetailsRequest(display_name="Mario", email="m@x.example", current_password="pw")],
    "Session.Logout": [m.Empty()],
    "Session.ListSessions": [m.Empty()],
    "Session.RevokeSession": [m.RevokeSessionRequest("s1")],
    "Session.RevokeOtherSessions": [m.Empty()],
    "Session.ChangePassword": [m.ChangePasswordRequest("old", "new")],
    "Session.BeginTOTPEnrollment": [m.Empty()],
    "Session.ConfirmTOTPEnrollment": [m.ConfirmTOTPEnrollmentRequest("123456")],
    "Session.DisableTOTP": [m.DisableTOTPRequest("pw")],
    "Profiles.ListRegistrations": [m.ListRegistrationsRequest(),
                                   m.ListRegistrationsRequest(profile=Profile.USER, status="active", query="ros",
                                                              page_size=500, page_token="t", company_id="c1")],
    "Profiles.GetRegistration": [m.GetRegistrationRequest("r1"), m.GetRegistrationRequest("r1", company_id="c1")],
    "Profiles.RegisterUser": [m.RegisterUserRequest("anna", "Anna", "a@x.example", Profile.ADMIN_FULL),
                              m.RegisterUserRequest("anna", "Anna", "a@x.example", "user", line=LINE, company_id="c1"),
                              m.RegisterUserRequest("anna", "Anna", "a@x.example", "adminLight", referent="Mobile")],
    "Profiles.ChangeProfile": [m.ChangeProfileRequest("r1", Profile.USER, line=LINE, referent=None, company_id="c1"),
                               m.ChangeProfileRequest("r1", "adminLight", referent="Mobile")],
    "Profiles.UpdateRegistration": [m.UpdateRegistrationRequest("r1", display_name="Anna"),
                                    m.UpdateRegistrationRequest("r1", email="a@x.example", company_id="c1")],
    "Profiles.RevokeCredentials": [m.RevokeCredentialsRequest("r1"), m.RevokeCredentialsRequest("r1", reason="left", company_id="c1")],
    "Profiles.RestoreCredentials": [m.RestoreCredentialsRequest("r1", company_id="c1")],
    "Profiles.ResetCredentials": [m.ResetCredentialsRequest("r1"), m.ResetCredentialsRequest("r1", company_id="c1")],
    "Profiles.ReissueActivation": [m.ReissueActivationRequest("r1", company_id="c1")],
    "Profiles.ListUserSessions": [m.UserSessionsRequest("r1")],
    "Profiles.EndUserSessions": [m.UserSessionsRequest("r1", company_id="c1")],
    "Profiles.ListAuditEvents": [m.ListCompanyAuditEventsRequest(),
                                 m.ListCompanyAuditEventsRequest(registration_id="r1", action=AuditAction.LOGIN_FAILED,
                                                                 since=WHEN, until=WHEN + datetime.timedelta(seconds=1.5),
                                                                 page_size=1, page_token="t", company_id="c1")],
    "Profiles.GetCompany": [m.GetOwnCompanyRequest(), m.GetOwnCompanyRequest(company_id="c1")],
    "Operator.CreateCompany": [m.CreateCompanyRequest("Rossi S.r.l.", "01234567897", REP)],
    "Operator.ChangeLegalRepresentative": [m.ChangeLegalRepresentativeRequest("c1", REP, "new representative")],
    "Operator.UpdateLegalRepresentative": [m.UpdateLegalRepresentativeRequest("c1", "typo", full_name="Mario Rossi"),
                                           m.UpdateLegalRepresentativeRequest("c1", "moved", email="m@x.example",
                                                                              fiscal_code="RSSMRA80A01H501U"),
                                           m.UpdateLegalRepresentativeRequest("c1", "typo", fiscal_code="RSSMRA80A01H501U")],
    "Operator.AddLines": [m.AddLinesRequest("c1", [m.Line(LINE, LineKind.MOBILE), m.Line("+39061234567", "fixed")])],
    "Operator.RemoveLine": [m.RemoveLineRequest("c1", LINE)],
    "Operator.SetReferentTypes": [m.SetReferentTypesRequest("c1", []), m.SetReferentTypesRequest("c1", ["Mobile", "Fisso"])],
    "Operator.ListCompanies": [m.ListCompaniesRequest(), m.ListCompaniesRequest(page_size=10, page_token="t")],
    "Operator.FindCompanies": [m.FindCompaniesRequest(vat_number="01234567897"),
                               m.FindCompaniesRequest(name="rossi", page_size=5, page_token="t")],
    "Operator.GetCompany": [m.GetCompanyRequest("c1")],
    "Operator.FindRegistrations": [m.FindRegistrationsRequest(username="mario.rossi"),
                                   m.FindRegistrationsRequest(email="m@x.example"),
                                   m.FindRegistrationsRequest(fiscal_code="RSSMRA80A01H501U")],
    "Operator.ListRegistrations": [m.OperatorListRegistrationsRequest("c1"),
                                   m.OperatorListRegistrationsRequest("c1", profile="user", status=RegistrationStatus.REVOKED,
                                                                      query="x", page_size=2, page_token="t")],
    "Operator.GetRegistration": [m.OperatorRegistrationRequest("r1")],
    "Operator.UnlockRegistration": [m.UnlockRegistrationRequest("r1")],
    "Operator.ResetCredentials": [m.OperatorResetCredentialsRequest("r1", "forgot")],
    "Operator.ReissueActivation": [m.OperatorReissueActivationRequest("r1"), m.OperatorReissueActivationRequest("r1", reason="lost")],
    "Operator.ResetSecondFactor": [m.ResetSecondFactorRequest("r1", "new phone")],
    "Operator.ListUserSessions": [m.OperatorRegistrationRequest("r1")],
    "Operator.EndUserSessions": [m.OperatorEndUserSessionsRequest("r1", "stolen laptop")],
    "Operator.ListAuditEvents": [m.ListAuditEventsRequest(),
                                 m.ListAuditEventsRequest(company_id="c1", registration_id="r1", action="login", since=WHEN,
                                                          until=WHEN, page_size=500, page_token="t")],
    "Operator.Stats": [m.Empty()],
    "Operator.Reload": [m.Empty()],
    "Operator.Metrics": [m.Empty()],
}


@pytest.mark.parametrize("method", METHODS, ids=lambda m: m.full_name)
def test_a_request_of_every_method_matches_its_cddl_rule(schema, method):
    samples = SAMPLES.get(method.rule_name)
    assert samples, f"add a sample request of {method.full_name} to SAMPLES"
    metadata = {"operator-agent": "pytest"} if method.plane == "operator" else {"authorization": "Bearer wps_" + "A" * 43}
    before = schema.requests.get(method.full_name, 0)
    for sample in samples:
        assert isinstance(sample, method.request)
        # Through the package's own encoder, which conftest.py's hook validates.
        _wire.encode_request(method.full_name, sample.to_wire(), 1500, metadata)
    assert schema.requests[method.full_name] == before + len(samples)


def test_the_validation_refuses_what_the_cddl_refuses(schema):
    """The hook is not vacuous: requests the CDDL forbids do not pass."""
    def problem(method, message):
        payload = cbor2.dumps({"method": method, "message": message})
        return schema.mismatch(f'{{ method: "{method}", message: {wire_schema.method_rule(method, "Request")}, call-options }}',
                               payload)
    authorize = "webprofiles.v1.Session/Authorize"
    assert problem(authorize, {"permission": "users.view"}) is None
    assert problem(authorize, {"permission": "teleport"}) is not None  # not a Permission
    assert problem(authorize, {"permission": "line.manage"}) is not None  # a line permission needs a line
    assert problem(authorize, {"permission": "users.view", "extra": 1}) is not None  # maps are closed
    assert problem(authorize, {"permission": "line.manage", "line": None}) is not None  # never null
    assert problem("webprofiles.v1.Profiles/ListRegistrations", {"pageSize": 501}) is not None
    with pytest.raises(AssertionError, match="does not match"):
        schema.check_response("webprofiles.v1.Session/Login", 0, cbor2.dumps({"message": {"sessionToken": "nope"}}))
    schema.failures.pop()  # the deliberate mismatch above


def test_unknown_method_rules_are_reported(schema):
    with pytest.raises(AssertionError, match="no rule"):
        schema.rule("webprofiles.v1.Nope/Nope", "Request")
    schema.failures.pop()
