"""Bounded work per forged token (issue 11 §5): however many keys are trusted, a token that does
not name its key by ``kid`` is checked against at most ``MAX_KEYS_WITHOUT_KID`` of them, and
against none of a key set fetched from a URL; a token whose ``kid`` many keys share is checked
against at most as many. Signature verifications are counted, not timed."""

from __future__ import annotations

import io
import json
import logging
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from jwtguard import AuthError, ConfigurationError, GuardConfig, Validator
from jwtguard.keys import KeySet, StaticKeySource, TrustedKey, load_jwks
from jwtguard.testing import SigningKey, generate_key
from jwtguard.tools.cli import main
from jwtguard.tools.explain import explain
from tests.servers import RecordingServer, recording_server

SIZES = (1, 10, 100)
FORGED_HEADERS = {
    "no kid": {"alg": "ES256", "typ": "JWT"},
    "unknown kid": {"alg": "ES256", "typ": "JWT", "kid": "nobody-knows"},
}


class Verifications:
    """Counts every signature verification made through a trusted key."""

    def __init__(self) -> None:
        self.count = 0


@pytest.fixture
def verifications(monkeypatch: pytest.MonkeyPatch) -> Verifications:
    counter = Verifications()
    verify = TrustedKey.verify

    def counting(self: TrustedKey, algorithm: str, signing_input: bytes, sig: bytes) -> bool:
        counter.count += 1
        return verify(self, algorithm, signing_input, sig)

    monkeypatch.setattr(TrustedKey, "verify", counting)
    return counter


@pytest.fixture(scope="module")
def many_keys() -> list[SigningKey]:
    return [generate_key("ES256", kid=f"k{index}") for index in range(max(SIZES))]


@pytest.fixture(scope="module")
def stranger() -> SigningKey:
    return generate_key("ES256", kid=None)


@pytest.fixture
def server() -> Iterator[RecordingServer]:
    with recording_server() as running:
        yield running


def jwks(keys: list[SigningKey], *, named: bool) -> dict[str, Any]:
    entries = [key.public_jwk() for key in keys]
    if not named:
        for entry in entries:
            del entry["kid"]
    return {"keys": entries}


def refusal(check: Validator, token: str) -> AuthError | None:
    try:
        check.validate(token)
    except AuthError as error:
        return error
    return None


@pytest.mark.parametrize("maximum", [1, 3])
@pytest.mark.parametrize("named", [True, False], ids=["keys with kid", "keys without kid"])
@pytest.mark.parametrize("forged", list(FORGED_HEADERS))
@pytest.mark.parametrize("size", SIZES)
def test_the_work_per_forged_token_stays_constant_as_the_key_set_grows(
    verifications: Verifications,
    many_keys: list[SigningKey],
    stranger: SigningKey,
    size: int,
    forged: str,
    named: bool,
    maximum: int,
) -> None:
    config = GuardConfig(
        jwks=jwks(many_keys[:size], named=named),
        algorithms=["ES256"],
        max_keys_without_kid=maximum,
    )
    check = Validator(config)
    token = stranger.sign({"sub": "mallory", "exp": 4_000_000_000}, FORGED_HEADERS[forged])
    verifications.count = 0
    for _ in range(5):
        error = refusal(check, token)
        assert error is not None
        assert error.status == 401
        assert error.code in ("unknown_key", "signature_invalid")
    assert verifications.count <= 5 * maximum, f"{verifications.count} verifications"
    assert error is not None
    falls_back = forged == "no kid" or not named  # an unknown kid falls back to unnamed keys
    if falls_back and size > maximum:
        assert (error.code, verifications.count) == ("unknown_key", 0)
        assert f"at most MAX_KEYS_WITHOUT_KID={maximum}" in error.detail


def test_a_kid_still_finds_its_key_among_many(
    verifications: Verifications, many_keys: list[SigningKey]
) -> None:
    check = Validator(GuardConfig(jwks=jwks(many_keys, named=True), algorithms=["ES256"]))
    assert check.validate(many_keys[57].token(sub="alice")).subject == "alice"
    assert verifications.count == 1


