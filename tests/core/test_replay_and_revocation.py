"""Steps 6 and 7 of the pipeline through the validator: revocation, replay, and store failures."""

from __future__ import annotations

import asyncio
import logging
import math
import threading
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import pytest

from jwtguard import (
    ClaimInvalid,
    ClaimMissing,
    ConfigurationError,
    GuardConfig,
    MemoryStore,
    Revocations,
    StoreUnavailable,
    TokenReplayed,
    TokenRevoked,
    Validator,
    render_error,
)
from jwtguard.stores import store_key
from jwtguard.stores.checks import RETRY_AFTER
from jwtguard.stores.redis import RedisStore
from jwtguard.stores.revocation import timestamp
from jwtguard.stores.revoke_options import parse_time
from tests.contract import ISSUER, MAX_LIFETIME, SETTINGS, Minter
from tests.core.test_stores import Clock

LEEWAY = SETTINGS["LEEWAY"]
PREFIX = "jwtguard:"


def validator(
    minter: Minter, *, clock: Clock | None = None, store: Any = None, **settings: Any
) -> Validator:
    config = GuardConfig.from_mapping({**SETTINGS, "JWKS": minter.jwks(), **settings})
    if clock is None:
        return Validator(config, store=store)
    return Validator(config, store=store, clock=clock)


def used_key(jti: str) -> str:
    return store_key(PREFIX, "used", jti, issuer=ISSUER)


# --- replay ----------------------------------------------------------------------------------


def test_a_token_is_accepted_once(minter: Minter) -> None:
    guard = validator(minter, REPLAY_PROTECTION=True)
    token = minter.token(jti="once")
    assert guard.validate(token).token_id == "once"
    with pytest.raises(TokenReplayed) as caught:
        guard.validate(token)
    error = caught.value
    assert (error.status, error.error, error.code) == (401, "invalid_token", "token_replayed")
    assert error.description == "The access token was already used"
    assert f"jti 'once' from iss {ISSUER!r} was already used" in error.detail
    assert token not in error.detail
    assert guard.validate(minter.token()).subject == "alice", "other tokens still pass"


def test_the_entry_lives_until_exp_plus_leeway_and_no_longer(minter: Minter) -> None:
    clock = Clock(time.time())
    store = MemoryStore(clock=clock)
    guard = validator(minter, clock=clock, store=store, REPLAY_PROTECTION=True)
    token = minter.token(jti="ttl", now=clock.now - 100.25, lifetime=600)
    exp = math.floor(clock.now - 100.25) + 600
    guard.validate(token)
    assert store.ttl(used_key("ttl")) == pytest.approx(exp + LEEWAY - clock.now, abs=1e-6)
    clock.now = exp + LEEWAY - 0.001
    with pytest.raises(TokenReplayed):
        guard.validate(token)
    clock.now = exp + LEEWAY
    assert store.get_many([used_key("ttl")]) == [None], "forgotten when the token dies"


def test_the_redis_entry_lives_until_exp_plus_leeway(minter: Minter, redis_url: str) -> None:
    store = RedisStore(redis_url)
    guard = validator(minter, store=store, REPLAY_PROTECTION=True)
    token = minter.token(jti="ttl", lifetime=300)
    now = time.time()
    exp = guard.validate(token).claims["exp"]  # not floor(now) + 300: a second may have passed
    expected_ms = (exp + LEEWAY - now) * 1000
    assert expected_ms - 500 <= store.client.pttl(used_key("ttl")) <= expected_ms + 1


@pytest.mark.parametrize(
    ("claims", "error", "description"),
    [
        ({"jti": None}, ClaimMissing, "The access token lacks the jti claim"),
        ({"jti": ""}, ClaimInvalid, "The access token's jti claim is invalid"),
        ({"jti": 7}, ClaimInvalid, "The access token's jti claim is invalid"),
    ],
)
def test_replay_protection_needs_a_jti(
    minter: Minter, claims: dict[str, Any], error: type[Exception], description: str
) -> None:
    guard = validator(minter, REPLAY_PROTECTION=True)
    with pytest.raises(error, match=description):
        guard.validate(minter.token(**claims))


