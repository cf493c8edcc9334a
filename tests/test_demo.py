"""The README's demo command works and shows the answers it promises."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_demo_runs_and_shows_each_answer() -> None:
    completed = subprocess.run(
        [sys.executable, str(ROOT / "example_projects" / "demo.py")],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    statuses = re.findall(r"^    -> (\d{3})$", completed.stdout, re.M)
    assert statuses == ["401", "401", "400", "401", "401", "401", "403", "200"]
    assert 'WWW-Authenticate: Bearer realm="notes"\n' in completed.stdout
    assert 'error="insufficient_scope"' in completed.stdout
    assert 'scope="notes:write"' in completed.stdout
    assert "the 'SSWS' scheme, not Bearer" in completed.stdout
    assert "00QCjAl4MlV-WPXM" not in completed.stdout.split("operator log")[2]
