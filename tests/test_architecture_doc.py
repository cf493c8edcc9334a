"""docs/architecture.md stays true: its house places every module and its imports point down,
its rules are the layer tests, its pipeline is the validator's, each decision lives where it
says, every path, name and test it gives exists, and its examples work (the adapter answers the
shared contract over HTTP, the store passes the store contract)."""

from __future__ import annotations

import builtins
import dataclasses
import importlib
import inspect
import json
import re
import sys
from collections.abc import Callable, Iterable, Iterator
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import requests

import jwtguard.claims
from jwtguard import (
    ClaimInvalid,
    GuardConfig,
    StoreError,
    TokenReplayed,
    TokenStore,
    Validator,
)
from jwtguard.adapters import Requirement
from jwtguard.pipeline import Step
from jwtguard.tools.explain import Check, Explanation, explain, steps_of
from tests import test_layers
from tests.answers import check_error_answer
from tests.contract import SCENARIOS, SETTINGS, Minter, Scenario, bearer
from tests.doc_blocks import ROOT, run_block
from tests.servers import serve_wsgi
from tests.store_contract import StoreContract
from tests.test_layers import ADAPTERS, MODULES, imports, module_name

PAGE = (ROOT / "docs" / "architecture.md").read_text("utf-8")
_FENCED = re.compile(r"^```(\w*)[^\n]*\n(.*?)^```[ \t]*$", re.S | re.M)
PROSE = _FENCED.sub("", PAGE)
TEXT_BLOCKS = [code for lang, code in _FENCED.findall(PAGE) if lang == "text"]
SPANS = re.findall(r"`([^`\n]+)`", PROSE)
#: Modules a name is never looked up in: one warns when imported, one runs the command.
NOT_IMPORTED = {"jwtguard.explain", "jwtguard.__main__"}


def table(*heading: str) -> list[list[str]]:
    """The rows of the page's table whose heading row starts with ``heading``."""
    lines = PAGE.splitlines()
    start = next(i for i, line in enumerate(lines) if cells(line)[: len(heading)] == [*heading])
    rows = []
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        rows.append(cells(line))
    return rows


def cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")] if "|" in line else []


def code_in(cell: str) -> list[str]:
    return re.findall(r"`([^`]+)`", cell)


def has(obj: object, dotted: str) -> bool:
    """Whether ``obj`` has the attribute path ``dotted``: a class's attributes include those
    its methods set on ``self``."""
    for part in dotted.split("."):
        if hasattr(obj, part):
            obj = getattr(obj, part)
        elif isinstance(obj, type):
            assigned = rf"\bself\.{part}\b\s*(:[^=\n]*)?="
            return re.search(assigned, inspect.getsource(obj)) is not None
        else:
            return False
    return True


@cache
def load(name: str) -> ModuleType:
    return importlib.import_module(name)


def resolves(dotted: str) -> bool:
    """Whether ``dotted`` (``jwtguard.stores.build.store_kind``) is a module or lies in one."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        name = ".".join(parts[:cut])
        if name in MODULES:
            return has(load(name), ".".join(parts[cut:])) if cut < len(parts) else True
    return False


def module_of_path(path: str) -> str:
    return module_name(ROOT / path)


# --- the house ---------------------------------------------------------------------------------


def floors() -> list[set[str]]:
    """The modules of each line of the page's house, from the top."""
    found = []
    for line in TEXT_BLOCKS[0].splitlines():
        places = [word for word in line.split() if re.fullmatch(r"[\w/]+(\.py|/)", word)]
        modules: set[str] = set()
        for place in places:
            path = ROOT / place if place.startswith(ADAPTERS) else ROOT / "jwtguard" / place
            assert path.exists(), place
            inside = [p for p in MODULES.values() if p == path or path in p.parents]
            modules.update(module_name(p) for p in inside)
        found.append(modules)
    return found


