"""Guard: the request-level decision adapters delegate to the core."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import pytest

from jwtguard import (
    AccessToken,
    AuthError,
    ErrorResponse,
    Guard,
    GuardConfig,
    InsufficientScope,
    RequestView,
    SimpleRequest,
    TokenExpired,
    TokenRevoked,
    Validator,
)
from jwtguard.adapters import OPTIONAL, Answer, RequestState, Requirement, Route
from jwtguard.keys import StaticKeySource, TrustedKey
from jwtguard.testing import parse_challenge
from tests.audit import audit_records
from tests.contract import SETTINGS, Minter
from tests.extractions import count_extractions


@pytest.fixture(scope="module")
def guard(minter: Minter) -> Guard:
    settings = {**SETTINGS, "JWKS": minter.jwks(), "EXEMPT_PATHS": [r"/health", r"/public/.*"]}
    return Guard(GuardConfig.from_mapping(settings))


PREFLIGHT = {"Access-Control-Request-Method": "GET", "Origin": "https://app.example.com"}


@pytest.mark.parametrize(
    ("request_", "facts", "required"),
    [
        (SimpleRequest(path="/health"), {}, False),
        (SimpleRequest(path="/public/docs"), {}, False),
        (SimpleRequest(path="/healthz-admin"), {}, True),  # the whole path must match
        (SimpleRequest(path="/api/health"), {}, True),
        (SimpleRequest(path="/api/me"), {}, True),
        (SimpleRequest(path="/api/me"), {"exempt_view": True}, False),
        # A "preflight" is two things any client can send: it proves nothing.
        (SimpleRequest(path="/api/me", method="OPTIONS", headers=PREFLIGHT), {}, True),
        (SimpleRequest(path="/api/me", method="OPTIONS"), {}, True),
        # Only the framework's own OPTIONS answer, which runs no view, goes without a token.
        (
            SimpleRequest(path="/api/me", method="OPTIONS", headers=PREFLIGHT),
            {"answered_without_view": True},
            False,
        ),
        (SimpleRequest(path="/api/me", method="GET"), {"answered_without_view": True}, True),
        (
            SimpleRequest(path="/api/me", method="POST", headers=PREFLIGHT),
            {"answered_without_view": True},
            True,
        ),
    ],
)
def test_requires_token(
    guard: Guard, request_: SimpleRequest, facts: dict[str, bool], required: bool
) -> None:
    assert guard.requires_token(request_, **facts) is required


def test_authenticate_and_authorize(guard: Guard, minter: Minter) -> None:
    request = SimpleRequest(headers={"Authorization": f"Bearer {minter.token(scope='a b')}"})
    token = guard.authenticate(request)
    assert token is not None
    guard.authorize(token, ["a"], any_of=["b", "c"])
    with pytest.raises(InsufficientScope):
        guard.authorize(token, ["c"])
    assert guard.authenticate(SimpleRequest(), required=False) is None


def test_render_and_challenge(guard: Guard) -> None:
    response = guard.render(TokenExpired())
    assert response.status == 401
    assert json.loads(response.body)["code"] == "token_expired"
    assert parse_challenge(guard.challenge()) == ("Bearer", {"realm": "notes"})


# --- Guard.decide: the one per-request decision ---------------------------------------------------


class Recorder:
    """A listener that keeps what the guard told it."""

    def __init__(self) -> None:
        self.events: list[str] = []

    def token_validated(self, request: RequestView, token: AccessToken) -> None:
        self.events.append(f"validated {token.subject}")

    def token_rejected(
        self, request: RequestView, error: AuthError, record: Mapping[str, Any]
    ) -> None:
        self.events.append(f"rejected {record['code']} sub={record['sub']}")


class AsyncOnlyKeys:
    """Keys only async code may ask for: the sync lookup would block an event loop."""

    def __init__(self, config: GuardConfig) -> None:
        self.static = StaticKeySource(config.key_set)

    def candidates(self, kid: str | None, algorithm: str) -> Sequence[TrustedKey]:
        raise AssertionError("a blocking key lookup from async code")

    async def acandidates(self, kid: str | None, algorithm: str) -> Sequence[TrustedKey]:
        return self.static.candidates(kid, algorithm)


@dataclass
class Decider:
    """A fresh guard (``/health`` exempt), its listener, and its sync or async decision."""

    guard: Guard
    asynchronous: bool
    recorder: Recorder = field(default_factory=Recorder)

    def __post_init__(self) -> None:
        self.guard.add_listener(self.recorder)

    def __call__(self, request: RequestView, *args: Any, **kwargs: Any) -> Answer:
        if self.asynchronous:
            return asyncio.run(self.guard.decide_async(request, *args, **kwargs))
        return self.guard.decide(request, *args, **kwargs)


@pytest.fixture(params=[False, True], ids=["sync", "async"])
def decide(request: pytest.FixtureRequest, minter: Minter) -> Decider:
    settings = {**SETTINGS, "JWKS": minter.jwks(), "EXEMPT_PATHS": [r"/health"]}
    config = GuardConfig.from_mapping(settings)
    keys = AsyncOnlyKeys(config) if request.param else None
    return Decider(Guard(config, validator=Validator(config, key_source=keys)), request.param)


def bearer_request(token: str | None = None, **kwargs: Any) -> SimpleRequest:
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    return SimpleRequest(headers=headers, **kwargs)


def code(answer: Answer) -> str:
    assert isinstance(answer, ErrorResponse), answer
    return str(json.loads(answer.body)["code"])


def test_the_token_or_the_audited_refusal(
    decide: Decider, minter: Minter, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="jwtguard.audit")
    token = decide(bearer_request(minter.token(scope="a b")), Requirement.of("a", any_of="b c"))
    assert isinstance(token, AccessToken)
    assert token.subject == "alice"
    assert code(decide(bearer_request())) == "token_missing"
    assert code(decide(bearer_request(minter.token(now=0)))) == "token_expired"
    assert code(decide(bearer_request(minter.token()), Requirement.of("c"))) == "insufficient_scope"
    assert decide.recorder.events == [
        "validated alice",
        "rejected token_missing sub=None",
        "rejected token_expired sub=alice",
        "validated alice",
        "rejected insufficient_scope sub=alice",
    ]
    assert [getattr(record, "code", None) for record in audit_records(caplog)] == [
        "token_missing",
        "token_expired",
        "insufficient_scope",
    ]


def test_an_optional_token(decide: Decider, minter: Minter) -> None:
    optional = Requirement.of("a", optional=True)
    assert decide(bearer_request(), optional) is None
    assert decide(SimpleRequest(headers={"Authorization": "Basic YTpi"}), optional) is None
    assert code(decide(bearer_request(minter.token(now=0)), optional)) == "token_expired"
    assert code(decide(bearer_request(minter.token()), optional)) == "insufficient_scope"
    assert code(decide(SimpleRequest(headers={"Authorization": "Bearer"}), optional)) == (
        "malformed_request"
    )


@pytest.mark.parametrize(
    ("request_", "route", "passes"),
    [
        (bearer_request(path="/health"), Route(), True),
        (bearer_request(path="/health"), None, False),  # a view's own requirement: not lifted
        (bearer_request(path="/api"), Route(exempt=True), True),
        (bearer_request(path="/api"), Route(), False),
        (bearer_request(method="OPTIONS"), Route(answered_without_view=True), True),
        (bearer_request(method="OPTIONS"), Route(), False),
        (bearer_request(method="GET"), Route(answered_without_view=True), False),
    ],
)
def test_the_pass_through_rule(
    decide: Decider,
    minter: Minter,
    request_: SimpleRequest,
    route: Route | None,
    passes: bool,
) -> None:
    """Where a route lets a request go without a token, it asks nothing of a token that came
    (but that it be valid); elsewhere the requirement holds."""
    scoped = Requirement.of("admin")
    answer = decide(request_, scoped, route=route)
    assert answer is None if passes else code(answer) == "token_missing"
    with_token = replace(request_, headers={"Authorization": f"Bearer {minter.token()}"})
    answer = decide(with_token, scoped, route=route)
    assert isinstance(answer, AccessToken) if passes else code(answer) == "insufficient_scope"
    expired = replace(request_, headers={"Authorization": f"Bearer {minter.token(now=0)}"})
    assert code(decide(expired, scoped, route=route)) == "token_expired", "never ignored"


def test_one_state_one_reading_one_refusal(
    decide: Decider, minter: Minter, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Decisions sharing a request's state find and validate the token once; once refused,
    the request keeps its answer, told once."""
    calls = count_extractions(monkeypatch)
    request = bearer_request(minter.token(), path="/once")
    state = RequestState()
    first = decide(request, OPTIONAL, state=state)
    assert isinstance(first, AccessToken)
    assert decide(request, Requirement.of("notes:read"), state=state) is first
    refused = decide(request, Requirement.of("admin"), state=state)
    assert code(refused) == "insufficient_scope"
    assert decide(request, OPTIONAL, state=state) is refused
    assert state.error is not None
    assert decide.guard.reject(state.error, request, state=state) is refused
    assert calls == ["/once"]
    assert decide.recorder.events == ["validated alice", "rejected insufficient_scope sub=alice"]


