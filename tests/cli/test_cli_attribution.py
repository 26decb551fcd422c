"""``touchpath attribute`` and ``touchpath compare`` on a tiny ChannelAttribution CSV.

Expected numbers worked by hand from the CSV below:

    a > b   3 conversions, 300 value, 7 nulls
    b       1 conversion,   50 value, 4 nulls
    c > a   2 conversions, 100 value, 2 nulls
    (direct) 1 conversion,  20 value

first touch: a 3 (300), b 1 (50), c 2 (100); shares 1/2, 1/6, 1/3 of 6.
last touch:  a 2 (100), b 4 (350), c 0.
"""

import io
import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import touchpath.cli.attribution_cmds  # noqa: F401  (registers the commands)
from touchpath.cli.app import app

CSV = """path,total_conversions,total_conversion_value,total_null
a > b,3,300,7
b,1,50,4
c > a,2,100,2
(direct),1,20,0
"""

runner = CliRunner()


@pytest.fixture
def csv_file(tmp_path):
    path = tmp_path / "paths.csv"
    path.write_text(CSV)
    return path


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


def test_attribute_json_has_channel_conversions_value_share(csv_file):
    res = run("attribute", "--model", "first_touch", "--paths", csv_file, "--format", "json")
    assert res.exit_code == 0, res.output
    records = json.loads(res.stdout)
    by_channel = {r["channel"]: r for r in records}
    assert set(by_channel) == {"a", "b", "c", "(direct)"}
    for r in records:
        assert {"channel", "conversions", "value", "share"} <= set(r)
    assert by_channel["a"]["conversions"] == pytest.approx(3)
    assert by_channel["a"]["value"] == pytest.approx(300)
    assert by_channel["c"]["share"] == pytest.approx(1 / 3)
    assert by_channel["(direct)"]["conversions"] == pytest.approx(1)
    assert by_channel["(direct)"]["share"] is None


def test_attribute_csv_output(csv_file):
    res = run("attribute", "--model", "last_touch", "--paths", csv_file, "--format", "csv")
    assert res.exit_code == 0, res.output
    frame = pd.read_csv(io.StringIO(res.stdout)).set_index("channel")
    assert frame.loc[["a", "b", "c"], "conversions"].tolist() == [2.0, 4.0, 0.0]
    assert frame.loc[["a", "b", "c"], "value"].tolist() == [100.0, 350.0, 0.0]


def test_attribute_with_bootstrap_writes_bounds_to_file(csv_file, tmp_path):
    out = tmp_path / "res.json"
    res = run("attribute", "-m", "linear", "--paths", csv_file, "--ci", 40, "--format",
              "json", "--out", out, "--no-progress")
    assert res.exit_code == 0, res.output
    records = [r for r in json.loads(out.read_text()) if r["channel"] != "(direct)"]
    for r in records:
        assert r["conversions_lo"] <= r["conversions"] <= r["conversions_hi"]


def test_attribute_table_format_lists_channels(csv_file):
    res = run("attribute", "--model", "position", "--paths", csv_file)
    assert res.exit_code == 0, res.output
    assert res.stdout.splitlines()[0].strip() == "position"  # title: the short label
    for text in ("a", "b", "c", "(direct)"):
        assert text in res.stdout
    res = run("attribute", "--model", "position", "-p", "first=0.3", "--paths", csv_file)
    assert res.stdout.splitlines()[0].strip() == "position(first=0.3)"


def test_unknown_model_is_exit_2_with_valid_names(csv_file):
    res = run("attribute", "--model", "magic", "--paths", csv_file)
    assert res.exit_code == 2
    assert "unknown model 'magic'" in res.output and "first_touch" in res.output
    assert "Traceback" not in res.output


