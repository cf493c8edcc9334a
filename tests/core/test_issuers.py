"""Several issuers done right (issue 14 §4), against real JWKS servers on 127.0.0.1: every key is
bound to the issuer it came from (``TRUSTED_ISSUERS``), so a key of issuer A never verifies a
token claiming issuer B, static or fetched; static keys beside several ``ISSUER`` values are a
configuration problem; multi-tenant issuer templates (Entra's ``{tenantid}``) are matched against
the token's tenant claim and an optional list of tenants, with the shared keys fetched once; and
the replay and revocation entries of a template's tenants are each their own issuer's."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from jwtguard import (
    AuthError,
    ConfigurationError,
    GuardConfig,
    IssuerInvalid,
    MemoryStore,
    TokenReplayed,
    TokenRevoked,
    Validator,
)
from jwtguard.issuers import Issuers, IssuerTemplate, template_problem
from jwtguard.keys.keyset import IssuerKeySources
from jwtguard.testing import SigningKey, generate_key
from jwtguard.tools.cli import build_parser, main
from jwtguard.tools.cli_config import load_validator
from jwtguard.tools.explain import explain
from tests.servers import RecordingServer, recording_server

AUDIENCE = "api://notes"
A, B = "https://issuer-a.example/", "https://issuer-b.example/"
ENTRA = "https://login.example.com/{tenantid}/v2.0"
T1, T2, T3 = (
    "6e2f1a4b-0000-4000-8000-0000000000a1",
    "6e2f1a4b-0000-4000-8000-0000000000b2",
    "6e2f1a4b-0000-4000-8000-0000000000c3",
)
COMMON_KEYS = "/common/discovery/v2.0/keys"


def tenant(tid: str) -> str:
    return ENTRA.replace("{tenantid}", tid)


@pytest.fixture(scope="module")
def keys() -> dict[str, SigningKey]:
    """Each issuer's signing keys; ``b-named-a`` is a key of B with the kid of A's key."""
    return {
        "a": generate_key("ES256", kid="a-1"),
        "a2": generate_key("ES256", kid="a-2"),
        "b": generate_key("ES256", kid="b-1"),
        "b-named-a": generate_key("ES256", kid="a-1"),
        "common": generate_key("RS256", kid="common-1"),
    }


@pytest.fixture
def idp(keys: dict[str, SigningKey]) -> Iterator[RecordingServer]:
    """B's keys at ``/b/keys``; the keys every tenant shares at :data:`COMMON_KEYS`."""
    with recording_server() as server:
        server.serve_json("/b/keys", keys["b"].jwks(keys["b-named-a"]))
        server.serve_json(COMMON_KEYS, keys["common"].jwks())
        yield server


def validator(**settings: Any) -> Validator:
    base = {"ALGORITHMS": ["ES256", "RS256"], "AUDIENCE": AUDIENCE}
    return Validator(GuardConfig.from_mapping(base | settings))


def token(key: SigningKey, iss: str | None, **claims: Any) -> str:
    return key.token(iss=iss, aud=AUDIENCE, sub="alice", **claims)


def refusal(check: Validator, jwt: str) -> AuthError:
    with pytest.raises(AuthError) as caught:
        check.validate(jwt)
    return caught.value


def problems(**settings: Any) -> list[tuple[str | None, str, str]]:
    base = {"ALGORITHMS": ["ES256", "RS256"]}
    with pytest.raises(ConfigurationError) as caught:
        GuardConfig.from_mapping(base | settings)
    return [(p.setting, p.code, p.message) for p in caught.value.issues]


# --- static keys and several issuers: the old settings -----------------------------------------


@pytest.mark.parametrize("source", ["SECRET", "PUBLIC_KEY", "JWKS", "PUBLIC_KEY_FILE", "JWKS_FILE"])
def test_static_keys_beside_several_issuers_are_a_configuration_problem(
    source: str, keys: dict[str, SigningKey], tmp_path: Path
) -> None:
    """Before, the keys were trusted for every ISSUER: a key of A verified tokens claiming B."""
    hmac = generate_key("HS256", kid=None)
    value: Any = {
        "SECRET": hmac.private_key,
        "PUBLIC_KEY": keys["a"].public_pem(),
        "JWKS": keys["a"].jwks(keys["b"]),
    }.get(source)
    if source.endswith("_FILE"):
        path = tmp_path / "keys"
        path.write_bytes(
            keys["a"].public_pem()
            if source == "PUBLIC_KEY_FILE"
            else json.dumps(keys["a"].jwks()).encode()
        )
        value = str(path)
    algorithms = ["HS256"] if source == "SECRET" else ["ES256"]
    [(setting, code, message)] = problems(ISSUER=[A, B], ALGORITHMS=algorithms, **{source: value})
    assert (setting, code) == ("ISSUER", "issuer_invalid")
    assert message.startswith(
        f"{source} would be trusted for each of the 2 ISSUER values, so a key of one issuer "
        "would verify tokens claiming another: give each issuer its own keys in TRUSTED_ISSUERS"
    )
    one = GuardConfig.from_mapping({"ISSUER": A, "ALGORITHMS": algorithms, source: value})
    assert one.issuers == (A,), "one issuer with static keys is unchanged"


