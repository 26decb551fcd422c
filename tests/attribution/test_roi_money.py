"""Money reconciles to the cent: the ROI table, its exports, the curves and the plan.

A small warehouse whose amounts are not binary-exact (0.1, 0.2, 9464.10,
614.01, cents and millionths): every expectation is an exact DECIMAL sum run
here in SQL on the warehouse, compared with ``==`` as :class:`~decimal.Decimal`.
The float sums of the same amounts carry binary artifacts (checked first, so
the data does provoke them).
"""

import io
import json
import math
import re
import shutil
from datetime import date, timedelta
from decimal import Decimal
from functools import partial

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as papq
import pytest

from touchpath.attribution.roi import ROI_MONEY_COLUMNS, attribute_period
from touchpath.attribution.rules import Linear, TimeDecay
from touchpath.data.journeys import JourneyOptions
from touchpath.data.paths import DIRECT
from touchpath.data.periods import roi_inputs
from touchpath.data.warehouse import Warehouse
from touchpath.service import DEFAULTS, CurveSettings, PlanParams, plan, plan_inputs
from touchpath.service.models import build_model
from touchpath.service.roi import compute_roi_table

CHANNELS = ["search", "email", "display"]
#: A number with at most 6 decimals, no exponent.
MONEY_TEXT = re.compile(r"^-?\d+(\.\d{1,6})?$")
ARTIFACT = re.compile(r"99999999|00000001")


def _spend_rows():
    rows = []
    day = date(2026, 1, 1)
    while day < date(2026, 6, 1):
        rows.append(("search", day.isoformat(), "0.1"))
        rows.append(("email", day.isoformat(), "0.2"))
        if day.day == 15:
            rows.append(("search", day.isoformat(), "9464.1"))
            rows.append(("display", day.isoformat(), "614.01"))
        if day.day in (3, 17):
            rows.append(("display", day.isoformat(), "0.000003"))
        day += timedelta(days=1)
    # the spend table holds one row per channel and day: merge same-day rows exactly
    frame = pd.DataFrame(rows, columns=["channel", "day", "amount"])
    frame["amount"] = frame["amount"].map(Decimal)
    merged = frame.groupby(["channel", "day"], as_index=False)["amount"].sum()
    merged["amount"] = merged["amount"].map(str)
    return merged


def _journeys(seed=7, users=400):
    rng = np.random.default_rng(seed)
    touches, conversions = [], []
    start = pd.Timestamp("2026-01-01")
    values = ["0.1", "0.2", "19.99", "33.33", "0.07", "1842.03", "12.345678", "0.000001",
              "999.99", "64.3"]
    n_t = n_c = 0
    for u in range(users):
        t = start + pd.Timedelta(hours=int(rng.integers(0, 140 * 24)))
        for _ in range(int(rng.integers(0, 4))):
            n_t += 1
            touches.append((f"t{n_t}", f"u{u}", t.isoformat(sep=" "),
                            CHANNELS[int(rng.integers(0, 3))]))
            t += pd.Timedelta(hours=int(rng.integers(1, 96)))
        if rng.random() < 0.6:
            n_c += 1
            conversions.append((f"c{n_c}", f"u{u}", t.isoformat(sep=" "),
                                values[int(rng.integers(0, len(values)))]))
    return touches, conversions