def test_an_error_raised_later_is_audited_with_what_was_read(
    decide: Decider, minter: Minter, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = count_extractions(monkeypatch)
    request, state = bearer_request(minter.token(), path="/later"), RequestState()
    assert isinstance(decide(request, state=state), AccessToken)
    answer = decide.guard.reject(TokenRevoked(), request, state=state)
    assert code(answer) == "token_revoked"
    unread = bearer_request(minter.token(sub="bob"), path="/unread")
    assert code(decide.guard.reject(TokenRevoked(), unread)) == "token_revoked"
    assert calls == ["/later", "/unread"], "a request no decision read is searched once"
    assert decide.recorder.events[1:] == [
        "rejected token_revoked sub=alice",
        "rejected token_revoked sub=bob",
    ]


@pytest.mark.parametrize(
    ("method", "query", "csrf_exempt", "expected"),
    [
        ("POST", True, True, "csrf_failed"),
        ("POST", True, False, None),  # the framework's own CSRF protection applies
        ("GET", True, True, None),
        ("POST", False, True, None),  # a header token is not forgeable
    ],
)
def test_a_view_exempt_from_framework_csrf(
    decide: Decider,
    minter: Minter,
    method: str,
    query: bool,
    csrf_exempt: bool,
    expected: str | None,
) -> None:
    """A query or form token on an unsafe request to a view the adapter exempted from its
    framework's CSRF protection must pass the CSRF check (here: double submit)."""
    token = minter.token()
    request = (
        SimpleRequest(method=method, query={"access_token": [token]})
        if query
        else bearer_request(token, method=method)
    )
    answer = decide(request, csrf_exempt=csrf_exempt)
    if expected is None:
        assert isinstance(answer, AccessToken)
    else:
        assert code(answer) == expected
