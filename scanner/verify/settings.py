"""Verification settings: from the environment and the user's own config file only.

A `.keysweep.toml` inside a scanned tree is never consulted here: a hostile repository
must not be able to point a verifier at a server that collects the secrets it contains.
"""

from __future__ import annotations

import logging
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any
from urllib.parse import urlsplit

from scanner.errors import ConfigError

log = logging.getLogger(__name__)

_NUMBERS: dict[str, type] = {
    "timeout": float, "concurrency": int, "retries": int, "backoff": float,
    "max_backoff": float, "min_interval": float, "rate": float, "burst": int, "provider_concurrency": int,
}
_FLAGS = ("aws_key_info",)


@dataclass(frozen=True)
class VerifySettings:
    urls: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))  # provider -> base URL
    aws_endpoint_url: str | None = None
    aws_region: str = "us-east-1"
    aws_key_info: bool = True  # ask sts:GetAccessKeyInfo with the user's own credentials, when present
    rates: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({}))  # provider -> requests/s
    timeout: float = 10.0
    concurrency: int = 16  # checks in flight over all providers
    provider_concurrency: int = 4  # checks in flight to any one provider
    rate: float = 10.0  # requests a second to one provider (0: no limit) unless its declaration or `rates` say
    burst: int = 10  # requests one provider may get at once before `rate` applies
    retries: int = 3  # extra attempts after a throttled answer
    backoff: float = 1.0  # first back-off delay, doubled on each retry
    max_backoff: float = 30.0
    min_interval: float = 0.0  # minimum spacing between two requests to one provider (caps `rate`)

    def url_for(self, provider: str, default: str) -> str:
        return self.urls.get(_key(provider), default).rstrip("/")

    def rate_for(self, provider: str, declared: float | None = None) -> float:
        """Requests a second to `provider`: the user's own figure for it, else the provider's
        documented limit, else the general one; `min_interval` caps it."""
        rate = self.rates.get(_key(provider), declared if declared is not None else self.rate)
        if self.min_interval > 0:
            rate = min(rate, 1 / self.min_interval) if rate > 0 else 1 / self.min_interval
        return rate

    @classmethod
    def load(cls, env: Mapping[str, str], user_config_path: Path | None) -> VerifySettings:
        """Merge defaults < the user's config file `[verify]` < the environment."""
        values: dict[str, Any] = {}
        urls: dict[str, str] = {}
        rates: dict[str, float] = {}
        if user_config_path is not None:
            _apply_config(_read_verify_table(user_config_path), values, urls, str(user_config_path), rates)
        _apply_env(env, values, urls, rates)
        for provider, url in urls.items():
            _check_url(url, f"URL for {provider}")
        urls = {_key(p): u for p, u in urls.items()}
        if values.get("aws_endpoint_url"):
            _check_url(values["aws_endpoint_url"], "AWS endpoint URL")
        return cls(urls=MappingProxyType(urls), rates=MappingProxyType({_key(p): r for p, r in rates.items()}),
                   **values)


def user_config_path(env: Mapping[str, str] | None = None) -> Path | None:
    """`$XDG_CONFIG_HOME/keysweep/config.toml` (or `~/.config/...`) when the file exists."""
    env = os.environ if env is None else env
    base = env.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    path = Path(base) / "keysweep" / "config.toml"
    return path if path.is_file() else None


def _key(provider: str) -> str:
    """Provider names may hold '-', environment variable names cannot: both spell '_'."""
    return provider.replace("-", "_")


def _read_verify_table(path: Path) -> Mapping[str, Any]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
        raise ConfigError(f"{path}: cannot read user config: {e}") from e
    table = data.get("verify", {})
    if not isinstance(table, Mapping):
        raise ConfigError(f"{path}: [verify] must be a table")
    return table


def _apply_config(table: Mapping[str, Any], values: dict[str, Any], urls: dict[str, str], where: str,
                  rates: dict[str, float]) -> None:
    for key, raw in table.items():
        if key == "rates":
            if not isinstance(raw, Mapping):
                raise ConfigError(f"{where}: [verify.rates] must be a table of provider = requests a second")
            for provider, value in raw.items():
                rates[provider] = _number("rate", value, f"{where}: [verify.rates] {provider}")
        elif key in _NUMBERS:
            values[key] = _number(key, raw, where)
        elif key in _FLAGS:
            if not isinstance(raw, bool):
                raise ConfigError(f"{where}: [verify] {key} must be true or false")
            values[key] = raw
        elif key in ("aws_endpoint_url", "aws_region") or key.endswith("_url"):
            if not isinstance(raw, str) or not raw:
                raise ConfigError(f"{where}: [verify] {key} must be a non-empty string")
            if key.startswith("aws_"):
                values[key] = raw
            else:
                urls[key[: -len("_url")]] = raw
        else:
            log.warning("%s: [verify] unknown key '%s' ignored", where, key)


def _apply_env(env: Mapping[str, str], values: dict[str, Any], urls: dict[str, str],
               rates: dict[str, float]) -> None:
    if env.get("AWS_ENDPOINT_URL"):
        values["aws_endpoint_url"] = env["AWS_ENDPOINT_URL"]
    region = env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION")
    if region:
        values["aws_region"] = region
    for name, raw in env.items():
        if not name.startswith("KEYSWEEP_") or not raw:
            continue
        key = name[len("KEYSWEEP_"):].lower()
        if key.startswith("verify_") and key[len("verify_"):] in _NUMBERS:
            key = key[len("verify_"):]
            values[key] = _number(key, raw, f"environment variable {name}")
        elif key == "aws_key_info":
            values[key] = raw.strip().lower() not in ("0", "false", "no", "off")
        elif key.endswith("_url") and key != "aws_url":
            urls[key[: -len("_url")]] = raw
        elif key.endswith("_rate") and not key.startswith("verify_"):
            rates[key[: -len("_rate")]] = _number("rate", raw, f"environment variable {name}")


def _number(key: str, raw: Any, where: str) -> Any:
    kind = _NUMBERS[key]
    try:
        value = kind(raw)
    except (TypeError, ValueError) as e:
        raise ConfigError(f"{where}: {key} must be a number, got {raw!r}") from e
    if isinstance(raw, bool) or value < 0 or (key in ("concurrency", "provider_concurrency", "burst") and value < 1):
        raise ConfigError(f"{where}: {key} out of range: {raw!r}")
    return value


def _check_url(url: str, what: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"{what} must be an http(s) URL with a host, got {url!r}")
