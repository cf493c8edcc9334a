"""URLs the operator configures: which may be fetched, which may name a Redis server, and how
they are shown.

:func:`redact_url` is the one place a URL is made fit for logs, error details and ``jwtguard
explain`` (key URLs, discovered ``jwks_uri`` values, ``REDIS_URL``): credentials and query values
never appear there.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

REDIS_SCHEMES = ("redis", "rediss", "unix")


def redact_url(url: str) -> str:
    """``url`` as logs, errors and ``explain`` may show it: scheme, host, port, path and query
    parameter names, with the userinfo replaced by ``***@`` and every query value by ``***``.

    ``https://u:pw@idp/jwks?api_key=s&v=2`` → ``https://***@idp/jwks?api_key=***&v=***``.
    """
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a malformed port
    except ValueError:
        return "<an unparsable URL>"
    netloc = parts.netloc
    if "@" in netloc:
        netloc = "***@" + netloc.rpartition("@")[2]
    query = "&".join(
        item.partition("=")[0] + "=***" if "=" in item else "***"
        for item in parts.query.split("&")
        if item
    )
    shown = f"{parts.scheme}://{netloc}{parts.path}" if parts.scheme else netloc + parts.path
    return shown + (f"?{query}" if query else "")


def url_problem(url: str) -> str | None:
    """Why ``url`` is not acceptable for fetching keys, or ``None`` when it is."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a malformed port
    except ValueError:
        return "is not a URL"
    if parts.scheme == "https" and parts.hostname:
        return None
    if parts.scheme == "http" and parts.hostname and _is_loopback(parts.hostname):
        return None
    if parts.scheme == "http":
        return "must use https (plain http is only allowed for localhost)"
    return "must be an https URL"


def redis_url_problem(url: str) -> str | None:
    """Why ``url`` cannot be a Redis URL, or ``None``."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "is not a URL"
    if parts.scheme not in REDIS_SCHEMES:
        return "must start with redis://, rediss:// (TLS) or unix://"
    if parts.scheme != "unix" and not parts.hostname:
        return "names no host"
    return None


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