def test_a_jwks_url_still_serves_several_names_of_one_provider(
    idp: RecordingServer, keys: dict[str, SigningKey]
) -> None:
    """One publisher's document under several names (Google's two spellings) stays valid."""
    check = validator(ISSUER=[A, B], JWKS_URL=idp.url + "/b/keys")
    assert check.validate(token(keys["b"], A)).issuer == A
    assert check.validate(token(keys["b"], B)).issuer == B
    assert idp.hits("/b/keys") == 1


# --- a key source per issuer -------------------------------------------------------------------


def per_issuer(idp: RecordingServer, keys: dict[str, SigningKey]) -> Validator:
    """A with static keys, B with keys fetched from its own URL."""
    return validator(
        TRUSTED_ISSUERS={
            A: {"JWKS": keys["a"].jwks(keys["a2"])},
            B: {"JWKS_URL": idp.url + "/b/keys"},
        }
    )


def test_each_issuer_is_verified_with_its_own_keys(
    idp: RecordingServer, keys: dict[str, SigningKey]
) -> None:
    check = per_issuer(idp, keys)
    assert check.validate(token(keys["a"], A)).issuer == A
    assert check.validate(token(keys["b"], B)).issuer == B
    assert idp.hits("/b/keys") == 1
    assert isinstance(check.key_source, IssuerKeySources)


def test_a_static_key_of_one_issuer_never_verifies_another_issuers_token(
    idp: RecordingServer, keys: dict[str, SigningKey]
) -> None:
    """A's keys (static) signing tokens that claim B: B's fetched keys are asked, never A's."""
    check = per_issuer(idp, keys)
    unknown = refusal(check, token(keys["a2"], B))
    assert (unknown.code, unknown.detail) == (
        "unknown_key",
        "kid 'a-2' is not among the trusted keys",
    )
    # B's own set names a key of B like A's key: B's key is tried, and A's signature fails it.
    collided = refusal(check, token(keys["a"], B))
    assert (collided.code, "signature does not match" in collided.detail) == (
        "signature_invalid",
        True,
    )
    assert check.validate(token(keys["b-named-a"], B)).issuer == B


def test_a_fetched_key_of_one_issuer_never_verifies_another_issuers_token(
    idp: RecordingServer, keys: dict[str, SigningKey]
) -> None:
    check = per_issuer(idp, keys)
    assert refusal(check, token(keys["b"], A)).code == "unknown_key"
    forged = refusal(check, token(keys["b-named-a"], A))  # B's key, under A's key's kid
    assert (forged.code, "signature does not match" in forged.detail) == (
        "signature_invalid",
        True,
    )
    assert idp.hits("/b/keys") == 0, "a token claiming A never fetches B's keys"


def test_an_untrusted_issuer_is_refused_before_anything_is_fetched(
    idp: RecordingServer, keys: dict[str, SigningKey]
) -> None:
    check = per_issuer(idp, keys)
    refused = refusal(check, token(keys["b"], "https://evil.example/"))
    assert (refused.code, refused.description) == ("issuer_invalid", "Unexpected issuer")
    assert refused.detail == (
        f"iss 'https://evil.example/' is not one of the trusted issuers {[A, B]}"
    )
    assert refusal(check, token(keys["b"], None)).code == "issuer_invalid"
    assert idp.hits() == 0


def test_issuers_naming_one_jwks_url_share_one_fetch(
    idp: RecordingServer, keys: dict[str, SigningKey]
) -> None:
    url = idp.url + "/b/keys"
    check = validator(TRUSTED_ISSUERS={A: {"JWKS_URL": url}, B: {"JWKS_URL": url}})
    assert check.validate(token(keys["b"], A)).issuer == A
    assert check.validate(token(keys["b"], B)).issuer == B
    assert idp.hits("/b/keys") == 1


