"""The store settings: REPLAY_PROTECTION, REVOCATION, STORE, REDIS_URL, STORE_FAILURE, ..."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest

from jwtguard import ConfigurationError, GuardConfig, MemoryStore, Validator
from jwtguard.stores import build_store, store_kind
from jwtguard.stores.redis import RedisStore
from tests.contract import Minter

SECRET = "s" * 32


def config(**settings: Any) -> GuardConfig:
    return GuardConfig.from_mapping({"SECRET": SECRET, "ALGORITHMS": ["HS256"], **settings})


def problems(**settings: Any) -> str:
    with pytest.raises(ConfigurationError) as caught:
        config(**settings)
    return "\n".join(caught.value.problems)


def test_defaults() -> None:
    defaults = config()
    assert (defaults.replay_protection, defaults.revocation) == (False, False)
    assert (defaults.store, defaults.redis_url, defaults.store_failure) == (None, None, "closed")
    assert (defaults.store_timeout, defaults.store_prefix) == (1.0, "jwtguard:")
    assert (defaults.store_max_entries, defaults.revocation_ttl) == (100_000, 86400.0)
    assert store_kind(defaults) == "memory"


def test_from_env_parses_every_store_setting() -> None:
    parsed = GuardConfig.from_env(
        {
            "JWTGUARD_SECRET": SECRET,
            "JWTGUARD_ALGORITHMS": "HS256",
            "JWTGUARD_REPLAY_PROTECTION": "1",
            "JWTGUARD_REVOCATION": "true",
            "JWTGUARD_STORE": "redis",
            "JWTGUARD_REDIS_URL": "redis://127.0.0.1:6379/0",
            "JWTGUARD_STORE_FAILURE": "open",
            "JWTGUARD_STORE_TIMEOUT": "0.25",
            "JWTGUARD_STORE_PREFIX": "notes-api:",
            "JWTGUARD_STORE_MAX_ENTRIES": "500",
            "JWTGUARD_REVOCATION_TTL": "3600",
        }
    )
    assert (parsed.replay_protection, parsed.revocation) == (True, True)
    assert (parsed.store, parsed.redis_url) == ("redis", "redis://127.0.0.1:6379/0")
    assert (parsed.store_failure, parsed.store_timeout) == ("open", 0.25)
    assert (parsed.store_prefix, parsed.store_max_entries) == ("notes-api:", 500)
    assert parsed.revocation_ttl == 3600


def test_redis_url_alone_selects_redis() -> None:
    chosen = config(REPLAY_PROTECTION=True, REDIS_URL="redis://127.0.0.1:6379/0")
    assert store_kind(chosen) == "redis"
    store = build_store(chosen)
    assert isinstance(store, RedisStore)
    assert store.name == "redis://127.0.0.1:6379/0"


def test_memory_store_takes_its_bound_from_the_config() -> None:
    store = build_store(config(STORE="memory", STORE_MAX_ENTRIES=7))
    assert isinstance(store, MemoryStore)
    assert store.max_entries == 7


def test_redis_url_passwords_stay_out_of_repr_and_problems() -> None:
    url = "redis://:hunter2@127.0.0.1:6379/0"
    assert "hunter2" not in repr(config(REDIS_URL=url))
    text = problems(REDIS_URL="http://:hunter2@127.0.0.1:6379/0")
    assert "REDIS_URL must start with redis://, rediss:// (TLS) or unix://" in text
    assert "hunter2" not in text
    assert "http://***@127.0.0.1:6379/0" in text


@pytest.mark.parametrize(
    ("settings", "problem"),
    [
        ({"STORE": "redis"}, "STORE 'redis' needs REDIS_URL"),
        ({"STORE": "memory", "REDIS_URL": "redis://h/0"}, "REDIS_URL is set but STORE is 'memory'"),
        ({"STORE": "postgres"}, "STORE must be 'memory', 'redis' or a dotted path"),
        ({"STORE": "no_such_module.factory"}, "STORE: cannot use 'no_such_module.factory'"),
        ({"STORE": "tests.core.test_store_config.SECRET"}, "is not callable"),
        ({"STORE": 42}, "STORE must be 'memory', 'redis', a dotted path"),
        ({"REDIS_URL": ""}, "REDIS_URL must be a non-empty string"),
        ({"REDIS_URL": "redis:///0"}, "REDIS_URL names no host"),
        ({"REPLAY_PROTECTION": "maybe"}, "REPLAY_PROTECTION: expected a boolean"),
        ({"STORE_FAILURE": "ajar"}, "STORE_FAILURE must be 'closed' or 'open', got 'ajar'"),
        ({"STORE_TIMEOUT": 0}, "STORE_TIMEOUT must be between 0.01 and 60"),
        ({"REVOCATION_TTL": 0}, "REVOCATION_TTL must be between 1 and"),
        ({"STORE_MAX_ENTRIES": 0}, "STORE_MAX_ENTRIES must be between 1 and"),
        ({"STORE_PREFIX": "my api:"}, "STORE_PREFIX must be printable ASCII without spaces"),
    ],
)
def test_wrong_store_settings(settings: dict[str, Any], problem: str) -> None:
    assert problem in problems(**settings)


def test_boolean_switches_must_be_booleans() -> None:
    with pytest.raises(ConfigurationError) as caught:
        GuardConfig(secret=SECRET, algorithms=["HS256"], replay_protection=1, revocation="yes")  # type: ignore[arg-type]
    assert caught.value.problems == (
        "REPLAY_PROTECTION must be true or false",
        "REVOCATION must be true or false",
    )


def test_redis_store_needs_the_redis_package(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util  # noqa: PLC0415

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "redis" else real(name, *a)
    )
    assert "needs the redis package: pip install 'jwtguard-api[redis]'" in problems(
        REDIS_URL="redis://127.0.0.1/0"
    )


class ListStore:
    """A custom store for the dotted-path setting: a dict, without expiry."""

    def __init__(self, config: GuardConfig) -> None:
        self.config = config
        self.entries: dict[str, str] = {}

    def add(self, key: str, value: str, ttl: float) -> bool:
        return self.entries.setdefault(key, value) is value

    def put(self, key: str, value: str, ttl: float) -> None:
        self.entries[key] = value

    def get_many(self, keys: Sequence[str]) -> list[str | None]:
        return [self.entries.get(key) for key in keys]


def not_a_store(config: GuardConfig) -> object:
    return object()


@pytest.mark.parametrize(
    "path", ["tests.core.test_store_config.ListStore", "tests.core.test_store_config:ListStore"]
)
def test_a_dotted_path_builds_a_custom_store(minter: Minter, path: str) -> None:
    chosen = config(STORE=path, REPLAY_PROTECTION=True)
    assert store_kind(chosen) == "custom"
    validator = Validator(chosen)
    assert isinstance(validator.store, ListStore)
    assert validator.store.config is chosen


def test_a_dotted_path_must_build_a_store() -> None:
    chosen = config(STORE="tests.core.test_store_config.not_a_store", REVOCATION=True)
    with pytest.raises(ConfigurationError, match="returned object, not a token store"):
        Validator(chosen)


def test_a_store_object_is_used_as_given() -> None:
    store = MemoryStore(max_entries=3)
    chosen = config(STORE=store, REPLAY_PROTECTION=True)
    assert store_kind(chosen) == "memory"
    assert Validator(chosen).store is store
