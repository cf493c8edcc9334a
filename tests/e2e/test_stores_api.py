"""Replay protection and revocation end to end (issue 6): the example APIs under gunicorn with 4
worker processes sharing one real redis-server, configured only by ``JWTGUARD_*`` variables.

Requests are sent from threads, all at once. gunicorn's access log names the worker process that
answered each request (``%(p)s``), which shows every worker took part; a burst is told apart in
the log by a ``burst`` query parameter the APIs ignore.

The three APIs (Flask on Redis, Django on Redis, Django on its cache in Redis) serve the whole
run, on the run's redis-server, each store under a prefix of its own (``JWTGUARD_STORE_PREFIX``,
set when the API starts: nothing a client sends chooses it). Each test writes only entries of
its own: every token has a random ``jti``, and a test revokes only a ``jti`` or a ``sub`` it
made up. So tests never see each other's entries, in any order. The tests that need an API of
their own say why.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from jwtguard import GuardConfig, Revocations
from jwtguard.stores.base import store_key
from jwtguard.testing import parse_challenge
from tests.answers import check_error_answer
from tests.contract import DESCRIPTIONS, ISSUER, Minter, Scenario, bearer
from tests.e2e.gunicorn import ROOT, Server, SharedServers, django_environment, serve_api
from tests.e2e.notes_api import EXPECTED_ME, contract_environment
from tests.redis_server import RedisServer
from tests.servers import eventually

WORKERS = 4
BURST = 50
FRAMEWORKS = ["flask", "django"]
REPLAYED = Scenario("replayed", 401, "token_replayed")
REVOKED = Scenario("revoked", 401, "token_revoked")


@dataclass(frozen=True)
class Api:
    """One running example API and how it was configured."""

    framework: str
    url: str
    env: dict[str, str]
    access_log: Path

    @classmethod
    def of(cls, framework: str, server: Server) -> Api:
        assert server.access_log is not None, "started with an access log"
        return cls(framework, server.url, dict(server.env), server.access_log)

    def get(self, token: str, **params: str) -> requests.Response:
        return requests.get(self.url + "/api/me", headers=bearer(token), params=params, timeout=20)

    def workers(self, burst: str) -> Counter[str]:
        """How many requests of ``burst`` each worker process answered."""
        lines = self.access_log.read_text().splitlines()
        return Counter(line.split()[0] for line in lines if f"burst={burst}" in line)


def store_environment(
    jwks_file: Path, redis_url: str, store: str = "redis", *, prefix: str = "jwtguard:"
) -> dict[str, str]:
    """The contract settings, replay protection and revocation, on ``redis_url``, writing under
    ``prefix``."""
    env = contract_environment(jwks_file)
    env |= {"JWTGUARD_REPLAY_PROTECTION": "1", "JWTGUARD_REVOCATION": "1"}
    env |= {"JWTGUARD_STORE_PREFIX": prefix}
    if store == "redis":
        return env | {"JWTGUARD_REDIS_URL": redis_url}
    return env | {"JWTGUARD_STORE": "django-cache", "DJANGO_REDIS_URL": redis_url}


@contextmanager
def running(
    framework: str, env: dict[str, str], workdir: Path, *, workers: int = WORKERS
) -> Iterator[Api]:
    """An API of one test's own, stopped when it is done."""
    workdir.mkdir(parents=True, exist_ok=True)
    access_log = workdir / "access.log"
    with serve_api(framework, env, workdir, workers=workers, access_log=access_log) as server:
        yield Api.of(framework, server)


STORES = [("flask", "redis"), ("django", "redis"), ("django", "django-cache")]


@pytest.fixture
def stores_api(
    servers: SharedServers, redis_server: RedisServer, jwks_file: Path
) -> Callable[[str, str], Api]:
    """The run's example API of a framework on a store, with 4 workers, replay protection and
    revocation on the run's Redis. The two on jwtguard's Redis store share one prefix, as two
    deployments of one API would; the one on Django's cache has its own."""
    if not redis_server.ping():
        log = (redis_server.directory / "redis.log").read_text()[-2000:]
        pytest.fail(f"the run's redis-server does not answer:\n{log}", pytrace=False)

    def api(framework: str, store: str) -> Api:
        prefix = f"e2e:{store}:"
        env = store_environment(jwks_file, redis_server.url, store, prefix=prefix)
        name = f"stores-{framework}-{store}"
        return Api.of(framework, servers.api(name, framework, env, workers=WORKERS))

    return api


@pytest.fixture(params=STORES, ids=lambda p: f"{p[0]}-{p[1]}")
def api(request: pytest.FixtureRequest, stores_api: Callable[[str, str], Api]) -> Api:
    """Each of the run's three APIs (``stores_api``)."""
    return stores_api(*request.param)


def burst(calls: list[Callable[[str], requests.Response]]) -> tuple[str, list[requests.Response]]:
    """Make all ``calls`` at the same moment, each from its own thread and connection."""
    name = uuid.uuid4().hex[:12]
    start = threading.Barrier(len(calls))

    def call(index: int) -> requests.Response:
        start.wait()
        return calls[index](name)

    with ThreadPoolExecutor(len(calls)) as pool:
        return name, list(pool.map(call, range(len(calls))))


