"""The one pipeline and its modes: ``validate`` (stop at the first failure), ``validate_async``,
``peek`` (read only) and ``diagnose`` (collect all) run the same steps and reach the same
decision; the steps are ordered after what they need; a network store is asked from one worker
thread in async code."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Iterator, Sequence

import pytest

from jwtguard import AuthError, GuardConfig, MemoryStore, TokenMissing, TokenReplayed, Validator
from jwtguard.keys import StaticKeySource
from jwtguard.keys.keyset import IssuerKeySources
from jwtguard.pipeline import Pipeline, Skip, Step
from jwtguard.testing import compact, generate_key
from tests.contract import SETTINGS, Minter
from tests.servers import RecordingServer, recording_server

NOW = float(int(time.time()))

TOKENS: dict[str, Callable[[Minter], str]] = {
    "valid": lambda m: m.token(now=NOW),
    "too large": lambda m: m.token(now=NOW, pad="x" * 9000),
    "malformed": lambda _m: "abc.def",
    "critical header": lambda _m: compact({"alg": "RS256", "crit": ["exp"]}, {"a": 1}, b"s"),
    "algorithm": lambda m: m.token(generate_key("PS256", kid="rsa-1"), now=NOW),
    "unknown kid": lambda m: m.token(generate_key("RS256", kid="k9"), now=NOW),
    "signature": lambda m: m.token(m.stranger, now=NOW),
    "expired": lambda m: m.token(now=NOW - 3600),
    "not yet valid": lambda m: m.token(now=NOW, nbf=int(NOW) + 600),
    "issued in the future": lambda m: m.token(now=NOW + 1800),
    "claim missing": lambda m: m.token(now=NOW, aud=None),
    "claim invalid": lambda m: m.token(now=NOW, sub=42, exp="x"),
    "audience": lambda m: m.token(now=NOW, aud="api://other"),
    "issuer": lambda m: m.token(now=NOW, iss="https://evil.example/"),
    "lifetime": lambda m: m.token(now=NOW, lifetime=7200),
    "bound": lambda m: m.token(now=NOW, cnf={"jkt": "t"}),
    "revoked": lambda m: m.token(now=NOW, jti="revoked-jti"),
}


def outcome(decide: Callable[[], object]) -> str | None:
    try:
        decide()
    except AuthError as error:
        return error.code
    return None


@pytest.mark.parametrize("name", TOKENS)
def test_every_mode_reaches_the_same_decision(minter: Minter, name: str) -> None:
    config = GuardConfig.from_mapping({**SETTINGS, "JWKS": minter.jwks(), "REVOCATION": True})
    validator = Validator(config, clock=lambda: NOW)
    validator.revocations.revoke_token("revoked-jti", issuer=SETTINGS["ISSUER"])
    token = TOKENS[name](minter)

    diagnosis = validator.diagnose(token, now=NOW)
    expected = diagnosis.error.code if diagnosis.error is not None else None
    assert (expected is None) == (name == "valid")
    assert outcome(lambda: validator.peek(token, now=NOW)) == expected
    assert outcome(lambda: validator.validate(token)) == expected

    assert outcome(lambda: asyncio.run(validator.validate_async(token))) == expected
    if expected is None:
        assert diagnosis.token == validator.validate(token)


def test_a_token_that_is_not_a_string_is_no_token(minter: Minter) -> None:
    validator = Validator(GuardConfig.from_mapping({**SETTINGS, "JWKS": minter.jwks()}))
    with pytest.raises(TokenMissing):
        validator.validate(minter.token().encode())  # type: ignore[arg-type]


def step(name: str, after: tuple[str, ...] = ()) -> Step[object]:
    return Step(name, (), lambda _state: None, lambda _state: "", after=after)


def test_a_step_comes_after_what_it_needs_and_only_once() -> None:
    assert Pipeline([step("a"), step("b", after=("a",))]).names == ("a", "b")
    with pytest.raises(ValueError, match="'b' is repeated or comes before its needs"):
        Pipeline([step("b", after=("a",)), step("a")])
    with pytest.raises(ValueError, match="'a' is repeated"):
        Pipeline([step("a"), step("a")])


def test_collect_all_reports_what_a_failed_step_holds_back() -> None:
    def fail(_state: object) -> None:
        raise TokenMissing(detail="no")

    pipeline: Pipeline[object] = Pipeline(
        [
            Step("a", (), fail, lambda _state: ""),
            step("b", after=("a",)),
            step("c", after=("b",)),
            Step("d", ("x",), lambda _state: Skip("no `x`"), lambda _state: ""),
            Step("e", (), fail, lambda _state: "", proven="only for a proven token"),
            Step("f", (), fail, lambda _state: "", off="F is off"),
        ]
    )
    diagnosis = pipeline.diagnose(object())
    assert [(o.step, o.status, o.message) for o in diagnosis.outcomes] == [
        ("a", "failed", "no"),
        ("b", "skipped", "not reached: the a check failed"),
        ("c", "skipped", "not reached: the a check failed"),
        ("d", "skipped", "no `x`"),
        ("e", "skipped", "not reached: only for a proven token"),
        ("f", "skipped", "F is off"),
    ]
    assert diagnosis.error is diagnosis.outcomes[0].error
    with pytest.raises(TokenMissing):
        pipeline.run(object())


class ThreadRecordingStore:
    """A network-like token store (not a MemoryStore): records the thread of every call."""

    def __init__(self) -> None:
        self.memory = MemoryStore()
        self.threads: list[int] = []

    def add(self, key: str, value: str, ttl: float) -> bool:
        self.threads.append(threading.get_ident())
        return self.memory.add(key, value, ttl)

    def put(self, key: str, value: str, ttl: float) -> None:
        self.memory.put(key, value, ttl)

    def get_many(self, keys: Sequence[str]) -> list[str | None]:
        self.threads.append(threading.get_ident())
        return self.memory.get_many(keys)


async def test_async_asks_a_network_store_from_one_worker_thread(minter: Minter) -> None:
    settings = {"REVOCATION": True, "REPLAY_PROTECTION": True}
    config = GuardConfig.from_mapping({**SETTINGS, "JWKS": minter.jwks(), **settings})
    store = ThreadRecordingStore()
    validator = Validator(config, store=store)
    token = minter.token(jti="async-jti")
    assert (await validator.validate_async(token)).token_id == "async-jti"
    [revocation, replay] = store.threads
    assert revocation == replay != threading.get_ident()
    with pytest.raises(TokenReplayed):
        await validator.validate_async(token)


def test_peek_reads_the_replay_state_and_writes_nothing(minter: Minter) -> None:
    config = GuardConfig.from_mapping(
        {**SETTINGS, "JWKS": minter.jwks(), "REPLAY_PROTECTION": True}
    )
    store = MemoryStore()
    validator = Validator(config, store=store)
    token = minter.token(jti="peeked")
    assert validator.peek(token).token_id == "peeked"
    assert len(store) == 0
    validator.validate(token)
    with pytest.raises(TokenReplayed):
        validator.peek(token)


@pytest.fixture
def idp() -> Iterator[RecordingServer]:
    with recording_server() as server:
        yield server


async def test_async_picks_the_keys_of_the_token_issuer(idp: RecordingServer) -> None:
    """Keys per issuer (discovered): the (unverified) iss picks them, then they are fetched."""
    keys = {name: generate_key("ES256", kid=f"{name}-1") for name in ("a", "b")}
    issuers = {name: f"{idp.url}/{name}" for name in keys}
    for name, issuer in issuers.items():
        metadata = {"issuer": issuer, "jwks_uri": f"{idp.url}/{name}/jwks"}
        idp.serve_json(f"/{name}/.well-known/openid-configuration", metadata)
        idp.serve_json(f"/{name}/jwks", keys[name].jwks())
    validator = Validator(GuardConfig(issuer=list(issuers.values()), algorithms=["ES256"]))
    token = keys["b"].token(iss=issuers["b"])
    assert (await validator.validate_async(token)).issuer == issuers["b"]
    assert idp.hits("/a/jwks") == 0
    with pytest.raises(AuthError) as crossed:
        await validator.validate_async(keys["b"].token(iss=issuers["a"]))
    assert crossed.value.code == "unknown_key"


async def test_async_with_keys_per_issuer_known_in_advance(minter: Minter) -> None:
    """A key source per issuer that fetches nothing is asked directly."""
    config = GuardConfig.from_mapping({**SETTINGS, "JWKS": minter.jwks()})
    static = Validator(config).key_source
    assert isinstance(static, StaticKeySource)
    validator = Validator(config, key_source=IssuerKeySources({SETTINGS["ISSUER"]: static}))
    assert (await validator.validate_async(minter.token())).subject == "alice"
    with pytest.raises(AuthError) as refused:
        await validator.validate_async(minter.token(iss="https://evil.example/"))
    assert refused.value.code == "issuer_invalid"
