"""MkDocs hooks: the reference tables, generated from the code when the site is built.

A page asks for a table with a marker on a line of its own, ``<!-- generated: NAME -->``:

- ``settings``: every setting of the settings table (:mod:`jwtguard.settings`), grouped, with
  its type, default, environment variable, rule, problem code, ``jwtguard`` flag and one-line
  meaning taken from the table, and what more there is to say from ``reference.toml``;
- ``django-settings`` / ``flask-settings``: the keys only one adapter reads;
- ``codes``: every :class:`jwtguard.AuthError` of :mod:`jwtguard.errors`, with its status,
  challenge, body and description taken from the class;
- ``cli``: ``jwtguard <command> --help`` for each command;
- ``provider-<name>``: the parameters of a provider's preset (:mod:`jwtguard.providers`), each
  required or with its default, and what it is.

A code without a hand-written entry, a setting outside the table, or an entry for a setting or a
code that no longer exists fails the build, so nothing new goes undocumented.
``tests/test_docs.py`` runs the same functions.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import functools
import io
import json
import os
import re
import tomllib
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the tests import this module without MkDocs installed
    from mkdocs.config.defaults import MkDocsConfig
    from mkdocs.structure.files import Files
    from mkdocs.structure.pages import Page

REFERENCE = Path(__file__).with_name("reference.toml")
MARKER = re.compile(r"^<!-- generated: (?P<name>[\w-]+) -->$", re.M)


class Undocumented(Exception):
    """Settings or codes that have no hand-written entry, or entries for none."""


def load_reference(path: Path = REFERENCE) -> dict[str, Any]:
    with path.open("rb") as file:
        return tomllib.load(file)


def _check_entries(what: str, names: Iterable[str], entries: Mapping[str, Any], key: str) -> None:
    names = list(names)
    missing = [name for name in names if not str(entries.get(name, {}).get(key, "")).strip()]
    stale = sorted(set(entries) - set(names))
    problems = []
    if missing:
        problems.append(f"no `{key}` in {REFERENCE.name} for the {what} {', '.join(missing)}")
    if stale:
        problems.append(f"{REFERENCE.name} describes {what} that do not exist: {', '.join(stale)}")
    if problems:
        raise Undocumented("; ".join(problems))


def _text(value: str) -> str:
    """A hand-written TOML paragraph as one Markdown paragraph."""
    return " ".join(value.split())


def _default(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return f"`{value}`"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, tuple):
        return f"`{json.dumps(list(value))}`" if value else "empty"
    return f"`{json.dumps(value)}`"


def _code(text: str, *, cell: bool = False) -> str:
    """``text`` as inline code; in a table ``cell``, with its ``|`` escaped."""
    return "`" + (text.replace("|", "\\|") if cell else text) + "`"


# --- settings ----------------------------------------------------------------------------------


def settings_markdown(
    config_class: type, flags: Mapping[str, str], reference: Mapping[str, Any]
) -> str:
    """One section per group, one heading per setting of ``config_class``'s table (the fields
    of :class:`jwtguard.settings.Settings`, each with its ``Spec``), in the table's order;
    ``flags``: the ``jwtguard`` command's flag of each setting it takes."""
    fields = [field for field in dataclasses.fields(config_class) if field.init]
    outside = [field.name.upper() for field in fields if "spec" not in field.metadata]
    if outside:
        raise Undocumented(f"settings outside the settings table: {', '.join(outside)}")
    entries: Mapping[str, Any] = reference.get("settings", {})
    stale = sorted(set(entries) - {field.name.upper() for field in fields})
    if stale:
        raise Undocumented(f"{REFERENCE.name} describes settings that do not exist: {stale}")
    groups = list(dict.fromkeys(field.metadata["spec"].group for field in fields))
    lines: list[str] = []
    for group in groups:
        lines += [f"## {group}", ""]
        for field in fields:
            spec = field.metadata["spec"]
            if spec.group != group:
                continue
            name = field.name.upper()
            rule = str(spec.rule)
            facts = [
                f"**Type** {_code(str(field.type))}",
                f"**Default** {spec.default_text or _default(field.default)}",
                f"**Environment** `JWTGUARD_{name}` ({spec.rule.env_form})",
                f"**Valid** {rule} (else `{name.lower()}_invalid`)" if rule else "",
                f"**`jwtguard` flag** `{flags[name]}`" if name in flags else "",
            ]
            text = " ".join([spec.meaning + ".", _text(entries.get(name, {}).get("more", ""))])
            lines += [f"### `{name}`", "", " · ".join(filter(None, facts)), "", text.strip(), ""]
    return "\n".join(lines)