def test_the_refusal_says_why_and_how_to_fix_it(many_keys: list[SigningKey]) -> None:
    named = Validator(GuardConfig(jwks=jwks(many_keys[:5], named=True), algorithms=["ES256"]))
    error = refusal(named, many_keys[0].sign({"sub": "a"}, {"alg": "ES256"}))
    assert error is not None
    assert error.code == "unknown_key"
    assert error.description == "The token was signed by an unknown key"
    assert error.detail.startswith(
        "the token has no kid and 5 trusted keys fit ES256; at most MAX_KEYS_WITHOUT_KID=1 is "
        "tried: give the keys a kid"
    )
    unnamed = Validator(GuardConfig(jwks=jwks(many_keys[:3], named=False), algorithms=["ES256"]))
    error = refusal(unnamed, many_keys[0].sign({"sub": "a"}, {"alg": "ES256", "kid": "x"}))
    assert error is not None
    assert error.detail.startswith(
        "kid 'x' is not among the trusted keys, and 3 keys without kid fit ES256; at most "
        "MAX_KEYS_WITHOUT_KID=1 is tried"
    )


def test_explain_reports_the_same_refusal(many_keys: list[SigningKey]) -> None:
    check = Validator(GuardConfig(jwks=jwks(many_keys[:5], named=True), algorithms=["ES256"]))
    token = many_keys[0].sign({"sub": "a", "exp": 4_000_000_000}, {"alg": "ES256"})
    error = refusal(check, token)
    assert error is not None
    explanation = explain(token, check)
    failure = explanation.first_failure
    assert failure is not None
    assert (explanation.status, explanation.code) == (401, "unknown_key")
    assert (failure.step, failure.code, failure.message) == ("key", "unknown_key", error.detail)
    assert failure.fix is not None
    assert "MAX_KEYS_WITHOUT_KID" in failure.fix


@pytest.mark.parametrize("kid", [None, "whatever-the-idp-adds"])
def test_a_single_configured_key_without_kid_serves_tokens_with_or_without_kid(
    kid: str | None,
) -> None:
    secret = generate_key("HS256", kid=None)
    pem = generate_key("RS256", kid=None)
    for key, config in (
        (secret, GuardConfig(secret=secret.private_key, algorithms=["HS256"])),
        (pem, GuardConfig(public_key=pem.public_pem(), algorithms=["RS256"])),
    ):
        header = {"alg": key.algorithm} | ({"kid": kid} if kid else {})
        assert Validator(config).validate(key.token(sub="s", header=header)).subject == "s"


# --- keys fetched from a URL are selected by kid only ---------------------------------------


def remote_validator(server: RecordingServer) -> Validator:
    return Validator(
        GuardConfig(
            jwks_url=server.url + "/keys",
            algorithms=["ES256"],
            jwks_refetch_cooldown=0,  # nothing but the rule itself may hold a fetch back
        )
    )


@pytest.mark.parametrize("size", SIZES)
def test_a_remote_key_set_requires_kid_and_never_fetches_for_a_token_without_one(
    server: RecordingServer,
    verifications: Verifications,
    many_keys: list[SigningKey],
    stranger: SigningKey,
    size: int,
) -> None:
    server.serve_json("/keys", jwks(many_keys[:size], named=True))
    check = remote_validator(server)
    forged = stranger.sign({"sub": "mallory", "exp": 4_000_000_000}, FORGED_HEADERS["no kid"])
    error = refusal(check, forged)  # on a cold cache
    assert error is not None
    assert (error.status, error.code) == (401, "unknown_key")
    assert "keys fetched from a URL are selected by kid only" in error.detail
    assert server.hits() == 0, "a token without kid caused a fetch"
    assert check.validate(many_keys[0].token(sub="alice")).subject == "alice"
    assert server.hits() == 1
    verifications.count = 0
    for _ in range(5):
        error = refusal(check, forged)
        assert error is not None
        assert error.code == "unknown_key"
    assert verifications.count == 0
    assert server.hits() == 1, "a token without kid caused a refetch"
    # An honest token without kid signed by a trusted key is refused all the same.
    honest = many_keys[0].sign({"sub": "alice", "exp": 4_000_000_000}, {"alg": "ES256"})
    error = refusal(check, honest)
    assert error is not None
    assert error.code == "unknown_key"


def test_explain_reports_the_remote_refusal_without_fetching(
    server: RecordingServer, many_keys: list[SigningKey]
) -> None:
    server.serve_json("/keys", jwks(many_keys[:3], named=True))
    token = many_keys[0].sign({"sub": "alice", "exp": 4_000_000_000}, {"alg": "ES256"})
    explanation = explain(token, remote_validator(server))
    failure = explanation.first_failure
    assert failure is not None
    assert (explanation.code, failure.step) == ("unknown_key", "key")
    assert "keys fetched from a URL are selected by kid only" in failure.message
    assert server.hits() == 0


