"""Smoke test: ``benchmarks/bench_validate.py --quick`` runs and writes a complete report.

It checks that the benchmark still works against the current API; it never looks at timings.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_validate.py"
ALGORITHMS = ("HS256", "RS256", "PS256", "ES256", "EdDSA")


def test_quick_run_writes_a_row_per_algorithm(tmp_path: Path) -> None:
    report_path = tmp_path / "benchmarks.md"
    completed = subprocess.run(
        [sys.executable, str(SCRIPT), "--quick", "--write", str(report_path)],
        capture_output=True,
        text=True,
        timeout=110,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    report = report_path.read_text(encoding="utf-8")
    rows = [line for line in report.splitlines() if line.startswith("| ")]
    for algorithm in ALGORITHMS:
        assert any(row.startswith(f"| {algorithm} |") for row in rows), algorithm
    assert "## Verdict" in report