def test_missing_and_malformed_files_are_exit_2(tmp_path):
    res = run("attribute", "--model", "linear", "--paths", tmp_path / "nope.csv")
    assert res.exit_code == 2 and "no such file" in res.output
    bad = tmp_path / "bad.csv"
    bad.write_text("route,total_conversions\na,1\n")
    res = run("attribute", "--model", "linear", "--paths", bad)
    assert res.exit_code == 2 and "missing required column 'path'" in res.output
    res = run("attribute", "--model", "linear", "--db", tmp_path / "none.duckdb")
    assert res.exit_code == 2 and "no such warehouse" in res.output


def test_time_decay_from_a_path_file_is_an_error(csv_file):
    res = run("attribute", "--model", "time_decay", "--paths", csv_file)
    assert res.exit_code == 2
    assert "timestamps" in res.output


def test_compare_json_skips_time_decay_with_a_note_and_writes_chart(csv_file, tmp_path):
    chart = tmp_path / "compare.png"
    res = run("compare", "--models", "first_touch,last_touch,time_decay", "--paths", csv_file,
              "--format", "json", "--plot", chart)
    assert res.exit_code == 0, res.output
    assert "skipped time_decay" in res.stderr
    records = json.loads(res.stdout)
    assert {r["model"] for r in records} == {"first_touch", "last_touch"}
    got = {(r["model"], r["channel"]): r["conversions"] for r in records}
    assert got[("first_touch", "a")] == pytest.approx(3)
    assert got[("last_touch", "b")] == pytest.approx(4)
    assert chart.read_bytes()[:4] == b"\x89PNG"


def test_compare_table_shows_models_and_rank_agreement(csv_file):
    res = run("compare", "--models", "first_touch,last_touch", "--paths", csv_file)
    assert res.exit_code == 0, res.output
    assert "first_touch" in res.stdout and "last_touch" in res.stdout
    assert "Spearman" in res.stdout


def test_compare_table_shows_percent_shares_and_metric_conversions(csv_file):
    # first touch shares: a 3/6 = 50.0%, b 1/6 = 16.7%, c 2/6 = 33.3%
    res = run("compare", "--models", "first_touch,last_touch", "--paths", csv_file)
    assert res.exit_code == 0, res.output
    row = {line.split("│")[1].strip(): line for line in res.stdout.splitlines()
           if line.startswith("│")}
    assert [c.strip() for c in row["b"].split("│")[2:4]] == ["16.7", "66.7"]
    assert "Share of attributed conversions (%)" in res.stdout
    # --metric conversions: first touch c = 2.0, last touch b = 3 + 1 = 4.0
    res = run("compare", "--models", "first_touch,last_touch", "--paths", csv_file,
              "--metric", "conversions")
    row = {line.split("│")[1].strip(): line for line in res.stdout.splitlines()
           if line.startswith("│")}
    assert [c.strip() for c in row["c"].split("│")[2:4]] == ["2.0", "0.0"]
    assert [c.strip() for c in row["b"].split("│")[2:4]] == ["1.0", "4.0"]


def _result(name, shares, half_width=0.01):
    from touchpath.attribution.base import AttributionResult

    conv = np.asarray(shares, dtype=float) * 1000.0
    ci = np.column_stack([conv - 1000.0 * half_width, conv + 1000.0 * half_width])
    return AttributionResult(model=name, params={}, channels=tuple(CHANNELS8), conversions=conv,
                             value=conv * 10, total_conversions=1000.0, total_value=10000.0,
                             conversions_ci=ci, value_ci=ci * 10, ci_level=0.95)


CHANNELS8 = ["app_push", "email_sms", "livestream", "marketplace", "owned_site", "search",
             "short_video", "social_kol"]


