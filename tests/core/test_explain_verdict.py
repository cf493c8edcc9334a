"""``explain`` cannot drift from the real decision: for every request of the contract table and
for random mutations of tokens, its verdict and its first failing step carry the code the guard
answers with; it lists every step; it asks the store nothing about an unproven token."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator, Sequence
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jwtguard import (
    AuthError,
    Guard,
    GuardConfig,
    MemoryStore,
    SimpleRequest,
    StoreError,
    Validator,
    require_scopes,
)
from jwtguard.extract import describe_location
from jwtguard.stores import store_key
from jwtguard.testing import SigningKey, generate_key
from jwtguard.tools.explain import Explanation, explain, steps_of
from tests.contract import ISSUER, SCENARIOS, SETTINGS, Minter, Scenario
from tests.servers import RecordingServer, recording_server

CONFIGURATIONS: dict[str, dict[str, Any]] = {
    "contract": {},
    "strict": {"REQUIRED_CLAIMS": ["exp", "sub", "jti"], "LEEWAY": 0},
    "stores": {"REVOCATION": True, "REPLAY_PROTECTION": True},
    # Each issuer with keys of its own: the (unverified) iss picks them, before the key step.
    "two issuers": {"ISSUER": None, "TRUSTED_ISSUERS": (ISSUER, "https://other.example/")},
    "lenient": {"ISSUER": None, "AUDIENCE": None, "TOKEN_TYPES": [], "MAX_LIFETIME": None},
    "claim rules": {
        "CLAIM_RULES": [
            {"claim": "scope", "contains": "notes:read"},
            {"claim": "sub", "one_of": ["alice", "bob"]},
            {"claim": "cnf", "present": False},
        ],
        "AUDIENCE_FALLBACK": {"claim": "sub", "equals": "alice"},
    },
}


def guard_for(minter: Minter, name: str = "contract") -> Guard:
    settings_ = {**SETTINGS, "JWKS": minter.jwks(), **CONFIGURATIONS[name]}
    if "TRUSTED_ISSUERS" in settings_:  # the minter's keys, in the entry of each issuer
        keys = {"JWKS": settings_.pop("JWKS")}
        settings_["TRUSTED_ISSUERS"] = dict.fromkeys(settings_["TRUSTED_ISSUERS"], keys)
    return Guard(GuardConfig.from_mapping({k: v for k, v in settings_.items() if v is not None}))


def served_code(guard: Guard, request: SimpleRequest, scopes: Sequence[str]) -> str | None:
    """What a client gets for ``request`` from an endpoint requiring ``scopes``."""
    try:
        token = guard.authenticate(request)
        assert token is not None
        guard.authorize(token, scopes)
    except AuthError as error:
        return error.code
    return None


def check_agreement(explanation: Explanation, code: str | None) -> None:
    assert (explanation.code, explanation.accepted) == (code, code is None)
    failure = explanation.first_failure
    assert (failure.code if failure else None) == code, explanation.checks


def explainable(scenario: Scenario, minter: Minter) -> str | None:
    """The credentials ``explain`` takes for ``scenario``: its Authorization value, or its one
    query token (``None`` when the request cannot be said in one string)."""
    headers, query = scenario.headers(minter), scenario.query(minter)
    values = [value for values in query.values() for value in values]
    if headers and not values:
        return headers["Authorization"]
    if not headers and len(values) == 1 and values[0]:
        return values[0]
    return "" if not headers and not values else None


#: Requests ``explain`` cannot be given as one string: two locations, an empty query parameter,
#: and a header value without a scheme (one word is, by design, the token itself).
NOT_ONE_CREDENTIAL = {
    "token in header and query",
    "two access_token parameters",
    "empty access_token parameter",
    "API key without a scheme",
    "token without a scheme",
}


@pytest.mark.parametrize(
    "scenario", [s for s in SCENARIOS if s.name not in NOT_ONE_CREDENTIAL], ids=lambda s: s.name
)
def test_explain_agrees_with_the_guard_on_the_contract_table(
    minter: Minter, scenario: Scenario
) -> None:
    credentials = explainable(scenario, minter)
    assert credentials is not None
    guard = guard_for(minter)
    explanation = explain(credentials, guard.validator, scopes=scenario.scopes)
    check_agreement(explanation, scenario.code)
    request = SimpleRequest(headers=scenario.headers(minter), query=scenario.query(minter))
    assert served_code(guard, request, scenario.scopes) == scenario.code


@pytest.mark.parametrize(
    ("credentials", "code"),
    [
        ("", "token_missing"),
        ("Bearer", "malformed_request"),
        ("bearer   ", "malformed_request"),
        ("abc,def", "malformed_request"),  # a bare token is checked as a client would send it
        ("Bearer\teyJ.e30.sig", "unsupported_scheme"),  # a tab does not separate the scheme
        ("Negotiate abc", "unsupported_scheme"),
    ],
)
def test_odd_credentials_get_the_served_answer(minter: Minter, credentials: str, code: str) -> None:
    guard = guard_for(minter)
    check_agreement(explain(credentials, guard.validator), code)


CLAIM_VALUES = st.one_of(
    st.none(),
    st.sampled_from(["", "x", ISSUER, "https://evil.example/", "api://notes", "notes:read"]),
    st.sampled_from(["notes:read notes:write", "alice"]),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=False),
    st.booleans(),
    st.lists(st.sampled_from(["api://notes", "api://other", 5]), max_size=2),
    st.dictionaries(st.sampled_from(["a", "roles", "jkt"]), st.integers(), max_size=1),
)
SHIFTS = st.sampled_from([-7200, -4000, -90, -30, 0, 30, 90, 600, 4000, 9000])
CLAIM_NAMES = ["iss", "aud", "sub", "exp", "nbf", "iat", "jti", "scope", "cnf"]
HEADER_VALUES = st.sampled_from(["RS256", "ES256", "PS256", "HS256", "none", "JWT", "id+jwt"])
NOW = int(time.time())


def wire_names(message: str) -> set[str]:
    """The words of a message, as a wire name would stand in it (`nbf`, 'nbf', nbf:)."""
    return set(re.findall(r"[a-z]+", message))


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    configuration=st.sampled_from(sorted(CONFIGURATIONS)),
    claim_changes=st.dictionaries(
        st.sampled_from(CLAIM_NAMES),
        st.one_of(CLAIM_VALUES, SHIFTS.map(lambda shift: NOW + shift)),
        max_size=3,
    ),
    header_changes=st.one_of(
        st.just({}),  # most tokens get past the header, so the claim steps are exercised
        st.dictionaries(
            st.sampled_from(["alg", "typ", "kid", "crit"]),
            st.one_of(CLAIM_VALUES, HEADER_VALUES, st.sampled_from(["ec-1", "k9", ["exp"]])),
            max_size=2,
        ),
    ),
    signer=st.sampled_from(["key", "key", "ec_key", "stranger", "hmac"]),
    form=st.sampled_from(["Bearer {}", "{}", "bearer  {}"]),
    scopes=st.sampled_from([(), ("notes:read",), ("notes:write",)]),
)
def test_explain_agrees_with_validate_on_generated_tokens(
    minter: Minter,
    configuration: str,
    claim_changes: dict[str, Any],
    header_changes: dict[str, Any],
    signer: str,
    form: str,
    scopes: tuple[str, ...],
) -> None:
    """Mutations of a good token (claims, header, signer): explain's verdict and first failed
    step are validate's outcome; it lists the validator's own steps, and each step names what it
    read by its wire name."""
    key: SigningKey = getattr(minter, signer)
    claims: dict[str, Any] = {
        "iss": ISSUER, "aud": "api://notes", "sub": "alice", "exp": NOW + 300, "iat": NOW,
        "jti": f"j{time.monotonic_ns()}", "scope": "notes:read",
    } | claim_changes  # fmt: skip
    header: dict[str, Any] = {"alg": key.algorithm, "typ": "at+jwt", "kid": key.kid}
    header |= header_changes
    claims = {name: value for name, value in claims.items() if value is not None}
    header = {name: value for name, value in header.items() if value is not None}
    payload = json.dumps(claims, allow_nan=True).encode()
    token = key.sign(payload, json.dumps(header).encode(), algorithm=key.algorithm)
    validator = guard_for(minter, configuration).validator

    explanation = explain(form.format(token), validator, scopes=scopes, now=NOW)  # reads only

    try:
        require_scopes(Validator(validator.config, store=validator.store, clock=lambda: NOW)
                       .validate(token), scopes)  # fmt: skip
    except AuthError as error:
        code: str | None = error.code
    else:
        code = None
    check_agreement(explanation, code)
    assert [check.step for check in explanation.checks] == list(steps_of(validator))
    for check in explanation.checks:
        named = set(check.reads) & wire_names(check.message)
        if check.status == "passed":
            assert named == set(check.reads), check
        elif check.status == "failed" and check.code != "store_unavailable" and check.reads:
            assert named, check


@pytest.mark.parametrize(
    "credentials",
    ["", "SSWS 00abc", "Bearer x.y", "Bearer valid", "Bearer expired", "Bearer unknown-kid"],
)
@pytest.mark.parametrize("configuration", ["contract", "two issuers"])
def test_every_step_is_listed_once_in_pipeline_order(
    minter: Minter, credentials: str, configuration: str
) -> None:
    tokens = {
        "valid": minter.token(),
        "expired": minter.token(now=time.time() - 7200),
        "unknown-kid": minter.token(generate_key("RS256", kid="k9")),
    }
    words = credentials.split(" ")
    if words[-1] in tokens:
        credentials = f"Bearer {tokens[words[-1]]}"
    validator = guard_for(minter, configuration).validator
    explanation = explain(credentials, validator)
    assert [check.step for check in explanation.checks] == list(steps_of(validator))
    assert all(check.message for check in explanation.checks)


class RecordingStore(MemoryStore):
    """A memory store that remembers which keys it was asked about or told."""

    def __init__(self) -> None:
        super().__init__()
        self.asked: list[str] = []
        self.written: list[str] = []

    def get_many(self, keys: Sequence[str]) -> list[str | None]:
        self.asked.extend(keys)
        return super().get_many(keys)

    def add(self, key: str, value: str, ttl: float) -> bool:
        self.written.append(key)
        return super().add(key, value, ttl)


def test_the_store_is_never_asked_about_an_unproven_token(minter: Minter) -> None:
    config = GuardConfig.from_mapping(
        {**SETTINGS, "JWKS": minter.jwks(), "REVOCATION": True, "REPLAY_PROTECTION": True}
    )
    store = RecordingStore()
    validator = Validator(config, store=store)
    for refused in (
        minter.token(now=time.time() - 7200, jti="expired-jti"),
        minter.token(minter.stranger, jti="forged-jti"),
        minter.token(aud="api://other", jti="elsewhere-jti"),
    ):
        explanation = explain(refused, validator)
        assert not explanation.accepted
        for step in ("revocation", "replay"):
            check = next(check for check in explanation.checks if check.step == step)
            assert check.status == "skipped"
            assert "only asked about a token that passed every check" in check.message
    assert (store.asked, store.written) == ([], [])
    assert explain(minter.token(jti="good-jti"), validator).accepted
    assert store_key(config.store_prefix, "used", "good-jti", issuer=ISSUER) in store.asked
    assert store.written == [], "explain never records a jti as used"


@pytest.fixture
def idp() -> Iterator[RecordingServer]:
    with recording_server() as server:
        yield server


def remote_validator(server: RecordingServer) -> Validator:
    return Validator(
        GuardConfig(
            jwks_url=server.url + "/keys",
            algorithms=["RS256", "ES256"],
            issuer=ISSUER,
            audience="api://notes",
        )
    )


def test_a_remote_key_set_lists_its_kids(minter: Minter, idp: RecordingServer) -> None:
    idp.serve_json("/keys", minter.jwks())
    validator = remote_validator(idp)
    assert explain(minter.token(), validator).accepted
    stranger = generate_key("ES256", kid="k9")
    explanation = explain(minter.token(stranger), validator)
    failure = explanation.first_failure
    assert failure is not None
    assert (explanation.code, failure.step) == ("unknown_key", "key")
    assert failure.message == "`kid` 'k9' not among the trusted keys ['ec-1', 'rsa-1']"


def test_an_unreachable_key_set_is_a_503(minter: Minter, idp: RecordingServer) -> None:
    validator = remote_validator(idp)  # nothing served: 404
    explanation = explain(minter.token(), validator)
    failure = explanation.first_failure
    assert failure is not None
    assert (explanation.status, explanation.code) == (503, "key_source_unavailable")
    assert (failure.step, failure.code) == ("key", "key_source_unavailable")
    assert "/keys" in failure.message
    assert failure.fix is not None
    assert "JWKS_URL" in failure.fix


def test_with_an_issuer_per_key_set_the_payload_is_read_first(idp: RecordingServer) -> None:
    """Discovered keys per issuer: the token's (unverified) iss picks them, as in the validator."""
    keys = {name: generate_key("ES256", kid=f"{name}-1") for name in ("a", "b")}
    issuers = {name: f"{idp.url}/{name}" for name in keys}
    for name, issuer in issuers.items():
        metadata = {"issuer": issuer, "jwks_uri": f"{idp.url}/{name}/jwks"}
        idp.serve_json(f"/{name}/.well-known/openid-configuration", metadata)
        idp.serve_json(f"/{name}/jwks", keys[name].jwks())
    validator = Validator(GuardConfig(issuer=list(issuers.values()), algorithms=["ES256"]))

    accepted = explain(keys["b"].token(iss=issuers["b"]), validator)
    steps = [check.step for check in accepted.checks]
    assert accepted.accepted
    assert steps == list(steps_of(validator))
    assert steps.index("payload") < steps.index("key")

    crossed = explain(keys["b"].token(iss=issuers["a"]), validator)
    check_agreement(crossed, "unknown_key")
    assert crossed.first_failure is not None
    assert crossed.first_failure.message == "`kid` 'b-1' not among the trusted keys ['a-1']"
    untrusted = explain(keys["a"].token(iss=idp.url + "/evil"), validator)
    check_agreement(untrusted, "issuer_invalid")


