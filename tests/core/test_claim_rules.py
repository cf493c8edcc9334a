"""Claim rules (``CLAIM_RULES``, issue 14 §1): every operator on top-level, nested and escaped
claim paths, values of the wrong JSON type refused (never an error), the rules checked at
configuration time in every configuration form, the client told which claim and never the values
expected, and ``validate``, ``peek`` and ``explain`` agreeing on generated rules and tokens."""

from __future__ import annotations

import io
import json
import time
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jwtguard import AuthError, ConfigurationError, Guard, GuardConfig, SimpleRequest, Validator
from jwtguard.audit import rejection_record
from jwtguard.claim_values import InvalidRule, read_rules
from jwtguard.tools.cli import build_parser, main
from jwtguard.tools.cli_config import load_validator
from jwtguard.tools.explain import explain, steps_of
from tests.contract import AUDIENCE, ISSUER, SETTINGS, Minter

NOW = float(int(time.time()))
TOKEN_USE = {"claim": "token_use", "equals": "access"}


def validator_for(minter: Minter, *rules: dict[str, Any], **settings_: Any) -> Validator:
    settings_ = {**SETTINGS, "JWKS": minter.jwks(), "CLAIM_RULES": list(rules), **settings_}
    return Validator(GuardConfig.from_mapping(settings_), clock=lambda: NOW)


def signed(minter: Minter, **claims: Any) -> str:
    """A token the contract trusts, with ``claims`` exactly as given (``None`` is JSON null)."""
    base = {"iss": ISSUER, "aud": AUDIENCE, "sub": "alice", "iat": int(NOW), "exp": int(NOW) + 60}
    return minter.key.sign(base | claims, {"alg": "RS256", "typ": "at+jwt", "kid": minter.key.kid})


def answer(validator: Validator, token: str) -> AuthError | None:
    try:
        validator.validate(token)
    except AuthError as error:
        return error
    return None


# --- every operator, on every kind of value ----------------------------------------------------

