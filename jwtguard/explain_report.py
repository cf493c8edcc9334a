"""The report ``jwtguard explain`` builds: one :class:`Check` per step of design §4.

Every step is always listed, in pipeline order: a step that could not run (because an earlier
one failed, or the configuration does not enable it) is ``skipped`` with the reason, so the
operator sees the whole pipeline every time.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from .errors import AuthError
from .explain_facts import fix_for

Status = Literal["passed", "failed", "skipped"]

#: The steps of design §4 as ``explain`` reports them, in the validator's order (the payload
#: is read after the signature, or before the key when several issuers each have their own
#: keys: then the token's ``iss`` picks them).
STEPS: tuple[str, ...] = (
    "scheme",
    "credentials",
    "size",
    "syntax",
    "header",
    "key",
    "signature encoding",
    "signature",
    "payload",
    "required claims",
    "claim types",
    "expiry",
    "not before",
    "issued at",
    "issuer",
    "audience",
    "lifetime",
    "binding",
    "revocation",
    "replay",
    "scopes",
)


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
    """Every check, and the verdict: ``accepted``, or the ``code`` and ``status`` a client gets
    with its client-safe ``description``."""

    checks: list[Check] = field(default_factory=list)
    accepted: bool = False
    code: str | None = None
    status: int | None = None
    description: str | None = None

    @property
    def first_failure(self) -> Check | None:
        return next((check for check in self.checks if check.status == "failed"), None)

    def count(self, status: Status) -> int:
        return sum(check.status == status for check in self.checks)

    def to_dict(self) -> dict[str, Any]:
        failure = self.first_failure
        first = dataclasses.asdict(failure) if failure is not None else None
        return dataclasses.asdict(self) | {"first_failure": first}


class Stop(Exception):
    """A check that later checks cannot go on without (no token, no header, no key) failed."""


class Report:
    """Collects the checks of one explanation."""

    def __init__(self) -> None:
        self.checks: list[Check] = []

    @property
    def failed_so_far(self) -> bool:
        return any(check.status == "failed" for check in self.checks)

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

    def produce(self, step: str, produce: Callable[[], Any], passed: Any) -> Any:
        """Run ``produce`` and return its value; on an error, report it and :class:`Stop`.

        ``passed`` is the message, or a function of the value giving it.
        """
        try:
            value = produce()
        except AuthError as error:
            self.failed(step, error)
            raise Stop from None
        self.passed(step, passed(value) if callable(passed) else passed)
        return value

    def skip_the_rest(self, *, until: str) -> None:
        """List every step not reported yet, up to (not including) ``until``, as skipped."""
        done = {check.step for check in self.checks}
        failure = next((check.step for check in self.checks if check.status == "failed"), None)
        reason = f"not reached: the {failure} check failed" if failure else "not reached"
        for step in STEPS[: STEPS.index(until)]:
            if step not in done:
                self.skipped(step, reason)
