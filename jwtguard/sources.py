"""Choosing the key source a configuration describes (the sources themselves are in
:mod:`jwtguard.keys`, which knows no configuration).

- ``SECRET`` / ``PUBLIC_KEY(_FILE)`` / ``JWKS(_FILE)``: static keys, parsed with the config;
- ``JWKS_URL``: a :class:`~jwtguard.keys.remote.RemoteJWKS`;
- ``OPENID_CONFIGURATION_URL``, or only ``ISSUER``: discovery of the issuer's ``jwks_uri``;
  with several issuers, one discovered key source per issuer;
- ``TRUSTED_ISSUERS``: each issuer (or issuer template) its own key source, of any of the kinds
  above. Issuers naming the same ``JWKS_URL`` share one source, fetched once for all of them.

With a key source per issuer, the token's ``iss`` chooses it
(:class:`~jwtguard.keys.keyset.IssuerKeySources`), so a key of one issuer never verifies a token
claiming another, and an untrusted ``iss`` never causes a fetch.

A remote source fetches with the TLS context, headers and proxy of the ``HTTP_*`` settings
(:func:`transport`, one per key source) and is named by its URL redacted
(:func:`~jwtguard.urls.redact_url`) in logs and errors; requests wait for a fetch in flight no
longer than ``HTTP_TIMEOUT`` (plus :data:`LOAD_GRACE` to load the keys), which also bounds the
fetch itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .config import GuardConfig, IssuerEntry
from .keys.discovery import DiscoveredJWKS, jwks_fetcher
from .keys.http import Proxy, Transport, tls_context
from .keys.keyset import IssuerKeySources, KeySource, StaticKeySource
from .keys.remote import CachePolicy, Fetcher, RemoteJWKS
from .settings import Settings
from .urls import redact_url

LOAD_GRACE = 0.5
"""Seconds a request waits for a fetch in flight beyond ``HTTP_TIMEOUT``: loading the keys."""


def cache_policy(config: GuardConfig) -> CachePolicy:
    return CachePolicy(
        default_ttl=config.jwks_cache_ttl,
        min_ttl=config.jwks_min_ttl,
        max_ttl=config.jwks_max_ttl,
        cooldown=config.jwks_refetch_cooldown,
        stale_ttl=config.jwks_stale_ttl,
        refresh_ahead=config.jwks_refresh_ahead,
    )


def transport(settings: Settings, own: Mapping[str, Any] | None = None) -> Transport:
    """How a key source fetches: ``HTTP_SSL_CONTEXT`` or the context of ``HTTP_CA_FILE`` and
    ``HTTP_CLIENT_CERT_FILE`` / ``HTTP_CLIENT_KEY_FILE``, ``HTTP_HEADERS``, ``HTTP_PROXY``;
    ``own``, an issuer's entry in ``TRUSTED_ISSUERS``, replaces any of them for its issuer."""
    own = own or {}

    def value(name: str) -> Any:
        return own[name] if name in own else getattr(settings, name.lower())

    context = value("HTTP_SSL_CONTEXT") or tls_context(
        value("HTTP_CA_FILE"), value("HTTP_CLIENT_CERT_FILE"), value("HTTP_CLIENT_KEY_FILE")
    )
    proxy = Proxy.parse(value("HTTP_PROXY")) if value("HTTP_PROXY") else None
    return Transport(context, dict(value("HTTP_HEADERS") or {}), proxy)


def build_key_source(config: GuardConfig) -> KeySource | IssuerKeySources:
    """The key source ``config`` describes (remote sources are pre-warmed if configured)."""
    if config.issuer_entries:
        return _per_issuer(config, config.issuer_entries)
    if config.key_set.keys:
        return StaticKeySource(config.key_set)
    timeout, max_bytes = config.http_timeout, config.jwks_max_bytes
    fetching = transport(config)
    if config.jwks_url:
        fetcher = jwks_fetcher(
            config.jwks_url, timeout=timeout, max_bytes=max_bytes, transport=fetching
        )
        return _remote(config, fetcher, redact_url(config.jwks_url))
    if config.openid_configuration_url:
        url = config.openid_configuration_url
        discovered = DiscoveredJWKS(
            config.issuers[0],
            metadata_url=url,
            timeout=timeout,
            max_bytes=max_bytes,
            transport=fetching,
        )
        return _remote(config, discovered, redact_url(url))
    return _per_issuer(config, tuple(IssuerEntry(issuer) for issuer in config.issuers))


def _per_issuer(
    config: GuardConfig, entries: tuple[IssuerEntry, ...]
) -> KeySource | IssuerKeySources:
    """One key source per issuer, chosen by ``iss``; just the source when there is one."""
    shared: dict[tuple[str | None, str], KeySource] = {}
    sources = {entry.name: _issuer_source(config, entry, shared) for entry in entries}
    distinct = {id(source): source for source in sources.values()}
    if len(distinct) == 1:  # one publisher's keys, whatever it is called: no choice to make
        return next(iter(distinct.values()))
    return IssuerKeySources(sources, config.accepted_issuers)


def _issuer_source(
    config: GuardConfig, entry: IssuerEntry, shared: dict[tuple[str | None, str], KeySource]
) -> KeySource:
    """The key source of one issuer: its static keys, else a remote source, shared with the
    issuers whose entries fetch the same document (and check the same metadata)."""
    if entry.key_set is not None:
        return StaticKeySource(entry.key_set)
    if entry.transport:  # fetched its own way: shared with no other issuer
        return _fetched(config, entry)
    if entry.source == "JWKS_URL":
        key: tuple[str | None, str] = (entry.source, entry.value)
    else:  # discovery, from the issuer or from OPENID_CONFIGURATION_URL: its metadata names it
        key = (entry.value, entry.name)
    if key not in shared:
        shared[key] = _fetched(config, entry)
    return shared[key]


def _fetched(config: GuardConfig, entry: IssuerEntry) -> RemoteJWKS:
    timeout, max_bytes = config.http_timeout, config.jwks_max_bytes
    if entry.source == "JWKS_URL":
        fetching = transport(config, entry.transport)
        url: str = entry.value
        fetcher = jwks_fetcher(url, timeout=timeout, max_bytes=max_bytes, transport=fetching)
        return _remote(config, fetcher, redact_url(url))
    metadata = entry.value if entry.source == "OPENID_CONFIGURATION_URL" else None
    discovered = DiscoveredJWKS(
        entry.name,
        metadata_url=metadata,
        timeout=timeout,
        max_bytes=max_bytes,
        transport=transport(config, entry.transport),
    )
    name = redact_url(metadata) if metadata else f"{redact_url(entry.name)} (discovered)"
    return _remote(config, discovered, name)


def _remote(config: GuardConfig, fetcher: Fetcher, name: str) -> RemoteJWKS:
    source = RemoteJWKS(
        fetcher,
        algorithms=config.algorithms,
        policy=cache_policy(config),
        name=name,
        wait_timeout=config.http_timeout + LOAD_GRACE,
        max_without_kid=config.max_keys_without_kid,
    )
    if config.jwks_prewarm:
        source.warm()
    return source