class UnreachableStore:
    """A token store that is down."""

    def add(self, key: str, value: str, ttl: float) -> bool:
        raise StoreError("connection refused")

    def put(self, key: str, value: str, ttl: float) -> None:
        raise StoreError("connection refused")

    def get_many(self, keys: Sequence[str]) -> list[str | None]:
        raise StoreError("connection refused")


@pytest.mark.parametrize(("policy", "code"), [("closed", "store_unavailable"), ("open", None)])
def test_an_unreachable_store_is_explained_as_the_policy_decides(
    minter: Minter, policy: str, code: str | None
) -> None:
    settings_ = {"REVOCATION": True, "REPLAY_PROTECTION": True, "STORE_FAILURE": policy}
    config = GuardConfig.from_mapping({**SETTINGS, "JWKS": minter.jwks(), **settings_})
    explanation = explain(minter.token(), Validator(config, store=UnreachableStore()))
    check_agreement(explanation, code)
    revocation = next(check for check in explanation.checks if check.step == "revocation")
    assert "connection refused" in revocation.message
    if policy == "closed":
        assert (revocation.status, explanation.status) == ("failed", 503)
        assert revocation.fix is not None
    else:
        assert revocation.status == "skipped"
        assert "STORE_FAILURE is 'open', so it passes unchecked" in revocation.message


@pytest.mark.parametrize("location", ["query", "cookie", "form"])
def test_a_bare_token_goes_where_the_configuration_looks(minter: Minter, location: str) -> None:
    config = GuardConfig.from_mapping(
        {**SETTINGS, "JWKS": minter.jwks(), "TOKEN_LOCATIONS": [location]}
    )
    validator = Validator(config)
    explanation = explain(minter.token(), validator)
    assert explanation.accepted
    credentials = next(check for check in explanation.checks if check.step == "credentials")
    assert credentials.message == f"one token, in the {describe_location(location)}"
    # A header value is still read as one: this configuration ignores the header.
    check_agreement(explain(f"Bearer {minter.token()}", validator), "token_missing")
