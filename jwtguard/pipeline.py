"""The validation pipeline: one ordered sequence of named steps (design §4), run in three modes.

Each :class:`Step` checks one thing and names the claims or header parameters it reads by
their wire names. A step raises the :class:`~jwtguard.errors.AuthError` of its refusal, returns
``None`` when it passes, or returns a :class:`Skip` when it does not apply to this token (no
``nbf`` claim) or did not run for a reason the validator accepts (a store down, failing open).

- :attr:`Pipeline.run` stops at the first failure: ``Validator.validate``'s hot path, the
  checks this configuration enables, chosen once and compiled into one function that calls them
  one after the other (no loop, no per-step test of the mode).
- :meth:`Pipeline.peek` does the same, with each step's read-only variant (the replay check
  looks a ``jti`` up and never records it).
- :meth:`Pipeline.diagnose` runs the read-only steps in collect-all mode for ``jwtguard
  explain``: it goes on after a failure where it can, and reports a step that needs a failed
  one (``after``) as not reached, with the reason. Its first failure is ``run``'s refusal, by
  construction: the same functions, in the same order, on the same token.

The steps come from the modules that own their rules: the token's own steps from
:mod:`jwtguard.token_steps`, the claim rules from :mod:`jwtguard.claims`, the binding from
:mod:`jwtguard.binding`, revocation and replay from :mod:`jwtguard.stores.checks`;
:class:`~jwtguard.Validator` puts them in order.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, Protocol, TypeVar

from .errors import AuthError
from .token import AccessToken

S_contra = TypeVar("S_contra", contravariant=True)
State = TypeVar("State")
Status = Literal["passed", "failed", "skipped"]


class Facts(Protocol):
    """What the claim and store steps read: the decoded claims and the moment they are judged
    at (read when the signature is proven, or fixed by the caller of ``peek`` or ``explain``)."""

    claims: dict[str, Any]
    now: float


@dataclass(frozen=True, slots=True)
class Skip:
    """A step that did not apply, and why (for the operator): ``no `nbf` claim``."""

    reason: str


Check = Callable[[S_contra], Skip | None]


@dataclass(frozen=True, slots=True)
class Step(Generic[S_contra]):
    """One named step of the pipeline."""

    name: str
    """As ``jwtguard explain`` lists it: ``"not before"``."""
    reads: tuple[str, ...]
    """The wire names of the claims or header parameters it reads: ``("nbf",)``."""
    check: Check[S_contra]
    passed: Callable[[S_contra], str]
    """The operator's message when it passes, naming what it read."""
    after: tuple[str, ...] = ()
    """Earlier steps it cannot run without: in collect-all mode it is not reached when one of
    them failed or was not reached."""
    off: str | None = None
    """Why this configuration leaves the step out (``"REVOCATION is off"``); ``None``: it runs."""
    peek: Check[S_contra] | None = None
    """The read-only variant, when ``check`` writes (to a store)."""
    acheck: Callable[[S_contra], Awaitable[Skip | None]] | None = None
    """The async variant, when ``check`` may wait on I/O it can await (a key fetch)."""
    blocking: bool = False
    """``check`` may block on the network: async callers run it in a worker thread."""
    proven: str | None = None
    """Runs only on a token that passed every earlier step; the reason, for the operator."""
    refused: Callable[[S_contra, AuthError], str | None] | None = None
    """The operator's wording of a refusal, when the error's own detail says less."""


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one step reported in collect-all mode; ``error`` is the refusal of a failed step."""

    step: str
    status: Status
    message: str
    reads: tuple[str, ...] = ()
    error: AuthError | None = None


@dataclass
class Diagnosis:
    """Every step's outcome and the first refusal; the token when there is none."""

    outcomes: list[Outcome] = field(default_factory=list)
    error: AuthError | None = None
    token: AccessToken | None = None


_SYNC, _AWAIT, _THREAD = 0, 1, 2


