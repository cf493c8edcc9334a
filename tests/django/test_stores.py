"""Replay protection and revocation in Django: the store on Django's cache framework (LocMem and
the built-in Redis backend against a real redis-server), the answers through the middleware,
the decorator and DRF, ``manage.py jwtguard_revoke`` and the ``W005`` check."""

from __future__ import annotations

import io
import logging
import time
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import AsyncClient, Client, override_settings
from redis.backoff import NoBackoff
from redis.retry import Retry

from jwtguard import ConfigurationError
from jwtguard.stores import checks as store_checks
from jwtguard.stores import store_key
from jwtguard.stores.checks import OncePerProcess
from jwtguard_django.checks import check_settings
from jwtguard_django.conf import get_guard, read_options
from jwtguard_django.stores import DjangoCacheStore
from tests.answers import check_error_answer
from tests.contract import DESCRIPTIONS, ISSUER, Minter, Scenario, bearer
from tests.e2e.gunicorn import free_port
from tests.store_contract import StoreContract

LOCMEM = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
DUMMY = {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}
SHARED = {"REVOCATION": True, "STORE": "django-cache"}
REPLAYED = Scenario("replayed", 401, "token_replayed")
REVOKED = Scenario("revoked", 401, "token_revoked")


def redis_cache(url: str) -> dict[str, Any]:
    """Django's own Redis backend, failing fast when the server is gone."""
    return {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": url,
        "OPTIONS": {
            "socket_connect_timeout": 0.5,
            "socket_timeout": 0.5,
            "retry": Retry(NoBackoff(), 0),
        },
    }


def dead_redis_url() -> str:
    return f"redis://127.0.0.1:{free_port()}/0"


@pytest.fixture
def redis_caches(redis_url: str) -> Iterator[str]:
    with override_settings(CACHES={"default": redis_cache(redis_url), "local": LOCMEM}):
        yield redis_url


@pytest.fixture
def with_setting(jwtguard_setting: dict[str, object]) -> Any:
    """``with_setting(**keys)``: the contract's ``JWTGUARD`` plus ``keys``."""

    def override(**keys: object) -> override_settings:
        return override_settings(JWTGUARD={**jwtguard_setting, **keys})

    return override


# --- the store on Django's cache --------------------------------------------------------------


class TestLocMemCacheStore(StoreContract):
    granularity = 1.0

    @pytest.fixture
    def store(self) -> Iterator[DjangoCacheStore]:
        with override_settings(CACHES={"default": LOCMEM}):
            yield DjangoCacheStore()


class TestRedisCacheStore(StoreContract):
    granularity = 1.0

    @pytest.fixture
    def store(self, redis_caches: str) -> DjangoCacheStore:
        return DjangoCacheStore()


def test_cache_timeouts_round_up_to_whole_seconds(redis_caches: str) -> None:
    import redis  # noqa: PLC0415

    store = DjangoCacheStore()
    assert store.add("jwtguard:used:a", "1", 90.2)
    client = redis.Redis.from_url(redis_caches)
    [stored] = client.keys("*jwtguard:used:a")
    assert 90_500 < client.pttl(stored) <= 91_000, "never shorter than asked"
    store.put("jwtguard:used:b", "1", 0.01)
    assert store.get_many(["jwtguard:used:b"]) == ["1"], "a tiny TTL is one second, not 'never'"
    client.close()


def test_cache_failure_is_a_store_error() -> None:
    from jwtguard import StoreError  # noqa: PLC0415

    with override_settings(CACHES={"default": redis_cache(dead_redis_url())}):
        store = DjangoCacheStore()
        with pytest.raises(StoreError, match="add on the Django cache 'default' failed"):
            store.add("k", "1", 60)
        with pytest.raises(StoreError, match="get_many on the Django cache 'default' failed"):
            store.get_many(["k"])


def test_process_local_backends(redis_caches: str) -> None:
    assert DjangoCacheStore("local").process_local is True
    assert DjangoCacheStore("default").process_local is False
    assert repr(DjangoCacheStore("local")) == "DjangoCacheStore('local')"


# --- the STORE setting ------------------------------------------------------------------------


