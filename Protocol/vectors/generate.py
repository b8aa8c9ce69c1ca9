#!/usr/bin/env python3
"""Writes frames.json, the golden frames of webprofiles v1, and messages.json, a request and an
answer message of every method (plus error answers).

Independent of the Swift code: payloads are encoded here with a small preferred-serialization
CBOR writer (RFC 8949 §4.1: shortest integers, shortest exact floats, definite lengths, map keys
in the order given). Run it after changing the protocol and commit all three files:

    python3 Protocol/vectors/generate.py > Protocol/vectors/frames.json
    python3 Protocol/vectors/generate.py --messages > Protocol/vectors/messages.json
"""
import base64
import datetime
import hashlib
import json
import struct
import sys

KINDS = {"HELLO": 1, "REQUEST": 2, "RESPONSE": 3, "CANCEL": 4, "PING": 5, "PONG": 6, "GOAWAY": 7}
STATUS = {"OK": 0, "CANCELLED": 1, "INVALID_ARGUMENT": 3, "DEADLINE_EXCEEDED": 4, "NOT_FOUND": 5, "ALREADY_EXISTS": 6,
          "PERMISSION_DENIED": 7, "RESOURCE_EXHAUSTED": 8, "FAILED_PRECONDITION": 9, "UNIMPLEMENTED": 12, "INTERNAL": 13,
          "UNAVAILABLE": 14, "UNAUTHENTICATED": 16}


def head(major, n):
    if n < 24:
        return bytes([major << 5 | n])
    for info, fmt in ((24, ">B"), (25, ">H"), (26, ">I"), (27, ">Q")):
        if n < 1 << (8 * struct.calcsize(fmt)):
            return bytes([major << 5 | info]) + struct.pack(fmt, n)
    raise ValueError(n)


class Time:
    """A timestamp: tag 1 around epoch seconds (an integer when whole, a float otherwise)."""

    def __init__(self, seconds):
        self.seconds = int(seconds) if float(seconds).is_integer() else float(seconds)


def cbor(v):
    if isinstance(v, Time):
        return head(6, 1) + cbor(v.seconds)
    if v is True:
        return b"\xf5"
    if v is False:
        return b"\xf4"
    if v is None:
        return b"\xf6"
    if isinstance(v, int):
        return head(0, v) if v >= 0 else head(1, -1 - v)
    if isinstance(v, float):
        for code, fmt in ((0xF9, ">e"), (0xFA, ">f")):
            try:
                packed = struct.pack(fmt, v)
                if struct.unpack(fmt, packed)[0] == v:
                    return bytes([code]) + packed
            except OverflowError:
                pass
        return b"\xfb" + struct.pack(">d", v)
    if isinstance(v, str):
        b = v.encode()
        return head(3, len(b)) + b
    if isinstance(v, bytes):
        return head(2, len(v)) + v
    if isinstance(v, list):
        return head(4, len(v)) + b"".join(cbor(x) for x in v)
    if isinstance(v, dict):
        return head(5, len(v)) + b"".join(cbor(k) + cbor(x) for k, x in v.items())
    raise TypeError(v)


def frame(kind, payload=b"", status="OK", stream=0, flags=0, length=None):
    body = payload if isinstance(payload, bytes) else cbor(payload)
    n = 8 + len(body) if length is None else length
    return struct.pack(">IBBHI", n, KINDS[kind] if isinstance(kind, str) else kind, flags, STATUS[status], stream) + body


HELLO_CLIENT = {"protocol": "webprofiles", "version": 1, "peer": "example-client/1.0", "maxFrameBytes": 1048576}
HELLO_SERVER = {"protocol": "webprofiles", "version": 1, "peer": "webprofiled/0.1.0", "maxFrameBytes": 1048576}
HEALTH = {"method": "webprofiles.v1.Health/Check", "message": {}}

