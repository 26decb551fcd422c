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

:data:`DEFAULTS` and the memos are plain Python and load with the package; the
workflows (and the numerical stack under them) load on first use, so a surface
can read the defaults for its option declarations without paying for pandas,
DuckDB and the solvers (``touchpath --help`` stays fast).
"""

from __future__ import annotations

import sys
import types
from typing import TYPE_CHECKING, Any

from touchpath.lazy import lazy_exports
from touchpath.service.defaults import DEFAULTS, Defaults
from touchpath.service.memo import LocalMemo, Memo, no_memo

if TYPE_CHECKING:  # pragma: no cover
    from touchpath.service.alerts import (
        AlertsResult,
        AnomalyReport,
        MonitoringSummary,
        anomalies,
        check_alerts,
        daily_table,
        deliver,
        monitoring,
    )
    from touchpath.service.attribution import (
        PathsOverview,
        attribute,
        attribute_paths,
        censoring,
        compare_models,
        compare_paths,
        journey_options,
        path_table,
        paths_overview,
    )
    from touchpath.service.calibration import (
        CalibratedAttribution,
        Calibration,
        attribute_calibrated,
        calibrated_roi_table,
        calibration,
        experiments_frame,
    )
    from touchpath.service.campaigns import (
        CampaignAttribution,
        CampaignComparison,
        attribute_campaigns,
        campaign_paths,
        compare_campaigns,
    )
    from touchpath.service.funnel import FunnelResult, funnel
    from touchpath.service.identities import IdentitiesResult, identities
    from touchpath.service.lifecycle import (
        LifecycleReport,
        StatusChange,
        change_status,
        lifecycle,
        record,
    )
    from touchpath.service.models import default_model_spec, model_spec
    from touchpath.service.pacing import PacingReport, pacing, record_plan, recorded_plans
    from touchpath.service.planning import (
        CalibratedPlan,
        CurveSettings,
        PlanInputs,
        PlanParams,
        calibrated_plan,
        goal,
        inputs_from_curves,
        plan,
        plan_inputs,
        scenarios,
    )
    from touchpath.service.roi import compute_roi_table, roi_table
    from touchpath.service.segments import (
        SegmentedAttribution,
        SegmentedComparison,
        SegmentedROITable,
        SegmentSummary,
        attribute_segments,
        compare_segments,
        roi_segments,
    )

#: The submodule each workflow and result type lives in (loaded on first use).
_HOMES = {
    **dict.fromkeys(("PathsOverview", "attribute", "attribute_paths", "censoring",
                     "compare_models", "compare_paths", "journey_options", "path_table",
                     "paths_overview"),
                    "attribution"),
    **dict.fromkeys(("FunnelResult", "funnel"), "funnel"),
    **dict.fromkeys(("LifecycleReport", "StatusChange", "change_status", "lifecycle", "record"),
                    "lifecycle"),
    **dict.fromkeys(("default_model_spec", "model_spec"), "models"),
    **dict.fromkeys(("CurveSettings", "PlanInputs", "PlanParams", "goal", "inputs_from_curves",
                     "plan", "plan_inputs", "scenarios"), "planning"),
    **dict.fromkeys(("compute_roi_table", "roi_table"), "roi"),
    **dict.fromkeys(("IdentitiesResult", "identities"), "identities"),
    **dict.fromkeys(("SegmentSummary", "SegmentedAttribution", "SegmentedComparison",
                     "SegmentedROITable", "attribute_segments", "compare_segments",
                     "roi_segments"), "segments"),
    **dict.fromkeys(("CampaignAttribution", "CampaignComparison", "attribute_campaigns",
                     "campaign_paths", "compare_campaigns"), "campaigns"),
    **dict.fromkeys(("PacingReport", "pacing", "record_plan", "recorded_plans"), "pacing"),
    **dict.fromkeys(("AlertsResult", "AnomalyReport", "anomalies", "check_alerts",
                     "daily_table", "deliver", "MonitoringSummary", "monitoring"), "alerts"),
    **dict.fromkeys(("CalibratedAttribution", "Calibration", "attribute_calibrated",
                     "calibrated_roi_table", "calibration", "experiments_frame"), "calibration"),
    **dict.fromkeys(("CalibratedPlan", "calibrated_plan"), "planning"),
}

__all__ = [
    "DEFAULTS",
    "CampaignAttribution",
    "CampaignComparison",
    "attribute_campaigns",
    "campaign_paths",
    "compare_campaigns",
    "CurveSettings",
    "Defaults",
    "FunnelResult",
    "IdentitiesResult",
    "LifecycleReport",
    "LocalMemo",
    "Memo",
    "PathsOverview",
    "PlanInputs",
    "PlanParams",
    "StatusChange",
    "attribute",
    "attribute_paths",
    "censoring",
    "change_status",
    "compare_models",
    "compare_paths",
    "compute_roi_table",
    "default_model_spec",
    "funnel",
    "goal",
    "identities",
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
    "SegmentSummary",
    "SegmentedAttribution",
    "SegmentedComparison",
    "SegmentedROITable",
    "attribute_segments",
    "compare_segments",
    "roi_segments",
    "PacingReport",
    "pacing",
    "record_plan",
    "recorded_plans",
    "AlertsResult",
    "AnomalyReport",
    "anomalies",
    "check_alerts",
    "daily_table",
    "deliver",
    "MonitoringSummary",
    "monitoring",
    "CalibratedAttribution",
    "CalibratedPlan",
    "Calibration",
    "attribute_calibrated",
    "calibrated_plan",
    "calibrated_roi_table",
    "calibration",
    "experiments_frame",
]


__getattr__, __dir__ = lazy_exports(__name__, _HOMES, globals(), __all__)


class _ServicePackage(types.ModuleType):
    """The package module: a workflow keeps its name when its submodule is imported.

    Importing a submodule binds it on its package under its own name, and
    ``lifecycle`` names both a submodule and a workflow; the workflow wins, as
    it did when the package imported everything up front.
    """

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _HOMES and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _ServicePackage