def test_the_house_places_every_module_once_and_its_imports_point_down() -> None:
    lines = floors()
    placed = [name for line in lines for name in line]
    assert sorted(placed) == sorted(MODULES), "every module on exactly one line"
    floor = {name: index for index, line in enumerate(lines) for name in line}
    upwards = {
        f"{name} -> {target}"
        for name in MODULES
        for target in imports(name)
        if floor[target] < floor[name]
    }
    assert upwards == set()


def test_the_rules_are_the_layer_tests() -> None:
    rows = table("Rule", "Test")
    named = {code_in(test)[0] for _rule, test in rows}
    tests = {name for name in vars(test_layers) if name.startswith("test_")}
    assert named == tests - {"test_the_import_graph_is_read"}  # that one tests the reader
    [foundation] = [rule for rule, test in rows if "sit_below" in test]
    assert {f"jwtguard.{name}" for name in code_in(foundation)} >= test_layers.FOUNDATION


# --- the pipeline -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def validator(minter: Minter) -> Validator:
    """Every step enabled, ``typ`` checked."""
    settings = {**SETTINGS, "JWKS": minter.jwks(), "REPLAY_PROTECTION": True, "REVOCATION": True}
    return Validator(GuardConfig.from_mapping(settings))


def test_the_pipeline_is_the_validators(validator: Validator) -> None:
    rows = table("#", "Step", "Reads", "Defined in")
    steps = validator.pipeline.steps
    assert [row[1] for row in rows] == [step.name for step in steps]
    assert [int(row[0]) for row in rows] == list(range(1, len(steps) + 1))
    for (_number, name, reads, where), step in zip(rows, steps, strict=True):
        if name != "required claims":  # it reads what the configuration requires
            assert code_in(reads) == list(step.reads), name
        assert [module_of_path(path) for path in code_in(where)] == [step.check.__module__], name


def test_with_keys_per_issuer_the_payload_comes_first() -> None:
    config = GuardConfig(algorithms=["RS256"], issuer=["https://a.example/", "https://b.example/"])
    names = Validator(config).pipeline.names
    assert names.index("payload") < names.index("key")
    assert "the payload step comes before the key step" in " ".join(PAGE.split())


def test_explain_lists_the_steps_the_page_names(validator: Validator) -> None:
    first, second, *pipeline, scopes, roles = steps_of(validator)
    assert pipeline == list(validator.pipeline.names)
    steps = f"(`{first}`, `{second}`), the pipeline's, then `{scopes}` and `{roles}`"
    assert steps in " ".join(PAGE.split())


def test_every_field_of_a_step_is_described() -> None:
    described = [code_in(row[0])[0] for row in table("Field", "Meaning")]
    fields = [field.name for field in dataclasses.fields(Step)]
    assert described == [name for name in fields if name not in ("name", "check")]


# --- names, paths and tests ---------------------------------------------------------------------


def test_each_decision_lives_where_the_page_says() -> None:
    rows = table("Decision", "Module", "Names")
    assert len(rows) > 20
    missing = [
        f"{path}: {name}"
        for _decision, module, names in rows
        for path in code_in(module)
        for name in code_in(names)
        if not has(load(module_of_path(path)), name)
    ]
    assert missing == []


def test_every_path_named_exists() -> None:
    spans = [span for span in SPANS if "/" in span and " " not in span]
    files = [word for block in TEXT_BLOCKS for word in re.findall(r"[\w/]+\.py\b", block)]
    assert len(spans) > 40
    missing = [
        place
        for place in [*spans, *files]
        if not (ROOT / place).exists() and not (ROOT / "jwtguard" / place).exists()
    ]
    assert missing == []


