"""One signed token, one accepted string: every segment must be canonical base64url.

A base64url string of length 4n + 2 (or 4n + 3) leaves 4 (or 2) unused low bits in its last
character; a lenient decoder ignores them, so one token could be sent as up to 16 strings, all
accepted, fooling anything keyed on the token string. Only the spelling with those bits zero is
accepted, in the header, the payload and the signature alike. ECDSA's high-S twin is a different
signature, which JWS allows: it is accepted, and the README says so.
"""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from jwt.algorithms import get_default_algorithms

from jwtguard import AuthError, GuardConfig, TokenMalformed, Validator
from jwtguard.jws import NonCanonicalError, b64url_decode
from jwtguard.testing import SigningKey, b64url, generate_key
from jwtguard.tools.decode import decode_unverified
from jwtguard.tools.explain import explain
from tests.contract import (
    AUDIENCE,
    B64URL_ALPHABET,
    ISSUER,
    Minter,
    non_canonical,
    padding_bit_variants,
)

#: One algorithm per family, and the sizes whose signature leaves unused bits (HS256: 32 bytes,
#: 43 characters, 2 bits; the others 64 or 256 bytes, 4 bits). ES384 / ES512 / HS384 signatures
#: (96, 132, 48 bytes) are multiples of 3 bytes: no unused bits, one spelling by construction.
FAMILIES = ["HS256", "HS512", "RS256", "PS256", "ES256", "EdDSA"]
P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
NON_CANONICAL = "is not canonical base64url (non-zero padding bits)"


@pytest.fixture(scope="module", params=FAMILIES)
def signer(request: pytest.FixtureRequest) -> tuple[SigningKey, Validator]:
    key = generate_key(request.param, kid="k1")
    config = GuardConfig(
        jwks=key.jwks(), algorithms=[request.param], issuer=ISSUER, audience=AUDIENCE
    )
    return key, Validator(config)


def claims(**extra: Any) -> dict[str, Any]:
    now = int(time.time())
    return {"iss": ISSUER, "aud": AUDIENCE, "sub": "alice", "iat": now, "exp": now + 300} | extra


def outcome(validator: Validator, token: str) -> str:
    try:
        validator.validate(token)
    except AuthError as error:
        assert error.code == "token_malformed", error.detail
        return error.detail
    return "accepted"


def sign_raw(key: SigningKey, header_segment: str, payload_segment: str) -> str:
    """Sign the segments exactly as spelled (an issuer that encodes sloppily)."""
    signing_input = f"{header_segment}.{payload_segment}"
    signature = get_default_algorithms()[key.algorithm].sign(
        signing_input.encode("ascii"), key.private_key
    )
    return f"{signing_input}.{b64url(signature)}"


def encoded_with_remainder(document: dict[str, Any], remainder: int) -> str:
    """``document`` as a base64url JSON segment whose length is 4n + ``remainder``."""
    for size in range(8):
        segment = b64url(json.dumps(document | {"pad": "x" * size}).encode())
        if len(segment) % 4 == remainder:
            return segment
    raise AssertionError("unreachable: 3 consecutive sizes cover every remainder")


def test_every_spelling_of_the_signature_but_one_is_refused(
    signer: tuple[SigningKey, Validator],
) -> None:
    key, validator = signer
    head, payload, signature = key.token(iss=ISSUER, aud=AUDIENCE, sub="alice").split(".")
    variants = padding_bit_variants(signature)
    unused_bits = {2: 4, 3: 2}[len(signature) % 4]
    assert len(variants) == 2**unused_bits > 1
    assert len({b64url_decode(variants[0])} | {_lenient(v) for v in variants}) == 1, (
        "all spellings carry the same signature bytes"
    )
    results = [outcome(validator, f"{head}.{payload}.{variant}") for variant in variants]
    assert results[0] == "accepted"
    assert results[1:] == [f"the token signature {NON_CANONICAL}"] * (len(variants) - 1)


@pytest.mark.parametrize("remainder", [2, 3])
@pytest.mark.parametrize("segment", ["header", "payload"])
def test_every_spelling_of_a_signed_header_or_payload_but_one_is_refused(
    signer: tuple[SigningKey, Validator], segment: str, remainder: int
) -> None:
    """Even signed as spelled, a header or payload with padding bits set is refused."""
    key, validator = signer
    header = {"alg": key.algorithm, "kid": key.kid}
    if segment == "header":
        header_segment = encoded_with_remainder(header, remainder)
        spellings = [
            (variant, b64url(json.dumps(claims()).encode()))
            for variant in padding_bit_variants(header_segment)
        ]
    else:
        payload_segment = encoded_with_remainder(claims(), remainder)
        spellings = [
            (b64url(json.dumps(header).encode()), variant)
            for variant in padding_bit_variants(payload_segment)
        ]
    assert len(spellings) == 2 ** {2: 4, 3: 2}[remainder]
    results = [outcome(validator, sign_raw(key, h, p)) for h, p in spellings]
    assert results[0] == "accepted"
    assert results[1:] == [f"the token {segment} {NON_CANONICAL}"] * (len(spellings) - 1)