@pytest.mark.usefixtures("redis_caches")
def test_store_setting_names_a_cache(jwtguard_setting: dict[str, object]) -> None:
    default = read_options({**jwtguard_setting, "STORE": "django-cache"}).config.store
    assert isinstance(default, DjangoCacheStore)
    assert default.alias == "default"
    local = read_options({**jwtguard_setting, "STORE": "django-cache:local"}).config.store
    assert isinstance(local, DjangoCacheStore)
    assert local.alias == "local"
    from_env = read_options(
        {**jwtguard_setting, "ENV_PREFIX": "JWTGUARD_"},
        {"JWTGUARD_STORE": "django-cache:local", "JWTGUARD_REVOCATION": "1"},
    ).config
    assert isinstance(from_env.store, DjangoCacheStore)
    assert (from_env.store.alias, from_env.revocation) == ("local", True)


@pytest.mark.parametrize(
    ("store", "caches", "problem"),
    [
        ("django-cache:tokens", {"default": LOCMEM}, "STORE 'django-cache:tokens': CACHES has no"),
        ("django-cache", {"default": DUMMY}, "is a DummyCache: it keeps nothing"),
        ("memcached", {"default": LOCMEM}, "STORE must be 'memory', 'redis' or a dotted path"),
    ],
)
def test_wrong_store_settings(
    jwtguard_setting: dict[str, object], store: str, caches: dict[str, Any], problem: str
) -> None:
    with override_settings(CACHES=caches), pytest.raises(ConfigurationError) as caught:
        read_options({**jwtguard_setting, "STORE": store, "REPLAY_PROTECTION": True})
    assert any(problem in text for text in caught.value.problems)


@pytest.mark.usefixtures("redis_caches")
@pytest.mark.parametrize(
    ("keys", "warned"),
    [
        ({"REPLAY_PROTECTION": True}, True),
        ({"REVOCATION": True, "STORE": "memory"}, True),
        ({"REVOCATION": True, "STORE": "django-cache:local"}, True),
        ({"REPLAY_PROTECTION": True, "STORE": "django-cache"}, False),
        ({"REPLAY_PROTECTION": True, "REDIS_URL": "redis://127.0.0.1:1/0"}, False),
        ({"STORE": "django-cache:local"}, False),
    ],
)
def test_check_w005_per_process_store(
    jwtguard_setting: dict[str, object], keys: dict[str, object], warned: bool
) -> None:
    with override_settings(JWTGUARD={**jwtguard_setting, **keys}):
        ids = [message.id for message in check_settings()]
    assert ids == (["jwtguard.W005"] if warned else [])


# --- answers through the middleware, the decorator and DRF -------------------------------------


PATHS = pytest.mark.parametrize(
    ("path", "middleware", "drf"),
    [
        ("/plain/", True, False),
        ("/async-plain/", True, False),
        ("/decorated/sync/none/", False, False),
        ("/drf/none/", False, True),
    ],
)


def _stack(middleware: bool) -> override_settings:
    return override_settings() if middleware else override_settings(MIDDLEWARE=[])


@pytest.mark.usefixtures("redis_caches")
@PATHS
def test_a_token_passes_once(
    client: Client, minter: Minter, with_setting: Any, path: str, middleware: bool, drf: bool
) -> None:
    token = bearer(minter.token())
    with with_setting(REPLAY_PROTECTION=True, STORE="django-cache"), _stack(middleware):
        assert client.get(path, headers=token).status_code == 200
        for _ in range(2):
            again = client.get(path, headers=token)
            check_error_answer(
                REPLAYED, again.status_code, again.headers.get, again.content, detail=drf
            )


@pytest.mark.usefixtures("redis_caches")
async def test_a_token_passes_once_async(
    async_client: AsyncClient, minter: Minter, with_setting: Any
) -> None:
    token = bearer(minter.token())
    with with_setting(REPLAY_PROTECTION=True, STORE="django-cache"):
        first = await async_client.get("/async-plain/", headers=token)
        again = await async_client.get("/async-plain/", headers=token)
    assert first.status_code == 200
    check_error_answer(REPLAYED, again.status_code, again.headers.get, again.content)


@PATHS
def test_store_outage_answers_503(
    client: Client, minter: Minter, with_setting: Any, path: str, middleware: bool, drf: bool
) -> None:
    caches = {"default": redis_cache(dead_redis_url())}
    settings = with_setting(REVOCATION=True, STORE="django-cache")
    with override_settings(CACHES=caches), settings, _stack(middleware):
        response = client.get(path, headers=bearer(minter.token()))
    check_store_unavailable(response, drf=drf)


