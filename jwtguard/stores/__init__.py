"""Token stores and what jwtguard keeps in them: the store protocol and the memory store, Redis,
the revocation and replay checks (pipeline steps 6 and 7), and revocations. Nothing here reads
a ``GuardConfig`` beyond :class:`~jwtguard.stores.build.StoreSettings`.

Implement :class:`TokenStore` to keep the entries somewhere else (``STORE``).
"""

from .base import (
    STORE_METHODS,
    EntryKind,
    StoreError,
    TokenStore,
    describe_issuer,
    is_process_local,
    is_store,
    store_key,
)
from .build import StoreKind, StoreSettings, build_store, load_factory, store_kind
from .memory import MemoryStore

__all__ = [
    "STORE_METHODS",
    "EntryKind",
    "MemoryStore",
    "StoreError",
    "StoreKind",
    "StoreSettings",
    "TokenStore",
    "build_store",
    "describe_issuer",
    "is_process_local",
    "is_store",
    "load_factory",
    "store_key",
    "store_kind",
]
