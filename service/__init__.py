"""The service layer: Touchpath's workflows and their one set of defaults.

Every surface — the HTTP API (:mod:`touchpath.api`), the CLI (:mod:`touchpath.cli`),
the HTML report (:mod:`touchpath.report`) and the demo — parses its input, calls one
function here and renders the result. The workflows own the order of the steps
(warehouse → journeys → path table → model → ROI → lifecycle → curves → plan
inputs → plan, scenarios, goal seeking) and the defaults (:data:`DEFAULTS`), so
the same parameters give the same answer on every surface.

Workflows take an open :class:`~touchpath.data.warehouse.Warehouse` (bound to the
caller's cursor) and plain parameters, and return the domain's typed results
(:class:`~touchpath.attribution.base.AttributionResult`,
:class:`~touchpath.attribution.roi.ChannelROITable`, :class:`LifecycleReport`,
:class:`~touchpath.optimizer.plan.BudgetPlan`, ...). ``memo`` lets a surface cache
intermediate results (:mod:`touchpath.service.memo`).
"""

from touchpath.service.attribution import (
    PathsOverview,
    attribute,
    attribute_paths,
    compare_models,
    compare_paths,
    journey_options,
    path_table,
    paths_overview,
)
from touchpath.service.defaults import DEFAULTS, Defaults
from touchpath.service.lifecycle import (
    LifecycleReport,
    StatusChange,
    change_status,
    lifecycle,
    record,
)
from touchpath.service.memo import LocalMemo, Memo, no_memo
from touchpath.service.models import default_model_spec, model_spec
from touchpath.service.planning import (
    CurveSettings,
    PlanInputs,
    PlanParams,
    goal,
    inputs_from_curves,
    plan,
    plan_inputs,
    scenarios,
)
from touchpath.service.roi import compute_roi_table, roi_table

__all__ = [
    "DEFAULTS",
    "CurveSettings",
    "Defaults",
    "LifecycleReport",
    "LocalMemo",
    "Memo",
    "PathsOverview",
    "PlanInputs",
    "PlanParams",
    "StatusChange",
    "attribute",
    "attribute_paths",
    "change_status",
    "compare_models",
    "compare_paths",
    "compute_roi_table",
    "default_model_spec",
    "goal",
    "inputs_from_curves",
    "journey_options",
    "lifecycle",
    "model_spec",
    "no_memo",
    "path_table",
    "paths_overview",
    "plan",
    "plan_inputs",
    "record",
    "roi_table",
    "scenarios",
]
