"""Finding the access token in a request (RFC 6750 §2).

Adapters describe their request through the small :class:`RequestView` protocol; everything
else — which locations are enabled, scheme matching, b64token syntax, "more than one location is
a 400" — is decided here, once, for every framework.

"More than one location" counts every place a client may have put a token, enabled or not: an
``access_token`` query parameter or url-encoded form field beside a token in an enabled location
is a 400 ``multiple_tokens`` in every configuration (RFC 6750 §2: a client "MUST NOT use more
than one method"), and so is the token cookie sent twice. Cookies are parsed here from the
``Cookie`` header, the same way for every framework.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from .config import GuardConfig
from .errors import AuthError, InvalidRequest, MultipleTokens, TokenMissing, UnsupportedScheme
from .request import RequestView

ACCESS_TOKEN_PARAMETER = "access_token"  # noqa: S105 - a parameter name; RFC 6750 §2.2 and §2.3
_B64TOKEN = re.compile(r"[A-Za-z0-9\-._~+/]+=*")  # RFC 6750 §2.1
_FORM_MEDIA_TYPE = "application/x-www-form-urlencoded"
UNREAD_FORM_LIMIT = 65536
"""Largest url-encoded body searched for an ``access_token`` field where ``"form"`` is not a
token location (see :func:`extract_token`)."""
_MAX_SCHEME_LENGTH = 24  # registered schemes are short: Basic, Digest, AWS4-HMAC-SHA256...


@dataclass(frozen=True, slots=True)
class Extraction:
    """Where the token was found, or why none was."""

    token: str | None
    location: str | None = None
    #: The scheme of an Authorization header that was not ours; ``""`` when the header held
    #: no recognisable scheme, only a value that may be a credential (never repeated).
    other_scheme: str | None = None

    #: Locations that carried a token jwtguard does not read (``TOKEN_LOCATIONS`` leaves them
    #: out), for the operator's detail.
    ignored: tuple[str, ...] = ()

    def missing_error(self) -> AuthError:
        """The 401 for a request without a bearer token (RFC 6750 §3.1: no error attribute)."""
        header = self.location or "Authorization"
        if self.other_scheme == "":
            return UnsupportedScheme(
                detail=f"the {header} header has no Bearer scheme, only a value that is not "
                "shown (it may be a credential sent without a scheme)"
            )
        if self.other_scheme is not None:
            return UnsupportedScheme(
                detail=f"the {header} header uses the {_printable(self.other_scheme)!r} "
                "scheme, not Bearer"
            )
        if self.ignored:
            where = " and ".join(describe_location(location) for location in self.ignored)
            return TokenMissing(
                detail=f"no access token in the request; a token in the {where} is not read "
                "(TOKEN_LOCATIONS does not include it)"
            )
        return TokenMissing(detail="no access token in the request")


def extract_token(request: RequestView, config: GuardConfig) -> Extraction:
    """Find the one access token in ``request`` among the configured locations.

    Raises :class:`InvalidRequest` for malformed credentials and :class:`MultipleTokens` when
    more than one location (or value) carries a token, counting the ``access_token`` query
    parameter and form field even where ``TOKEN_LOCATIONS`` does not enable them.
    """
    found: list[tuple[str, str]] = []
    other_scheme: str | None = None
    locations = config.token_locations
    if "header" in locations:
        value = request.header(config.header_name)
        if value is not None and value.strip():
            token, other_scheme = _from_header(value, config)
            if token is not None:
                found.append((config.header_name, token))
    if "query" in locations:
        found.extend(("query", v) for v in request.query_values(ACCESS_TOKEN_PARAMETER))
    if "form" in locations and _has_form_body(request):
        found.extend(("form", v) for v in request.form_values(ACCESS_TOKEN_PARAMETER))
    if "cookie" in locations:
        found.extend(("cookie", v) for v in cookie_values(request, config.cookie_name) if v)
    if found:
        if len(found) == 1:
            _check_syntax(found[0][1], found[0][0], config)
        # A second copy in a location jwtguard does not read is still a second copy (and has
        # leaked already): so a request with a token is searched further, a small url-encoded
        # body too.
        found.extend((location, "") for location in _unread_locations(request, locations))
        if len(found) > 1:
            where = ", ".join(sorted({location for location, _ in found}))
            raise MultipleTokens(detail=f"tokens found in: {where}")
    else:
        location = config.header_name if other_scheme is not None else None
        # For the operator: a token in the query string that is not read (a body never is).
        ignored = ("query",) if _has_unread_query_token(request, locations) else ()
        return Extraction(None, location, other_scheme, ignored)
    location, token = found[0]
    return Extraction(token, location)


def cookie_values(request: RequestView, name: str) -> list[str]:
    """Every value the ``Cookie`` header gives the cookie ``name`` (RFC 6265 §4.2.1: pairs
    separated by ``;``; a ``,`` belongs to a value, as Django and Werkzeug read it).

    Frameworks keep one value per name (Django the last, Flask the first); a token cookie sent
    twice must be seen twice.
    """
    header = request.header("Cookie")
    if not header or name not in header:
        return []
    values = []
    for pair in header.split(";"):
        key, equals, value = pair.partition("=")
        if equals and key.strip() == name:
            value = value.strip()
            if len(value) >= 2 and value[0] == value[-1] == '"':
                value = value[1:-1]
            values.append(value)
    return values


def _unread_locations(request: RequestView, enabled: Sequence[str]) -> list[str]:
    """The locations outside ``TOKEN_LOCATIONS`` that carry a non-empty ``access_token``.

    A body is read for this only when it is url-encoded and declares a length of at most
    :data:`UNREAD_FORM_LIMIT` bytes: a token that is not a form field is never worth reading a
    large body for (whoever reads forms reads them anyway).
    """
    unread = ["query"] if _has_unread_query_token(request, enabled) else []
    if (
        "form" not in enabled
        and _has_form_body(request)
        and _declared_length(request) <= UNREAD_FORM_LIMIT
        and any(request.form_values(ACCESS_TOKEN_PARAMETER))
    ):
        unread.append("form")
    return unread


def _declared_length(request: RequestView) -> int:
    """The body's declared ``Content-Length`` (a body without one counts as too long)."""
    value = request.header("Content-Length")
    return int(value) if value is not None and value.strip().isdigit() else UNREAD_FORM_LIMIT + 1


