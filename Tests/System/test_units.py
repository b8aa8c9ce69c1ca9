"""Static checks of the shipped units (no privileges needed)."""
import re
import subprocess

from conftest import ROOT


def test_service_exposure_is_at_most_one():
    out = subprocess.run(["systemd-analyze", "security", "--offline=true", str(ROOT / "systemd" / "webprofiled.service")],
                         capture_output=True, text=True, check=True).stdout
    match = re.search(r"Overall exposure level for webprofiled\.service: ([0-9.]+)", out)
    assert match, out
    print(f"systemd-analyze security: exposure {match.group(1)}")
    assert float(match.group(1)) <= 1.0


def test_sockets_are_named_for_the_daemon():
    api = (ROOT / "systemd" / "webprofiled.socket").read_text()
    op = (ROOT / "systemd" / "webprofiled-operator.socket").read_text()
    assert "FileDescriptorName=api" in api and "SocketMode=0660" in api and "SocketGroup=webprofiled-clients" in api
    assert "FileDescriptorName=operator" in op and "SocketMode=0600" in op
    service = (ROOT / "systemd" / "webprofiled.service").read_text()
    assert "RuntimeDirectory=" not in service
    for setting in ["Type=notify", "WatchdogSec=", "Restart=on-failure", "StateDirectory=webprofiled", "ExecReload=",
                    "ProtectSystem=strict", "PrivateNetwork=yes", "RestrictAddressFamilies=AF_UNIX",
                    "SystemCallFilter=@system-service", "MemoryDenyWriteExecute=yes", "CapabilityBoundingSet=",
                    "LimitNOFILE=", "MemoryHigh=", "MemoryMax=", "SystemCallFilter=setpriority"]:
        assert setting in service, setting


def test_catalog_covers_every_audit_action():
    from conftest import catalog_ids
    ids = catalog_ids()
    swift = (ROOT / "Sources" / "WebProfilesServer" / "Daemon" / "JournalMessageID.swift").read_text()
    for event in ["storageFailing", "storageRecovered"]:
        assert f'static let {event} = "{ids.pop(event)}"' in swift, event
    # Every case of the AuditAction enum, and nothing else, with the id the daemon logs.
    record = (ROOT / "Sources" / "WebProfilesStore" / "Records" / "AuditEventRecord.swift").read_text()
    enum = record[record.index("enum AuditAction"):]
    actions = set(re.findall(r"^\s+case (\w+)$", enum[:enum.index("\n}")], re.M))
    assert set(ids) == actions
    for action, message_id in ids.items():
        assert f'case .{action}: "{message_id}"' in swift, action
    assert all(re.fullmatch(r"[0-9a-f]{32}", i) for i in ids.values())
    for action, message_id in ids.items():
        assert f'case .{action}: "{message_id}"' in swift, action
