"""``manage.py jwtguard_explain --role / --any-role``: the project's ``ROLE_CLAIMS`` decide."""

from __future__ import annotations

import json

from django.test import override_settings

from tests.contract import Minter
from tests.django.test_explain_command import explain
from tests.roles import KEYCLOAK_CLIENT, KEYCLOAK_REALM, settings_of


def test_roles_by_the_project_role_claims(minter: Minter) -> None:
    with override_settings(JWTGUARD=settings_of("keycloak client", minter)):
        status, out = explain(minter.token(**KEYCLOAK_CLIENT), "--role", "editor")
        assert (status, out.splitlines()[0]) == (0, "ACCEPTED: the token would be accepted")
        status, out = explain(f"Bearer {minter.token(**KEYCLOAK_REALM)}", "--role", "editor")
        assert status == 1
        assert out.startswith("REFUSED: 403 insufficient_role")
        assert "[FAIL] roles: missing role `editor` (token has `none`)" in out
        token = minter.token(**KEYCLOAK_CLIENT)
        status, out = explain("-", "--json", "--any-role", "admin", "--any-role", "x", stdin=token)
        report = json.loads(out)
        assert (status, report["code"], report["first_failure"]["step"]) == (
            1,
            "insufficient_role",
            "roles",
        )
