"""Claim values: the declarative rules of the ``CLAIM_RULES`` and ``AUDIENCE_FALLBACK`` settings.

A rule is written the same way in every configuration form (a Python dict, JSON in
``JWTGUARD_*`` and on the command line): a claim path (:mod:`jwtguard.claim_paths`) and exactly
one operator::

    {"claim": "token_use", "equals": "access"}
    {"claim": "hd", "one_of": ["example.com", "example.org"]}
    {"claim": "amr", "contains": "mfa"}         # a list, or a space-delimited string
    {"claim": "email_verified", "present": true}  # false: the claim must be absent

Values are JSON scalars (strings, numbers, booleans) compared by JSON type: ``true`` never
equals ``1``, nor ``"true"``; a token value of another type (a list where a string is expected)
is refused, never an error. :func:`read_rule` reads one rule and says everything wrong with it;
:meth:`ValueRule.breach` judges a token's claims; :func:`value_step` makes a rule a step of the
pipeline, after the registered-claim rules of :mod:`jwtguard.claims`.
"""

from __future__ import annotations

import difflib
import json
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Final, Literal, NamedTuple

from .claim_paths import ABSENT, ClaimPath
from .errors import ClaimInvalid, ClaimMissing
from .pipeline import Facts, Step

Operator = Literal["equals", "one_of", "contains", "present"]
OPERATORS: Final[tuple[Operator, ...]] = ("equals", "one_of", "contains", "present")
EXAMPLE: Final = '{"claim": "token_use", "equals": "access"}'
_FOUND_LIMIT = 120  # characters of a token's value shown to the operator

Scalar = str | int | float | bool


class InvalidRule(ValueError):
    """A rule that cannot be read; ``problems`` says everything wrong with it."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


class Breach(NamedTuple):
    """Why a token's claims break a rule: ``missing`` when the claim is absent (and must not
    be), and the operator's ``detail``: what was expected, what was found."""

    missing: bool
    detail: str


@dataclass(frozen=True, slots=True)
class ValueRule:
    """One rule, read once: the path it reads, its operator, and the values it accepts."""

    path: ClaimPath
    operator: Operator
    operand: Any
    """``equals``, ``contains``: one scalar; ``one_of``: a tuple of them; ``present``: a bool."""

    @property
    def claim(self) -> str:
        """The claim's name as the client is told it (no escapes): ``resource_access.a.b``."""
        return ".".join(self.path.parts)

    def __str__(self) -> str:
        """The rule for the operator: ``token_use equals "access"``, ``scp absent``."""
        if self.operator == "present":
            return f"{self.path.text} {'present' if self.operand else 'absent'}"
        return f"{self.path.text} {self.operator} {_json(self.operand)}"

    def found(self, claims: Mapping[str, Any]) -> Any:
        """The value the rule reads in ``claims`` (:data:`~jwtguard.claim_paths.ABSENT`)."""
        return self.path.lookup(claims)

    def breach(self, claims: Mapping[str, Any]) -> Breach | None:
        """How ``claims`` break this rule; ``None`` when they meet it."""
        value = self.path.lookup(claims)
        name = self.path.text
        if self.operator == "present":
            if (value is ABSENT) == (not self.operand):
                return None
            if self.operand:
                return Breach(True, f"{name} must be present, and the token has no {name} claim")
            return Breach(False, f"{name} must be absent, found {shown(value)}")
        wanted = f"{name} must {_VERBS[self.operator]} {_json(self.operand)}"
        if value is ABSENT:
            return Breach(True, f"{wanted}, and the token has no {name} claim")
        if self._accepts(value):
            return None
        shape = ""
        if self.operator == "contains" and not isinstance(value, str | list):
            shape = " (neither a list nor a space-delimited string)"
        return Breach(False, f"{wanted}, found {shown(value)}{shape}")

    def _accepts(self, value: Any) -> bool:
        if self.operator == "equals":
            return _same(value, self.operand)
        if self.operator == "one_of":
            return any(_same(value, accepted) for accepted in self.operand)
        if type(value) is str:  # contains: a space-delimited string holds words
            return type(self.operand) is str and self.operand in value.split()
        return type(value) is list and any(_same(item, self.operand) for item in value)


def value_step(rule: ValueRule) -> Step[Facts]:
    """The pipeline step of one rule of the ``CLAIM_RULES`` setting: a claim the rule needs
    and the token lacks is ``claim_missing``, a value it does not accept ``claim_invalid``. The
    client is told which claim, never what was expected; the operator both."""
    name = rule.claim

    def check(state: Facts) -> None:
        breach = rule.breach(state.claims)
        if breach is None:
            return
        detail = f"{breach.detail} (CLAIM_RULES)"
        if breach.missing:
            raise ClaimMissing(f"The access token lacks the {name} claim", detail=detail)
        raise ClaimInvalid(f"The access token's {name} claim is invalid", detail=detail)

    def passed(state: Facts) -> str:
        found = rule.found(state.claims)
        if found is ABSENT:
            return f"no `{rule.path.text}` claim"
        return f"`{rule.path.text}` is {shown(found)}"

    return Step(f"claim rule: {rule}", (rule.path.text,), check, passed, after=("payload",))


