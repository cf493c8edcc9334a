"""The memory store and the Redis store (against a real redis-server): the store contract, and
what each adds: bounds and exact expiry in memory; timeouts, outages and recovery on Redis."""

from __future__ import annotations

import hashlib
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator

import pytest
import redis

from jwtguard import MemoryStore, StoreError
from jwtguard.stores import store_key
from jwtguard.stores.redis import RedisStore
from jwtguard.urls import redact_url, redis_url_problem
from tests.redis_server import RedisServer
from tests.store_contract import StoreContract, key


class Clock:
    """A clock tests move by hand."""

    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


# --- memory ----------------------------------------------------------------------------------


class TestMemoryStore(StoreContract):
    @pytest.fixture
    def store(self) -> MemoryStore:
        return MemoryStore()


def test_memory_entries_expire_exactly_at_their_ttl() -> None:
    clock = Clock()
    store = MemoryStore(clock=clock)
    assert store.add(key("a"), "1", 90.5)
    assert store.ttl(key("a")) == 90.5
    clock.now += 90.4
    assert store.get_many([key("a")]) == ["1"]
    assert store.add(key("a"), "1", 10) is False
    clock.now += 0.1
    assert store.get_many([key("a")]) == [None]
    assert store.ttl(key("a")) is None
    assert store.add(key("a"), "1", 10) is True


def test_memory_store_is_bounded_and_refuses_rather_than_forgets() -> None:
    clock = Clock()
    store = MemoryStore(max_entries=3, clock=clock)
    for name in ("a", "b", "c"):
        assert store.add(key(name), "1", 10 if name == "a" else 60)
    with pytest.raises(StoreError, match="holds 3 unexpired entries"):
        store.add(key("d"), "1", 60)
    assert store.add(key("b"), "1", 60) is False, "a full store still answers for known keys"
    store.put(key("b"), "2", 60)  # replacing an entry needs no room
    clock.now += 10  # "a" expires, which makes room
    assert store.add(key("d"), "1", 60)
    assert len(store) == 3
    assert store.get_many([key(name) for name in "abcd"]) == [None, "2", "1", "1"]


def test_memory_store_purges_expired_entries_and_superseded_expiries() -> None:
    clock = Clock()
    store = MemoryStore(clock=clock)
    for round_ in range(50):
        for name in range(10):
            store.put(key(str(name)), str(round_), 5)  # each put supersedes the last expiry
    assert len(store) == 10
    assert len(store._expiry) <= 2 * 10 + 64 + 1
    for name in range(100, 1100):
        store.add(key(str(name)), "1", 1)
    clock.now += 5
    store.add(key("trigger"), "1", 1)
    assert len(store) == 1, "every expired entry was purged on the next write"
    assert store.get_many([key("0")]) == [None]


def test_memory_store_keeps_an_entry_whose_expiry_was_extended() -> None:
    clock = Clock()
    store = MemoryStore(clock=clock)
    store.put(key("a"), "short", 1)
    store.put(key("a"), "long", 100)
    clock.now += 2
    store.add(key("other"), "1", 1)  # purges what expired, but not the extended entry
    assert store.get_many([key("a")]) == ["long"]


def test_memory_store_under_many_threads() -> None:
    store = MemoryStore(max_entries=1_000_000)
    winners: list[str] = []
    lock = threading.Lock()

    def worker(number: int) -> None:
        for item in range(300):
            name = f"shared-{item}"
            if store.add(key(name), str(number), 60):
                with lock:
                    winners.append(name)
            store.put(key(f"own-{number}-{item}"), "1", 60)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(winners) == sorted(f"shared-{item}" for item in range(300)), "each added once"
    assert len(store) == 300 + 8 * 300


def test_store_keys_hash_the_identifier() -> None:
    jti = "a:b\r\nSET x 1 " + "z" * 9000
    made = store_key("api:", "used", jti, issuer="https://idp/\r\nSET x 1")
    assert made.startswith("api:used:")
    assert len(made) == len("api:used:") + 64 + 1 + 64
    assert made.isascii()
    assert " " not in made
    assert store_key("api:", "revoked-jti", jti, issuer="https://idp/\r\nSET x 1") != made
    assert store_key("api:", "used", jti + "x", issuer="https://idp/\r\nSET x 1") != made


def test_store_keys_are_scoped_by_issuer() -> None:
    """Each issuer has its own keys; the every-issuer key is the unscoped key older versions
    wrote, and no issuer's key can take its form."""
    by_issuer = {
        issuer: store_key("api:", "revoked-sub", "alice", issuer=issuer)
        for issuer in ("https://a.example/", "https://b.example/", "")
    }
    every = store_key("api:", "revoked-sub", "alice", issuer=None)
    assert len({*by_issuer.values(), every}) == 4
    legacy = "api:revoked-sub:" + hashlib.sha256(b"alice").hexdigest()
    assert every == legacy
    assert all(key.count(":") == legacy.count(":") + 1 for key in by_issuer.values())


