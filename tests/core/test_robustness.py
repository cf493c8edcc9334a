"""Hostile requests get a clean 4xx with a valid challenge: never an exception, never a hang."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jwtguard import AccessToken, AuthError, GuardConfig, SimpleRequest, Validator, render_error
from jwtguard.testing import b64url, parse_challenge
from tests.contract import AUDIENCE, ISSUER, SETTINGS, Minter


@pytest.fixture(scope="module")
def everywhere(minter: Minter) -> Validator:
    """The contract configuration with every token location enabled."""
    locations = ["header", "query", "form", "cookie"]
    return Validator(
        GuardConfig.from_mapping({**SETTINGS, "JWKS": minter.jwks(), "TOKEN_LOCATIONS": locations})
    )


def outcome(validator: Validator, request: SimpleRequest) -> AccessToken | tuple[int, str]:
    """Run the whole core path and check the rendered answer is well-formed."""
    try:
        token = validator.authenticate(request)
    except AuthError as error:
        response = render_error(error, validator.config)
        body = json.loads(response.body)
        assert set(body) == {"error", "error_description", "code"}
        assert body["code"] == error.code
        description = body["error_description"]
        assert all(0x20 <= ord(ch) <= 0x7E and ch not in '"\\' for ch in description)
        challenge = response.header("WWW-Authenticate")
        assert (challenge is None) == (response.status == 503)
        if challenge is not None:
            scheme, params = parse_challenge(challenge)
            assert scheme == "Bearer"
            assert params["realm"] == validator.config.realm
            assert ("error" in params) == (
                error.code not in ("token_missing", "unsupported_scheme", "csrf_failed")
            )
        assert response.status in (400, 401, 403)
        return response.status, error.code
    assert token is not None
    return token


def bearer(value: str) -> SimpleRequest:
    return SimpleRequest(headers={"Authorization": value})


def _claims(extra: bytes) -> bytes:
    """Valid iss, aud and iat plus ``extra`` raw JSON members."""
    return b'{"iss":"%s","aud":"%s","iat":0,%s}' % (ISSUER.encode(), AUDIENCE.encode(), extra)


def signed(minter: Minter, header: bytes, payload: bytes) -> str:
    return minter.key.sign(payload, header)


@pytest.mark.parametrize(
    ("name", "request_", "expected"),
    [
        ("1 MB header", bearer("Bearer " + "a" * 1_048_576), (401, "token_too_large")),
        ("1 MB of spaces", bearer("Bearer" + " " * 1_048_576), (400, "malformed_request")),
        ("1 MB other scheme", bearer("Basic " + "b" * 1_048_576), (401, "unsupported_scheme")),
        (
            "non-ASCII (latin-1 bytes)",
            bearer("Bearer \xff\xfe\x00\x01"),
            (400, "malformed_request"),
        ),
        ("non-ASCII token", bearer("Bearer эй.би.си"), (400, "malformed_request")),
        ("control characters", bearer("Bearer a\r\nb"), (400, "malformed_request")),
        ("10,000 dots", bearer("Bearer " + "." * 10_000), (401, "token_too_large")),
        ("8,000 dots", bearer("Bearer " + "." * 8_000), (401, "token_malformed")),
        ("a.b repeated", bearer("Bearer " + "a." * 4_000 + "a"), (401, "token_malformed")),
        ("padding only", bearer("Bearer ===="), (400, "malformed_request")),
        ("trailing padding", bearer("Bearer abc=="), (401, "token_malformed")),
        ("bad base64 length", bearer("Bearer a.b.c"), (401, "token_malformed")),
        ("NUL in scheme", bearer("Bear\x00er abc"), (401, "unsupported_scheme")),
        (
            "huge query value",
            SimpleRequest(query={"access_token": ["q" * 1_000_000]}),
            (401, "token_too_large"),
        ),
        (
            "binary cookie",
            SimpleRequest(cookies={"access_token": "\x00\xff"}),
            (400, "malformed_request"),
        ),
    ],
)
def test_hostile_requests(
    everywhere: Validator, name: str, request_: SimpleRequest, expected: tuple[int, str]
) -> None:
    assert outcome(everywhere, request_) == expected


@pytest.mark.parametrize(
    ("name", "header", "payload", "code"),
    [
        ("header JSON array", b'["RS256"]', b"{}", "token_malformed"),
        ("header JSON string", b'"RS256"', b"{}", "token_malformed"),
        ("header JSON number", b"1e999999", b"{}", "token_malformed"),
        (
            "header deeply nested",
            b'{"x":' + b"[" * 5000 + b"]" * 5000 + b"}",
            b"{}",
            "token_malformed",
        ),
        ("header not UTF-8", b'{"alg":"\xff"}', b"{}", "token_malformed"),
        ("header UTF-16", '{"alg":"RS256"}'.encode("utf-16"), b"{}", "token_malformed"),
        ("header empty", b"", b"{}", "token_malformed"),
        ("header with BOM", b'\xef\xbb\xbf{"alg":"RS256","kid":"rsa-1"}', b"{}", "token_malformed"),
        (
            "payload huge integer exp",
            b'{"alg":"RS256","kid":"rsa-1","typ":"JWT"}',
            _claims(b'"exp":' + b"9" * 4000),
            "claim_invalid",
        ),
        (
            "payload huge float exp",
            b'{"alg":"RS256","kid":"rsa-1","typ":"JWT"}',
            _claims(b'"exp":1e308'),
            "claim_invalid",
        ),
        (
            "payload deep",
            b'{"alg":"RS256","kid":"rsa-1","typ":"JWT"}',
            b'{"a":' + b'{"a":' * 3000 + b"1" + b"}" * 3001,
            "token_malformed",
        ),
    ],
)
def test_hostile_tokens(
    everywhere: Validator, minter: Minter, name: str, header: bytes, payload: bytes, code: str
) -> None:
    roomy = Validator(
        GuardConfig.from_mapping({**SETTINGS, "JWKS": minter.jwks(), "MAX_TOKEN_BYTES": 65536})
    )
    token = signed(minter, header, payload)
    assert outcome(roomy, bearer(f"Bearer {token}")) == (401, code)


# --- property-based: the only outcomes are a token or a well-rendered AuthError -------------

b64url_text = st.text(alphabet="ABCabc012-_", max_size=40)
jws_like = st.builds(lambda a, b, c: f"{a}.{b}.{c}", b64url_text, b64url_text, b64url_text)
schemes = st.sampled_from(["Bearer", "bearer", "BEARER", "Basic", "SSWS", "Token", "", "Bear"])
header_values = st.one_of(
    st.text(max_size=200),
    st.builds(
        lambda s, sep, t: f"{s}{sep}{t}",
        schemes,
        st.sampled_from([" ", "  ", "", "\t"]),
        st.one_of(
            st.text(max_size=100), jws_like, st.from_regex(r"[A-Za-z0-9._~+/-]+=*", fullmatch=True)
        ),
    ),
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)
claim_names = st.sampled_from(["iss", "aud", "sub", "exp", "nbf", "iat", "jti", "scope", "scp"])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    authorization=st.none() | header_values,
    query=st.lists(st.text(max_size=60) | jws_like, max_size=2),
    cookie=st.none() | st.text(max_size=60),
    method=st.sampled_from(["GET", "POST", "OPTIONS", "DELETE"]),
)
def test_any_request_gets_a_token_or_a_clean_error(
    everywhere: Validator,
    authorization: str | None,
    query: list[str],
    cookie: str | None,
    method: str,
) -> None:
    request = SimpleRequest(
        headers={} if authorization is None else {"Authorization": authorization},
        query={"access_token": query} if query else {},
        cookies={} if cookie is None else {"access_token": cookie},
        form={"access_token": ["x"]},
        method=method,
    )
    result = outcome(everywhere, request)
    assert not isinstance(result, AccessToken), "random input never yields a valid token"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    header=st.dictionaries(
        st.sampled_from(["alg", "kid", "typ", "crit", "jku", "x"]), json_values, max_size=4
    ),
    claims=st.dictionaries(claim_names, json_values, max_size=6),
    use_real_header=st.booleans(),
)
def test_signed_garbage_gets_a_token_or_a_clean_error(
    everywhere: Validator,
    minter: Minter,
    header: dict[str, Any],
    claims: dict[str, Any],
    use_real_header: bool,
) -> None:
    if use_real_header:
        header = {"alg": "RS256", "kid": "rsa-1", "typ": "at+jwt"}
    try:
        payload = json.dumps(claims).encode()
        token = minter.key.sign(payload, json.dumps(header).encode())
    except ValueError:  # NaN/inf cannot always be encoded; nothing to test then
        return
    result = outcome(everywhere, bearer(f"Bearer {token}"))
    if isinstance(result, AccessToken):
        assert result.issuer == claims.get("iss")
        assert result.claims == claims


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300) | jws_like | st.binary(max_size=200).map(b64url))
def test_validate_any_string(everywhere: Validator, token: str) -> None:
    with pytest.raises(AuthError) as caught:
        everywhere.validate(token)
    response = render_error(caught.value, everywhere.config)
    assert response.status == 401
    parse_challenge(response.header("WWW-Authenticate") or "")
