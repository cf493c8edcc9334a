"""jwtguard demo: a scripted tour of requests and the exact answers jwtguard gives them.

Runs on embedded defaults (a development key generated in memory, no network, no services):

    python3 dev.py demo
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

from jwtguard import (
    AccessToken,
    AuthError,
    GuardConfig,
    SimpleRequest,
    Validator,
    render_error,
    require_scopes,
)
from jwtguard.testing import SigningKey, generate_key

ISSUER = "https://idp.demo.jwtguard.dev/"
AUDIENCE = "api://notes"


@dataclass(frozen=True)
class Step:
    title: str
    authorization: str | None
    scopes: tuple[str, ...]
    expected_status: int
    method: str = "GET"


def tour(key: SigningKey) -> list[Step]:
    def token(**claims: object) -> str:
        defaults: dict[str, object] = {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "sub": "alice",
            "scope": "notes:read",
        }
        return key.token(**(defaults | claims))  # type: ignore[arg-type]

    expired = key.token(now=time.time() - 3600, lifetime=600, iss=ISSUER, aud=AUDIENCE, sub="alice")
    return [
        Step("No token at all", None, (), 401),
        Step("Okta API token sent with the SSWS scheme", "SSWS 00QCjAl4MlV-WPXM", (), 401),
        Step("Bearer scheme but two tokens", f"Bearer {token()} {token()}", (), 400),
        Step("Not a JWT", "Bearer not-a-jwt", (), 401),
        Step("Expired 50 minutes ago", f"Bearer {expired}", (), 401),
        Step("Token for another API", f"Bearer {token(aud='api://billing')}", (), 401),
        Step(
            "Valid token, but POST /api/notes needs notes:write",
            f"Bearer {token()}",
            ("notes:write",),
            403,
            "POST",
        ),
        Step("Valid token with the right scope", f"Bearer {token()}", ("notes:read",), 200),
    ]


def decide(validator: Validator, step: Step) -> tuple[int, list[tuple[str, str]], str]:
    """What every jwtguard adapter does: authenticate, authorize, or render the error."""
    headers = {} if step.authorization is None else {"Authorization": step.authorization}
    try:
        token = validator.authenticate(SimpleRequest(headers=headers))
        assert isinstance(token, AccessToken)
        require_scopes(token, step.scopes)
    except AuthError as error:
        response = render_error(error, validator.config)
        print(f"    (operator log: {error.code}: {error.detail})")
        return response.status, list(response.headers), response.body.decode()
    body = json.dumps({"sub": token.subject, "scopes": sorted(token.scopes), "iss": token.issuer})
    return 200, [("Content-Type", "application/json")], body


def main(out: Callable[[str], object] = print) -> int:
    key = generate_key("ES256", kid="demo-key")
    config = GuardConfig(
        issuer=ISSUER, audience=AUDIENCE, algorithms=["ES256"], jwks=key.jwks(), realm="notes"
    )
    validator = Validator(config)
    failures = 0
    for number, step in enumerate(tour(key), start=1):
        shown = (
            step.authorization
            if step.authorization is None or len(step.authorization) < 40
            else step.authorization[:36] + "..."
        )
        out(f"\n[{number}] {step.title}")
        out(f"    {step.method} /api/notes  Authorization: {shown}")
        status, headers, body = decide(validator, step)
        out(f"    -> {status}")
        for name, value in headers:
            out(f"       {name}: {value}")
        out(f"       {body}")
        if status != step.expected_status:
            failures += 1
            out(f"    !! expected {step.expected_status}")
    out("\nEvery answer above follows RFC 6750; see README.md for the wire contract.")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