@pytest.fixture(scope="module")
def wh(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("money")
    touches, conversions = _journeys()
    files = {
        "channels": pd.DataFrame([(c, "established", "paid", "") for c in CHANNELS],
                                 columns=["channel", "status", "group_name", "launched_on"]),
        "touchpoints": pd.DataFrame(touches, columns=["event_id", "user_id", "ts", "channel"]),
        "conversions": pd.DataFrame(conversions,
                                    columns=["conversion_id", "user_id", "ts", "value"]),
        "spend": _spend_rows(),
    }
    warehouse = Warehouse(str(tmp / "money.duckdb"))
    for name, frame in files.items():
        path = tmp / f"{name}.csv"
        frame.to_csv(path, index=False)
        warehouse.ingest(name, path)
    yield warehouse
    warehouse.close()


def _sql_spend(wh, lo, hi, channel=None):
    row = wh.conn.execute(
        "SELECT coalesce(sum(amount), 0) FROM spend WHERE day >= $lo AND day < $hi"
        " AND ($ch IS NULL OR channel = $ch)", {"lo": lo, "hi": hi, "ch": channel}).fetchone()
    return Decimal(row[0])


def _sql_revenue(wh, lo, hi):
    row = wh.conn.execute(
        "SELECT coalesce(sum(value), 0) FROM conversions"
        " WHERE CAST(ts AS DATE) >= $lo AND CAST(ts AS DATE) < $hi", {"lo": lo, "hi": hi},
    ).fetchone()
    return Decimal(row[0])


def _model(name):
    return {"linear": Linear(), "time_decay": TimeDecay()}.get(name) or build_model(name)


@pytest.fixture(scope="module", params=["linear", "markov", "time_decay"])
def model_name(request):
    return request.param


@pytest.fixture(scope="module")
def table(model_name, wh):
    return compute_roi_table(wh, _model(model_name), "month", JourneyOptions(lookback_days=30))


def test_the_data_provokes_float_artifacts(wh):
    """Summed as floats, these amounts print more than 6 decimals (the defect's cause)."""
    amounts = wh.conn.execute(
        "SELECT CAST(amount AS DOUBLE) FROM spend WHERE channel = 'search'"
        " AND day >= DATE '2026-01-01' AND day < DATE '2026-02-01'").fetchall()
    text = repr(sum(a for (a,) in amounts))
    assert not MONEY_TEXT.match(text), text


def test_spend_reconciles_exactly_per_channel_and_period(wh, table):
    money = table.money_frame()
    for label, lo, hi in table.totals[["period", "period_start", "period_end"]].itertuples(
            index=False):
        rows = money[money["period"] == label]
        assert all(isinstance(v, Decimal) for v in rows["spend"])
        assert sum(rows["spend"], Decimal(0)) == _sql_spend(wh, lo, hi), label
        for ch in CHANNELS:
            got = rows.loc[rows["channel"] == ch, "spend"].iloc[0]
            assert got == _sql_spend(wh, lo, hi, ch), (label, ch)
        totals = table.money_totals().set_index("period")
        assert totals.at[label, "spend"] == _sql_spend(wh, lo, hi)


def test_revenue_reconciles_exactly_with_the_direct_row(wh, table):
    money = table.money_frame()
    totals = table.money_totals().set_index("period")
    for label, lo, hi in table.totals[["period", "period_start", "period_end"]].itertuples(
            index=False):
        rows = money[money["period"] == label]
        expected = _sql_revenue(wh, lo, hi)
        assert expected != 0
        assert sum(rows["attributed_revenue"], Decimal(0)) == expected, label
        assert totals.at[label, "revenue"] == expected
        for v in rows["attributed_revenue"]:
            assert v == v.quantize(Decimal("0.000001"))
    assert table.reconciles


def test_channel_revenue_is_the_models_credit_to_the_millionth(wh, table, model_name):
    """Largest remainder: each channel within 10^-6 of the model's own credit."""
    inputs = roi_inputs(wh, JourneyOptions(lookback_days=30),
                        list(table.totals[["period", "period_start", "period_end"]]
                             .itertuples(index=False, name=None)))
    model = _model(model_name)
    money = table.money_frame()
    for label in table.periods:
        paths = inputs.paths[label]
        result = attribute_period(model, paths, partial(inputs.touches, label))
        credit = dict(zip(result.channels, result.value, strict=True))
        rows = money[(money["period"] == label) & (money["channel"] != DIRECT)]
        for ch, v in zip(rows["channel"], rows["attributed_revenue"], strict=True):
            assert abs(float(v) - credit.get(ch, 0.0)) <= 1.0000001e-6, (label, ch)
        direct = money[(money["period"] == label) & (money["channel"] == DIRECT)]
        assert abs(float(direct["attributed_revenue"].iloc[0]) - paths.direct_value) < 1e-9


def test_csv_money_has_at_most_6_decimals_and_no_artifacts(table, tmp_path):
    path = tmp_path / "roi.csv"
    table.to_csv(path)
    back = pd.read_csv(path, dtype=str, keep_default_na=False)
    assert set(back["currency"]) == {"CNY"}
    money = table.money_frame()
    for c in ROI_MONEY_COLUMNS:
        for text, exact in zip(back[c], money[c], strict=True):
            assert MONEY_TEXT.match(text) and not ARTIFACT.search(text), (c, text)
            assert Decimal(text) == exact
    # the defect as seen: a spend cell such as 9464.099999999999 is gone from the file
    assert not re.search(r"\d\.\d{7,}", ",".join(back["spend"]))


def test_parquet_money_is_decimal128(table, tmp_path):
    path = tmp_path / "roi.parquet"
    table.to_parquet(path)
    pq = papq.read_table(path)
    for c in ROI_MONEY_COLUMNS:
        assert pq.schema.field(c).type == pa.decimal128(18, 6)
    assert pq.schema.names[:len(table.frame.columns)] == list(table.frame.columns)
    assert pq.schema.metadata[b"touchpath.currency"] == b"CNY"
    money = table.money_frame()
    assert pq.column("spend").to_pylist() == list(money["spend"])
    assert pq.column("attributed_revenue").to_pylist() == list(money["attributed_revenue"])


def test_json_money_reconciles_as_decimals(wh, table):
    text = table.to_json()
    doc = json.loads(text, parse_float=Decimal)
    assert doc["currency"] == DEFAULTS.currency == "CNY"
    for t in doc["totals"]:
        rows = [r for r in doc["rows"] if r["period"] == t["period"]]
        assert sum((Decimal(r["spend"]) for r in rows), Decimal(0)) == Decimal(t["spend"])
        assert (sum((Decimal(r["attributed_revenue"]) for r in rows), Decimal(0))
                == Decimal(t["revenue"])
                == _sql_revenue(wh, date.fromisoformat(t["period_start"]),
                                date.fromisoformat(t["period_end"])))
        for r in rows:
            for c in ROI_MONEY_COLUMNS:
                assert MONEY_TEXT.match(str(r[c])) and not ARTIFACT.search(str(r[c])), r


@pytest.fixture(scope="module")
def inputs(wh):
    return plan_inputs(wh, CurveSettings())


def test_curves_previous_spend_is_the_sql_sum(wh, inputs):
    last = inputs.previous_periods
    assert len(last) == 3
    lo, hi = date(2026, 3, 1), date(2026, 6, 1)
    assert last == ("2026-03", "2026-04", "2026-05")
    text = json.dumps(inputs.document)
    doc = json.loads(text, parse_float=Decimal)
    seen = set()
    for item in doc["channels"]:
        seen.add(item["channel"])
        assert Decimal(item["previous_spend"]) == _sql_spend(wh, lo, hi, item["channel"])
        for seg in item.get("segments", []):
            assert MONEY_TEXT.match(str(seg["width"])), seg
    assert seen == set(CHANNELS)
    assert not re.search(r'"previous_spend": -?\d+\.\d{7,}', text)


def _money_keys(doc):
    yield "budget", doc["budget"]
    yield "total_spend", doc["total_spend"]
    yield "expected_revenue", doc["expected_revenue"]
    yield "unmodelled_spend", doc["unmodelled_spend"]
    for c in doc["channels"]:
        for k in ("spend", "previous_spend", "change", "expected_revenue"):
            yield f"{c['channel']}.{k}", c[k]
        for m, v in c["monthly"].items():
            yield f"{c['channel']}.{m}", v


@pytest.mark.parametrize("spend_all", [False, True])
def test_plan_json_money_sums_exactly(wh, inputs, spend_all):
    budget = 31254.3 if spend_all else None
    p = plan(inputs, PlanParams(budget=budget, spend_all=spend_all))
    assert p.ok, p.status_text
    text = json.dumps(p.to_dict())
    doc = json.loads(text, parse_float=Decimal)
    assert doc["currency"] == "CNY"
    for key, v in _money_keys(doc):
        if v is not None:
            assert MONEY_TEXT.match(str(v)) and not ARTIFACT.search(str(v)), (key, v)
    spends = [Decimal(c["spend"]) for c in doc["channels"]]
    assert sum(spends, Decimal(0)) == Decimal(doc["total_spend"])
    assert math.isclose(float(doc["total_spend"]), p.total_spend, abs_tol=1e-6)
    for c in doc["channels"]:
        assert sum(c["monthly"].values(), Decimal(0)) == Decimal(c["spend"])
        if c["previous_spend"] is not None:
            assert Decimal(c["change"]) == Decimal(c["spend"]) - Decimal(c["previous_spend"])
    # previous spend in the plan is the SQL sum of last quarter's spend
    for c in doc["channels"]:
        assert (Decimal(c["previous_spend"])
                == _sql_spend(wh, date(2026, 3, 1), date(2026, 6, 1), c["channel"]))
    if spend_all:
        assert Decimal(doc["total_spend"]) == Decimal("31254.3") == Decimal(doc["budget"])
    else:
        assert Decimal(doc["budget"]) == _sql_spend(wh, date(2026, 3, 1), date(2026, 6, 1))
    frame = p.to_frame()
    assert [Decimal(repr(v)) for v in frame["spend"]] == spends


def test_cli_exports_carry_the_exact_money(wh, tmp_path):
    """``touchpath roi -f csv``, ``curves -o`` and ``plan -f json`` write the exact amounts."""
    from typer.testing import CliRunner

    import touchpath.cli  # noqa: F401  (registers the commands)
    from touchpath.cli.app import app

    wh.conn.execute("CHECKPOINT")
    db = tmp_path / "copy.duckdb"  # the CLI opens its own connection, as a user's would
    shutil.copyfile(wh.path, db)
    runner = CliRunner()
    res = runner.invoke(app, ["roi", "--db", str(db), "--model", "linear", "-f", "csv"])
    assert res.exit_code == 0, res.output
    back = pd.read_csv(io.StringIO(res.stdout), dtype=str, keep_default_na=False)
    for text in [*back["spend"], *back["attributed_revenue"]]:
        assert MONEY_TEXT.match(text) and not ARTIFACT.search(text), text
    jan = back[back["period"] == "2026-01"]
    assert (sum(map(Decimal, jan["spend"]), Decimal(0))
            == _sql_spend(wh, date(2026, 1, 1), date(2026, 2, 1)))
    curves = tmp_path / "curves.json"
    res = runner.invoke(app, ["curves", "--db", str(db), "--model", "linear", "--horizon", "3",
                                 "-o", str(curves)])
    assert res.exit_code == 0, res.output
    doc = json.loads(curves.read_text(), parse_float=Decimal)
    for item in doc["channels"]:
        assert item["previous_spend"] == _sql_spend(wh, date(2026, 3, 1), date(2026, 6, 1),
                                                    item["channel"])
    res = runner.invoke(app, ["plan", "--db", str(db), "--format", "json"])
    assert res.exit_code == 0, res.output
    plan_doc = json.loads(res.stdout, parse_float=Decimal)
    assert (sum((c["spend"] for c in plan_doc["channels"]), Decimal(0))
            == plan_doc["total_spend"])
    for key, v in _money_keys(plan_doc):
        if v is not None:
            assert MONEY_TEXT.match(str(v)) and not ARTIFACT.search(str(v)), (key, v)