def test_replay_protection_needs_an_exp_even_when_not_required(minter: Minter) -> None:
    guard = validator(minter, REPLAY_PROTECTION=True, REQUIRED_CLAIMS=[], MAX_LIFETIME=None)
    with pytest.raises(ClaimMissing, match="lacks the exp claim"):
        guard.validate(minter.token(exp=None))
    unprotected = validator(minter, REQUIRED_CLAIMS=[], MAX_LIFETIME=None)
    assert unprotected.validate(minter.token(exp=None, jti=None)).subject == "alice"


def test_a_token_refused_earlier_in_the_pipeline_does_not_use_up_its_jti(minter: Minter) -> None:
    """Without a valid signature and claims nothing reaches the store, so nobody can burn
    another token's jti by sending a forgery that carries it."""
    store = MemoryStore()
    guard = validator(minter, store=store, REPLAY_PROTECTION=True)
    for forged in (
        minter.token(minter.stranger, jti="victim"),
        minter.token(jti="victim", aud="api://other"),
    ):
        with pytest.raises(Exception, match=r"signature|audience"):
            guard.validate(forged)
    assert len(store) == 0
    assert guard.validate(minter.token(jti="victim")).token_id == "victim"


def test_concurrent_uses_of_one_token_in_threads_pass_once(minter: Minter, redis_url: str) -> None:
    guard = validator(minter, store=RedisStore(redis_url), REPLAY_PROTECTION=True)
    token = minter.token()
    start = threading.Barrier(20)
    outcomes: list[str] = []

    def use() -> None:
        start.wait()
        try:
            guard.validate(token)
            outcomes.append("ok")
        except TokenReplayed:
            outcomes.append("replayed")

    threads = [threading.Thread(target=use) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["ok"] + ["replayed"] * 19


async def test_concurrent_async_uses_pass_once_without_blocking_the_loop(
    minter: Minter, redis_url: str
) -> None:
    class ThreadRecordingStore(RedisStore):
        """A real Redis store that notes the threads it was called from."""

        threads: set[int]

        def add(self, key: str, value: str, ttl: float) -> bool:
            self.threads.add(threading.get_ident())
            return super().add(key, value, ttl)

    store = ThreadRecordingStore(redis_url)
    store.threads = set()
    guard = validator(minter, store=store, REPLAY_PROTECTION=True)
    token = minter.token()
    results = await asyncio.gather(
        *(guard.validate_async(token) for _ in range(10)), return_exceptions=True
    )
    assert sum(not isinstance(r, BaseException) for r in results) == 1
    assert all(isinstance(r, TokenReplayed) for r in results if isinstance(r, BaseException))
    assert threading.get_ident() not in store.threads, "the loop's thread never waited on Redis"


async def test_async_with_a_memory_store(minter: Minter) -> None:
    guard = validator(minter, REPLAY_PROTECTION=True, REVOCATION=True)
    token = minter.token(jti="async")
    assert (await guard.validate_async(token)).token_id == "async"
    with pytest.raises(TokenReplayed):
        await guard.validate_async(token)


# --- revocation ------------------------------------------------------------------------------


def test_revoking_a_jti(minter: Minter) -> None:
    guard = validator(minter, REVOCATION=True)
    token = minter.token(jti="stolen")
    assert guard.validate(token).token_id == "stolen"
    exp = guard.validate(token).claims["exp"]
    revocation = guard.revocations.revoke_token("stolen", expires_at=exp)
    assert revocation.kept_until == exp + LEEWAY
    with pytest.raises(TokenRevoked) as caught:
        guard.validate(token)
    assert caught.value.description == "The access token was revoked"
    assert caught.value.detail == f"jti 'stolen' from iss {ISSUER!r} is revoked"
    assert guard.validate(minter.token(jti="other")).token_id == "other"
    assert guard.revocations.is_token_revoked("stolen")
    assert not guard.revocations.is_token_revoked("other")


def test_revoking_the_token_at_hand(minter: Minter) -> None:
    """A logout view revokes the token it was called with."""
    guard = validator(minter, REVOCATION=True)
    token = minter.token()
    revocation = guard.revocations.revoke(guard.validate(token))
    assert revocation.describe().startswith("revoked jti ")
    assert f" from iss {ISSUER!r} (kept until " in revocation.describe(), "the token's own iss"
    with pytest.raises(TokenRevoked):
        guard.validate(token)
    without_jti = guard.validate(minter.token(jti=None))
    with pytest.raises(ValueError, match="no jti"):
        guard.revocations.revoke(without_jti)


def test_a_token_without_jti_or_sub_is_checked_for_what_it_has(minter: Minter) -> None:
    """Only the entries a token can match are read: none without jti and sub."""
    guard = validator(minter, REVOCATION=True)
    guard.revocations.revoke_token("j-1", issuer=ISSUER)
    assert guard.validate(minter.token(jti=None, sub=None)).claims.keys().isdisjoint({"jti", "sub"})
    with pytest.raises(TokenRevoked):
        guard.validate(minter.token(jti="j-1", sub=None))
    assert guard.validate(minter.token(jti="j-2", sub=None)).token_id == "j-2"


def test_a_jti_entry_is_kept_while_it_can_matter(minter: Minter) -> None:
    clock = Clock(1_700_000_000.0)
    store = MemoryStore(clock=clock)
    revocations = Revocations(store, leeway=60, max_lifetime=3600, clock=clock)
    known = revocations.revoke_token("a", expires_at=clock.now + 120)
    assert known.kept_until == clock.now + 180
    assert store.ttl(store_key(PREFIX, "revoked-jti", "a", issuer=None)) == 180
    unknown = revocations.revoke_token("b")
    assert unknown.kept_until == clock.now + 3600 + 2 * 60, "as long as any token may live"
    moot = revocations.revoke_token("c", expires_at=clock.now - 61)
    assert moot.kept_until is None
    assert "nothing stored" in moot.describe()
    assert store.get_many([store_key(PREFIX, "revoked-jti", "c", issuer=None)]) == [None]
    as_datetime = revocations.revoke_token("d", expires_at=datetime.fromtimestamp(2e9, UTC))
    assert as_datetime.kept_until == 2e9 + 60


def test_revoking_a_subject(minter: Minter) -> None:
    # The validator's own clock, well away from the machine's: a cutoff read from the machine's
    # clock would be hours off (and was a second off, now and then, on a loaded machine).
    clock = Clock(float(int(time.time())) + 7200.4)
    guard = validator(minter, clock=clock, REVOCATION=True)
    before = minter.token(now=clock.now - 30)
    same_second = minter.token(now=clock.now)
    other_user = minter.token(sub="bob", now=clock.now - 30)
    revocation = guard.revocations.revoke_subject("alice")
    assert revocation.cutoff == math.ceil(clock.now), "every token issued so far, to the second"
    assert revocation.kept_until == revocation.cutoff + MAX_LIFETIME + LEEWAY
    for token in (before, same_second):
        with pytest.raises(TokenRevoked) as caught:
            guard.validate(token)
        assert caught.value.detail.startswith(f"tokens of sub 'alice' from iss {ISSUER!r} issued ")
        assert "this one was issued at" in caught.value.detail
    assert guard.validate(other_user).subject == "bob"
    clock.now += 1
    assert guard.validate(minter.token(now=clock.now)).subject == "alice", "a new login passes"


def test_a_subject_cutoff_refuses_tokens_without_iat(minter: Minter) -> None:
    guard = validator(minter, REVOCATION=True, MAX_LIFETIME=None)
    assert guard.validate(minter.token(iat=None)).subject == "alice", "no cutoff: no iat needed"
    guard.revocations.revoke_subject("alice", before=time.time() - 10)
    with pytest.raises(TokenRevoked) as caught:
        guard.validate(minter.token(iat=None))
    assert "has no iat" in caught.value.detail
    assert guard.validate(minter.token()).subject == "alice", "issued after the cutoff"


def test_a_subject_keeps_its_later_cutoff(minter: Minter) -> None:
    clock = Clock(1_700_000_000.0)
    store = MemoryStore(clock=clock)
    revocations = Revocations(store, leeway=60, max_lifetime=None, revocation_ttl=7200, clock=clock)
    first = revocations.revoke_subject("alice", before=clock.now + 100)
    assert first.kept_until == clock.now + 100 + 7200 + 60, "REVOCATION_TTL without MAX_LIFETIME"
    earlier = revocations.revoke_subject("alice", before=clock.now - 500)
    assert earlier.cutoff == clock.now + 100
    assert revocations.subject_cutoff("alice") == clock.now + 100
    assert revocations.subject_cutoff("bob") is None
    moot = revocations.revoke_subject("bob", before=clock.now - 7261)
    assert moot.kept_until is None
    assert revocations.subject_cutoff("bob") is None


def test_revocation_is_checked_before_replay(minter: Minter) -> None:
    """A revoked token is refused as revoked, every time, and never uses up its jti."""
    store = MemoryStore()
    guard = validator(minter, store=store, REVOCATION=True, REPLAY_PROTECTION=True)
    token = minter.token(jti="r")
    guard.revocations.revoke_token("r")
    for _ in range(2):
        with pytest.raises(TokenRevoked):
            guard.validate(token)
    assert store.get_many([used_key("r")]) == [None]


def test_revocation_entries_are_shared_through_redis(minter: Minter, redis_url: str) -> None:
    """Another process (here: another store and Revocations) revokes; the validator sees it."""
    settings = {"REVOCATION": True, "REDIS_URL": redis_url}
    guard = validator(minter, **settings)
    operator = Revocations.from_config(
        GuardConfig.from_mapping({**SETTINGS, "JWKS": minter.jwks(), **settings})
    )
    token = minter.token(jti="shared")
    assert guard.validate(token).token_id == "shared"
    operator.revoke_token("shared")
    with pytest.raises(TokenRevoked):
        guard.validate(token)
    operator.revoke_subject("alice")
    with pytest.raises(TokenRevoked, match="was revoked"):
        guard.validate(minter.token(now=time.time() - 5))


def test_revocations_need_revocation_on(minter: Minter) -> None:
    guard = validator(minter, REPLAY_PROTECTION=True)
    with pytest.raises(ConfigurationError, match="REVOCATION is off"):
        _ = guard.revocations


@pytest.mark.parametrize("value", ["", None, 5])
def test_revocations_refuse_empty_identifiers(value: Any) -> None:
    revocations = Revocations(MemoryStore())
    with pytest.raises(ValueError, match="non-empty string"):
        revocations.revoke_token(value)
    with pytest.raises(ValueError, match="non-empty string"):
        revocations.revoke_subject(value)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1767225600", 1767225600.0),
        (" 1767225600.5 ", 1767225600.5),
        ("2026-01-01T00:00:00Z", 1767225600.0),
        ("2026-01-01T01:00:00+01:00", 1767225600.0),
        ("2026-01-01T00:00:00", 1767225600.0),
        ("2026-01-01", 1767225600.0),
    ],
)
def test_parse_time(text: str, expected: float) -> None:
    assert parse_time(text) == expected