NESTED = {"claim": "realm_access.roles", "contains": "notes-reader"}
ESCAPED = {"claim": "resource_access.notes\\.api.roles", "contains": "editor"}
HD = {"claim": "hd", "one_of": ["example.com", "example.org"]}
#: (rule, the claims of the token, the code it gets: None when accepted)
CASES: list[tuple[dict[str, Any], dict[str, Any], str | None]] = [
    (TOKEN_USE, {"token_use": "access"}, None),
    (TOKEN_USE, {"token_use": "id"}, "claim_invalid"),
    (TOKEN_USE, {}, "claim_missing"),
    (TOKEN_USE, {"token_use": ["access"]}, "claim_invalid"),  # a list where a string is expected
    (TOKEN_USE, {"token_use": {"kind": "access"}}, "claim_invalid"),
    (TOKEN_USE, {"token_use": None}, "claim_invalid"),  # JSON null is a value, not the one
    (TOKEN_USE, {"token_use": "access "}, "claim_invalid"),
    ({"claim": "email_verified", "equals": True}, {"email_verified": True}, None),
    ({"claim": "email_verified", "equals": True}, {"email_verified": "true"}, "claim_invalid"),
    ({"claim": "email_verified", "equals": True}, {"email_verified": 1}, "claim_invalid"),
    ({"claim": "email_verified", "equals": True}, {"email_verified": False}, "claim_invalid"),
    ({"claim": "ver", "equals": 2}, {"ver": 2}, None),
    ({"claim": "ver", "equals": 2}, {"ver": 2.0}, None),
    ({"claim": "ver", "equals": 2}, {"ver": "2"}, "claim_invalid"),
    ({"claim": "ver", "equals": 1}, {"ver": True}, "claim_invalid"),
    ({"claim": "hd", "one_of": ["example.com", "example.org"]}, {"hd": "example.org"}, None),
    (
        {"claim": "hd", "one_of": ["example.com", "example.org"]},
        {"hd": "evil.com"},
        "claim_invalid",
    ),
    ({"claim": "hd", "one_of": ["example.com"]}, {"hd": ["example.com"]}, "claim_invalid"),
    ({"claim": "hd", "one_of": ["example.com"]}, {"hd": "EXAMPLE.COM"}, "claim_invalid"),
    ({"claim": "hd", "one_of": ["example.com"]}, {}, "claim_missing"),
    ({"claim": "tier", "one_of": [1, "gold", False]}, {"tier": False}, None),
    ({"claim": "tier", "one_of": [1, "gold", False]}, {"tier": 0}, "claim_invalid"),
    ({"claim": "amr", "contains": "mfa"}, {"amr": ["pwd", "mfa"]}, None),
    ({"claim": "amr", "contains": "mfa"}, {"amr": "pwd mfa"}, None),  # space-delimited
    ({"claim": "amr", "contains": "mfa"}, {"amr": ["pwd"]}, "claim_invalid"),
    ({"claim": "amr", "contains": "mfa"}, {"amr": "pwdmfa mfa-otp"}, "claim_invalid"),
    ({"claim": "amr", "contains": "mfa"}, {"amr": [["mfa"]]}, "claim_invalid"),
    ({"claim": "amr", "contains": "mfa"}, {"amr": {"mfa": True}}, "claim_invalid"),
    ({"claim": "amr", "contains": "mfa"}, {"amr": 3}, "claim_invalid"),
    ({"claim": "amr", "contains": "mfa"}, {}, "claim_missing"),
    ({"claim": "groups", "contains": 7}, {"groups": [8, 7]}, None),
    ({"claim": "groups", "contains": 7}, {"groups": ["7"]}, "claim_invalid"),
    ({"claim": "groups", "contains": 7}, {"groups": "7"}, "claim_invalid"),
    ({"claim": "email_verified", "present": True}, {"email_verified": False}, None),
    ({"claim": "email_verified", "present": True}, {"email_verified": None}, None),
    ({"claim": "email_verified", "present": True}, {}, "claim_missing"),
    ({"claim": "scp", "present": False}, {}, None),
    ({"claim": "scp", "present": False}, {"scp": "Notes.Read"}, "claim_invalid"),
    (NESTED, {"realm_access": {"roles": ["offline_access", "notes-reader"]}}, None),
    (NESTED, {"realm_access": {"roles": ["offline_access"]}}, "claim_invalid"),
    (NESTED, {"realm_access": {"roles": "notes-reader"}}, None),
    (NESTED, {"realm_access": ["notes-reader"]}, "claim_missing"),  # the path cannot go in
    (NESTED, {"realm_access": "notes-reader"}, "claim_missing"),
    (NESTED, {"roles": ["notes-reader"]}, "claim_missing"),
    (ESCAPED, {"resource_access": {"notes.api": {"roles": ["editor"]}}}, None),
    (ESCAPED, {"resource_access": {"notes": {"api": {"roles": ["editor"]}}}}, "claim_missing"),
    (
        {"claim": "https://example.com/tenant", "equals": "acme"},
        {"https://example.com/tenant": "acme"},
        None,
    ),
]


@pytest.mark.parametrize(("rule", "claims", "code"), CASES)
def test_every_operator(
    minter: Minter, rule: dict[str, Any], claims: dict[str, Any], code: str | None
) -> None:
    validator = validator_for(minter, rule)
    token = signed(minter, **claims)
    error = answer(validator, token)
    assert (error.code if error else None) == code
    if error is not None:
        assert (error.status, error.error) == (401, "invalid_token")
        claim = rule["claim"].replace("\\.", ".")  # as the client is told it: no escapes
        wording = " lacks the {} claim" if code == "claim_missing" else "'s {} claim is invalid"
        assert error.description == "The access token" + wording.format(claim)
        assert "(CLAIM_RULES)" in error.detail


def test_the_client_is_told_the_claim_and_the_operator_the_values(minter: Minter) -> None:
    """The answer names the claim, never a value a rule expects; the audit record both."""
    rules = [{"claim": "tenant", "one_of": ["acme-corp", "globex-inc"]}, NESTED]
    guard = Guard(validator_for(minter, *rules).config)
    for claims, found in (
        ({"tenant": "initech-llc"}, '"initech-llc"'),
        ({"tenant": ["acme-corp"]}, '["acme-corp"]'),
        ({"tenant": "acme-corp", "realm_access": {"roles": ["notes-writer"]}}, '["notes-writer"]'),
    ):
        token = minter.token(**claims)
        request = SimpleRequest(headers={"Authorization": f"Bearer {token}"})
        with pytest.raises(AuthError) as refused:
            guard.authenticate(request)
        rendered = guard.render(refused.value)
        client_sees = rendered.body.decode() + dict(rendered.headers)["WWW-Authenticate"]
        for expected in ("acme-corp", "globex-inc", "notes-reader"):
            assert expected not in client_sees
        record = rejection_record(refused.value, request, guard.config, token)
        assert found in record["detail"]
        wanted = "acme-corp" if "tenant must" in record["detail"] else "notes-reader"
        assert wanted in record["detail"]
        assert token.split(".")[1][:20] not in json.dumps(record)


