"""The benchmark package cannot import the store (its API is `package`), so it carries a copy of
the daemon's SQLite migrations (Benchmarks/Sources/BenchmarkSupport/DaemonSchema.swift) to seed
databases the daemon opens as its own. The copy must match the source, migration by migration."""
import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parents[2]
MIGRATION = re.compile(r'registerMigration\("([^"]+)"\) \{ db in\n(.*?)\n        \}\n', re.S)


def migrations(path):
    return {name: "\n".join(line.strip() for line in body.splitlines())
            for name, body in MIGRATION.findall(path.read_text())}


def test_the_benchmark_schema_is_the_daemon_schema():
    source = migrations(ROOT / "Sources" / "WebProfilesStore" / "Backends" / "SQLiteSchema.swift")
    copy = migrations(ROOT / "Benchmarks" / "Sources" / "BenchmarkSupport" / "DaemonSchema.swift")
    assert source, "no migrations found in SQLiteSchema.swift"
    assert list(copy) == list(source), "the benchmark copy registers other migrations than the daemon"
    for name in source:
        assert copy[name] == source[name], f"migration {name!r} differs between the daemon and its benchmark copy"
