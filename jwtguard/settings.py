"""Every jwtguard setting as given: its name, type and default (each a field of
:class:`Settings`), before any rule is applied.

:class:`~jwtguard.GuardConfig` is these settings checked, with its static keys loaded: the rules
(:mod:`jwtguard.config_rules`) read the settings here, below the class that applies them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from .stores.base import TokenStore


def _kind(kind: str) -> dict[str, str]:
    return {"kind": kind}


@dataclass(frozen=True, kw_only=True)
class Settings:
    """The settings of a :class:`~jwtguard.GuardConfig`, unchecked: build a ``GuardConfig``."""

    issuer: str | Sequence[str] | None = field(default=None, metadata=_kind("str_list"))
    audience: str | Sequence[str] | None = field(default=None, metadata=_kind("str_list"))
    algorithms: Sequence[str] = field(default=(), metadata=_kind("str_list"))
    secret: str | bytes | None = field(default=None, repr=False, metadata=_kind("str"))
    public_key: str | bytes | None = field(default=None, repr=False, metadata=_kind("str"))
    public_key_file: str | None = field(default=None, metadata=_kind("str"))
    jwks: Mapping[str, Any] | None = field(default=None, repr=False, metadata=_kind("json"))
    jwks_file: str | None = field(default=None, metadata=_kind("str"))
    jwks_url: str | None = field(default=None, repr=False, metadata=_kind("str"))
    openid_configuration_url: str | None = field(default=None, repr=False, metadata=_kind("str"))
    max_keys_without_kid: int = field(default=1, metadata=_kind("int"))
    jwks_cache_ttl: float = field(default=600.0, metadata=_kind("number"))
    jwks_min_ttl: float = field(default=60.0, metadata=_kind("number"))
    jwks_max_ttl: float = field(default=86400.0, metadata=_kind("number"))
    jwks_refetch_cooldown: float = field(default=30.0, metadata=_kind("number"))
    jwks_stale_ttl: float = field(default=21600.0, metadata=_kind("number"))
    jwks_refresh_ahead: bool = field(default=False, metadata=_kind("bool"))
    jwks_prewarm: bool = field(default=False, metadata=_kind("bool"))
    jwks_max_bytes: int = field(default=524288, metadata=_kind("int"))
    http_timeout: float = field(default=5.0, metadata=_kind("number"))
    leeway: float = field(default=60.0, metadata=_kind("number"))
    required_claims: Sequence[str] = field(default=("exp",), metadata=_kind("str_list"))
    max_lifetime: float | None = field(default=None, metadata=_kind("number"))
    token_types: Sequence[str] = field(default=(), metadata=_kind("str_list"))
    scope_claims: Sequence[str] = field(default=("scope", "scp"), metadata=_kind("str_list"))
    realm: str = field(default="api", metadata=_kind("str"))
    error_uri: str | None = field(default=None, metadata=_kind("str"))
    resource_metadata_url: str | None = field(default=None, metadata=_kind("str"))
    token_locations: Sequence[str] = field(default=("header",), metadata=_kind("str_list"))
    header_name: str = field(default="Authorization", metadata=_kind("str"))
    header_scheme: str = field(default="Bearer", metadata=_kind("str"))
    cookie_name: str = field(default="access_token", metadata=_kind("str"))
    csrf_cookie_name: str = field(default="csrf_token", metadata=_kind("str"))
    csrf_header_name: str = field(default="X-CSRF-Token", metadata=_kind("str"))
    max_token_bytes: int = field(default=8192, metadata=_kind("int"))
    error_format: Literal["json", "problem"] = field(default="json", metadata=_kind("str"))
    exempt_paths: Sequence[str] = field(default=(), metadata=_kind("str_list"))
    replay_protection: bool = field(default=False, metadata=_kind("bool"))
    revocation: bool = field(default=False, metadata=_kind("bool"))
    store: str | TokenStore | None = field(default=None, metadata=_kind("str"))
    redis_url: str | None = field(default=None, repr=False, metadata=_kind("str"))
    store_failure: Literal["closed", "open"] = field(default="closed", metadata=_kind("str"))
    store_timeout: float = field(default=1.0, metadata=_kind("number"))
    store_prefix: str = field(default="jwtguard:", metadata=_kind("str"))
    store_max_entries: int = field(default=100_000, metadata=_kind("int"))
    revocation_ttl: float = field(default=86400.0, metadata=_kind("number"))

    @property
    def issuers(self) -> tuple[str, ...]:
        """The trusted issuers (empty: ``iss`` is not checked)."""
        return _as_tuple(self.issuer)

    @property
    def audiences(self) -> tuple[str, ...]:
        """The accepted audiences (empty: tokens carrying ``aud`` are refused)."""
        return _as_tuple(self.audience)


def _as_tuple(value: str | Sequence[str] | None) -> tuple[str, ...]:
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)