def test_the_rules_come_after_the_registered_claims_one_step_each(minter: Minter) -> None:
    rules = [TOKEN_USE, NESTED, ESCAPED, {"claim": "scp", "present": False}]
    steps = validator_for(minter, *rules).pipeline.steps
    names = [step.name for step in steps]
    first = names.index("lifetime") + 1
    assert names[first : first + 4] == [
        'claim rule: token_use equals "access"',
        'claim rule: realm_access.roles contains "notes-reader"',
        'claim rule: resource_access.notes\\.api.roles contains "editor"',
        "claim rule: scp absent",
    ]
    assert names[first + 4] == "binding"
    assert [step.reads for step in steps[first : first + 4]] == [
        ("token_use",),
        ("realm_access.roles",),
        ("resource_access.notes\\.api.roles",),
        ("scp",),
    ]
    assert "claim rule" not in " ".join(validator_for(minter).pipeline.names)


# --- explain ------------------------------------------------------------------------------------


def test_explain_names_the_rule_that_failed_and_the_claim_it_read(minter: Minter) -> None:
    rules = [TOKEN_USE, {"claim": "hd", "one_of": ["example.com"]}, NESTED]
    validator = validator_for(minter, *rules)
    token = minter.token(now=NOW, token_use="id", hd="example.com")
    with pytest.raises(AuthError) as refused:
        validator.validate(token)

    explanation = explain(token, validator, now=NOW)

    assert [check.step for check in explanation.checks] == list(steps_of(validator))
    assert (explanation.code, explanation.status) == ("claim_invalid", 401)
    assert explanation.description == refused.value.description
    failure = explanation.first_failure
    assert failure is not None
    assert failure.step == 'claim rule: token_use equals "access"'
    assert failure.reads == ("token_use",)
    assert failure.message == 'token_use must equal "access", found "id" (CLAIM_RULES)'
    assert failure.fix is not None
    assert "CLAIM_RULES" in failure.fix
    by_step = {check.step: check for check in explanation.checks}
    hd = by_step['claim rule: hd one_of ["example.com"]']
    assert (hd.status, hd.message) == ("passed", '`hd` is "example.com"')
    roles = by_step['claim rule: realm_access.roles contains "notes-reader"']  # collect-all
    assert (roles.status, roles.code, roles.reads) == (
        "failed",
        "claim_missing",
        ("realm_access.roles",),
    )
    assert roles.message == (
        'realm_access.roles must contain "notes-reader", and the token has no '
        "realm_access.roles claim (CLAIM_RULES)"
    )


def test_explain_on_the_command_line_takes_the_rules_as_a_flag(
    minter: Minter, capsys: pytest.CaptureFixture[str], tmp_path: Any
) -> None:
    (tmp_path / "jwks.json").write_text(json.dumps(minter.key.jwks()))
    config = ["--jwks-file", str(tmp_path / "jwks.json"), "--algorithms", "RS256"]
    config += ["--audience", AUDIENCE]
    config += ["--claim-rules", '[{"claim": "tenant", "one_of": ["globex-inc"]}]']
    status = main(["explain", minter.token(tenant="acme-corp"), *config], stdin=io.StringIO())
    out = capsys.readouterr().out
    assert status == 1
    refused, *_ = out.splitlines()
    assert refused == (
        "REFUSED: 401 claim_invalid (the client is told: \"The access token's tenant claim is "
        'invalid")'
    )
    assert (
        '[FAIL] claim rule: tenant one_of ["globex-inc"]: tenant must be one of ["globex-inc"], '
        'found "acme-corp" (CLAIM_RULES)'
    ) in out
    status = main(["explain", minter.token(tenant="globex-inc"), *config], stdin=io.StringIO())
    assert (status, capsys.readouterr().out.startswith("ACCEPTED")) == (0, True)


# --- configuration: every form, every problem ---------------------------------------------------

RULES = [TOKEN_USE, {"claim": "hd", "one_of": ["example.com"]}, ESCAPED]
RULES_JSON = json.dumps(RULES)


