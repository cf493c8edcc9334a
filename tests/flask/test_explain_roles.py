"""``flask jwtguard explain --role / --any-role``: the app's ``ROLE_CLAIMS`` decide."""

from __future__ import annotations

from tests.contract import Minter
from tests.flask.test_explain_command import explain, make_app
from tests.roles import ENTRA_APP_ONLY, ENTRA_DELEGATED, settings_of


def test_an_app_role_and_a_delegated_scope(minter: Minter) -> None:
    app = make_app(settings_of("default", minter))
    status, out = explain(app, minter.token(**ENTRA_APP_ONLY), "--role", "Notes.Read.All")
    assert (status, out.splitlines()[0]) == (0, "ACCEPTED: the token would be accepted")
    status, out = explain(app, minter.token(**ENTRA_DELEGATED), "--role", "Notes.Read.All")
    assert status == 1
    assert out.startswith("REFUSED: 403 insufficient_role")
    assert "[FAIL] roles: missing role `Notes.Read.All` (token has `none`)" in out
    token = minter.token(**ENTRA_APP_ONLY)
    status, out = explain(app, token, "--any-role", "admin", "--any-role", "Notes.Read.All")
    assert "[pass] roles: has one of `admin`, `Notes.Read.All`" in out
    assert status == 0