def test_an_issuer_without_a_key_setting_is_discovered(
    idp: RecordingServer, keys: dict[str, SigningKey]
) -> None:
    discovered = idp.url + "/tenant-b"
    idp.serve_json(
        "/tenant-b/.well-known/openid-configuration",
        {"issuer": discovered, "jwks_uri": idp.url + "/b/keys"},
    )
    check = validator(TRUSTED_ISSUERS={A: {"JWKS": keys["a"].jwks()}, discovered: {}})
    assert check.validate(token(keys["b"], discovered)).issuer == discovered
    assert refusal(check, token(keys["b"], A)).code == "unknown_key"


async def test_async_validation_picks_the_issuers_keys(
    idp: RecordingServer, keys: dict[str, SigningKey]
) -> None:
    check = per_issuer(idp, keys)
    assert (await check.validate_async(token(keys["b"], B))).issuer == B
    with pytest.raises(AuthError) as caught:
        await check.validate_async(token(keys["a2"], B))
    assert caught.value.code == "unknown_key"


# --- issuer templates (multi-tenant) -----------------------------------------------------------


def entra(idp: RecordingServer, **entry: Any) -> dict[str, Any]:
    """The Entra-like template with the keys every tenant shares, plus ``entry``."""
    return {ENTRA: {"JWKS_URL": idp.url + COMMON_KEYS} | entry}


def test_a_tenant_whose_tid_names_it_is_accepted(
    idp: RecordingServer, keys: dict[str, SigningKey]
) -> None:
    check = validator(TRUSTED_ISSUERS=entra(idp))
    accepted = check.validate(token(keys["common"], tenant(T1), tid=T1))
    assert (accepted.issuer, accepted.claims["tid"]) == (tenant(T1), T1)


def test_the_shared_keys_are_fetched_once_for_every_tenant(
    idp: RecordingServer, keys: dict[str, SigningKey]
) -> None:
    check = validator(TRUSTED_ISSUERS=entra(idp))
    tenants = [f"{index:08x}-0000-4000-8000-000000000000" for index in range(25)]
    for tid in tenants:
        assert check.validate(token(keys["common"], tenant(tid), tid=tid)).issuer == tenant(tid)
    assert idp.hits(COMMON_KEYS) == 1


@pytest.mark.parametrize(
    ("iss", "tid", "detail"),
    [
        (
            tenant(T1),
            T2,
            f"iss {tenant(T1)!r} names tenant {T1!r} (issuer template {ENTRA!r}), but the "
            f"token's tid is {T2!r}",
        ),
        (
            tenant(T1),
            None,
            f"iss {tenant(T1)!r} names tenant {T1!r} (issuer template {ENTRA!r}), but the "
            "token has no tid claim to confirm it",
        ),
        (tenant(T1), [T1], "but the token's tid is"),
        (tenant(T3), T3, f"tenant {T3!r} of iss {tenant(T3)!r} is not one of the tenants"),
    ],
    ids=["another tid", "no tid", "a tid list", "not listed"],
)
def test_a_tenant_is_refused_unless_its_tid_names_it_and_it_is_listed(
    idp: RecordingServer, keys: dict[str, SigningKey], iss: str, tid: Any, detail: str
) -> None:
    check = validator(TRUSTED_ISSUERS=entra(idp, TENANTS=[T1, T2]))
    refused = refusal(check, token(keys["common"], iss, tid=tid))
    assert (refused.code, refused.description) == ("issuer_invalid", "Unexpected issuer")
    assert detail in refused.detail, refused.detail
    assert check.validate(token(keys["common"], tenant(T2), tid=T2)).issuer == tenant(T2)


@pytest.mark.parametrize(
    "crafted",
    [
        f"{T1}/evil",  # a slash: another path
        "..",
        f"{T1}/../{T2}",
        f"{T1}%2F..%2F{T2}",  # percent-encoded
        f"{T1}.evil",
        "\u04221",  # a Cyrillic Te, which looks like T: not ASCII
        f"{T1}\n",
        f"{T1} ",
        "x" * 129,
    ],
)
def test_a_crafted_iss_cannot_pass_as_a_tenant(
    idp: RecordingServer, keys: dict[str, SigningKey], crafted: str
) -> None:
    """Whatever stands in the placeholder's place must be a tenant id, even when the token's
    tid repeats it exactly (an attacker controls both)."""
    check = validator(TRUSTED_ISSUERS=entra(idp))
    refused = refusal(check, token(keys["common"], tenant(crafted), tid=crafted))
    assert refused.code == "issuer_invalid"
    assert "is not a tenant id (1 to 128 letters, digits, - and _)" in refused.detail


