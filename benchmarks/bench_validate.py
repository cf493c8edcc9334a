# ruff: noqa: RUF001 - the markdown report uses the multiplication sign and dashes on purpose
"""Benchmark ``Validator.validate`` against ``jwt.decode`` and a raw-``cryptography`` floor.

For each algorithm (HS256, RS256, PS256, ES256, EdDSA) three implementations validate the same
realistic access token:

``validate``
    ``jwtguard.Validator.validate`` with a ``GuardConfig`` built from the key's JWK Set, issuer
    and audience: the full pipeline (syntax, header, key selection, signature, claims, scopes).
``jwt.decode``
    ``jwt.decode`` with the public key (or HMAC secret) already loaded as a ``cryptography``
    object / ``bytes``, the same algorithm allow-list, audience, issuer and required ``exp``.
``floor``
    The least work any validator must do: split the token, base64url-decode (``bytes.translate``
    + ``binascii.a2b_base64``), ``json.loads`` header and payload (as ``str``), verify the
    signature with the pre-loaded key. No claim checks: this is a lower bound, not a validator.
``signature``
    The floor's signature check alone, on the already split and decoded token: what is left
    when every byte of parsing is free. ``floor - signature`` is the unavoidable parsing cost,
    ``validate - floor`` what jwtguard adds on top of it.

Every implementation is run once (and must succeed, and must refuse a tampered signature)
before timing. Timing is interleaved: each round times one batch of each implementation, in an
order that rotates from round to round, so drift on a noisy machine hits all three alike. The
per-operation time of a batch is ``elapsed / batch``; we report the median over rounds and the
interquartile range, and each ratio as the median of the per-round ratios (paired within a
round), which cancels most of the machine's drift.

Usage::

    python benchmarks/bench_validate.py                 # print the table
    python benchmarks/bench_validate.py --write docs/benchmarks.md
    python benchmarks/bench_validate.py --quick         # a few iterations: checks it runs
"""

from __future__ import annotations

import argparse
import binascii
import gc
import hmac
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import cryptography
import jwt
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.backends.openssl.backend import backend as openssl_backend
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from jwtguard import GuardConfig, Validator
from jwtguard.testing import b64url, generate_key

ALGORITHMS = ("HS256", "RS256", "PS256", "ES256", "EdDSA")
IMPLEMENTATIONS = ("validate", "jwt.decode", "floor", "signature")
FLOOR_TARGETS = {"RS256": 1.3, "ES256": 1.3}  # validate ÷ floor must not exceed these
ISSUER = "https://idp.example.com/"
AUDIENCE = "api://notes"
DEFAULT_ROUNDS = 600
DEFAULT_BATCH_MS = 5.0
REPO = Path(__file__).resolve().parent.parent
KEEP_MARKER = "<!-- hand-written below: bench_validate.py --write keeps this section -->"

Operation = Callable[[], object]


# --------------------------------------------------------------------------- the floor

_URLSAFE_TO_STANDARD = bytes.maketrans(b"-_", b"+/")
_PADDING = (b"", b"", b"==", b"=")


def _b64url(segment: str) -> bytes:
    raw = segment.encode("ascii").translate(_URLSAFE_TO_STANDARD)
    return binascii.a2b_base64(raw + _PADDING[len(segment) % 4])


def _floor(token: str, verify: Callable[[bytes, bytes], None]) -> dict[str, Any]:
    """Split, decode, parse, verify: no claim checks. ``verify`` raises on a bad signature."""
    header_segment, payload_segment, signature_segment = token.split(".")
    # json.loads(str) is faster than json.loads(bytes), which sniffs the encoding in Python.
    header = json.loads(_b64url(header_segment).decode("utf-8"))
    payload = json.loads(_b64url(payload_segment).decode("utf-8"))
    signing_input = f"{header_segment}.{payload_segment}".encode("ascii")
    verify(signing_input, _b64url(signature_segment))
    if not isinstance(header, dict) or not isinstance(payload, dict):
        raise ValueError("not a JWT")
    return payload


