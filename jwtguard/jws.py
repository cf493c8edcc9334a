"""Strict, lean parsing of a compact JWS (RFC 7515 §7.1).

PyJWT decodes each segment with ``base64.urlsafe_b64decode`` after re-padding and parses JSON
with the default decoder; we do the same work once, strictly and faster:

- the token must be ASCII with exactly two dots; every segment is decoded, before the token can
  be accepted, by refusing ``+``, ``/`` and ``=`` (never in base64url) and then
  ``binascii.a2b_base64(..., strict_mode=True)``, which refuses any other stray character,
- every segment must be *canonical* base64url (RFC 4648 §3.5): the unused low bits of its last
  character are zero, so each byte string has exactly one encoding and one signed token exactly
  one accepted string. A look-up of the last character in the set allowed for the segment's
  length remainder (2 leftover characters: low 4 bits zero, ``AQgw``; 3: low 2 bits zero),
  no re-encoding,
- JSON must be UTF-8, must be an object, may not repeat a member name (RFC 7515 §4, RFC 7519 §4)
  and may not use the non-standard ``NaN`` / ``Infinity`` literals.

One string per token holds up to the signature's own malleability: JWS allows an ECDSA
signature and its high-S twin ``(r, n - s)`` alike (RFC 7518 §3.4 does not forbid it), so an
ES* token still has two accepted strings, whose signatures differ. Key anything that must be
unique per token (a deny-list, a cache, a rate limit) on its ``jti``, not on the string.
"""

from __future__ import annotations

import binascii
import json
import re
from collections.abc import Callable
from typing import Any

from .errors import TokenMalformed

_BASE64URL = re.compile(r"[A-Za-z0-9_-]*")
_URLSAFE_TO_STANDARD = bytes.maketrans(b"-_", b"+/")
_PADDING = (b"", b"", b"==", b"=")  # indexed by len % 4; a remainder of 1 is never valid
_B64URL_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
# The characters a canonical segment may end with, indexed by len % 4 (0 leaves no unused bit,
# 1 is never valid): 2 leftover characters carry 12 bits for 1 byte (the last one's low 4 bits
# unused), 3 carry 18 bits for 2 bytes (low 2 bits unused).
_CANONICAL_LAST: tuple[frozenset[str], ...] = (
    frozenset(),
    frozenset(),
    frozenset(_B64URL_ALPHABET[::16]),
    frozenset(_B64URL_ALPHABET[::4]),
)


class NonCanonicalError(ValueError):
    """A base64url segment has non-zero unused bits in its last character."""


class DuplicateMemberError(ValueError):
    """A JSON object repeats a member name."""


