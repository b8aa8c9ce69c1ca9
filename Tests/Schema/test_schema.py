"""Protocol/webprofiles.cddl against the golden vectors and the code.

- It compiles (pycddl), and has a request and a response rule for every method of
  Sources/WebProfilesAPI/APICatalog.swift and for no other.
- Every payload of Protocol/vectors/frames.json and every message and error of messages.json
  matches its rule, and messages.json has a request and an answer of every method.
- Each message's JSON form is what its hex holds (read with cbor2, not with the generator).
- The schema refuses every golden message with a key misspelled, a key added or a value of the
  wrong type, anywhere in it: its maps are closed and its types are exact.
- Its enumerations are the Swift code's.
"""
import datetime
import io
import json
import math
import pathlib
import re
import struct
import sys

import cbor2
import pycddl
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "Tests" / "Interop"))

import wp_schema  # noqa: E402  (the rule naming and the compiled-schema cache the end-to-end checks use)

API = ROOT / "Sources" / "WebProfilesAPI"
FRAMES = json.loads((ROOT / "Protocol" / "vectors" / "frames.json").read_text())
MESSAGES = json.loads((ROOT / "Protocol" / "vectors" / "messages.json").read_text())
KINDS = {"HELLO": 1, "REQUEST": 2, "RESPONSE": 3, "CANCEL": 4, "PING": 5, "PONG": 6, "GOAWAY": 7}
STATUS_CODES = {"OK": 0, "CANCELLED": 1, "UNKNOWN": 2, "INVALID_ARGUMENT": 3, "DEADLINE_EXCEEDED": 4, "NOT_FOUND": 5,
                "ALREADY_EXISTS": 6, "PERMISSION_DENIED": 7, "RESOURCE_EXHAUSTED": 8, "FAILED_PRECONDITION": 9,
                "ABORTED": 10, "OUT_OF_RANGE": 11, "UNIMPLEMENTED": 12, "INTERNAL": 13, "UNAVAILABLE": 14,
                "DATA_LOSS": 15, "UNAUTHENTICATED": 16}
METHOD_RULE = re.compile(r"(\w+)\.(\w+)\.(Request|Response)")
# Maps whose keys are data, not field names: their entries may be anything textual.
FREE_FORM = {"before", "after", "metadata"}


def catalog_methods():
    """The method names of APICatalog.methods, in order, each read from its descriptor's
    `MethodDescriptor<…>(service: "…", method: "…")` in the *Messages.swift files."""
    descriptors = {}
    for path in API.glob("*Messages.swift"):
        namespace = None
        for line in path.read_text().splitlines():
            if m := re.match(r"public enum (\w+API) \{", line):
                namespace = m[1]
            elif m := re.search(r'static let (\w+) = MethodDescriptor<[^>]+>\(service: "(\w+)", method: "(\w+)"', line):
                assert namespace, f"{path.name}: descriptor {m[1]} outside an enum"
                descriptors[f"{namespace}.{m[1]}"] = f"webprofiles.v1.{m[2]}/{m[3]}"
    catalog = (API / "APICatalog.swift").read_text()
    body = re.search(r"static let methods: \[any AnyMethodDescriptor\] = \[(.*?)\n\s*\]", catalog, re.DOTALL)
    assert body, "APICatalog.methods not found"
    entries = re.findall(r"\b(\w+API\.\w+)\b", body[1])
    missing = [e for e in entries if e not in descriptors]
    assert not missing, f"APICatalog entries without a descriptor in the *Messages.swift files: {missing}"
    return [descriptors[e] for e in entries]


CATALOG = catalog_methods()


def method_of_rule(rule):
    m = METHOD_RULE.fullmatch(rule)
    return f"webprofiles.v1.{m[1]}/{m[2]}" if m else None


def strict_loads(data):
    """One CBOR data item making up all of `data` (cbor2 reads one and ignores what follows)."""
    stream = io.BytesIO(data)
    value = cbor2.CBORDecoder(stream).decode()
    assert stream.tell() == len(data), f"{len(data) - stream.tell()} bytes after the data item"
    return value


