"""The README's "Bring your own data" walk-throughs run as printed and give the right journeys.

Each walk-through block ("From an event log", "From a GA4 export") is read from
README.md and every ``touchpath`` line in it is run, in order, in a fresh folder
holding the files the block names, written from one synthetic shop
(tests/seed/exports.py): ``log.csv`` in the public multi-touch log's shape and
``spend.csv`` in the user's own column names; ``events.json.gz``, a GA4 export of
the same journeys, and ``spend.csv`` under the channel names the rules give.

Beyond the exit codes: the event log's path table is that of the same data
ingested as Touchpath's own tables, and the GA4 export's is that table with the
channels renamed by :data:`tests.seed.exports.GA4_CHANNELS` (the rules and the GA4
reader end to end); a source no rule knows is counted as ``(other)``.
"""

from __future__ import annotations

import re
import shlex
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from tests.seed.exports import (
    GA4_CHANNELS,
    write_event_log,
    write_ga4_export,
    write_spend,
)
from touchpath import service
from touchpath.cli import app
from touchpath.data.paths import PATH_SEP
from touchpath.data.synth import SynthConfig, generate
from touchpath.data.warehouse import Warehouse

ROOT = Path(__file__).resolve().parents[1]
#: The shop the README's figures come from.
CONFIG = SynthConfig(n_users=2000, seed=5, days=90)


def _block_commands(heading: str) -> list[list[str]]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split(f"### {heading}\n", 1)[1].split("\n### ", 1)[0]
    block = section.split("```bash", 1)[1].split("```", 1)[0]
    commands = []
    for line in block.splitlines():
        line = re.sub(r"\s+#.*$", "", line).strip()
        if line.startswith("touchpath "):
            commands.append(shlex.split(line)[1:])
    return commands


@pytest.fixture(scope="module")
def shop():
    return generate(CONFIG)


@pytest.fixture(scope="module")
def own_tables_paths(shop, tmp_path_factory):
    """The path table of the shop ingested as Touchpath's own four tables."""
    db = tmp_path_factory.mktemp("own") / "own.duckdb"
    with Warehouse(db) as wh:
        shop.load_into(wh)
        return _path_frame(wh)


def _path_frame(wh: Warehouse) -> pd.DataFrame:
    """The path table over every conversion kind (each warehouse here has one kind: the
    log's conversions are kind 'conversion', the own tables' and GA4's 'purchase')."""
    frame = service.path_table(wh, service.journey_options(kind=None)).to_frame()
    return frame.sort_values("path").reset_index(drop=True)


def _renamed(frame: pd.DataFrame, names: dict[str, str]) -> pd.DataFrame:
    out = frame.copy()
    sep = PATH_SEP
    out["path"] = [sep.join(names.get(c, c) for c in p.split(sep)) for p in out["path"]]
    # Renaming two channels to one would merge rows: the mapping must not do that.
    assert out["path"].is_unique
    return out.sort_values("path").reset_index(drop=True)


def _run_block(heading: str, folder: Path, monkeypatch) -> list[str]:
    monkeypatch.chdir(folder)
    commands = _block_commands(heading)
    assert len(commands) >= 5, commands
    outputs = []
    for args in commands:
        res = CliRunner().invoke(app, args, terminal_width=240)
        assert res.exit_code == 0, f"touchpath {shlex.join(args)}\n{res.output}"
        assert "Traceback" not in res.output
        outputs.append(res.output)
    return outputs


def _summary_rows(output: str) -> dict[str, str]:
    rows = {}
    for line in output.splitlines():
        cells = [c.strip() for c in line.strip().strip("│").split("│")]
        if len(cells) == 2 and cells[0]:
            rows[cells[0]] = cells[1]
    return rows