@pytest.mark.parametrize("text", ["tomorrow", "", "nan", "inf"])
def test_parse_time_refuses(text: str) -> None:
    with pytest.raises(ValueError, match="is not a time"):
        parse_time(text)


@pytest.mark.parametrize("value", [True, "1", float("inf"), datetime(2026, 1, 1)])
def test_timestamp_refuses(value: Any) -> None:
    with pytest.raises(ValueError, match=r"not a time|no time zone"):
        timestamp(value)


# --- store failures --------------------------------------------------------------------------


def unreachable_store() -> RedisStore:
    """A real Redis store whose server is gone (nothing listens on the port)."""
    from tests.e2e.gunicorn import free_port  # noqa: PLC0415

    return RedisStore(f"redis://127.0.0.1:{free_port()}/0", timeout=0.5)


@pytest.mark.parametrize("feature", ["REPLAY_PROTECTION", "REVOCATION"])
def test_store_down_fails_closed_by_default(minter: Minter, feature: str) -> None:
    guard = validator(minter, store=unreachable_store(), **{feature: True})
    with pytest.raises(StoreUnavailable) as caught:
        guard.validate(minter.token())
    error = caught.value
    assert (error.status, error.code, error.retry_after) == (503, "store_unavailable", RETRY_AFTER)
    check = "replay" if feature == "REPLAY_PROTECTION" else "revocation"
    assert error.detail.startswith(f"the {check} check could not reach the token store: Redis ")
    answer = render_error(error, guard.config)
    assert answer.status == 503
    assert answer.header("Retry-After") == str(RETRY_AFTER)
    assert answer.header("WWW-Authenticate") is None
    assert answer.body == (
        b'{"error":"temporarily_unavailable","error_description":'
        b'"The token store is temporarily unavailable","code":"store_unavailable"}'
    )


