"""Model registry: names and specs to model instances, with clear errors."""

import pytest

from touchpath.attribution import rules
from touchpath.attribution.registry import (
    ModelSpecError,
    available_models,
    describe_models,
    make_model,
    needs_touches,
    parse_spec,
    parse_value,
    short_label,
    split_specs,
)


@pytest.mark.parametrize(
    ("spec", "cls"),
    [
        ("first_touch", rules.FirstTouch),
        ("last_touch", rules.LastTouch),
        ("last_non_direct", rules.LastNonDirect),
        ("linear", rules.Linear),
        ("participation", rules.Participation),
        ("time_decay", rules.TimeDecay),
        ("position", rules.PositionBased),
        ("u_shape", rules.PositionBased),
        ("j_curve", rules.JCurve),
        ("inverse_j", rules.InverseJ),
        ("First-Touch", rules.FirstTouch),
    ],
)
def test_rule_names_build_rule_models(spec, cls):
    assert type(make_model(spec)) is cls


def test_settings_from_the_spec_and_from_keywords():
    assert make_model("time_decay(half_life_days=3)").half_life_days == 3.0
    assert make_model("time_decay", half_life_days=2.5).half_life_days == 2.5
    custom = make_model("custom(first=0.5, middle=0, last=0.5)")
    assert (custom.first, custom.middle, custom.last) == (0.5, 0.0, 0.5)
    lnd = make_model("last_non_direct", direct_channels="brand|direct")
    assert lnd.direct_channels == ("brand", "direct")
    # None means "not given": the model default stays
    assert make_model("time_decay", half_life_days=None).half_life_days == 7.0


def test_markov_and_shapley_names():
    markov = pytest.importorskip("touchpath.attribution.markov")
    shapley = pytest.importorskip("touchpath.attribution.shapley")
    assert make_model("markov").order == 1
    assert make_model("markov", order=3).order == 3
    assert make_model("markov2").order == 2
    assert make_model("markov4").order == 4
    assert make_model("markov_auto").order == "auto"
    assert make_model("markov(order=auto)").order == "auto"
    assert type(make_model("markov1")) is markov.MarkovChain
    assert type(make_model("shapley")) is shapley.ShapleySubset
    assert type(make_model("shapley_rate")) is shapley.ShapleyConversionRate
    assert type(make_model("shapley_ordered")) is shapley.OrderedShapley
    with pytest.raises(ModelSpecError, match="fixes order=2"):
        make_model("markov2", order=3)
    with pytest.raises(ModelSpecError, match="1-4 or 'auto'"):
        make_model("markov", order="two")


def test_unknown_name_lists_the_valid_ones():
    with pytest.raises(ModelSpecError) as err:
        make_model("random_forest")
    msg = str(err.value)
    assert "unknown model 'random_forest'" in msg
    for name in ("first_touch", "markov2", "shapley_rate", "time_decay"):
        assert name in msg


def test_unknown_setting_names_what_the_model_takes():
    with pytest.raises(ModelSpecError, match="does not take order; it takes half_life_days"):
        make_model("time_decay", order=2)
    with pytest.raises(ModelSpecError, match="no settings"):
        make_model("first_touch(foo=1)")


def test_settings_the_model_rejects_become_spec_errors():
    with pytest.raises(ModelSpecError, match="time_decay"):
        make_model("time_decay", half_life_days=-1)


def test_malformed_specs():
    with pytest.raises(ModelSpecError, match="key=value"):
        parse_spec("custom(first)")
    with pytest.raises(ModelSpecError, match="cannot read"):
        parse_spec("(x)")
    with pytest.raises(ModelSpecError, match="unbalanced"):
        split_specs("custom(first=1,last=0")


def test_split_specs_keeps_commas_inside_parentheses():
    assert split_specs("first_touch, custom(first=0.5,middle=0,last=0.5),,markov2") == [
        "first_touch", "custom(first=0.5,middle=0,last=0.5)", "markov2"]


def test_parse_value_types():
    assert parse_value("3") == 3 and isinstance(parse_value("3"), int)
    assert parse_value("0.25") == 0.25
    assert parse_value("true") is True
    assert parse_value("auto") == "auto"
    assert parse_value("a|b") == ("a", "b")


def test_listing_and_descriptions():
    names = available_models()
    assert names[:2] == ["first_touch", "last_touch"]
    assert {"markov", "markov1", "markov4", "markov_auto", "shapley", "shapley_rate",
            "shapley_ordered", "custom", "position", "j_curve", "inverse_j"} <= set(names)
    desc = describe_models()
    assert set(desc) == set(names) and all(d and "\n" not in d for d in desc.values())


def test_instances_pass_through_and_touch_models_are_flagged():
    model = rules.Linear()
    assert make_model(model) is model
    assert needs_touches(make_model("time_decay"))
    assert not needs_touches(model)


@pytest.mark.parametrize(
    ("model", "params", "label"),
    [
        ("markov", {"order": 2}, "markov2"),
        ("markov", {"order": 1}, "markov1"),  # the named order beats the bare default
        ("position", {"first": 0.4, "last": 0.4}, "position"),
        ("position", {"first": 0.3, "last": 0.4}, "position(first=0.3)"),
        ("j_curve", {"first": 0.2, "last": 0.6}, "j_curve"),
        ("time_decay", {"half_life_days": 7.0}, "time_decay"),
        ("time_decay", {"half_life_days": 3.0}, "time_decay(half_life_days=3.0)"),
        ("last_non_direct", {"direct_channels": ("direct", "owned_site")}, "last_non_direct"),
        ("last_non_direct", {"direct_channels": ("direct",)},
         "last_non_direct(direct_channels=direct)"),
        ("custom", {"first": 0.5, "middle": 0.0, "last": 0.5},
         "custom(first=0.5, middle=0.0, last=0.5)"),
        ("not_registered", {"alpha": 1, "beta": "x"}, "not_registered(alpha=1, beta=x)"),
    ],
)
def test_short_label_shows_only_settings_that_differ_from_the_defaults(model, params, label):
    assert short_label(model, params) == label


def test_short_label_of_a_model_with_many_settings_names_only_the_changed_one():
    import dataclasses

    default = make_model("shapley_rate")
    every = {f.name: getattr(default, f.name) for f in dataclasses.fields(default)}
    assert short_label("shapley_rate", every) == "shapley_rate"
    assert short_label("shapley_rate", {**every, "n_permutations": 500}) == (
        "shapley_rate(n_permutations=500)")


@pytest.mark.parametrize(
    "spec",
    ["first_touch", "last_non_direct(direct_channels=email|push)", "linear", "participation",
     "time_decay(half_life_days=2.5)", "position(first=0.1, last=0.7)", "j_curve",
     "inverse_j(first=0.5)", "custom(first=0.2, middle=0.3, last=0.5)", "markov3",
     "shapley", "shapley_ordered"],
)
def test_a_results_label_rebuilds_a_model_with_the_same_settings(spec):
    from touchpath.attribution.base import AttributionResult
    from touchpath.data.paths import PathTable

    model = make_model(spec)
    paths = PathTable.from_paths([["email", "push", "ads"], ["ads"]], conversions=[2, 1],
                                 value=[20.0, 10.0], nulls=[1, 1])
    if needs_touches(model):
        result = AttributionResult.from_credit(model.name, {"half_life_days": 2.5}, paths,
                                               [1.0, 1.0, 1.0], [10.0, 10.0, 10.0])
    else:
        result = model.attribute(paths)
    assert make_model(result.label) == model
    assert len(result.label) <= len(spec)
