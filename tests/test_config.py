"""Settings (SPEC §3): defaults, and one clear line per wrong setting."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import SETTINGS, ConfigError, load


def test_defaults_run_without_any_setting() -> None:
    settings = load({})
    assert settings.db == Path("clusterbot.db")
    assert settings.telegram_api_server == "https://api.telegram.org"
    assert (settings.listen_host, settings.listen_port) == ("127.0.0.1", 8080)
    assert settings.timezone == "Asia/Kolkata" and settings.default_language == "en"
    assert not settings.telegram_on and not settings.whatsapp_on


def test_full_configuration() -> None:
    settings = load(
        {
            "CLUSTERBOT_TELEGRAM_TOKEN": "123456:ABC-def_1",
            "CLUSTERBOT_TELEGRAM_API_SERVER": "http://127.0.0.1:9000/",
            "CLUSTERBOT_ADMINS": "telegram:42, whatsapp:+919829012345",
            "CLUSTERBOT_LISTEN": "0.0.0.0:9090",
            "CLUSTERBOT_DEFAULT_LANGUAGE": "hi",
            "CLUSTERBOT_TELEGRAM_WEBHOOK_URL": "https://bot.example.org/telegram/webhook",
            "CLUSTERBOT_TELEGRAM_WEBHOOK_SECRET": "abc_DEF-123",
        }
    )
    assert settings.telegram_on and settings.telegram_api_server == "http://127.0.0.1:9000"
    assert settings.admins == {"telegram:42", "whatsapp:919829012345"}
    assert settings.listen_port == 9090 and settings.default_language == "hi"


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"CLUSTERBOT_TELEGRAM_TOKEN": "not a token"}, "CLUSTERBOT_TELEGRAM_TOKEN"),
        ({"CLUSTERBOT_TIMEZONE": "Mars/Base"}, "CLUSTERBOT_TIMEZONE"),
        ({"CLUSTERBOT_DEFAULT_LANGUAGE": "xx"}, "CLUSTERBOT_DEFAULT_LANGUAGE"),
        ({"CLUSTERBOT_LISTEN": "8080"}, "CLUSTERBOT_LISTEN"),
        ({"CLUSTERBOT_ADMINS": "telegram:abc"}, "CLUSTERBOT_ADMINS"),
        ({"CLUSTERBOT_ADMINS": "signal:1"}, "CLUSTERBOT_ADMINS"),
        ({"CLUSTERBOT_TELEGRAM_API_SERVER": "ftp://x"}, "CLUSTERBOT_TELEGRAM_API_SERVER"),
        (
            {
                "CLUSTERBOT_TELEGRAM_WEBHOOK_URL": "http://insecure",
                "CLUSTERBOT_TELEGRAM_WEBHOOK_SECRET": "s",
            },
            "CLUSTERBOT_TELEGRAM_WEBHOOK_URL",
        ),
        (
            {"CLUSTERBOT_TELEGRAM_WEBHOOK_SECRET": "bad secret!"},
            "CLUSTERBOT_TELEGRAM_WEBHOOK_SECRET",
        ),
        ({"CLUSTERBOT_WHATSAPP_TOKEN": "x"}, "CLUSTERBOT_WHATSAPP_PHONE_NUMBER_ID"),
        ({"CLUSTERBOT_DB": "/no/such/folder/x.db"}, "CLUSTERBOT_DB"),
        ({"CLUSTERBOT_WHATSAPP_RATE": "fast"}, "CLUSTERBOT_WHATSAPP_RATE"),
        ({"CLUSTERBOT_WHATSAPP_RATE": "0"}, "CLUSTERBOT_WHATSAPP_RATE"),
        ({"CLUSTERBOT_WHATSAPP_RATE": "-5"}, "CLUSTERBOT_WHATSAPP_RATE"),
        ({"CLUSTERBOT_WHATSAPP_RATE": "5000"}, "CLUSTERBOT_WHATSAPP_RATE"),
        ({"CLUSTERBOT_WHATSAPP_RATE": "nan"}, "CLUSTERBOT_WHATSAPP_RATE"),
        ({"CLUSTERBOT_MEDIA_DIR": "/no/such/folder/media"}, "CLUSTERBOT_MEDIA_DIR"),
    ],
)
def test_each_problem_is_one_line_naming_the_variable(env: dict[str, str], variable: str) -> None:
    with pytest.raises(ConfigError) as info:
        load(env)
    assert len(info.value.problems) == 1
    assert variable in info.value.problems[0]
    assert "\n" not in info.value.problems[0]


def test_whatsapp_rate_default_and_setting() -> None:
    assert load({}).whatsapp_rate == 80.0  # the Cloud API's default throughput per number
    assert load({"CLUSTERBOT_WHATSAPP_RATE": ""}).whatsapp_rate == 80.0
    assert load({"CLUSTERBOT_WHATSAPP_RATE": " 2.5 "}).whatsapp_rate == 2.5
    assert load({"CLUSTERBOT_WHATSAPP_RATE": "1000"}).whatsapp_rate == 1000.0  # Meta's top tier


def test_media_dir_setting(tmp_path: Path) -> None:
    from bot.app import media_dir

    default = load({"CLUSTERBOT_DB": str(tmp_path / "bot.db")})
    assert default.media_dir is None and media_dir(default) == tmp_path / "media"
    chosen = load({"CLUSTERBOT_MEDIA_DIR": str(tmp_path / "answers")})  # made when needed
    assert media_dir(chosen) == tmp_path / "answers"
    (tmp_path / "file").write_text("x")
    with pytest.raises(ConfigError, match=r"CLUSTERBOT_MEDIA_DIR: .* is a file"):
        load({"CLUSTERBOT_MEDIA_DIR": str(tmp_path / "file")})


def test_all_problems_reported_at_once() -> None:
    with pytest.raises(ConfigError) as info:
        load({"CLUSTERBOT_TIMEZONE": "Nowhere", "CLUSTERBOT_LISTEN": "x"})
    assert len(info.value.problems) == 2


def test_every_setting_has_a_default_and_help() -> None:
    for name, (default, help_text) in SETTINGS.items():
        assert name.startswith("CLUSTERBOT_") and help_text
        assert isinstance(default, str)


def test_answer_days_default_and_setting() -> None:
    assert load({}).answer_days == 3  # an inbox item is overdue after 3 days (issue 15)
    assert load({"CLUSTERBOT_ANSWER_DAYS": " 7 "}).answer_days == 7
    for bad in ("0", "91", "two", "-1", "1.5"):
        with pytest.raises(ConfigError) as refused:
            load({"CLUSTERBOT_ANSWER_DAYS": bad})
        assert str(refused.value).startswith("CLUSTERBOT_ANSWER_DAYS"), bad


def test_web_link_settings() -> None:
    plain = load({})
    assert (plain.public_url, plain.telegram_username, plain.whatsapp_number) == ("", "", "")
    given = load(
        {
            "CLUSTERBOT_PUBLIC_URL": "https://bagru.example.org/",
            "CLUSTERBOT_TELEGRAM_USERNAME": "@bagru_cluster_bot",
            "CLUSTERBOT_WHATSAPP_NUMBER": "+91 98765-43210",
        }
    )
    assert given.public_url == "https://bagru.example.org"  # no trailing slash
    assert given.telegram_username == "bagru_cluster_bot"
    assert given.whatsapp_number == "919876543210"


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("CLUSTERBOT_PUBLIC_URL", "bagru.example.org"),
        ("CLUSTERBOT_PUBLIC_URL", "ftp://bagru.example.org"),
        ("CLUSTERBOT_PUBLIC_URL", "https://bagru.example.org/?x=1"),
        ("CLUSTERBOT_TELEGRAM_USERNAME", "bot"),
        ("CLUSTERBOT_TELEGRAM_USERNAME", "bagru-bot"),
        ("CLUSTERBOT_WHATSAPP_NUMBER", "12345"),
        ("CLUSTERBOT_WHATSAPP_NUMBER", "call me"),
    ],
)
def test_bad_web_link_settings_are_one_line_each(variable: str, value: str) -> None:
    with pytest.raises(ConfigError) as error:
        load({variable: value})
    assert len(error.value.problems) == 1 and error.value.problems[0].startswith(variable)