def test_a_full_memory_store_fails_closed(minter: Minter) -> None:
    guard = validator(minter, store=MemoryStore(max_entries=1), REPLAY_PROTECTION=True)
    guard.validate(minter.token())
    with pytest.raises(StoreUnavailable, match="temporarily unavailable") as caught:
        guard.validate(minter.token())
    assert "STORE_MAX_ENTRIES" in caught.value.detail


def test_store_down_fails_open_when_configured(
    minter: Minter, caplog: pytest.LogCaptureFixture
) -> None:
    guard = validator(
        minter,
        store=unreachable_store(),
        REPLAY_PROTECTION=True,
        REVOCATION=True,
        STORE_FAILURE="open",
    )
    token = minter.token()
    with caplog.at_level(logging.WARNING, logger="jwtguard"):
        assert guard.validate(token).subject == "alice"
        assert guard.validate(token).subject == "alice", "unchecked: a replay passes too"
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1, "rate-limited"
    message = warnings[0].getMessage()
    assert "accepted unchecked because STORE_FAILURE is 'open'" in message
    assert token not in caplog.text


def test_fail_open_warnings_are_rate_limited(caplog: pytest.LogCaptureFixture) -> None:
    from jwtguard.stores.checks import RateLimitedLog  # noqa: PLC0415

    clock = Clock()
    log = RateLimitedLog(10, clock)
    with caplog.at_level(logging.WARNING, logger="jwtguard"):
        log.emit(logging.WARNING, "failed %s", "a")
        clock.now += 5
        log.emit(logging.WARNING, "failed %s", "b")
        log.emit(logging.WARNING, "failed %s", "c")
        clock.now += 5
        log.emit(logging.WARNING, "failed %s", "d")
    assert [r.getMessage() for r in caplog.records] == [
        "failed a",
        "failed d (and 2 more times since the last such message)",
    ]


