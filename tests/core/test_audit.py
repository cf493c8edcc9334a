"""``jwtguard.audit``: the record's fields, read safely from whatever token the decision found."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from jwtguard import Guard, GuardConfig, SimpleRequest, TokenExpired
from jwtguard.audit import rejection_record, token_facts
from jwtguard.testing import b64url, compact
from tests.contract import SETTINGS, Minter


@pytest.fixture
def config(minter: Minter) -> GuardConfig:
    return GuardConfig.from_mapping({**SETTINGS, "JWKS": minter.jwks()})


def bearer_request(token: str, **kwargs: Any) -> SimpleRequest:
    return SimpleRequest(headers={"Authorization": f"Bearer {token}"}, **kwargs)


def test_facts_of_a_readable_token(config: GuardConfig, minter: Minter) -> None:
    token = minter.token(sub="bob")
    facts = token_facts(token, config)
    assert facts == {"iss": SETTINGS["ISSUER"], "sub": "bob", "kid": "rsa-1", "alg": "RS256"}


def test_facts_when_only_the_header_is_readable(config: GuardConfig) -> None:
    token = compact({"alg": "RS256", "kid": "k9"}, b"not json", b"sig")
    assert token_facts(token, config) == {
        "iss": None,
        "sub": None,
        "kid": "k9",
        "alg": "RS256",
    }


@pytest.mark.parametrize(
    "token",
    [
        "a" * 9000,  # over MAX_TOKEN_BYTES: not even split
        "x.y",
        b64url(b"[1, 2]") + ".e30.c2ln",  # header is a JSON array
        compact({"alg": 5, "kid": ["k"]}, {"sub": {"nested": 1}, "iss": 7}, b"s"),
    ],
)
def test_unreadable_or_non_string_facts_are_left_out(config: GuardConfig, token: str) -> None:
    facts = token_facts(token, config)
    assert facts == {"iss": None, "sub": None, "kid": None, "alg": None}


def test_facts_cannot_forge_log_lines(config: GuardConfig) -> None:
    """Claims are attacker-controlled: control characters are escaped, lengths bounded."""
    token = compact({"alg": "RS256", "kid": "k\n401 ok"}, {"sub": "x" * 1000 + "\r"}, b"s")
    facts = token_facts(token, config)
    assert facts["kid"] == "k\\x0a401 ok"
    assert facts["sub"] is not None
    assert len(facts["sub"]) == 129
    assert facts["sub"].endswith("…")
    assert "\r" not in facts["sub"]


def test_record_fields(config: GuardConfig, minter: Minter) -> None:
    token = minter.token()
    request = bearer_request(token, method="DELETE", path="/a\tb", client_address="10.0.0.7")
    record = rejection_record(TokenExpired(detail="expired 3 s ago"), request, config, token)
    assert record == {
        "code": "token_expired",
        "status": 401,
        "error": "invalid_token",
        "method": "DELETE",
        "path": "/a\\x09b",
        "client": "10.0.0.7",
        "detail": "expired 3 s ago",
        "iss": SETTINGS["ISSUER"],
        "sub": "alice",
        "kid": "rsa-1",
        "alg": "RS256",
    }
    assert token not in repr(record)


def test_guard_reject_logs_and_renders(
    config: GuardConfig, minter: Minter, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="jwtguard.audit")
    guard = Guard(config)
    token = minter.token()
    answer = guard.reject(TokenExpired(detail="expired"), bearer_request(token))
    assert answer == guard.render(TokenExpired(detail="expired"))
    [record] = caplog.records
    assert record.getMessage() == (
        "401 token_expired GET / from unknown client: expired "
        f"[unverified iss={SETTINGS['ISSUER']} sub=alice kid=rsa-1 alg=RS256]"
    )
    assert token not in record.getMessage()


def test_no_record_below_the_configured_level(
    config: GuardConfig, minter: Minter, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="jwtguard.audit")
    Guard(config).reject(TokenExpired(), bearer_request(minter.token()))
    assert caplog.records == []
