"""Choosing the key source a configuration describes (the sources themselves are in
:mod:`jwtguard.keys`, which knows no configuration).

- ``SECRET`` / ``PUBLIC_KEY(_FILE)`` / ``JWKS(_FILE)``: static keys, parsed with the config;
- ``JWKS_URL``: a :class:`~jwtguard.keys.remote.RemoteJWKS`;
- ``OPENID_CONFIGURATION_URL``, or only ``ISSUER``: discovery of the issuer's ``jwks_uri``;
  with several issuers, one discovered key source per issuer, chosen by the token's ``iss``
  (:class:`~jwtguard.keys.keyset.IssuerKeySources`), so an untrusted ``iss`` never causes a
  fetch.

A remote source fetches with the TLS context, headers and proxy of the ``HTTP_*`` settings
(:func:`transport`, one per key source) and is named by its URL redacted
(:func:`~jwtguard.urls.redact_url`) in logs and errors; requests wait for a fetch in flight no
longer than ``HTTP_TIMEOUT`` (plus :data:`LOAD_GRACE` to load the keys), which also bounds the
fetch itself.
"""

from __future__ import annotations

from .config import GuardConfig
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


def transport(settings: Settings) -> Transport:
    """How a key source fetches: ``HTTP_SSL_CONTEXT`` or the context of ``HTTP_CA_FILE`` and
    ``HTTP_CLIENT_CERT_FILE`` / ``HTTP_CLIENT_KEY_FILE``, ``HTTP_HEADERS``, ``HTTP_PROXY``."""
    context = settings.http_ssl_context or tls_context(
        settings.http_ca_file, settings.http_client_cert_file, settings.http_client_key_file
    )
    proxy = Proxy.parse(settings.http_proxy) if settings.http_proxy else None
    return Transport(context, dict(settings.http_headers or {}), proxy)


def build_key_source(config: GuardConfig) -> KeySource | IssuerKeySources:
    """The key source ``config`` describes (remote sources are pre-warmed if configured)."""
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
    sources = {
        issuer: _remote(
            config,
            DiscoveredJWKS(issuer, timeout=timeout, max_bytes=max_bytes, transport=fetching),
            f"{redact_url(issuer)} (discovered)",
        )
        for issuer in config.issuers
    }
    if len(sources) == 1:
        return next(iter(sources.values()))
    return IssuerKeySources(sources)


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