def test_nine_models_and_eight_channels_fit_in_150_columns():
    from rich.cells import cell_len
    from rich.console import Console

    from touchpath.attribution.compare import ModelComparison
    from touchpath.cli.attribution_cmds import render_comparison
    from touchpath.cli.demo_steps import DEMO_MODELS

    shares = [0.107, 0.113, 0.033, 0.125, 0.154, 0.192, 0.181, 0.095]
    results = tuple(_result(m, np.roll(shares, k)) for k, m in enumerate(DEMO_MODELS))
    comp = ModelComparison(results, DEMO_MODELS)
    buffer = io.StringIO()
    render_comparison(comp, Console(file=buffer, width=400, highlight=False))  # natural width
    lines = buffer.getvalue().splitlines()
    assert max(cell_len(line) for line in lines) <= 150
    # first model, app_push: 10.7% of 1000 conversions, interval 107 ± 10 → 9.7–11.7
    row = next(i for i, line in enumerate(lines) if line.startswith("│ app_push"))
    assert lines[row].split("│")[2].strip() == "10.7"
    assert lines[row + 1].split("│")[2].strip() == "9.7–11.7"


def test_rank_agreement_matrix_has_spearman_below_and_kendall_above():
    from rich.console import Console

    from touchpath.attribution.compare import ModelComparison
    from touchpath.cli.attribution_cmds import agreement_table

    # shares of A rank the channels 1 2 3 4, of B 1 3 2 4: d = (0, 1, 1, 0), Σd² = 2,
    # ρ = 1 − 6·2 / (4·15) = 0.8; one discordant pair of 6: τ = (5 − 1) / 6 = 0.67
    a = _result("A", [0.1, 0.2, 0.3, 0.4, 0, 0, 0, 0][:8])
    b = _result("B", [0.1, 0.3, 0.2, 0.4, 0, 0, 0, 0][:8])
    four = ModelComparison((_four(a), _four(b)), ("A", "B"))
    buffer = io.StringIO()
    Console(file=buffer, width=120, highlight=False).print(agreement_table(four))
    rows = {line.split("│")[1].strip(): [c.strip() for c in line.split("│")[2:4]]
            for line in buffer.getvalue().splitlines() if line.startswith("│")}
    assert rows == {"A": ["·", "0.67"], "B": ["0.80", "·"]}
    assert "Spearman ρ below the diagonal, Kendall τ-b above" in " ".join(
        buffer.getvalue().split())


def _four(result):
    from dataclasses import replace

    return replace(result, channels=result.channels[:4], conversions=result.conversions[:4],
                   value=result.value[:4], conversions_ci=None, value_ci=None)


def test_compare_csv_is_tidy(csv_file):
    res = run("compare", "--models", "first_touch,linear", "--paths", csv_file, "--format",
              "csv")
    assert res.exit_code == 0, res.output
    frame = pd.read_csv(io.StringIO(res.stdout))
    assert list(frame.columns[:4]) == ["model", "channel", "conversions", "value"]
    linear = frame[(frame.model == "linear") & (frame.channel != "(direct)")]
    # linear: a = 3/2 + 2/2 = 2.5, b = 3/2 + 1 = 2.5, c = 1
    assert linear.set_index("channel").conversions.to_dict() == {"a": 2.5, "b": 2.5, "c": 1.0}


def test_compare_unknown_model_is_exit_2(csv_file):
    res = run("compare", "--models", "first_touch,nope", "--paths", csv_file)
    assert res.exit_code == 2 and "unknown model 'nope'" in res.output


def test_list_models(csv_file):
    res = run("attribute", "--list")
    assert res.exit_code == 0
    assert "markov_auto" in res.stdout and "shapley_rate" in res.stdout


