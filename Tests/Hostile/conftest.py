"""The hostile-input suite: what a compromised or buggy local service could send the real
webprofiled binary, each attack measured (figures printed at the end) and its bound asserted."""
import pathlib
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "Tests" / "Interop"))

from wp_daemon import *  # noqa: E402,F401,F403 (the helpers every test module imports from here)
from wp_daemon import Daemon  # noqa: E402

FIGURES = []


def figure(name, value):
    """Records a measured figure; all of them are printed at the end of the run."""
    FIGURES.append((name, value))


def pytest_terminal_summary(terminalreporter):
    if FIGURES:
        terminalreporter.section("hostile-input figures (measured on this run)")
        for name, value in FIGURES:
            terminalreporter.write_line(f"{name}: {value}")


@pytest.fixture
def daemon_factory():
    started = []

    def make(*args, **kwargs):
        d = Daemon(*args, **kwargs)
        started.append(d)
        return d

    yield make
    for d in started:
        d.kill()
