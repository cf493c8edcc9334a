"""Claim rules and the audience fallback (issue 14 §1) through Django: the middleware (sync and
async views), ``@jwt_required`` (sync and async, alone and behind an annotating middleware) and
DRF (in every stack) give the same 401 ``invalid_token``, whose description names the claim and
never a value a rule expects."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.test import override_settings

from jwtguard_django.checks import check_settings
from tests.claim_rule_table import SCENARIOS, SETTINGS, reveals
from tests.django.entry_points import entry_point_tests


@pytest.fixture(autouse=True)
def claim_rules(jwtguard_setting: dict[str, object]) -> Iterator[dict[str, object]]:
    value = {**jwtguard_setting, **SETTINGS}
    with override_settings(JWTGUARD=value):
        yield value


decorator_stack, test_middleware, test_middleware_async, test_jwt_required, test_drf = (
    entry_point_tests(SCENARIOS, reveals, "claim_rules")
)


def test_a_wrong_rule_is_a_system_check_error(claim_rules: dict[str, object]) -> None:
    wrong = {**claim_rules, "CLAIM_RULES": [{"claim": "hd", "one_of": "example.com"}]}
    with override_settings(JWTGUARD=wrong):
        [message] = check_settings()
    assert message.id == "jwtguard.E006"
    assert message.msg == (
        "CLAIM_RULES[0]: one_of must be a non-empty list of values (for one value, use equals)"
    )
