"""One name per concept: class names, the status and verdict enums, model names.

Read from the repository and the running code, not from lists the code keeps.
"""

import re
import subprocess
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _product_files():
    out = subprocess.run(["git", "ls-files", "*.py"], cwd=ROOT, capture_output=True, text=True,
                         check=True).stdout.split()
    return [ROOT / f for f in out if not f.startswith(("tests/", "bench/"))]


def test_every_top_level_class_name_is_defined_once_in_the_product():
    where = defaultdict(list)
    for path in _product_files():
        for line in path.read_text(encoding="utf-8").splitlines():
            found = re.match(r"class ([A-Za-z_][A-Za-z0-9_]*)", line)
            if found:
                where[found.group(1)].append(str(path.relative_to(ROOT)))
    twice = {name: files for name, files in where.items() if len(files) > 1}
    assert not twice, twice
    assert "FittedCurve" in where and "ResponseCurve" in where  # the walk read the rooms


def test_the_statuses_and_verdicts_are_one_enum_each():
    from touchpath.attribution.lifecycle import VerdictKind
    from touchpath.data.statuses import ChannelStatus

    assert [s.value for s in ChannelStatus] == ["established", "test", "exited"]
    assert [v.value for v in VerdictKind] == ["exit", "test", "admit", "scale"]


def test_the_api_schemas_name_the_enums_of_the_layers_below():
    from touchpath.api.main import create_app
    from touchpath.api.settings import Settings

    schemas = create_app(Settings(db=":memory:")).openapi()["components"]["schemas"]
    assert schemas["ChannelStatus"]["enum"] == ["established", "test", "exited"]
    assert schemas["VerdictKind"]["enum"] == ["exit", "test", "admit", "scale"]
    assert "IngestProblemOut" in schemas and "IngestProblem" not in schemas
    refs = {
        ("ChannelStatusRequest", "status"): "ChannelStatus",
        ("ChannelCurve", "status"): "ChannelStatus",
        ("VerdictOut", "verdict"): "VerdictKind",
    }
    for (model, prop), enum in refs.items():
        text = str(schemas[model]["properties"][prop])
        assert f"#/components/schemas/{enum}" in text, (model, prop, text)


def test_the_cli_status_choices_are_the_channel_statuses():
    from typer.testing import CliRunner

    from touchpath.cli import app

    out = CliRunner().invoke(app, ["channel-status", "--help"], env={"COLUMNS": "200"}).output
    assert "established|test|exited" in out


def _model_specs():
    from touchpath.attribution.registry import MODEL_SPECS

    return list(MODEL_SPECS.values())


@pytest.mark.parametrize("spec", _model_specs(), ids=lambda s: s.name)
def test_each_model_reports_its_registry_name(spec):
    """``result.model`` is a registry name: the spec's own, or the family's (markov2 → markov)."""
    from touchpath.attribution.registry import MODEL_SPECS

    name = spec.model_class().name
    assert name in MODEL_SPECS
    family = MODEL_SPECS[name]
    assert (family.module, family.cls) == (spec.module, spec.cls)
    assert not family.fixed
    if not spec.fixed:
        assert name == spec.name


def test_a_result_names_its_model_and_label_by_the_registry(toy_paths):
    from touchpath.attribution.registry import make_model

    for spec, model, label in (
            ("position", "position", "position"),
            ("position_based", "position", "position"),  # an alias: the registry name reported
            ("custom(first=0.5, middle=0, last=0.5)", "custom",
             "custom(first=0.5, middle=0.0, last=0.5)"),
            ("markov2", "markov", "markov2")):
        result = make_model(spec).attribute(toy_paths)
        assert (result.model, result.label) == (model, label)


@pytest.fixture
def toy_paths():
    from touchpath.data.paths import PathTable

    return PathTable.from_paths([("a", "b", "c"), ("a", "c"), ("b",)], [2, 1, 1],
                                [20.0, 10.0, 5.0], [1, 0, 3])
