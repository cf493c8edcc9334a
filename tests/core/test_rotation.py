"""Key rotation without a blind window, outages without wrong answers (#14 §5), against a real
key server on 127.0.0.1 whose fetches are counted:

- the refetch cooldown spaces out only the refetches unknown ``kid``s cause: right after a
  routine fetch (start-up, expiry, background) a rotation is seen at once, and a flood of random
  ``kid``s still costs one fetch per cooldown;
- an unknown ``kid`` is 401 only when a fresh key set says it is not there; when the keys cannot
  be checked it is 503 with ``Retry-After``; the detail (audit, ``explain``) says which;
- failed fetches are retried after a short backoff (1 s doubling up to the cooldown);
- the background refresh, and fetches in flight, survive ``fork()`` (gunicorn ``--preload``).
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from jwtguard import (
    AuthError,
    ErrorResponse,
    Guard,
    GuardConfig,
    KeySourceUnavailable,
    SimpleRequest,
    UnknownKey,
    Validator,
)
from jwtguard.keys.discovery import jwks_fetcher
from jwtguard.keys.remote import CachePolicy, RemoteJWKS
from jwtguard.testing import SigningKey, generate_key
from jwtguard.tools.explain import explain
from tests.servers import RecordingServer, Route, eventually, recording_server

AUDIENCE = "api://notes"
JWKS_PATH = "/jwks.json"
COOLDOWN = 30.0


class FakeClock:
    """Monotonic time that a test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def server() -> Iterator[RecordingServer]:
    with recording_server() as running:
        yield running


@pytest.fixture(scope="module")
def keys() -> dict[str, SigningKey]:
    return {kid: generate_key("ES256", kid=kid) for kid in ("old", "new", "stranger")}


def remote(server: RecordingServer, clock: Any = None, **policy: Any) -> RemoteJWKS:
    fetcher = jwks_fetcher(server.url + JWKS_PATH, timeout=1.0, max_bytes=65536)
    settings = {"cooldown": COOLDOWN, **policy}
    return RemoteJWKS(
        fetcher,
        algorithms=["ES256"],
        policy=CachePolicy(**settings),
        clock=clock or time.monotonic,
        wait_timeout=3.0,
    )


def validator(source: RemoteJWKS) -> Validator:
    config = GuardConfig(jwks_url="https://idp.invalid/jwks", algorithms=["ES256"])
    return Validator(config, key_source=source)


def token(key: SigningKey, kid: str | None = None) -> str:
    header = {"alg": "ES256", "kid": kid or key.kid}
    return key.sign({"sub": "alice", "exp": int(time.time()) + 600}, header)


def refusal(check: Validator, jwt: str) -> AuthError | None:
    try:
        check.validate(jwt)
    except AuthError as error:
        return error
    return None


def code_of(check: Validator, jwt: str) -> str | None:
    error = refusal(check, jwt)
    return None if error is None else error.code


def rotate(server: RecordingServer, key: SigningKey, **headers: str) -> None:
    server.serve_json(JWKS_PATH, key.jwks(), **headers)


# --- no blind window after a routine fetch -------------------------------------------------


def test_a_rotation_right_after_start_up_is_accepted_at_once(
    server: RecordingServer, keys: dict[str, SigningKey]
) -> None:
    rotate(server, keys["old"])
    clock = FakeClock()
    source = remote(server, clock)
    assert source.warm()  # JWKS_PREWARM: a routine fetch
    rotate(server, keys["new"])
    clock.advance(1)
    assert code_of(validator(source), token(keys["new"])) is None, "no 30 s blind window"
    assert server.hits(JWKS_PATH) == 2


