import subprocess
import sys
from pathlib import Path

import pytest

from backoffice.settings import SettingsError, load_settings

STRONG_SECRET = "x" * 40
PG = "postgresql+psycopg://cellgate@db.example/cellgate"


def test_defaults_load_for_development() -> None:
    settings = load_settings({})
    assert settings.mode == "development"
    assert settings.database_url.startswith("sqlite:///var/")
    assert settings["auth.max_failed_sign_ins"] == 5


def test_file_then_environment_override_defaults(tmp_path: Path) -> None:
    config = tmp_path / "site.toml"
    config.write_text('timezone = "Europe/Riga"\n[auth]\nmax_failed_sign_ins = 3\n')
    settings = load_settings(
        {
            "CELLGATE_CONFIG": str(config),
            "CELLGATE_AUTH__LOCKOUT_MINUTES": "7",
            "CELLGATE_AUTH__MAX_FAILED_SIGN_INS": "4",
        }
    )
    assert settings["timezone"] == "Europe/Riga"
    assert settings["auth.max_failed_sign_ins"] == 4  # the environment wins over the file
    assert settings["auth.lockout_minutes"] == 7


@pytest.mark.parametrize(
    ("environ", "config", "expected"),
    [
        ({}, "colour = 'red'\n", "colour: unknown setting"),
        ({}, "[auth]\nmax_failed_sign_ins = 'five'\n", "auth.max_failed_sign_ins: must be a whole"),
        ({}, "debug = 'yes'\n", "debug: must be true or false"),
        ({"CELLGATE_AUTH__MAX_FAILED_SIGN_INS": "five"}, "", "CELLGATE_AUTH__MAX_FAILED_SIGN_INS"),
        ({"CELLGATE_COLOUR": "red"}, "", "CELLGATE_COLOUR: unknown setting 'colour'"),
        ({"CELLGATE_MODE": "staging"}, "", "mode: must be one of"),
        ({"CELLGATE_DATABASE_URL": "mysql://x"}, "", "database_url: must be a sqlite"),
        ({"CELLGATE_AUTH__LOCKOUT_MINUTES": "0"}, "", "auth.lockout_minutes: must be 1 or more"),
    ],
)
def test_bad_settings_name_the_setting(
    tmp_path: Path, environ: dict[str, str], config: str, expected: str
) -> None:
    path = tmp_path / "site.toml"
    path.write_text(config)
    with pytest.raises(SettingsError, match=expected):
        load_settings({"CELLGATE_CONFIG": str(path), **environ})


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({"CELLGATE_DATABASE_URL": PG}, "secret_key: production needs a secret"),
        ({"CELLGATE_DATABASE_URL": PG, "CELLGATE_SECRET_KEY": "short"}, "secret_key"),
        (
            {
                "CELLGATE_DATABASE_URL": PG,
                "CELLGATE_SECRET_KEY": STRONG_SECRET,
                "CELLGATE_DEBUG": "true",
            },
            "debug: must be false in production",
        ),
        ({"CELLGATE_SECRET_KEY": STRONG_SECRET}, "database_url: production needs PostgreSQL"),
        (
            {"CELLGATE_SECRET_KEY": STRONG_SECRET, "CELLGATE_DATABASE_URL": PG},
            "signin.template_key: production needs its own secret "
            r"\(set CELLGATE_SIGNIN__TEMPLATE_KEY\)",
        ),
        (
            {
                "CELLGATE_SECRET_KEY": STRONG_SECRET,
                "CELLGATE_DATABASE_URL": PG,
                "CELLGATE_SIGNIN__TEMPLATE_KEY": STRONG_SECRET + "t",
            },
            r"visits.jitsi_secret: production needs its own secret \(set CELLGATE_VISITS__JITSI",
        ),
        (
            {
                "CELLGATE_SECRET_KEY": STRONG_SECRET,
                "CELLGATE_DATABASE_URL": PG,
                "CELLGATE_SIGNIN__TEMPLATE_KEY": STRONG_SECRET + "t",
                "CELLGATE_VISITS__JITSI_SECRET": STRONG_SECRET + "j",
            },
            r"server.shared_storage: production needs Redis shared by every worker and host "
            r"\(set CELLGATE_SERVER__SHARED_STORAGE=redis://host:6379/0\), not memory://",
        ),
    ],
)
def test_production_refuses_unsafe_settings(environ: dict[str, str], expected: str) -> None:
    with pytest.raises(SettingsError, match=expected):
        load_settings({"CELLGATE_MODE": "production", **environ})


