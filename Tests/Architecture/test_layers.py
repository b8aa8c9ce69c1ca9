"""ARCHITECTURE.md's import rules hold: every target imports exactly the dependencies
Package.swift declares for it (none missing, none unused), and the project's own targets only
where the rules table allows."""
import json
import pathlib
import re
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
SYSTEM_MODULES = {"Foundation", "FoundationEssentials", "Glibc", "Musl", "Darwin", "Dispatch", "Synchronization",
                  "Testing", "XCTest", "_Concurrency"}
IMPORT = re.compile(r"^\s*(?:@testable\s+|@_spi\(\w+\)\s+)?(?:public\s+|package\s+|internal\s+)?import\s+(\w+)", re.M)


@pytest.fixture(scope="module")
def package():
    out = subprocess.run(["swift", "package", "dump-package"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    return json.loads(out)


def target_path(target):
    if target.get("path"):
        return ROOT / target["path"]
    return ROOT / ("Tests" if target["type"] == "test" else "Sources") / target["name"]


def declared(target):
    names = set()
    for dependency in target.get("dependencies", []):
        for kind in ("byName", "target", "product"):
            if kind in dependency:
                names.add(dependency[kind][0])
    return names


def imported(target):
    modules = set()
    for source in target_path(target).rglob("*.swift"):
        modules |= set(IMPORT.findall(source.read_text()))
    return modules - SYSTEM_MODULES


def rules():
    text = (ROOT / "ARCHITECTURE.md").read_text()
    block = text.split("<!-- layers:begin -->")[1].split("<!-- layers:end -->")[0]
    table = {}
    for line in block.strip().splitlines()[2:]:
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        table[cells[0]] = set() if cells[1] == "–" else {c.strip() for c in cells[1].split(",")}
    return table


def test_imports_match_the_declared_dependencies(package):
    problems = []
    for target in package["targets"]:
        if target["type"] == "system":
            continue
        missing, unused = imported(target) - declared(target), declared(target) - imported(target)
        if missing or unused:
            problems.append(f"{target['name']}: imports undeclared {sorted(missing)}, declares unused {sorted(unused)}")
    assert not problems, "\n".join(problems)


def test_targets_import_only_what_the_rules_allow(package):
    table = rules()
    ours = {t["name"] for t in package["targets"]}
    sources = [t for t in package["targets"] if t["type"] in ("regular", "executable") and "Tests" not in str(target_path(t))]
    assert {t["name"] for t in sources} == set(table), "ARCHITECTURE.md's table must list every source target"
    problems = []
    for target in sources:
        forbidden = (imported(target) & ours) - table[target["name"]]
        if forbidden:
            problems.append(f"{target['name']} imports {sorted(forbidden)}, which ARCHITECTURE.md does not allow")
    assert not problems, "\n".join(problems)
