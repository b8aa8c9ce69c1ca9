"""Look-alike and hidden characters in names, against the real binary."""
from conftest import FAST_HASHING, PASSWORD, PROFILES, SESSION, Company, figure, ok


def test_look_alike_and_direction_characters_are_refused(daemon_factory):
    d = daemon_factory(*FAST_HASHING)
    company = Company(d)
    refused = {}
    for label, fields in {
        "Cyrillic а in a Latin username": {"username": "pаolo.rossi"},
        "right-to-left override in a username": {"username": "paolo\u202erossi"},
        "zero-width space in a username": {"username": "pa\u200bolo"},
        "right-to-left override in a display name": {"username": "paolo.rossi", "displayName": "Paolo \u202eissoR"},
        "an isolate in a display name": {"username": "paolo.rossi", "displayName": "Paolo \u2067x"},
    }.items():
        message = dict({"displayName": "Paolo Rossi", "email": "paolo@rossi.example", "profile": "adminFull"}, **fields)
        status, error = company.as_rep(PROFILES + "RegisterUser", message)
        refused[label] = status
        assert status == "INVALID_ARGUMENT", (label, error)
    figure("registrations with look-alike or direction characters", ", ".join(f"{k}: {v}" for k, v in refused.items()))
    # Compatibility forms fold: the full-width spelling is the same person, for login too.
    created = ok(company.as_rep(PROFILES + "RegisterUser", {"username": "ｐａｏｌｏ.ｒｏｓｓｉ", "displayName": "Paolo Rossi",
                                                            "email": "paolo@rossi.example", "profile": "adminFull"}))
    assert created["registration"]["username"] == "paolo.rossi"
    ok(d.call(SESSION + "Activate", {"activationCode": created["activationCode"], "password": PASSWORD}))
    ok(d.call(SESSION + "Login", {"username": "Ｐａｏｌｏ.Ｒｏｓｓｉ", "password": PASSWORD}))
    status, _ = company.as_rep(PROFILES + "RegisterUser", {"username": "paolo.rossi", "displayName": "Other", "email": "o@r.example",
                                                            "profile": "adminFull"})
    assert status == "ALREADY_EXISTS"