def from_json(value):
    """A message of messages.json as cbor2 reads its CBOR ({"$time": s} is tag 1, a datetime)."""
    if isinstance(value, dict):
        if set(value) == {"$time"}:
            return datetime.datetime.fromtimestamp(value["$time"], datetime.timezone.utc)
        return {k: from_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [from_json(v) for v in value]
    return value


def same(a, b):
    """Equal, with integers and floats told apart (JSON 12 vs 12.0, CBOR integer vs float)."""
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return isinstance(b, list) and len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return type(a) is type(b) and a == b


def raw_tags(data):
    """`data` read with cbor2, its timestamps as tag 1 around their epoch seconds again (cbor2
    reads tag 1 as a datetime): an integer when whole, as the golden messages write them."""
    def back(value):
        if isinstance(value, datetime.datetime):
            seconds = value.timestamp()
            return cbor2.CBORTag(1, int(seconds) if seconds.is_integer() else seconds)
        if isinstance(value, dict):
            return {k: back(v) for k, v in value.items()}
        if isinstance(value, list):
            return [back(v) for v in value]
        return value

    return back(strict_loads(data))


# ---------------------------------------------------------------------------------------------
# The schema and the code
# ---------------------------------------------------------------------------------------------

def test_schema_compiles():
    pycddl.Schema(wp_schema.CDDL)
    assert wp_schema.schema("request-payload") is wp_schema.schema("request-payload")  # compiled once


def test_a_rule_validates_the_same_with_the_rules_it_needs_as_with_the_whole_schema():
    """wp_schema compiles `root = <rule>` with only the rules <rule> needs; the whole schema after
    the root line gives the same verdicts."""
    text = wp_schema.schema_text("Session.Login.Response")
    assert text.startswith("root = Session.Login.Response\n") and "Principal = " in text and "Company = " not in text
    for entry in MESSAGES["messages"][::3]:
        rule = wp_schema.rule_for(entry["method"], entry["kind"])
        whole = pycddl.Schema(f"root = {rule}\n{wp_schema.CDDL}")
        value = raw_tags(bytes.fromhex(entry["hex"]))
        for what, payload in [("golden", cbor2.dumps(value))] + [(w, cbor2.dumps(m)) for w, m in mutations(value)[::7]]:
            try:
                whole.validate_cbor(payload)
                verdict = None
            except pycddl.ValidationError:
                verdict = "refused"
            assert (wp_schema.mismatch(rule, payload) is None) == (verdict is None), (entry["name"], what)


def test_catalog_is_read():
    assert len(CATALOG) == len(set(CATALOG)) and len(CATALOG) >= 50
    for name in ("webprofiles.v1.Health/Check", "webprofiles.v1.Session/Login", "webprofiles.v1.Session/Authorize",
                 "webprofiles.v1.Session/Whoami", "webprofiles.v1.Operator/Reload", "webprofiles.v1.Operator/Stats"):
        assert name in CATALOG


def test_every_method_has_a_request_and_a_response_rule():
    for method in CATALOG:
        for kind in ("request", "response"):
            wp_schema.rule_for(method, kind)  # asserts the rule exists


def test_every_method_rule_is_a_real_method():
    rules = {rule for rule in wp_schema.RULES if METHOD_RULE.fullmatch(rule)}
    assert rules, "no <Service>.<Method>.Request/Response rule found"
    strays = sorted(rule for rule in rules if method_of_rule(rule) not in CATALOG)
    assert not strays, f"rules for methods APICatalog does not have: {strays}"


def test_request_call_and_any_response_list_every_method_once():
    definition = re.search(r"^request-call = \((.*?)\n\)", wp_schema.CDDL, re.MULTILINE | re.DOTALL)[1]
    pairs = re.findall(r'method: "([^"]+)", message: ([\w.]+)', definition)
    assert sorted(m for m, _ in pairs) == sorted(CATALOG), "request-payload does not list exactly the catalog's methods"
    for method, rule in pairs:
        assert rule == wp_schema.rule_for(method, "request"), f"{method} carries {rule}"
    definition = re.search(r"^any-response = (.*?)\n\n", wp_schema.CDDL, re.MULTILINE | re.DOTALL)[1]
    listed = re.findall(r"[\w]+\.[\w]+\.Response", definition)
    assert sorted(listed) == sorted(wp_schema.rule_for(m, "response") for m in CATALOG)


without_comment = wp_schema.without_comment


def cddl_code():
    """The schema without comments and text literals."""
    return "\n".join(re.sub(r'"[^"]*"', '""', without_comment(line)) for line in wp_schema.CDDL.splitlines())


# The types of RFC 8610's standard prelude (appendix D).
PRELUDE = {"any", "uint", "nint", "int", "bstr", "bytes", "tstr", "text", "tdate", "time", "number", "biguint", "bignint",
           "bigint", "integer", "unsigned", "decfrac", "bigfloat", "eb64url", "eb64legacy", "eb16", "encoded-cbor", "uri",
           "b64url", "b64legacy", "regexp", "mime-message", "cbor-any", "float16", "float32", "float64", "float16-32",
           "float32-64", "float", "false", "true", "bool", "nil", "null", "undefined"}


def test_no_bareword_key_is_named_like_a_rule():
    # pycddl 0.6.4 takes a bareword key that is also a rule's (or a prelude type's) name for that rule.
    keys = set(re.findall(r"([A-Za-z]\w*)\s*:", cddl_code()))
    assert {"registrationId", "permission", "line", "msisdn"} <= keys, "map keys not found"
    clashes = keys & (wp_schema.RULES | PRELUDE)
    assert not clashes, f"bareword keys named like rules: {sorted(clashes)} (quote them or rename the rule)"


def swift_enum_values(path, name):
    """The raw values of `enum <name>: String` in a Swift file."""
    text = path.read_text()
    body = re.search(r"enum " + name + r": String[^{]*\{(.*?)\n\}", text, re.DOTALL)
    assert body, f"enum {name} not found in {path}"
    values = []
    for case, raw in re.findall(r'^\s*case (\w+)(?: = "([^"]+)")?\s*$', body[1], re.MULTILINE):
        values.append(raw or case)
    assert values, f"enum {name} has no cases"
    return values


def cddl_choice_values(rule):
    definition = re.search(r"^" + re.escape(rule) + r" = (.*?)(?=\n\S|\n\n)", wp_schema.CDDL, re.MULTILINE | re.DOTALL)
    assert definition, f"no rule {rule}"
    return re.findall(r'"([^"]+)"', "\n".join(without_comment(line) for line in definition[1].splitlines()))


DOMAIN = ROOT / "Sources" / "WebProfilesDomain"


@pytest.mark.parametrize("rule, path, enum", [
    ("Profile", DOMAIN / "Profile.swift", "Profile"),
    ("RegistrationStatus", DOMAIN / "RegistrationStatus.swift", "RegistrationStatus"),
    ("LineKind", DOMAIN / "LineKind.swift", "LineKind"),
    ("AuditAction", ROOT / "Sources" / "WebProfilesStore" / "Records" / "AuditEventRecord.swift", "AuditAction"),
    ("RequiredAction", ROOT / "Sources" / "WebProfilesStore" / "ProfileStore+SecondFactor.swift", "RequiredAction"),
])
def test_enumerations_are_the_codes(rule, path, enum):
    assert sorted(cddl_choice_values(rule)) == sorted(swift_enum_values(path, enum))


def test_permissions_are_the_codes_and_permission_item_is_permission():
    values = cddl_choice_values("CompanyPermission") + cddl_choice_values("LinePermission")
    swift = swift_enum_values(DOMAIN / "Permission.swift", "Permission")
    assert sorted(values) == sorted(swift)
    assert all(v.startswith("line.") for v in cddl_choice_values("LinePermission"))
    assert not any(v.startswith("line.") for v in cddl_choice_values("CompanyPermission"))
    for value in values:
        for rule in ("Permission", "PermissionItem"):
            assert wp_schema.mismatch(rule, cbor2.dumps(value)) is None, (rule, value)
    for value in ["company.View", "company_view", "line.manage ", "users", "", "line.premiumServices.x", 3]:
        for rule in ("Permission", "PermissionItem"):
            assert wp_schema.mismatch(rule, cbor2.dumps(value)) is not None, (rule, value)
    # The lists the answers carry take every value, mixed.
    assert wp_schema.mismatch("[* PermissionItem]", cbor2.dumps(values)) is None


def test_health_statuses_are_the_codes():
    text = (API / "HealthMessages.swift").read_text()
    assert sorted(cddl_choice_values("HealthStatus")) == sorted(re.findall(r'static let \w+ = "(\w+)"', text))


# ---------------------------------------------------------------------------------------------
# frames.json
# ---------------------------------------------------------------------------------------------

def frame_parts(hex_text):
    data = bytes.fromhex(hex_text)
    length, kind, flags, status, stream = struct.unpack(">IBBHI", data[:12])
    assert length == len(data) - 4 and flags == 0
    return kind, status, stream, data[12:]


@pytest.mark.parametrize("vector", FRAMES["frames"], ids=lambda v: v["name"])
def test_golden_frame_payloads_match_their_rules(vector):
    kind, status, stream, payload = frame_parts(vector["hex"])
    assert kind == KINDS[vector["kind"]] and status == STATUS_CODES[vector["status"]] and stream == vector["streamId"]
    if "payloadHex" in vector:
        assert payload.hex() == vector["payloadHex"]
        # Raw payloads: CANCEL empty, PING and PONG 8 bytes (PROTOCOL.md 4.4, 4.5).
        assert len(payload) == {"CANCEL": 0, "PING": 8, "PONG": 8}[vector["kind"]]
        return
    assert same(strict_loads(payload), vector["payload"])
    if vector["kind"] == "HELLO":
        roots = ["hello-payload"]
    elif vector["kind"] == "REQUEST":
        roots = [wp_schema.request_root(vector["payload"]["method"]), "request-payload"]
    elif vector["kind"] == "RESPONSE" and status != 0:
        roots = ["error-payload", "response-payload"]
    elif vector["kind"] == "RESPONSE":
        roots = [wp_schema.answer_root(vector["method"]), "response-payload"]
    elif vector["kind"] == "GOAWAY":
        roots = ["goaway-payload"]
    else:
        pytest.fail(f"a CBOR payload on a {vector['kind']} frame")
    for root in roots:
        assert wp_schema.mismatch(root, payload) is None, (root, wp_schema.mismatch(root, payload))


def test_every_golden_frame_kind_is_covered():
    assert {v["kind"] for v in FRAMES["frames"]} == set(KINDS)


@pytest.mark.parametrize("vector", FRAMES["callErrors"], ids=lambda v: v["name"])
def test_call_error_payloads_are_not_valid_requests(vector):
    if vector["name"] == "bad-metadata-key":
        # The metadata key rule ([a-z0-9._-]) is in words only: pycddl applies no control to map keys.
        pytest.xfail("pycddl 0.6.4 cannot check map keys against a pattern")
    _, _, _, payload = frame_parts(vector["hex"])
    assert wp_schema.mismatch("request-payload", payload) is not None, f"{vector['name']} matches request-payload"
    try:
        value = cbor2.loads(payload)
    except cbor2.CBORDecodeError:  # not CBOR at all (payload-not-cbor)
        return
    if isinstance(value, dict) and value.get("method") in CATALOG:
        root = wp_schema.request_root(value["method"])
        assert wp_schema.mismatch(root, payload) is not None, f"{vector['name']} matches {root}"


# ---------------------------------------------------------------------------------------------
# messages.json
# ---------------------------------------------------------------------------------------------

def message_id(entry):
    return f"{entry['method'].rsplit('.', 1)[1]}:{entry['kind']}:{entry['name']}"


@pytest.mark.parametrize("entry", MESSAGES["messages"], ids=message_id)
def test_golden_message_matches_its_rule(entry):
    rule = wp_schema.rule_for(entry["method"], entry["kind"])
    data = bytes.fromhex(entry["hex"])
    assert wp_schema.mismatch(rule, data) is None, wp_schema.mismatch(rule, data)
    # ... and inside its envelope (written around the message's own bytes).
    if entry["kind"] == "request":
        payload = b"\xa2" + cbor2.dumps("method") + cbor2.dumps(entry["method"]) + cbor2.dumps("message") + data
        root = wp_schema.request_root(entry["method"])
    else:
        payload = b"\xa1" + cbor2.dumps("message") + data
        root = wp_schema.answer_root(entry["method"])
    assert wp_schema.mismatch(root, payload) is None, wp_schema.mismatch(root, payload)


@pytest.mark.parametrize("entry", MESSAGES["messages"], ids=message_id)
def test_golden_message_json_is_its_hex(entry):
    assert same(strict_loads(bytes.fromhex(entry["hex"])), from_json(entry["message"]))


def test_messages_cover_every_method_both_ways():
    have = {(e["method"], e["kind"]) for e in MESSAGES["messages"]}
    missing = [(m, k) for m in CATALOG for k in ("request", "response") if (m, k) not in have]
    assert not missing, f"methods without golden messages: {missing}"
    strays = sorted({m for m, _ in have} - set(CATALOG)) + sorted({e["method"] for e in MESSAGES["errors"]} - set(CATALOG))
    assert not strays, f"golden messages of methods APICatalog does not have: {strays}"
    assert {k for _, k in have} == {"request", "response"}
    names = [(e["method"], e["kind"], e["name"]) for e in MESSAGES["messages"]]
    assert len(names) == len(set(names)), "two golden messages share a method, kind and name"


@pytest.mark.parametrize("entry", MESSAGES["errors"], ids=lambda e: e["name"])
def test_golden_error_matches_error_payload(entry):
    data = bytes.fromhex(entry["hex"])
    assert entry["status"] != "OK" and STATUS_CODES[entry["status"]] == entry["statusCode"]
    assert same(strict_loads(data), entry["payload"])
    assert wp_schema.mismatch("error-payload", data) is None, wp_schema.mismatch("error-payload", data)
    assert wp_schema.mismatch("response-payload", data) is None


def test_errors_cover_several_statuses():
    assert len({e["status"] for e in MESSAGES["errors"]}) >= 5


def test_unknown_enum_value_in_a_request_is_refused():
    """The rule the schema writes down: an enumeration value not listed is not a valid request."""
    good = {"permission": "users.view"}
    assert wp_schema.mismatch("Session.Authorize.Request", cbor2.dumps(good)) is None
    assert wp_schema.mismatch("Session.Authorize.Request", cbor2.dumps({"permission": "invoices.pay"})) is not None
    registration = next(e for e in MESSAGES["messages"] if e["method"].endswith("Profiles/GetRegistration") and e["kind"] == "response")
    value = raw_tags(bytes.fromhex(registration["hex"]))
    value["registration"]["profile"] = "superAdmin"
    assert wp_schema.mismatch("Profiles.GetRegistration.Response", cbor2.dumps(value)) is not None


def test_byte_strings_are_not_text():
    login = {"username": "mario.rossi", "password": "Pioggia-Di-Marzo-1980"}
    assert wp_schema.mismatch("Session.Login.Request", cbor2.dumps({**login, "username": b"mario.rossi"})) is not None
    registration = next(e for e in MESSAGES["messages"] if e["method"].endswith("Operator/GetRegistration") and e["kind"] == "response")
    value = raw_tags(bytes.fromhex(registration["hex"]))
    for key in ("email", "registrationId", "profile"):
        mutated = {"registration": {**value["registration"], key: value["registration"][key].encode()}}
        assert wp_schema.mismatch("Operator.GetRegistration.Response", cbor2.dumps(mutated)) is not None, key


def test_null_is_not_sent_for_an_absent_field():
    login = {"username": "mario.rossi", "password": "Pioggia-Di-Marzo-1980"}
    assert wp_schema.mismatch("Session.Login.Request", cbor2.dumps(login)) is None
    assert wp_schema.mismatch("Session.Login.Request", cbor2.dumps({**login, "otp": None})) is not None


# ---------------------------------------------------------------------------------------------
# Negative checks: every map of every golden message is closed and every value's type exact.
# ---------------------------------------------------------------------------------------------

def wrong_type(value):
    """A value of another CBOR type than `value`, which no rule accepting `value` may accept in
    its place."""
    if isinstance(value, cbor2.CBORTag):  # a timestamp without its tag
        return value.value
    if isinstance(value, bool):
        return "true"
    if isinstance(value, int):
        return float(value) + 0.5 if value >= 0 else "-1"
    if isinstance(value, float):
        return int(math.floor(value)) if value.is_integer() else str(value)
    if isinstance(value, str):
        return 7  # (a byte string instead: test_byte_strings_are_not_text; pycddl panics on some)
    if isinstance(value, list):
        return {"0": value[0]} if value else {"x": 1}
    if isinstance(value, dict):
        # (Not an array of its values: pycddl takes one for a map that is an array's item.)
        return "{}"
    raise TypeError(value)


def mutations(value, path=()):
    """(description, mutated copy of the whole message) for every key of every map in `value`:
    the key misspelled, the value of another type, and a key added to the map."""
    def replace(root, at, new):
        if not at:
            return new
        copy = dict(root) if isinstance(root, dict) else list(root)
        copy[at[0]] = replace(root[at[0]], at[1:], new)
        return copy

    out = []

    def walk(node, at):
        if isinstance(node, dict) and not (at and at[-1] in FREE_FORM):
            for key in node:
                misspelled = {(key + "s" if k == key else k): v for k, v in node.items()}
                out.append((f"{'/'.join(map(str, at + (key,)))} misspelled {key}s", replace(value, at, misspelled)))
                out.append((f"{'/'.join(map(str, at + (key,)))} of another type", replace(value, at + (key,), wrong_type(node[key]))))
            out.append((f"{'/'.join(map(str, at)) or 'the message'} with a key added",
                        replace(value, at, {**node, "futureField": "x"})))
            for key, child in node.items():
                walk(child, at + (key,))
        elif isinstance(node, list):
            if node:
                out.append((f"{'/'.join(map(str, at + (0,)))} of another type", replace(value, at + (0,), wrong_type(node[0]))))
            for i, child in enumerate(node):
                walk(child, at + (i,))

    walk(value, path)
    return out


@pytest.mark.parametrize("entry", MESSAGES["messages"], ids=message_id)
def test_schema_refuses_the_golden_message_misspelled_or_mistyped(entry):
    rule = wp_schema.rule_for(entry["method"], entry["kind"])
    value = raw_tags(bytes.fromhex(entry["hex"]))
    assert wp_schema.mismatch(rule, cbor2.dumps(value)) is None  # the re-encoding itself is valid
    accepted = [what for what, mutated in mutations(value) if wp_schema.mismatch(rule, cbor2.dumps(mutated)) is None]
    assert not accepted, f"{rule} accepts {entry['name']} with: {accepted}"


@pytest.mark.parametrize("entry", MESSAGES["errors"], ids=lambda e: e["name"])
def test_schema_refuses_the_golden_error_misspelled_or_mistyped(entry):
    value = raw_tags(bytes.fromhex(entry["hex"]))
    accepted = [what for what, mutated in mutations(value) if wp_schema.mismatch("error-payload", cbor2.dumps(mutated)) is None]
    assert not accepted, f"error-payload accepts {entry['name']} with: {accepted}"


@pytest.mark.parametrize("vector", [v for v in FRAMES["frames"] if "payload" in v], ids=lambda v: v["name"])
def test_schema_refuses_the_golden_frame_misspelled_or_mistyped(vector):
    _, status, _, payload = frame_parts(vector["hex"])
    root = {"HELLO": "hello-payload", "GOAWAY": "goaway-payload"}.get(vector["kind"])
    if vector["kind"] == "REQUEST":
        root = wp_schema.request_root(vector["payload"]["method"])
    elif vector["kind"] == "RESPONSE":
        root = "error-payload" if status else wp_schema.answer_root(vector["method"])
    value = raw_tags(payload)
    accepted = [what for what, mutated in mutations(value) if wp_schema.mismatch(root, cbor2.dumps(mutated)) is None]
    assert not accepted, f"{root} accepts {vector['name']} with: {accepted}"


# ---------------------------------------------------------------------------------------------
# PROTOCOL.md section 7 names the same fields as the schema.
# ---------------------------------------------------------------------------------------------

def split_top(text, separators=(",", "//")):
    """`text` split at the separators outside any bracket."""
    parts, depth, start, i = [], 0, 0, 0
    while i < len(text):
        c = text[i]
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        elif depth == 0:
            for sep in separators:
                if text.startswith(sep, i):
                    parts.append(text[start:i])
                    start = i + len(sep)
                    i += len(sep) - 1
                    break
        i += 1
    parts.append(text[start:])
    return [p.strip() for p in parts if p.strip()]


DEFINITIONS = wp_schema.DEFINITIONS


def schema_fields(rule, in_choice=False):
    """The keys of a map rule: name → "optional", "required" or "choice" (one of a group choice)."""
    definition = DEFINITIONS[rule]
    if re.fullmatch(r"[A-Za-z][\w.-]*", definition):
        return schema_fields(definition, in_choice)
    assert definition[0] in "({", f"{rule} is not a map or a group: {definition[:40]}"
    return entry_fields(definition[1:definition.rindex("})"[definition[0] == "("])], in_choice)


def entry_fields(body, in_choice):
    fields = {}
    alternatives = split_top(body, ("//",))
    choice = in_choice or len(alternatives) > 1
    for alternative in alternatives:
        for entry in split_top(alternative, (",",)):
            if entry.startswith("("):
                fields.update(entry_fields(entry[1:-1], choice))
            elif m := re.fullmatch(r'(\?\s*)?"?(\w+)"?\s*:.*', entry, re.DOTALL):
                fields[m[2]] = "choice" if choice else ("optional" if m[1] else "required")
            elif "=>" in entry:
                continue  # `* tstr => Never`
            elif entry in DEFINITIONS:
                fields.update(schema_fields(entry, choice))
            else:
                raise AssertionError(f"cannot read the entry {entry!r}")
    return fields


def doc_fields(cell):
    """The top-level fields of the first `{...}` in a PROTOCOL.md table cell: name → optional."""
    start = cell.find("`{")
    if start < 0:
        return None
    depth = 0
    for end in range(start + 1, len(cell)):
        depth += {"{": 1, "}": -1}.get(cell[end], 0)
        if depth == 0:
            break
    fields = {}
    for item in split_top(cell[start + 2:end].replace("\\|", ","), (",",)):
        m = re.match(r"(\w+)(\?)?", item)
        assert m, f"cannot read the field {item!r} in {cell!r}"
        fields[m[1]] = bool(m[2])
    return fields


def documented_methods():
    """(method, request cell, response cell) of every method PROTOCOL.md section 7 documents."""
    text = (ROOT / "Protocol" / "PROTOCOL.md").read_text()
    section = text[text.index("## 7. Methods"):text.index("## 8.")]
    rows = []
    health = re.search(r"`Health/Check (\{\})` → `(\{[^`]*\})`", section)
    rows.append(("webprofiles.v1.Health/Check", f"`{health[1]}`", f"`{health[2]}`"))
    for line in section.splitlines():
        if m := re.match(r"\| `(\w+/\w+)`[^|]*\|", line):
            cells = [c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]]
            rows.append((f"webprofiles.v1.{m[1]}", cells[1], cells[2]))
    return rows