def test_a_rotation_right_after_an_expiry_refresh_is_accepted_at_once(
    server: RecordingServer, keys: dict[str, SigningKey]
) -> None:
    rotate(server, keys["old"])
    clock = FakeClock()
    check = validator(remote(server, clock))
    assert code_of(check, token(keys["old"])) is None
    clock.advance(601)  # the keys expired: the next request refreshes them (routine)
    assert code_of(check, token(keys["old"])) is None
    assert server.hits(JWKS_PATH) == 2
    rotate(server, keys["new"])
    clock.advance(1)
    assert code_of(check, token(keys["new"])) is None
    assert server.hits(JWKS_PATH) == 3


def test_a_rotation_right_after_a_background_refresh_is_accepted_at_once(
    server: RecordingServer, keys: dict[str, SigningKey]
) -> None:
    rotate(server, keys["old"], **{"Cache-Control": "max-age=1"})
    source = remote(server, min_ttl=1, refresh_ahead=True)
    try:
        assert source.warm()
        assert eventually(lambda: server.hits(JWKS_PATH) >= 3, timeout=6, interval=0.05), (
            "the background refresh is not held back by the refetch cooldown"
        )
        rotate(server, keys["new"], **{"Cache-Control": "max-age=1"})
        assert code_of(validator(source), token(keys["new"])) is None
    finally:
        source.close()


def test_a_new_kid_that_meets_a_routine_fetch_in_flight_looks_again(
    server: RecordingServer, keys: dict[str, SigningKey]
) -> None:
    """The routine fetch it waited for began before the token came: its set may predate the
    rotation, so the token's own refetch follows."""
    server.serve(JWKS_PATH, Route(200, json.dumps(keys["old"].jwks()).encode(), delay=0.5))
    source = remote(server)
    routine = threading.Thread(target=source.refresh)
    routine.start()
    try:
        assert eventually(lambda: server.hits(JWKS_PATH) == 1, timeout=5, interval=0.01)
        rotate(server, keys["new"])  # the fetch in flight still brings the old set
        assert code_of(validator(source), token(keys["new"])) is None
    finally:
        routine.join(timeout=5)
    assert server.hits(JWKS_PATH) == 2


def test_the_cooldown_spaces_out_refetches_for_unknown_kids_only(
    server: RecordingServer, keys: dict[str, SigningKey]
) -> None:
    rotate(server, keys["old"])
    clock = FakeClock()
    check = validator(remote(server, clock))
    assert code_of(check, token(keys["old"])) is None
    assert code_of(check, token(keys["stranger"])) == "unknown_key"
    assert server.hits(JWKS_PATH) == 2, "the first unknown kid refetched at once"
    clock.advance(COOLDOWN - 1)
    assert code_of(check, token(keys["stranger"], kid="other")) == "unknown_key"
    assert server.hits(JWKS_PATH) == 2, "the next one waits for the cooldown"
    clock.advance(1)
    rotate(server, keys["new"])
    assert code_of(check, token(keys["new"])) is None
    assert server.hits(JWKS_PATH) == 3


