"""What the HTML report shows: every document, computed for one set of options."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from touchpath.attribution.roi import PERIODS_PER_QUARTER, next_quarter
from touchpath.service.defaults import Period

#: Models compared in the Attribution section unless told otherwise (as on the dashboard).
COMPARE_MODELS = ("first_touch", "last_touch", "linear", "position", "markov1", "markov2",
                  "shapley")
#: Budget multipliers of the scenario curve (the base budget is always included).
SCENARIO_MULTIPLIERS = (0.5, 0.75, 1.25, 1.5, 2.0)


@dataclass(frozen=True)
class ReportOptions:
    """What the report is computed for.

    Parameters
    ----------
    period : {"week", "month", "quarter"}
        Period of the ROI table and length of a lifecycle test cycle.
    model : str
        Attribution model of ROI, lifecycle and the plan's response curves
        (a spec as the API takes it: ``markov``, ``markov2``, ``linear`` ...).
    order : int, optional
        Markov order (1-4) when ``model`` is ``markov``.
    models : sequence of str
        Models compared side by side in the Attribution section.
    ci : int
        Bootstrap resamples for the comparison's intervals (0: none).
    budget : float, optional
        Budget of the plan; default :func:`default_budget` (last quarter's spend).
    quarter : str, optional
        Planned quarter (``2027Q1``); default the quarter after the data.
    spend_all : bool
        Plan to spend exactly the budget (else at most).
    lookback_days : int
        Journey lookback window.
    max_change : float, optional
        Largest change of a channel's planned spend vs last quarter
        (``0.3`` = ±30%); none by default.
    multipliers : sequence of float
        Budget multipliers of the scenario curve (the base budget is added).
    """

    period: Period = "month"
    model: str = "markov"
    order: int | None = None
    models: Sequence[str] = COMPARE_MODELS
    ci: int = 0
    budget: float | None = None
    quarter: str | None = None
    spend_all: bool = False
    lookback_days: int = 30
    max_change: float | None = None
    multipliers: Sequence[float] = SCENARIO_MULTIPLIERS

    def __post_init__(self) -> None:
        if self.period not in PERIODS_PER_QUARTER:
            raise ValueError(f"period must be week, month or quarter, got {self.period!r}")
        if self.order is not None and not 1 <= int(self.order) <= 4:
            raise ValueError(f"order must be 1-4, got {self.order!r}")
        if self.budget is not None and not (math.isfinite(self.budget) and self.budget > 0):
            raise ValueError(f"budget must be a positive amount, got {self.budget!r}")
        if self.ci < 0:
            raise ValueError(f"ci must be 0 or more resamples, got {self.ci!r}")
        if not self.models:
            raise ValueError("models: give at least one model to compare")
        if self.max_change is not None and not (math.isfinite(self.max_change)
                                                and self.max_change >= 0):
            raise ValueError(f"max_change must be 0 or more, got {self.max_change!r}")
        if not self.multipliers or not all(math.isfinite(m) and m > 0 for m in self.multipliers):
            raise ValueError(f"multipliers must be positive numbers, got {self.multipliers!r}")

    @property
    def model_spec(self) -> str:
        """The model with its order, as one spec (``markov(order=2)``)."""
        if self.order is None:
            return self.model
        return f"{self.model}(order={int(self.order)})"


# --------------------------------------------------------------------- collect
def default_budget(roi_doc: dict[str, Any]) -> float | None:
    """Last quarter's total spend: the sum of the last 13 weeks, 3 months or 1 quarter.

    ``roi_doc`` is a ``/v1/roi`` document; its ``totals`` hold each period's
    spend from the warehouse. ``None`` when there is no spend.
    """
    n = PERIODS_PER_QUARTER[roi_doc["period"]]
    total = sum(float(t.get("spend") or 0.0) for t in roi_doc["totals"][-n:])
    return total if total > 0 else None


def collect(warehouse: Any, options: ReportOptions = ReportOptions(),  # noqa: B008
            comparison: Any = None) -> dict[str, Any]:
    """Every document the report shows, computed by the API's own route functions.

    Parameters
    ----------
    warehouse : Warehouse
        An open warehouse (only read).
    options : ReportOptions
    comparison : ModelComparison, optional
        The models of ``options.models`` already run on these journeys (with
        ``options.ci`` resamples); turned into the ``compare`` document as the
        endpoint would instead of being computed again. ``touchpath demo``
        passes its own, so the report shows the very intervals it printed.

    Returns
    -------
    dict
        ``health``, ``paths``, ``compare``, ``roi``, ``lifecycle``, ``plan``,
        ``scenarios`` (each the JSON document of its endpoint) and ``options``.

    Raises
    ------
    ValueError
        Bad options or data the endpoints refuse (e.g. a model that cannot run).
    """
    from touchpath.api.cache import ResultCache
    from touchpath.api.deps import AppState, ReadSession
    from touchpath.api.routes import attribution, budget, health, lifecycle, paths, roi
    from touchpath.api.routes.common import DateRange, JourneyQuery
    from touchpath.api.schemas import PlanRequest, ScenariosRequest
    from touchpath.api.security import KeyStore
    from touchpath.api.settings import Settings

    # The report runs locally, for its caller: no per-request work limit or time budget.
    settings = Settings(db=str(warehouse.path), max_bootstrap_work=None,
                        request_time_budget_s=None)
    state = AppState(settings=settings, warehouse=warehouse,
                     keys=KeyStore(Path(warehouse.path).with_suffix(".no-keys")),
                     cache=ResultCache(64))
    state.refresh()
    session = ReadSession(state)
    journeys = JourneyQuery(options.lookback_days, False, "all", None, DateRange(None, None))
    order = None if options.order is None else str(int(options.order))
    try:
        doc: dict[str, Any] = {"options": {
            "period": options.period, "model": options.model_spec, "models": list(options.models),
            "ci": options.ci, "lookback_days": options.lookback_days}}
        doc["health"] = _json(health.health_response(state))
        doc["paths"] = _json(paths.paths(None, session, journeys, limit=10))
        if comparison is None:
            doc["compare"] = _json(attribution.compare_models(
                None, session, journeys, models=",".join(options.models), ci=options.ci,
                level=0.95, seed=0))
        else:
            doc["compare"] = _json(attribution.compare_response(
                comparison, session.version, journeys))
        doc["roi"] = _json(roi.roi(None, None, session, journeys, period=options.period,
                                   model=options.model, order=order,
                                   fiscal_year_start_month=1, format="json"))
        doc["lifecycle"] = _json(lifecycle.lifecycle(
            None, session, journeys, period=options.period, model=options.model, order=order,
            reading="multiple", admit=None, scale=None, exit_fraction=0.5, exit_cycles=3,
            exit_target=None, min_spend=0.0, min_conversions=1.0,
            fiscal_year_start_month=1))
        amount = options.budget if options.budget is not None else default_budget(doc["roi"])
        last_day = doc["health"]["last_day"]
        quarter = options.quarter or (next_quarter(date.fromisoformat(last_day))
                                      if last_day else None)
        doc["plan"] = doc["scenarios"] = None
        if amount is not None:
            settings = {"model": options.model_spec, "period": options.period,
                        "spend_all": options.spend_all, "max_change": options.max_change}
            doc["plan"] = _json(budget.plan(
                PlanRequest(budget=amount, quarter=quarter, **settings), None, session))
            doc["scenarios"] = _json(budget.scenarios(
                ScenariosRequest(budget=amount, multipliers=list(options.multipliers),
                                 **settings), None, session))
    finally:
        session.close()
    return doc


def _json(answer: Any) -> dict[str, Any]:
    """The JSON document of an endpoint's answer: a response model or encoded JSON bytes.

    Cached endpoints return their stored JSON bytes
    (:meth:`touchpath.api.deps.ReadSession.cached_json`).
    """
    if hasattr(answer, "model_dump"):
        return answer.model_dump(mode="json")
    return json.loads(bytes(answer.body))


