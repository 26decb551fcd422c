"""The API's money: JSON numbers with at most 6 decimals, no float artifacts, a currency."""

import json
import re
from decimal import Decimal

from touchpath.api.schemas import PlanResponse, ROIRow
from touchpath.service import DEFAULTS

#: "key": number, for the money keys of the responses.
MONEY_KEYS = ("spend", "previous_spend", "change", "expected_revenue", "total_spend",
              "budget", "attributed_revenue", "unmodelled_spend", "revenue")
MONEY_NUMBER = re.compile(r'"(' + "|".join(MONEY_KEYS) + r')": ?(-?[0-9.eE+-]+)')


def _money_numbers(text):
    return [(k, v) for k, v in MONEY_NUMBER.findall(text)]


def _check(text):
    found = _money_numbers(text)
    assert found
    for key, number in found:
        assert re.fullmatch(r"-?\d+(\.\d{1,6})?", number), (key, number)
        assert not re.search(r"99999999|00000001", number), (key, number)


def test_money_fields_serialise_without_artifacts():
    row = ROIRow(period="2026-01", channel="search", spend=9464.099999999999,
                 attributed_revenue=0.1 + 0.2, roi=0.1 + 0.2)
    text = row.model_dump_json()
    assert '"spend":9464.1' in text and '"attributed_revenue":0.3' in text
    assert '"roi":0.30000000000000004' in text  # a ratio, not money: a float as computed
    assert row.spend == 9464.099999999999  # the value itself is untouched; JSON is quantized


def test_defaults_name_the_currency(ro_client):
    doc = ro_client.get("/v1/defaults").json()
    assert doc["currency"] == DEFAULTS.currency == "CNY"


def test_roi_json_has_a_currency_and_exact_money(ro_client, read_h):
    r = ro_client.get("/v1/roi", headers=read_h)
    assert r.status_code == 200, r.text
    assert r.json()["currency"] == "CNY"
    _check(r.text)
    doc = json.loads(r.text, parse_float=Decimal)
    for t in doc["totals"]:
        rows = [x for x in doc["rows"] if x["period"] == t["period"]]
        assert sum((Decimal(x["attributed_revenue"]) for x in rows), Decimal(0)) == Decimal(
            t["revenue"])
        assert sum((Decimal(x["spend"]) for x in rows), Decimal(0)) == Decimal(t["spend"])


def test_plan_json_money_sums_exactly(ro_client, read_h):
    # +30 % of these previous spends as floats: 23.919999999999998, 12303.330000000002
    curves = [{"channel": "a", "previous_spend": 1842.03,
               "segments": [{"width": 10000, "slope": 5.0}]},
              {"channel": "b", "previous_spend": 18.4,
               "segments": [{"width": 10000, "slope": 4.0}]},
              {"channel": "c", "previous_spend": 9464.1,
               "segments": [{"width": 20000, "slope": 3.0}]}]
    r = ro_client.post("/v1/budget/plan", json={"budget": 20000, "curves": curves},
                       headers=read_h)
    assert r.status_code == 200, r.text
    _check(r.text)
    doc = json.loads(r.text, parse_float=Decimal)
    assert doc["currency"] == "CNY"
    spends = {c["channel"]: c["spend"] for c in doc["channels"]}
    assert spends == {"a": Decimal("2394.639"), "b": Decimal("23.92"),
                      "c": Decimal("12303.33")}
    assert sum(spends.values(), Decimal(0)) == doc["total_spend"] == Decimal("14721.889")
    for c in doc["channels"]:
        assert c["change"] == c["spend"] - c["previous_spend"]
        months = c["monthly"].values() if isinstance(c["monthly"], dict) else c["monthly"]
        assert sum(months, Decimal(0)) == c["spend"]
        for m in months:
            assert m == m.quantize(Decimal("0.000001"))
    PlanResponse.model_validate(json.loads(r.text))  # the document reads back