DOCUMENTED = documented_methods()


def test_every_method_is_documented_once():
    names = [name for name, _, _ in DOCUMENTED]
    assert len(names) == len(set(names)), "a method documented twice"
    assert sorted(names) == sorted(CATALOG), (f"missing from PROTOCOL.md section 7: {sorted(set(CATALOG) - set(names))}; "
                                              f"documented but not in APICatalog: {sorted(set(names) - set(CATALOG))}")


@pytest.mark.parametrize("method, request_cell, response_cell", DOCUMENTED,
                         ids=[name.rsplit(".", 1)[-1] for name, _, _ in DOCUMENTED])
def test_documented_fields_are_the_schemas(method, request_cell, response_cell):
    for kind, cell in (("request", request_cell), ("response", response_cell)):
        documented = doc_fields(cell)
        if documented is None:  # "same shape", "as Profiles/ListRegistrations"
            continue
        if kind == "request" and method.startswith("webprofiles.v1.Profiles/"):
            documented.setdefault("companyId", True)  # "Every request also takes companyId?" (7.4)
        fields = schema_fields(wp_schema.rule_for(method, kind))
        assert documented.keys() == fields.keys(), f"{method} {kind}: PROTOCOL.md {sorted(documented)}, CDDL {sorted(fields)}"
        for name, optional in documented.items():
            if fields[name] != "choice":
                assert optional == (fields[name] == "optional"), f"{method} {kind}: {name} is {fields[name]} in the CDDL"