def test_production_starts_with_safe_settings() -> None:
    settings = load_settings(
        {
            "CELLGATE_MODE": "production",
            "CELLGATE_SECRET_KEY": STRONG_SECRET,
            "CELLGATE_DATABASE_URL": PG,
            "CELLGATE_SIGNIN__TEMPLATE_KEY": STRONG_SECRET + "t",
            "CELLGATE_VISITS__JITSI_SECRET": STRONG_SECRET + "j",
            "CELLGATE_SERVER__SHARED_STORAGE": "redis://redis.example:6379/0",
        }
    )
    assert settings.mode == "production"
    assert settings["server.shared_storage"] == "redis://redis.example:6379/0"


def test_memory_storage_is_allowed_outside_production() -> None:
    for mode in ("development", "test"):
        assert load_settings({"CELLGATE_MODE": mode})["server.shared_storage"] == "memory://"


def test_shared_storage_must_be_redis_or_memory() -> None:
    with pytest.raises(SettingsError, match=r"server.shared_storage: must be a redis://"):
        load_settings({"CELLGATE_SERVER__SHARED_STORAGE": "memcached://cache:11211"})


def test_missing_config_file_is_named() -> None:
    with pytest.raises(SettingsError, match=r"CELLGATE_CONFIG: file /nowhere\.toml does not exist"):
        load_settings({"CELLGATE_CONFIG": "/nowhere.toml"})


def test_the_command_stops_with_one_line_naming_the_setting() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "backoffice", "db", "current"],
        env={"CELLGATE_MODE": "production", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "secret_key" in lines[0]


def test_serve_in_production_refuses_memory_storage_with_one_line() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "backoffice", "serve", "tablet-api"],
        env={
            "PATH": "/usr/bin:/bin",
            "CELLGATE_MODE": "production",
            "CELLGATE_SECRET_KEY": STRONG_SECRET,
            "CELLGATE_DATABASE_URL": PG,
            "CELLGATE_SIGNIN__TEMPLATE_KEY": STRONG_SECRET + "t",
            "CELLGATE_VISITS__JITSI_SECRET": STRONG_SECRET + "j",
        },
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "server.shared_storage: production needs Redis" in lines[0]


def test_production_refuses_the_fake_face_matcher() -> None:
    safe = {
        "CELLGATE_MODE": "production",
        "CELLGATE_SECRET_KEY": STRONG_SECRET,
        "CELLGATE_DATABASE_URL": PG,
        "CELLGATE_SIGNIN__TEMPLATE_KEY": STRONG_SECRET + "t",
        "CELLGATE_VISITS__JITSI_SECRET": STRONG_SECRET + "j",
        "CELLGATE_SERVER__SHARED_STORAGE": "redis://redis.example:6379/0",
    }
    with pytest.raises(SettingsError, match=r"signin.face_matcher: production needs the real"):
        load_settings({**safe, "CELLGATE_SIGNIN__FACE_MATCHER": "fake"})
    assert load_settings({"CELLGATE_SIGNIN__FACE_MATCHER": "fake"})["signin.face_matcher"] == "fake"


def test_the_face_matcher_must_be_one_the_apps_know() -> None:
    with pytest.raises(SettingsError, match=r"signin.face_matcher: must be one of face_recog"):
        load_settings({"CELLGATE_SIGNIN__FACE_MATCHER": "opencv"})
