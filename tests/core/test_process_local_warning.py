"""A store that keeps its entries in one process says so at run time (issue 11, §6f): one
WARNING on the ``jwtguard`` logger per process, at the first replay or revocation check on it,
naming the consequence and the fix; nothing for a shared store."""

from __future__ import annotations

import logging
import re
import subprocess
import sys
import textwrap
import threading
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from jwtguard import GuardConfig, MemoryStore, TokenReplayed, TokenStore, Validator
from jwtguard.stores import checks as store_checks
from jwtguard.stores.checks import OncePerProcess
from jwtguard.stores.redis import RedisStore
from tests.contract import SETTINGS, Minter
from tests.e2e.gunicorn import ROOT

MARK = "keeps its entries in this process only"


@pytest.fixture(autouse=True)
def fresh_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """As in a process that has not warned yet (an earlier test may have)."""
    monkeypatch.setattr(store_checks, "PROCESS_LOCAL_WARNING", OncePerProcess())


def validator(minter: Minter, store: TokenStore | None = None, **settings: Any) -> Validator:
    config = GuardConfig.from_mapping({**SETTINGS, "JWKS": minter.jwks(), **settings})
    return Validator(config, store=store)


def warnings(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "jwtguard" and MARK in r.getMessage()]


async def test_one_warning_per_process_on_a_memory_store(
    minter: Minter, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="jwtguard")
    replay = validator(minter, REPLAY_PROTECTION=True, REVOCATION=True)
    token = minter.token()
    for _ in range(20):
        replay.validate(minter.token())
    replay.validate(token)
    with pytest.raises(TokenReplayed):
        await replay.validate_async(token)
    revocation = validator(minter, REVOCATION=True)  # another validator, the same process
    for _ in range(5):
        revocation.validate(minter.token())
    [record] = warnings(caplog)
    assert record.levelno == logging.WARNING
    message = record.getMessage()
    assert message.startswith(
        "jwtguard: the token store for replay protection and revocation (MemoryStore) keeps "
    )
    assert "each worker process keeps its own used jtis and revocations" in message
    assert "a token can be replayed once per worker and a revocation reaches one worker" in message
    assert 'REDIS_URL, or in Django STORE = "django-cache" on a shared cache' in message
    assert token not in caplog.text


def test_the_first_check_warns_before_any_refusal(
    minter: Minter, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="jwtguard")
    guard = validator(minter, REVOCATION=True)
    guard.revocations.revoke_subject("alice")
    assert warnings(caplog) == [], "revoking is not a check"
    with pytest.raises(Exception, match="revoked"):
        guard.validate(minter.token())
    [record] = warnings(caplog)
    assert "the token store for revocation (MemoryStore)" in record.getMessage()


class SharedStore(MemoryStore):
    """A store that says it is shared (as a custom store over a network would)."""

    process_local = False


def test_a_shared_store_logs_nothing(
    minter: Minter, redis_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="jwtguard")
    for store in (RedisStore(redis_url), SharedStore()):
        guard = validator(minter, store, REPLAY_PROTECTION=True, REVOCATION=True)
        for _ in range(5):
            guard.validate(minter.token())
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []


def test_no_warning_without_replay_or_revocation(
    minter: Minter, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="jwtguard")
    validator(minter).validate(minter.token())
    assert warnings(caplog) == []


FORKING = textwrap.dedent(
    """
    import logging, os
    from jwtguard import GuardConfig, Validator
    from jwtguard.testing import generate_key

    logging.basicConfig(format="%(process)d %(name)s %(levelname)s %(message)s")
    key = generate_key("ES256", kid="k")
    validator = Validator(GuardConfig(algorithms=["ES256"], jwks=key.jwks(), revocation=True))

    def validate(times):
        for _ in range(times):
            validator.validate(key.token(sub="alice"))

    validate(3)
    child = os.fork()
    if child == 0:
        validate(3)
        os._exit(0)
    os.waitpid(child, 0)
    validate(3)
    print(os.getpid(), child)
    """
)


def test_a_forked_worker_warns_once_of_its_own() -> None:
    """As gunicorn's workers are forked: a real child process, after its parent warned."""
    done = subprocess.run(
        [sys.executable, "-c", FORKING],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    parent, child = done.stdout.split()
    lines: Sequence[str] = [line for line in done.stderr.splitlines() if MARK in line]
    pids = Counter(line.split()[0] for line in lines)
    assert pids == {parent: 1, child: 1}, done.stderr
    for line in lines:
        pid = line.split()[0]
        assert line.startswith(f"{pid} jwtguard WARNING ")
        assert re.search(rf"\(pid {pid}\)", line), "the message names its process"


def test_once_per_process_has_one_winner_among_threads() -> None:
    once = OncePerProcess()
    start = threading.Barrier(16)

    def ask(_: int) -> bool:
        start.wait()
        return once.first()

    with ThreadPoolExecutor(16) as pool:
        answers = list(pool.map(ask, range(16)))
    assert answers.count(True) == 1
    assert once.first() is False