valid = [
    ("client-hello", "The client's first frame: HELLO with protocol, version, peer name and its maximum frame length.",
     "HELLO", HELLO_CLIENT, "OK", 0),
    ("server-hello", "The server's answer to HELLO.", "HELLO", HELLO_SERVER, "OK", 0),
    ("request-health", "REQUEST on stream 1 calling Health/Check with an empty message.", "REQUEST", HEALTH, "OK", 1),
    ("request-timeout-metadata", "REQUEST on stream 2 with a 5 s deadline and a session token in metadata.",
     "REQUEST", {"method": "webprofiles.v1.Session/Whoami", "message": {}, "timeoutMillis": 5000,
                 "metadata": {"authorization": "Bearer wps_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}}, "OK", 2),
    ("response-ok", "RESPONSE status 0 on stream 1: the message of Health/Check.", "RESPONSE",
     {"message": {"status": "serving", "version": "0.1.0", "uptimeSeconds": 12.5}}, "OK", 1),
    ("response-error", "RESPONSE status 12 (UNIMPLEMENTED) on stream 3: an error with its message.", "RESPONSE",
     {"error": {"message": "unknown method \"webprofiles.v1.Nope/Nope\""}}, "UNIMPLEMENTED", 3),
    ("response-error-details", "RESPONSE status 3 (INVALID_ARGUMENT) on stream 4 with details naming the field.",
     "RESPONSE", {"error": {"message": "username: must not be empty", "details": {"field": "username"}}}, "INVALID_ARGUMENT", 4),
    ("cancel", "CANCEL of stream 2: empty payload.", "CANCEL", b"", "OK", 2),
    ("ping", "PING with 8 opaque bytes.", "PING", bytes(range(1, 9)), "OK", 0),
    ("pong", "PONG echoing the PING's 8 bytes.", "PONG", bytes(range(1, 9)), "OK", 0),
    ("goaway", "GOAWAY status 0: no new calls; calls up to stream 7 are finished.", "GOAWAY",
     {"lastStreamId": 7, "message": "server is shutting down"}, "OK", 0),
]

# Sent after a valid client HELLO unless "first" is true; the server answers GOAWAY with the status and closes.
connection_errors = [
    ("first-frame-not-hello", "A PING as the first frame.", True, frame("PING", bytes(8)), "INVALID_ARGUMENT"),
    ("hello-wrong-protocol", "HELLO naming another protocol.", True,
     frame("HELLO", {**HELLO_CLIENT, "protocol": "http"}), "INVALID_ARGUMENT"),
    ("hello-unsupported-version", "HELLO asking for version 2.", True,
     frame("HELLO", {**HELLO_CLIENT, "version": 2}), "FAILED_PRECONDITION"),
    ("hello-not-cbor", "HELLO whose payload is not CBOR.", True, frame("HELLO", b"\xff\xff"), "INVALID_ARGUMENT"),
    ("hello-tiny-max-frame", "HELLO advertising maxFrameBytes 100, below the minimum of 256.", True,
     frame("HELLO", {**HELLO_CLIENT, "maxFrameBytes": 100}), "INVALID_ARGUMENT"),
    ("oversized-length", "A length field of 2^31-1, above the 1 MiB maximum (refused before any body).", False,
     struct.pack(">I", 0x7FFFFFFF), "RESOURCE_EXHAUSTED"),
    ("length-below-header", "A length field of 4, shorter than the 8 header bytes after it.", False,
     struct.pack(">IBBHI", 4, 5, 0, 0, 0), "INVALID_ARGUMENT"),
    ("flags-set", "A PING with flags = 1 (compression is not in v1).", False, frame("PING", bytes(8), flags=1), "INVALID_ARGUMENT"),
    ("unknown-kind", "A frame of kind 9.", False, frame(9, b""), "INVALID_ARGUMENT"),
    ("request-stream-zero", "A REQUEST on stream 0.", False, frame("REQUEST", HEALTH, stream=0), "INVALID_ARGUMENT"),
    ("second-hello", "A HELLO after the handshake.", False, frame("HELLO", HELLO_CLIENT), "INVALID_ARGUMENT"),
    ("response-from-client", "A RESPONSE sent by the client.", False, frame("RESPONSE", {"message": {}}, stream=1), "INVALID_ARGUMENT"),
    ("ping-wrong-size", "A PING with 4 payload bytes instead of 8.", False, frame("PING", bytes(4)), "INVALID_ARGUMENT"),
]

# Sent after a valid client HELLO; the server answers a RESPONSE on the same stream with the status.
call_errors = [
    ("unknown-method", "REQUEST for a method that does not exist.",
     frame("REQUEST", {"method": "webprofiles.v1.Nope/Nope", "message": {}}, stream=5), "UNIMPLEMENTED"),
    ("payload-not-cbor", "REQUEST whose payload is not well-formed CBOR.", frame("REQUEST", b"\x1c", stream=6), "INVALID_ARGUMENT"),
    ("payload-not-a-map", "REQUEST whose payload is an array.", frame("REQUEST", [1, 2], stream=7), "INVALID_ARGUMENT"),
    ("duplicate-keys", "REQUEST whose payload repeats the method key.",
     frame("REQUEST", b"\xa2" + cbor("method") + cbor("a") + cbor("method") + cbor("b"), stream=8), "INVALID_ARGUMENT"),
    ("bad-metadata-key", "REQUEST with an uppercase metadata key.",
     frame("REQUEST", {**HEALTH, "metadata": {"Authorization": "x"}}, stream=9), "INVALID_ARGUMENT"),
    ("too-much-metadata", "REQUEST with 17 metadata entries (at most 16).",
     frame("REQUEST", {**HEALTH, "metadata": {f"k{i}": "v" for i in range(17)}}, stream=11), "INVALID_ARGUMENT"),
    ("message-wrong-type", "REQUEST whose message is a text string instead of a map.",
     frame("REQUEST", {"method": "webprofiles.v1.Health/Check", "message": "hi"}, stream=10), "INVALID_ARGUMENT"),
]

# The method whose answer a RESPONSE frame carries (a RESPONSE does not name it).
ANSWERED = {"response-ok": HEALTH["method"]}

frames_out = {
    "description": "Golden frames of webprofiles v1. hex is the whole frame; payload is the CBOR payload as JSON "
                   "(payloadHex when it is raw bytes); method, on a RESPONSE, the method it answers. "
                   "See Protocol/PROTOCOL.md.",
    "frames": [
        {"name": n, "meaning": m, "kind": k, "status": s, "streamId": sid,
         **({"method": ANSWERED[n]} if n in ANSWERED else {}),
         **({"payloadHex": p.hex()} if isinstance(p, bytes) else {"payload": p}),
         "hex": frame(k, p, s, sid).hex()}
        for n, m, k, p, s, sid in valid
    ],
    "connectionErrors": [
        {"name": n, "meaning": m, "first": first, "hex": h.hex(), "goawayStatus": s} for n, m, first, h, s in connection_errors
    ],
    "callErrors": [
        {"name": n, "meaning": m, "hex": h.hex(), "streamId": struct.unpack(">I", h[8:12])[0], "status": s}
        for n, m, h, s in call_errors
    ],
}


# ---------------------------------------------------------------------------------------------
# messages.json: a request and an answer of every method, and error answers.
#
# The messages are what the protocol's types hold (Protocol/webprofiles.cddl), with realistic
# Italian data valid as the daemon validates it (partite IVA and codici fiscali with their check
# characters, +39 numbers of the right kind). Map keys are written in the order the daemon's types
# declare them, which is the order the Swift encoder writes (receivers accept any order), so the
# Swift test can re-encode each message to the same bytes.
# ---------------------------------------------------------------------------------------------

def partita_iva(first_ten):
    """An 11-digit partita IVA: the ten digits and their Luhn-style check digit."""
    total = 0
    for i, c in enumerate(first_ten):
        d = int(c)
        total += d if i % 2 == 0 else (d * 2 - 9 if d * 2 > 9 else d * 2)
    return first_ten + str((10 - total % 10) % 10)


FISCAL_ODD = [1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23]


def codice_fiscale(surname, name, year, month, day, female, belfiore):
    """The 16-character codice fiscale of a person born in Italy, check character included."""
    def split(text):
        letters = [c for c in text.upper() if c.isalpha()]
        return [c for c in letters if c not in "AEIOU"], [c for c in letters if c in "AEIOU"]

    consonants, vowels = split(surname)
    code = "".join((consonants + vowels + ["X"] * 3)[:3])
    consonants, vowels = split(name)
    if len(consonants) >= 4:
        consonants = [consonants[0], consonants[2], consonants[3]]
    code += "".join((consonants + vowels + ["X"] * 3)[:3])
    code += f"{year % 100:02d}" + "ABCDEHLMPRST"[month - 1] + f"{day + (40 if female else 0):02d}" + belfiore
    total = sum(FISCAL_ODD[int(c) if c.isdigit() else ord(c) - 65] if i % 2 == 0 else (int(c) if c.isdigit() else ord(c) - 65)
                for i, c in enumerate(code))
    return code + chr(65 + total % 26)


def at(year, month, day, hour=0, minute=0, second=0.0):
    """A Time at a UTC instant (fractions in quarters of a second, exact in binary)."""
    whole = datetime.datetime(year, month, day, hour, minute, int(second), tzinfo=datetime.timezone.utc).timestamp()
    return Time(whole + (second - int(second)))


def token(prefix, label, size):
    """A deterministic stand-in for a random secret: prefix + base64url of size bytes."""
    raw = hashlib.sha256(label.encode()).digest()[:size]
    return prefix + base64.urlsafe_b64encode(raw).decode().rstrip("=")


def base32(label, size):
    return base64.b32encode(hashlib.sha256(label.encode()).digest()[:size]).decode().rstrip("=")


def totp_recovery_code(label):
    text = base32(label, 7)[:10]
    return text[:5] + "-" + text[5:]


PERMISSIONS = {
    "legalRepresentative": ["company.view", "invoices.view", "users.view", "users.manage", "users.manageAdmins", "audit.view",
                            "lines.view", "line.services", "line.manage", "line.premiumServices", "line.exclusiveOffers"],
    "adminFull": ["company.view", "invoices.view", "users.view", "users.manage", "audit.view", "lines.view", "line.services",
                  "line.manage", "line.premiumServices", "line.exclusiveOffers"],
    "adminLight": ["company.view", "invoices.view", "lines.view", "line.services", "line.manage", "line.premiumServices",
                   "line.exclusiveOffers"],
    "deviceUser": ["line.manage", "line.premiumServices", "line.exclusiveOffers"],
    "user": ["line.manage"],
}

COMPANY_ID = "3f6c2a9e-8b1d-4c7e-9a52-1d0e7b4f8c21"
COMPANY_NAME = "Rossi Impianti S.r.l."
VAT = partita_iva("0482615096")
OTHER_COMPANY_ID = "b7e1d4c2-5a3f-4e8b-9c6d-2f1a0e9b8d74"
OTHER_COMPANY_NAME = "Ferrari Logistica S.p.A."
OTHER_VAT = partita_iva("1275403015")


class Person:
    def __init__(self, first, last, username, profile, fiscal=None, registration_id=None, account_id=None, line=None,
                 referent=None, email=None):
        self.first, self.last, self.username, self.profile = first, last, username, profile
        self.fiscal, self.line, self.referent = fiscal, line, referent
        self.registration_id, self.account_id = registration_id, account_id
        self.email = email or f"{username}@rossi-impianti.it"

    @property
    def display_name(self):
        return f"{self.first} {self.last}"


MARIO = Person("Mario", "Rossi", "mario.rossi", "legalRepresentative",
               fiscal=codice_fiscale("Rossi", "Mario", 1980, 1, 1, False, "H501"),
               registration_id="0c9d8e7f-6a5b-4c3d-8e2f-1a0b9c8d7e6f", account_id="0c9d8e7f-6a5b-4c3d-8e2f-1a0b9c8d7e6f")
GIULIA = Person("Giulia", "Bianchi", "giulia.bianchi", "adminFull",
                registration_id="5b2e9f1c-3d4a-4b6e-8c7d-9e0f1a2b3c4d", account_id="5b2e9f1c-3d4a-4b6e-8c7d-9e0f1a2b3c4d")
LUCA = Person("Luca", "Ferrari", "luca.ferrari", "adminLight", referent="Ufficio acquisti",
              registration_id="8a7b6c5d-4e3f-4a1b-9c0d-e1f2a3b4c5d6", account_id="8a7b6c5d-4e3f-4a1b-9c0d-e1f2a3b4c5d6")
ANNA = Person("Anna", "Esposito", "anna.esposito", "user", line="+393471234567",
              registration_id="e4d3c2b1-a0f9-4e8d-b7c6-5a4b3c2d1e0f", account_id="e4d3c2b1-a0f9-4e8d-b7c6-5a4b3c2d1e0f")
PAOLO = Person("Paolo", "Colombo", "paolo.colombo", "deviceUser", line="+393489876543",
               registration_id="1f2e3d4c-5b6a-4798-a8b7-c6d5e4f3a2b1", account_id="1f2e3d4c-5b6a-4798-a8b7-c6d5e4f3a2b1")
FRANCESCA = Person("Francesca", "Romano", "francesca.romano", "legalRepresentative",
                   fiscal=codice_fiscale("Romano", "Francesca", 1976, 9, 23, True, "F205"),
                   registration_id="9d8c7b6a-5f4e-4d3c-b2a1-0f9e8d7c6b5a", account_id="9d8c7b6a-5f4e-4d3c-b2a1-0f9e8d7c6b5a")
# Giulia is also the adminFull of a second company: a person of two companies.
GIULIA_OTHER_REGISTRATION = "c3b2a1f0-e9d8-4c7b-a6f5-e4d3c2b1a0f9"

LINES = [{"msisdn": "+393471234567", "kind": "mobile"}, {"msisdn": "+393489876543", "kind": "mobile"},
         {"msisdn": "+390276543210", "kind": "fixed"}]

CREATED = at(2026, 1, 12, 9, 15)
SESSION_TOKEN = token("wps_", "session giulia.bianchi", 32)
SESSION_ID = "6e5d4c3b-2a19-4f8e-8d7c-6b5a4f3e2d1c"
LOGIN_AT = at(2026, 3, 2, 8, 41, 17.25)
EXPIRES_AT = Time(LOGIN_AT.seconds + 12 * 3600)
IDLE_EXPIRES_AT = Time(LOGIN_AT.seconds + 30 * 60)


def principal(p, company_id=COMPANY_ID, company_name=COMPANY_NAME, registration_id=None):
    out = {"registrationId": registration_id or p.registration_id, "companyId": company_id, "companyName": company_name,
           "username": p.username, "displayName": p.display_name, "profile": p.profile}
    if p.referent:
        out["referent"] = p.referent
    if p.line:
        out["line"] = p.line
    out["permissions"] = PERMISSIONS[p.profile]
    return out


def membership(p, company_id=COMPANY_ID, company_name=COMPANY_NAME, registration_id=None, profile=None):
    return {"registrationId": registration_id or p.registration_id, "companyId": company_id, "companyName": company_name,
            "profile": profile or p.profile}


def registration(p, status="active", locked=False, created=CREATED, updated=None, last_login=None, company_id=COMPANY_ID,
                 profile=None, email=None):
    out = {"registrationId": p.registration_id, "companyId": company_id, "username": p.username, "displayName": p.display_name,
           "email": email or p.email, "profile": profile or p.profile}
    if p.referent and (profile or p.profile) == "adminLight":
        out["referent"] = p.referent
    if p.line and (profile or p.profile) in ("user", "deviceUser"):
        out["line"] = p.line
    out.update({"status": status, "locked": locked, "createdAt": created, "updatedAt": updated or created})
    if last_login is not None:
        out["lastLoginAt"] = last_login
    return out


def company(rep=MARIO, lines=LINES, referent_types=None):
    out = {"companyId": COMPANY_ID, "name": COMPANY_NAME, "vatNumber": VAT,
           "legalRepresentative": {"fullName": rep.display_name, "fiscalCode": rep.fiscal, "email": rep.email,
                                   "registrationId": rep.registration_id},
           "lines": lines}
    if referent_types is not None:
        out["referentTypes"] = referent_types
    return out


def other_company():
    return {"companyId": OTHER_COMPANY_ID, "name": OTHER_COMPANY_NAME, "vatNumber": OTHER_VAT,
            "legalRepresentative": {"fullName": FRANCESCA.display_name, "fiscalCode": FRANCESCA.fiscal,
                                    "email": "francesca.romano@ferrarilogistica.it", "registrationId": FRANCESCA.registration_id},
            "lines": [{"msisdn": "+390612345678", "kind": "fixed"}]}


def session(session_id=SESSION_ID, created=LOGIN_AT, last_seen=None, current=True, client="203.0.113.42",
            agent="Mozilla/5.0 (Windows NT 10.0; Win64; x64) Firefox/147.0", selected=None):
    last_seen = last_seen or Time(created.seconds + 754.5)
    out = {"sessionId": session_id, "createdAt": created, "lastSeenAt": last_seen, "expiresAt": Time(created.seconds + 12 * 3600),
           "idleExpiresAt": Time(last_seen.seconds + 30 * 60), "current": current}
    if client:
        out["clientAddress"] = client
    if agent:
        out["userAgent"] = agent
    if selected:
        out["selectedCompanyId"] = selected
    return out


def account(p, memberships, enabled=False, required=False, left=0):
    return {"accountId": p.account_id, "username": p.username, "displayName": p.display_name, "email": p.email,
            "memberships": memberships, "secondFactor": {"enabled": enabled, "required": required, "recoveryCodesLeft": left}}


def delivery(p, label, issued):
    return {"registrationId": p.registration_id, "email": p.email, "displayName": p.display_name,
            "recoveryCode": token("wpr_", label, 16), "expiresAt": Time(issued.seconds + 30 * 60)}


def activation(label, issued, reg):
    """A registration with its new activation code, valid 72 hours."""
    return {"registration": reg, "activationCode": token("wpa_", label, 16), "activationExpiresAt": Time(issued.seconds + 72 * 3600)}


GIULIA_MEMBERSHIPS = [membership(GIULIA), membership(GIULIA, OTHER_COMPANY_ID, OTHER_COMPANY_NAME, GIULIA_OTHER_REGISTRATION)]
REGISTERED_AT = at(2026, 2, 3, 14, 27, 8.5)
TOTP_SECRET = base32("totp secret anna.esposito", 20)

HEALTH_M, SESSION_M, PROFILES_M, OPERATOR_M = ("webprofiles.v1.Health/", "webprofiles.v1.Session/", "webprofiles.v1.Profiles/",
                                               "webprofiles.v1.Operator/")

# (method, kind, name, meaning, message)
messages = [
    (HEALTH_M + "Check", "request", "health-check", "Health/Check takes an empty message.", {}),
    (HEALTH_M + "Check", "response", "health-serving", "A serving daemon with a healthy database.",
     {"status": "serving", "version": "0.1.0", "uptimeSeconds": 86400.5, "storage": "ok"}),
    (HEALTH_M + "Check", "response", "health-not-serving", "A daemon whose database disk is full.",
     {"status": "notServing", "version": "0.1.0", "uptimeSeconds": 3600.25, "storage": "unavailable: disk full"}),

    (SESSION_M + "Login", "request", "login", "A password login.", {"username": "giulia.bianchi", "password": "Tramonto-Sul-Garda-2026"}),
    (SESSION_M + "Login", "request", "login-otp-company", "A login with the second factor, naming the company to act for.",
     {"username": "mario.rossi", "password": "Pioggia-Di-Marzo-1980", "otp": "492817", "companyId": COMPANY_ID}),
    (SESSION_M + "Login", "response", "login-one-company", "A person of one company: the principal is that company's.",
     {"sessionToken": token("wps_", "session mario.rossi", 32), "sessionId": "2d1c0b9a-8f7e-4d6c-a5b4-3c2d1e0f9a8b",
      "expiresAt": EXPIRES_AT, "idleExpiresAt": IDLE_EXPIRES_AT, "principal": principal(MARIO), "memberships": [membership(MARIO)]}),
    (SESSION_M + "Login", "response", "login-several-companies",
     "A person of two companies who named none: memberships and no principal; their profile requires a second factor.",
     {"sessionToken": SESSION_TOKEN, "sessionId": SESSION_ID, "expiresAt": EXPIRES_AT, "idleExpiresAt": IDLE_EXPIRES_AT,
      "memberships": GIULIA_MEMBERSHIPS, "requiredAction": "enrollSecondFactor"}),

    (SESSION_M + "Activate", "request", "activate", "The activation code of RegisterUser and the person's chosen password.",
     {"activationCode": token("wpa_", "activation luca.ferrari", 16), "password": "Gelato-Al-Pistacchio-77"}),
    (SESSION_M + "Activate", "response", "activate", "The new registration's principal.", {"principal": principal(LUCA)}),

    (SESSION_M + "RequestRecovery", "request", "request-recovery", "A forgotten password.", {"username": "anna.esposito"}),
    (SESSION_M + "RequestRecovery", "response", "request-recovery-delivery",
     "An active account: what the portal must deliver to the person.",
     {"delivery": delivery(ANNA, "recovery anna.esposito", at(2026, 3, 5, 18, 2, 44))}),
    (SESSION_M + "RequestRecovery", "response", "request-recovery-nothing",
     "No active account of that username: the same answer shape, empty.", {}),

    (SESSION_M + "CompleteRecovery", "request", "complete-recovery", "The delivered code and a new password.",
     {"recoveryCode": token("wpr_", "recovery anna.esposito", 16), "newPassword": "Lampone-E-Basilico-31"}),
    (SESSION_M + "CompleteRecovery", "response", "complete-recovery", "Done: an empty answer.", {}),

    (SESSION_M + "Whoami", "request", "whoami", "The session's own company.", {}),
    (SESSION_M + "Whoami", "request", "whoami-company", "A person of several companies asking about one.", {"companyId": OTHER_COMPANY_ID}),
    (SESSION_M + "Whoami", "response", "whoami",
     "The principal in the other company, the calling session and every membership.",
     {"principal": principal(GIULIA, OTHER_COMPANY_ID, OTHER_COMPANY_NAME, GIULIA_OTHER_REGISTRATION),
      "session": session(selected=COMPANY_ID), "memberships": GIULIA_MEMBERSHIPS}),

    (SESSION_M + "Authorize", "request", "authorize-line", "A line permission names the line (any accepted input form).",
     {"permission": "line.premiumServices", "line": "+39 347 123 4567"}),
    (SESSION_M + "Authorize", "request", "authorize-company", "A company permission names no line.",
     {"permission": "users.manage", "companyId": COMPANY_ID}),
    (SESSION_M + "Authorize", "response", "authorize-allowed", "A user's own line: allowed.",
     {"allowed": True, "reason": "granted", "principal": principal(ANNA)}),
    (SESSION_M + "Authorize", "response", "authorize-denied", "An adminLight may not manage users.",
     {"allowed": False, "reason": "the profile does not hold this permission", "principal": principal(LUCA)}),

    (SESSION_M + "AuthorizeMany", "request", "authorize-many", "A page's actions: two lines and a company permission.",
     {"checks": [{"permission": "line.manage", "line": "+393471234567"}, {"permission": "line.services", "line": "+39 02 7654 3210"},
                 {"permission": "invoices.view"}]}),
    (SESSION_M + "AuthorizeMany", "response", "authorize-many", "An adminLight: mobile lines only; one result per check, in order.",
     {"results": [{"allowed": True, "reason": "granted"}, {"allowed": False, "reason": "the line is not in the caller's scope"},
                  {"allowed": True, "reason": "granted"}], "principal": principal(LUCA)}),

    (SESSION_M + "ListAuthorizedLines", "request", "list-authorized-lines", "The lines a line permission reaches, 2 a page.",
     {"permission": "line.premiumServices", "pageSize": 2, "companyId": COMPANY_ID}),
    (SESSION_M + "ListAuthorizedLines", "response", "list-authorized-lines", "An adminLight reaches the mobile lines.",
     {"lines": LINES[:2], "nextPageToken": "KzM5MzQ4OTg3NjU0Mw"}),

    (SESSION_M + "SelectCompany", "request", "select-company", "Act for the second company from now on.", {"companyId": OTHER_COMPANY_ID}),
    (SESSION_M + "SelectCompany", "response", "select-company", "The principal there.",
     {"principal": principal(GIULIA, OTHER_COMPANY_ID, OTHER_COMPANY_NAME, GIULIA_OTHER_REGISTRATION)}),

    (SESSION_M + "AcceptInvitation", "request", "accept-invitation", "The invitation code of the inviting company's RegisterUser.",
     {"invitationCode": token("wpa_", "invitation giulia.bianchi", 16)}),
    (SESSION_M + "AcceptInvitation", "response", "accept-invitation", "The principal in the company joined.",
     {"principal": principal(GIULIA, OTHER_COMPANY_ID, OTHER_COMPANY_NAME, GIULIA_OTHER_REGISTRATION)}),

    (SESSION_M + "GetAccount", "request", "get-account", "No fields.", {}),
    (SESSION_M + "GetAccount", "response", "get-account", "A person of two companies with a second factor.",
     {"account": account(GIULIA, GIULIA_MEMBERSHIPS, enabled=True, required=True, left=9)}),

    (SESSION_M + "UpdateMyDetails", "request", "update-my-details", "A new e-mail needs the current password.",
     {"email": "giulia.bianchi@bianchi-consulenze.it", "currentPassword": "Tramonto-Sul-Garda-2026"}),
    (SESSION_M + "UpdateMyDetails", "request", "update-my-display-name", "Only the display name.", {"displayName": "Giulia Bianchi Neri"}),
    (SESSION_M + "UpdateMyDetails", "response", "update-my-details", "The account as it is now.",
     {"account": account(GIULIA, GIULIA_MEMBERSHIPS, enabled=True, required=True, left=9) | {"email": "giulia.bianchi@bianchi-consulenze.it"}}),

    (SESSION_M + "Logout", "request", "logout", "No fields.", {}),
    (SESSION_M + "Logout", "response", "logout", "No fields.", {}),

    (SESSION_M + "ListSessions", "request", "list-sessions", "No fields.", {}),
    (SESSION_M + "ListSessions", "response", "list-sessions", "The calling session and one on a phone, without client details.",
     {"sessions": [session(selected=COMPANY_ID),
                   session("7f6e5d4c-3b2a-4190-8f7e-6d5c4b3a2918", at(2026, 3, 1, 19, 5, 2), current=False, client=None, agent=None)]}),

    (SESSION_M + "RevokeSession", "request", "revoke-session", "One of the caller's own sessions.",
     {"sessionId": "7f6e5d4c-3b2a-4190-8f7e-6d5c4b3a2918"}),
    (SESSION_M + "RevokeSession", "response", "revoke-session", "No fields.", {}),

    (SESSION_M + "RevokeOtherSessions", "request", "revoke-other-sessions", "No fields.", {}),
    (SESSION_M + "RevokeOtherSessions", "response", "revoke-other-sessions", "How many ended.", {"sessionsEnded": 3}),

    (SESSION_M + "ChangePassword", "request", "change-password", "The current and the new password.",
     {"currentPassword": "Tramonto-Sul-Garda-2026", "newPassword": "Nebbia-In-Val-Padana-58"}),
    (SESSION_M + "ChangePassword", "response", "change-password", "No fields.", {}),

    (SESSION_M + "BeginTOTPEnrollment", "request", "begin-totp-enrollment", "No fields.", {}),
    (SESSION_M + "BeginTOTPEnrollment", "response", "begin-totp-enrollment", "The secret, and the URI for a QR code.",
     {"secret": TOTP_SECRET,
      "otpauthURI": f"otpauth://totp/webprofiled:anna.esposito?secret={TOTP_SECRET}&issuer=webprofiled&algorithm=SHA1&digits=6&period=30"}),

    (SESSION_M + "ConfirmTOTPEnrollment", "request", "confirm-totp-enrollment", "The authenticator's current code.", {"code": "031415"}),
    (SESSION_M + "ConfirmTOTPEnrollment", "response", "confirm-totp-enrollment", "Ten recovery codes, shown once.",
     {"recoveryCodes": [totp_recovery_code(f"recovery code {i}") for i in range(10)]}),

    (SESSION_M + "DisableTOTP", "request", "disable-totp", "The password confirms it.", {"password": "Lampone-E-Basilico-31"}),
    (SESSION_M + "DisableTOTP", "response", "disable-totp", "No fields.", {}),

    (PROFILES_M + "ListRegistrations", "request", "list-registrations", "Active adminLights matching a query, 20 a page.",
     {"profile": "adminLight", "status": "active", "query": "ferr", "pageSize": 20}),
    (PROFILES_M + "ListRegistrations", "request", "list-registrations-next-page", "The next page, in a named company.",
     {"companyId": COMPANY_ID, "pageSize": 2, "pageToken": "Z2lhY29tby5yaWNjaQ"}),
    (PROFILES_M + "ListRegistrations", "response", "list-registrations", "A page of two, more to come.",
     {"registrations": [registration(ANNA, last_login=at(2026, 3, 4, 7, 58, 30.75)),
                        registration(GIULIA, updated=at(2026, 2, 20, 11, 0), last_login=LOGIN_AT)],
      "nextPageToken": "Z2l1bGlhLmJpYW5jaGk"}),

    (PROFILES_M + "GetRegistration", "request", "get-registration", "One registration of the caller's company.",
     {"registrationId": LUCA.registration_id}),
    (PROFILES_M + "GetRegistration", "response", "get-registration", "An adminLight with a referent, locked after failed logins.",
     {"registration": registration(LUCA, locked=True, updated=at(2026, 3, 3, 10, 12, 5), last_login=at(2026, 3, 1, 9, 30))}),

    (PROFILES_M + "RegisterUser", "request", "register-user", "A user holds one mobile line of the company.",
     {"username": "anna.esposito", "displayName": "Anna Esposito", "email": "anna.esposito@rossi-impianti.it", "profile": "user",
      "line": "+393471234567"}),
    (PROFILES_M + "RegisterUser", "request", "register-admin-light", "An adminLight carries a referent.",
     {"companyId": COMPANY_ID, "username": "luca.ferrari", "displayName": "Luca Ferrari", "email": "luca.ferrari@rossi-impianti.it",
      "profile": "adminLight", "referent": "Ufficio acquisti"}),
    (PROFILES_M + "RegisterUser", "response", "register-user", "The pending registration and its activation code.",
     activation("activation anna.esposito", REGISTERED_AT,
                registration(ANNA, status="pendingActivation", created=REGISTERED_AT))),

    (PROFILES_M + "ChangeProfile", "request", "change-profile", "A user becomes a deviceUser and keeps the line.",
     {"registrationId": ANNA.registration_id, "profile": "deviceUser"}),
    (PROFILES_M + "ChangeProfile", "response", "change-profile", "The registration with its new profile.",
     {"registration": registration(ANNA, profile="deviceUser", updated=at(2026, 3, 6, 16, 45))}),

    (PROFILES_M + "UpdateRegistration", "request", "update-registration", "The company's view of the person: a new e-mail.",
     {"registrationId": PAOLO.registration_id, "email": "p.colombo@rossi-impianti.it"}),
    (PROFILES_M + "UpdateRegistration", "response", "update-registration", "The registration as it is now.",
     {"registration": registration(PAOLO, email="p.colombo@rossi-impianti.it", updated=at(2026, 3, 6, 17, 2, 30.5))}),

    (PROFILES_M + "RevokeCredentials", "request", "revoke-credentials", "Revoked, with a reason for the audit trail.",
     {"registrationId": PAOLO.registration_id, "reason": "Dispositivo smarrito"}),
    (PROFILES_M + "RevokeCredentials", "response", "revoke-credentials", "The revoked registration.",
     {"registration": registration(PAOLO, status="revoked", updated=at(2026, 3, 7, 8, 0))}),

    (PROFILES_M + "RestoreCredentials", "request", "restore-credentials", "A revoked registration back.",
     {"registrationId": PAOLO.registration_id}),
    (PROFILES_M + "RestoreCredentials", "response", "restore-credentials", "Pending again, with a new activation code.",
     activation("activation paolo.colombo", at(2026, 3, 9, 9, 10),
                registration(PAOLO, status="pendingActivation", updated=at(2026, 3, 9, 9, 10)))),

    (PROFILES_M + "ResetCredentials", "request", "reset-credentials", "The person's password stops working.",
     {"registrationId": ANNA.registration_id}),
    (PROFILES_M + "ResetCredentials", "response", "reset-credentials", "What the portal must deliver, and the sessions ended.",
     {"registration": registration(ANNA, updated=at(2026, 3, 10, 12, 0)),
      "delivery": delivery(ANNA, "reset anna.esposito", at(2026, 3, 10, 12, 0)), "sessionsEnded": 2}),

    (PROFILES_M + "ReissueActivation", "request", "reissue-activation", "A new code for a pending registration.",
     {"registrationId": ANNA.registration_id, "companyId": COMPANY_ID}),
    (PROFILES_M + "ReissueActivation", "response", "reissue-activation", "The old code stops working.",
     activation("reissue anna.esposito", at(2026, 2, 6, 10, 0),
                registration(ANNA, status="pendingActivation", created=REGISTERED_AT, updated=at(2026, 2, 6, 10, 0)))),

    (PROFILES_M + "ListUserSessions", "request", "list-user-sessions", "A manager looks at a person's sessions.",
     {"registrationId": ANNA.registration_id}),
    (PROFILES_M + "ListUserSessions", "response", "list-user-sessions", "Without selectedCompanyId; not the caller's own.",
     {"sessions": [session("4b3a2918-0f7e-4d6c-9b5a-493827160f5e", at(2026, 3, 4, 7, 58, 30.75), current=False,
                           client="2001:db8::1f", agent="Mozilla/5.0 (iPhone; CPU iPhone OS 19_2 like Mac OS X) Safari/605.1.15")]}),

    (PROFILES_M + "EndUserSessions", "request", "end-user-sessions", "Every session of the person acting for this company.",
     {"registrationId": ANNA.registration_id}),
    (PROFILES_M + "EndUserSessions", "response", "end-user-sessions", "How many ended.", {"sessionsEnded": 1}),

    (PROFILES_M + "ListAuditEvents", "request", "list-audit-events", "One registration's profile changes in March 2026.",
     {"registrationId": ANNA.registration_id, "action": "profileChanged", "since": at(2026, 3, 1), "until": at(2026, 4, 1),
      "pageSize": 100}),
    (PROFILES_M + "ListAuditEvents", "response", "list-audit-events",
     "A manager's profile change (with the profile they held) and a failed login (account-wide: no company).",
     {"events": [
         {"eventId": 1042, "at": at(2026, 3, 6, 16, 45), "action": "profileChanged", "actor": "registration:" + GIULIA.registration_id,
          "companyId": COMPANY_ID, "targetRegistrationId": ANNA.registration_id,
          "before": {"profile": "user"}, "after": {"profile": "deviceUser", "actorProfile": "adminFull"}},
         {"eventId": 1057, "at": at(2026, 3, 8, 22, 13, 9.5), "action": "loginFailed", "actor": "anonymous",
          "targetAccountId": ANNA.account_id, "after": {"clientAddress": "198.51.100.7", "failedAttempts": "2"}},
     ], "nextPageToken": "MTA1Nw"}),

    (PROFILES_M + "GetCompany", "request", "get-company", "The caller's company.", {}),
    (PROFILES_M + "GetCompany", "response", "get-company", "With its lines and the contract's referent types.",
     {"company": company(referent_types=["Ufficio acquisti", "Amministrazione", "Responsabile flotta"])}),

    (OPERATOR_M + "CreateCompany", "request", "create-company", "A new company and its legal representative.",
     {"name": COMPANY_NAME, "vatNumber": "IT " + VAT, "legalRepresentative": {
         "fullName": "Mario Rossi", "fiscalCode": MARIO.fiscal.lower(), "email": MARIO.email, "username": "mario.rossi"}}),
    (OPERATOR_M + "CreateCompany", "response", "create-company", "The company (no lines yet), the representative's registration and code.",
     {"company": company(lines=[]), "registration": registration(MARIO, status="pendingActivation"),
      "activationCode": token("wpa_", "activation mario.rossi", 16), "activationExpiresAt": Time(CREATED.seconds + 72 * 3600)}),

    (OPERATOR_M + "ChangeLegalRepresentative", "request", "change-legal-representative", "A new legal representative, with the reason.",
     {"companyId": COMPANY_ID, "legalRepresentative": {
         "fullName": "Francesca Romano", "fiscalCode": FRANCESCA.fiscal, "email": "francesca.romano@rossi-impianti.it",
         "username": "francesca.romano"}, "reason": "Nuovo amministratore unico dal 1 aprile (visura camerale)"}),
    (OPERATOR_M + "ChangeLegalRepresentative", "response", "change-legal-representative",
     "The company with its new representative, pending activation.",
     {"company": company(rep=Person("Francesca", "Romano", "francesca.romano", "legalRepresentative", fiscal=FRANCESCA.fiscal,
                                    registration_id=FRANCESCA.registration_id)),
      "registration": registration(Person("Francesca", "Romano", "francesca.romano", "legalRepresentative",
                                          registration_id=FRANCESCA.registration_id), status="pendingActivation",
                                   created=at(2026, 4, 1, 9, 0)),
      "activationCode": token("wpa_", "activation francesca.romano", 16), "activationExpiresAt": at(2026, 4, 4, 9, 0)}),

    (OPERATOR_M + "UpdateLegalRepresentative", "request", "update-legal-representative", "A typo in the fiscal code corrected.",
     {"companyId": COMPANY_ID, "fiscalCode": MARIO.fiscal, "reason": "Correzione codice fiscale (ticket CS-20418)"}),
    (OPERATOR_M + "UpdateLegalRepresentative", "response", "update-legal-representative", "The company as it is now.",
     {"company": company()}),

    (OPERATOR_M + "AddLines", "request", "add-lines", "Two mobile numbers and a fixed one; kind matches each number.",
     {"companyId": COMPANY_ID, "lines": [{"msisdn": "+39 347 123 4567", "kind": "mobile"}, {"msisdn": "00393489876543", "kind": "mobile"},
                                         {"msisdn": "+39 02 7654 3210", "kind": "fixed"}]}),
    (OPERATOR_M + "AddLines", "response", "add-lines", "The lines stored canonical.", {"company": company()}),

    (OPERATOR_M + "RemoveLine", "request", "remove-line", "A line no live registration holds.",
     {"companyId": COMPANY_ID, "msisdn": "+390276543210"}),
    (OPERATOR_M + "RemoveLine", "response", "remove-line", "The company without it.", {"company": company(lines=LINES[:2])}),

    (OPERATOR_M + "SetReferentTypes", "request", "set-referent-types", "The contract's list of referent types.",
     {"companyId": COMPANY_ID, "referentTypes": ["Ufficio acquisti", "Amministrazione", "Responsabile flotta"]}),
    (OPERATOR_M + "SetReferentTypes", "request", "clear-referent-types", "[] accepts any referent again.",
     {"companyId": COMPANY_ID, "referentTypes": []}),
    (OPERATOR_M + "SetReferentTypes", "response", "set-referent-types", "The company with the list.",
     {"company": company(referent_types=["Ufficio acquisti", "Amministrazione", "Responsabile flotta"])}),

    (OPERATOR_M + "ListCompanies", "request", "list-companies", "The first page, default size.", {}),
    (OPERATOR_M + "ListCompanies", "response", "list-companies", "Ordered by VAT number; complete.",
     {"companies": [company(), other_company()]}),

    (OPERATOR_M + "FindCompanies", "request", "find-companies-by-vat", "By VAT number (exact, IT prefix accepted).",
     {"vatNumber": "IT" + VAT}),
    (OPERATOR_M + "FindCompanies", "request", "find-companies-by-name", "By a substring of the name, folded.",
     {"name": "logistica", "pageSize": 10}),
    (OPERATOR_M + "FindCompanies", "response", "find-companies", "One match.", {"companies": [other_company()]}),

    (OPERATOR_M + "GetCompany", "request", "get-company", "Any company.", {"companyId": OTHER_COMPANY_ID}),
    (OPERATOR_M + "GetCompany", "response", "get-company", "The company.", {"company": other_company()}),

    (OPERATOR_M + "FindRegistrations", "request", "find-registrations-by-username", "A person across companies.",
     {"username": "giulia.bianchi"}),
    (OPERATOR_M + "FindRegistrations", "request", "find-registrations-by-fiscal-code", "A legal representative by fiscal code.",
     {"fiscalCode": MARIO.fiscal}),
    (OPERATOR_M + "FindRegistrations", "response", "find-registrations", "Both of Giulia's registrations.",
     {"registrations": [registration(GIULIA, last_login=LOGIN_AT),
                        registration(Person("Giulia", "Bianchi", "giulia.bianchi", "adminFull", registration_id=GIULIA_OTHER_REGISTRATION),
                                     company_id=OTHER_COMPANY_ID, created=at(2026, 2, 15, 10, 30))]}),

    (OPERATOR_M + "ListRegistrations", "request", "list-registrations", "Pending registrations of one company.",
     {"companyId": COMPANY_ID, "status": "pendingActivation", "pageSize": 500}),
    (OPERATOR_M + "ListRegistrations", "response", "list-registrations", "One pending registration.",
     {"registrations": [registration(ANNA, status="pendingActivation", created=REGISTERED_AT)]}),

    (OPERATOR_M + "GetRegistration", "request", "get-registration", "Any registration.", {"registrationId": MARIO.registration_id}),
    (OPERATOR_M + "GetRegistration", "response", "get-registration", "The legal representative's.",
     {"registration": registration(MARIO, last_login=at(2026, 3, 10, 8, 2, 11.25))}),

    (OPERATOR_M + "UnlockRegistration", "request", "unlock-registration", "Clears the account's lockout.",
     {"registrationId": LUCA.registration_id}),
    (OPERATOR_M + "UnlockRegistration", "response", "unlock-registration", "Unlocked.",
     {"registration": registration(LUCA, updated=at(2026, 3, 3, 10, 20), last_login=at(2026, 3, 1, 9, 30))}),

    (OPERATOR_M + "ResetCredentials", "request", "reset-credentials", "The desk resets a legal representative's password.",
     {"registrationId": MARIO.registration_id, "reason": "Richiesta telefonica, identità verificata (ticket CS-20433)"}),
    (OPERATOR_M + "ResetCredentials", "response", "reset-credentials", "What the portal must deliver.",
     {"registration": registration(MARIO, updated=at(2026, 3, 11, 15, 0), last_login=at(2026, 3, 10, 8, 2, 11.25)),
      "delivery": delivery(MARIO, "reset mario.rossi", at(2026, 3, 11, 15, 0)), "sessionsEnded": 0}),

    (OPERATOR_M + "ReissueActivation", "request", "reissue-activation", "The desk reissues a lost activation code.",
     {"registrationId": MARIO.registration_id, "reason": "Codice non ricevuto"}),
    (OPERATOR_M + "ReissueActivation", "response", "reissue-activation", "A new code.",
     activation("reissue mario.rossi", at(2026, 1, 13, 9, 0),
                registration(MARIO, status="pendingActivation", updated=at(2026, 1, 13, 9, 0)))),

    (OPERATOR_M + "ResetSecondFactor", "request", "reset-second-factor", "A lost phone.",
     {"registrationId": GIULIA.registration_id, "reason": "Smartphone smarrito (ticket CS-20501)"}),
    (OPERATOR_M + "ResetSecondFactor", "response", "reset-second-factor", "The registration; the account's sessions ended.",
     {"registration": registration(GIULIA, updated=at(2026, 3, 12, 9, 45), last_login=LOGIN_AT)}),

    (OPERATOR_M + "ListUserSessions", "request", "list-user-sessions", "All of the person's sessions.",
     {"registrationId": GIULIA.registration_id}),
    (OPERATOR_M + "ListUserSessions", "response", "list-user-sessions", "No session is the desk's own.",
     {"sessions": [session(current=False, selected=COMPANY_ID)]}),

    (OPERATOR_M + "EndUserSessions", "request", "end-user-sessions", "Ends them, with a reason.",
     {"registrationId": GIULIA.registration_id, "reason": "Accesso sospetto segnalato dal cliente"}),
    (OPERATOR_M + "EndUserSessions", "response", "end-user-sessions", "How many ended.", {"sessionsEnded": 2}),

    (OPERATOR_M + "ListAuditEvents", "request", "list-audit-events", "A company's trail since a day.",
     {"companyId": COMPANY_ID, "since": at(2026, 3, 1), "pageSize": 50}),
    (OPERATOR_M + "ListAuditEvents", "response", "list-audit-events", "An operator's change, with agent and ticket.",
     {"events": [{"eventId": 1093, "at": at(2026, 3, 11, 15, 0), "action": "credentialsReset", "actor": "operator:uid=0",
                  "agent": "l.moretti", "ticket": "CS-20433", "companyId": COMPANY_ID, "targetRegistrationId": MARIO.registration_id,
                  "targetAccountId": MARIO.account_id}]}),

    (OPERATOR_M + "Stats", "request", "stats", "No fields.", {}),
    (OPERATOR_M + "Stats", "response", "stats", "Counts, uptime and version.",
     {"companies": 1284, "registrations": 20517, "activeRegistrations": 19008, "liveSessions": 3411, "cachedSessions": 2950,
      "connections": 37, "uptimeSeconds": 431245.75, "version": "0.1.0"}),

    (OPERATOR_M + "Reload", "request", "reload", "No fields.", {}),
    (OPERATOR_M + "Reload", "response", "reload", "Settings that changed but need a restart.",
     {"restartRequired": ["server.socket", "storage.backend"]}),
    (OPERATOR_M + "Reload", "response", "reload-nothing-pending", "Everything changed took effect.", {"restartRequired": []}),

    (OPERATOR_M + "Metrics", "request", "metrics", "No fields.", {}),
    (OPERATOR_M + "Metrics", "response", "metrics", "An excerpt of the exposition text, and its media type.",
     {"text": "# HELP webprofiled_logins_total Session/Login calls by outcome.\n"
              "# TYPE webprofiled_logins_total counter\n"
              "webprofiled_logins_total{outcome=\"success\"} 1523\n"
              "webprofiled_logins_total{outcome=\"failed\"} 87\n"
              "# HELP webprofiled_sessions_live Sessions not expired in the database (read when the metrics are asked for).\n"
              "# TYPE webprofiled_sessions_live gauge\n"
              "webprofiled_sessions_live 3411.0\n"
              "# HELP webprofiled_build_info The running version (always 1).\n"
              "# TYPE webprofiled_build_info gauge\n"
              "webprofiled_build_info{version=\"0.1.0\"} 1.0\n",
      "contentType": "text/plain; version=0.0.4"}),
]

# (method, name, meaning, status, error body)
errors = [
    (SESSION_M + "Login", "login-failed", "Every failure of the password, always this message and no details.", "UNAUTHENTICATED",
     {"message": "invalid username or password"}),
    (SESSION_M + "Login", "login-second-factor-required", "A right password of an enrolled account without otp.", "UNAUTHENTICATED",
     {"message": "a second factor is needed: send the authenticator's 6-digit code (or a recovery code) as otp",
      "details": {"secondFactor": "required"}}),
    (PROFILES_M + "RegisterUser", "register-user-invalid-username", "A field that fails validation, named.", "INVALID_ARGUMENT",
     {"message": "username: must be 3 to 64 characters", "details": {"field": "username"}}),
    (SESSION_M + "Authorize", "authorize-unknown-permission",
     "A request with an enumeration value the daemon does not know: the whole call is INVALID_ARGUMENT.", "INVALID_ARGUMENT",
     {"message": "invalid request message: permission: Cannot initialize Permission from invalid String value invoices.pay"}),
    (SESSION_M + "Whoami", "whoami-no-such-membership", "A companyId the person is not active in.", "PERMISSION_DENIED",
     {"message": "you have no active registration in company " + OTHER_COMPANY_ID, "details": {"field": "companyId"}}),
    (PROFILES_M + "GetRegistration", "get-registration-not-found", "Another company's registration.", "NOT_FOUND",
     {"message": "registrationId: no such registration in your company", "details": {"field": "registrationId"}}),
    (OPERATOR_M + "CreateCompany", "create-company-vat-taken", "The VAT number is another company's.", "ALREADY_EXISTS",
     {"message": "vatNumber: a company with this VAT number exists", "details": {"field": "vatNumber"}}),
    (SESSION_M + "ListSessions", "several-companies", "A person of two companies who named and selected none.", "FAILED_PRECONDITION",
     {"message": "you belong to 2 companies: name one with companyId, or choose one with Session/SelectCompany"}),
    (OPERATOR_M + "Stats", "internal", "An unexpected failure: its cause stays in the daemon's log.", "INTERNAL",
     {"message": "internal error"}),
]


def as_json(v):
    """A message as JSON: a timestamp as {"$time": seconds}; everything else as itself."""
    if isinstance(v, Time):
        return {"$time": v.seconds}
    if isinstance(v, dict):
        return {k: as_json(x) for k, x in v.items()}
    if isinstance(v, list):
        return [as_json(x) for x in v]
    if isinstance(v, bytes):
        raise TypeError("no v1 message holds a byte string")
    return v


messages_out = {
    "description": "A request and an answer message of every method of webprofiles v1, and error answers. "
                   "Regenerate with: python3 Protocol/vectors/generate.py --messages > Protocol/vectors/messages.json. "
                   "messages: method, kind (request: the REQUEST's message; response: the RESPONSE's message at status 0), "
                   "name, meaning, message (as JSON: a CBOR timestamp, tag 1 around epoch seconds, is {\"$time\": seconds}; "
                   "a JSON number with a fraction or exponent is a CBOR float, one without an integer; no v1 message "
                   "holds a byte string), hex (the message's CBOR in preferred serialization, map keys in the order "
                   "the daemon writes them; the entries of audit events' before/after maps have no fixed order). "
                   "errors: method, name, meaning, status and statusCode (the RESPONSE frame's), payload (the whole RESPONSE "
                   "payload {\"error\": ...}), hex. "
                   "Rules: Protocol/webprofiles.cddl (<Service>.<Method>.Request / .Response, error-payload).",
    "messages": [
        {"method": method, "kind": kind, "name": name, "meaning": meaning, "message": as_json(message), "hex": cbor(message).hex()}
        for method, kind, name, meaning, message in messages
    ],
    "errors": [
        {"method": method, "name": name, "meaning": meaning, "status": status, "statusCode": STATUS[status],
         "payload": {"error": body}, "hex": cbor({"error": body}).hex()}
        for method, name, meaning, status, body in errors
    ],
}

if __name__ == "__main__":
    if sys.argv[1:] not in ([], ["--messages"]):
        sys.exit("usage: generate.py [--messages]  (frames.json, or with --messages messages.json, on stdout)")
    print(json.dumps(messages_out if sys.argv[1:] else frames_out, indent=2, ensure_ascii=False))
