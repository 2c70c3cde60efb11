"""Settings: defaults, .env, environment, clear errors, and the README documents them all."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from portal.errors import ConfigError
from portal.settings import load_settings, settings_table

README = Path(__file__).resolve().parents[1] / "README.md"


def test_defaults_put_sqlite_in_the_data_dir(tmp_path):
    settings = load_settings(data_dir=tmp_path)
    assert settings.database == f"sqlite:///{tmp_path / 'portal.db'}"
    assert settings.store == "sql" and settings.port == 8050 and settings.host == "127.0.0.1"


def test_env_file_then_environment(tmp_path, monkeypatch):
    (tmp_path / ".env").write_text("QC_PORTAL_PORT=9001\nQC_PORTAL_HOST=0.0.0.0\n")
    monkeypatch.chdir(tmp_path)
    assert load_settings().port == 9001
    monkeypatch.setenv("QC_PORTAL_PORT", "9002")
    settings = load_settings()
    assert (settings.port, settings.host) == (9002, "0.0.0.0")


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("QC_PORTAL_PORT", "70000", "invalid setting QC_PORTAL_PORT: Input should be less than or equal to 65535"),
        ("QC_PORTAL_STORE", "mongo", "invalid setting QC_PORTAL_STORE: unknown store 'mongo': expected 'sql'"),
        ("QC_PORTAL_DATABASE", "mysql://x", "invalid setting QC_PORTAL_DATABASE: 'mysql://x' is not a sqlite://"),
        ("QC_PORTAL_LOG_LEVEL", "loud", "invalid setting QC_PORTAL_LOG_LEVEL: 'loud' is not one of"),
        ("QC_PORTAL_DATABSE", "sqlite:///x.db", "unknown setting QC_PORTAL_DATABSE"),
    ],
)
def test_invalid_values_fail_with_one_clear_line(monkeypatch, name, value, message):
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert str(caught.value).startswith(message)
    assert "\n" not in str(caught.value)


def test_every_setting_is_in_the_readme():
    text = README.read_text()
    documented = set(re.findall(r"`(QC_PORTAL_[A-Z0-9_]+)`", text))
    for variable, _default, description in settings_table():
        assert variable in documented, f"{variable} is not documented in README.md"
        assert description, f"{variable} has no description"
