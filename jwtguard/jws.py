"""Strict, lean parsing of a compact JWS (RFC 7515 §7.1).

PyJWT decodes each segment with ``base64.urlsafe_b64decode`` after re-padding and parses JSON
with the default decoder; we do the same work once, strictly and faster:

- the token must be ASCII with exactly two dots; every segment is decoded, before the token can
  be accepted, by refusing ``+``, ``/`` and ``=`` (never in base64url) and then
  ``binascii.a2b_base64(..., strict_mode=True)``, which refuses any other stray character,
- JSON must be UTF-8, must be an object, may not repeat a member name (RFC 7515 §4, RFC 7519 §4)
  and may not use the non-standard ``NaN`` / ``Infinity`` literals.
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
    """Decode one unpadded base64url segment; raise ``ValueError`` if it is not exactly that."""
    remainder = len(segment) % 4
    if remainder == 1 or "+" in segment or "/" in segment or "=" in segment:
        raise ValueError("not unpadded base64url")
    standard = segment.encode("ascii").translate(_URLSAFE_TO_STANDARD) + _PADDING[remainder]
    return binascii.a2b_base64(standard, strict_mode=True)


def decode_json_object(data: bytes, what: str) -> dict[str, Any]:
    """Parse UTF-8 JSON that must be an object with unique member names."""
    try:
        value = _parse_json(data.decode("utf-8"))
    except DuplicateMemberError:
        raise TokenMalformed(detail=f"the token {what} repeats a member name") from None
    except (ValueError, RecursionError):
        # ValueError covers JSONDecodeError, UnicodeDecodeError and over-long integers.
        raise TokenMalformed(detail=f"the token {what} is not valid UTF-8 JSON") from None
    if not isinstance(value, dict):
        raise TokenMalformed(detail=f"the token {what} is not a JSON object")
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
        try:
            header_bytes = b64url_decode(header_segment)
        except ValueError:
            raise TokenMalformed(detail="the token header is not base64url") from None
        self.header: dict[str, Any] = decode_json_object(header_bytes, "header")
        signing_end = len(header_segment) + 1 + len(self.payload_segment)
        self.signing_input: bytes = token[:signing_end].encode("ascii")

    def signature(self) -> bytes:
        try:
            return b64url_decode(self.signature_segment)
        except ValueError:
            raise TokenMalformed(detail="the token signature is not base64url") from None

    def payload(self) -> dict[str, Any]:
        try:
            payload_bytes = b64url_decode(self.payload_segment)
        except ValueError:
            raise TokenMalformed(detail="the token payload is not base64url") from None
        return decode_json_object(payload_bytes, "payload")


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