@pytest.fixture
def warehouse_file(tmp_path):
    """Two converting journeys (u3's a > c is still open at the end of the data).

    u1: a on Jan 1, b on Jan 8, converts Jan 8 for 30 → time decay (7 days):
        a 2^-1 = 1/2, b 1 → a 1/3, b 2/3 (value 10, 20).
    u2: b on Jan 5, converts Jan 6 for 60 → b 1 (value 60).
    """
    from touchpath.data.warehouse import Warehouse

    touchpoints = pd.DataFrame({
        "event_id": ["e1", "e2", "e3", "e4", "e5"],
        "user_id": ["u1", "u1", "u2", "u3", "u3"],
        "ts": pd.to_datetime(["2024-01-01", "2024-01-08", "2024-01-05", "2024-01-02",
                              "2024-01-03"]),
        "channel": ["a", "b", "b", "a", "c"],
        "campaign": ["x"] * 5, "interaction": ["click"] * 5, "cost": [0.0] * 5,
    })
    conversions = pd.DataFrame({
        "conversion_id": ["c1", "c2"], "user_id": ["u1", "u2"],
        "ts": pd.to_datetime(["2024-01-08", "2024-01-06"]), "value": [30.0, 60.0],
        "kind": ["purchase"] * 2,
    })
    path = tmp_path / "touchpath.duckdb"
    with Warehouse.open(path) as wh:
        wh.ingest("touchpoints", touchpoints)
        wh.ingest("conversions", conversions)
    return path


def test_time_decay_reads_touches_from_the_warehouse(warehouse_file):
    res = run("attribute", "--model", "time_decay", "--db", warehouse_file, "--format", "json")
    assert res.exit_code == 0, res.output
    got = {r["channel"]: r for r in json.loads(res.stdout)}
    assert got["a"]["conversions"] == pytest.approx(1 / 3)
    assert got["b"]["conversions"] == pytest.approx(5 / 3)
    assert got["a"]["value"] == pytest.approx(10.0)
    assert got["b"]["value"] == pytest.approx(80.0)


def test_compare_from_the_warehouse_runs_time_decay_with_intervals(warehouse_file):
    res = run("compare", "--models", "last_touch,time_decay(half_life_days=7)", "--db",
              warehouse_file, "--ci", 30, "--format", "json", "--no-progress")
    assert res.exit_code == 0, res.output
    records = json.loads(res.stdout)
    decay = {r["channel"]: r for r in records if r["model"].startswith("time_decay")}
    assert decay["b"]["conversions"] == pytest.approx(5 / 3)
    assert decay["b"]["conversions_lo"] <= 5 / 3 <= decay["b"]["conversions_hi"]
    assert "skipped" not in res.stderr


def test_show_comparison_prints_the_service_default_comparison_and_writes_the_chart(csv_file,
                                                                                   tmp_path):
    from rich.console import Console

    from touchpath import service
    from touchpath.cli.attribution_cmds import show_comparison
    from touchpath.data.paths import PathTable

    buffer = io.StringIO()
    chart = tmp_path / "demo_compare.png"
    comp = service.compare_paths(PathTable.read_csv(csv_file))  # the default models
    show_comparison(comp, Console(file=buffer, width=200), plot_path=chart)
    text = buffer.getvalue()
    assert "markov2" in text and "order=" not in text and "Spearman" in text
    assert "skipped time_decay" in text
    assert [name for name, _ in comp.skipped] == ["time_decay"]
    assert len(comp.results) == 7
    assert chart.read_bytes()[:4] == b"\x89PNG"


# ------------------------------------------------- learned values (--details)
# The first-order chain of CSV, worked by hand (journeys = conversions + nulls):
#   (start) -> a 10/19, b 5/19, c 4/19;  a -> b 10/14, conv 2/14, null 2/14;
#   b -> conv 4/15, null 11/15;  c -> a 4/4.
# x_b = 4/15, x_a = 2/14 + (10/14)(4/15) = 1/3, x_c = 1/3 and
# P(conv) = (10/3 + 4/3 + 4/3)/19 = 6/19. Without a: 5/19 · 4/15 = 4/57, RE = 7/9;
# without b: (10 + 4)/19 · 1/7 = 2/19, RE = 2/3; without c: (14/3)/19, RE = 2/9.
HAND_RE = {"a": 7 / 9, "b": 2 / 3, "c": 2 / 9}