def _floor_verifier(algorithm: str, public_key: Any) -> Callable[[bytes, bytes], None]:
    """The signature check alone, with padding and hash objects built once, not per call."""
    if algorithm == "HS256":
        secret: bytes = public_key

        def verify_hs256(signing_input: bytes, signature: bytes) -> None:
            if not hmac.compare_digest(hmac.digest(secret, signing_input, "sha256"), signature):
                raise InvalidSignature

        return verify_hs256
    if algorithm == "RS256":
        pkcs1, sha256 = padding.PKCS1v15(), hashes.SHA256()

        def verify_rs256(signing_input: bytes, signature: bytes) -> None:
            public_key.verify(signature, signing_input, pkcs1, sha256)

        return verify_rs256
    if algorithm == "PS256":
        pss = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32)
        sha256 = hashes.SHA256()

        def verify_ps256(signing_input: bytes, signature: bytes) -> None:
            public_key.verify(signature, signing_input, pss, sha256)

        return verify_ps256
    if algorithm == "ES256":
        ecdsa = ec.ECDSA(hashes.SHA256())

        def verify_es256(signing_input: bytes, signature: bytes) -> None:
            if len(signature) != 64:
                raise InvalidSignature
            r = int.from_bytes(signature[:32], "big")
            s = int.from_bytes(signature[32:], "big")
            public_key.verify(encode_dss_signature(r, s), signing_input, ecdsa)

        return verify_es256
    if algorithm == "EdDSA":

        def verify_eddsa(signing_input: bytes, signature: bytes) -> None:
            public_key.verify(signature, signing_input)

        return verify_eddsa
    raise ValueError(f"no floor for {algorithm}")


# --------------------------------------------------------------------------- the cases


@dataclass
class Case:
    algorithm: str
    token: str
    operations: dict[str, Operation]
    tampered: dict[str, Operation]


