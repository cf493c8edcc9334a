"""The ``jwtguard`` command: ``explain``, ``decode``, ``keygen``, ``mint`` and ``revoke``.

Exit status: 0 success (``explain``: the token would be accepted), 1 the token would be
refused, 2 a usage or configuration error.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from ..errors import ConfigurationError
from ..keys.algorithms import SUPPORTED_ALGORITHMS
from ..scopes import scope_list
from ..stores.base import StoreError
from ..stores.revoke_options import revoke_by_options
from ..validator import Validator
from .cli_config import add_config_arguments, load_validator
from .decode import decode_unverified, render, times
from .explain import Explanation, explain
from .keytools import (
    keygen,
    load_signing_key,
    mint,
    parse_assignments,
    parse_duration,
    write_key_files,
)

ALGORITHMS = list(SUPPORTED_ALGORITHMS)
MARKS = {"passed": "pass", "failed": "FAIL", "skipped": "skip"}


def main(argv: Sequence[str] | None = None, *, stdin: TextIO | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.run(args, stdin or sys.stdin))
    except (ConfigurationError, ValueError, OSError) as error:
        print(f"jwtguard {args.command}: {error}", file=sys.stderr)
        return 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="jwtguard",
        description="Why is this token refused? Also: decode tokens, make development keys "
        "and tokens, revoke tokens.",
        epilog="Exit status: 0 success (explain: the token would be accepted), 1 the token "
        "would be refused, 2 a usage or configuration error.",
    )
    commands = parser.add_subparsers(dest="command", required=True)

    explainer = commands.add_parser("explain", help="why a token is accepted or refused")
    add_explain_arguments(explainer)
    add_config_arguments(explainer)
    explainer.set_defaults(run=run_explain)

    decoder = commands.add_parser("decode", help="show header and claims, UNVERIFIED")
    _add_input(decoder)
    decoder.add_argument("--json", action="store_true", help="machine-readable output")
    decoder.set_defaults(run=run_decode)

    generator = commands.add_parser("keygen", help="a new signing key (JWK, JWKS or PEM)")
    generator.add_argument(
        "--alg",
        choices=ALGORITHMS,
        default="ES256",
        metavar="ALG",
        help="RS*/PS*: RSA, ES*: EC, EdDSA: Ed25519, HS*: an HMAC secret (default ES256)",
    )
    generator.add_argument("--kid", default=None, help="key id (default: its RFC 7638 thumbprint)")
    generator.add_argument(
        "--format",
        choices=["jwk", "jwks", "pem"],
        default="jwk",
        help="jwk: the private JWK; jwks: the public JWK Set; pem: private and public PEM",
    )
    generator.add_argument("--rsa-bits", type=int, default=2048, help="at least 2048")
    generator.add_argument(
        "--out", type=Path, help="write one key in every form into this directory instead"
    )
    generator.set_defaults(run=run_keygen)

    minter = commands.add_parser("mint", help="sign a token for development and tests")
    minter.add_argument("--key", required=True, type=Path, help="private key: PEM or JWK file")
    minter.add_argument("--alg", choices=ALGORITHMS, metavar="ALG", help="default: from the key")
    minter.add_argument("--kid", help="default: the JWK's kid")
    minter.add_argument("--iss", help="issuer")
    minter.add_argument("--aud", action="append", help="audience (repeatable)")
    minter.add_argument("--sub", help="subject")
    minter.add_argument("--scope", action="append", help="scope (repeatable)")
    minter.add_argument(
        "--expires-in", "--exp-in", default="10m", help="lifetime: 90s, 10m, 2h, 1d"
    )
    minter.add_argument(
        "--claim",
        action="append",
        default=[],
        help='name=value, repeatable; JSON values are decoded (3, true, ["a"]), null drops '
        "a default claim (iat, exp, jti)",
    )
    minter.add_argument("--header", action="append", default=[], help="name=value")
    minter.set_defaults(run=run_mint)

    revoker = commands.add_parser(
        "revoke",
        help="refuse tokens before they expire",
        description="Refuse tokens before they expire. Trusted issuers (ISSUER) come from "
        "JWTGUARD_ISSUER or the app's settings; --issuer names whose tokens to revoke.",
    )
    target = revoker.add_mutually_exclusive_group(required=True)
    target.add_argument("--jti", help="one token, by its jti")
    target.add_argument("--sub", help="every token of this subject issued before --before")
    revoker.add_argument("--exp", help="with --jti: the token's exp (epoch or ISO 8601)")
    revoker.add_argument("--before", help="with --sub: default now (epoch or ISO 8601)")
    whose = revoker.add_mutually_exclusive_group()
    whose.add_argument(
        "--issuer",
        dest="revoke_issuer",
        metavar="ISS",
        help="the tokens' iss (default: the one trusted issuer; required with several)",
    )
    whose.add_argument(
        "--all-issuers", action="store_true", help="revoke under every issuer at once"
    )
    add_config_arguments(revoker, without={"ISSUER"})
    revoker.set_defaults(run=run_revoke)
    return parser


def add_explain_arguments(parser: argparse.ArgumentParser) -> None:
    """What ``explain`` reads besides the configuration (the adapters' ``explain`` too)."""
    _add_input(parser)
    parser.add_argument("--scope", action="append", default=[], help="required scope")
    parser.add_argument("--any-scope", action="append", default=[], help="one of these")
    parser.add_argument("--role", action="append", default=[], help="required role (one each)")
    parser.add_argument("--any-role", action="append", default=[], help="one of these roles")
    parser.add_argument("--json", action="store_true", help="machine-readable output")


def _add_input(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "token",
        nargs="?",
        help='a token, or a whole Authorization value ("Bearer eyJ...", "SSWS 00ab..."); '
        "- or nothing: read standard input",
    )
    parser.add_argument("--file", type=Path, help="read the token from this file")


def read_input(args: argparse.Namespace, stdin: TextIO) -> str:
    return read_credentials(args.token, args.file, stdin)


def read_credentials(token: str | None, file: Path | None, stdin: TextIO) -> str:
    """The token or ``Authorization`` value: from ``file``, else ``token``, else ``stdin``
    (also for ``token`` ``"-"``); ``ValueError`` when there is none."""
    text: str
    if file is not None:
        text = file.read_text("utf-8")
    elif token not in (None, "-"):
        text = str(token)
    else:
        text = stdin.read()
    text = text.strip()
    if not text:
        raise ValueError("no token given (an argument, --file or standard input)")
    return text


def run_explain(args: argparse.Namespace, stdin: TextIO) -> int:
    credentials = read_input(args, stdin)
    validator = load_validator(args, os.environ)
    text, accepted = explain_output(
        credentials,
        validator,
        scopes=args.scope,
        any_of=args.any_scope,
        roles=args.role,
        any_roles=args.any_role,
        as_json=args.json,
    )
    print(text)
    return 0 if accepted else 1


def explain_output(
    credentials: str,
    validator: Validator,
    *,
    scopes: Sequence[str] = (),
    any_of: Sequence[str] = (),
    roles: Sequence[str] = (),
    any_roles: Sequence[str] = (),
    as_json: bool = False,
) -> tuple[str, bool]:
    """What every ``explain`` command prints for ``credentials`` (a report, or JSON), and
    whether the token would be accepted."""
    # Each --scope may be one scope or a space-delimited list, as everywhere in jwtguard; each
    # --role is one role (a role name may hold spaces).
    required = [scope for value in scopes for scope in scope_list(value)]
    one_of = [scope for value in any_of for scope in scope_list(value)]
    explanation = explain(
        credentials, validator, scopes=required, any_of=one_of, roles=roles, any_roles=any_roles
    )
    if as_json:
        return json.dumps(explanation.to_dict(), indent=2), explanation.accepted
    return format_explanation(explanation), explanation.accepted


def format_explanation(explanation: Explanation) -> str:
    if explanation.accepted:
        lines = ["ACCEPTED: the token would be accepted"]
    else:
        lines = [
            f"REFUSED: {explanation.status} {explanation.code} "
            f"(the client is told: {explanation.description!r})"
        ]
    lines += provider_lines(explanation.provider)
    checks = explanation.checks
    index = 0
    while index < len(checks):
        check = checks[index]
        steps = [check.step]
        # Consecutive steps skipped for the same reason share one line.
        while (
            check.status == "skipped"
            and index + 1 < len(checks)
            and (checks[index + 1].status, checks[index + 1].message) == ("skipped", check.message)
        ):
            index += 1
            steps.append(checks[index].step)
        lines.append(f"  [{MARKS[check.status]}] {', '.join(steps)}: {check.message}")
        if check.fix:
            lines.append(f"         fix: {check.fix}")
        index += 1
    return "\n".join(lines)


def provider_lines(facts: dict[str, Any] | None) -> list[str]:
    """The header of a report on a configuration a provider preset filled: the preset, each
    setting it decides as in force (marked where yours replaced it or added to it), its keys."""
    if facts is None:
        return []
    given = ", ".join(f"{name} {json.dumps(value)}" for name, value in facts["parameters"].items())
    lines = [f"  provider {facts['name']} ({given}) decides:"]
    for name, setting in facts["settings"].items():
        value = "none" if setting["value"] is None else json.dumps(setting["value"])
        whose = "" if setting["from"] == "preset" else f"  ({setting['from']})"
        lines.append(f"    {name} {value}{whose}")
    lines.append(f"    keys: {facts['keys']}")
    return lines


def run_decode(args: argparse.Namespace, stdin: TextIO) -> int:
    decoded = decode_unverified(read_input(args, stdin))
    if args.json:
        claims = decoded["claims"]
        shown = times(claims) if isinstance(claims, dict) else {}
        print(json.dumps({"unverified": True, **decoded, "times": shown}, indent=2))
    else:
        print(render(decoded))
    return 0


def run_keygen(args: argparse.Namespace, stdin: TextIO) -> int:
    if args.out is not None:
        for path in write_key_files(args.out, args.alg, kid=args.kid, rsa_bits=args.rsa_bits):
            print(path)
        return 0
    print(keygen(args.alg, kid=args.kid, output=args.format, rsa_bits=args.rsa_bits))
    return 0


def run_mint(args: argparse.Namespace, stdin: TextIO) -> int:
    key = load_signing_key(args.key, algorithm=args.alg, kid=args.kid)
    claims = {"iss": args.iss, "sub": args.sub}
    if args.aud:
        claims["aud"] = args.aud[0] if len(args.aud) == 1 else args.aud
    if args.scope:
        claims["scope"] = " ".join(args.scope)
    claims = {name: value for name, value in claims.items() if value is not None}
    claims |= parse_assignments(args.claim)
    header = parse_assignments(args.header)
    print(mint(key, claims, expires_in=parse_duration(args.expires_in), header=header))
    return 0


def run_revoke(args: argparse.Namespace, stdin: TextIO) -> int:
    """Write the revocation to the configured shared store (``REVOCATION`` must be on)."""
    revocations = load_validator(args, os.environ).revocations
    try:
        revocation = revoke_by_options(
            revocations,
            jti=args.jti,
            exp=args.exp,
            sub=args.sub,
            before=args.before,
            issuer=args.revoke_issuer,
            all_issuers=args.all_issuers,
        )
        print(revocation.describe())
    except StoreError as error:
        print(f"jwtguard revoke: the token store failed: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
