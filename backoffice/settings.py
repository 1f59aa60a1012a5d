"""Settings: config/default.toml, then the file named in CELLGATE_CONFIG, then CELLGATE_* variables.

config/default.toml is also the schema: a key it does not have is unknown, and a value must have
the type of the default. Any mistake stops the start with one line that names the setting.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_FILE = ROOT / "config" / "default.toml"
ENV_PREFIX = "CELLGATE_"
# CELLGATE_* variables that are not settings.
NOT_SETTINGS = {
    "CELLGATE_CONFIG",
    "CELLGATE_TEST_DATABASE_URL",
    "CELLGATE_TEST_REDIS_URL",
    "CELLGATE_FAULT_AT",  # the crash tests' fault injection (backoffice/faults.py)
}
DEFAULT_SECRET_KEY = "insecure-development-key-change-me"
DEFAULT_TEMPLATE_KEY = "insecure-development-template-key"
MODES = ("development", "production", "test")
# Secrets besides secret_key that production must not run with at their shipped defaults.
PRODUCTION_SECRETS = ("signin.template_key", "visits.jitsi_secret")
LANGUAGES = ("et", "ru", "en")
# What server.shared_storage may name: Redis, or memory outside production.
SHARED_STORAGES = ("redis://", "rediss://", "memory://")
# What signin.face_matcher may name: the real matcher, or a fake outside production.
FACE_MATCHERS = ("face_recognition", "fake")


class SettingsError(Exception):
    """A setting is missing, unknown or wrong; the message names it in one line."""


@dataclass(frozen=True)
class Settings:
    values: Mapping[str, Any]

    def __getitem__(self, dotted: str) -> Any:
        node: Any = self.values
        for part in dotted.split("."):
            node = node[part]
        return node

    @property
    def mode(self) -> str:
        return str(self.values["mode"])

    @property
    def database_url(self) -> str:
        return str(self.values["database_url"])

    def with_overrides(self, overrides: Mapping[str, Any]) -> Settings:
        """A copy with dotted keys replaced, validated like any other source (used by tests)."""
        merged = _deep_copy(self.values)
        for dotted, value in overrides.items():
            _merge(merged, _nest(dotted, value), path="", schema=_schema(), source="override")
        return _validated(merged)


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    environ = os.environ if environ is None else environ
    values = _schema()
    schema = _schema()
    config_file = environ.get("CELLGATE_CONFIG")
    if config_file:
        path = Path(config_file)
        try:
            with path.open("rb") as fh:
                file_values = tomllib.load(fh)
        except FileNotFoundError:
            raise SettingsError(f"CELLGATE_CONFIG: file {path} does not exist") from None
        except tomllib.TOMLDecodeError as exc:
            raise SettingsError(f"CELLGATE_CONFIG: {path} is not valid TOML: {exc}") from None
        _merge(values, file_values, path="", schema=schema, source=str(path))
    for name, raw in sorted(environ.items()):
        if not name.startswith(ENV_PREFIX) or name in NOT_SETTINGS:
            continue
        dotted = name[len(ENV_PREFIX) :].lower().replace("__", ".")
        default = _lookup(schema, dotted)
        if default is _MISSING or isinstance(default, dict):
            raise SettingsError(f"{name}: unknown setting '{dotted}'")
        _merge(values, _nest(dotted, _parse_env(name, raw, default)), "", schema, name)
    return _validated(values)


_MISSING = object()


def _schema() -> dict[str, Any]:
    with DEFAULT_FILE.open("rb") as fh:
        return tomllib.load(fh)


def _deep_copy(values: Mapping[str, Any]) -> dict[str, Any]:
    return {k: _deep_copy(v) if isinstance(v, Mapping) else v for k, v in values.items()}


def _lookup(schema: Mapping[str, Any], dotted: str) -> Any:
    node: Any = schema
    for part in dotted.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return _MISSING
        node = node[part]
    return node


def _nest(dotted: str, value: Any) -> dict[str, Any]:
    parts = dotted.split(".")
    nested: dict[str, Any] = {parts[-1]: value}
    for part in reversed(parts[:-1]):
        nested = {part: nested}
    return nested


def _type_name(value: Any) -> str:
    return {
        bool: "true or false",
        int: "a whole number",
        float: "a number",
        str: "text",
        list: "a list",
    }.get(type(value), type(value).__name__)


def _merge(
    target: dict[str, Any],
    new: Mapping[str, Any],
    path: str,
    schema: Mapping[str, Any],
    source: str,
) -> None:
    for key, value in new.items():
        dotted = f"{path}{key}"
        if key not in schema:
            raise SettingsError(f"{dotted}: unknown setting (in {source})")
        default = schema[key]
        if isinstance(default, dict):
            if not isinstance(value, Mapping):
                raise SettingsError(f"{dotted}: must be a section of settings (in {source})")
            _merge(target[key], value, f"{dotted}.", default, source)
            continue
        same_type = type(value) is type(default) or (
            isinstance(default, float) and type(value) is int
        )
        if not same_type:
            raise SettingsError(
                f"{dotted}: must be {_type_name(default)}, got {value!r} (in {source})"
            )
        target[key] = value


def _parse_env(name: str, raw: str, default: Any) -> Any:
    if isinstance(default, bool):
        if raw.lower() in ("1", "true", "yes", "on"):
            return True
        if raw.lower() in ("0", "false", "no", "off"):
            return False
        raise SettingsError(f"{name}: must be true or false, got {raw!r}")
    if isinstance(default, int):
        try:
            return int(raw)
        except ValueError:
            raise SettingsError(f"{name}: must be a whole number, got {raw!r}") from None
    if isinstance(default, float):
        try:
            return float(raw)
        except ValueError:
            raise SettingsError(f"{name}: must be a number, got {raw!r}") from None
    if isinstance(default, list):
        return [item.strip() for item in raw.split(",") if item.strip()]
    return raw


def _validated(values: dict[str, Any]) -> Settings:
    if values["mode"] not in MODES:
        raise SettingsError(f"mode: must be one of {', '.join(MODES)}, got {values['mode']!r}")
    bad = [lang for lang in values["languages"] if lang not in LANGUAGES]
    if bad or not values["languages"]:
        raise SettingsError(f"languages: each must be one of {', '.join(LANGUAGES)}, got {bad}")
    if not values["regime_levels"] or not all(isinstance(v, str) for v in values["regime_levels"]):
        raise SettingsError("regime_levels: must be a list of one or more level names")
    url = values["database_url"]
    if not (url.startswith("sqlite") or url.startswith("postgresql")):
        raise SettingsError(f"database_url: must be a sqlite:// or postgresql:// URL, got {url!r}")
    for dotted in (
        "auth.max_failed_sign_ins",
        "auth.lockout_minutes",
        "auth.idle_minutes",
        "auth.session_hours",
        "server.workers",
    ):
        section, key = dotted.split(".")
        if values[section][key] < 1:
            raise SettingsError(f"{dotted}: must be 1 or more, got {values[section][key]}")
    for dotted in ("money.debt_share_percent", "money.release_fund_share_percent"):
        section, key = dotted.split(".")
        if not 0 <= values[section][key] <= 100:
            raise SettingsError(f"{dotted}: must be between 0 and 100")
    if len(values["signin"]["template_key"]) < 32:
        raise SettingsError("signin.template_key: must be 32 or more characters")
    if not 0 < values["signin"]["face_tolerance"] < 1:
        raise SettingsError("signin.face_tolerance: must be between 0 and 1")
    if values["signin"]["face_matcher"] not in FACE_MATCHERS:
        raise SettingsError(
            f"signin.face_matcher: must be one of {', '.join(FACE_MATCHERS)}, "
            f"got {values['signin']['face_matcher']!r}"
        )
    if values["money"]["debt_share_percent"] + values["money"]["release_fund_share_percent"] > 100:
        raise SettingsError("money.debt_share_percent: with the release fund share, over 100")
    storage = values["server"]["shared_storage"]
    if not storage.startswith(SHARED_STORAGES):
        raise SettingsError(
            "server.shared_storage: must be a redis://, rediss:// or memory:// URL, "
            f"got {storage!r}"
        )
    if not values["server"]["shared_storage_prefix"]:
        raise SettingsError("server.shared_storage_prefix: must not be empty")
    if values["server"]["hsts_max_age"] < 0:
        raise SettingsError("server.hsts_max_age: must be 0 or more")
    if values["server"]["trusted_proxies"] < 0:
        raise SettingsError("server.trusted_proxies: must be 0 or more")
    if values["mode"] == "production":
        secret = values["secret_key"]
        if secret == DEFAULT_SECRET_KEY or len(secret) < 32:
            raise SettingsError(
                "secret_key: production needs a secret of 32 or more characters "
                "(set CELLGATE_SECRET_KEY), not the default"
            )
        if values["debug"]:
            raise SettingsError("debug: must be false in production")
        if url.startswith("sqlite"):
            raise SettingsError("database_url: production needs PostgreSQL, not SQLite")
        defaults = _schema()
        for dotted in PRODUCTION_SECRETS:
            if _lookup(values, dotted) == _lookup(defaults, dotted):
                variable = ENV_PREFIX + dotted.upper().replace(".", "__")
                raise SettingsError(
                    f"{dotted}: production needs its own secret (set {variable}), not the default"
                )
        if storage.startswith("memory://"):
            raise SettingsError(
                "server.shared_storage: production needs Redis shared by every worker and host "
                "(set CELLGATE_SERVER__SHARED_STORAGE=redis://host:6379/0), not memory://"
            )
        if values["signin"]["face_matcher"] == "fake":
            raise SettingsError(
                "signin.face_matcher: production needs the real matcher (face_recognition), "
                "not the fake that knows no face"
            )
    return Settings(values)