@pytest.mark.parametrize(
    "iss",
    [
        "https://login.example.com//v2.0",  # nothing in the placeholder's place
        "https://login.example.com/v2.0",
        f"https://login.example.com/{T1}/v1.0",
        f"https://login.example.com.evil/{T1}/v2.0",
        ENTRA,  # the template itself
    ],
)
def test_an_iss_that_does_not_fit_the_template_is_not_trusted(
    idp: RecordingServer, keys: dict[str, SigningKey], iss: str
) -> None:
    check = validator(TRUSTED_ISSUERS=entra(idp))
    refused = refusal(check, token(keys["common"], iss, tid=T1))
    assert refused.code == "issuer_invalid"
    if iss != ENTRA:
        assert "is not one of the trusted issuers" in refused.detail


def test_a_tenant_claim_of_another_name(idp: RecordingServer, keys: dict[str, SigningKey]) -> None:
    check = validator(TRUSTED_ISSUERS=entra(idp, TENANT_CLAIM="tenant_id"))
    assert check.validate(token(keys["common"], tenant(T1), tenant_id=T1)).issuer == tenant(T1)
    refused = refusal(check, token(keys["common"], tenant(T1), tid=T1))
    assert "no tenant_id claim" in refused.detail


def test_a_tenant_off_the_list_is_refused_before_anything_is_fetched(
    idp: RecordingServer, keys: dict[str, SigningKey]
) -> None:
    """Beside another issuer, the template's keys are chosen by iss: an unlisted tenant, a tid
    that does not match or a crafted iss never reaches the provider."""
    issuers = entra(idp, TENANTS=[T1]) | {A: {"JWKS": keys["a"].jwks()}}
    check = validator(TRUSTED_ISSUERS=issuers)
    for iss, tid in ((tenant(T3), T3), (tenant(T1), T2), (tenant(f"{T1}/x"), f"{T1}/x")):
        assert refusal(check, token(keys["common"], iss, tid=tid)).code == "issuer_invalid"
    assert idp.hits() == 0
    assert refusal(check, token(keys["a"], tenant(T1), tid=T1)).code == "unknown_key"
    assert check.validate(token(keys["common"], tenant(T1), tid=T1)).issuer == tenant(T1)
    assert refusal(check, token(keys["common"], A)).code == "unknown_key"


def test_a_template_discovered_from_its_common_metadata(
    idp: RecordingServer, keys: dict[str, SigningKey]
) -> None:
    """Entra's common metadata names the template as its issuer: OPENID_CONFIGURATION_URL."""
    metadata = "/common/v2.0/.well-known/openid-configuration"
    idp.serve_json(metadata, {"issuer": ENTRA, "jwks_uri": idp.url + COMMON_KEYS})
    check = validator(TRUSTED_ISSUERS={ENTRA: {"OPENID_CONFIGURATION_URL": idp.url + metadata}})
    for tid in (T1, T2, T3):
        assert check.validate(token(keys["common"], tenant(tid), tid=tid)).issuer == tenant(tid)
    assert (idp.hits(metadata), idp.hits(COMMON_KEYS)) == (1, 1)


def test_templates_of_one_provider_share_its_keys(
    idp: RecordingServer, keys: dict[str, SigningKey]
) -> None:
    """v1 and v2 issuers of one multi-tenant provider, with one JWKS URL: one fetch."""
    v1 = "https://sts.example.net/{tenantid}/"
    check = validator(TRUSTED_ISSUERS=entra(idp) | {v1: {"JWKS_URL": idp.url + COMMON_KEYS}})
    assert check.validate(token(keys["common"], tenant(T1), tid=T1)).issuer == tenant(T1)
    v1_issuer = v1.replace("{tenantid}", T2)
    assert check.validate(token(keys["common"], v1_issuer, tid=T2)).issuer == v1_issuer
    assert idp.hits(COMMON_KEYS) == 1


# --- explain -----------------------------------------------------------------------------------


def steps(check: Validator, jwt: str) -> dict[str, tuple[str, str, tuple[str, ...]]]:
    return {c.step: (c.status, c.message, c.reads) for c in explain(jwt, check).checks}


def test_explain_names_the_template_and_the_tenant_claim(
    idp: RecordingServer, keys: dict[str, SigningKey]
) -> None:
    check = validator(TRUSTED_ISSUERS=entra(idp, TENANTS=[T1]))
    passed = steps(check, token(keys["common"], tenant(T1), tid=T1))["issuer"]
    assert passed == (
        "passed",
        f"`iss` {tenant(T1)!r} fits the issuer template {ENTRA!r}: its tenant equals `tid` and "
        "is one of its tenants",
        ("iss", "tid"),
    )
    explanation = explain(token(keys["common"], tenant(T1), tid=T2), check)
    assert explanation.code == "issuer_invalid"
    failure = explanation.first_failure
    assert failure is not None
    assert (failure.step, failure.code) == ("issuer", "issuer_invalid")
    assert f"but the token's tid is {T2!r}" in failure.message
    assert "TENANTS" in (failure.fix or "")


