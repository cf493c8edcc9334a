"""Checks shared by the adapters' audit tests: one ``jwtguard.audit`` record per refusal, with
the right fields, and never the credentials the request carried."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import pytest

from jwtguard.jws import b64url_decode
from tests.contract import ISSUER, Minter, Scenario, bearer

AUDIT_FIELDS = ("code", "status", "error", "method", "path", "client", "detail")
TOKEN_FACTS = ("iss", "sub", "kid", "alg")
#: Refusals decided before any token is read: the record has no token facts.
NO_TOKEN_READ = {"token_missing", "unsupported_scheme", "malformed_request", "multiple_tokens"}

#: A request an adapter's entry point refuses: its headers and query parameters.
Request = Callable[[Minter], tuple[dict[str, str], dict[str, list[str]]]]


def no_token(_m: Minter) -> tuple[dict[str, str], dict[str, list[str]]]:
    return {}, {}


def valid(m: Minter) -> tuple[dict[str, str], dict[str, list[str]]]:
    return bearer(m.token()), {}


def expired(m: Minter) -> tuple[dict[str, str], dict[str, list[str]]]:
    return bearer(m.token(sub="mallory", now=0)), {}


def expired_in_query(m: Minter) -> tuple[dict[str, str], dict[str, list[str]]]:
    return {}, {"access_token": [m.token(sub="mallory", now=0)]}


def audit_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.name == "jwtguard.audit"]


def credentials(headers: Mapping[str, str], query: Mapping[str, Iterable[str]]) -> list[str]:
    """Every credential the request carried: the part of each header value after a scheme,
    and each query value (long enough that finding it in a log line means something)."""
    values = [value.split(" ", 1)[-1].strip() for value in headers.values()]
    values += [value for values_ in query.values() for value in values_]
    return [value for value in values if len(value) >= 8]


def leaks(credential: str, text: str, size: int = 12) -> bool:
    """Whether ``text`` holds any ``size``-character piece of ``credential``."""
    pieces = {credential[start : start + size] for start in range(len(credential) - size + 1)}
    return any(piece in text for piece in pieces)


def unverified_header(token: str) -> dict[str, Any]:
    """The JWS header of ``token``, parsed independently of jwtguard's JSON rules (``{}`` if
    unreadable or not a three-part compact JWS); readable base64url is what jwtguard's one
    decoder accepts (canonical only)."""
    if token.count(".") != 2:
        return {}
    try:
        decoded = json.loads(b64url_decode(token.split(".", maxsplit=1)[0]))
    except (ValueError, RecursionError):
        return {}
    return decoded if isinstance(decoded, dict) else {}


def record_fields(record: logging.LogRecord) -> dict[str, Any]:
    """The audit fields a ``jwtguard.audit`` record carries as attributes."""
    return {name: getattr(record, name) for name in (*AUDIT_FIELDS, *TOKEN_FACTS)}


def check_audit(
    records: list[logging.LogRecord],
    scenario: Scenario,
    *,
    method: str,
    path: str,
    sent: list[str],
    client: str = "127.0.0.1",
) -> None:
    """Exactly one record for ``scenario``'s refusal, its fields, and no credential in it."""
    assert len(records) == 1, [record.getMessage() for record in records]
    record = records[0]
    fields = record_fields(record)
    assert fields["code"] == scenario.code
    assert fields["status"] == scenario.status
    assert (fields["method"], fields["path"], fields["client"]) == (method, path, client)
    assert record.levelno == (logging.WARNING if scenario.status >= 500 else logging.INFO)
    message = record.getMessage()
    assert f"{scenario.status} {scenario.code} {method} {path}" in message
    for credential in sent:
        assert not leaks(credential, message), "the token is never logged, not even in part"
        for name, value in fields.items():
            assert not leaks(credential, str(value)), f"no part of the token is in {name}"
    if scenario.code in NO_TOKEN_READ:
        assert all(fields[name] is None for name in TOKEN_FACTS)
        return
    for credential in sent:
        alg = unverified_header(credential).get("alg")
        if isinstance(alg, str) and len(alg) < 100 and alg.isprintable():
            assert fields["alg"] == alg
            assert f"alg={alg}" in message


def check_entry_record(
    caplog: pytest.LogCaptureFixture,
    *,
    code: str,
    status: int,
    method: str,
    path: str,
    sub: str | None,
    headers: Mapping[str, str],
    query: Mapping[str, Iterable[str]],
) -> dict[str, Any]:
    """The one record of an adapter's refusal (of the contract minter's token of ``sub``, if it
    read one): its fields, its message, no credential in it. Returns its fields."""
    [record] = audit_records(caplog)
    fields = record_fields(record)
    assert (fields["code"], fields["status"]) == (code, status)
    assert (fields["method"], fields["path"], fields["client"]) == (method, path, "127.0.0.1")
    read = {"iss": ISSUER, "sub": sub, "kid": "rsa-1", "alg": "RS256"} if sub else {}
    assert {name: fields[name] for name in TOKEN_FACTS if fields[name]} == read
    message = record.getMessage()
    assert message.startswith(f"{status} {code} {method} {path} ")
    for credential in credentials(headers, query):
        assert not leaks(credential, message), "the token is never logged, not even in part"
    return fields