def adapter_settings_markdown(
    adapter: str, keys: Iterable[str], reference: Mapping[str, Any], spell: Callable[[str], str]
) -> str:
    """A table of the keys only ``adapter`` (``django`` or ``flask``) reads."""
    entries: Mapping[str, Any] = reference.get(adapter, {})
    _check_entries(f"{adapter} keys", keys, entries, "meaning")
    lines = ["| key | type | default | meaning |", "|---|---|---|---|"]
    for key in entries:  # in the order of reference.toml
        entry = entries[key]
        cells = [
            spell(key),
            _code(entry["type"], cell=True),
            entry["default"],
            _text(entry["meaning"]),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def flask_entries(options_class: type, reference: Mapping[str, Any]) -> dict[str, Any]:
    """The Flask-only keys' entries, with type and default from their dataclass."""
    entries = dict(reference.get("flask", {}))
    for field in dataclasses.fields(options_class):
        name = field.name.upper()
        entries[name] = {
            **entries.get(name, {}),
            "type": str(field.type),
            "default": _default(field.default),
        }
    return {**reference, "flask": entries}


# --- error codes -------------------------------------------------------------------------------


def codes_markdown(error_classes: Sequence[type[Any]], reference: Mapping[str, Any]) -> str:
    """One row per error class: its status, challenge, body ``error``, code and description."""
    entries: Mapping[str, Any] = reference.get("codes", {})
    _check_entries("codes", (cls.code for cls in error_classes), entries, "when")
    lines = [
        "| `code` | status | challenge `error` | body `error` | the client is told | when |",
        "|---|---|---|---|---|---|",
    ]
    for cls in error_classes:
        if not cls.challenges:
            challenge = "no challenge"
        elif cls.error is None:
            challenge = "none"
        else:
            challenge = f"`{cls.error}`" + (
                ', `scope="…"`' if cls.error == "insufficient_scope" else ""
            )
        cells = [
            f"`{cls.code}`",
            str(cls.status) + (" + `Retry-After`" if cls.status == 503 else ""),
            challenge,
            f"`{cls.body_error}`",
            cls.default_description,
            _text(entries[cls.code]["when"]),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def error_classes(module: Any, base: type[Any]) -> list[type[Any]]:
    """Every subclass of ``base`` (itself included) defined in ``module``, in source order."""
    return [
        value
        for value in vars(module).values()
        if isinstance(value, type)
        and issubclass(value, base)
        and value.__module__ == module.__name__
    ]


# --- the command line --------------------------------------------------------------------------


def cli_markdown(parser: argparse.ArgumentParser) -> str:
    """``--help`` of the command and of each of its subcommands, 100 columns wide."""
    [commands] = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    sections = [("jwtguard --help", parser.format_help())]
    for name in commands.choices:
        out = io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.suppress(SystemExit):
            parser.parse_args([name, "--help"])
        sections.append((f"jwtguard {name} --help", out.getvalue()))
    lines: list[str] = []
    for title, text in sections:
        lines += [f"### `{title}`", "", "```text", text.rstrip(), "```", ""]
    return "\n".join(lines)


# --- provider presets --------------------------------------------------------------------------


def provider_markdown(provider: Any) -> str:
    """A table of the parameters of ``provider`` (a :class:`jwtguard.providers.Provider`)."""
    lines = ["| parameter | | meaning |", "|---|---|---|"]
    lines.append(f"| `name` | required | `{json.dumps(provider.name)}` |")
    for name, param in provider.params.items():
        if param.required:
            given = "required"
        elif param.default is None:
            given = "optional"
        else:
            default = list(param.default) if isinstance(param.default, tuple) else param.default
            given = f"default `{json.dumps(default)}`"
        lines.append(f"| `{name}` | {given} | {_text(param.meaning)} |")
    return "\n".join(lines) + "\n"


# --- MkDocs ------------------------------------------------------------------------------------


def generators() -> dict[str, Callable[[], str]]:
    """The tables, by marker name (imports happen when the site is built)."""
    import jwtguard.errors  # noqa: PLC0415
    from jwtguard import GuardConfig  # noqa: PLC0415
    from jwtguard.providers import PROVIDERS  # noqa: PLC0415
    from jwtguard.tools.cli import build_parser  # noqa: PLC0415
    from jwtguard.tools.cli_config import config_flags  # noqa: PLC0415
    from jwtguard_django.conf import DJANGO_KEYS  # noqa: PLC0415
    from jwtguard_flask.settings import FLASK_KEYS, FlaskOptions  # noqa: PLC0415

    reference = load_reference()
    flask = flask_entries(FlaskOptions, reference)
    if {f.name.upper() for f in dataclasses.fields(FlaskOptions)} != FLASK_KEYS:
        raise Undocumented("FlaskOptions and FLASK_KEYS name different keys")
    return {
        "settings": lambda: settings_markdown(GuardConfig, config_flags(), reference),
        "django-settings": lambda: adapter_settings_markdown(
            "django", DJANGO_KEYS, reference, lambda key: f'`JWTGUARD["{key}"]`'
        ),
        "flask-settings": lambda: adapter_settings_markdown(
            "flask", FLASK_KEYS, flask, lambda key: f"`JWTGUARD_{key}`"
        ),
        "codes": lambda: codes_markdown(
            error_classes(jwtguard.errors, jwtguard.errors.AuthError), reference
        ),
        "cli": lambda: cli_markdown(build_parser()),
    } | {
        f"provider-{name}": functools.partial(provider_markdown, provider)
        for name, provider in PROVIDERS.items()
    }


def expand(markdown: str, tables: Mapping[str, Callable[[], str]]) -> str:
    """``markdown`` with each marker replaced by its table."""

    def table(match: re.Match[str]) -> str:
        name = match["name"]
        if name not in tables:
            raise Undocumented(f"no generated table is called {name!r}")
        return tables[name]()

    return MARKER.sub(table, markdown)


def on_page_markdown(markdown: str, page: Page, config: MkDocsConfig, files: Files) -> str:
    from mkdocs.exceptions import PluginError  # noqa: PLC0415

    if MARKER.search(markdown) is None:
        return markdown
    previous = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = "100"  # argparse wraps --help to the terminal's width
    try:
        return expand(markdown, generators())
    except Undocumented as problem:
        raise PluginError(f"{page.file.src_uri}: {problem}") from None
    finally:
        if previous is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = previous


_ROLE = re.compile(
    r":(?:class|func|meth|mod|attr|exc|data|obj):<code>(?P<short>~?)"
    r"(?:(?P<title>[^<]*?) &lt;[^<]*&gt;|(?P<target>[^<]*))</code>"
)


def on_page_content(html: str, page: Page, config: MkDocsConfig, files: Files) -> str:
    """Docstrings use Sphinx roles (:class:`~jwtguard.Validator`): show them as plain code."""

    def code(match: re.Match[str]) -> str:
        text = match["title"] if match["title"] is not None else match["target"]
        if match["short"] and match["title"] is None:
            text = text.rsplit(".", 1)[-1]
        return f"<code>{text}</code>"

    return _ROLE.sub(code, html)