_VERBS: dict[str, str] = {"equals": "equal", "one_of": "be one of", "contains": "contain"}


def read_rule(value: Any, *, operators: tuple[Operator, ...] = OPERATORS) -> ValueRule:
    """The rule ``value`` describes (a mapping: ``{"claim": ..., "<operator>": ...}``);
    :class:`InvalidRule` naming every problem. ``operators``: the operators allowed here."""
    if not isinstance(value, Mapping):
        raise InvalidRule([f"must be an object such as {EXAMPLE}, not {type(value).__name__}"])
    problems = list(_unknown_keys(value, operators))
    path = _path(value.get("claim"), problems)
    given = [name for name in OPERATORS if name in value]
    if len(given) != 1:
        got = f", got {', '.join(given)}" if given else ""
        problems.append(f"needs exactly one of {', '.join(operators)}{got}")
    elif given[0] not in operators:
        problems.append(f"{given[0]} cannot be used here: use {' or '.join(operators)}")
    operand = _operand(given[0], value[given[0]], problems) if len(given) == 1 else None
    if problems or path is None:
        raise InvalidRule(problems)
    return ValueRule(path, given[0], operand)


def read_rules(value: Any) -> tuple[ValueRule, ...]:
    """The rules of a ``CLAIM_RULES`` value (a list of rules); :class:`InvalidRule` naming
    every problem of every rule, each prefixed with its index."""
    problems = list(rules_problems("CLAIM_RULES", value))
    if problems:
        raise InvalidRule(problems)
    return tuple(read_rule(item) for item in value)


def rules_problems(name: str, value: Any) -> Iterator[str]:
    """Everything wrong with ``value`` as a list of rules (the setting ``name``)."""
    if isinstance(value, str | bytes | Mapping) or not isinstance(value, list | tuple):
        yield f"{name} must be a list of rules such as [{EXAMPLE}], not {type(value).__name__}"
        return
    seen: dict[str, int] = {}
    for index, item in enumerate(value):
        try:
            rule = read_rule(item)
        except InvalidRule as invalid:
            yield from (f"{name}[{index}]: {problem}" for problem in invalid.problems)
            continue
        if str(rule) in seen:
            yield f"{name}[{index}]: repeats {name}[{seen[str(rule)]}] ({rule})"
        seen.setdefault(str(rule), index)


def _unknown_keys(value: Mapping[Any, Any], operators: tuple[Operator, ...]) -> Iterator[str]:
    known = ("claim", *OPERATORS)
    for key in value:
        if key not in known:
            close = difflib.get_close_matches(str(key), ("claim", *operators), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            yield f'unknown key {key!r}{hint}: a rule is {{"claim": PATH, OPERATOR: VALUE}}'


def _path(text: Any, problems: list[str]) -> ClaimPath | None:
    if not isinstance(text, str) or not text:
        problems.append(f"needs 'claim', the claim path it reads, such as {EXAMPLE}")
        return None
    try:
        return ClaimPath.parse(text)
    except ValueError as error:
        problems.append(str(error))
        return None


def _operand(operator: Operator, value: Any, problems: list[str]) -> Any:
    """The operand in its read form (``one_of``: a tuple); a problem if it is wrong."""
    if operator == "present":
        if not isinstance(value, bool):
            problems.append(f"present must be true or false, not {_json(value)}")
        return value
    if operator == "one_of":
        if isinstance(value, str | bytes) or not isinstance(value, list | tuple) or not value:
            one = " (for one value, use equals)" if isinstance(value, str) else ""
            problems.append(f"one_of must be a non-empty list of values{one}")
            return ()
        for item in value:
            _scalar("one_of", item, problems)
        return tuple(value)
    _scalar(operator, value, problems)
    return value


def _scalar(operator: str, value: Any, problems: list[str]) -> None:
    if isinstance(value, float) and not math.isfinite(value):
        problems.append(f"{operator}: {value!r} is not a JSON number")
    elif not isinstance(value, Scalar):
        problems.append(
            f"{operator}: {_json(value)} is not a string, a number or a boolean "
            f"(a {type(value).__name__})"
        )


def _same(value: Any, expected: Scalar) -> bool:
    """Equal as JSON values: strings to strings, booleans to booleans, numbers to numbers."""
    if type(expected) is bool or type(value) is bool:
        return value is expected
    if type(expected) is str or type(value) is str:
        return type(value) is type(expected) and value == expected
    return isinstance(value, int | float) and value == expected


def _json(value: Any) -> str:
    try:
        return json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        return repr(value)


def shown(value: Any) -> str:
    """A token's value for the operator, cut short: claim values are no secret to the API's
    operator (``jwtguard decode`` shows them all), but a log line stays a line."""
    text = _json(value)
    return text if len(text) <= _FOUND_LIMIT else text[: _FOUND_LIMIT - 3] + "..."