# ---------------------------------------------------------------------------------------------
# The end-to-end suites' checks (Tests/Interop/wp_schema.py) accept the golden traffic and refuse
# what does not match, naming the method and the rule.
# ---------------------------------------------------------------------------------------------

class FakeFrame:
    def __init__(self, kind, payload, status=0):
        self.kind, self.payload, self.status = kind, payload, status


def golden_answer(method):
    entry = next(e for e in MESSAGES["messages"] if e["method"] == method and e["kind"] == "response")
    return b"\xa1" + cbor2.dumps("message") + bytes.fromhex(entry["hex"])


def test_end_to_end_checks_accept_the_golden_traffic():
    for vector in FRAMES["frames"]:
        kind, status, _, payload = frame_parts(vector["hex"])
        if vector["kind"] == "REQUEST":
            wp_schema.check_request(vector["payload"]["method"], payload)
        elif vector["kind"] != "CANCEL":  # the daemon never sends CANCEL
            wp_schema.check_frame(FakeFrame(kind, payload, status), vector.get("method"))
    for method in CATALOG:
        wp_schema.check_frame(FakeFrame(wp_schema.RESPONSE, golden_answer(method)), method)
        wp_schema.check_frame(FakeFrame(wp_schema.RESPONSE, golden_answer(method)))  # a hand-written stream
    for entry in MESSAGES["errors"]:
        wp_schema.check_frame(FakeFrame(wp_schema.RESPONSE, bytes.fromhex(entry["hex"]), entry["statusCode"]), entry["method"])


