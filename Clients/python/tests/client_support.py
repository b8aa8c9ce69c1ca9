"""Helpers of the webprofiles client's tests (the fixtures are in conftest.py).

Importing this module puts the package on the path: the installed ``webprofiles`` (``pip install
./Clients/python``), else, in a checkout without it, ``Clients/python/src``; and
``Tests/Interop`` for ``wp_daemon``, the daemon helper of the repository's Python suites.
"""
import itertools
import os
import pathlib
import sys
import time
from typing import Callable, Dict, Optional

import pytest

TESTS = pathlib.Path(__file__).resolve().parent
PACKAGE_ROOT = TESTS.parent
ROOT = PACKAGE_ROOT.parents[1]
sys.path.append(str(ROOT / "Tests" / "Interop"))

try:
    import webprofiles  # noqa: E402
except ImportError:  # not installed: the checkout's source
    sys.path.insert(0, str(PACKAGE_ROOT / "src"))
    import webprofiles  # noqa: E402

from webprofiles import Client, OperatorClient  # noqa: E402
from webprofiles.messages import LegalRepresentativeRequest, Line, LineKind, Profile  # noqa: E402

PASSWORD = "Correct-Horse-Battery-9"
FAST_HASHING = ["--argon2-memory-kib", "64", "--argon2-iterations", "1"]


def stale_installed_files():
    """The package files where the imported webprofiles differs from Clients/python/src."""
    installed = pathlib.Path(webprofiles.__file__).resolve().parent
    source = (PACKAGE_ROOT / "src" / "webprofiles").resolve()
    if installed == source:
        return []
    return sorted(p.name for p in source.iterdir() if p.suffix == ".py" or p.name == "py.typed"
                  if not (installed / p.name).exists() or (installed / p.name).read_bytes() != p.read_bytes())


_numbers = itertools.count(1)
_addresses = itertools.count(1)


def unique(prefix: str) -> str:
    return f"{prefix}{os.getpid()}x{next(_numbers)}"


def vat_number(n: int) -> str:
    """A valid partita IVA derived from n."""
    digits = [int(c) for c in f"{n:010d}"]
    total = 0
    for i, d in enumerate(digits):
        total += d if i % 2 == 0 else (d * 2 - 9 if d * 2 > 9 else d * 2)
    return "".join(map(str, digits)) + str((10 - total % 10) % 10)


class CompanySetup:
    """A company made through the operator socket with this package: its legal representative
    activated and logged in, two mobile lines."""

    LINES = ("+393331234567", "+393339876543")

    def __init__(self, operator: OperatorClient, api: Client) -> None:
        n = next(_numbers)
        self.api = api
        self.rep_username = unique("rep.")
        created = operator.create_company(
            f"Rossi {n} S.r.l.", vat_number(10_000 + n),
            LegalRepresentativeRequest("Mario Rossi", "RSSMRA80A01H501U", f"{self.rep_username}@rossi.example",
                                       self.rep_username))
        self.company = created.company
        self.company_id = created.company.company_id
        self.lines = [f"+393{n:04d}{i:05d}" for i in range(2)]
        operator.add_lines(self.company_id, [Line(line, LineKind.MOBILE) for line in self.lines])
        api.activate(created.activation_code, PASSWORD)
        self.rep_token = api.login(self.rep_username, PASSWORD).session_token

    def register(self, profile: Profile = Profile.ADMIN_FULL, line: Optional[str] = None, activate: bool = True,
                 username: Optional[str] = None) -> Dict[str, str]:
        """A new registration (activated and logged in): its username, registration id and token."""
        username = username or unique("user.")
        created = self.api.register_user(username, username.title(), f"{username}@rossi.example", profile, line=line,
                                         token=self.rep_token)
        result = {"username": username, "registration_id": created.registration.registration_id,
                  "activation_code": created.activation_code}
        if activate:
            self.api.activate(created.activation_code, PASSWORD)
            result["token"] = self.api.login(username, PASSWORD).session_token
        return result


class Answers:
    """The RESPONSE frames clients receive, by connection: the answers to cancelled calls too,
    which nothing else sees (the client drops them)."""

    def __init__(self) -> None:
        self._seen: list = []

    def record(self, mux, stream_id: int, status: int) -> None:
        self._seen.append((mux, stream_id, status))

    def of(self, client) -> list:
        """(stream id, status) of the answers received on ``client``'s current connection."""
        mux = client._current.mux
        return [(stream_id, status) for seen_mux, stream_id, status in self._seen if seen_mux is mux]


def throttled_address(client: Client) -> str:
    """An end-user address whose logins the daemon spaces out (PROTOCOL.md 7.3): once it has failed
    20 times, its attempts wait their turns, the turns 0.25 s apart and doubling with each further
    failure, the first at once. After 22 failures (the last one waited 0.25 s) the next login from
    it is not answered for 0.5 s: slow by design, which the deadline and cancellation tests need.
    Use the address at once: the turns are spaced from the previous one, so a pause shortens the wait."""
    address = f"2001:db8::{next(_addresses):x}"  # the documentation prefix: never a real user
    for _ in range(22):
        with pytest.raises(webprofiles.Unauthenticated):
            client.login("nobody.here", "not-the-password-1", client_ip=address)
    return address


def wait_until(condition: Callable[[], bool], what: str, limit: float = 15.0) -> None:
    """Polls ``condition`` until it holds; fails the test after ``limit`` seconds (a bound on a
    hang, not a timing assertion)."""
    ends = time.monotonic() + limit
    while not condition():
        if time.monotonic() > ends:
            pytest.fail(f"still waiting after {limit} s for {what}")
        time.sleep(0.01)


def daemon_metric(operator: OperatorClient, name: str, **labels: str) -> float:
    """A counter of the daemon's metrics (Operator/Metrics, Prometheus text), 0 when absent."""
    text = operator.metrics().text
    total = 0.0
    for line in text.splitlines():
        if not line.startswith(name + "{") and not line.startswith(name + " "):
            continue
        head, _, value = line.rpartition(" ")
        if all(f'{key}="{wanted}"' in head for key, wanted in labels.items()):
            total += float(value)
    return total
