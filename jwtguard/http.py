"""Fetching small JSON documents (JWK Sets, OpenID metadata) safely, with the standard library.

Bounded in time (one timeout for connect and each read) and in size (the body is read up to a
limit, never further); anything but a ``200`` carrying a JSON object is a :class:`FetchError`.
Plain ``http`` is accepted only for loopback hosts, where tests and sidecars live.
"""

from __future__ import annotations

import ipaddress
import json
import re
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

USER_AGENT = "jwtguard"
_MAX_AGE = re.compile(r"(?:^|,)\s*max-age\s*=\s*\"?(\d+)\"?\s*(?:,|$)", re.I)
_NO_CACHE = re.compile(r"(?:^|,)\s*(?:no-store|no-cache)\s*(?:,|$)", re.I)


class FetchError(Exception):
    """A document could not be fetched or was not a JSON object; ``str()`` says why."""


@dataclass(frozen=True)
class Fetched:
    """A fetched JSON object and how long its server says it may be cached (``None``: unsaid)."""

    document: dict[str, Any]
    max_age: float | None
    elapsed: float


def url_problem(url: str) -> str | None:
    """Why ``url`` is not acceptable for fetching keys, or ``None`` when it is."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "is not a URL"
    if parts.scheme == "https" and parts.hostname:
        return None
    if parts.scheme == "http" and parts.hostname and _is_loopback(parts.hostname):
        return None
    if parts.scheme == "http":
        return "must use https (plain http is only allowed for localhost)"
    return "must be an https URL"


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """Key documents are fetched from exactly the configured URL; a redirect is a failure."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirects())


def fetch_json(url: str, *, timeout: float, max_bytes: int) -> Fetched:
    """GET ``url`` and return its JSON object, or raise :class:`FetchError`."""
    problem = url_problem(url)
    if problem is not None:
        raise FetchError(f"{url} {problem}")
    request = urllib.request.Request(  # noqa: S310 - the scheme is checked just above
        url, headers={"Accept": "application/json", "User-Agent": USER_AGENT}
    )
    started = time.monotonic()
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            status = response.status
            cache_control = response.headers.get("Cache-Control", "")
            body = _read_bounded(response, max_bytes + 1, deadline=started + 2 * timeout)
    except urllib.error.HTTPError as error:
        raise FetchError(f"{url} answered HTTP {error.code}") from None
    except (urllib.error.URLError, OSError, ValueError) as error:
        reason = getattr(error, "reason", error)
        raise FetchError(f"{url} could not be fetched: {reason}") from None
    elapsed = time.monotonic() - started
    if status != 200:
        raise FetchError(f"{url} answered HTTP {status}")
    if len(body) > max_bytes:
        raise FetchError(f"{url} sent more than {max_bytes} bytes")
    try:
        document = json.loads(body.decode("utf-8"))
    except (ValueError, RecursionError):
        raise FetchError(f"{url} did not send JSON") from None
    if not isinstance(document, dict):
        raise FetchError(f"{url} did not send a JSON object")
    return Fetched(document, _max_age(cache_control), elapsed)


def _read_bounded(response: Any, limit: int, *, deadline: float) -> bytes:
    """Read at most ``limit`` bytes, giving up at ``deadline`` (a server dripping bytes slowly
    would otherwise reset the per-read timeout forever)."""
    chunks: list[bytes] = []
    size = 0
    while size < limit:
        if time.monotonic() > deadline:
            raise TimeoutError("the body took too long")
        chunk = response.read1(min(65536, limit - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def _max_age(cache_control: str) -> float | None:
    if _NO_CACHE.search(cache_control):
        return 0.0
    match = _MAX_AGE.search(cache_control)
    return float(match.group(1)) if match else None