def test_a_flood_of_random_kids_costs_one_fetch_per_cooldown(
    server: RecordingServer, keys: dict[str, SigningKey]
) -> None:
    """Eight threads send tokens with random kids for 3.5 s; the cooldown is 1 s."""
    rotate(server, keys["old"])
    source = remote(server, cooldown=1.0)
    check = validator(source)
    assert source.warm()
    stop = time.monotonic() + 3.5
    codes: set[str | None] = set()
    sent = 0

    def flood() -> None:
        nonlocal sent
        while time.monotonic() < stop:
            codes.add(code_of(check, token(keys["stranger"], kid=secrets.token_hex(8))))
            sent += 1

    threads = [threading.Thread(target=flood) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert codes == {"unknown_key"}
    assert sent > 100
    refetches = server.hits(JWKS_PATH) - 1
    assert 1 <= refetches <= 4, f"{refetches} refetches for {sent} random kids in 3.5 s"


# --- 401 only from a fresh set; 503 when the keys cannot be checked -----------------------


def test_an_unknown_kid_after_a_fresh_refetch_is_401_with_the_sets_age(
    server: RecordingServer, keys: dict[str, SigningKey]
) -> None:
    rotate(server, keys["old"])
    clock = FakeClock()
    check = validator(remote(server, clock))
    assert code_of(check, token(keys["old"])) is None
    clock.advance(5)
    first = refusal(check, token(keys["stranger"]))
    assert isinstance(first, UnknownKey)
    assert first.status == 401
    assert "the 1 key(s) of JWKS fetched 0 s ago do not have it" in first.detail
    clock.advance(12)
    again = refusal(check, token(keys["stranger"], kid="another"))
    assert isinstance(again, UnknownKey), "the set is 12 s old and said no: 401 is right"
    assert "fetched 12 s ago do not have it" in again.detail
    assert "a refetch is suppressed by JWKS_REFETCH_COOLDOWN for 18 s more" in again.detail
    assert server.hits(JWKS_PATH) == 2


def test_an_unknown_kid_while_the_provider_is_down_is_503_not_401(
    server: RecordingServer, keys: dict[str, SigningKey]
) -> None:
    rotate(server, keys["old"])
    clock = FakeClock()
    check = validator(remote(server, clock))
    assert code_of(check, token(keys["old"])) is None
    server.stop()
    clock.advance(5)
    failed = refusal(check, token(keys["new"]))
    assert isinstance(failed, KeySourceUnavailable)
    assert (failed.status, failed.code) == (503, "key_source_unavailable")
    assert "the refetch failed" in failed.detail
    assert "could not be fetched" in failed.detail
    assert failed.retry_after == 30, "the next refetch for an unknown kid"
    assert code_of(check, token(keys["old"])) is None, "known kids are still served"
    clock.advance(10)
    suppressed = refusal(check, token(keys["new"]))
    assert isinstance(suppressed, KeySourceUnavailable)
    assert "a refetch is suppressed by JWKS_REFETCH_COOLDOWN for 20 s more" in suppressed.detail
    assert "and the last fetch failed" in suppressed.detail
    assert suppressed.retry_after == 20
    server.start()  # back, and rotated
    rotate(server, keys["new"])
    clock.advance(20)
    assert code_of(check, token(keys["new"])) is None


def test_an_unknown_kid_within_the_cooldown_after_a_failed_refresh_is_503(
    server: RecordingServer, keys: dict[str, SigningKey]
) -> None:
    """The cooldown holds a refetch back while the latest fetch (a routine one: the background
    refresh) failed: whether the key exists cannot be known, so 503, however fresh the refetch
    before it was."""
    rotate(server, keys["old"])
    clock = FakeClock()
    source = remote(server, clock)
    check = validator(source)
    assert source.warm()  # at 1000
    clock.advance(1)
    assert code_of(check, token(keys["stranger"])) == "unknown_key"  # refetched at 1001: 401
    server.serve(JWKS_PATH, Route(500, b"{}"))
    clock.advance(4)
    source.refresh()  # at 1005, as the background refresh does; it fails
    assert code_of(check, token(keys["old"])) is None, "the keys still serve known kids"
    clock.advance(2)  # past the 1 s backoff, within the cooldown of the refetch at 1001
    unknown = refusal(check, token(keys["new"]))
    assert isinstance(unknown, KeySourceUnavailable)
    assert "suppressed by JWKS_REFETCH_COOLDOWN for 24 s more" in unknown.detail
    assert "and the last fetch failed (" in unknown.detail
    assert "answered HTTP 500" in unknown.detail
    assert unknown.retry_after == 24
    assert server.hits(JWKS_PATH) == 3


def test_an_unknown_kid_during_the_backoff_is_503_until_the_retry(
    server: RecordingServer, keys: dict[str, SigningKey]
) -> None:
    rotate(server, keys["old"], **{"Cache-Control": "max-age=60"})
    clock = FakeClock()
    check = validator(remote(server, clock))
    assert code_of(check, token(keys["old"])) is None
    server.serve(JWKS_PATH, Route(503, b"{}"))
    clock.advance(61)
    assert code_of(check, token(keys["old"])) is None  # the refresh fails: stale keys serve
    unknown = refusal(check, token(keys["new"]))
    assert isinstance(unknown, KeySourceUnavailable)
    assert "the next fetch waits 1 s more" in unknown.detail
    assert unknown.retry_after == 1
    rotate(server, keys["new"])
    clock.advance(1)
    assert code_of(check, token(keys["new"])) is None, "retried once the backoff is over"


# --- backoff ---------------------------------------------------------------------------------


def test_a_failed_start_up_fetch_is_retried_after_a_second(
    server: RecordingServer, keys: dict[str, SigningKey]
) -> None:
    server.stop()
    clock = FakeClock()
    source = remote(server, clock)
    assert not source.warm()
    check = validator(source)
    down = refusal(check, token(keys["old"]))
    assert isinstance(down, KeySourceUnavailable)
    assert down.retry_after == 1
    server.start()
    rotate(server, keys["old"])
    clock.advance(1)
    assert code_of(check, token(keys["old"])) is None, "not 30 s of 503 after the recovery"


def test_the_backoff_doubles_up_to_the_cooldown(
    server: RecordingServer, keys: dict[str, SigningKey]
) -> None:
    server.serve(JWKS_PATH, Route(500, b"{}"))
    clock = FakeClock()
    check = validator(remote(server, clock))
    waits = []
    for _ in range(8):
        error = refusal(check, token(keys["old"]))
        assert isinstance(error, KeySourceUnavailable)
        waits.append(error.retry_after)
        clock.advance(error.retry_after - 0.5)
        inside = refusal(check, token(keys["old"]))  # within the backoff: no fetch
        assert isinstance(inside, KeySourceUnavailable)
        assert inside.retry_after == 1
        clock.advance(0.5)
    assert waits == [1, 2, 4, 8, 16, 30, 30, 30]
    assert server.hits(JWKS_PATH) == 8


def test_the_background_refresh_retries_a_failed_fetch_after_the_backoff(
    server: RecordingServer, keys: dict[str, SigningKey]
) -> None:
    server.serve(JWKS_PATH, Route(500, b"{}"))
    source = remote(server, refresh_ahead=True)
    try:
        assert not source.warm()
        rotate(server, keys["old"])
        assert eventually(lambda: source.key_set is not None, timeout=5, interval=0.05), (
            "no request came, and the keys are fetched"
        )
        assert server.hits(JWKS_PATH) == 2
    finally:
        source.close()


# --- the operator's view: audit record and explain ---------------------------------------


def test_the_audit_record_says_why_a_kid_is_refused(
    server: RecordingServer, keys: dict[str, SigningKey], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="jwtguard.audit")
    rotate(server, keys["old"])
    clock = FakeClock()
    source = remote(server, clock)
    config = GuardConfig(jwks_url=server.url + JWKS_PATH, algorithms=["ES256"])
    guard = Guard(config, validator=Validator(config, key_source=source))

    def answer(key: SigningKey, kid: str) -> ErrorResponse:
        request = SimpleRequest(headers={"Authorization": f"Bearer {token(key, kid)}"})
        response = guard.decide(request)
        assert isinstance(response, ErrorResponse)
        return response

    assert source.warm()
    assert (answer(keys["stranger"], "k-1").status, len(caplog.records)) == (401, 1)
    assert "fetched 0 s ago do not have it" in caplog.records[-1].getMessage()
    clock.advance(3)
    answer(keys["stranger"], "k-2")
    assert "fetched 3 s ago do not have it; a refetch is suppressed by JWKS_REFETCH_COOLDOWN" in (
        caplog.records[-1].getMessage()
    )
    server.stop()
    clock.advance(COOLDOWN)
    down = answer(keys["stranger"], "k-3")
    assert (down.status, down.header("Retry-After")) == (503, "30")
    assert down.header("WWW-Authenticate") is None
    record = caplog.records[-1].getMessage()
    assert record.startswith("503 key_source_unavailable")
    assert "the refetch failed" in record


def test_explain_names_the_key_steps_reason(
    server: RecordingServer, keys: dict[str, SigningKey]
) -> None:
    rotate(server, keys["old"])
    config = GuardConfig(jwks_url=server.url + JWKS_PATH, algorithms=["ES256"])
    check = Validator(config)
    assert code_of(check, token(keys["old"])) is None

    def key_step(kid: str) -> tuple[str | None, str]:
        report = explain(token(keys["stranger"], kid), check)
        step = next(item for item in report.checks if item.step == "key")
        return step.code, step.message

    code, message = key_step("k-1")
    assert code == "unknown_key"
    assert message.startswith("`kid` 'k-1' not among the trusted keys ['old']; the 1 key(s)")
    assert message.endswith("fetched 0 s ago do not have it")
    code, message = key_step("k-2")
    assert "a refetch is suppressed by JWKS_REFETCH_COOLDOWN for 30 s more" in message
    server.stop()
    other = Validator(config)  # a new guard, its provider down since it started
    code, message = next(
        (item.code, item.message)
        for item in explain(token(keys["stranger"], "k-3"), other).checks
        if item.step == "key"
    )
    assert code == "key_source_unavailable"
    assert "no usable keys from" in message


def test_explain_says_the_refetch_failed(
    server: RecordingServer, keys: dict[str, SigningKey]
) -> None:
    rotate(server, keys["old"])
    check = Validator(GuardConfig(jwks_url=server.url + JWKS_PATH, algorithms=["ES256"]))
    assert code_of(check, token(keys["old"])) is None
    server.stop()
    report = explain(token(keys["new"]), check)
    assert report.code == "key_source_unavailable"
    step = next(item for item in report.checks if item.step == "key")
    assert "kid 'new' is not among the trusted keys" in step.message
    assert "the refetch failed" in step.message
    assert report.first_failure is not None
    assert report.first_failure.fix


# --- fork(): gunicorn --preload ----------------------------------------------------------


def in_child(work: Any) -> int:
    """Fork, run ``work()`` in the child (exit status 0 if it returns true), and return the
    child's exit status."""
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child's coverage is not collected
        try:
            status = 0 if work() else 1
        except BaseException:  # any failure is the child's status
            status = 2
        os._exit(status)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)


