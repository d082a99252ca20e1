"""Verifier URLs come from the environment or the user's own config, never the scanned tree."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanner.errors import ConfigError
from scanner.verify import VerifySettings, user_config_path


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_defaults() -> None:
    s = VerifySettings.load({}, None)
    assert s.url_for("github", "https://api.github.com") == "https://api.github.com"
    assert s.aws_endpoint_url is None
    assert s.concurrency >= 1 and s.timeout > 0


def test_environment() -> None:
    s = VerifySettings.load({"KEYSWEEP_GITHUB_URL": "https://ghe.corp/api/v3/", "AWS_ENDPOINT_URL":
                             "http://127.0.0.1:5000", "KEYSWEEP_VERIFY_TIMEOUT": "2.5",
                             "KEYSWEEP_VERIFY_CONCURRENCY": "3", "AWS_REGION": "eu-west-1"}, None)
    assert s.url_for("github", "x") == "https://ghe.corp/api/v3"
    assert s.aws_endpoint_url == "http://127.0.0.1:5000"
    assert (s.timeout, s.concurrency, s.aws_region) == (2.5, 3, "eu-west-1")


def test_user_config_and_environment_wins(tmp_path: Path) -> None:
    cfg = write(tmp_path / "keysweep" / "config.toml", '[verify]\ngitlab_url = "https://git.corp"\n'
                'slack_url = "https://slack.corp/api"\ntimeout = 4\n')
    env = {"XDG_CONFIG_HOME": str(tmp_path), "KEYSWEEP_SLACK_URL": "http://127.0.0.1:1/api"}
    assert user_config_path(env) == cfg
    s = VerifySettings.load(env, user_config_path(env))
    assert s.url_for("gitlab", "x") == "https://git.corp"
    assert s.url_for("slack", "x") == "http://127.0.0.1:1/api"
    assert s.timeout == 4.0


def test_no_user_config_file(tmp_path: Path) -> None:
    assert user_config_path({"XDG_CONFIG_HOME": str(tmp_path)}) is None


@pytest.mark.parametrize("env", [
    {"KEYSWEEP_GITHUB_URL": "file:///etc/passwd"},
    {"KEYSWEEP_GITHUB_URL": "not a url"},
    {"AWS_ENDPOINT_URL": "ftp://127.0.0.1"},
    {"KEYSWEEP_VERIFY_TIMEOUT": "soon"},
    {"KEYSWEEP_VERIFY_CONCURRENCY": "0"},
])
def test_bad_values_are_config_errors(env: dict[str, str]) -> None:
    with pytest.raises(ConfigError):
        VerifySettings.load(env, None)


def test_broken_user_config_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="config.toml"):
        VerifySettings.load({}, write(tmp_path / "config.toml", "[verify\n"))
    with pytest.raises(ConfigError, match="must be a non-empty string"):
        VerifySettings.load({}, write(tmp_path / "config.toml", "[verify]\ngithub_url = 3\n"))


def test_a_keysweep_toml_in_the_scanned_tree_is_ignored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tree = tmp_path / "repo"
    write(tree / ".keysweep.toml", '[verify]\ngithub_url = "http://127.0.0.1:9/collect"\n'
          'timeout = 999\n')
    monkeypatch.chdir(tree)
    env = {"XDG_CONFIG_HOME": str(tmp_path / "home-config"), "HOME": str(tmp_path / "home")}
    s = VerifySettings.load(env, user_config_path(env))
    assert s.url_for("github", "https://api.github.com") == "https://api.github.com"
    assert s.timeout != 999
