"""Token stores: where replay protection and revocation keep what they must remember.

A store is a small key-value service with expiring entries (:class:`TokenStore`). jwtguard keeps
three kinds of entries in it, each under a key made by :func:`store_key` (a prefix, the kind, and
SHA-256 digests of the issuer and the identifier, so keys have a fixed length and no identifier is
ever parsed as part of a key):

- ``used``: a ``jti`` seen by replay protection, until the token's ``exp`` plus the leeway;
- ``revoked-jti``: a revoked ``jti``, until its token can no longer be accepted;
- ``revoked-sub``: a subject's cutoff (tokens issued before it are refused), until a token issued
  before it can no longer be accepted.

Every entry belongs to one issuer (the token's ``iss``), so tenants of a multi-issuer API never
share a ``jti`` or a ``sub``. A revocation may also hold under every issuer, when the operator
asks for it; its key is the one every entry had before keys were scoped by issuer, so a
revocation written by an older jwtguard still holds (under every issuer, as it did then).

Stores: :class:`~jwtguard.stores.memory.MemoryStore` (the default: one process only), the Redis
store in :mod:`jwtguard.stores.redis` (shared by every worker and machine), and the Django
adapter's store on Django's cache framework. Any store failure is a :class:`StoreError`; what a
request gets then is the ``STORE_FAILURE`` policy's decision (:mod:`jwtguard.stores.checks`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Literal, Protocol, runtime_checkable

EntryKind = Literal["used", "revoked-jti", "revoked-sub"]
STORE_METHODS = ("add", "put", "get_many")


class StoreError(Exception):
    """The store could not answer (unreachable, timed out, full). The message is for the
    operator's log and never holds a password."""


@runtime_checkable
class TokenStore(Protocol):
    """What replay protection and revocation need from a store.

    ``ttl`` is in seconds (> 0); an entry must not outlive it by more than the store's
    granularity (a second for Django's cache, a millisecond for Redis). Every method raises
    :class:`StoreError` when the store cannot answer.
    """

    def add(self, key: str, value: str, ttl: float) -> bool:
        """Store ``key`` unless it is present, atomically; whether this call stored it."""
        ...

    def put(self, key: str, value: str, ttl: float) -> None:
        """Store ``key``, replacing any value it had."""
        ...

    def get_many(self, keys: Sequence[str]) -> list[str | None]:
        """The values of ``keys``, in order (``None`` for absent or expired ones)."""
        ...


def is_process_local(store: object) -> bool:
    """Whether ``store`` keeps its entries in one process only (so another process, such as a
    command that revokes or another worker, cannot reach those of a running API). The one place
    that decides: the revoke commands refuse such a store, the checks warn about it."""
    return getattr(store, "process_local", False) is True


def store_key(prefix: str, kind: EntryKind, identifier: str, *, issuer: str | None) -> str:
    """The store key for ``identifier`` (a ``jti`` or a ``sub``) as an entry of ``kind``.

    ``issuer`` is the ``iss`` of the tokens the entry is about (``""`` for tokens without one);
    ``None`` makes the key of a revocation that holds under every issuer, which is also the
    key of every entry written before keys were scoped by issuer. The two forms never collide:
    a scoped key has one more ``:``-separated digest.
    """
    if issuer is None:
        return f"{prefix}{kind}:{_digest(identifier)}"
    return f"{prefix}{kind}:{_digest(issuer)}:{_digest(identifier)}"


def describe_issuer(issuer: str | None) -> str:
    """Whose tokens an entry of :func:`store_key`'s ``issuer`` is about, for messages."""
    if issuer is None:
        return "from every issuer"
    if not issuer:
        return "without iss"
    # Long enough for a multi-tenant issuer with its tenant id (Entra's are 75 characters).
    shown = issuer if len(issuer) <= 100 else issuer[:100] + "…"
    return f"from iss {shown!r}"


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def is_store(value: object) -> bool:
    """Whether ``value`` has the :class:`TokenStore` methods."""
    return all(callable(getattr(value, name, None)) for name in STORE_METHODS)
