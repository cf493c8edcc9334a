"""The ``jwtguard`` command, run as a user would: keys made, tokens minted and decoded, and
``explain`` configured from flags over the environment (an app's own configuration is read by
its adapter's ``explain``: see test_explain_command.py in tests/django and tests/flask)."""

from __future__ import annotations

import io
import json
import re
import time
from pathlib import Path

import pytest

from jwtguard import GuardConfig, Validator
from jwtguard.settings import SPECS
from jwtguard.testing import b64url
from jwtguard.tools.cli import build_parser, main
from jwtguard.tools.cli_config import config_flags, load_validator
from jwtguard.tools.keytools import thumbprint
from tests.servers import recording_server

ROOT = Path(__file__).resolve().parents[2]
DEV = ["--iss", "https://dev.jwtguard.local/", "--aud", "api://notes", "--sub", "alice"]


def run(capsys: pytest.CaptureFixture[str], *argv: str, stdin: str = "") -> tuple[int, str]:
    status = main(list(argv), stdin=io.StringIO(stdin))
    captured = capsys.readouterr()
    return status, captured.out + captured.err


@pytest.fixture
def keys(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    status, out = run(capsys, "keygen", "--alg", "RS256", "--kid", "k1", "--out", str(tmp_path))
    assert status == 0
    assert sorted(Path(line).name for line in out.split()) == [
        "jwks.json",
        "private.jwk.json",
        "private.pem",
        "public.pem",
    ]
    return tmp_path


def mint(capsys: pytest.CaptureFixture[str], key: Path, *extra: str) -> str:
    status, out = run(capsys, "mint", "--key", str(key), *extra)
    assert status == 0
    return out.strip()


def test_keygen_formats(capsys: pytest.CaptureFixture[str]) -> None:
    status, out = run(capsys, "keygen", "--alg", "EdDSA", "--kid", "e1", "--format", "jwks")
    assert status == 0
    [jwk] = json.loads(out)["keys"]
    assert (jwk["kty"], jwk["crv"], jwk["kid"], "d" in jwk) == ("OKP", "Ed25519", "e1", False)
    status, out = run(capsys, "keygen", "--alg", "ES256", "--format", "jwk")
    assert (json.loads(out)["crv"], "d" in json.loads(out)) == ("P-256", True)
    status, out = run(capsys, "keygen", "--alg", "ES256", "--format", "pem")
    assert "BEGIN PRIVATE KEY" in out
    assert "BEGIN PUBLIC KEY" in out
    status, out = run(capsys, "keygen", "--alg", "HS256", "--format", "pem")
    assert (status, "has no PEM form" in out) == (2, True)


def test_mint_and_decode(keys: Path, capsys: pytest.CaptureFixture[str]) -> None:
    token = mint(
        capsys, keys / "private.pem", "--kid", "k1", *DEV, "--scope", "notes:read",
        "--expires-in", "5m", "--claim", "roles=[\"admin\"]", "--claim", "tenant=acme",
    )  # fmt: skip
    status, out = run(capsys, "decode", f"Bearer {token}")
    assert status == 0
    assert out.startswith("UNVERIFIED")
    assert '"kid": "k1"' in out
    assert '"alg": "RS256"' in out
    assert '"roles": [\n    "admin"\n  ]' in out
    assert '"tenant": "acme"' in out
    assert re.search(r"\(in (5 min 0|4 min [345]\d) s\)", out)
    status, out = run(capsys, "decode", "--json", stdin=token)
    decoded = json.loads(out)
    assert decoded["unverified"] is True
    assert decoded["claims"]["exp"] - decoded["claims"]["iat"] == 300
    assert run(capsys, "decode", "not-a-token")[0] == 2


def test_explain_with_flags(keys: Path, capsys: pytest.CaptureFixture[str]) -> None:
    token = mint(capsys, keys / "private.jwk.json", *DEV, "--scope", "notes:read")
    config = ["--jwks-file", str(keys / "jwks.json"), "--algorithms", "RS256"]
    config += ["--issuer", "https://dev.jwtguard.local/", "--audience", "api://notes"]
    status, out = run(capsys, "explain", token, *config, "--scope", "notes:read")
    assert status == 0
    assert out.startswith("ACCEPTED")
    assert "[pass] signature: RS256 signature verified with RSA 2048-bit (kid 'k1')" in out
    status, out = run(capsys, "explain", f"Bearer {token}", *config, "--scope", "notes:write")
    assert status == 1
    assert "REFUSED: 403 insufficient_scope" in out
    assert "[FAIL] scopes: missing scope `notes:write` (token has `notes:read`)" in out
    for piece in (token.rsplit(".", 1)[1][:16], token.split(".")[1][:16]):
        assert piece not in out, "explain never prints the token"
        assert piece not in run(capsys, "explain", token, *config, "--json")[1]
    status, out = run(capsys, "explain", token, *config, "--scope", "notes:read notes:write")
    assert (status, "[FAIL] scopes: missing scope `notes:write`" in out) == (1, True)
    status, out = run(capsys, "explain", token, *config, "--any-scope", "notes:admin notes:read")
    assert (
        status,
        "[pass] scopes: has one of `notes:admin notes:read` (token has `notes:read`)" in out,
    ) == (0, True)
    status, out = run(capsys, "explain", "SSWS 00QCjAl4MlV", *config, "--json")
    assert status == 1
    report = json.loads(out)
    assert report["first_failure"]["message"] == "scheme `SSWS` is not `Bearer`"


def test_explain_reads_a_file_and_stdin(
    keys: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    expired = mint(capsys, keys / "private.pem", "--kid", "k1", *DEV, "--expires-in", "0s")
    (tmp_path / "token.txt").write_text(expired + "\n")
    config = ["--jwks-file", str(keys / "jwks.json"), "--algorithms", "RS256", "--leeway", "0"]
    status, out = run(capsys, "explain", "--file", str(tmp_path / "token.txt"), *config)
    assert (status, "401 token_expired" in out, "(leeway 0 s)" in out) == (1, True, True)
    status, out = run(capsys, "explain", "-", *config, stdin=expired)
    assert "401 token_expired" in out


def test_explain_from_the_environment(
    keys: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JWTGUARD_JWKS_FILE", str(keys / "jwks.json"))
    monkeypatch.setenv("JWTGUARD_ALGORITHMS", "RS256")
    monkeypatch.setenv("JWTGUARD_AUDIENCE", "api://other")
    token = mint(capsys, keys / "private.pem", "--kid", "k1", *DEV)
    status, out = run(capsys, "explain", token)
    assert status == 1
    assert "[FAIL] audience: aud ['api://notes'] is not one of ['api://other']" in out
    # A flag beats the environment.
    assert run(capsys, "explain", token, "--audience", "api://notes")[0] == 0


def test_explain_with_a_secret_from_the_environment(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    secret = "correct-horse-battery-staple-0123456789"
    jwk = {"kty": "oct", "k": b64url(secret.encode()), "alg": "HS256", "kid": "h1"}
    (tmp_path / "secret.jwk.json").write_text(json.dumps(jwk))
    token = mint(capsys, tmp_path / "secret.jwk.json", "--sub", "alice")
    monkeypatch.setenv("API_SECRET", secret)
    config = ["--secret-env", "API_SECRET", "--algorithms", "HS256"]
    status, out = run(capsys, "explain", token, *config)
    assert (status, "HMAC secret (39 bytes)" in out) == (0, True)
    assert secret not in out
    monkeypatch.setenv("API_SECRET", secret[::-1])
    status, out = run(capsys, "explain", token, *config)
    assert (status, "[FAIL] signature" in out, secret[::-1] in out) == (1, True, False)
    status, out = run(capsys, "explain", token, "--secret-env", "NOT_SET", "--algorithms", "HS256")
    assert (status, "$NOT_SET is not set" in out) == (2, True)


def test_configuration_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    status, out = run(capsys, "explain", "x.y.z", "--algorithms", "none")
    assert status == 2
    assert "ALGORITHMS may not contain 'none'" in out


def test_flags_come_from_the_settings_table(keys: Path) -> None:
    parser = build_parser()
    flagged = {name for name, spec in SPECS.items() if spec.flag}
    assert set(config_flags()) == flagged | {"SECRET"}
    bare = parser.parse_args(["explain", "t"])
    assert all(hasattr(bare, name) for name in flagged)
    args = parser.parse_args(
        ["explain", "t", "--algorithms", "RS256", "--token-types", "at+jwt", "--token-types",
         "JWT", "--audience", "a,b", "--leeway", "5", "--jwks-file", str(keys / "jwks.json"),
         "--issuer", "https://i/"]
    )  # fmt: skip
    config = load_validator(args, {"JWTGUARD_LEEWAY": "9", "JWTGUARD_SECRET": "s" * 32}).config
    assert (config.token_types, config.audiences, config.leeway) == (
        ("at+jwt", "JWT"),
        ("a", "b"),
        5,
    )
    assert (config.secret, config.issuer) == (None, "https://i/")  # a key-source flag replaces it
    revoking = parser.parse_args(["revoke", "--sub", "alice", "--issuer", "https://i/"])
    assert (revoking.revoke_issuer, getattr(revoking, "ISSUER", None)) == ("https://i/", None)


@pytest.mark.parametrize(
    ("argv", "instead"),
    [
        (["explain", "t", "--django-settings", "config.settings"], "manage.py jwtguard_explain"),
        (["explain", "t", "--flask-app", "app:create_app()"], "jwtguard explain"),
        (["revoke", "--sub", "a", "--flask-app", "app"], "flask --app APP jwtguard revoke"),
        (["revoke", "--sub", "a", "--django-settings", "s"], "manage.py jwtguard_revoke"),
    ],
)
def test_the_app_flags_name_the_adapter_commands_instead(
    capsys: pytest.CaptureFixture[str], argv: list[str], instead: str
) -> None:
    """The command never imports an adapter: an app's configuration is its adapter's command's."""
    with pytest.raises(SystemExit) as exited:
        main(argv)
    assert exited.value.code == 2
    error = capsys.readouterr().err
    assert f"{argv[-2]} is gone: " in error
    assert instead in error


def test_keygen_names_keys_by_their_thumbprint(capsys: pytest.CaptureFixture[str]) -> None:
    status, out = run(capsys, "keygen", "--alg", "RS256", "--format", "jwks")
    [jwk] = json.loads(out)["keys"]
    assert status == 0
    assert jwk["kid"] == thumbprint(jwk)
    # RFC 7638 §3.1's example key and thumbprint.
    example = {
        "kty": "RSA",
        "e": "AQAB",
        "n": "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6t"
        "Soc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQ"
        "R0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWh"
        "AI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw",
    }
    assert thumbprint(example) == "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"


@pytest.mark.parametrize(
    ("args", "problem"),
    [
        (("--alg", "RS256", "--rsa-bits", "1024"), "RSA keys need at least 2048 bits"),
        (("--alg", "HS256", "--format", "pem"), "an HMAC secret has no PEM form"),
    ],
)
def test_keygen_refuses_keys_jwtguard_would_refuse(
    capsys: pytest.CaptureFixture[str], args: tuple[str, ...], problem: str
) -> None:
    status, out = run(capsys, "keygen", *args)
    assert (status, problem in out) == (2, True)


@pytest.mark.parametrize("algorithm", ["HS512", "ES256K", "ES384", "EdDSA", "PS256"])
def test_every_kind_of_key_mints_tokens_the_validator_accepts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], algorithm: str
) -> None:
    status, _out = run(capsys, "keygen", "--alg", algorithm, "--out", str(tmp_path))
    assert status == 0
    source = "private.jwk.json" if algorithm.startswith("HS") else "private.pem"
    token = mint(capsys, tmp_path / source, "--alg", algorithm, *DEV, "--exp-in", "2m")
    config = GuardConfig(
        jwks_file=str(tmp_path / "jwks.json"), algorithms=[algorithm], audience="api://notes"
    )
    access = Validator(config).validate(token)
    assert (access.subject, access.algorithm) == ("alice", algorithm)
    assert access.claims["exp"] - access.claims["iat"] == 120


def test_es512_keys_from_keygen_are_always_accepted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The PyJWT floor (2.10): older releases wrote an EC coordinate with a leading zero byte one
    byte short (three P-521 keys in four), then refused the JWK ("Coords should be 66 bytes for
    curve P-521"). Twelve keys make that near certain to show."""
    for number in range(12):
        out = tmp_path / str(number)
        assert run(capsys, "keygen", "--alg", "ES512", "--out", str(out))[0] == 0
        token = mint(capsys, out / "private.pem", *DEV)
        config = GuardConfig(
            jwks_file=str(out / "jwks.json"), algorithms=["ES512"], audience="api://notes"
        )
        assert Validator(config).validate(token).subject == "alice"


def test_mint_refuses_keys_that_cannot_sign(
    keys: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    public_jwk = json.loads((keys / "jwks.json").read_text())["keys"][0]
    (tmp_path / "public.jwk.json").write_text(json.dumps(public_jwk))
    (tmp_path / "broken.jwk.json").write_text(json.dumps({"kty": "EC", "alg": "ES256", "d": "x"}))
    (tmp_path / "short.jwk.json").write_text(json.dumps({"kty": "oct", "k": b64url(b"short")}))
    cases = {
        (str(keys / "jwks.json"),): "the JWK is a public key",
        (str(tmp_path / "public.jwk.json"),): "the JWK is a public key",
        (str(tmp_path / "broken.jwk.json"),): "is not a usable private key",
        (str(tmp_path / "short.jwk.json"),): "HS256 needs a secret of at least 32 bytes",
        (str(keys / "public.pem"),): "public.pem holds no PEM private key; minting needs one",
        (str(keys / "private.pem"), "--alg", "ES256"): "ES256 needs an EC key on its own curve",
        (str(keys / "private.pem"), "--alg", "EdDSA"): "EdDSA needs an Ed25519 or Ed448 key",
    }
    for (path, *extra), problem in cases.items():
        status, out = run(capsys, "mint", "--key", path, *extra)
        assert (status, problem in out, "Traceback" in out) == (2, True, False), out


def test_mint_can_drop_default_claims_and_decode_shows_times_as_json(
    keys: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    token = mint(capsys, keys / "private.pem", "--claim", "jti=null", "--claim", "nbf=0")
    status, out = run(capsys, "decode", "--json", token)
    decoded = json.loads(out)
    assert status == 0
    assert "jti" not in decoded["claims"]
    assert decoded["times"]["nbf"].startswith("1970-01-01T00:00:00Z (")
    assert re.search(r"\(in (10 min 0|9 min [345]\d) s\)$", decoded["times"]["exp"])


def test_revoke_reaches_the_validator_through_redis(
    keys: Path, capsys: pytest.CaptureFixture[str], redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``jwtguard revoke`` in one place, the API's validator (here: ``explain``) in another."""
    for name, value in {
        "JWTGUARD_JWKS_FILE": str(keys / "jwks.json"),
        "JWTGUARD_ALGORITHMS": "RS256",
        "JWTGUARD_AUDIENCE": "api://notes",
        "JWTGUARD_REVOCATION": "1",
        "JWTGUARD_REDIS_URL": redis_url,
    }.items():
        monkeypatch.setenv(name, value)
    token = mint(capsys, keys / "private.pem", "--kid", "k1", *DEV, "--claim", "jti=j-42")
    status, out = run(capsys, "explain", token)
    assert status == 0, out
    status, out = run(capsys, "revoke", "--jti", "j-42", "--exp", str(int(time.time()) + 600))
    # No ISSUER: iss is not checked, so a revocation holds under every issuer.
    assert (status, out.startswith("revoked jti 'j-42' from every issuer (kept until ")) == (
        0,
        True,
    ), out
    status, out = run(capsys, "explain", token)
    assert (status, "401 token_revoked" in out, "[FAIL] revocation" in out) == (1, True, True)
    status, out = run(capsys, "revoke", "--sub", "alice", "--before", "2020-01-01T00:00:00Z")
    assert status == 0
    assert "tokens of sub 'alice' from every issuer issued before 2020-01-01T00:00:00Z" in out


def test_revoke_under_one_issuer_or_every_issuer(
    keys: Path, capsys: pytest.CaptureFixture[str], redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two trusted issuers: ``--issuer`` or ``--all-issuers`` is required; ``explain`` (the
    validator's reading of the store) sees each revocation under the scoped keys."""
    tenant_a, tenant_b = "https://a.example/", "https://b.example/"
    both = {tenant: {"JWKS_FILE": str(keys / "jwks.json")} for tenant in (tenant_a, tenant_b)}
    for name, value in {
        "JWTGUARD_TRUSTED_ISSUERS": json.dumps(both),
        "JWTGUARD_ALGORITHMS": "RS256",
        "JWTGUARD_AUDIENCE": "api://notes",
        "JWTGUARD_REVOCATION": "1",
        "JWTGUARD_REDIS_URL": redis_url,
    }.items():
        monkeypatch.setenv(name, value)

    def token(issuer: str, *claims: str) -> str:
        minted = ["--iss", issuer, "--aud", "api://notes", "--sub", "alice", *claims]
        return mint(capsys, keys / "private.pem", "--kid", "k1", *minted)

    def revoked(credentials: str) -> bool:
        status, out = run(capsys, "explain", credentials)
        assert status in (0, 1), out
        return "401 token_revoked" in out

    status, out = run(capsys, "revoke", "--jti", "j-1")
    assert (status, "several issuers are trusted" in out) == (2, True), out
    assert "(--issuer ISS), or revoke under every issuer (--all-issuers)" in out
    status, out = run(capsys, "revoke", "--jti", "j-1", "--issuer", "https://c.example/")
    assert (status, "'https://c.example/' is not a trusted issuer" in out) == (2, True), out
    with pytest.raises(SystemExit) as parse_error:
        run(capsys, "revoke", "--jti", "j-1", "--issuer", tenant_a, "--all-issuers")
    assert parse_error.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err

    status, out = run(capsys, "revoke", "--jti", "j-1", "--issuer", tenant_a)
    assert (status, out.startswith(f"revoked jti 'j-1' from iss {tenant_a!r} (kept")) == (0, True)
    assert revoked(token(tenant_a, "--claim", "jti=j-1"))
    assert not revoked(token(tenant_b, "--claim", "jti=j-1"))

    of_a, of_b = token(tenant_a), token(tenant_b)  # issued before the revocation
    status, out = run(capsys, "revoke", "--sub", "alice", "--issuer", tenant_b)
    assert (status, f"tokens of sub 'alice' from iss {tenant_b!r}" in out) == (0, True), out
    assert revoked(of_b)
    assert not revoked(of_a)

    status, out = run(capsys, "revoke", "--jti", "j-2", "--all-issuers")
    assert (status, "revoked jti 'j-2' from every issuer" in out) == (0, True), out
    assert revoked(token(tenant_a, "--claim", "jti=j-2"))
    assert revoked(token(tenant_b, "--claim", "jti=j-2"))


def test_revoke_refuses_a_store_no_api_can_see(
    keys: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JWTGUARD_REVOCATION", "1")
    config = ["--jwks-file", str(keys / "jwks.json"), "--algorithms", "RS256"]
    status, out = run(capsys, "revoke", "--sub", "alice", *config)
    assert (status, "cannot reach the running API" in out) == (2, True)


def test_explain_against_a_jwks_url(keys: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Remote keys: the known kids are listed; an unreachable key server is a 503 verdict."""
    token = mint(capsys, keys / "private.pem", "--kid", "k7", *DEV)
    with recording_server() as server:
        server.serve_json("/keys", json.loads((keys / "jwks.json").read_text()))
        config = ["--jwks-url", server.url + "/keys", "--algorithms", "RS256"]
        status, out = run(capsys, "explain", token, *config, "--audience", "api://notes")
        assert status == 1
        assert "[FAIL] key: `kid` 'k7' not among the trusted keys ['k1']" in out
        server.stop()
        status, out = run(capsys, "explain", token, *config, "--audience", "api://notes")
    assert (status, "REFUSED: 503 key_source_unavailable" in out) == (1, True), out
    assert "fix: this machine cannot reach the identity provider's keys" in out