def test_explain_shows_the_key_step_refusing_another_issuers_iss(
    idp: RecordingServer, keys: dict[str, SigningKey]
) -> None:
    check = validator(TRUSTED_ISSUERS=entra(idp, TENANTS=[T1]) | {A: {"JWKS": keys["a"].jwks()}})
    report = steps(check, token(keys["common"], tenant(T3), tid=T3))
    status, message, reads = report["key"]
    assert (status, reads) == ("failed", ("kid", "iss", "tid"))
    assert f"tenant {T3!r} of iss {tenant(T3)!r} is not one of the tenants" in message
    assert report["signature"][:2] == ("skipped", "not reached: the key check failed")
    assert report["issuer"][0] == "failed"
    assert steps(check, token(keys["a"], A))["key"][:2] == (
        "passed",
        f"`iss` {A!r}: kid 'a-1' selects EC secp256r1 (kid 'a-1')",
    )


def test_the_explain_command_names_the_failed_issuer_check(
    idp: RecordingServer,
    keys: dict[str, SigningKey],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in [name for name in os.environ if name.startswith("JWTGUARD_")]:
        monkeypatch.delenv(name)
    table = json.dumps(entra(idp, TENANTS=[T1]))
    flags = ["--trusted-issuers", table, "--algorithms", "RS256", "--audience", AUDIENCE]
    status = main(["explain", token(keys["common"], tenant(T1), tid=T2), *flags])
    out = capsys.readouterr().out
    assert (status, "401 issuer_invalid" in out) == (1, True), out
    assert f"[FAIL] issuer: iss {tenant(T1)!r} names tenant {T1!r}" in out
    assert f"but the token's tid is {T2!r}" in out
    status = main(["explain", token(keys["common"], tenant(T1), tid=T1), *flags])
    out = capsys.readouterr().out
    assert (status, f"[pass] issuer: `iss` {tenant(T1)!r} fits the issuer template" in out) == (
        0,
        True,
    ), out


# --- replay and revocation under a template's tenants ------------------------------------------


def stored(idp: RecordingServer, **settings: Any) -> Validator:
    config = GuardConfig.from_mapping(
        {"ALGORITHMS": ["RS256"], "AUDIENCE": AUDIENCE, "TRUSTED_ISSUERS": entra(idp)} | settings
    )
    return Validator(config, store=MemoryStore())


def test_a_tenants_jti_is_its_own(idp: RecordingServer, keys: dict[str, SigningKey]) -> None:
    check = stored(idp, REPLAY_PROTECTION=True)
    of_t1, of_t2 = (token(keys["common"], tenant(t), tid=t, jti="X") for t in (T1, T2))
    check.validate(of_t1)
    with pytest.raises(TokenReplayed) as replayed:
        check.validate(of_t1)
    assert replayed.value.detail.startswith(f"jti 'X' from iss {tenant(T1)!r} was already used")
    assert check.validate(of_t2).issuer == tenant(T2), "T2's jti X is T2's own"


def test_a_revocation_names_a_tenants_concrete_issuer(
    idp: RecordingServer, keys: dict[str, SigningKey]
) -> None:
    check = stored(idp, REVOCATION=True)
    revocations = check.revocations
    with pytest.raises(ValueError, match=r"several issuers are trusted \(https://login"):
        revocations.revoke_token("X")
    for wrong in (ENTRA, tenant("a/b"), "https://evil.example/"):
        with pytest.raises(ValueError, match="is not a trusted issuer"):
            revocations.revoke_token("X", issuer=wrong)
    revocation = revocations.revoke_token("X", issuer=tenant(T1))
    assert revocation.issuer == tenant(T1)
    with pytest.raises(TokenRevoked) as revoked:
        check.validate(token(keys["common"], tenant(T1), tid=T1, jti="X"))
    assert revoked.value.detail == f"jti 'X' from iss {tenant(T1)!r} is revoked"
    assert check.validate(token(keys["common"], tenant(T2), tid=T2, jti="X")).token_id == "X"


def test_only_listed_tenants_can_be_named_in_a_revocation(idp: RecordingServer) -> None:
    check = stored(idp, REVOCATION=True, TRUSTED_ISSUERS=entra(idp, TENANTS=[T1]))
    assert check.revocations.revoke_subject("alice", issuer=tenant(T1)).issuer == tenant(T1)
    with pytest.raises(ValueError, match="is not a trusted issuer"):
        check.revocations.revoke_subject("alice", issuer=tenant(T2))


# --- configuration ------------------------------------------------------------------------------


def test_the_environment_form_is_json(idp: RecordingServer, keys: dict[str, SigningKey]) -> None:
    """``JWTGUARD_TRUSTED_ISSUERS`` as JSON; it replaces the defaults' ISSUER and key source."""
    table = {A: {"JWKS": keys["a"].jwks()}} | entra(idp, TENANTS=[T1])
    environ = {
        "JWTGUARD_TRUSTED_ISSUERS": json.dumps(table),
        "JWTGUARD_ALGORITHMS": "ES256,RS256",
        "JWTGUARD_AUDIENCE": AUDIENCE,
    }
    defaults = {"ISSUER": "https://dev.example/", "JWKS": keys["b"].jwks(), "ALGORITHMS": ["ES256"]}
    config = GuardConfig.from_env(environ, defaults=defaults)
    assert config.issuers == (A, ENTRA)
    check = Validator(config)
    assert check.validate(token(keys["a"], A)).issuer == A
    assert check.validate(token(keys["common"], tenant(T1), tid=T1)).issuer == tenant(T1)
    assert refusal(check, token(keys["b"], "https://dev.example/")).code == "issuer_invalid"


def test_an_issuer_in_the_environment_replaces_the_defaults_issuers(
    keys: dict[str, SigningKey],
) -> None:
    defaults = {"TRUSTED_ISSUERS": {A: {"JWKS": keys["a"].jwks()}}, "ALGORITHMS": ["ES256"]}
    environ = {"JWTGUARD_ISSUER": B, "JWTGUARD_JWKS": json.dumps(keys["b"].jwks())}
    config = GuardConfig.from_env(environ | {"JWTGUARD_AUDIENCE": AUDIENCE}, defaults=defaults)
    assert (config.trusted_issuers, config.issuers) == (None, (B,))
    assert Validator(config).validate(token(keys["b"], B)).issuer == B


def test_the_settings_are_never_shown_in_a_repr(keys: dict[str, SigningKey]) -> None:
    secret = generate_key("HS256", kid=None).private_key
    config = GuardConfig(algorithms=["HS256"], trusted_issuers={A: {"SECRET": secret}})
    shown = repr(config)
    assert ("SECRET" in shown, repr(secret) in shown, "trusted_issuers" in shown) == (
        False,
        False,
        False,
    )


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        (
            {"TRUSTED_ISSUERS": [A, B]},
            "TRUSTED_ISSUERS must map each trusted issuer to its key settings",
        ),
        ({"TRUSTED_ISSUERS": {}}, "TRUSTED_ISSUERS must map each trusted issuer"),
        ({"TRUSTED_ISSUERS": {A: "https://a/keys"}}, f"TRUSTED_ISSUERS[{A!r}] must be a mapping"),
        (
            {"TRUSTED_ISSUERS": {A: {"JWKS_URI": "https://a.example/keys"}}},
            f"TRUSTED_ISSUERS[{A!r}]: unknown key 'JWKS_URI' (did you mean JWKS_URL?)",
        ),
        (
            {"TRUSTED_ISSUERS": {A: {"jwks_url": "https://a.example/keys"}}},
            f"TRUSTED_ISSUERS[{A!r}]: unknown key 'jwks_url' (did you mean JWKS_URL?)",
        ),
        (
            {"TRUSTED_ISSUERS": {A: {"JWKS_URL": "https://a/k", "JWKS": {"keys": []}}}},
            f"TRUSTED_ISSUERS[{A!r}]: conflicting key sources JWKS, JWKS_URL: set exactly one",
        ),
        (
            {"TRUSTED_ISSUERS": {A: {"JWKS_URL": "http://a.example/keys"}}},
            f"TRUSTED_ISSUERS[{A!r}].JWKS_URL must use https",
        ),
        (
            {"TRUSTED_ISSUERS": {"accounts.example.com": {}}},
            "TRUSTED_ISSUERS['accounts.example.com'] has no key setting and cannot be used for "
            "key discovery",
        ),
        (
            {"TRUSTED_ISSUERS": {A: {"TENANTS": [T1]}}},
            f"TRUSTED_ISSUERS[{A!r}]: TENANTS belong to an issuer template",
        ),
        (
            {"TRUSTED_ISSUERS": {ENTRA: {}}},
            f"TRUSTED_ISSUERS[{ENTRA!r}]: an issuer template cannot be discovered",
        ),
        (
            {"TRUSTED_ISSUERS": {"https://x/{a}/{b}": {"JWKS_URL": "https://x/k"}}},
            "an issuer template needs exactly one placeholder such as {tenantid}",
        ),
        (
            {"TRUSTED_ISSUERS": {"https://x/{a}/}": {"JWKS_URL": "https://x/k"}}},
            "has a brace outside its placeholder {a}",
        ),
        (
            {"TRUSTED_ISSUERS": {ENTRA: {"JWKS_URL": "https://x/k", "TENANTS": T1}}},
            f"TRUSTED_ISSUERS[{ENTRA!r}].TENANTS must be a non-empty list of tenant ids",
        ),
        (
            {"TRUSTED_ISSUERS": {ENTRA: {"JWKS_URL": "https://x/k", "TENANTS": ["a/b"]}}},
            f"TRUSTED_ISSUERS[{ENTRA!r}].TENANTS: 'a/b' is not a tenant id",
        ),
        (
            {"TRUSTED_ISSUERS": {ENTRA: {"JWKS_URL": "https://x/k", "TENANTS": [[T1], 7]}}},
            f"TRUSTED_ISSUERS[{ENTRA!r}].TENANTS: [{T1!r}] is not a tenant id",
        ),
        (
            {"TRUSTED_ISSUERS": {ENTRA: {"JWKS_URL": "https://x/k", "TENANT_CLAIM": ""}}},
            f"TRUSTED_ISSUERS[{ENTRA!r}].TENANT_CLAIM must name the claim holding the tenant id",
        ),
        (
            {"TRUSTED_ISSUERS": {A: {"SECRET": "short"}}},
            f"TRUSTED_ISSUERS[{A!r}].SECRET",
        ),
        (
            {"TRUSTED_ISSUERS": {A: {"JWKS_FILE": "/nonexistent/keys.json"}}},
            f"TRUSTED_ISSUERS[{A!r}].JWKS_FILE: /nonexistent/keys.json is not a readable file",
        ),
        (
            {"TRUSTED_ISSUERS": {A: {}}, "ISSUER": A},
            "ISSUER and TRUSTED_ISSUERS both name the trusted issuers: keep TRUSTED_ISSUERS only",
        ),
        (
            {"TRUSTED_ISSUERS": {A: {}}, "JWKS_URL": "https://a.example/keys"},
            "TRUSTED_ISSUERS gives each issuer its own keys: move JWKS_URL into the entry of the "
            "issuer whose keys they are",
        ),
        (
            {"ISSUER": ENTRA, "JWKS_URL": "https://a.example/keys"},
            f"ISSUER {ENTRA!r} is an issuer template: a template goes in TRUSTED_ISSUERS",
        ),
        (
            {
                "TRUSTED_ISSUERS": {
                    ENTRA: {"JWKS_URL": "https://x/k"},
                    tenant(T1): {"JWKS_URL": "https://y/k"},
                }
            },
            f"TRUSTED_ISSUERS: {tenant(T1)!r} is also an issuer of the template {ENTRA!r}",
        ),
        (
            {
                "TRUSTED_ISSUERS": {
                    ENTRA: {"JWKS_URL": "https://x/k"},
                    "https://login.example.com/{tenant}-eu/v2.0": {"JWKS_URL": "https://y/k"},
                }
            },
            "TRUSTED_ISSUERS: the issuer templates "
            f"{ENTRA!r} and 'https://login.example.com/{{tenant}}-eu/v2.0' can fit the same iss",
        ),
    ],
)
def test_what_is_wrong_with_trusted_issuers_is_said(
    settings: dict[str, Any], expected: str
) -> None:
    messages = [message for _setting, _code, message in problems(**settings)]
    assert any(expected in message for message in messages), messages