def test_end_to_end_checks_refuse_and_name_what_does_not_match():
    login = "webprofiles.v1.Session/Login"
    with pytest.raises(AssertionError, match=r"REQUEST of webprofiles\.v1\.Session/Login .*Session\.Login\.Request.*password"):
        wp_schema.check_request(login, cbor2.dumps({"method": login, "message": {"username": "mario.rossi", "pasword": "x"}}))
    health = golden_answer("webprofiles.v1.Health/Check")
    with pytest.raises(AssertionError, match=r"answer of webprofiles\.v1\.Session/Login .*Session\.Login\.Response"):
        wp_schema.check_frame(FakeFrame(wp_schema.RESPONSE, health), login)
    with pytest.raises(AssertionError, match="matches no method"):
        wp_schema.check_frame(FakeFrame(wp_schema.RESPONSE, cbor2.dumps({"message": {"status": "serving"}})))
    with pytest.raises(AssertionError, match="error-payload"):
        wp_schema.check_frame(FakeFrame(wp_schema.RESPONSE, health, status=3), login)  # an answer at an error status
    with pytest.raises(AssertionError, match="goaway-payload"):
        wp_schema.check_frame(FakeFrame(wp_schema.GOAWAY, cbor2.dumps({"lastStreamID": 1, "message": "bye"})))
    with pytest.raises(AssertionError, match="not 8"):
        wp_schema.check_frame(FakeFrame(wp_schema.PONG, b"\x00" * 4))
    with pytest.raises(AssertionError, match="has no rule Session.Nope.Request"):
        wp_schema.check_request("webprofiles.v1.Session/Nope", cbor2.dumps({"method": "webprofiles.v1.Session/Nope", "message": {}}))
