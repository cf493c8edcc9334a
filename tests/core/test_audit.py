"""``jwtguard.audit``: the record of a refusal, built in one place and tested here once per way
the Guard refuses (each adapter's own test shows only that its refusals reach this record).

Every refusal path writes exactly one ``jwtguard.audit`` record: its fields, INFO for a 4xx and
WARNING for a 503, the token facts of what the decision read (verified, unverified, or none), the
listeners told once with the same fields, and never the credentials the request sent.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pytest

from jwtguard import (
    AccessToken,
    AuthError,
    ErrorResponse,
    Guard,
    GuardConfig,
    RequestView,
    SimpleRequest,
    TokenExpired,
    TokenRevoked,
    Validator,
)
from jwtguard.adapters import ANY_TOKEN, OPTIONAL, Answer, RequestState, Requirement, Route
from jwtguard.audit import rejection_record, token_facts
from jwtguard.stores.redis import RedisStore
from jwtguard.testing import b64url, compact
from tests.audit import TOKEN_FACTS, audit_records, check_audit, credentials, leaks, record_fields
from tests.contract import ISSUER, SCENARIOS, SETTINGS, Minter, Scenario, bearer
from tests.extractions import count_extractions
from tests.servers import RecordingServer

CLIENT = "198.51.100.7"
NO_FACTS: dict[str, str | None] = dict.fromkeys(TOKEN_FACTS)


def facts(sub: str = "alice") -> dict[str, str | None]:
    """The facts of a token the minter signed for ``sub``."""
    return {"iss": ISSUER, "sub": sub, "kid": "rsa-1", "alg": "RS256"}


def bearer_request(token: str, **kwargs: Any) -> SimpleRequest:
    return SimpleRequest(headers={"Authorization": f"Bearer {token}"}, **kwargs)


# --- the record's fields, read safely from whatever token the decision found ------------------


def test_facts_of_a_readable_token(config: GuardConfig, minter: Minter) -> None:
    assert token_facts(minter.token(sub="bob"), config) == facts("bob")


def test_facts_when_only_the_header_is_readable(config: GuardConfig) -> None:
    token = compact({"alg": "RS256", "kid": "k9"}, b"not json", b"sig")
    assert token_facts(token, config) == {"iss": None, "sub": None, "kid": "k9", "alg": "RS256"}


@pytest.mark.parametrize(
    "token",
    [
        "a" * 9000,  # over MAX_TOKEN_BYTES: not even split
        compact({"alg": "RS256", "kid": "k"}, {"sub": "x" * 9000}, b"s"),  # readable, but as large
        "x.y",
        b64url(b"[1, 2]") + ".e30.c2ln",  # header is a JSON array
        compact({"alg": 5, "kid": ["k"]}, {"sub": {"nested": 1}, "iss": 7}, b"s"),
    ],
)
def test_unreadable_or_non_string_facts_are_left_out(config: GuardConfig, token: str) -> None:
    assert token_facts(token, config) == NO_FACTS


def test_facts_cannot_forge_log_lines(config: GuardConfig) -> None:
    """Claims are attacker-controlled: control characters are escaped, lengths bounded."""
    token = compact({"alg": "RS256", "kid": "k\n401 ok"}, {"sub": "x" * 1000 + "\r"}, b"s")
    found = token_facts(token, config)
    assert found["kid"] == "k\\x0a401 ok"
    assert found["sub"] is not None
    assert len(found["sub"]) == 129
    assert found["sub"].endswith("…")
    assert "\r" not in found["sub"]


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
        **facts(),
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
        f"[unverified iss={ISSUER} sub=alice kid=rsa-1 alg=RS256]"
    )
    assert token not in record.getMessage()


def test_no_record_below_the_configured_level(
    config: GuardConfig, minter: Minter, caplog: pytest.LogCaptureFixture
) -> None:
    """The record is not written, but the listeners still get its fields."""
    caplog.set_level(logging.WARNING, logger="jwtguard.audit")
    guard, heard = listened(Guard(config))
    guard.reject(TokenExpired(), bearer_request(minter.token()))
    assert caplog.records == []
    assert [(code, record["sub"]) for code, record in heard.rejected] == [
        ("token_expired", "alice")
    ]


# --- each way the Guard refuses a request -----------------------------------------------------


class Heard:
    """A listener that keeps what the guard told it."""

    def __init__(self) -> None:
        self.validated: list[str | None] = []
        self.rejected: list[tuple[str, dict[str, Any]]] = []

    def token_validated(self, request: RequestView, token: AccessToken) -> None:
        self.validated.append(token.subject)

    def token_rejected(
        self, request: RequestView, error: AuthError, record: Mapping[str, Any]
    ) -> None:
        self.rejected.append((error.code, dict(record)))


def listened(guard: Guard) -> tuple[Guard, Heard]:
    heard = Heard()
    guard.add_listener(heard)
    return guard, heard


def settings(minter: Minter, **extra: Any) -> dict[str, Any]:
    """The contract settings, tokens also in cookies, ``/health`` exempt."""
    locations = ["header", "query", "cookie"]
    base = {**SETTINGS, "JWKS": minter.jwks(), "TOKEN_LOCATIONS": locations}
    return {**base, "EXEMPT_PATHS": [r"/health"], **extra}


def nothing_listens() -> str:
    """``host:port`` on 127.0.0.1 where nothing listens (a server that was stopped)."""
    server = RecordingServer().start()
    server.stop()
    return server.url.removeprefix("http://")


def static_keys(minter: Minter) -> Guard:
    return Guard(GuardConfig.from_mapping(settings(minter)))


def keys_down(minter: Minter) -> Guard:
    """A guard whose identity provider does not answer (no key was ever fetched)."""
    remote = {**settings(minter), "JWKS": None, "JWKS_URL": f"http://{nothing_listens()}/jwks"}
    return Guard(GuardConfig.from_mapping(remote))


def store_down(minter: Minter) -> Guard:
    """A guard with replay protection whose Redis server is gone."""
    config = GuardConfig.from_mapping(settings(minter, REPLAY_PROTECTION=True))
    store = RedisStore(f"redis://{nothing_listens()}/0", timeout=0.5)
    return Guard(config, validator=Validator(config, store=store))


@dataclass(frozen=True)
class RefusalPath:
    """One way :meth:`Guard.decide` refuses, and the record it must write."""

    name: str
    request: Callable[[Minter], SimpleRequest]
    code: str
    status: int
    error: str | None  # the RFC 6750 error attribute the record names
    detail: str  # in the operator-only detail
    facts: Mapping[str, str | None] = field(default_factory=NO_FACTS.copy)
    requirement: Requirement = ANY_TOKEN
    route: Route | None = None
    csrf_exempt: bool = False
    asynchronous: bool = False
    guard: Callable[[Minter], Guard] = static_keys
    validated: bool = False  # the token passed validation before the refusal


def expired(m: Minter, path: str = "/notes/1") -> SimpleRequest:
    token = m.token(sub="mallory", now=0)
    return bearer_request(token, method="PATCH", path=path, client_address=CLIENT)


def valid(m: Minter) -> SimpleRequest:
    return bearer_request(m.token(), path="/notes", client_address=CLIENT)


def query_post(m: Minter) -> SimpleRequest:
    """A ``POST`` with a valid token in the query string (no CSRF proof)."""
    query = {"access_token": [m.token()]}
    return SimpleRequest(method="POST", path="/notes", query=query, client_address=CLIENT)


PATHS = [
    RefusalPath(
        "missing credentials",
        lambda _m: SimpleRequest(method="POST", path="/notes", client_address=CLIENT),
        "token_missing",
        401,
        None,
        "no access token in the request",
    ),
    RefusalPath(
        "another scheme, carrying a JWT",
        lambda m: SimpleRequest(
            headers={"Authorization": f"Token {m.token()}"}, client_address=CLIENT
        ),
        "unsupported_scheme",
        401,
        None,
        "the 'Token' scheme, not Bearer",
    ),
    RefusalPath(
        "malformed credentials",
        lambda _m: SimpleRequest(
            headers={"Authorization": "Bearer abc,def"}, path="/x", client_address=CLIENT
        ),
        "malformed_request",
        400,
        "invalid_request",
        "b64token syntax",
    ),
    RefusalPath(
        "a token in two places",
        lambda m: SimpleRequest(
            headers=bearer(m.token()), query={"access_token": [m.token()]}, client_address=CLIENT
        ),
        "multiple_tokens",
        400,
        "invalid_request",
        "tokens found in: Authorization, query",
    ),
    RefusalPath(
        "invalid token (the validation pipeline)",
        expired,
        "token_expired",
        401,
        "invalid_token",
        "expired",
        facts("mallory"),
    ),
    RefusalPath(
        "unreadable token",
        lambda _m: bearer_request("a" * 9000, client_address=CLIENT),
        "token_too_large",
        401,
        "invalid_token",
        "9000",
    ),
    RefusalPath(
        "insufficient scope",
        valid,
        "insufficient_scope",
        403,
        "insufficient_scope",
        "notes:write",
        facts(),
        Requirement.of("notes:write"),
        validated=True,
    ),
    RefusalPath(
        "cookie token without CSRF proof",
        lambda m: SimpleRequest(
            method="POST", cookies={"access_token": m.token()}, client_address=CLIENT
        ),
        "csrf_failed",
        403,
        None,
        "CSRF",
        facts(),
    ),
    RefusalPath(
        "query token, view exempt from framework CSRF",
        query_post,
        "csrf_failed",
        403,
        None,
        "CSRF",
        facts(),
        csrf_exempt=True,
        validated=True,
    ),
    RefusalPath(
        "optional token, but a bad one",
        expired,
        "token_expired",
        401,
        "invalid_token",
        "expired",
        facts("mallory"),
        OPTIONAL,
    ),
    RefusalPath(
        "exempt route, but a bad token",
        lambda m: expired(m, path="/health"),
        "token_expired",
        401,
        "invalid_token",
        "expired",
        facts("mallory"),
        Requirement.of("admin"),
        Route(),
    ),
    RefusalPath(
        "key source unavailable",
        valid,
        "key_source_unavailable",
        503,
        None,
        "could not be fetched",
        facts(),
        guard=keys_down,
    ),
    RefusalPath(
        "store unavailable",
        valid,
        "store_unavailable",
        503,
        None,
        "could not reach the token store",
        facts(),
        guard=store_down,
    ),
    RefusalPath(
        "missing credentials, async",
        lambda _m: SimpleRequest(method="POST", path="/notes", client_address=CLIENT),
        "token_missing",
        401,
        None,
        "no access token in the request",
        asynchronous=True,
    ),
    RefusalPath(
        "invalid token, async",
        expired,
        "token_expired",
        401,
        "invalid_token",
        "expired",
        facts("mallory"),
        asynchronous=True,
    ),
    RefusalPath(
        "query token, view exempt from framework CSRF, async",
        query_post,
        "csrf_failed",
        403,
        None,
        "CSRF",
        facts(),
        csrf_exempt=True,
        asynchronous=True,
        validated=True,
    ),
    RefusalPath(
        "insufficient scope, async",
        valid,
        "insufficient_scope",
        403,
        "insufficient_scope",
        "notes:write",
        facts(),
        Requirement.of("notes:write"),
        asynchronous=True,
        validated=True,
    ),
]


def decide(guard: Guard, request: SimpleRequest, path: RefusalPath, state: RequestState) -> Answer:
    options: dict[str, Any] = {"state": state, "route": path.route, "csrf_exempt": path.csrf_exempt}
    if path.asynchronous:
        return asyncio.run(guard.decide_async(request, path.requirement, **options))
    return guard.decide(request, path.requirement, **options)


def sent(request: SimpleRequest) -> list[str]:
    """Every credential ``request`` carried (headers, query, cookies)."""
    return credentials(request.headers, request.query) + list(request.cookies.values())


@pytest.mark.parametrize("path", PATHS, ids=lambda path: path.name)
def test_each_refusal_path_writes_one_record(
    path: RefusalPath, minter: Minter, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="jwtguard.audit")
    guard, heard = listened(path.guard(minter))
    request, state = path.request(minter), RequestState()
    answer = decide(guard, request, path, state)
    assert isinstance(answer, ErrorResponse)
    assert (answer.status, answer.code) == (path.status, path.code)
    assert decide(guard, request, path, state) is answer, "refused once, answered the same"
    [record] = audit_records(caplog)
    fields = record_fields(record)
    detail = fields["detail"]
    assert fields == {
        "code": path.code,
        "status": path.status,
        "error": path.error,
        "method": request.method,
        "path": request.path,
        "client": CLIENT,
        "detail": detail,
        **path.facts,
    }
    assert path.detail in detail
    assert record.levelno == (logging.WARNING if path.status == 503 else logging.INFO)
    message = record.getMessage()
    assert message.startswith(f"{path.status} {path.code} {request.method} {request.path} ")
    known = " ".join(f"{name}={value}" for name, value in path.facts.items() if value)
    provenance = "verified" if path.validated else "unverified"
    ending = f" [{provenance} {known}]" if known else ""
    assert message.endswith(f" from {CLIENT}: {detail}{ending}")
    for credential in sent(request):
        assert not leaks(credential, message), "the token is never logged, not even in part"
        assert not any(leaks(credential, str(value)) for value in fields.values())
    assert heard.rejected == [(path.code, fields)], "the listeners get the record's fields, once"
    assert heard.validated == (["alice"] if path.validated else [])


@pytest.mark.parametrize(
    ("request_", "requirement", "route", "validated"),
    [
        (valid, Requirement.of("notes:read"), None, ["alice"]),
        (lambda _m: SimpleRequest(), OPTIONAL, None, []),
        (lambda _m: SimpleRequest(path="/health"), Requirement.of("admin"), Route(), []),
    ],
    ids=["accepted", "optional, no token", "exempt route, no token"],
)
def test_no_record_without_a_refusal(
    minter: Minter,
    caplog: pytest.LogCaptureFixture,
    request_: Callable[[Minter], SimpleRequest],
    requirement: Requirement,
    route: Route | None,
    validated: list[str],
) -> None:
    caplog.set_level(logging.DEBUG, logger="jwtguard")
    guard, heard = listened(static_keys(minter))
    answer = guard.decide(request_(minter), requirement, route=route)
    assert not isinstance(answer, ErrorResponse)
    assert audit_records(caplog) == []
    assert (heard.validated, heard.rejected) == (validated, [])


# --- errors raised after (or outside) the decision: Guard.reject ------------------------------


@pytest.mark.parametrize(
    ("decided", "headers", "expected"),
    [
        (True, lambda m: bearer(m.token()), facts()),  # what the decision validated
        (False, lambda m: bearer(m.token(sub="bob")), facts("bob")),  # found now, unverified
        (False, lambda _m: {"Authorization": "Bearer abc,def"}, NO_FACTS),  # nothing to find
    ],
    ids=["after an accepting decision", "on an unread request", "on unreadable credentials"],
)
def test_an_error_raised_outside_the_decision_is_recorded_once(
    minter: Minter,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    decided: bool,
    headers: Callable[[Minter], dict[str, str]],
    expected: dict[str, str | None],
) -> None:
    """An adapter renders any ``AuthError`` raised while handling a request (a view's own, a
    user resolver's) through :meth:`Guard.reject`: the record reuses what the decision read,
    the request is searched at most once, and the error is recorded once however often it is
    answered."""
    caplog.set_level(logging.INFO, logger="jwtguard.audit")
    guard, heard = listened(static_keys(minter))
    calls = count_extractions(monkeypatch)
    request, state = (
        SimpleRequest(headers=headers(minter), path="/r", client_address=CLIENT),
        RequestState(),
    )
    if decided:
        assert isinstance(guard.decide(request, state=state), AccessToken)
    error = TokenRevoked(detail="the view's own refusal")
    answer = guard.reject(error, request, state=state)
    assert guard.reject(error, request, state=state) is answer
    assert calls == ["/r"]
    [record] = audit_records(caplog)
    assert record_fields(record) == {
        "code": "token_revoked",
        "status": 401,
        "error": "invalid_token",
        "method": "GET",
        "path": "/r",
        "client": CLIENT,
        "detail": "the view's own refusal",
        **expected,
    }
    assert [code for code, _record in heard.rejected] == ["token_revoked"]


# --- listeners ---------------------------------------------------------------------------------


class Broken:
    """A listener with a bug in both methods."""

    def token_validated(self, request: RequestView, token: AccessToken) -> None:
        raise RuntimeError("listener bug")

    def token_rejected(
        self, request: RequestView, error: AuthError, record: Mapping[str, Any]
    ) -> None:
        raise RuntimeError("listener bug")


def test_a_failing_listener_changes_no_answer(
    minter: Minter, caplog: pytest.LogCaptureFixture
) -> None:
    """It is logged (with its traceback) and skipped; the listeners after it still hear."""
    guard = static_keys(minter)
    guard.add_listener(Broken())
    guard, heard = listened(guard)
    assert isinstance(guard.decide(bearer_request(minter.token())), AccessToken)
    refused = guard.decide(bearer_request(minter.token(now=0)))
    assert isinstance(refused, ErrorResponse)
    assert refused.code == "token_expired"
    failures = [r for r in caplog.records if r.name == "jwtguard" and "listener failed" in r.msg]
    assert [(r.levelno, r.exc_info is not None) for r in failures] == [(logging.ERROR, True)] * 2
    assert (heard.validated, [code for code, _ in heard.rejected]) == (["alice"], ["token_expired"])


# --- every refusal of the wire contract: no credential in the record ---------------------------


@pytest.fixture(scope="module")
def contract_guard(minter: Minter) -> Guard:
    return Guard(GuardConfig.from_mapping({**SETTINGS, "JWKS": minter.jwks()}))


@pytest.mark.parametrize(
    "scenario", [s for s in SCENARIOS if s.code is not None], ids=lambda s: s.name
)
def test_no_refusal_records_the_credentials_it_was_sent(
    contract_guard: Guard, minter: Minter, scenario: Scenario, caplog: pytest.LogCaptureFixture
) -> None:
    """Each row of the shared table: the step that refused writes its own detail, and none may
    echo the token; the facts are read only where the token is readable (tests/audit.py)."""
    caplog.set_level(logging.INFO, logger="jwtguard.audit")
    headers, query = scenario.headers(minter), scenario.query(minter)
    request = SimpleRequest(
        headers=headers, query=query, method=scenario.method, path="/r", client_address=CLIENT
    )
    answer = contract_guard.decide(request, Requirement.of(scenario.scopes))
    assert isinstance(answer, ErrorResponse)
    assert answer.code == scenario.code
    sent_ = credentials(headers, query)
    check_audit(
        audit_records(caplog),
        scenario,
        method=scenario.method,
        path="/r",
        sent=sent_,
        client=CLIENT,
    )