class Pipeline(Generic[State]):
    """The steps of one configuration, in order, with the checks each mode runs chosen once."""

    def __init__(self, steps: Iterable[Step[State]]) -> None:
        self.steps: tuple[Step[State], ...] = tuple(steps)
        seen: set[str] = set()
        for step in self.steps:
            if step.name in seen or not seen.issuperset(step.after):
                raise ValueError(f"step {step.name!r} is repeated or comes before its needs")
            seen.add(step.name)
        enabled = [step for step in self.steps if step.off is None]
        #: Every enabled step, in order; the first refusal is raised. The hot path: compiled
        #: into one function that calls the checks one after the other.
        self.run: Callable[[State], None] = _straight_line(tuple(s.check for s in enabled))
        self._peeks = tuple(step.peek or step.check for step in enabled)
        self._plan = tuple(_async_plan(enabled))

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(step.name for step in self.steps)

    def peek(self, state: State) -> None:
        """As :meth:`run`, with each step's read-only variant."""
        for check in self._peeks:
            check(state)

    async def run_async(self, state: State) -> None:
        """As :meth:`run`: a key fetch is awaited, and steps that may block on the network run
        in one worker thread (consecutive ones together)."""
        for kind, call in self._plan:
            if kind == _SYNC:
                call(state)
            elif kind == _AWAIT:
                await call(state)
            else:
                await asyncio.to_thread(call, state)

    def diagnose(self, state: State) -> Diagnosis:
        """Collect-all mode, read only: every step's outcome, and the first refusal."""
        diagnosis = Diagnosis()
        causes: dict[str, str] = {}  # failed or not reached -> the failed step behind it
        for step in self.steps:
            cause = next((causes[name] for name in step.after if name in causes), None)
            if step.off is not None:
                outcome = Outcome(step.name, "skipped", step.off, step.reads)
            elif cause is not None:
                causes[step.name] = cause
                reason = f"not reached: the {cause} check failed"
                outcome = Outcome(step.name, "skipped", reason, step.reads)
            elif step.proven is not None and diagnosis.error is not None:
                reason = f"not reached: {step.proven}"
                outcome = Outcome(step.name, "skipped", reason, step.reads)
            else:
                outcome = _outcome(step, state)
                if outcome.error is not None:
                    causes[step.name] = step.name
                    if diagnosis.error is None:
                        diagnosis.error = outcome.error
            diagnosis.outcomes.append(outcome)
        return diagnosis


def _straight_line(checks: tuple[Check[State], ...]) -> Callable[[State], None]:
    """``for check in checks: check(state)`` without the loop: one call after the other, as a
    hand-written validator would do (the loop costs more than most checks). The source is built
    from fixed text and numbers only; the checks are passed in as its names."""
    calls = "".join(f"    check_{index}(state)\n" for index in range(len(checks)))
    source = f"def run(state):\n{calls}    return None\n"
    namespace: dict[str, Any] = {f"check_{index}": check for index, check in enumerate(checks)}
    exec(compile(source, "<jwtguard pipeline>", "exec"), namespace)  # noqa: S102 - see above
    run: Callable[[State], None] = namespace["run"]
    return run


def _outcome(step: Step[State], state: State) -> Outcome:
    try:
        result = (step.peek or step.check)(state)
    except AuthError as error:
        message = step.refused(state, error) if step.refused is not None else None
        text = message or error.detail or error.description
        return Outcome(step.name, "failed", text, step.reads, error)
    if result is not None:
        return Outcome(step.name, "skipped", result.reason, step.reads)
    return Outcome(step.name, "passed", step.passed(state), step.reads)


def _async_plan(steps: list[Step[State]]) -> Iterable[tuple[int, Callable[[State], Any]]]:
    """Each enabled step as the async runner calls it; consecutive blocking steps share one
    worker thread (one hop for revocation and replay together)."""
    blocking: list[Check[State]] = []
    for step in [*steps, None]:
        if step is not None and step.blocking and step.acheck is None:
            blocking.append(step.check)
            continue
        if blocking:
            yield _THREAD, _in_order(tuple(blocking))
            blocking = []
        if step is not None:
            yield (_AWAIT, step.acheck) if step.acheck is not None else (_SYNC, step.check)


def _in_order(checks: tuple[Check[State], ...]) -> Callable[[State], None]:
    def run(state: State) -> None:
        for check in checks:
            check(state)

    return run
