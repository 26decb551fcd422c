"""Settings of the Touchpath HTTP API, from the environment and an optional config file.

This module is the only place that reads the process environment. Sources, the
first one that sets a field wins:

1. keyword arguments to :class:`Settings` (tests, ``touchpath serve --db``);
2. environment variables ``TOUCHPATH_DB``, ``TOUCHPATH_API_KEYS_FILE``,
   ``TOUCHPATH_MAX_UPLOAD_BYTES``, ``TOUCHPATH_CACHE_ENTRIES``,
   ``TOUCHPATH_MAX_BOOTSTRAP_WORK``, ``TOUCHPATH_REQUEST_TIME_BUDGET_S``,
   ``TOUCHPATH_WRITER_PATIENCE_S``;
3. the config file named by ``TOUCHPATH_CONFIG`` (TOML or JSON, the same field
   names without the prefix, e.g. ``db = "touchpath.duckdb"``);
4. the defaults below.
"""

from __future__ import annotations

import json
import os
import tomllib
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import Field
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from touchpath.errors import TouchpathError

__all__ = ["ConfigFileError", "Settings", "get_settings"]

ENV_PREFIX = "TOUCHPATH_"


class ConfigFileError(TouchpathError, ValueError):
    """The config file named by ``TOUCHPATH_CONFIG`` cannot be read."""


def _read_config_file(path: Path) -> dict[str, Any]:
    """Parse a TOML (``.toml``) or JSON (anything else) config file into a dict."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigFileError(f"config file {path}: cannot read: {exc}") from exc
    try:
        data = tomllib.loads(text) if path.suffix.lower() == ".toml" else json.loads(text)
    except (tomllib.TOMLDecodeError, json.JSONDecodeError) as exc:
        kind = path.suffix or "JSON"
        raise ConfigFileError(f"config file {path}: not valid {kind}: {exc}") from exc
    if not isinstance(data, dict):
        raise ConfigFileError(f"config file {path}: expected a table of settings")
    section = data.get("touchpath", data)
    if not isinstance(section, dict):
        raise ConfigFileError(f"config file {path}: [touchpath] must be a table of settings")
    return section


class _ConfigFileSource(PydanticBaseSettingsSource):
    """Settings from the file named by the ``config`` field or ``TOUCHPATH_CONFIG``."""

    def __init__(self, settings_cls: type[BaseSettings], explicit: Any) -> None:
        super().__init__(settings_cls)
        raw = explicit if explicit is not None else os.environ.get(f"{ENV_PREFIX}CONFIG")
        self._data = _read_config_file(Path(raw)) if raw else {}
        unknown = sorted(set(self._data) - set(settings_cls.model_fields))
        if unknown:
            raise ConfigFileError(
                f"config file {raw}: unknown settings {unknown}; "
                f"known: {sorted(settings_cls.model_fields)}"
            )

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return self._data.get(field_name), field_name, False

    def __call__(self) -> dict[str, Any]:
        return dict(self._data)


class Settings(BaseSettings):
    """Every setting of the API service.

    Parameters
    ----------
    db : str
        DuckDB file of the warehouse (``:memory:`` for an empty in-memory one).
    api_keys_file : Path
        Keys file: one ``sha256-hex role created label`` line per key
        (see :mod:`touchpath.api.security`).
    max_upload_bytes : int
        Largest accepted ingest upload, in bytes, counted as received and again
        once decompressed (gzip) or decoded (Parquet); larger ones get 413.
    cache_entries : int
        Results kept by the result cache (least recently used are dropped).
    max_bootstrap_work : int, optional
        Most model refits one request may ask for: bootstrap resamples (``ci``)
        times the models refitted on every resample (Markov chains,
        conversion-rate Shapley; models priced by one matrix product do not
        count). More gets 422 naming the limit. ``None``: no limit.
    request_time_budget_s : float, optional
        Seconds a read request's computations may take once it holds the data
        lock; past it they stop at the next checkpoint (between model fits and
        bootstrap batches) and the request gets 503 with ``Retry-After``.
        ``None``: no budget.
    writer_patience_s : float
        How long a waiting write (ingest, status change) lets new reads start
        before they queue behind it (see :class:`touchpath.api.deps.ReadWriteLock`); keep
        it at least ``request_time_budget_s``.
    config : Path, optional
        Config file the other settings were read from (TOML or JSON).
    """

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore", frozen=True)

    db: str = Field(default="touchpath.duckdb", min_length=1)
    api_keys_file: Path = Path("touchpath.keys")
    max_upload_bytes: int = Field(default=64 * 1024 * 1024, gt=0)
    cache_entries: int = Field(default=256, ge=1)
    max_bootstrap_work: int | None = Field(default=2000, ge=1)
    request_time_budget_s: float | None = Field(default=10.0, gt=0)
    writer_patience_s: float = Field(default=10.0, ge=0)
    config: Path | None = None

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Init kwargs, then the environment, then the config file."""
        explicit = init_settings().get("config")
        return (init_settings, env_settings, _ConfigFileSource(settings_cls, explicit))


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once (``get_settings.cache_clear()`` re-reads)."""
    return Settings()