def test_every_problem_of_every_issuer_is_reported_at_once() -> None:
    reported = problems(
        TRUSTED_ISSUERS={
            A: {"JWKS_URL": "http://a.example/keys", "KID": "x"},
            ENTRA: {"TENANTS": ["a/b"]},
        }
    )
    assert {(setting, code) for setting, code, _message in reported} == {
        ("TRUSTED_ISSUERS", "trusted_issuers_invalid")
    }
    assert len(reported) == 4, reported


def test_a_tenant_listed_apart_is_no_conflict(idp: RecordingServer) -> None:
    """A tenant left out of the template's TENANTS may have keys of its own."""
    config = GuardConfig.from_mapping(
        {
            "ALGORITHMS": ["RS256"],
            "TRUSTED_ISSUERS": entra(idp, TENANTS=[T1])
            | {tenant(T2): {"JWKS_URL": idp.url + "/t2/keys"}},
        }
    )
    assert config.accepted_issuers.admits(tenant(T2))


def test_the_trusted_issuers_flag_replaces_the_environments_issuer(
    keys: dict[str, SigningKey],
) -> None:
    table = json.dumps({A: {"JWKS": keys["a"].jwks()}})
    args = build_parser().parse_args(["explain", "x", "--trusted-issuers", table])
    environ = {"JWTGUARD_ISSUER": B, "JWTGUARD_JWKS": json.dumps(keys["b"].jwks())}
    environ |= {"JWTGUARD_ALGORITHMS": "ES256", "JWTGUARD_AUDIENCE": AUDIENCE}
    check = load_validator(args, environ)
    assert check.config.issuers == (A,)
    assert check.validate(token(keys["a"], A)).issuer == A


