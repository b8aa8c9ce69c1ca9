#!/usr/bin/env python3
"""Writes the seed corpus of every fuzz target into DIR/<Target>/: the golden frames of
Protocol/vectors/frames.json, the RFC 8949 Appendix A vectors, a REQUEST for every method, and
small versions of the hostile payloads of Tests/Hostile (nested container keys, long arrays,
tagged metadata, duplicate keys, deep nesting)."""
import base64
import hashlib
import json
import pathlib
import sys

import cbor2

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "Tests" / "Hostile"))
from hostile_cbor import array_of_zeros, frame, head, nested_key_maps, request, text, text_map  # noqa: E402

METHODS = ["Health/Check", "Session/Login", "Session/Activate", "Session/Whoami", "Session/Authorize", "Session/Logout",
           "Session/ListSessions", "Session/RevokeSession", "Session/ChangePassword", "Profiles/ListRegistrations",
           "Profiles/GetRegistration", "Profiles/RegisterUser", "Profiles/ChangeProfile", "Profiles/RevokeCredentials",
           "Profiles/RestoreCredentials", "Profiles/GetCompany", "Operator/CreateCompany", "Operator/ChangeLegalRepresentative",
           "Operator/AddLines", "Operator/RemoveLine", "Operator/ListCompanies", "Operator/GetCompany",
           "Operator/UnlockRegistration", "Operator/ListAuditEvents", "Operator/Stats", "Operator/Reload"]

MESSAGES = [
    {}, {"username": "mario.rossi", "password": "Correct-Horse-9"}, {"permission": "line.manage", "line": "+393331234567"},
    {"registrationId": "0d6f9d8e-0000-4000-8000-000000000000", "profile": "user", "line": "+393331234567"},
    {"username": "anna", "displayName": "Anna", "email": "a@r.it", "profile": "adminLight", "referent": "Referente"},
    {"companyId": "c", "lines": [{"msisdn": "+393331234567", "kind": "mobile"}]},
    {"name": "Rossi", "vatNumber": "01234567897", "legalRepresentative": {"fullName": "Mario", "fiscalCode": "RSSMRA80A01H501U",
                                                                          "email": "m@r.it", "username": "mario"}},
    {"since": cbor2.CBORTag(1, 1800000000), "pageSize": 50, "pageToken": "bW9yZQ"},
]


def hostile_payloads():
    health = "webprofiles.v1.Health/Check"
    yield request(health, head(5, 0), [("x", nested_key_maps(8, 17, array_of_zeros(500)))])
    yield request(health, head(5, 0), [("x", array_of_zeros(9000))])
    yield request(health, head(5, 0), [("metadata", head(6, 55799) + head(5, 20) + b"".join(text(f"k{i}") + text("v") for i in range(20)))])
    yield request(health, head(5, 2) + text("a") + head(0, 1) + text("a") + head(0, 2))  # duplicate keys
    yield request(health, head(5, 0), [("deep", head(4, 1) * 70 + head(0, 0))])
    yield request(health, head(5, 1) + head(4, 1) + head(0, 1) + head(0, 2))  # an array as a key
    yield request("webprofiles.v1.Session/Login", text_map([("username", text("A" * 2000)), ("password", text("x"))]))


def write(directory, data):
    directory.mkdir(parents=True, exist_ok=True)
    (directory / hashlib.sha1(data).hexdigest()).write_bytes(data)


def main(out):
    out = pathlib.Path(out)
    vectors = json.loads((ROOT / "Protocol" / "vectors" / "frames.json").read_text())
    frames = [bytes.fromhex(f["hex"]) for f in vectors["frames"]]
    frames += [bytes.fromhex(f["hex"]) for f in vectors["connectionErrors"] + vectors["callErrors"]]
    appendix = json.loads((ROOT / "Tests" / "CBORTests" / "Vectors" / "cbor-rfc8949-appendix-a.json").read_text())
    payloads = [cbor2.dumps({"method": "webprofiles.v1." + m, "message": msg, "timeoutMillis": 1000,
                             "metadata": {"authorization": "Bearer wps_" + "A" * 43}})
                for m in METHODS for msg in MESSAGES[:3]]
    payloads += [cbor2.dumps({"method": "webprofiles.v1." + m, "message": msg}) for m in METHODS[:1] for msg in MESSAGES]
    payloads += list(hostile_payloads())
    for data in frames:
        write(out / "FuzzFrameDecoder", b"\x07" + data)
    hello = bytes.fromhex(next(f["hex"] for f in vectors["frames"] if f["name"] == "client-hello"))
    for data in payloads[:20]:
        write(out / "FuzzFrameDecoder", b"\x11" + hello + frame(2, data, 1))
    for vector in appendix:
        write(out / "FuzzCBOR", base64.b64decode(vector["cbor"]))
    for data in payloads:
        write(out / "FuzzCBOR", data)
        write(out / "FuzzRequest", data)


if __name__ == "__main__":
    main(sys.argv[1])