def test_every_configuration_form_gives_the_same_rules(minter: Minter) -> None:
    jwks = json.dumps(minter.key.jwks())
    python = GuardConfig(algorithms=["RS256"], jwks=minter.key.jwks(), claim_rules=RULES)
    mapping = GuardConfig.from_mapping({"ALGORITHMS": "RS256", "JWKS": jwks, "CLAIM_RULES": RULES})
    text = GuardConfig.from_mapping(
        {"ALGORITHMS": "RS256", "JWKS": jwks, "CLAIM_RULES": RULES_JSON}
    )
    env = GuardConfig.from_env(
        {"JWTGUARD_ALGORITHMS": "RS256", "JWTGUARD_JWKS": jwks, "JWTGUARD_CLAIM_RULES": RULES_JSON}
    )
    args = build_parser().parse_args(["explain", "t", "--claim-rules", RULES_JSON])
    flags = load_validator(args, {"JWTGUARD_ALGORITHMS": "RS256", "JWTGUARD_JWKS": jwks}).config
    pipelines = {
        tuple(Validator(config).pipeline.names) for config in (python, mapping, text, env, flags)
    }
    assert len(pipelines) == 1
    [names] = pipelines
    assert sum(name.startswith("claim rule: ") for name in names) == 3


@pytest.mark.parametrize(
    ("value", "problems"),
    [
        ({"claim": "a", "equals": 1}, ["CLAIM_RULES must be a list of rules such as [{"]),
        ("[{bad json", ["CLAIM_RULES: expected JSON"]),
        ([{"claim": "a"}], ["CLAIM_RULES[0]: needs exactly one of equals, one_of, contains"]),
        (
            [{"claim": "a", "equals": 1, "one_of": [1]}],
            ["CLAIM_RULES[0]: needs exactly one of equals, one_of, contains, present, got equals"],
        ),
        (
            [{"claim": "hd", "oneOf": ["x"]}],
            [
                "CLAIM_RULES[0]: unknown key 'oneOf' (did you mean 'one_of'?)",
                "CLAIM_RULES[0]: needs exactly one of",
            ],
        ),
        ([{"equals": "x"}], ["CLAIM_RULES[0]: needs 'claim', the claim path it reads"]),
        ([{"claim": 7, "equals": "x"}], ["CLAIM_RULES[0]: needs 'claim'"]),
        ([{"claim": "a..b", "equals": "x"}], ["CLAIM_RULES[0]: claim path 'a..b' has an empty"]),
        ([{"claim": "a\\b", "equals": "x"}], ["CLAIM_RULES[0]: claim path 'a\\\\b': '\\' escapes"]),
        ([{"claim": "a", "equals": ["x"]}], ['CLAIM_RULES[0]: equals: ["x"] is not a string']),
        ([{"claim": "a", "equals": None}], ["CLAIM_RULES[0]: equals: null is not a string"]),
        ([{"claim": "a", "equals": float("nan")}], ["CLAIM_RULES[0]: equals: nan is not a JSON"]),
        ([{"claim": "a", "equals": {"x"}}], ["CLAIM_RULES[0]: equals: {'x'} is not a string"]),
        ([{"claim": "a", "one_of": "x"}], ["(for one value, use equals)"]),
        ([{"claim": "a", "one_of": []}], ["CLAIM_RULES[0]: one_of must be a non-empty list"]),
        ([{"claim": "a", "one_of": ["x", {"y": 1}]}], ['CLAIM_RULES[0]: one_of: {"y": 1}']),
        ([{"claim": "a", "contains": ["x"]}], ['CLAIM_RULES[0]: contains: ["x"] is not']),
        ([{"claim": "a", "present": "yes"}], ["CLAIM_RULES[0]: present must be true or false"]),
        (["token_use=access"], ["CLAIM_RULES[0]: must be an object such as {"]),
        ([TOKEN_USE, dict(TOKEN_USE)], ["CLAIM_RULES[1]: repeats CLAIM_RULES[0] (token_use"]),
        (
            [TOKEN_USE, {"claim": "", "present": 1}, {"claim": "x", "equals": []}],
            ["CLAIM_RULES[1]: needs 'claim'", "CLAIM_RULES[1]: present must", "CLAIM_RULES[2]:"],
        ),
    ],
)
def test_a_wrong_rule_is_a_configuration_problem(
    minter: Minter, value: Any, problems: list[str]
) -> None:
    with pytest.raises(ConfigurationError) as wrong:
        GuardConfig.from_mapping({**SETTINGS, "JWKS": minter.jwks(), "CLAIM_RULES": value})
    issues = wrong.value.issues
    assert {(issue.setting, issue.code) for issue in issues} == {
        ("CLAIM_RULES", "claim_rules_invalid")
    }
    assert len(issues) == len(problems)
    for issue, problem in zip(issues, problems, strict=True):
        assert issue.message.startswith(problem) or problem in issue.message, issue.message


