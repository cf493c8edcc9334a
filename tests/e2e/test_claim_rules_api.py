"""Claim rules and the audience fallback (issue 14 §1) over real HTTP: both example APIs under
gunicorn, configured by ``JWTGUARD_CLAIM_RULES`` and ``JWTGUARD_AUDIENCE_FALLBACK`` as JSON in
the environment, answer the shared table of claim-rule requests from DRF (``/api/me`` in Django),
a plain Django view (``/plain/me``) and Flask (``/api/me``)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.claim_rule_table import SCENARIOS, SETTINGS, reveals
from tests.contract import Minter
from tests.e2e.example_apis import over_http_test, serve_both
from tests.e2e.notes_api import contract_environment


def environment(jwks_file: Path) -> dict[str, str]:
    rules = {f"JWTGUARD_{name}": json.dumps(value) for name, value in SETTINGS.items()}
    return contract_environment(jwks_file) | rules


@pytest.fixture(scope="module")
def servers(minter: Minter, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    with serve_both(minter, tmp_path_factory.mktemp("claim_rules"), environment) as urls:
        yield urls


test_claim_rules_over_http = over_http_test(SCENARIOS, reveals)
