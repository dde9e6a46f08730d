"""Fuzz every field and query parameter of ZORG-ID Smartcard aanmaken and of signing in with a smartcard (the
agent's answers posted as JSON), on both databases: see tests/security/fuzzing.py for what is checked."""

import json

from tests.security.fuzzing import Target, fuzz_tests


def json_body(values):
    return {"data": json.dumps(values), "content_type": "application/json"}


SIGN_IN_ANSWER = {"nonce": "x", "result": {}}

TARGETS = [
    Target("person", "GET", "smartcard_personalise.intro"),
    Target("person", "GET", "smartcard_personalise.credential"),
    Target("person", "POST", "smartcard_personalise.credential_challenge"),
    Target(
        "person",
        "POST",
        "smartcard_personalise.credential_check",
        ("nonce", "result"),
        body=json_body,
        valid=lambda world: SIGN_IN_ANSWER,
    ),
    Target("person", "GET", "smartcard_personalise.birth_date"),
    Target(
        "person",
        "POST",
        "smartcard_personalise.birth_date",
        ("birth_date",),
        valid=lambda world: {"birth_date": "1980-01-31"},
    ),
    Target("person", "GET", "smartcard_personalise.card"),
    Target("person", "POST", "smartcard_personalise.start"),
    Target(
        "person",
        "POST",
        "smartcard_personalise.certificate",
        ("public_key",),
        body=json_body,
        valid=lambda world: {"public_key": "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE"},
    ),
    Target(
        "person",
        "POST",
        "smartcard_personalise.stored",
        ("result",),
        body=json_body,
        valid=lambda world: {"result": {"certificate": "MA=="}},
    ),
    Target("person", "POST", "smartcard_personalise.failed", ("code",), body=json_body),
    Target("person", "GET", "smartcard_personalise.done"),
    Target("anonymous", "GET", "smartcard_signin.sign_in", ("next",)),
    Target("anonymous", "POST", "smartcard_signin.sign_in_challenge"),
    Target(
        "anonymous",
        "POST",
        "smartcard_signin.sign_in_check",
        ("nonce", "result", "?next"),
        body=json_body,
        valid=lambda world: SIGN_IN_ANSWER,
    ),
    Target("person", "GET", "smartcard_signin.step_up", ("next",)),
    Target("person", "POST", "smartcard_signin.step_up_challenge"),
    Target(
        "person",
        "POST",
        "smartcard_signin.step_up_check",
        ("nonce", "result", "?next"),
        body=json_body,
        valid=lambda world: SIGN_IN_ANSWER,
    ),
]

test_fuzz, test_endpoints_without_fields = fuzz_tests(TARGETS)
