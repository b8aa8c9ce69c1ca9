"""README.md: its Flask example runs against the real daemon, every Python block in it compiles, and
its table names every client method."""
import ast
import re

import pytest

from client_support import PACKAGE_ROOT, PASSWORD
from webprofiles.messages import METHODS, Profile

README = (PACKAGE_ROOT / "README.md").read_text()


def python_blocks():
    return re.findall(r"```python\n(.*?)```", README, re.S)


def test_every_python_block_compiles():
    blocks = python_blocks()
    assert len(blocks) >= 5
    for block in blocks:
        ast.parse(block)


def test_the_method_table_names_every_method():
    missing = [m.python_name for m in METHODS if f"`{m.python_name}()`" not in README]
    assert not missing, f"README.md does not list {missing}"


@pytest.fixture
def flask_app(daemon, monkeypatch):
    pytest.importorskip("flask")
    block = re.search(r"<!-- flask-example:begin -->\n```python\n(.*?)```\n<!-- flask-example:end -->", README, re.S)
    assert block, "the Flask example's markers are missing"
    monkeypatch.setenv("WEBPROFILED_SOCKET", daemon.api)
    namespace = {"__name__": "readme_flask_example"}
    exec(compile(block[1], "README.md (Flask example)", "exec"), namespace)
    yield namespace["app"]
    namespace["profiles"].close()


def test_the_flask_example(flask_app, company):
    manager = company.register(Profile.ADMIN_LIGHT, activate=True)
    browser = flask_app.test_client()

    def get(path):
        return browser.get(path, base_url="https://portal.example")

    def post(path, **form):
        return browser.post(path, data=form, base_url="https://portal.example")

    answer = get("/users")  # no cookie: to the login page
    assert answer.status_code == 302 and answer.headers["Location"].startswith("/login?next=")
    assert post("/login", username=company.rep_username, password="not-the-password-1").status_code == 401

    answer = post("/login?next=/users", username=company.rep_username, password=PASSWORD)
    assert answer.status_code == 302 and answer.headers["Location"] == "/users"
    cookie = browser.get_cookie("wp_session", domain="portal.example")
    assert cookie is not None and cookie.value.startswith("wps_") and cookie.http_only and cookie.secure

    listing = get("/users")
    assert listing.status_code == 200
    assert company.rep_username in [u["username"] for u in listing.json["users"]]
    assert listing.json["company"] == company.company.name
    assert get(f"/lines/{company.lines[0]}/services").status_code == 200

    assert post("/logout").status_code == 302
    assert get("/users").status_code == 302  # logged out: back to the login page

    # An Admin Light: no users.view, but line services on the company's mobile lines.
    answer = post("/login?next=//evil.example/", username=manager["username"], password=PASSWORD)
    assert answer.headers["Location"] == "/"  # no open redirect
    assert get("/users").status_code == 403
    assert get(f"/lines/{company.lines[1]}/services").json["manager"] == manager["username"]