# The outcome depends on the channel before c, which only an order-2 chain sees:
# at order 1 the last state c converts half its journeys (log-loss ln 2 = 0.69),
# at order 2 the states a > c and b > c convert 9 in 10 and 1 in 10 (0.33).
# Orders 3 and 4 have the same states as order 2 (paths of two touches), so the
# same score, and the lowest order among equals wins: auto picks 2.
ORDER2_CSV = """path,total_conversions,total_conversion_value,total_null
a > c,90,9000,10
b > c,10,1000,90
"""


def score_rows(text: str) -> list[list[str]]:
    """Cells of the printed order-selection rows (lines whose first cell is an order)."""
    rows = []
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("│").split("│")]
        if len(cells) >= 5 and cells[0].isdigit():
            rows.append(cells)
    return rows


def test_auto_order_prints_scores_and_labels_the_chosen_order(tmp_path):
    from touchpath.attribution.markov import choose_order
    from touchpath.data.paths import PathTable

    path = tmp_path / "order2.csv"
    path.write_text(ORDER2_CSV)
    res = run("attribute", "-m", "markov", "--order", "auto", "--paths", path)
    assert res.exit_code == 0, res.output
    assert "markov (order auto → 2)" in res.stdout
    choice = choose_order(PathTable.read_csv(path))
    assert choice.order == 2  # the hand argument above
    expected = [[str(int(r.order)), f"{int(r.states):,}", f"{r.log_loss:.6f}",
                 f"{r.penalty:.6f}", f"{r.score:.6f}", "✓" if r.chosen else ""]
                for r in choice.scores.itertuples(index=False)]
    assert score_rows(res.stdout) == expected
    # order 1 cannot tell a > c from b > c: its held-out loss is about ln 2
    assert float(score_rows(res.stdout)[0][2]) == pytest.approx(np.log(2), abs=0.01)
    # a fixed order prints no selection table and keeps its plain label
    res = run("attribute", "-m", "markov2", "--paths", path)
    assert score_rows(res.stdout) == [] and res.stdout.splitlines()[0].strip() == "markov2"


def test_details_prints_removal_effects_probability_and_top_transitions(csv_file):
    res = run("attribute", "-m", "markov", "--paths", csv_file, "--details")
    assert res.exit_code == 0, res.output
    lines = res.stdout.splitlines()
    for channel, re in HAND_RE.items():
        row = next(x for x in lines if x.startswith(f"│ {channel} ") and x.count("│") == 4)
        assert row.split("│")[2].strip() == f"{re:.6f}"
    assert f"P(conversion) from (start): {6 / 19:.6f}" in res.stdout
    # the busiest transition: b -> (null), 11 of the 15 journeys leaving b
    top = next(i for i, x in enumerate(lines) if x.startswith("Transitions: top 9 of 9"))
    first_row = [c.strip() for c in lines[top + 4].strip("│").split("│")]
    assert first_row == ["b", "(null)", "11", f"{11 / 15:.6f}"]


def test_details_json_adds_a_details_key_only_when_asked(csv_file):
    from touchpath.attribution.markov import choose_order
    from touchpath.data.paths import PathTable

    plain = json.loads(run("attribute", "-m", "markov", "--order", "auto", "--paths", csv_file,
                           "-f", "json").stdout)
    assert isinstance(plain, list) and {r["channel"] for r in plain} == {"a", "b", "c",
                                                                        "(direct)"}
    res = run("attribute", "-m", "markov", "--order", "auto", "--paths", csv_file, "-f", "json",
              "--details")
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert set(doc) == {"model", "title", "channels", "details"}
    assert doc["channels"] == plain
    details = doc["details"]
    choice = choose_order(PathTable.read_csv(csv_file))
    assert details["order"] == choice.order and doc["title"] == (
        f"markov (order auto → {choice.order})")
    got = pd.DataFrame(details["order_selection"])
    np.testing.assert_allclose(got["score"], choice.scores["score"], rtol=1e-12)
    assert got["chosen"].tolist() == choice.scores["chosen"].tolist()
    assert choice.order == 1  # so the removal effects are those of the hand-worked chain
    for channel, re in HAND_RE.items():
        assert details["removal_effects"][channel] == pytest.approx(re, abs=1e-12)
    assert details["conversion_probability"] == pytest.approx(6 / 19, abs=1e-12)
    top = details["transition_table_top"][0]
    assert (top["from_state"], top["to_state"], top["count"]) == ("b", "(null)", 11)