# --- explain agrees with validate and peek on generated rules and tokens ------------------------

SCALARS = st.one_of(
    st.sampled_from(["access", "id", "", "mfa", "a b", "1", "true"]),
    st.integers(min_value=-2, max_value=2),
    st.sampled_from([1.0, 0.5, -0.0]),
    st.booleans(),
)
VALUES = st.one_of(
    st.none(),
    SCALARS,
    st.lists(SCALARS, max_size=3),
    st.sampled_from(["pwd mfa", "mfa", " mfa ", "access id"]),
    st.dictionaries(st.sampled_from(["x", "access"]), SCALARS, max_size=1),
    st.lists(st.lists(SCALARS, max_size=1), max_size=1),
)
RULE_VALUES = st.one_of(
    st.tuples(st.just("equals"), SCALARS),
    st.tuples(st.just("one_of"), st.lists(SCALARS, min_size=1, max_size=3)),
    st.tuples(st.just("contains"), SCALARS),
    st.tuples(st.just("present"), st.booleans()),
)
PATHS = {"c": ("c",), "n.c": ("n", "c"), "d\\.c": ("d.c",)}


def kind(value: Any) -> str:
    """A value's JSON type, as the rules compare them."""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    return "string" if isinstance(value, str) else "other"


def same(value: Any, expected: Any) -> bool:
    return kind(value) == kind(expected) != "other" and value == expected


def expected_code(operator: str, operand: Any, present: bool, value: Any) -> str | None:
    """What a rule means, said independently of jwtguard's code."""
    if operator == "present":
        return None if present == operand else ("claim_missing" if operand else "claim_invalid")
    if not present:
        return "claim_missing"
    if operator == "equals":
        ok = same(value, operand)
    elif operator == "one_of":
        ok = any(same(value, item) for item in operand)
    elif isinstance(value, str):
        ok = isinstance(operand, str) and operand in value.split()
    else:
        ok = isinstance(value, list) and any(same(item, operand) for item in value)
    return None if ok else "claim_invalid"


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    rule=RULE_VALUES,
    path=st.sampled_from(sorted(PATHS)),
    value=VALUES,
    present=st.booleans(),
)
def test_validate_peek_and_explain_agree_with_what_the_rule_means(
    minter: Minter, rule: tuple[str, Any], path: str, value: Any, present: bool
) -> None:
    operator, operand = rule
    validator = validator_for(minter, {"claim": path, operator: operand})
    names = PATHS[path]
    claims: dict[str, Any] = {}
    if present:
        claims = {names[0]: value} if len(names) == 1 else {names[0]: {names[1]: value}}
    token = signed(minter, **claims)
    code = expected_code(operator, operand, present, value)

    def outcome(run: Any) -> str | None:
        try:
            run(token)
        except AuthError as error:
            return error.code
        return None

    assert outcome(validator.validate) == code
    assert outcome(lambda t: validator.peek(t, now=NOW)) == code
    explanation = explain(token, validator, now=NOW)
    assert (explanation.code, explanation.accepted) == (code, code is None)
    failure = explanation.first_failure
    [step] = [step for step in validator.pipeline.steps if step.name.startswith("claim rule: ")]
    assert (failure.step, failure.reads) == (step.name, (path,)) if failure else code is None


def test_reading_rules_outside_a_configuration_names_every_problem() -> None:
    assert [str(rule) for rule in read_rules([TOKEN_USE, NESTED])] == [
        'token_use equals "access"',
        'realm_access.roles contains "notes-reader"',
    ]
    with pytest.raises(InvalidRule) as wrong:
        read_rules([{"claim": "a"}, TOKEN_USE, {"claim": "b", "present": 0}])
    assert wrong.value.problems == [
        "CLAIM_RULES[0]: needs exactly one of equals, one_of, contains, present",
        "CLAIM_RULES[2]: present must be true or false, not 0",
    ]