def test_the_event_log_walk_through(shop, own_tables_paths, tmp_path, monkeypatch):
    write_event_log(shop, tmp_path / "log.csv")
    write_spend(shop, tmp_path / "spend.csv")
    outputs = _run_block("From an event log", tmp_path, monkeypatch)
    ingest = _summary_rows(outputs[0])
    assert ingest["ids"] == "derived from row content"
    assert ingest["-> touchpoints"].startswith(f"{len(shop.touchpoints):,} rows")
    assert ingest["-> conversions"].startswith(f"{len(shop.conversions):,} rows")
    assert "censoring:" in outputs[2] and "non-converting journeys censored" in outputs[2]
    with Warehouse.open(tmp_path / "touchpath.duckdb", read_only=True) as wh:
        got = _path_frame(wh)
        spend = wh.conn.execute("SELECT sum(amount) FROM spend").fetchone()[0]
    pd.testing.assert_frame_equal(got, own_tables_paths)
    assert spend == sum(Decimal(str(a)) for a in shop.spend["amount"])
    # Loading the same log again is a no-op (derived ids are stable).
    res = CliRunner().invoke(app, _block_commands("From an event log")[0], terminal_width=240)
    assert res.exit_code == 0 and _summary_rows(res.output)["rows inserted"] == "0"


def test_the_ga4_walk_through(shop, own_tables_paths, tmp_path, monkeypatch):
    write_ga4_export(shop, tmp_path / "events.json.gz")
    write_spend(shop, tmp_path / "spend.csv", GA4_CHANNELS)
    outputs = _run_block("From a GA4 export", tmp_path, monkeypatch)
    ingest = _summary_rows(outputs[0])
    assert ingest["(other) channel"] == "-"
    assert ingest["GA4 sessions (touches)"] == f"{len(shop.touchpoints):,}"
    assert ingest["GA4 purchases (conversions)"] == f"{len(shop.conversions):,}"
    # Every third purchase is written one FLOAT64 step above its value; those whose
    # text then has more than 6 decimal places are rounded back and counted.
    artifacts = sum(1 for i, v in enumerate(shop.conversions["value"]) if i % 3 == 0
                    and Decimal(repr(_next_up(float(v)))).as_tuple().exponent < -6)
    assert artifacts > 0
    assert ingest["revenues rounded to the millionth"] == f"{artifacts:,}"
    with Warehouse.open(tmp_path / "touchpath.duckdb", read_only=True) as wh:
        got = _path_frame(wh)
        values = wh.conn.execute("SELECT sum(value) FROM conversions").fetchone()[0]
    pd.testing.assert_frame_equal(got, _renamed(own_tables_paths, GA4_CHANNELS))
    assert values == sum(Decimal(str(v)) for v in shop.conversions["value"])


def test_an_unknown_source_is_counted_as_other(tmp_path):
    shop = generate(SynthConfig(n_users=200, seed=2, days=30))
    t0 = shop.touchpoints["ts"].iloc[0]
    extra = [("u-new", "newsletter2", "mailout", t0), ("u-new", "newsletter2", "mailout",
                                                        t0 + pd.Timedelta(hours=1)),
             ("u-new2", "newsletter2", "mailout", t0)]
    write_ga4_export(shop, tmp_path / "events.json.gz", extra_sources=extra)
    res = CliRunner().invoke(app, ["ingest", str(tmp_path / "events.json.gz"), "--format", "ga4",
                                   "--db", str(tmp_path / "wh.duckdb")], terminal_width=240)
    assert res.exit_code == 0, res.output
    rows = _summary_rows(res.output)
    assert rows["(other) channel"] == "newsletter2 / mailout: 3 rows"
    assert "(other)" in rows["new channels"]


def _next_up(value: float) -> float:
    import math

    return math.nextafter(value, math.inf)


def test_the_readmes_channel_rules_example_means_what_it_says():
    from touchpath.data.channel_rules import OTHER_CHANNEL, ChannelRules

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("### Channel rules\n", 1)[1].split("\n### ", 1)[0]
    rules = ChannelRules.parse(section.split("```toml", 1)[1].split("```", 1)[0], "README.md")
    assert [r.channel for r in rules.rules] == ["Newsletter", "Baidu"]
    assert rules.match(source="MailChimp", medium="email") == "Newsletter"
    assert rules.match(source="百度", medium="PPC") == "Baidu"
    assert rules.match(source="baidu", medium="organic") == OTHER_CHANNEL
    assert rules.match(source="baidu.com", medium="cpc") == OTHER_CHANNEL  # a full match
    shown = section.split("```bash", 1)[1].split("```", 1)[0].strip()
    assert shown.startswith('python -c "') and shown.endswith('"')
    code = shown[len('python -c "'):-1]
    assert "ChannelRules.default().to_frame()" in code
    exec(compile(code.replace("print(", "str("), "README.md", "exec"), {})