def sending(api: Api, token: str) -> Callable[[str], requests.Response]:
    return lambda name: api.get(token, burst=name)


def check(scenario: Scenario, response: requests.Response, framework: str) -> None:
    """The exact refusal; Django's ``/api/me`` is a DRF view, whose body adds ``"detail"``."""
    check_error_answer(
        scenario,
        response.status_code,
        response.headers.get,
        response.content,
        detail=framework == "django",
    )


# --- replay --------------------------------------------------------------------------------


def every_worker(
    api: Api,
    calls: Callable[[], list[Callable[[str], requests.Response]]],
    check_burst: Callable[[list[requests.Response]], None],
    *,
    tries: int = 10,
) -> None:
    """Repeat bursts (each checked) until every worker process has answered some requests."""
    seen: Counter[str] = Counter()
    for _ in range(tries):
        name, responses = burst(calls())
        check_burst(responses)
        seen.update(api.workers(name))
        if len(seen) == WORKERS:
            return
    pytest.fail(f"only {len(seen)} of {WORKERS} workers answered: {seen}")


def test_one_token_sent_50_times_at_once_passes_once(api: Api, minter: Minter) -> None:
    def one_token() -> list[Callable[[str], requests.Response]]:
        return [sending(api, minter.token())] * BURST

    def exactly_one_passes(responses: list[requests.Response]) -> None:
        statuses = Counter(response.status_code for response in responses)
        assert statuses == {200: 1, 401: BURST - 1}
        for response in responses:
            if response.status_code == 200:
                assert response.json() == EXPECTED_ME
            else:
                check(REPLAYED, response, api.framework)
                challenge = parse_challenge(response.headers["WWW-Authenticate"])[1]
                assert challenge["error"] == "invalid_token"

    every_worker(api, one_token, exactly_one_passes)


def test_entries_are_written_under_the_apis_store_prefix(
    api: Api, minter: Minter, redis_server: RedisServer
) -> None:
    """``JWTGUARD_STORE_PREFIX`` keeps each API's entries apart in the one Redis (Django's cache
    adds its own prefix before it)."""
    jti = uuid.uuid4().hex
    assert api.get(minter.token(jti=jti)).status_code == 200
    prefix = api.env["JWTGUARD_STORE_PREFIX"]
    used = store_key(prefix, "used", jti, issuer=ISSUER)
    assert redis_server.command("KEYS", f"*{used}") == b"*1", f"no {used} in Redis"
    elsewhere = store_key("jwtguard:", "used", jti, issuer=ISSUER)
    assert redis_server.command("KEYS", f"*{elsewhere}") == b"*0"


