"""Finding an issuer's JWKS URL from its metadata (OpenID Connect Discovery 1.0 §4, RFC 8414 §3).

The metadata's ``issuer`` must equal the configured issuer exactly (OIDC Discovery §4.3,
RFC 8414 §3.3), otherwise the document is refused: this stops a metadata document of one tenant
from vouching for another. One refresh (metadata, then keys) ends within one ``HTTP_TIMEOUT``:
both exchanges share its deadline. URLs, the discovered ``jwks_uri`` included, are shown
redacted (:func:`~jwtguard.urls.redact_url`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from urllib.parse import urlsplit, urlunsplit

from ..urls import redact_url, url_problem
from .http import DEFAULT_TRANSPORT, Fetched, FetchError, FetchLane, Transport, fetch_json

OPENID_WELL_KNOWN = "/.well-known/openid-configuration"
OAUTH_WELL_KNOWN = "/.well-known/oauth-authorization-server"


def metadata_urls(issuer: str) -> tuple[str, ...]:
    """Where an issuer's metadata may live, in the order to try them.

    OIDC appends the well-known suffix to the issuer (``https://idp/tenant/.well-known/...``);
    RFC 8414 inserts it before the path (``https://idp/.well-known/...-server/tenant``).
    """
    parts = urlsplit(issuer)
    path = parts.path.rstrip("/")
    openid = urlunsplit((parts.scheme, parts.netloc, path + OPENID_WELL_KNOWN, "", ""))
    oauth = urlunsplit((parts.scheme, parts.netloc, OAUTH_WELL_KNOWN + path, "", ""))
    return (openid, oauth)


class DiscoveredJWKS:
    """A fetcher of an issuer's JWK Set that first resolves ``jwks_uri`` from its metadata.

    The resolved URL is remembered; a failed key fetch resolves it again next time, so a
    provider that moves its keys is followed.
    """

    def __init__(
        self,
        issuer: str | None,
        *,
        metadata_url: str | None = None,
        timeout: float,
        max_bytes: int,
        transport: Transport = DEFAULT_TRANSPORT,
    ) -> None:
        if issuer is None and metadata_url is None:
            raise ValueError("an issuer or a metadata URL is required")
        self.issuer = issuer
        self._metadata_urls = (metadata_url,) if metadata_url else metadata_urls(str(issuer))
        self._timeout = timeout
        self._max_bytes = max_bytes
        self._transport = transport
        self._lane = FetchLane()
        self.jwks_uri: str | None = None

    def __call__(self) -> Fetched:
        deadline = time.monotonic() + self._timeout
        if self.jwks_uri is None:
            self.jwks_uri = self._resolve(deadline)
        try:
            return self._get(self.jwks_uri, deadline)
        except FetchError:
            self.jwks_uri = None
            raise

    def _get(self, url: str, deadline: float) -> Fetched:
        return fetch_json(
            url,
            timeout=self._timeout,
            max_bytes=self._max_bytes,
            deadline=deadline,
            lane=self._lane,
            transport=self._transport,
        )

    def _resolve(self, deadline: float) -> str:
        failures: list[str] = []
        for url in self._metadata_urls:
            try:
                metadata = self._get(url, deadline).document
            except FetchError as error:
                failures.append(str(error))
                continue
            return self._jwks_uri(url, metadata)
        raise FetchError("; ".join(failures))

    def _jwks_uri(self, url: str, metadata: dict[str, object]) -> str:
        shown = redact_url(url)
        announced = metadata.get("issuer")
        if self.issuer is not None and announced != self.issuer:
            raise FetchError(
                f"{shown} is the metadata of issuer {announced!r}, not of {self.issuer!r}"
            )
        jwks_uri = metadata.get("jwks_uri")
        if not isinstance(jwks_uri, str):
            raise FetchError(f"{shown} has no jwks_uri")
        problem = url_problem(jwks_uri)
        if problem is not None:
            raise FetchError(f"the jwks_uri of {shown} ({redact_url(jwks_uri)}) {problem}")
        return jwks_uri


def jwks_fetcher(
    url: str, *, timeout: float, max_bytes: int, transport: Transport = DEFAULT_TRANSPORT
) -> Callable[[], Fetched]:
    """A fetcher for a JWK Set at a known URL (its exchanges in one :class:`FetchLane`)."""
    lane = FetchLane()

    def fetch() -> Fetched:
        return fetch_json(url, timeout=timeout, max_bytes=max_bytes, lane=lane, transport=transport)

    return fetch
