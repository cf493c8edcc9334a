"""Known JWT attacks, each refused with its exact code (design §3, §4; RFC 8725)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from jwtguard import AuthError, ConfigurationError, GuardConfig, Validator
from jwtguard.testing import SigningKey, b64url, compact, generate_key
from tests.contract import AUDIENCE, ISSUER, Minter
from tests.servers import RecordingServer, recording_server


@pytest.fixture(scope="module")
def attacker() -> SigningKey:
    return generate_key("RS256", kid="attacker")


@pytest.fixture(scope="module")
def server() -> Iterator[RecordingServer]:
    with recording_server() as running:
        yield running


def rejects(validator: Validator, token: str) -> str:
    with pytest.raises(AuthError) as caught:
        validator.validate(token)
    return caught.value.code


def header(minter: Minter, **members: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"alg": "RS256", "typ": "at+jwt", "kid": minter.key.kid}
    return {name: value for name, value in (base | members).items() if value is not None}


def claims(**overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    base = {"iss": ISSUER, "aud": AUDIENCE, "sub": "alice", "iat": now, "exp": now + 300}
    return {name: value for name, value in (base | overrides).items() if value is not None}


def raw_payload(text: str, minter: Minter) -> str:
    """Sign a payload given as raw JSON text with the trusted key."""
    return minter.key.sign(text.encode(), header(minter))


# --- alg: none, in any spelling -----------------------------------------------------------


@pytest.mark.parametrize("alg", ["none", "None", "NONE", "nOnE"])
@pytest.mark.parametrize("signature", [b"", b"\x00" * 32])
def test_alg_none(validator: Validator, alg: str, signature: bytes) -> None:
    token = compact({"alg": alg, "typ": "at+jwt"}, claims(), signature)
    assert rejects(validator, token) == "algorithm_not_allowed"


def test_empty_signature_with_an_allowed_alg(validator: Validator, minter: Minter) -> None:
    token = minter.token().rsplit(".", 1)[0] + "."
    assert rejects(validator, token) == "signature_invalid"


# --- algorithm confusion: HS256 signed with the RSA public key as the HMAC secret ----------


@pytest.fixture(scope="module")
def rsa_pem(minter: Minter) -> bytes:
    return minter.key.public_pem()


def test_hs256_with_public_pem_when_only_rs256_allowed(minter: Minter, rsa_pem: bytes) -> None:
    validator = Validator(GuardConfig(public_key=rsa_pem, algorithms=["RS256"], audience=AUDIENCE))
    forged = SigningKey("HS256", rsa_pem).sign(claims(), {"alg": "HS256", "typ": "JWT"})
    assert rejects(validator, forged) == "algorithm_not_allowed"


@pytest.fixture(scope="module")
def mixed_validator(minter: Minter) -> Validator:
    """RS256 and HS256 both allowed: each key must stay bound to its own family."""
    secret = generate_key("HS256", kid="hmac-1")
    jwks = minter.key.jwks(secret)
    return Validator(GuardConfig(jwks=jwks, algorithms=["RS256", "HS256"], audience=AUDIENCE))


def test_hs256_with_public_pem_naming_the_rsa_kid(
    mixed_validator: Validator, minter: Minter, rsa_pem: bytes
) -> None:
    forged = SigningKey("HS256", rsa_pem).sign(claims(), {"alg": "HS256", "kid": minter.key.kid})
    assert rejects(mixed_validator, forged) == "algorithm_not_allowed"


def test_hs256_with_public_pem_without_kid(mixed_validator: Validator, rsa_pem: bytes) -> None:
    forged = SigningKey("HS256", rsa_pem).sign(claims(), {"alg": "HS256"})
    assert rejects(mixed_validator, forged) == "signature_invalid"


def test_hs256_with_the_jwk_form_of_the_public_key(
    mixed_validator: Validator, minter: Minter
) -> None:
    jwk_text = json.dumps(minter.key.public_jwk()).encode()
    forged = SigningKey("HS256", jwk_text).sign(claims(), {"alg": "HS256"})
    assert rejects(mixed_validator, forged) == "signature_invalid"


def test_rs256_key_cannot_verify_ps256_unless_allowed(minter: Minter) -> None:
    validator = Validator(GuardConfig(jwks=minter.jwks(), algorithms=["RS256"], audience=AUDIENCE))
    token = minter.key.sign(claims(), header(minter, alg="PS256"), algorithm="PS256")
    assert rejects(validator, token) == "algorithm_not_allowed"


def test_ec_key_refuses_another_curve(minter: Minter) -> None:
    es384 = generate_key("ES384", kid=minter.ec_key.kid)
    token = es384.sign(claims(), {"alg": "ES384", "kid": minter.ec_key.kid})
    validator = Validator(
        GuardConfig(jwks=minter.jwks(), algorithms=["RS256", "ES256"], audience=AUDIENCE)
    )
    assert rejects(validator, token) == "algorithm_not_allowed"


# --- keys named inside the token are never used ------------------------------------------


@pytest.mark.parametrize("member", ["jku", "x5u", "jwk", "x5c"])
@pytest.mark.parametrize(
    ("kid", "code"), [("rsa-1", "signature_invalid"), ("attacker", "unknown_key")]
)
def test_embedded_key_references_are_ignored(
    validator: Validator,
    attacker: SigningKey,
    server: RecordingServer,
    member: str,
    kid: str,
    code: str,
) -> None:
    server.serve_json("/attacker-jwks", attacker.jwks())
    reference: Any = {
        "jku": f"{server.url}/attacker-jwks",
        "x5u": f"{server.url}/attacker-cert.pem",
        "jwk": attacker.public_jwk(),
        "x5c": [b64url(attacker.public_pem())],
    }[member]
    before = server.hits()
    token = attacker.sign(
        claims(), {"alg": "RS256", "typ": "at+jwt", "kid": kid, member: reference}
    )
    assert rejects(validator, token) == code
    assert server.hits() == before, "the validator must never fetch a key named by a token"


# --- hostile kid values --------------------------------------------------------------------


@pytest.mark.parametrize(
    "kid",
    ["../../etc/passwd", "' OR 1=1 --", "rsa-1\x00", "%2e%2e%2f", "", " rsa-1", "RSA-1"],
)
def test_hostile_kid_is_just_unknown(validator: Validator, minter: Minter, kid: str) -> None:
    assert rejects(validator, minter.key.sign(claims(), header(minter, kid=kid))) == "unknown_key"


def test_ten_kilobyte_kid(validator: Validator, minter: Minter) -> None:
    token = minter.key.sign(claims(), header(minter, kid="k" * 10_240))
    assert rejects(validator, token) == "token_too_large"
    roomy = Validator(
        GuardConfig.from_mapping(
            {
                "JWKS": minter.jwks(),
                "ALGORITHMS": ["RS256"],
                "AUDIENCE": AUDIENCE,
                "MAX_TOKEN_BYTES": 65536,
            }
        )
    )
    assert rejects(roomy, token) == "unknown_key"


@pytest.mark.parametrize("kid", [7, ["rsa-1"], {"id": "rsa-1"}, True])
def test_kid_that_is_not_a_string(validator: Validator, minter: Minter, kid: Any) -> None:
    assert (
        rejects(validator, minter.key.sign(claims(), header(minter, kid=kid))) == "token_malformed"
    )


# --- header tricks -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "crit",
    [["x-unknown"], ["b64"], ["exp"], [], "x-unknown", None],
    ids=["unknown", "b64", "registered", "empty", "string", "null"],
)
def test_crit_is_refused(validator: Validator, minter: Minter, crit: Any) -> None:
    members = header(minter) | {"crit": crit, "x-unknown": 1, "b64": False}
    assert rejects(validator, minter.key.sign(claims(), members)) == "critical_header_unsupported"


def test_five_part_jwe(validator: Validator) -> None:
    jwe = ".".join(b64url(p) for p in (b'{"alg":"dir","enc":"A128GCM"}', b"", b"iv", b"c", b"t"))
    assert rejects(validator, jwe) == "token_malformed"


def test_duplicate_alg_in_header(validator: Validator, minter: Minter) -> None:
    raw = b'{"alg":"RS256","kid":"rsa-1","typ":"at+jwt","alg":"none"}'
    assert rejects(validator, minter.key.sign(claims(), raw)) == "token_malformed"


# --- claims with the wrong types or absurd values ------------------------------------------


@dataclass(frozen=True)
class ClaimAttack:
    name: str
    payload: Callable[[], str]  # raw JSON text of the claims
    code: str


def _with(**members: str) -> Callable[[], str]:
    """Raw claims JSON with some members spelled verbatim (to use non-standard literals)."""

    def build() -> str:
        base = {k: json.dumps(v) for k, v in claims().items()} | members
        return "{" + ",".join(f'"{name}":{value}' for name, value in base.items()) + "}"

    return build


CLAIM_ATTACKS = [
    ClaimAttack("exp as string", _with(exp='"4102444800"'), "claim_invalid"),
    ClaimAttack("exp as bool", _with(exp="true"), "claim_invalid"),
    ClaimAttack("exp as NaN text", _with(exp='"NaN"'), "claim_invalid"),
    ClaimAttack("exp as NaN literal", _with(exp="NaN"), "token_malformed"),
    ClaimAttack("exp as Infinity literal", _with(exp="Infinity"), "token_malformed"),
    ClaimAttack("exp as 1e400 (inf)", _with(exp="1e400"), "claim_invalid"),
    ClaimAttack("exp as 10**30", _with(exp=str(10**30)), "claim_invalid"),
    ClaimAttack("exp as 5000 digits", _with(exp="9" * 5000), "token_malformed"),
    ClaimAttack("exp negative", _with(exp="-1"), "claim_invalid"),
    ClaimAttack("exp null", _with(exp="null"), "claim_invalid"),
    ClaimAttack("exp as list", _with(exp="[4102444800]"), "claim_invalid"),
    ClaimAttack("nbf as string", _with(nbf='"0"'), "claim_invalid"),
    ClaimAttack("iat as bool", _with(iat="false"), "claim_invalid"),
    ClaimAttack("sub as number", _with(sub="42"), "claim_invalid"),
    ClaimAttack("aud as number", _with(aud="42"), "claim_invalid"),
    ClaimAttack("aud list with a number", _with(aud=f'["{AUDIENCE}", 1]'), "claim_invalid"),
    ClaimAttack("iss as list", _with(iss=f'["{ISSUER}"]'), "claim_invalid"),
    ClaimAttack("duplicate exp", lambda: _with()()[:-1] + ',"exp":4102444800}', "token_malformed"),
    ClaimAttack(
        "duplicate aud", lambda: _with()()[:-1] + f',"aud":"{AUDIENCE}"}}', "token_malformed"
    ),
    ClaimAttack("payload is an array", lambda: "[1,2,3]", "token_malformed"),
    ClaimAttack("payload is a string", lambda: '"claims"', "token_malformed"),
    ClaimAttack(
        "payload is deeply nested",
        lambda: '{"a":' + "[" * 5000 + "]" * 5000 + "}",
        "token_malformed",
    ),
    ClaimAttack("payload is not UTF-8", lambda: '{"sub":"\udcff"}', "token_malformed"),
]


@pytest.mark.parametrize("attack", CLAIM_ATTACKS, ids=lambda a: a.name)
def test_claim_attack(validator: Validator, minter: Minter, attack: ClaimAttack) -> None:
    text = attack.payload()
    data = text.encode("utf-8", "surrogateescape")
    token = minter.key.sign(data, header(minter))
    roomy = Validator(GuardConfig.from_mapping({**_settings(minter), "MAX_TOKEN_BYTES": 65536}))
    assert rejects(roomy, token) == attack.code


def _settings(minter: Minter) -> dict[str, Any]:
    return {"JWKS": minter.jwks(), "ALGORITHMS": ["RS256"], "AUDIENCE": AUDIENCE, "ISSUER": ISSUER}


# --- time travel ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("member", "offset", "code"),
    [
        ("nbf", 61, "token_not_yet_valid"),
        ("nbf", 3600, "token_not_yet_valid"),
        ("iat", 61, "token_issued_in_future"),
        ("iat", 86400 * 365, "token_issued_in_future"),
    ],
)
def test_future_beyond_leeway(
    validator: Validator, minter: Minter, member: str, offset: int, code: str
) -> None:
    fixed_now = 1_900_000_000.0
    pinned = Validator(validator.config, clock=lambda: fixed_now)
    payload = claims(iat=int(fixed_now), exp=int(fixed_now) + 300) | {member: fixed_now + offset}
    token = minter.key.sign(payload, header(minter))
    assert rejects(pinned, token) == code


@pytest.mark.parametrize("member", ["nbf", "iat"])
def test_future_within_leeway_is_accepted(
    validator: Validator, minter: Minter, member: str
) -> None:
    fixed_now = 1_900_000_000.0
    pinned = Validator(validator.config, clock=lambda: fixed_now)
    payload = claims(iat=int(fixed_now), exp=int(fixed_now) + 300) | {member: fixed_now + 59}
    assert pinned.validate(minter.key.sign(payload, header(minter))).subject == "alice"


# --- weak keys are refused when the configuration is built ---------------------------------


@pytest.fixture(scope="module")
def weak_rsa() -> SigningKey:
    return SigningKey("RS256", rsa.generate_private_key(public_exponent=65537, key_size=1024), "w")


def test_rsa_1024_pem_refused(weak_rsa: SigningKey) -> None:
    with pytest.raises(ConfigurationError, match="1024-bit RSA key; at least 2048"):
        GuardConfig(public_key=weak_rsa.public_pem(), algorithms=["RS256"])


def test_rsa_1024_jwk_refused(weak_rsa: SigningKey) -> None:
    with pytest.raises(ConfigurationError, match="1024-bit RSA key"):
        GuardConfig(jwks=weak_rsa.jwks(), algorithms=["RS256"])


@pytest.mark.parametrize("secret", ["x" * 31, b"\x01" * 16, "short"])
def test_short_hmac_secret_refused(secret: str | bytes) -> None:
    with pytest.raises(ConfigurationError, match="at least 32 bytes"):
        GuardConfig(secret=secret, algorithms=["HS256"])


def test_short_oct_jwk_refused() -> None:
    jwk = {"kty": "oct", "k": b64url(b"k" * 20), "kid": "short"}
    with pytest.raises(ConfigurationError, match="at least 32 bytes"):
        GuardConfig(jwks={"keys": [jwk]}, algorithms=["HS256"])


def test_secret_too_short_for_hs512_refused() -> None:
    with pytest.raises(ConfigurationError, match="HS512 needs at least 64"):
        GuardConfig(secret="s" * 40, algorithms=["HS256", "HS512"])


def test_pem_as_hmac_secret_refused(rsa_pem: bytes) -> None:
    with pytest.raises(ConfigurationError, match="looks like a PEM or SSH key"):
        GuardConfig(secret=rsa_pem, algorithms=["HS256"])


@pytest.mark.parametrize("alg", ["none", "NONE", "None"])
def test_none_cannot_be_allowed(minter: Minter, alg: str) -> None:
    with pytest.raises(ConfigurationError, match="may not contain 'none'"):
        GuardConfig(jwks=minter.jwks(), algorithms=["RS256", alg])


def test_signature_that_is_not_base64url(validator: Validator, minter: Minter) -> None:
    head, payload, signature = minter.token().split(".")
    broken = signature[: len(signature) // 4 * 4] + "A"  # a length of 4n + 1 is impossible
    assert rejects(validator, f"{head}.{payload}.{broken}") == "token_malformed"


def test_signed_payload_that_is_not_base64url(validator: Validator, minter: Minter) -> None:
    head = minter.token().split(".")[0]
    signing_input = f"{head}.AAAAA".encode()
    signature = RSAAlgorithm(RSAAlgorithm.SHA256).sign(signing_input, minter.key.private_key)
    assert rejects(validator, f"{head}.AAAAA.{b64url(signature)}") == "token_malformed"
