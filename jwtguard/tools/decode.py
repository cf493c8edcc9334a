"""``jwtguard decode``: a token's header and claims, UNVERIFIED, with readable times."""

from __future__ import annotations

import json
import time
from typing import Any

from ..claims import iso_time, relative
from ..jws import b64url_decode

TIME_CLAIMS = ("exp", "nbf", "iat", "auth_time")
BANNER = "UNVERIFIED: decoded without checking the signature or any claim; trust none of it."


def decode_unverified(credentials: str) -> dict[str, Any]:
    """Header and claims of a compact JWS (or the header of a JWE); ``ValueError`` if neither.

    ``credentials`` may be a whole ``Authorization`` value (``Bearer eyJ...``).
    """
    token = credentials.strip().split(" ")[-1]
    parts = token.split(".")
    if len(parts) not in (3, 5):
        raise ValueError(f"not a JWT: {len(parts)} dot-separated parts (a JWS has 3, a JWE 5)")
    header = _segment(parts[0], "header")
    if len(parts) == 5:
        return {"header": header, "claims": None, "note": "an encrypted JWT (JWE)"}
    return {"header": header, "claims": _segment(parts[1], "payload")}


def times(claims: dict[str, Any], now: float | None = None) -> dict[str, str]:
    """The NumericDate claims in UTC and relative to ``now``."""
    moment = time.time() if now is None else now
    shown = {}
    for name in TIME_CLAIMS:
        value = claims.get(name)
        if isinstance(value, int | float) and not isinstance(value, bool):
            try:
                shown[name] = f"{iso_time(value)} ({relative(value - moment)})"
            except (OverflowError, OSError, ValueError):
                shown[name] = f"{value!r} (not a usable time)"
    return shown


def render(decoded: dict[str, Any], now: float | None = None) -> str:
    lines = [BANNER, "", "header:", json.dumps(decoded["header"], indent=2)]
    claims = decoded["claims"]
    if claims is None:
        lines += ["", f"claims: none readable ({decoded['note']})"]
        return "\n".join(lines)
    lines += ["", "claims:", json.dumps(claims, indent=2)]
    if isinstance(claims, dict) and (shown := times(claims, now)):
        lines += ["", "times (UTC):"] + [f"  {name:<9} {text}" for name, text in shown.items()]
    return "\n".join(lines)


def _segment(segment: str, what: str) -> Any:
    try:
        return json.loads(b64url_decode(segment))  # the validator's decoder: as strict
    except ValueError as error:
        raise ValueError(f"the {what} is not base64url-encoded JSON ({error})") from None
