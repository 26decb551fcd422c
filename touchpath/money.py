"""Money at the boundary: exact decimals with at most 6 places, and the currency.

The warehouse stores money as ``DECIMAL(18, 6)``. Money that is data (spend per
channel per period, conversion revenue, period totals, previous spend) is summed
exactly -- in DuckDB as DECIMAL or in Python as :class:`~decimal.Decimal` -- and
leaves Touchpath as those exact values. Money that is a model result (attributed
revenue, planned spend, expected revenue, segment widths: floats) is quantized
where it leaves, by one rule:

    ``money(x) = Decimal(repr(x)).quantize(Decimal("0.000001"), ROUND_HALF_EVEN)``

i.e. the shortest decimal that round-trips the float, rounded half-to-even to
the millionth (:data:`MONEY_PLACES`). A float that is the nearest double of an
exact 6-place amount with at most 15 significant digits (every amount below
10^9) comes back as that amount exactly.

Where quantized parts must add up to an exact whole (the channels' attributed
revenue of a period, the channels' planned spend, a channel's months), the whole
is apportioned by :func:`apportion`: the largest remainder (Hamilton) method in
units of one millionth, so the parts sum to the whole exactly and each part is
within one millionth of its exact share. No amount is moved anywhere else.

JSON carries money as numbers: :func:`money_float` is the float of the quantized
amount, whose ``repr`` (what :mod:`json` writes) is that amount's digits for
amounts below 10^9, so the text has at most 6 decimals and no binary artifact.
Ratios (ROI, shares) are not money and stay floats.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from decimal import ROUND_FLOOR, ROUND_HALF_EVEN, Context, Decimal, localcontext

__all__ = ["CURRENCY", "MONEY_PLACES", "QUANTUM", "apportion", "money", "money_float",
           "money_or_none", "money_text"]

#: Decimal places of money everywhere it leaves Touchpath (the warehouse's scale).
MONEY_PLACES = 6

#: One unit of the last place: ``Decimal("0.000001")``.
QUANTUM = Decimal(1).scaleb(-MONEY_PLACES)

#: The currency of every amount, unless the settings say otherwise (ISO 4217 code).
CURRENCY = "CNY"

_WIDE = Context(prec=60)


def money(x: float | int | Decimal | str) -> Decimal:
    """``x`` as an amount of money: a Decimal with exactly :data:`MONEY_PLACES` places.

    A float goes through ``repr`` (its shortest round-trip decimal), then every
    value is rounded half-to-even to the millionth.

    Raises
    ------
    ValueError
        ``x`` is NaN or infinite.

    Examples
    --------
    >>> money(9464.099999999999)
    Decimal('9464.100000')
    >>> money(0.1 + 0.2)
    Decimal('0.300000')
    """
    if isinstance(x, Decimal):
        d = x
    elif isinstance(x, float):
        d = Decimal(repr(x))
    else:
        d = Decimal(str(x)) if not isinstance(x, int) else Decimal(x)
    if not d.is_finite():
        raise ValueError(f"money must be a finite number, got {x!r}")
    # enough digits for any magnitude: the quantized amount is exact, never an overflow
    with localcontext(Context(prec=max(_WIDE.prec, d.adjusted() + MONEY_PLACES + 2))):
        return d.quantize(QUANTUM, rounding=ROUND_HALF_EVEN)


def money_or_none(x: float | Decimal | None) -> Decimal | None:
    """:func:`money`, with ``None`` and NaN (undefined amounts) as ``None``."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return None
    if isinstance(x, Decimal) and x.is_nan():
        return None
    return money(x)


def money_float(x: float | Decimal | None) -> float | None:
    """The float of :func:`money` ``(x)`` (``None`` for ``None`` / NaN): a JSON number.

    Its ``repr`` is the amount's own digits (at most 6 decimals) for amounts
    below 10^9.

    >>> money_float(13254.300000000001)
    13254.3
    """
    m = money_or_none(x)
    return None if m is None else float(m)


def money_text(x: Decimal | float) -> str:
    """Plain decimal text of an amount, trailing zeros dropped: ``"9464.1"``, ``"1000"``."""
    d = money(x)
    text = format(d, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def apportion(total: Decimal | float, weights: Sequence[float | Decimal]) -> list[Decimal]:
    """Split ``total`` in proportion to ``weights``, to the millionth, summing exactly.

    The largest remainder (Hamilton) method in units of :data:`QUANTUM`:
    each part's exact quota ``total · w / Σw`` is rounded down to the unit, and
    the units left over (fewer than the number of parts) go one each to the
    parts with the largest remainders (ties: the earlier part). Weights may be
    negative (a model's negative credit); the quotas are still exact and the
    parts still sum to ``total``.

    Parameters
    ----------
    total : Decimal or float
        The whole (quantized with :func:`money` first).
    weights : sequence of float or Decimal
        One per part; floats are read through ``repr``.

    Returns
    -------
    list of Decimal
        ``len(weights)`` amounts with :data:`MONEY_PLACES` places, Σ == ``money(total)``.
        When the weights sum to zero the parts are the quantized weights
        themselves if they already sum to the total, else the whole goes to no
        part and :class:`ValueError` is raised.

    Raises
    ------
    ValueError
        Weights summing to zero with a total they cannot carry, or a NaN.

    Examples
    --------
    >>> apportion(Decimal("1"), [1.0, 1.0, 1.0])
    [Decimal('0.333334'), Decimal('0.333333'), Decimal('0.333333')]
    """
    whole = money(total)
    ws = [w if isinstance(w, Decimal) else Decimal(repr(float(w))) for w in weights]
    if not ws:
        if whole != 0:
            raise ValueError(f"cannot apportion {whole} over no parts")
        return []
    if any(not w.is_finite() for w in ws):
        raise ValueError("cannot apportion over a NaN or infinite weight")
    digits = max((abs(w.adjusted()) for w in [whole, *ws] if w != 0), default=0)
    with localcontext(Context(prec=_WIDE.prec + 2 * digits + MONEY_PLACES)):
        wsum = sum(ws, Decimal(0))
        if wsum == 0:
            parts = [money(w) for w in ws]
            if sum(parts, Decimal(0)) != whole:
                raise ValueError(f"cannot apportion {whole} over weights summing to zero")
            return parts
        units = whole.scaleb(MONEY_PLACES)  # an integer-valued Decimal
        quotas = [units * w / wsum for w in ws]
        floors = [q.to_integral_value(rounding=ROUND_FLOOR) for q in quotas]
        left = int(units - sum(floors, Decimal(0)))
        order = sorted(range(len(ws)), key=lambda i: (-(quotas[i] - floors[i]), i))
        for i in order[:left]:
            floors[i] += 1
        return [f.scaleb(-MONEY_PLACES).quantize(QUANTUM) for f in floors]