# --- several keys under one kid ----------------------------------------------------------------


def sharing(keys: list[SigningKey], kid: str = "shared") -> dict[str, Any]:
    """A JWK Set in which every key of ``keys`` has the same ``kid``."""
    return {"keys": [key.public_jwk() | {"kid": kid} for key in keys]}


def shared_kid_token(key: SigningKey, sub: str = "alice") -> str:
    return key.sign({"sub": sub, "exp": 4_000_000_000}, {"alg": "ES256", "kid": "shared"})


@pytest.mark.parametrize("maximum", [1, 3])
@pytest.mark.parametrize("size", SIZES)
def test_a_static_set_with_more_keys_under_one_kid_than_the_maximum_is_refused(
    many_keys: list[SigningKey], size: int, maximum: int
) -> None:
    settings = {"JWKS": sharing(many_keys[:size]), "ALGORITHMS": ["ES256"]}
    settings["MAX_KEYS_WITHOUT_KID"] = maximum
    if size <= maximum:
        GuardConfig.from_mapping(settings)
        return
    with pytest.raises(ConfigurationError) as caught:
        GuardConfig.from_mapping(settings)
    problems = caught.value.problems
    assert len(problems) == size - maximum
    assert problems[0] == (
        f"JWKS key #{maximum} (kid 'shared'): its kid already names {maximum} "
        f"key{'' if maximum == 1 else 's'} for ES256, the most a token is tried against "
        f"(MAX_KEYS_WITHOUT_KID={maximum}): give each key its own kid, or raise "
        "MAX_KEYS_WITHOUT_KID (at most 10)"
    )
    assert problems[-1].startswith(f"JWKS key #{size - 1} (kid 'shared'): ")


@pytest.mark.parametrize("maximum", [1, 3])
def test_keys_sharing_a_kid_up_to_the_maximum_each_verify_their_tokens(
    verifications: Verifications, many_keys: list[SigningKey], stranger: SigningKey, maximum: int
) -> None:
    config = GuardConfig(
        jwks=sharing(many_keys[:maximum]), algorithms=["ES256"], max_keys_without_kid=maximum
    )
    check = Validator(config)
    for index, key in enumerate(many_keys[:maximum]):
        assert check.validate(shared_kid_token(key, f"user{index}")).subject == f"user{index}"
    verifications.count = 0
    for _ in range(5):
        error = refusal(check, shared_kid_token(stranger))
        assert error is not None
        assert error.code == "signature_invalid"
    assert verifications.count == 5 * maximum


def test_a_key_set_built_by_hand_keeps_the_first_keys_of_a_kid(
    verifications: Verifications, many_keys: list[SigningKey], stranger: SigningKey
) -> None:
    loaded = load_jwks(sharing(many_keys), ["ES256"]).keys
    key_set = KeySet(loaded, max_without_kid=2)
    assert key_set.keys == tuple(loaded[:2])
    assert len(key_set.left_out) == len(many_keys) - 2
    config = GuardConfig(jwks=many_keys[0].jwks(), algorithms=["ES256"])
    check = Validator(config, key_source=StaticKeySource(key_set))
    assert check.validate(shared_kid_token(many_keys[1])).subject == "alice"
    verifications.count = 0
    assert refusal(check, shared_kid_token(stranger)) is not None
    assert verifications.count == 2


def test_one_kid_may_name_a_key_per_algorithm(verifications: Verifications) -> None:
    # Different key types under one kid (RFC 7517 §4.5) or one RSA key published once per alg:
    # no algorithm has more than one key, so nothing is refused.
    rsa, ec = generate_key("RS256", kid="same"), generate_key("ES256", kid="same")
    entries = [
        rsa.public_jwk() | {"alg": "RS256"},
        rsa.public_jwk() | {"alg": "PS256"},
        ec.public_jwk(),
    ]
    config = GuardConfig(jwks={"keys": entries}, algorithms=["RS256", "PS256", "ES256"])
    assert config.key_set.left_out == ()
    check = Validator(config)
    ps256 = rsa.sign({"sub": "p", "exp": 4_000_000_000}, algorithm="PS256")
    for token, subject in ((rsa.token(sub="r"), "r"), (ps256, "p"), (ec.token(sub="e"), "e")):
        assert check.validate(token).subject == subject
    assert verifications.count == 3