def test_every_dotted_name_resolves() -> None:
    """A module, or a name in one; a Django system-check id is one the checks give."""
    names = [span for span in SPANS if re.fullmatch(r"jwtguard(_django|_flask)?(\.\w+)*", span)]
    check_ids = [name for name in names if re.fullmatch(r"jwtguard\.[EW]\d{3}", name)]
    checks = (ROOT / "jwtguard_django" / "checks.py").read_text("utf-8")
    assert len(names) > 20
    assert [name for name in names if name not in check_ids and not resolves(name)] == []
    assert [name for name in check_ids if f'"{name}"' not in checks] == []


def test_every_class_named_exists() -> None:
    """``Guard.decide``, ``Step``, ``Route()``: a class of the packages (and what it has)."""
    names = [
        span
        for span in SPANS
        if re.fullmatch(r"[A-Z][a-z]\w*(\.\w+)*(\(\))?", span) and span not in vars(builtins)
    ]
    modules = [load(name) for name in sorted(MODULES) if name not in NOT_IMPORTED]
    assert len(names) > 40
    missing = [
        name
        for name in names
        if not any(has(module, name.removesuffix("()")) for module in modules)
    ]
    assert missing == []


def test_every_test_named_exists() -> None:
    named = {span for span in SPANS if re.fullmatch(r"test_\w+", span)}
    defined = {
        name
        for path in (ROOT / "tests").rglob("test_*.py")
        for name in re.findall(r"^def (test_\w+)", path.read_text("utf-8"), re.M)
    }
    assert len(named) > 8
    assert named - defined == set()


def test_the_page_is_in_the_site_and_linked() -> None:
    assert "- Architecture: architecture.md\n" in (ROOT / "mkdocs.yml").read_text("utf-8")
    assert "(docs/architecture.md)" in (ROOT / "README.md").read_text("utf-8")
    assert "(architecture.md)" in (ROOT / "docs" / "development.md").read_text("utf-8")


# --- the examples -------------------------------------------------------------------------------

NOW = 1_767_225_600.0


def test_a_claim_rule_as_written_runs_in_every_mode(
    minter: Minter, monkeypatch: pytest.MonkeyPatch
) -> None:
    tenant = run_block("architecture-claim-rule")["tenant"]
    monkeypatch.setattr(jwtguard.claims, "CLAIM_RULES", (*jwtguard.claims.CLAIM_RULES, tenant))
    validator = Validator(GuardConfig.from_mapping({**SETTINGS, "JWKS": minter.jwks()}))
    steps = steps_of(validator)
    assert steps.index("lifetime") < steps.index("tenant") < steps.index("binding")

    for tid in ("initech", ["acme"], 7):
        token = minter.token(now=NOW, tid=tid)
        with pytest.raises(ClaimInvalid, match="tid claim is invalid") as refused:
            validator.peek(token, now=NOW)
        assert refused.value.detail == "tid must be one of ['acme', 'globex']"
        report = explain(token, validator, now=NOW)
        assert report.code == "claim_invalid"
        assert report.first_failure == step_of(report, "tenant")

    served = explain(minter.token(now=NOW, tid="acme"), validator, now=NOW)
    assert served.accepted
    assert step_of(served, "tenant").message == "`tid` 'acme' is served here"
    elsewhere = explain(minter.token(now=NOW), validator, now=NOW)
    assert elsewhere.accepted
    assert step_of(elsewhere, "tenant").message == "no `tid` claim"


def step_of(report: Explanation, name: str) -> Check:
    return next(check for check in report.checks if check.step == name)


SCOPE_SETS = tuple(dict.fromkeys(scenario.scopes for scenario in SCENARIOS))


def path_for(scopes: Iterable[str]) -> str:
    return "/r/" + ("+".join(scopes) or "any")