def _lenient(segment: str) -> bytes:
    """What ``base64.urlsafe_b64decode`` (PyJWT's decoder) makes of ``segment``."""
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


@given(st.text(alphabet=B64URL_ALPHABET, max_size=64))
def test_decoding_succeeds_exactly_for_the_canonical_encoding(segment: str) -> None:
    """``b64url_decode(s)`` succeeds only when ``b64url(b64url_decode(s)) == s``."""
    if len(segment) % 4 == 1:
        with pytest.raises(ValueError):  # noqa: PT011 - not base64 at all
            b64url_decode(segment)
        return
    canonical = b64url(_lenient(segment)) == segment
    try:
        decoded = b64url_decode(segment)
    except NonCanonicalError:
        assert not canonical
    else:
        assert canonical
        assert b64url(decoded) == segment


@given(st.binary(max_size=80))
def test_every_canonical_encoding_decodes(data: bytes) -> None:
    assert b64url_decode(b64url(data)) == data


def test_the_high_s_twin_of_an_ecdsa_signature_is_accepted() -> None:
    """JWS allows both ``(r, s)`` and ``(r, n - s)`` (RFC 7518 §3.4 does not forbid high S), so
    an ES256 token has two accepted strings: the README and ``jwtguard.jws`` say so, and say to
    key anything that must be unique per token on ``jti``, not on the string."""
    key = generate_key("ES256", kid="k1")
    validator = Validator(GuardConfig(jwks=key.jwks(), algorithms=["ES256"]))
    token = key.token(sub="alice")
    head, payload, signature = token.split(".")
    raw = b64url_decode(signature)
    r, s = raw[:32], int.from_bytes(raw[32:], "big")
    twin = b64url(r + (P256_ORDER - s).to_bytes(32, "big"))
    assert twin != signature
    accepted = validator.validate(f"{head}.{payload}.{twin}")
    assert accepted.claims == validator.validate(token).claims
    spellings = [outcome(validator, f"{head}.{payload}.{v}") for v in padding_bit_variants(twin)]
    assert spellings.count("accepted") == 1, "the twin too has one spelling only"


def test_the_decode_command_uses_the_same_decoder(minter: Minter) -> None:
    head, payload, signature = minter.token().split(".")
    assert decode_unverified(f"{head}.{payload}.{signature}")["claims"]["sub"] == "alice"
    sloppy = padding_bit_variants(encoded_with_remainder({"alg": "RS256"}, 2))[3]
    with pytest.raises(ValueError, match=r"header is not base64url-encoded JSON .*canonical"):
        decode_unverified(f"{sloppy}.{payload}.{signature}")


@pytest.mark.parametrize(
    ("segment", "step"),
    [("header", "syntax"), ("payload", "payload"), ("signature", "signature encoding")],
)
def test_explain_names_the_non_canonical_segment(
    signer: tuple[SigningKey, Validator], segment: str, step: str
) -> None:
    key, validator = signer
    header = encoded_with_remainder({"alg": key.algorithm, "kid": key.kid}, 2)
    payload = encoded_with_remainder(claims(), 3)
    if segment == "header":
        header = padding_bit_variants(header)[1]
    if segment == "payload":
        payload = padding_bit_variants(payload)[1]
    token = sign_raw(key, header, payload)  # signed as spelled: only the encoding is wrong
    if segment == "signature":
        token = non_canonical(token)
    explanation = explain(f"Bearer {token}", validator)
    assert explanation.code == "token_malformed"
    failure = explanation.first_failure
    assert failure is not None
    assert (failure.step, failure.message) == (step, f"the token {segment} {NON_CANONICAL}")
    with pytest.raises(TokenMalformed):
        validator.validate(token)


def test_explain_passes_a_canonical_token(validator: Validator, minter: Minter) -> None:
    explanation = explain(f"Bearer {minter.token()}", validator)
    assert explanation.accepted
    passed = {check.step: check.message for check in explanation.checks}
    assert passed["signature encoding"] == "canonical base64url"