@pytest.mark.parametrize("maximum", [1, 3])
@pytest.mark.parametrize("size", SIZES)
def test_a_fetched_set_keeps_the_first_keys_under_one_kid_and_logs_the_others(
    server: RecordingServer,
    verifications: Verifications,
    many_keys: list[SigningKey],
    stranger: SigningKey,
    caplog: pytest.LogCaptureFixture,
    size: int,
    maximum: int,
) -> None:
    caplog.set_level(logging.WARNING, logger="jwtguard")
    server.serve_json("/keys", sharing(many_keys[:size]))
    config = GuardConfig(
        jwks_url=server.url + "/keys",
        algorithms=["ES256"],
        jwks_refetch_cooldown=0,
        max_keys_without_kid=maximum,
    )
    check = Validator(config)
    assert check.validate(shared_kid_token(many_keys[0])).subject == "alice"
    ignored = [r.getMessage() for r in caplog.records if "its kid already names" in r.getMessage()]
    assert len(ignored) == max(0, size - maximum)
    if ignored:
        assert ignored[0].startswith(
            f"jwtguard: ignoring a key from {server.url}/keys: {server.url}/keys key #{maximum} "
            "(kid 'shared'): its kid already names"
        )
    verifications.count = 0
    for _ in range(5):
        error = refusal(check, shared_kid_token(stranger))
        assert error is not None
        assert error.code == "signature_invalid"
    assert verifications.count == 5 * min(size, maximum), f"{verifications.count} verifications"
    for index, key in enumerate(many_keys[: min(size, maximum + 1)]):
        error = refusal(check, shared_kid_token(key))
        assert (error is None) == (index < maximum), f"key #{index}: {error}"


# --- the setting ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        (0, "MAX_KEYS_WITHOUT_KID must be between 1 and 10, got 0"),
        (11, "MAX_KEYS_WITHOUT_KID must be between 1 and 10, got 11"),
        (1000, "MAX_KEYS_WITHOUT_KID must be between 1 and 10, got 1000"),
        (2.5, "MAX_KEYS_WITHOUT_KID must be an integer"),
        (True, "MAX_KEYS_WITHOUT_KID must be an integer"),
        ("two", "MAX_KEYS_WITHOUT_KID: expected an integer, got 'two'"),
    ],
)
def test_max_keys_without_kid_is_checked(value: object, problem: str) -> None:
    key = generate_key("ES256", kid="k")
    with pytest.raises(ConfigurationError) as caught:
        GuardConfig.from_mapping(
            {"JWKS": key.jwks(), "ALGORITHMS": ["ES256"], "MAX_KEYS_WITHOUT_KID": value}
        )
    assert problem in caught.value.problems


def test_max_keys_without_kid_from_the_environment(
    verifications: Verifications, many_keys: list[SigningKey], tmp_path: Path
) -> None:
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps(jwks(many_keys[:3], named=True)))
    config = GuardConfig.from_env(
        {
            "JWTGUARD_JWKS_FILE": str(path),
            "JWTGUARD_ALGORITHMS": "ES256",
            "JWTGUARD_MAX_KEYS_WITHOUT_KID": "3",
        }
    )
    assert config.max_keys_without_kid == 3
    token = many_keys[2].sign({"sub": "carol", "exp": 4_000_000_000}, {"alg": "ES256"})
    assert Validator(config).validate(token).subject == "carol"
    assert verifications.count == 3
    default = GuardConfig.from_env(
        {"JWTGUARD_JWKS_FILE": str(path), "JWTGUARD_ALGORITHMS": "ES256"}
    )
    assert default.max_keys_without_kid == 1
    error = refusal(Validator(default), token)
    assert error is not None
    assert error.code == "unknown_key"


def test_jwtguard_explain_takes_the_setting_as_a_flag(
    many_keys: list[SigningKey],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in [name for name in os.environ if name.startswith("JWTGUARD_")]:
        monkeypatch.delenv(name)
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps(jwks(many_keys[:3], named=True)))
    token = many_keys[1].sign({"sub": "carol", "exp": 4_000_000_000}, {"alg": "ES256"})
    argv = ["explain", token, "--jwks-file", str(path), "--algorithms", "ES256"]
    assert main(argv, stdin=io.StringIO("")) == 1
    out = capsys.readouterr().out
    assert "REFUSED: 401 unknown_key" in out
    assert "[FAIL] key: the token has no kid and 3 trusted keys fit ES256" in out
    assert main([*argv, "--max-keys-without-kid", "3"], stdin=io.StringIO("")) == 0
    assert "ACCEPTED" in capsys.readouterr().out