def _unique_members(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        raise DuplicateMemberError("duplicate member name")
    return obj


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


_DECODER = json.JSONDecoder(object_pairs_hook=_unique_members, parse_constant=_refuse_constant)
# The decoder's own (C) scanner, used without decode()'s whitespace handling; typeshed does not
# declare the attribute, and tests pin the behaviour we rely on.
_SCAN: Callable[[str, int], tuple[Any, int]] = _DECODER.scan_once  # type: ignore[attr-defined]


def _parse_json(text: str) -> Any:
    """``_DECODER.decode(text)``, taking the scanner's fast path when no whitespace surrounds."""
    try:
        value, end = _SCAN(text, 0)
    except StopIteration:
        return _DECODER.decode(text)  # leading whitespace, or not JSON: decode() decides
    if end != len(text):
        return _DECODER.decode(text)  # trailing whitespace is fine, anything else raises
    return value


def b64url_decode(segment: str) -> bytes:
    """Decode one unpadded, canonical base64url segment; raise ``ValueError`` if it is not
    exactly that (:class:`NonCanonicalError` if only its unused low bits are set)."""
    remainder = len(segment) % 4
    if remainder == 1 or "+" in segment or "/" in segment or "=" in segment:
        raise ValueError("not unpadded base64url")
    standard = segment.encode("ascii").translate(_URLSAFE_TO_STANDARD) + _PADDING[remainder]
    data = binascii.a2b_base64(standard, strict_mode=True)
    if remainder and segment[-1] not in _CANONICAL_LAST[remainder]:
        raise NonCanonicalError("not canonical base64url (non-zero padding bits)")
    return data


def decode_segment(segment: str, what: str) -> bytes:
    """:func:`b64url_decode` for the token's ``what`` segment, refusing it as malformed."""
    try:
        return b64url_decode(segment)
    except NonCanonicalError:
        detail = f"the token {what} is not canonical base64url (non-zero padding bits)"
    except ValueError:
        detail = f"the token {what} is not base64url"
    raise TokenMalformed(detail=detail)


#: The deepest a token's header or claims may nest arrays and objects (the top object is level
#: 1). Deeper is malformed on every Python: the json module's own limit varies by version (it
#: parses 5,000 levels on 3.13, under 1,000 on 3.11).
MAX_JSON_DEPTH = 32


def _nests_within(value: Any, limit: int) -> bool:
    """Whether ``value`` nests arrays and objects at most ``limit`` levels deep."""
    level, containers = 1, [value]
    while containers:
        if level > limit:
            return False
        containers = [
            child
            for container in containers
            for child in (container.values() if isinstance(container, dict) else container)
            if isinstance(child, dict | list)
        ]
        level += 1
    return True


def decode_json_object(data: bytes, what: str) -> dict[str, Any]:
    """Parse UTF-8 JSON that must be an object with unique member names, at most
    :data:`MAX_JSON_DEPTH` levels deep."""
    try:
        value = _parse_json(data.decode("utf-8"))
    except DuplicateMemberError:
        raise TokenMalformed(detail=f"the token {what} repeats a member name") from None
    except (ValueError, RecursionError):
        # ValueError covers JSONDecodeError, UnicodeDecodeError and over-long integers.
        raise TokenMalformed(detail=f"the token {what} is not valid UTF-8 JSON") from None
    if not isinstance(value, dict):
        raise TokenMalformed(detail=f"the token {what} is not a JSON object")
    if not _nests_within(value, MAX_JSON_DEPTH):
        detail = f"the token {what} nests arrays and objects over {MAX_JSON_DEPTH} levels deep"
        raise TokenMalformed(detail=detail)
    return value


class CompactJWS:
    """The three segments of a compact JWS, with the header already decoded."""

    __slots__ = ("header", "payload_segment", "signature_segment", "signing_input")

    def __init__(self, token: str) -> None:
        # The signature may be empty here, so that an unsecured (``alg: none``) JWT is refused
        # for its algorithm, which tells the operator more than "malformed".
        if token.count(".") != 2 or not token.isascii() or token[0] == ".":
            raise TokenMalformed(detail=_why_not_compact(token))
        header_segment, self.payload_segment, self.signature_segment = token.split(".")
        header_bytes = decode_segment(header_segment, "header")
        self.header: dict[str, Any] = decode_json_object(header_bytes, "header")
        signing_end = len(header_segment) + 1 + len(self.payload_segment)
        self.signing_input: bytes = token[:signing_end].encode("ascii")

    def signature(self) -> bytes:
        return decode_segment(self.signature_segment, "signature")

    def payload(self) -> dict[str, Any]:
        return decode_json_object(decode_segment(self.payload_segment, "payload"), "payload")


def _why_not_compact(token: str) -> str:
    """Explain, for the operator, why a token is not a compact JWS."""
    segments = token.split(".")
    if len(segments) == 5:
        return "the token has 5 segments: it is an encrypted JWT (JWE), which is not supported"
    if len(segments) != 3:
        count = len(segments)
        return f"the token has {count} segment{'s' if count != 1 else ''}; a signed JWT has 3"
    if not all(_BASE64URL.fullmatch(segment) for segment in segments):
        return "the token contains characters outside the base64url alphabet"
    return "the token header is empty"
