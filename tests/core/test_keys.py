"""Key sources: parsing once, binding to algorithms, selection by kid."""

from __future__ import annotations

import datetime
import os
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID

from jwtguard import AlgorithmNotAllowed, ConfigurationError, GuardConfig, UnknownKey, Validator
from jwtguard.keys import SUPPORTED_ALGORITHMS, KeySet, load_jwks
from jwtguard.testing import SigningKey, generate_key
from tests.contract import Minter


@pytest.mark.parametrize("alg", SUPPORTED_ALGORITHMS)
def test_every_algorithm_round_trips_through_a_jwks(alg: str) -> None:
    key = generate_key(alg, kid=f"{alg}-kid")
    validator = Validator(GuardConfig(jwks=key.jwks(), algorithms=[alg]))
    token = validator.validate(key.token(sub="alice"))
    assert (token.subject, token.algorithm, token.key_id) == ("alice", alg, f"{alg}-kid")


@pytest.mark.parametrize("alg", ["RS256", "PS384", "ES256", "ES384", "ES512", "EdDSA"])
def test_pem_public_key(alg: str) -> None:
    key = generate_key(alg, kid=None)
    validator = Validator(GuardConfig(public_key=key.public_pem(), algorithms=[alg]))
    assert validator.validate(key.token(sub="bob")).subject == "bob"


def test_pem_certificate(minter: Minter) -> None:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "idp")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(minter.key.public_key())
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(minter.key.private_key, hashes.SHA256())
    )
    config = GuardConfig(public_key=certificate.public_bytes(Encoding.PEM), algorithms=["RS256"])
    assert Validator(config).validate(minter.key.token(sub="c")).subject == "c"


def test_unnamed_key_serves_tokens_with_any_kid() -> None:
    """A single configured key has no kid; IdPs add one anyway (Auth0, Cognito)."""
    key = generate_key("ES256", kid="from-the-idp")
    validator = Validator(GuardConfig(public_key=key.public_pem(), algorithms=["ES256"]))
    assert validator.validate(key.token(sub="x")).subject == "x"


def test_secret_as_str_and_bytes() -> None:
    for secret in ("a" * 32, b"\xff" * 32):
        key = SigningKey("HS256", secret if isinstance(secret, bytes) else secret.encode())
        validator = Validator(GuardConfig(secret=secret, algorithms=["HS256"]))
        assert validator.validate(key.token(sub="s")).subject == "s"


def test_jwks_skips_unusable_keys_and_reports_them() -> None:
    good = generate_key("RS256", kid="sig")
    jwks = {
        "keys": [
            good.public_jwk(),
            generate_key("RS256", kid="enc").public_jwk() | {"use": "enc"},
            {"kty": "XYZ", "kid": "alien"},
            generate_key("RS256", kid="ops").public_jwk() | {"key_ops": ["encrypt"]},
            generate_key("ES256", kid="ec").public_jwk(),
            generate_key("RS256", kid="rsa-oaep").public_jwk() | {"alg": "RSA-OAEP"},
        ]
    }
    result = load_jwks(jwks, ["RS256"])
    assert [key.kid for key in result.keys] == ["sig"]
    assert result.problems == []
    skipped = "\n".join(result.skipped)
    for kid in ("enc", "alien", "ops", "ec", "rsa-oaep"):
        assert f"kid {kid!r}" in skipped


def test_jwk_alg_pins_the_key() -> None:
    key = generate_key("RS256", kid="pinned")
    key_set = KeySet(load_jwks(key.jwks(), ["RS256", "PS256"]).keys)
    assert key_set.candidates("pinned", "RS256")
    with pytest.raises(AlgorithmNotAllowed):
        key_set.candidates("pinned", "PS256")


def test_jwk_alg_that_contradicts_the_key_type_is_a_problem() -> None:
    jwk = generate_key("ES256", kid="ec").public_jwk() | {"alg": "RS256"}
    assert (
        "is an EC secp256r1 key but its alg is RS256"
        in load_jwks(jwk, ["RS256"]).problems[0].message
    )