def test_two_apis_on_two_ports_share_one_redis(
    stores_api: Callable[[str, str], Api], minter: Minter
) -> None:
    """The run's Flask and Django APIs on jwtguard's Redis store: one store, one prefix, so a
    token passes once, whichever server it reaches first."""
    apis = stores_api("flask", "redis"), stores_api("django", "redis")
    assert apis[0].url != apis[1].url
    token = minter.token()
    name, responses = burst([sending(apis[i % 2], token) for i in range(BURST)])
    assert sorted(r.status_code for r in responses) == [200] + [401] * (BURST - 1)
    for i, response in enumerate(responses):
        if response.status_code == 401:
            check(REPLAYED, response, apis[i % 2].framework)
    for served in apis:  # a worker logs a request just after answering it
        assert eventually(lambda s=served: sum(s.workers(name).values()) == BURST // 2)


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_each_worker_warns_once_of_a_per_process_store(
    framework: str, minter: Minter, jwks_file: Path, tmp_path: Path
) -> None:
    """No REDIS_URL: the default memory store is each worker's own, and each worker's log says
    so once, at its first request (gunicorn runs no Django system check). An API of its own: no
    Redis, and fresh workers whose first requests this test sends."""
    env = contract_environment(jwks_file) | {"JWTGUARD_REPLAY_PROTECTION": "1"}
    workers: Counter[str] = Counter()
    with running(framework, env, tmp_path, workers=2) as api:
        for _ in range(10):
            name, responses = burst([sending(api, minter.token()) for _ in range(BURST // 2)])
            assert [r.status_code for r in responses] == [200] * (BURST // 2)
            assert eventually(lambda n=name: sum(api.workers(n).values()) == BURST // 2)
            workers.update(api.workers(name))
            if len(workers) == 2:
                break
        assert len(workers) == 2, f"only one worker answered: {workers}"
    log = (tmp_path / f"{framework}_api.log").read_text()
    warned = Counter(re.findall(r"in this process only \(pid (\d+)\)", log))
    pids = [worker.strip("<>") for worker in workers]  # the access log writes "<pid>"
    assert warned == dict.fromkeys(pids, 1), log
    assert "a token can be replayed once per worker and a revocation reaches one worker" in log
    assert "REDIS_URL" in log


# --- revocation ----------------------------------------------------------------------------


def run(api: Api, *arguments: str) -> str:
    """Run ``manage.py`` (Django) or ``flask`` with the API's configuration, in its project."""
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("JWTGUARD_")}
    if api.framework == "django":
        line = [sys.executable, "manage.py", *arguments]
        env = inherited | django_environment(api.access_log.parent, **api.env)
    else:
        line = [sys.executable, "-m", "flask", "--app", "app:create_app", *arguments]
        env = inherited | api.env
    project = "django_api" if api.framework == "django" else "flask_api"
    directory = ROOT / "example_projects" / project
    done = subprocess.run(line, cwd=directory, env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


def command(api: Api, *arguments: str) -> str:
    """The framework's revoke command, against the API's store."""
    if api.framework == "django":
        return run(api, "jwtguard_revoke", *arguments)
    return run(api, "jwtguard", "revoke", *arguments)


def all_revoked(api: Api) -> Callable[[list[requests.Response]], None]:
    def check_all(responses: list[requests.Response]) -> None:
        for response in responses:
            check(REVOKED, response, api.framework)

    return check_all


def test_a_revoked_jti_is_refused_by_every_worker(api: Api, minter: Minter) -> None:
    jti = f"stolen-{uuid.uuid4().hex}"
    token = minter.token(jti=jti)
    exp = int(time.time()) + 600
    assert command(api, "--jti", jti, "--exp", str(exp)).startswith(f"revoked jti {jti!r}")
    every_worker(api, lambda: [sending(api, token)] * BURST, all_revoked(api))
    assert api.get(minter.token()).status_code == 200, "other tokens pass"


def test_a_revoked_subject_is_refused_by_every_worker(api: Api, minter: Minter) -> None:
    sub = f"carol-{uuid.uuid4().hex[:8]}"
    issued = time.time() - 5
    printed = command(api, "--sub", sub)
    assert printed.startswith(f"revoked tokens of sub {sub!r} from iss {ISSUER!r} issued ")

    def earlier_tokens() -> list[Callable[[str], requests.Response]]:
        return [sending(api, minter.token(sub=sub, now=issued)) for _ in range(BURST)]

    every_worker(api, earlier_tokens, all_revoked(api))
    fresh = api.get(minter.token(sub=sub, now=time.time() + 1))
    assert fresh.json()["sub"] == sub, "a token issued after the revocation passes"
    assert api.get(minter.token(sub="bob")).status_code == 200, "other subjects pass"


def test_revoking_through_the_python_api(api: Api, minter: Minter) -> None:
    """What a logout endpoint or an operator's script does, from another process: Django's
    through the configured guard (``manage.py shell``), Flask's from the environment."""
    jti = uuid.uuid4().hex
    token = minter.token(jti=jti)
    if api.framework == "django":
        script = "from jwtguard_django.conf import get_guard\n"
        script += f"print(get_guard().revocations.revoke_token({jti!r}).describe())"
        assert f"revoked jti {jti!r}" in run(api, "shell", "-c", script)
    else:
        Revocations.from_config(GuardConfig.from_env(api.env)).revoke_token(jti)
    check(REVOKED, api.get(token), api.framework)


# --- Redis goes away and comes back ----------------------------------------------------------


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_redis_outage_follows_the_policy_and_recovers(
    framework: str, minter: Minter, own_redis: RedisServer, jwks_file: Path, tmp_path: Path
) -> None:
    """APIs of their own, on a redis-server of its own that it kills and starts again."""
    env = store_environment(jwks_file, own_redis.url)
    with ExitStack() as stack:
        closed = stack.enter_context(running(framework, env, tmp_path / "closed", workers=2))
        opened = stack.enter_context(
            running(
                framework, env | {"JWTGUARD_STORE_FAILURE": "open"}, tmp_path / "open", workers=2
            )
        )
        for served in (closed, opened):
            assert served.get(minter.token()).status_code == 200

        own_redis.kill()
        _, refused = burst([sending(closed, minter.token()) for _ in range(8)])
        for response in refused:
            assert response.status_code == 503, response.text
            assert response.headers["Retry-After"] == "5"
            assert "WWW-Authenticate" not in response.headers
            drf = {"detail": DESCRIPTIONS["store_unavailable"]} if framework == "django" else {}
            assert response.json() == {
                "error": "temporarily_unavailable",
                "error_description": DESCRIPTIONS["store_unavailable"],
                "code": "store_unavailable",
                **drf,
            }
        token = minter.token()
        _, accepted = burst([sending(opened, token) for _ in range(8)])
        assert [r.status_code for r in accepted] == [200] * 8, "fail open: accepted unchecked"

        own_redis.start()  # same port; the APIs keep running
        assert eventually(lambda: closed.get(minter.token()).status_code == 200)
        for served in (closed, opened):
            again = minter.token()
            assert served.get(again).status_code == 200
            check(REPLAYED, served.get(again), framework)
    logs = {
        name: (tmp_path / name / f"{framework}_api.log").read_text() for name in ("closed", "open")
    }
    assert "answering 503" in logs["closed"]
    assert "accepted unchecked because STORE_FAILURE is 'open'" in logs["open"]
    assert token not in logs["open"]