def _has_unread_query_token(request: RequestView, enabled: Sequence[str]) -> bool:
    return "query" not in enabled and any(request.query_values(ACCESS_TOKEN_PARAMETER))


def _from_header(value: str, config: GuardConfig) -> tuple[str | None, str | None]:
    """Split ``<scheme> 1*SP <token>``; return (token, None) or (None, other scheme)."""
    value = value.strip()
    if not config.header_scheme:
        return value, None
    scheme, space, credentials = value.partition(" ")
    if scheme.lower() != config.header_scheme.lower():
        # A lone word, or one longer than any auth scheme, may be a credential sent without
        # a scheme: it must not reach a log as the "scheme".
        looks_like_a_scheme = bool(space) and len(scheme) <= _MAX_SCHEME_LENGTH
        return None, scheme if looks_like_a_scheme else ""
    credentials = credentials.lstrip(" ")
    if not credentials:
        raise InvalidRequest(
            f"The {config.header_scheme} credentials are empty",
            detail=f"the {config.header_name} header has the {config.header_scheme} scheme "
            "but no token",
        )
    return credentials, None


def _check_syntax(token: str, location: str, config: GuardConfig) -> None:
    if len(token) > config.max_token_bytes:
        return  # the validator answers token_too_large without scanning it
    if _B64TOKEN.fullmatch(token) is None:
        raise InvalidRequest(
            detail=f"the token in the {describe_location(location)} is empty or has characters "
            "outside the RFC 6750 b64token syntax"
        )


def describe_location(location: str) -> str:
    """Where a token was found, for humans: ``Authorization header``, ``cookie``..."""
    named = {"query": "access_token query parameter", "form": "access_token form field"}
    return named.get(location, f"{location} header" if location != "cookie" else "cookie")


def _has_form_body(request: RequestView) -> bool:
    """RFC 6750 §2.2: only url-encoded bodies, and never with GET."""
    if request.method.upper() in ("GET", "HEAD"):
        return False
    content_type = request.header("Content-Type") or ""
    return content_type.split(";", 1)[0].strip().lower() == _FORM_MEDIA_TYPE


def _printable(value: str, limit: int = 32) -> str:
    cleaned = "".join(ch if " " <= ch <= "~" else "?" for ch in value[:limit])
    return cleaned + ("…" if len(value) > limit else "")
