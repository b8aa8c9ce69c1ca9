"""Protocol/webprofiles.cddl applied to what the Python end-to-end suites send and receive.

`install()` makes every wp_client.Connection check, with pycddl:
- each request it means to be valid (`start_call`, unless called with `check_request=False`; raw
  frames written with `send`/`send_raw` are the hostile tests' own and are not checked) against
  `{ method: "<method>", message: <Service>.<Method>.Request, call-options }`;
- its HELLO against `hello-payload`;
- every frame it reads from the daemon: HELLO `hello-payload`, GOAWAY `goaway-payload`, PING and
  PONG 8 bytes; a RESPONSE at status 0 `{ message: <Service>.<Method>.Response }` of the method
  its stream called (of some method when the stream was written by hand), at any other status
  `error-payload`.
A mismatch fails the test with an AssertionError naming the method, the rule and pycddl's message.
Tests/Interop (conftest.py) and wp_daemon.py (Tests/Hostile, Tests/Distributed, Tests/Metrics)
install it; benchmarks, which import wp_client alone, run without it (and without pycddl).
"""
import functools
import pathlib
import re
import sys

import pycddl

ROOT = pathlib.Path(__file__).resolve().parents[2]
CDDL_PATH = ROOT / "Protocol" / "webprofiles.cddl"
CDDL = CDDL_PATH.read_text()

METHOD_NAME = re.compile(r"webprofiles\.v1\.(\w+)/(\w+)")
# Rule definitions: a name at the start of a line, then "=" (not "//=" or "/=").
RULE_DEFINITION = re.compile(r"^([A-Za-z][\w.-]*)\s*(?:<[^>]*>)?\s*=(?!=)", re.MULTILINE)
IDENTIFIER = re.compile(r"[A-Za-z][\w.-]*")


def without_comment(line):
    """A CDDL line without its comment (a ";" outside a text literal starts one)."""
    quoted = False
    for i, c in enumerate(line):
        if c == '"':
            quoted = not quoted
        elif c == ";" and not quoted:
            return line[:i]
    return line


def rule_definitions(text):
    """Each rule's name and its definition (the text after "=", comments removed), in order."""
    code = "\n".join(without_comment(line).rstrip() for line in text.splitlines())
    starts = list(RULE_DEFINITION.finditer(code))
    return {m[1]: code[m.end():(starts[i + 1].start() if i + 1 < len(starts) else len(code))].strip()
            for i, m in enumerate(starts)}


DEFINITIONS = rule_definitions(CDDL)
RULES = frozenset(DEFINITIONS)
RESPONSE_RULES = tuple(sorted(rule for rule in RULES if re.fullmatch(r"\w+\.\w+\.Response", rule)))


def references(text):
    """The rules `text` (CDDL) names, text literals aside."""
    return {name for name in IDENTIFIER.findall(re.sub(r'"[^"]*"', '""', text)) if name in RULES}

HELLO, REQUEST, RESPONSE, CANCEL, PING, PONG, GOAWAY = range(1, 8)


def rule_for(method, kind):
    """`<Service>.<Method>.Request` or `.Response` of `webprofiles.v1.<Service>/<Method>` (kind
    "request" or "response"); an AssertionError when the schema has no such rule."""
    match = METHOD_NAME.fullmatch(method)
    assert match, f"{method!r} is not a method name (webprofiles.v1.<Service>/<Method>)"
    assert kind in ("request", "response"), kind
    rule = f"{match[1]}.{match[2]}.{kind.capitalize()}"
    assert rule in RULES, f"{method}: {CDDL_PATH.name} has no rule {rule}: every method of the protocol needs one"
    return rule


def request_root(method):
    """The REQUEST payload of `method`."""
    return f'{{ method: "{method}", message: {rule_for(method, "request")}, call-options, * tstr => Never }}'


def answer_root(method):
    """The RESPONSE payload of `method` at status 0."""
    return f"{{ message: {rule_for(method, 'response')}, * tstr => Never }}"


def schema_text(root):
    """`root = <root>` followed by the rules it needs, directly or not. (pycddl validates against
    the first rule; it takes about 30 times longer with the whole schema behind it, which the
    end-to-end suites' bursts of calls would feel.)"""
    needed, todo = set(), references(root)
    while todo:
        rule = todo.pop()
        needed.add(rule)
        todo |= references(DEFINITIONS[rule]) - needed
    return "\n".join([f"root = {root}"] + [f"{rule} = {DEFINITIONS[rule]}" for rule in DEFINITIONS if rule in needed])


@functools.lru_cache(maxsize=None)
def schema(root):
    """The schema with `root` as its first rule, which pycddl validates against (compiled once)."""
    return pycddl.Schema(schema_text(root))


def mismatch(root, payload):
    """pycddl's message when `payload` (CBOR bytes) does not match `root`, else None."""
    try:
        schema(root).validate_cbor(payload)
    except pycddl.ValidationError as error:
        message = str(error).strip()
        if "expected type nil" in message:
            message += "\n(a key the rule does not list: closed maps end in `* tstr => Never`, which takes no value)"
        return message
    except BaseException as error:
        # pycddl 0.6.4 panics (a pyo3 PanicException, not an Exception) on some mismatches, e.g. a
        # byte string where a text literal is expected: it never accepts the value.
        if type(error).__name__ != "PanicException":
            raise
        return f"pycddl panicked validating it: {error}"
    return None


def check(root, payload, what):
    problem = mismatch(root, payload)
    if problem is not None:
        raise AssertionError(f"{what} does not match {root} ({CDDL_PATH.relative_to(ROOT)}): {problem}\n"
                             f"payload: {payload.hex()}")


def check_request(method, payload):
    check(request_root(method), payload, f"the REQUEST of {method}")


def check_hello(payload):
    check("hello-payload", payload, "the client's HELLO")


def check_any_answer(payload):
    """An answer at status 0 whose method is not known (its REQUEST was written by hand) must be
    some method's. Tried method by method: `{ message: any-response }`, a choice of maps, is not
    checked strictly by pycddl (see the schema's validator notes)."""
    if not any(mismatch(f"{{ message: {rule}, * tstr => Never }}", payload) is None for rule in RESPONSE_RULES):
        raise AssertionError(f"the answer (status 0) of a hand-written REQUEST matches no method's <Service>.<Method>.Response "
                             f"({CDDL_PATH.relative_to(ROOT)}): {payload.hex()}")


def check_frame(frame, method=None):
    """Checks a frame the daemon sent; `method` is the one its stream called, when known."""
    payload = frame.payload
    if frame.kind == HELLO:
        check("hello-payload", payload, "the daemon's HELLO")
    elif frame.kind == GOAWAY:
        check("goaway-payload", payload, f"the daemon's GOAWAY (status {frame.status})")
    elif frame.kind in (PING, PONG):
        assert len(payload) == 8, f"the daemon's {'PING' if frame.kind == PING else 'PONG'} holds {len(payload)} bytes, not 8"
    elif frame.kind == RESPONSE:
        if frame.status != 0:
            check("error-payload", payload, f"the error answer (status {frame.status}) of {method or 'a hand-written REQUEST'}")
        elif method is not None:
            check(answer_root(method), payload, f"the answer of {method}")
        else:
            check_any_answer(payload)
    else:
        raise AssertionError(f"the daemon sent a frame of kind {frame.kind}, which it never sends")


def install():
    """Makes every wp_client.Connection check its traffic (see the module's documentation)."""
    import wp_client

    wp_client.Connection.schema = sys.modules[__name__]