def test_importing_jwtguard_does_not_import_redis() -> None:
    code = (
        "import sys, jwtguard\n"
        "from jwtguard import GuardConfig, Validator\n"
        "config = GuardConfig(secret='s' * 32, algorithms=['HS256'], replay_protection=True)\n"
        "Validator(config)\n"
        "assert 'redis' not in sys.modules, 'redis was imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# --- Redis -----------------------------------------------------------------------------------


@pytest.fixture
def redis_store(redis_url: str) -> Iterator[RedisStore]:
    store = RedisStore(redis_url)
    yield store
    store.close()


class TestRedisStore(StoreContract):
    @pytest.fixture
    def store(self, redis_store: RedisStore) -> RedisStore:
        return redis_store


def test_redis_ttl_is_kept_to_the_millisecond(redis_store: RedisStore) -> None:
    assert redis_store.add(key("a"), "1", 90.0004)
    remaining = redis_store.client.pttl(key("a"))
    assert 90_000 - 100 <= remaining <= 90_001, "rounded up to the next millisecond, no more"
    redis_store.put(key("b"), "2", 0.0001)
    assert redis_store.client.pttl(key("b")) in (-2, 0, 1), "at least one millisecond"


def test_redis_down_is_a_store_error_quickly(own_redis: RedisServer) -> None:
    store = RedisStore(own_redis.url, timeout=0.5)
    assert store.add(key("a"), "1", 60)
    own_redis.kill()
    for call in (
        lambda: store.add(key("b"), "1", 60),
        lambda: store.put(key("b"), "1", 60),
        lambda: store.get_many([key("a")]),
    ):
        started = time.monotonic()
        with pytest.raises(StoreError, match=r"Redis (SET NX|SET|MGET) at redis://127\.0\.0\.1"):
            call()
        assert time.monotonic() - started < 1.5, "no slow retry loop while Redis is down"


def test_redis_restart_recovers_on_the_same_store(own_redis: RedisServer) -> None:
    store = RedisStore(own_redis.url)
    assert store.add(key("a"), "1", 60)
    assert store.get_many([key("a")]) == ["1"]  # a pooled connection now exists
    own_redis.kill()
    with pytest.raises(StoreError):
        store.get_many([key("a")])
    own_redis.start()
    assert store.get_many([key("a")]) == [None], "the restarted server kept nothing"
    assert store.add(key("a"), "1", 60) is True


def test_redis_pooled_connection_survives_a_restart_without_an_error(
    own_redis: RedisServer,
) -> None:
    """The first command on a connection the restart broke is retried once on a new one."""
    store = RedisStore(own_redis.url)
    store.put(key("a"), "1", 60)
    own_redis.kill()
    own_redis.start()
    assert store.add(key("a"), "1", 60) is True


def test_redis_that_does_not_answer_times_out() -> None:
    """A server that accepts connections but never replies holds a request ``timeout`` at most."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        port = silent.getsockname()[1]
        store = RedisStore(f"redis://127.0.0.1:{port}/0", timeout=0.3)
        started = time.monotonic()
        with pytest.raises(StoreError, match="Timeout"):
            store.add(key("a"), "1", 60)
        assert time.monotonic() - started < 1.5


def test_redis_password_never_shows(own_redis: RedisServer) -> None:
    assert own_redis.command("CONFIG", "SET", "requirepass", "the-right-one") == b"+OK"
    url = f"redis://:hunter2-secret@127.0.0.1:{own_redis.port}/0"
    store = RedisStore(url)
    assert "hunter2" not in store.name
    assert "hunter2" not in repr(store)
    with pytest.raises(StoreError, match="AuthenticationError") as caught:
        store.add(key("a"), "1", 60)
    assert "hunter2" not in str(caught.value)
    assert store.name == f"redis://***@127.0.0.1:{own_redis.port}/0"


def test_redis_store_on_an_existing_client(redis_url: str) -> None:
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    store = RedisStore("redis://ignored:1/0", client=client)
    assert store.add(key("a"), "1", 60)
    assert client.get(key("a")) == "1"
    client.close()


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("redis://127.0.0.1:6379/0", "redis://127.0.0.1:6379/0"),
        ("redis://:pw@cache:6380/1", "redis://***@cache:6380/1"),
        ("rediss://user:pw@[::1]:6379", "rediss://***@[::1]:6379"),
        ("unix:///run/redis.sock?db=0&password=pw", "unix:///run/redis.sock?db=***&password=***"),
        ("redis://user:pw@host/0?password=pw", "redis://***@host/0?password=***"),
        (
            "https://user:pw@idp:8443/jwks?api_key=s&v=2&flag",
            "https://***@idp:8443/jwks?api_key=***&v=***&***",
        ),
        ("https://token@idp/jwks#frag", "https://***@idp/jwks"),
        ("https://user:pw@idp:port/jwks", "<an unparsable URL>"),
    ],
)
def test_redact_url(url: str, shown: str) -> None:
    assert redact_url(url) == shown


def test_redact_url_of_garbage() -> None:
    assert redact_url("redis://[::1") == "<an unparsable URL>"


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("redis://127.0.0.1:6379/0", None),
        ("rediss://cache.internal:6380", None),
        ("unix:///run/redis.sock", None),
        ("http://127.0.0.1:6379", "must start with redis://, rediss:// (TLS) or unix://"),
        ("redis:///0", "names no host"),
        ("redis://[::1", "is not a URL"),
    ],
)
def test_redis_url_problem(url: str, problem: str | None) -> None:
    assert redis_url_problem(url) == problem