async def test_store_outage_answers_503_async(
    async_client: AsyncClient, minter: Minter, with_setting: Any
) -> None:
    with with_setting(REPLAY_PROTECTION=True, REDIS_URL=dead_redis_url()):
        response = await async_client.get("/async-plain/", headers=bearer(minter.token()))
    check_store_unavailable(response)


def test_store_outage_fails_open_when_configured(
    client: Client, minter: Minter, with_setting: Any
) -> None:
    token = bearer(minter.token())
    settings = with_setting(
        REPLAY_PROTECTION=True, REDIS_URL=dead_redis_url(), STORE_FAILURE="open"
    )
    with settings:
        assert [client.get("/plain/", headers=token).status_code for _ in range(2)] == [200, 200]


def check_store_unavailable(response: Any, *, drf: bool = False) -> None:
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert "WWW-Authenticate" not in response.headers
    assert response.json()["code"] == "store_unavailable"
    assert response.json()["error_description"] == DESCRIPTIONS["store_unavailable"]
    assert ("detail" in response.json()) is drf


@pytest.mark.usefixtures("redis_caches")
def test_a_locmem_cache_store_warns_once_at_run_time(
    client: Client,
    minter: Minter,
    with_setting: Any,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """gunicorn runs no system check: the first request on a process-local cache says so."""
    monkeypatch.setattr(store_checks, "PROCESS_LOCAL_WARNING", OncePerProcess())
    caplog.set_level(logging.WARNING, logger="jwtguard")

    def marked() -> list[str]:
        return [r.getMessage() for r in caplog.records if "in this process only" in r.getMessage()]

    with with_setting(REPLAY_PROTECTION=True, STORE="django-cache"):  # Redis: shared
        for _ in range(3):
            assert client.get("/plain/", headers=bearer(minter.token())).status_code == 200
    assert marked() == []
    with with_setting(REPLAY_PROTECTION=True, STORE="django-cache:local"):
        for _ in range(5):
            assert client.get("/plain/", headers=bearer(minter.token())).status_code == 200
    [message] = marked()
    assert "for replay protection (the Django cache 'local') keeps its entries" in message
    assert 'STORE = "django-cache" on a shared cache' in message


# --- manage.py jwtguard_revoke -----------------------------------------------------------------


def revoke(*arguments: str) -> str:
    out = io.StringIO()
    call_command("jwtguard_revoke", *arguments, stdout=out)
    return out.getvalue()


@pytest.mark.usefixtures("redis_caches")
def test_revoking_by_command_takes_effect_on_the_next_request(
    client: Client, minter: Minter, with_setting: Any
) -> None:
    early = minter.token(jti="laptop", now=time.time() - 10)
    other = minter.token(jti="phone", now=time.time() - 10)
    with with_setting(REVOCATION=True, STORE="django-cache"):
        assert client.get("/plain/", headers=bearer(early)).status_code == 200
        exp = get_guard().validator.validate(early).claims["exp"]
        printed = revoke("--jti", "laptop", "--exp", str(exp))
        assert printed.startswith(f"revoked jti 'laptop' from iss {ISSUER!r} (kept until ")
        response = client.get("/plain/", headers=bearer(early))
        check_error_answer(REVOKED, response.status_code, response.headers.get, response.content)
        assert client.get("/plain/", headers=bearer(other)).status_code == 200

        printed = revoke("--sub", "alice")
        assert printed.startswith(f"revoked tokens of sub 'alice' from iss {ISSUER!r} issued ")
        with override_settings(MIDDLEWARE=[]):  # DRF answers, with its "detail"
            response = Client().get("/drf/none/", headers=bearer(other))
        check_error_answer(
            REVOKED, response.status_code, response.headers.get, response.content, detail=True
        )
        assert client.get("/plain/", headers=bearer(minter.token(sub="bob"))).status_code == 200


def test_revoking_with_the_core_redis_store(
    client: Client, minter: Minter, with_setting: Any, redis_url: str
) -> None:
    token = bearer(minter.token(now=time.time() - 10))
    with with_setting(REVOCATION=True, REDIS_URL=redis_url):
        assert client.get("/plain/", headers=token).status_code == 200
        revoke("--sub", "alice", "--before", "2999-01-01T00:00:00Z")
        assert client.get("/plain/", headers=token).json()["code"] == "token_revoked"
        assert client.get("/plain/", headers=bearer(minter.token())).status_code == 401


@pytest.mark.usefixtures("redis_caches")
def test_revoking_by_command_under_one_issuer_or_every_issuer(
    client: Client, minter: Minter, with_setting: Any
) -> None:
    tenant_b = "https://tenant-b.example/"
    earlier = time.time() - 10

    def status(**claims: Any) -> int:
        return client.get("/plain/", headers=bearer(minter.token(**claims))).status_code

    keys = {"JWKS": minter.jwks()}  # each issuer trusts them in an entry of its own
    issuers = {"ISSUER": None, "JWKS": None, "TRUSTED_ISSUERS": {ISSUER: keys, tenant_b: keys}}
    with with_setting(REVOCATION=True, STORE="django-cache", **issuers):
        with pytest.raises(CommandError, match=r"several issuers are trusted .*--all-issuers"):
            revoke("--jti", "laptop")
        with pytest.raises(CommandError, match="not allowed with argument"):
            revoke("--jti", "laptop", "--issuer", tenant_b, "--all-issuers")
        printed = revoke("--jti", "laptop", "--issuer", tenant_b)
        assert printed.startswith(f"revoked jti 'laptop' from iss {tenant_b!r} (kept until ")
        assert (status(iss=tenant_b, jti="laptop"), status(iss=ISSUER, jti="laptop")) == (401, 200)

        revoke("--sub", "alice", "--issuer", ISSUER)
        assert (status(iss=ISSUER, now=earlier), status(iss=tenant_b, now=earlier)) == (401, 200)

        printed = revoke("--sub", "bob", "--all-issuers")
        assert printed.startswith("revoked tokens of sub 'bob' from every issuer issued before ")
        for issuer in (ISSUER, tenant_b):
            response = client.get(
                "/plain/", headers=bearer(minter.token(iss=issuer, sub="bob", now=earlier))
            )
            check_error_answer(
                REVOKED, response.status_code, response.headers.get, response.content
            )


@pytest.mark.usefixtures("redis_caches")
@pytest.mark.parametrize(
    ("keys", "arguments", "message"),
    [
        ({"REVOCATION": True}, ["--sub", "alice"], "a revocation made here cannot reach"),
        (
            {"REVOCATION": True, "STORE": "django-cache:local"},
            ["--sub", "alice"],
            "STORE 'memory' or a LocMemCache",
        ),
        ({"REPLAY_PROTECTION": True, "STORE": "django-cache"}, ["--sub", "a"], "REVOCATION is off"),
        (
            {"REVOCATION": True, "STORE": "django-cache"},
            ["--jti", "a", "--before", "1"],
            "--before",
        ),
        ({"REVOCATION": True, "STORE": "django-cache"}, ["--sub", "a", "--exp", "1"], "--exp goes"),
        (
            {"REVOCATION": True, "STORE": "django-cache"},
            ["--jti", "a", "--exp", "soon"],
            "not a time",
        ),
        (
            {"REVOCATION": True, "STORE": "django-cache"},
            ["--jti", "a", "--sub", "b"],
            "not allowed",
        ),
        ({"REVOCATION": True, "STORE": "django-cache"}, [], "one of the arguments --jti --sub"),
    ],
)
def test_revoke_command_refuses(
    with_setting: Any, keys: dict[str, object], arguments: list[str], message: str
) -> None:
    with with_setting(**keys), pytest.raises(CommandError, match=message):
        revoke(*arguments)


def test_revoke_command_reports_a_store_failure(with_setting: Any) -> None:
    with (
        with_setting(REVOCATION=True, REDIS_URL=dead_redis_url()),
        pytest.raises(CommandError, match="the token store failed: Redis"),
    ):
        revoke("--sub", "alice")


@pytest.mark.usefixtures("redis_caches")
def test_command_and_api_share_the_entries(with_setting: Any) -> None:
    with with_setting(REVOCATION=True, STORE="django-cache"):
        revoke("--jti", "abc")
        revocations = get_guard().revocations
        assert revocations.is_token_revoked("abc")
        key = store_key("jwtguard:", "revoked-jti", "abc", issuer=ISSUER)
        assert DjangoCacheStore().get_many([key]) == ["1"]