fork_test = pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork() here")
fork_warning = pytest.mark.filterwarnings("ignore:This process .* is multi-threaded")


@fork_test
@fork_warning
def test_the_background_refresh_runs_again_in_a_forked_child(
    server: RecordingServer, keys: dict[str, SigningKey]
) -> None:
    rotate(server, keys["old"], **{"Cache-Control": "max-age=1"})
    source = remote(server, min_ttl=1, refresh_ahead=True)
    try:
        assert source.warm()

        def child_refreshes() -> bool:
            before = source._completed
            return eventually(lambda: source._completed >= before + 2, timeout=5, interval=0.05)

        assert in_child(child_refreshes) == 0, "the child refreshed without any request"
    finally:
        source.close()


@fork_test
@fork_warning
def test_a_fetch_in_flight_at_fork_holds_nothing_up_in_the_child(
    server: RecordingServer, keys: dict[str, SigningKey]
) -> None:
    server.serve(JWKS_PATH, Route(200, json.dumps(keys["old"].jwks()).encode(), delay=0.5))
    source = remote(server)
    fetching = threading.Thread(target=source.refresh)
    fetching.start()
    try:
        assert eventually(lambda: server.hits(JWKS_PATH) == 1, timeout=5, interval=0.01)

        def child_fetches() -> bool:  # its own fetch, not the parent's flight, nor its lane
            started = time.monotonic()
            keys_found = source.candidates("old", "ES256")
            return bool(keys_found) and time.monotonic() - started < 2.5

        assert in_child(child_fetches) == 0
    finally:
        fetching.join(timeout=5)
    assert server.hits(JWKS_PATH) == 2