# --- the matching itself -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (ENTRA, None),
        ("https://x/{a}{b}", "needs exactly one placeholder"),
        ("https://x/", "needs exactly one placeholder"),
        ("{tenantid}", "is only a placeholder"),
        ("https://x/{a b}/", "needs exactly one placeholder"),
        ("https://x/{a}/{", "has a brace outside"),
    ],
)
def test_template_syntax(text: str, problem: str | None) -> None:
    found = template_problem(text)
    assert (found is None) if problem is None else (problem in (found or "")), found


@pytest.mark.parametrize(
    ("one", "other", "overlap"),
    [
        ("https://x/{t}/v2.0", "https://x/{t}/v1.0", False),
        ("https://x/{t}/v2.0", "https://y/{t}/v2.0", False),
        ("https://x/{t}", "https://x/{t}-eu", True),
        ("https://x/{t}/a", "https://x/{t}/b", False),
        ("https://x/{t}/v2.0", "https://x/a{t}/v2.0", True),
        ("h/{a}/zz", "h/ab/{b}z", True),  # h/ab/zz fits both: a = "ab", b = "z"
        ("https://x/{t}", "https://x/{t}/", False),  # a tenant id never holds "/"
    ],
)
def test_overlapping_templates_are_found(one: str, other: str, overlap: bool) -> None:
    first, second = IssuerTemplate(one), IssuerTemplate(other)
    assert first.overlaps(second) is overlap
    assert second.overlaps(first) is overlap
    conflicts = list(Issuers(templates=[first, second]).conflicts())
    assert bool(conflicts) is overlap