def build_case(algorithm: str) -> Case:
    key = generate_key(algorithm, kid="k1")
    token = key.token(
        sub="user-7f3a9c",
        aud=AUDIENCE,
        iss=ISSUER,
        scope="notes:read notes:write profile",
        client_id="web-frontend",
        lifetime=3600,
    )
    signed, _, signature_segment = token.rpartition(".")
    forged = bytearray(_b64url(signature_segment))
    forged[len(forged) // 2] ^= 0x01
    bad_token = f"{signed}.{b64url(bytes(forged))}"
    validator = Validator(
        GuardConfig(jwks=key.jwks(), algorithms=[algorithm], audience=AUDIENCE, issuer=ISSUER)
    )
    public_key = key.public_key()  # bytes for HS256, a cryptography key object otherwise
    verify = _floor_verifier(algorithm, public_key)
    algorithms = [algorithm]
    options: Any = {"require": ["exp"]}

    def make(subject: str) -> dict[str, Operation]:
        return {
            "validate": lambda: validator.validate(subject),
            "jwt.decode": lambda: jwt.decode(
                subject,
                public_key,
                algorithms=algorithms,
                audience=AUDIENCE,
                issuer=ISSUER,
                options=options,
            ),
            "floor": lambda: _floor(subject, verify),
        }

    signing_input = signed.encode("ascii")
    signature = _b64url(signature_segment)
    forged_bytes = bytes(forged)
    operations = make(token) | {"signature": lambda: verify(signing_input, signature)}
    tampered = make(bad_token) | {"signature": lambda: verify(signing_input, forged_bytes)}
    return Case(algorithm, token, operations, tampered)


def check_case(case: Case) -> None:
    """Each implementation accepts the token, yields the same claims, and refuses a forgery."""
    results = {name: operation() for name, operation in case.operations.items()}
    validated: Any = results["validate"]
    expected = dict(validated.claims)
    assert validated.scopes == {"notes:read", "notes:write", "profile"}, case.algorithm
    assert results["jwt.decode"] == expected, (case.algorithm, "jwt.decode")
    assert results["floor"] == expected, (case.algorithm, "floor")
    assert results["signature"] is None, (case.algorithm, "signature")
    for name, operation in case.tampered.items():
        try:
            operation()
        except Exception:  # noqa: S112 - any refusal will do; acceptance is the failure
            continue
        raise AssertionError(f"{case.algorithm} {name} accepted a tampered signature")


# --------------------------------------------------------------------------- timing


def _time_batch(operation: Operation, batch: int) -> float:
    """Nanoseconds per operation over one batch."""
    counter = time.perf_counter_ns
    loop = range(batch)
    start = counter()
    for _ in loop:
        operation()
    return (counter() - start) / batch


def calibrate(operations: dict[str, Operation], batch_ms: float) -> int:
    """A batch size such that the slowest implementation's batch takes about ``batch_ms``."""
    for operation in operations.values():  # warm up caches and lazy initialisation
        _time_batch(operation, 20)
    slowest = max(
        min(_time_batch(operation, 20) for _ in range(5)) for operation in operations.values()
    )
    return max(1, round(batch_ms * 1e6 / slowest))


@dataclass
class Result:
    algorithm: str
    batch: int
    samples: dict[str, list[float]] = field(default_factory=dict)  # µs per op, one per round

    def median(self, name: str) -> float:
        return statistics.median(self.samples[name])

    def quartiles(self, name: str) -> tuple[float, float]:
        return _quartiles(self.samples[name])

    def ratios(self, numerator: str, denominator: str) -> list[float]:
        return [
            a / b for a, b in zip(self.samples[numerator], self.samples[denominator], strict=True)
        ]

    def ratio(self, numerator: str, denominator: str) -> float:
        return statistics.median(self.ratios(numerator, denominator))

    def ratio_quartiles(self, numerator: str, denominator: str) -> tuple[float, float]:
        return _quartiles(self.ratios(numerator, denominator))


def _quartiles(values: Sequence[float]) -> tuple[float, float]:
    if len(values) < 2:
        return values[0], values[0]
    q1, _, q3 = statistics.quantiles(values, n=4, method="inclusive")
    return q1, q3


def measure(case: Case, rounds: int, batch: int) -> Result:
    result = Result(case.algorithm, batch, {name: [] for name in IMPLEMENTATIONS})
    order = list(IMPLEMENTATIONS)
    gc_was_enabled = gc.isenabled()
    gc.collect()
    gc.disable()  # as timeit does: a collection landing in one batch would skew that batch
    try:
        for round_number in range(rounds):
            shift = round_number % len(order)
            for name in order[shift:] + order[:shift]:
                nanoseconds = _time_batch(case.operations[name], batch)
                result.samples[name].append(nanoseconds / 1000)
    finally:
        if gc_was_enabled:
            gc.enable()
    return result


# --------------------------------------------------------------------------- reporting


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _git_revision() -> str:
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607
            cwd=REPO,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],  # noqa: S607
            cwd=REPO,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return f"{head} (with uncommitted changes)" if dirty else head


def environment() -> dict[str, str]:
    return {
        "Date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "Machine": f"{_cpu_model()}, {os.cpu_count()} logical cores, {platform.system()} "
        f"{platform.release()}",
        "Python": f"{platform.python_implementation()} {platform.python_version()}",
        "PyJWT": jwt.__version__,
        "cryptography": f"{cryptography.__version__} ({openssl_backend.openssl_version_text()})",
        "jwtguard revision": _git_revision(),
    }


def _us(value: float) -> str:
    return f"{value:.1f}" if value >= 10 else f"{value:.2f}"


def _cell(result: Result, name: str) -> str:
    q1, q3 = result.quartiles(name)
    return f"{_us(result.median(name))} ({_us(q1)}–{_us(q3)})"


def _ratio_cell(result: Result, numerator: str, denominator: str) -> str:
    q1, q3 = result.ratio_quartiles(numerator, denominator)
    return f"{result.ratio(numerator, denominator):.2f}× ({q1:.2f}–{q3:.2f})"