class BrokenStore:
    """A custom store with a bug: it raises something that is not a StoreError."""

    def add(self, key: str, value: str, ttl: float) -> bool:
        raise KeyError(key)

    def put(self, key: str, value: str, ttl: float) -> None:
        raise KeyError(key)

    def get_many(self, keys: Sequence[str]) -> list[str | None]:
        raise KeyError(keys[0])


def test_a_custom_store_bug_is_a_store_failure(
    minter: Minter, caplog: pytest.LogCaptureFixture
) -> None:
    guard = validator(minter, store=BrokenStore(), REVOCATION=True)
    with caplog.at_level(logging.ERROR, logger="jwtguard"), pytest.raises(StoreUnavailable):
        guard.validate(minter.token())
    assert "the store raised KeyError" in caplog.text
    assert caplog.records[0].exc_info is not None, "the bug's traceback is logged"


def test_a_garbled_subject_cutoff_is_a_store_failure(minter: Minter) -> None:
    store = MemoryStore()
    guard = validator(minter, store=store, REVOCATION=True)
    store.put(store_key(PREFIX, "revoked-sub", "alice", issuer=ISSUER), "yesterday", 60)
    with pytest.raises(StoreUnavailable) as caught:
        guard.validate(minter.token())
    assert "not a number: 'yesterday'" in caught.value.detail


def test_the_validator_shares_its_memory_store_with_its_revocations(minter: Minter) -> None:
    guard = validator(minter, REVOCATION=True)
    assert isinstance(guard.store, MemoryStore)
    assert guard.revocations.store is guard.store
    assert validator(minter).store is None, "no store without replay protection or revocation"
