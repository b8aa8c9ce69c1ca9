"""Protocol/webprofiles.cddl applied to the package's traffic (tests only: the package depends on
cbor2 alone).

:func:`install` wraps the two functions of ``webprofiles._wire`` every call goes through:

- ``encode_request``: each REQUEST payload the client encodes must match
  ``{ method: "<method>", message: <Service>.<Method>.Request, call-options }``;
- ``decode_response``: each RESPONSE payload it receives must match
  ``{ message: <Service>.<Method>.Response }`` at status 0, ``error-payload`` otherwise.

A mismatch raises AssertionError in the call (so the test fails where it happened) and is kept in
:attr:`WireSchema.failures` (so a test that swallowed it still fails at teardown).
"""
import contextlib
import functools
import pathlib
import re
import threading
from typing import Dict, Iterator, List, Optional, Set

import pycddl

ROOT = pathlib.Path(__file__).resolve().parents[3]
CDDL_PATH = ROOT / "Protocol" / "webprofiles.cddl"
METHOD_NAME = re.compile(r"webprofiles\.v1\.(\w+)/(\w+)")
# A rule definition: a name at the start of a line, then "=" (not "/=" or "//=").
RULE_DEFINITION = re.compile(r"^([A-Za-z][\w.-]*)\s*(?:<[^>]*>)?\s*=(?![=/])", re.MULTILINE)


def cddl_text() -> str:
    return CDDL_PATH.read_text()


def rules(text: Optional[str] = None) -> Set[str]:
    return set(RULE_DEFINITION.findall(text if text is not None else cddl_text()))


def method_rule(method: str, kind: str) -> str:
    """``<Service>.<Method>.Request`` / ``.Response`` of ``webprofiles.v1.<Service>/<Method>``."""
    match = METHOD_NAME.fullmatch(method)
    assert match, f"{method!r} is not a method name"
    return f"{match[1]}.{match[2]}.{kind}"


class WireSchema:
    """Validates payloads against the CDDL; counts what it checked."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.rules = rules(text)
        self.failures: List[str] = []
        self.requests: Dict[str, int] = {}
        self.responses: Dict[str, int] = {}
        #: False while a test marked ``no_schema`` runs.
        self.active = True
        self._lock = threading.Lock()
        self._skip_requests = threading.local()

    @functools.lru_cache(maxsize=None)
    def schema(self, root: str) -> "pycddl.Schema":
        return pycddl.Schema(f"root = {root}\n{self.text}")

    def mismatch(self, root: str, payload: bytes) -> Optional[str]:
        try:
            self.schema(root).validate_cbor(payload)
        except pycddl.ValidationError as error:
            return str(error).strip()
        return None

    def check(self, root: str, payload: bytes, what: str) -> None:
        problem = self.mismatch(root, payload)
        if problem is not None:
            text = f"{what} does not match {root}: {problem}\npayload: {payload.hex()}"
            with self._lock:
                self.failures.append(text)
            raise AssertionError(text)

    def rule(self, method: str, kind: str) -> str:
        rule = method_rule(method, kind)
        if rule not in self.rules:
            text = f"{CDDL_PATH.name} has no rule {rule} (for {method})"
            with self._lock:
                self.failures.append(text)
            raise AssertionError(text)
        return rule

    def check_request(self, method: str, payload: bytes) -> None:
        if not self.active or getattr(self._skip_requests, "active", False):
            return
        root = f'{{ method: "{method}", message: {self.rule(method, "Request")}, call-options }}'
        self.check(root, payload, f"the REQUEST of {method}")
        with self._lock:
            self.requests[method] = self.requests.get(method, 0) + 1

    def check_response(self, method: str, status: int, payload: bytes) -> None:
        if not self.active:
            return
        if status == 0:
            root = f"{{ message: {self.rule(method, 'Response')} }}"
        else:
            root = "error-payload"
        self.check(root, payload, f"the answer (status {status}) to {method}")
        with self._lock:
            self.responses[method] = self.responses.get(method, 0) + 1

    @contextlib.contextmanager
    def invalid_requests(self) -> Iterator[None]:
        """Requests the test means to be invalid (the daemon must refuse them) go unchecked
        in this thread; the answers are still checked."""
        self._skip_requests.active = True
        try:
            yield
        finally:
            self._skip_requests.active = False


def install(wire_module, schema: WireSchema):
    """Wraps ``encode_request`` and ``decode_response`` of ``webprofiles._wire``; returns a function
    that undoes it."""
    encode, decode = wire_module.encode_request, wire_module.decode_response

    def checked_encode(method, message, timeout_millis, metadata):
        payload = encode(method, message, timeout_millis, metadata)
        schema.check_request(method, payload)
        return payload

    def checked_decode(method, status, payload):
        schema.check_response(method, status, payload)
        return decode(method, status, payload)

    wire_module.encode_request, wire_module.decode_response = checked_encode, checked_decode

    def uninstall():
        wire_module.encode_request, wire_module.decode_response = encode, decode
    return uninstall