def whoami(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
    token = environ["jwtguard.token"]
    found = {"sub": token.subject, "scopes": sorted(token.scopes)} if token else None
    start_response("200 OK", [("Content-Type", "application/json")])
    return [json.dumps(found).encode()]


@pytest.fixture(scope="module")
def adapter_url(minter: Minter) -> Iterator[str]:
    """The page's WSGI adapter on 127.0.0.1: one path per scope set of the contract table, and
    ``/health`` (in ``EXEMPT_PATHS``)."""
    namespace = run_block("architecture-adapter")
    guard_class, guarded = namespace["Guard"], namespace["GuardedApp"]
    config = {**SETTINGS, "JWKS": minter.jwks(), "EXEMPT_PATHS": ["/health"]}
    guard = guard_class(GuardConfig.from_mapping(config))
    apps = {path_for(s): guarded(whoami, guard, Requirement.of(s)) for s in SCOPE_SETS}
    apps["/health"] = guarded(whoami, guard)

    def dispatch(environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        return apps[environ["PATH_INFO"]](environ, start_response)

    with serve_wsgi(dispatch) as url:
        yield url


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.name)
def test_the_adapter_as_written_answers_the_contract(
    adapter_url: str, minter: Minter, scenario: Scenario
) -> None:
    response = requests.request(
        scenario.method,
        adapter_url + path_for(scenario.scopes),
        headers=scenario.headers(minter),
        params=scenario.query(minter),
        timeout=10,
    )
    if scenario.code is None:
        assert response.status_code == 200, response.text
        assert response.json() == {"sub": "alice", "scopes": ["notes:read"]}
    else:
        check_error_answer(scenario, response.status_code, response.headers.get, response.content)


def test_the_adapter_as_written_lets_exempt_paths_go_and_reads_forms(
    adapter_url: str, minter: Minter
) -> None:
    assert requests.get(f"{adapter_url}/health", timeout=10).json() is None
    forged = requests.get(f"{adapter_url}/health", headers=bearer("e30.e30.e30"), timeout=10)
    assert (forged.status_code, forged.json()["code"]) == (401, "token_malformed")
    token = minter.token()
    twice = requests.post(
        adapter_url + path_for(()),
        headers=bearer(token),
        data={"access_token": token},
        timeout=10,
    )
    assert (twice.status_code, twice.json()["code"]) == (400, "multiple_tokens")


@cache
def store_module() -> ModuleType:
    """The page's store block, as the module ``notes_api.tokens``."""
    module = ModuleType("notes_api.tokens")
    run_block("architecture-store", module.__dict__)
    return module


class TestTheStoreAsWritten(StoreContract):
    @pytest.fixture
    def store(self, tmp_path: Path) -> TokenStore:
        store: TokenStore = store_module().SQLiteStore(str(tmp_path / "tokens.db"), timeout=10)
        return store


def test_the_store_as_written_serves_as_the_store_setting(
    minter: Minter, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Named by its factory's dotted path, as the page says; two workers share the file."""
    module = store_module()
    package = ModuleType("notes_api")
    package.tokens = module  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "notes_api", package)
    monkeypatch.setitem(sys.modules, "notes_api.tokens", module)
    monkeypatch.setattr(module, "TOKEN_DB", str(tmp_path / "tokens.db"))
    settings = {
        **SETTINGS,
        "JWKS": minter.jwks(),
        "REPLAY_PROTECTION": True,
        "STORE": "notes_api.tokens.sqlite_store",
    }
    first, second = (Validator(GuardConfig.from_mapping(settings)) for _worker in range(2))
    token = minter.token(jti="once")
    assert first.validate(token).claims["jti"] == "once"
    with pytest.raises(TokenReplayed):
        second.validate(token)
    assert second.validate(minter.token(jti="another")).claims["jti"] == "another"


def test_the_store_as_written_fails_as_a_store(tmp_path: Path) -> None:
    store = store_module().SQLiteStore(str(tmp_path / "tokens.db"))
    (tmp_path / "tokens.db").unlink()
    (tmp_path / "tokens.db").mkdir()  # the file is gone, a directory in its place
    with pytest.raises(StoreError, match=r"^SQLite "):
        store.add("k", "1", 60)
