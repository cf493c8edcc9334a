"""What ``jwtguard explain`` reports: one :class:`Check` per step and the :class:`Explanation`."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from .errors import AuthError
from .explain_facts import fix_for

Status = Literal["passed", "failed", "skipped"]


@dataclass(frozen=True)
class Check:
    """One step of the pipeline, as explained."""

    step: str
    status: Status
    message: str
    code: str | None = None
    fix: str | None = None


@dataclass
class Explanation:
    """Every check, and the verdict: ``accepted``, or the ``code`` and ``status`` a client gets."""

    checks: list[Check] = field(default_factory=list)
    accepted: bool = False
    code: str | None = None
    status: int | None = None
    description: str | None = None

    @property
    def first_failure(self) -> Check | None:
        return next((check for check in self.checks if check.status == "failed"), None)

    def to_dict(self) -> dict[str, Any]:
        failure = self.first_failure
        first = dataclasses.asdict(failure) if failure is not None else None
        return dataclasses.asdict(self) | {"first_failure": first}


class Stop(Exception):
    """A check that later checks cannot go on without (no token, no header, no key) failed."""


class Report:
    def __init__(self) -> None:
        self.checks: list[Check] = []

    def passed(self, step: str, message: str) -> None:
        self.checks.append(Check(step, "passed", message))

    def skipped(self, step: str, message: str) -> None:
        self.checks.append(Check(step, "skipped", message))

    def failed(self, step: str, error: AuthError, message: str | None = None) -> None:
        text = message or error.detail or error.description
        self.checks.append(Check(step, "failed", text, error.code, fix_for(error)))

    def run(self, step: str, check: Callable[[], object], passed: str) -> None:
        """Run ``check``: ``passed`` if it returns, the error's facts if it raises one."""
        try:
            check()
        except AuthError as error:
            self.failed(step, error)
        else:
            self.passed(step, passed)