def test_selection_by_kid_during_rotation() -> None:
    old, new = generate_key("RS256", kid="2026-10"), generate_key("RS256", kid="2026-11")
    validator = Validator(GuardConfig(jwks=old.jwks(new), algorithms=["RS256"]))
    assert validator.validate(old.token(sub="o")).subject == "o"
    assert validator.validate(new.token(sub="n")).subject == "n"
    with pytest.raises(UnknownKey):
        validator.key_source.candidates("2026-12", "RS256")


def test_token_without_kid_tries_keys_of_its_algorithm_up_to_the_maximum() -> None:
    first, second = generate_key("ES256", kid="a"), generate_key("ES256", kid="b")
    token = second.sign({"sub": "z", "exp": 4_000_000_000}, {"alg": "ES256"})
    config = GuardConfig(jwks=first.jwks(second), algorithms=["ES256"], max_keys_without_kid=2)
    assert Validator(config).validate(token).subject == "z"
    with pytest.raises(UnknownKey, match="unknown key"):  # the default tries one key at most
        Validator(GuardConfig(jwks=first.jwks(second), algorithms=["ES256"])).validate(token)


def test_unknown_key_detail_never_echoes_huge_kids() -> None:
    key_set = KeySet(load_jwks(generate_key("RS256", kid="k").jwks(), ["RS256"]).keys)
    with pytest.raises(UnknownKey) as caught:
        key_set.candidates("x" * 5000, "RS256")
    assert len(caught.value.detail) < 200


@pytest.mark.parametrize(
    ("document", "problem"),
    [
        ("[1, 2]", "JWKS must be a JSON object"),
        ({"keys": {"kty": "RSA"}}, 'JWKS "keys" must be a list'),
        ({"keys": ["not a key"]}, "JWKS key #0 is not a JSON object"),
        ({"keys": [{"kty": "RSA", "kid": 5}]}, "JWKS key #0 has a non-string kid"),
        (
            {"keys": [{"kty": "RSA", "kid": "r", "n": "AQAB"}]},
            "JWKS key #0 (kid 'r') is not a valid RSA JWK",
        ),
        (
            {"keys": [{"kty": "EC", "kid": "e", "crv": "P-256", "x": "AA", "y": "AA"}]},
            "JWKS key #0 (kid 'e') is not a valid EC JWK",
        ),
        ({"keys": [{"kty": "oct", "kid": "o"}]}, "JWKS key #0 (kid 'o') is not a valid oct JWK"),
        (
            {"keys": [{"kty": "OKP", "kid": "x", "crv": "X25519", "x": "AA"}]},
            "JWKS key #0 (kid 'x') is not a valid OKP JWK",
        ),
    ],
)
def test_broken_jwks_documents_are_configuration_problems(document: object, problem: str) -> None:
    result = load_jwks(document, ["RS256", "ES256", "HS256", "EdDSA"])  # type: ignore[arg-type]
    assert result.keys == []
    assert result.problems[0].message.startswith(problem)


def test_broken_pem_is_a_configuration_problem() -> None:
    with pytest.raises(ConfigurationError, match="PUBLIC_KEY is not a PEM public key"):
        GuardConfig(
            public_key="-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n",
            algorithms=["RS256"],
        )


def test_unreadable_key_file_is_a_configuration_problem(tmp_path: Path) -> None:
    directory_as_file = tmp_path / "keys.pem"
    directory_as_file.write_bytes(b"")
    directory_as_file.chmod(0)
    if os.access(directory_as_file, os.R_OK):  # root reads anything: use a non-PEM instead
        directory_as_file.chmod(0o600)
        directory_as_file.write_bytes(b"not a key")
    with pytest.raises(ConfigurationError, match="PUBLIC_KEY_FILE"):
        GuardConfig(public_key_file=str(directory_as_file), algorithms=["RS256"])
