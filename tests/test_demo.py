"""The README's demo command: both example APIs answer the tour over HTTP, and ``jwtguard
explain`` and the audit log say why, without the tokens ever being printed in full."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXPECTED_STATUSES = ["401", "401", "401", "401", "403", "201"]


def test_demo_runs_both_apis_and_explains_each_answer() -> None:
    env = {name: value for name, value in os.environ.items() if not name.startswith("JWTGUARD_")}
    env["JWTGUARD_AUDIENCE"] = "api://not-the-default"  # the demo runs on embedded defaults
    completed = subprocess.run(
        [sys.executable, str(ROOT / "example_projects" / "demo.py")],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=env,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    out = completed.stdout
    flask, django = out.split("=== Django + DRF example API ===")
    assert "=== Flask example API ===" in flask
    for api in (flask, django):
        assert re.findall(r"^    -> (\d{3})$", api, re.M) == EXPECTED_STATUSES
        assert api.count('WWW-Authenticate: Bearer realm="api"\n') == 2  # no token, SSWS
        assert 'error="invalid_token", error_description="The access token expired"' in api
        assert 'error="insufficient_scope"' in api
        assert 'scope="notes:write"' in api
        # What jwtguard explain says, with the facts.
        assert "[FAIL] scheme: scheme `SSWS` is not `Bearer`" in api
        assert re.search(
            r"\[FAIL\] expiry: exp: expired 10 min [01] s ago at \d{4}-\d\d-\d\dT", api
        )
        assert "[FAIL] audience: aud ['api://billing'] is not one of ['api://notes']" in api
        assert "[FAIL] scopes: missing scope `notes:write` (token has `notes:read`)" in api
        assert api.count("ACCEPTED: the token would be accepted") == 1
        # The audit log, one line per refusal.
        assert len(re.findall(r"^    audit log: ", api, re.M)) == 5
        assert "audit log: 403 insufficient_scope POST /api/notes from 127.0.0.1" in api
    # What the clients got names none of the facts explain and the audit log give the operator.
    answers = re.findall(r"^       (?:WWW-Authenticate: .*|\{.*\})$", out, re.M)
    assert len(answers) == 2 * (6 + 5)  # six bodies and five challenges per API
    refusals = [answer for answer in answers if '"author"' not in answer]  # not the 201s
    for fact in ("api://", "leeway", "dev.jwtguard.local", "jwtguard-dev-1", "alice", "SSWS'"):
        assert not [answer for answer in refusals if fact in answer], fact
    assert not [answer for answer in refusals if re.search(r"\d{4}-\d\d-\d\dT", answer)]
    # Tokens are shown shortened, never whole.
    assert not re.search(r"eyJ[\w-]{30,}\.[\w-]+\.[\w-]+", out)
    # The last line points to a page users have (the docs), not to the design notes.
    last = out.rstrip().splitlines()[-1]
    assert "identical in both frameworks: see docs/reference/errors.md" in last
    assert "design" not in out
    assert (ROOT / "docs" / "reference" / "errors.md").is_file()
