import json

import pytest

from touchpath.api.settings import ConfigFileError, Settings


def test_environment_overrides_config_file_which_overrides_defaults(tmp_path, monkeypatch):
    cfg = tmp_path / "touchpath.toml"
    cfg.write_text('db = "from-file.duckdb"\nmax_upload_bytes = 1234\n')
    monkeypatch.setenv("TOUCHPATH_CONFIG", str(cfg))
    monkeypatch.setenv("TOUCHPATH_MAX_UPLOAD_BYTES", "999")
    monkeypatch.delenv("TOUCHPATH_DB", raising=False)
    s = Settings()
    assert s.db == "from-file.duckdb"
    assert s.max_upload_bytes == 999
    assert Settings(db="kw.duckdb").db == "kw.duckdb"


def test_json_config_file_with_touchpath_section(tmp_path, monkeypatch):
    cfg = tmp_path / "c.json"
    cfg.write_text(json.dumps({"touchpath": {"api_keys_file": "k.txt"}}))
    monkeypatch.delenv("TOUCHPATH_API_KEYS_FILE", raising=False)
    assert str(Settings(config=cfg).api_keys_file) == "k.txt"


def test_unknown_setting_in_config_file_is_named(tmp_path):
    cfg = tmp_path / "c.toml"
    cfg.write_text("dbb = 'x'\n")
    with pytest.raises(ConfigFileError, match="dbb"):
        Settings(config=cfg)


def test_bad_upload_limit_is_refused(monkeypatch):
    monkeypatch.setenv("TOUCHPATH_MAX_UPLOAD_BYTES", "0")
    with pytest.raises(ValueError):
        Settings()