def test_the_issuer_step_and_the_key_choice_are_one_decision() -> None:
    issuers = Issuers([A], [IssuerTemplate(ENTRA, tenants=frozenset({T1}))])
    assert issuers.match({"iss": A}) == A
    assert issuers.match({"iss": tenant(T1), "tid": T1}) == ENTRA
    for claims in ({"iss": B}, {"iss": tenant(T2), "tid": T2}, {}, {"iss": 42}):
        with pytest.raises(IssuerInvalid):
            issuers.match(claims)


def test_a_template_that_is_not_one_cannot_be_made() -> None:
    with pytest.raises(ValueError, match="needs exactly one placeholder"):
        IssuerTemplate("https://x/")


def test_keys_per_issuer_need_the_tokens_issuer(keys: dict[str, SigningKey]) -> None:
    """Asked without a token's claims, or for an issuer it has no keys for, it refuses."""
    static = per_issuer_static(keys)
    with pytest.raises(TypeError, match="use for_token"):
        static.candidates("a-1", "ES256")
    with pytest.raises(IssuerInvalid) as caught:
        IssuerKeySources(static.sources, Issuers([A, B, "https://c.example/"])).for_token(
            {"iss": "https://c.example/"}
        )
    assert caught.value.detail == "no keys are configured for the issuer 'https://c.example/'"


def per_issuer_static(keys: dict[str, SigningKey]) -> IssuerKeySources:
    table = {A: {"JWKS": keys["a"].jwks()}, B: {"JWKS": keys["b"].jwks()}}
    check = validator(TRUSTED_ISSUERS=table)
    assert isinstance(check.key_source, IssuerKeySources)
    return check.key_source


def test_keys_sharing_a_kid_in_an_issuers_set_are_a_problem(keys: dict[str, SigningKey]) -> None:
    crowded = {"keys": [keys["a"].public_jwk(), keys["b-named-a"].public_jwk()]}
    [(setting, code, message)] = problems(TRUSTED_ISSUERS={A: {"JWKS": crowded}})
    assert (setting, code) == ("TRUSTED_ISSUERS", "key_invalid")
    assert message.startswith(f"TRUSTED_ISSUERS[{A!r}].JWKS: ")
    assert "MAX_KEYS_WITHOUT_KID" in message