def test_details_json_of_a_fixed_order_matches_the_hand_worked_chain(csv_file):
    doc = json.loads(run("attribute", "-m", "markov1", "--paths", csv_file, "-f", "json",
                         "--details").stdout)
    for channel, re in HAND_RE.items():
        assert doc["details"]["removal_effects"][channel] == pytest.approx(re, abs=1e-12)
    assert doc["details"]["conversion_probability"] == pytest.approx(6 / 19, abs=1e-12)
    assert doc["details"]["expected_value"] == pytest.approx(450 / 19, abs=1e-9)


def test_transitions_file_holds_the_whole_tidy_table(csv_file, tmp_path):
    out = tmp_path / "transitions.csv"
    res = run("attribute", "-m", "markov1", "--paths", csv_file, "--transitions", out)
    assert res.exit_code == 0, res.output
    table = pd.read_csv(out)
    assert list(table.columns) == ["from_state", "to_state", "count", "probability"]
    got = {(r.from_state, r.to_state): (r.count, r.probability)
           for r in table.itertuples(index=False)}
    hand = {("(start)", "a"): 10 / 19, ("(start)", "b"): 5 / 19, ("(start)", "c"): 4 / 19,
            ("a", "b"): 10 / 14, ("a", "(conversion)"): 2 / 14, ("a", "(null)"): 2 / 14,
            ("b", "(conversion)"): 4 / 15, ("b", "(null)"): 11 / 15, ("c", "a"): 1.0}
    assert set(got) == set(hand)
    for key, p in hand.items():
        assert got[key][1] == pytest.approx(p, abs=1e-12)
    assert got[("b", "(null)")][0] == 11
    res = run("attribute", "-m", "first_touch", "--paths", csv_file, "--transitions", out)
    assert res.exit_code == 2 and "no transition table" in res.output


def test_details_shows_shapley_standard_errors_when_sampled(csv_file):
    from touchpath.attribution.registry import make_model
    from touchpath.data.paths import PathTable

    args = ("-m", "shapley_rate", "-p", "max_exact_channels=1", "-p", "n_permutations=200",
            "--paths", csv_file)
    res = run("attribute", *args, "--details")
    assert res.exit_code == 0, res.output
    assert "from 200 sampled permutations" in res.stdout
    model = make_model("shapley_rate", max_exact_channels=1, n_permutations=200)
    result = model.attribute(PathTable.read_csv(csv_file))
    se = result.fit_.conversions_se
    assert result.fit_.method == "permutation" and (se > 0).any()
    lines = res.stdout.splitlines()
    below = lines[next(i for i, x in enumerate(lines) if "Sampling standard errors" in x):]
    for k, channel in enumerate(result.channels):
        row = next(x for x in below if x.startswith(f"│ {channel} "))
        assert row.split("│")[3].strip() == f"{se[k]:,.4f}"
    doc = json.loads(run("attribute", *args, "--details", "-f", "json").stdout)
    for k, channel in enumerate(result.channels):
        assert doc["details"]["conversions_se"][channel] == pytest.approx(se[k], abs=1e-12)


def test_details_with_csv_format_is_exit_2(csv_file):
    res = run("attribute", "-m", "markov", "--paths", csv_file, "--details", "-f", "csv")
    assert res.exit_code == 2 and "--details" in res.output
