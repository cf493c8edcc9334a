"""Replay and revocation entries belong to one issuer (issue 11, §6a): with two trusted issuers A
and B, on the memory store and on a real redis-server, one tenant's token never burns or revokes
the other tenant's identical ``jti`` or ``sub``; a revocation under every issuer is asked for
explicitly, and entries written before keys were scoped still hold, under every issuer."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator, Sequence
from typing import Any

import pytest

from jwtguard import (
    GuardConfig,
    MemoryStore,
    TokenReplayed,
    TokenRevoked,
    TokenStore,
    Validator,
)
from jwtguard.stores import store_key
from jwtguard.stores.redis import RedisStore
from jwtguard.tools.explain import explain
from tests.contract import ISSUER, SETTINGS, Minter

A, B = ISSUER, "https://tenant-b.example/"
PREFIX = "jwtguard:"
STORE_STEPS = ("revocation", "replay")


@pytest.fixture(params=["memory", "redis"])
def store(request: pytest.FixtureRequest) -> Iterator[TokenStore]:
    if request.param == "memory":
        yield MemoryStore()
        return
    redis_store = RedisStore(request.getfixturevalue("redis_url"))
    yield redis_store
    redis_store.close()


def validator(minter: Minter, store: TokenStore | None = None, **settings: Any) -> Validator:
    """Trusting A and B (each given the minter's keys), or the ``ISSUER`` of ``settings``."""
    keys: dict[str, Any] = {"JWKS": minter.jwks()}
    if "ISSUER" not in settings:
        keys = {"ISSUER": None, "TRUSTED_ISSUERS": {A: keys, B: keys}}
    config = GuardConfig.from_mapping({**SETTINGS, **keys, "REVOCATION": True} | settings)
    return Validator(config, store=store)


def refused(guard: Validator, token: str) -> str:
    """The detail of the revocation refusing ``token``."""
    with pytest.raises(TokenRevoked) as caught:
        guard.validate(token)
    return caught.value.detail


def replayed(guard: Validator, token: str) -> str:
    """The detail of the replay refusal of ``token``."""
    with pytest.raises(TokenReplayed) as caught:
        guard.validate(token)
    return caught.value.detail


# --- replay ----------------------------------------------------------------------------------


def test_one_issuers_jti_does_not_burn_anothers(minter: Minter, store: TokenStore) -> None:
    guard = validator(minter, store, REPLAY_PROTECTION=True, REVOCATION=False)
    of_a, of_b = minter.token(iss=A, jti="X"), minter.token(iss=B, jti="X")
    assert guard.validate(of_a).issuer == A
    assert replayed(guard, of_a).startswith(f"jti 'X' from iss {A!r} was already used")
    assert guard.validate(of_b).issuer == B, "B's jti X is B's own"
    assert replayed(guard, of_b).startswith(f"jti 'X' from iss {B!r} was already used")


def test_a_used_entry_of_the_previous_version_is_not_read(minter: Minter) -> None:
    """On upgrade, unscoped ``used`` entries are left to expire: replay is one atomic add on
    the scoped key (no extra read), so a jti used just before the upgrade passes once more."""
    store = MemoryStore()
    guard = validator(minter, store, REPLAY_PROTECTION=True, REVOCATION=False)
    store.put(PREFIX + "used:" + hashlib.sha256(b"old").hexdigest(), "1", 600)
    token = minter.token(iss=A, jti="old")
    assert guard.validate(token).token_id == "old"
    with pytest.raises(TokenReplayed):
        guard.validate(token)


# --- revocation ------------------------------------------------------------------------------


def test_revoking_a_jti_under_one_issuer(minter: Minter, store: TokenStore) -> None:
    guard = validator(minter, store)
    of_a, of_b = minter.token(iss=A, jti="X"), minter.token(iss=B, jti="X")
    revocation = guard.revocations.revoke_token("X", issuer=A)
    assert (revocation.issuer, revocation.describe()[:34]) == (
        A,
        "revoked jti 'X' from iss 'https://",
    )
    assert refused(guard, of_a) == f"jti 'X' from iss {A!r} is revoked"
    assert guard.validate(of_b).issuer == B
    assert guard.revocations.is_token_revoked("X", issuer=A)
    assert not guard.revocations.is_token_revoked("X", issuer=B)


def test_revoking_a_subject_under_one_issuer(minter: Minter, store: TokenStore) -> None:
    guard = validator(minter, store)
    earlier = time.time() - 10
    guard.revocations.revoke_subject("alice", issuer=A)
    detail = refused(guard, minter.token(iss=A, now=earlier))
    assert detail.startswith(f"tokens of sub 'alice' from iss {A!r} issued before ")
    assert guard.validate(minter.token(iss=B, now=earlier)).subject == "alice"
    assert guard.revocations.subject_cutoff("alice", issuer=A) is not None
    assert guard.revocations.subject_cutoff("alice", issuer=B) is None


def test_the_token_at_hand_is_revoked_under_its_own_issuer(
    minter: Minter, store: TokenStore
) -> None:
    guard = validator(minter, store)
    of_b = minter.token(iss=B, jti="X")
    revocation = guard.revocations.revoke(guard.validate(of_b))
    assert revocation.issuer == B
    refused(guard, of_b)
    assert guard.validate(minter.token(iss=A, jti="X")).issuer == A


def test_revoking_across_issuers_when_asked(minter: Minter, store: TokenStore) -> None:
    guard = validator(minter, store)
    earlier = time.time() - 10
    jti = guard.revocations.revoke_token("X", all_issuers=True)
    assert (jti.issuer, "jti 'X' from every issuer" in jti.describe()) == (None, True)
    for issuer in (A, B):
        assert refused(guard, minter.token(iss=issuer, jti="X")) == (
            "jti 'X' from every issuer is revoked"
        )
    guard.revocations.revoke_subject("alice", all_issuers=True)
    for issuer in (A, B):
        detail = refused(guard, minter.token(iss=issuer, now=earlier))
        assert detail.startswith("tokens of sub 'alice' from every issuer issued before ")
    assert guard.validate(minter.token(iss=B, sub="bob")).subject == "bob"
    assert guard.revocations.is_token_revoked("X", issuer=B), "the every-issuer entry counts"


def test_the_later_cutoff_wins_whichever_issuer_holds_it(minter: Minter, store: TokenStore) -> None:
    guard = validator(minter, store)
    now = time.time()
    guard.revocations.revoke_subject("alice", before=now - 100, all_issuers=True)
    guard.revocations.revoke_subject("alice", before=now - 50, issuer=A)
    assert guard.revocations.subject_cutoff("alice", issuer=A) == now - 50
    assert guard.revocations.subject_cutoff("alice", issuer=B) == now - 100
    assert "from iss" in refused(guard, minter.token(iss=A, now=now - 70))
    assert guard.validate(minter.token(iss=B, now=now - 70)).issuer == B


def test_entries_written_before_keys_were_scoped_hold_under_every_issuer(
    minter: Minter, store: TokenStore
) -> None:
    """The previous version's keys: the prefix, the kind and the identifier's SHA-256."""
    guard = validator(minter, store)
    store.put(PREFIX + "revoked-jti:" + hashlib.sha256(b"X").hexdigest(), "1", 600)
    store.put(PREFIX + "revoked-sub:" + hashlib.sha256(b"bob").hexdigest(), repr(time.time()), 600)
    for issuer in (A, B):
        assert refused(guard, minter.token(iss=issuer, jti="X")).endswith(
            "from every issuer is revoked"
        )
        refused(guard, minter.token(iss=issuer, sub="bob", now=time.time() - 10))
    assert guard.validate(minter.token(iss=A, jti="Y")).token_id == "Y"


class CountingStore(MemoryStore):
    """A memory store that counts the calls made to it."""

    def __init__(self) -> None:
        super().__init__()
        self.reads: list[list[str]] = []
        self.adds = 0

    def get_many(self, keys: Sequence[str]) -> list[str | None]:
        self.reads.append(list(keys))
        return super().get_many(keys)

    def add(self, key: str, value: str, ttl: float) -> bool:
        self.adds += 1
        return super().add(key, value, ttl)


def test_revocation_is_one_read_of_four_keys(minter: Minter) -> None:
    store = CountingStore()
    guard = validator(minter, store, REPLAY_PROTECTION=True)
    guard.validate(minter.token(iss=B, jti="X"))
    [keys] = store.reads
    assert keys == [
        store_key(PREFIX, "revoked-jti", "X", issuer=B),
        store_key(PREFIX, "revoked-jti", "X", issuer=None),
        store_key(PREFIX, "revoked-sub", "alice", issuer=B),
        store_key(PREFIX, "revoked-sub", "alice", issuer=None),
    ]
    assert store.adds == 1


# --- which issuer a revocation is about --------------------------------------------------------


def test_several_issuers_need_an_explicit_choice(minter: Minter) -> None:
    revocations = validator(minter).revocations
    for revoke in (revocations.revoke_token, revocations.revoke_subject):
        with pytest.raises(ValueError, match=r"several issuers are trusted .*\(issuer=\.\.\.\)"):
            revoke("X")
        with pytest.raises(ValueError, match="is not a trusted issuer"):
            revoke("X", issuer="https://evil.example/")
        with pytest.raises(ValueError, match="not both"):
            revoke("X", issuer=A, all_issuers=True)
        with pytest.raises(ValueError, match="non-empty string"):
            revoke("X", issuer="")
    assert isinstance(revocations.store, MemoryStore)
    assert len(revocations.store) == 0, "nothing was written"


def test_one_trusted_issuer_is_the_default(minter: Minter) -> None:
    guard = validator(minter, ISSUER=A)
    revocation = guard.revocations.revoke_subject("alice")
    assert revocation.issuer == A
    refused(guard, minter.token(iss=A, now=time.time() - 10))


def test_without_issuer_a_revocation_holds_under_every_issuer(minter: Minter) -> None:
    """``iss`` unchecked: nothing separates issuers, so a revocation misses none."""
    guard = validator(minter, ISSUER=None)
    assert guard.revocations.revoke_token("X").issuer is None
    for issuer in (A, B, None):
        refused(guard, minter.token(iss=issuer, jti="X"))
    scoped = guard.revocations.revoke_token("Y", issuer=B)
    assert scoped.issuer == B
    refused(guard, minter.token(iss=B, jti="Y"))
    assert guard.validate(minter.token(iss=A, jti="Y")).token_id == "Y"


def test_a_token_without_iss_has_entries_of_its_own(minter: Minter) -> None:
    guard = validator(minter, ISSUER=None, REPLAY_PROTECTION=True)
    bare = minter.token(iss=None, jti="X")
    assert guard.validate(bare).issuer is None
    assert replayed(guard, bare).startswith("jti 'X' without iss was already used")
    assert guard.validate(minter.token(iss=A, jti="X")).issuer == A
    revocation = guard.revocations.revoke(guard.validate(minter.token(iss=None, jti="Z")))
    assert (revocation.issuer, "jti 'Z' without iss" in revocation.describe()) == ("", True)
    assert guard.validate(minter.token(iss=A, jti="Z")).issuer == A


# --- explain reads the scoped entries ----------------------------------------------------------


def test_explain_reads_the_token_issuers_entries(minter: Minter, store: TokenStore) -> None:
    guard = validator(minter, store, REPLAY_PROTECTION=True)
    guard.validate(minter.token(iss=A, jti="used"))
    guard.revocations.revoke_token("revoked", issuer=A)

    def steps(token: str) -> dict[str, tuple[str, str]]:
        explanation = explain(token, guard)
        return {c.step: (c.status, c.message) for c in explanation.checks if c.step in STORE_STEPS}

    of_a = steps(minter.token(iss=A, jti="used"))
    assert of_a["replay"][0] == "failed"
    assert f"jti 'used' from iss {A!r} was already used" in of_a["replay"][1]
    of_b = steps(minter.token(iss=B, jti="used"))
    assert of_b["replay"] == ("passed", f"jti from iss {B!r} not used yet (not recorded)")
    assert of_b["revocation"] == (
        "passed",
        f"no revocation of its jti or sub from iss {B!r} or from every issuer",
    )
    assert steps(minter.token(iss=A, jti="revoked"))["revocation"][0] == "failed"
    assert steps(minter.token(iss=B, jti="revoked"))["revocation"][0] == "passed"
    assert guard.validate(minter.token(iss=B, jti="used")).issuer == B, "explain wrote nothing"