def table(results: Sequence[Result]) -> list[str]:
    lines = [
        "| Algorithm | `validate` µs | `jwt.decode` µs | floor µs | validate ÷ jwt.decode "
        "| validate ÷ floor | signature only µs | batch × rounds |",
        "|---|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for result in results:
        lines.append(
            f"| {result.algorithm} | {_cell(result, 'validate')} "
            f"| {_cell(result, 'jwt.decode')} | {_cell(result, 'floor')} "
            f"| {_ratio_cell(result, 'validate', 'jwt.decode')} "
            f"| {_ratio_cell(result, 'validate', 'floor')} "
            f"| {_cell(result, 'signature')} "
            f"| {result.batch} × {len(result.samples['validate'])} |"
        )
    return lines


def verdict(results: Sequence[Result]) -> list[str]:
    lines = []
    for result in results:
        vs_decode = result.ratio("validate", "jwt.decode")
        vs_floor = result.ratio("validate", "floor")
        gap = (vs_decode - 1) * result.median("jwt.decode")
        if vs_decode <= 1.0:
            decode_text = f"{(1 - vs_decode) * 100:.0f}% faster than `jwt.decode` (met)"
        else:
            decode_text = (
                f"**{(vs_decode - 1) * 100:.0f}% slower than `jwt.decode`** "
                f"({gap:+.1f} µs; not met)"
            )
        line = f"- **{result.algorithm}**: {decode_text}"
        target = FLOOR_TARGETS.get(result.algorithm)
        if target is not None:
            line += "; " + _floor_verdict(result, target)
        else:
            line += f"; {vs_floor:.2f}× the floor (no target)"
        lines.append(line + ".")
    return lines


def _floor_verdict(result: Result, target: float) -> str:
    """Judge the median paired ratio against ``target``; say when the quartiles disagree."""
    ratio = result.ratio("validate", "floor")
    lower, upper = result.ratio_quartiles("validate", "floor")
    floor = result.median("floor")
    measured = f"{ratio:.3f}× the floor (IQR {lower:.2f}–{upper:.2f})"
    if ratio <= target:
        if upper <= target:
            return f"{measured}, within the {target}× target (met)"
        return (
            f"{measured}, within the {target}× target by the median, but only narrowly: the "
            "upper quartile is above it (met, borderline)"
        )
    over = (
        f"**{measured}: {(ratio / target - 1) * 100:.1f}% above the {target}× target**, about "
        f"{(ratio - target) * floor:.2f} µs over the {target * floor:.1f} µs budget (not met"
    )
    return over + ("; borderline: the lower quartile is within it)" if lower <= target else ")")


def markdown(results: Sequence[Result], command: str, rounds: int, batch_ms: float) -> str:
    env = environment()
    lines = [
        "# Benchmarks: `Validator.validate` vs `jwt.decode` vs the raw floor",
        "",
        "Everything down to the Analysis section is generated by "
        "`benchmarks/bench_validate.py`: do not edit it by hand, re-run the script (it keeps the "
        "hand-written Analysis):",
        "",
        "```sh",
        command,
        "```",
        "",
        *(f"- **{name}**: {value}" for name, value in env.items()),
        f"- **Method**: {rounds} rounds per algorithm, in one process; each round times one "
        f"batch (about {batch_ms:g} ms of the slowest implementation) of each implementation, "
        "in rotating order, with the garbage collector paused. Times are the median µs per "
        "validation over rounds, with the interquartile range in parentheses; ratios are the "
        "median (and IQR) of the per-round ratios, paired within a round.",
        "",
        "## What is compared",
        "",
        "- **`validate`**: `jwtguard.Validator.validate(token)`, configured from the key's JWK "
        "Set with `algorithms=[alg]`, `audience`, `issuer`: strict syntax, header, `kid` key "
        "selection, signature, `exp`/`nbf`/`iat`/`iss`/`aud` checks, scopes, `AccessToken`.",
        "- **`jwt.decode`**: PyJWT with the verification key pre-loaded (a `cryptography` "
        "public key object, or the HMAC secret as `bytes`), `algorithms=[alg]`, the same "
        '`audience` and `issuer`, and `options={"require": ["exp"]}`.',
        "- **floor**: split; base64url via `bytes.translate` + `binascii.a2b_base64`; "
        "`json.loads` of header and payload (decoded to `str` first, the faster way); the "
        "signature checked directly with the pre-loaded `cryptography` key (HS256 "
        "`hmac.digest` + `compare_digest`; RS256 PKCS#1 v1.5/SHA-256; "
        "PS256 PSS/MGF1-SHA-256, 32-byte salt; ES256 raw `r‖s` → DER via "
        "`encode_dss_signature`; EdDSA Ed25519). No claim checks: a lower bound, not a "
        "validator.",
        "- **signature only**: the floor's signature check alone, on a token already split and "
        "decoded. `floor − signature only` is the unavoidable parsing cost; `validate − floor` is "
        "what jwtguard adds on top of it.",
        "",
        "All four are checked before timing to accept the same token (yielding the same "
        "claims) and to refuse a tampered signature. The token carries `iat`, `exp` (1 h), "
        "`jti`, `sub`, `aud`, `iss`, `scope` and `client_id`; RSA keys are 2048-bit, ES256 is "
        "P-256, EdDSA is Ed25519.",
        "",
        "## Results",
        "",
        *table(results),
        "",
        "## Verdict",
        "",
        "Targets: `validate` no slower than `jwt.decode` for every algorithm; `validate` within "
        "1.3× the floor for RS256 and ES256.",
        "",
        *verdict(results),
        "",
    ]
    return "\n".join(lines)


def write_report(path: Path, report: str) -> None:
    """Write ``report``, keeping any hand-written text from ``KEEP_MARKER`` on in ``path``."""
    kept = ""
    if path.exists():
        previous = path.read_text(encoding="utf-8")
        at = previous.find(KEEP_MARKER)
        if at >= 0:
            kept = "\n" + previous[at:]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(report + kept, encoding="utf-8")


# --------------------------------------------------------------------------- main


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--rounds", type=int, default=DEFAULT_ROUNDS, help="rounds per algorithm (%(default)s)"
    )
    parser.add_argument(
        "--batch-ms",
        type=float,
        default=DEFAULT_BATCH_MS,
        help="target duration of one batch of the slowest implementation (%(default)s ms)",
    )
    parser.add_argument(
        "--algorithms", nargs="+", choices=ALGORITHMS, default=list(ALGORITHMS), metavar="ALG"
    )
    parser.add_argument(
        "--quick", action="store_true", help="3 rounds of 2 operations: checks that it runs"
    )
    parser.add_argument("--write", type=Path, metavar="PATH", help="write the markdown report")
    args = parser.parse_args(argv)
    if args.rounds < 1 or args.batch_ms <= 0:
        parser.error("--rounds and --batch-ms must be positive")

    rounds = 3 if args.quick else args.rounds
    results = []
    for algorithm in args.algorithms:
        case = build_case(algorithm)
        check_case(case)
        batch = 2 if args.quick else calibrate(case.operations, args.batch_ms)
        result = measure(case, rounds, batch)
        results.append(result)
        print(
            f"{algorithm}: validate {_us(result.median('validate'))} µs, "
            f"jwt.decode {_us(result.median('jwt.decode'))} µs, "
            f"floor {_us(result.median('floor'))} µs",
            file=sys.stderr,
            flush=True,
        )
    print("\n".join(table(results)))
    print()
    print("\n".join(verdict(results)))
    if args.write is not None:
        shown = [
            "python benchmarks/bench_validate.py",
            *(["--quick"] if args.quick else ["--rounds", str(rounds)]),
            *([] if args.batch_ms == DEFAULT_BATCH_MS else ["--batch-ms", f"{args.batch_ms:g}"]),
            *(
                []
                if list(args.algorithms) == list(ALGORITHMS)
                else ["--algorithms", *args.algorithms]
            ),
            "--write",
            str(args.write),
        ]
        report = markdown(results, " ".join(shown), rounds, args.batch_ms)
        write_report(args.write, report)
        print(f"wrote {args.write}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
