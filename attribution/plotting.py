"""Money on matplotlib axes: one tick formatter for every chart that shows an amount.

The attribution charts (:mod:`touchpath.attribution.curves`,
:mod:`touchpath.attribution.compare`) and the optimizer's (plan split,
scenarios) label money axes the same way: ``950k``, ``1.2M``, never a ``1e6``
offset above the axis. It lives in the attribution layer because the
optimizer may import from it while the attribution layer may not import the
optimizer. Matplotlib is imported only when a formatter is made.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axis import Axis

__all__ = ["money_axis", "money_label", "money_tick"]


def money_tick(value: float) -> str:
    """An amount as a short axis label (``950000`` → ``950k``, ``1.2e6`` → ``1.2M``).

    Examples
    --------
    >>> [money_tick(v) for v in (0, 12.5, 950, 1500, 950_000, 1_200_000, 2.5e9)]
    ['0', '12.5', '950', '1.5k', '950k', '1.2M', '2.5B']
    """
    if not math.isfinite(value):
        return ""
    a = abs(value)
    for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if a >= size:
            return f"{value / size:.3g}{suffix}"
    return f"{value:.3g}" if value else "0"


def money_label(text: str, currency: str | None = None) -> str:
    """An axis title with the currency in brackets (``"spend"`` → ``"spend (CNY)"``)."""
    return f"{text} ({currency})" if currency else text


def money_axis(axis: Axis, currency: str | None = None, title: str | None = None) -> None:
    """Label an axis (``ax.xaxis`` / ``ax.yaxis``) as money: :func:`money_tick`, no offset.

    Parameters
    ----------
    axis : matplotlib Axis
    currency : str, optional
        Shown in the axis title, e.g. ``CNY``.
    title : str, optional
        The axis title (``"budget"``); with ``currency`` it reads ``budget (CNY)``.
    """
    from matplotlib.ticker import FuncFormatter  # plotting stays out of the math import path

    axis.set_major_formatter(FuncFormatter(_tick))
    if title is not None:
        axis.set_label_text(money_label(title, currency))


def _tick(value: float, _pos: Any = None) -> str:
    return money_tick(value)
