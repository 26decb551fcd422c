"""The `PathTable`: distinct customer journeys with their outcomes.

A path is the ordered list of channels a customer touched before a journey
ended (DESIGN.md, "Journeys"). Journeys with the same path are aggregated into
one row carrying ``conversions`` (journeys that ended in a purchase), ``value``
(their revenue) and ``nulls`` (journeys that ended without a purchase). This is
the shape ChannelAttribution reads (``path`` as ``"a > b > c"``,
``total_conversions``, ``total_conversion_value``, ``total_null``), so data can
move between the two.

Conversions with no touchpoint in the lookback window are not a path: they are
carried as the ``(direct)`` baseline (``direct_conversions``, ``direct_value``
and, when known, ``direct_first_conversions``) and reported apart, never
dropped.

In the CSV shape, counts (``total_conversions``, ``total_null``,
``first_conversions``) are written as integers (``32``, not ``32.0``) when
every value of the column is a whole number, as ChannelAttribution reads them;
bootstrap resamples and weighted tables may hold fractional counts, which are
written as floats (full precision, so reading back is exact). The
``(direct)`` row's ``first_conversions`` is ``direct_first_conversions``, or an
empty cell when that is unknown.

Storage is columnar: the channel list of path ``i`` is
``codes[offsets[i]:offsets[i + 1]]``, each code an index into ``channels``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from os import PathLike
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from touchpath.errors import TouchpathError

__all__ = ["DIRECT", "CA_COLUMNS", "PATH_SEP", "PathTable", "PathTableError", "separator_mark"]

#: Name of the baseline row: conversions with no touchpoint in the lookback window.
DIRECT = "(direct)"

#: How a path is written as text: its channel names joined by this separator.
#: Reading splits on :func:`separator_mark` (``">"``) and trims the blanks, so a
#: channel name must not contain ``">"``: ingest and the constructors refuse it.
PATH_SEP = " > "

#: Rows of a path table split at a time by ``from_frame`` (bounds the temporaries).
_SPLIT_ROWS = 1 << 14

#: Column names of the ChannelAttribution path table shape.
CA_COLUMNS = ("path", "total_conversions", "total_conversion_value", "total_null")


class PathTableError(TouchpathError, ValueError):
    """A path table could not be built: says which row and column, and why."""


def separator_mark(sep: str = PATH_SEP) -> str:
    """What a path written with ``sep`` is split on when read: ``sep`` without its padding.

    ``"a > b"`` and ``"a>b"`` read alike, so a channel name holding the mark
    (``">"`` for the default separator) would come back as several channels.
    """
    return sep.strip() or sep


def _separator_problem(name: object, sep: str = PATH_SEP) -> str | None:
    """Why ``name`` cannot be a channel (it holds a path separator), or ``None``.

    Checked against the default separator, which every export uses unless told
    otherwise, and against ``sep``, the one a table is being read or built with.
    """
    if not isinstance(name, str):
        return None
    for mark, joined_by in ((separator_mark(), PATH_SEP), (separator_mark(sep), sep)):
        if mark in name:
            return (f"channel name {name!r} contains {mark!r}, the path separator"
                    f" (channels in a path are joined by {joined_by!r})")
    return None


def _plain(value: Any) -> str:
    """An offending value as plain text for an error message.

    NumPy scalars are turned into the Python scalar first, so a message reads
    ``got -1`` rather than ``got np.int64(-1)``; text is quoted (``got 'abc'``)
    so blanks show; anything else is its ``str``.
    """
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, str):
        return repr(value)
    return str(value)


def _as_float_array(values: Any, n: int, name: str) -> np.ndarray:
    """``values`` as ``n`` finite non-negative float64 numbers, or an error naming the row."""
    arr = np.asarray(values, dtype=np.float64)
    if arr.shape != (n,):
        raise PathTableError(f"{name}: expected {n} values, got shape {arr.shape}")
    bad = np.flatnonzero(~np.isfinite(arr) | (arr < 0))
    if bad.size:
        i = int(bad[0])
        raise PathTableError(
            f"{name}: row {i}: must be a finite non-negative number, got {_plain(arr[i])}"
            f" ({bad.size} bad rows in all)"
        )
    return arr


def _counts(values: np.ndarray) -> np.ndarray | pd.api.extensions.ExtensionArray:
    """A count column for export: integers when every known value is whole.

    Whole numbers (up to 2**53, exact in float64) become ``int64``, or a
    nullable ``Int64`` column when some entries are missing (NaN); otherwise
    (fractional counts) the ``float64`` values are returned unchanged.
    """
    values = np.asarray(values, dtype=np.float64)
    known = values[~np.isnan(values)]
    if not np.all((known == np.floor(known)) & (np.abs(known) <= 2.0**53)):
        return values
    if known.size == values.size:
        return values.astype(np.int64)
    missing = np.isnan(values)
    return pd.arrays.IntegerArray(np.where(missing, 0, values).astype(np.int64), missing)


def _count_marks(arr: pa.StringArray, mark: str) -> int:
    """How many times ``mark`` occurs in the paths (non-overlapping, as split counts)."""
    data = arr.buffers()[2]
    if len(mark) == 1 and ord(mark) < 128:  # one ASCII byte: count it on the raw bytes
        if data is None:
            return 0
        offs = np.frombuffer(arr.buffers()[1], dtype=np.int32)[arr.offset:][:len(arr) + 1]
        raw = np.frombuffer(data, dtype=np.uint8)[offs[0]:offs[-1]]
        return int(np.count_nonzero(raw == ord(mark)))
    return int(pc.sum(pc.count_substring(arr, pattern=mark)).as_py() or 0)


def _split_paths(arr: pa.StringArray, sep: str, spaced: bool, keep: np.ndarray, source: str,
                 path_col: str) -> tuple[np.ndarray, list[str], np.ndarray]:
    """Paths split into touches: path offsets, distinct names, each touch's name index.

    Arrow's string kernels split and dictionary-encode :data:`_SPLIT_ROWS` rows at a
    time, so the list of touch strings exists for one block only (a few MB) rather
    than for the whole table; names are numbered in order of first appearance.
    """
    mark = sep.strip() or sep
    n = len(arr)
    offsets = np.zeros(n + 1, dtype=np.int64)
    names: dict[str, int] = {}
    touches = n + _count_marks(arr, mark) if n else 0
    idx = np.empty(touches, dtype=np.int32)
    done = 0  # touches so far
    for r0 in range(0, n, _SPLIT_ROWS):
        part = arr.slice(r0, min(_SPLIT_ROWS, n - r0))
        # Split on the separator without its padding, then trim: "a>b" and "a > b" agree.
        split = pc.split_pattern(part, pattern=mark)
        flat = pc.utf8_trim_whitespace(split.flatten()) if spaced else split.flatten()
        ends = np.frombuffer(flat.buffers()[1], dtype=np.int32)[flat.offset:][:len(flat) + 1]
        empty = ends[1:] == ends[:-1]
        if empty.any():
            lengths = np.diff(np.asarray(split.offsets, dtype=np.int64))
            owner = np.repeat(np.arange(len(lengths)), lengths)[int(np.flatnonzero(empty)[0])]
            row_numbers = np.flatnonzero(keep) + 1
            raise PathTableError(
                f"{source}: row {int(row_numbers[r0 + owner])}, column {path_col!r}:"
                f" empty channel name in path {part[int(owner)].as_py()!r}"
            )
        # Path offsets straight from the list offsets (no per-row length pass).
        ends = np.asarray(split.offsets, dtype=np.int64)[1:]
        offsets[r0 + 1:r0 + 1 + len(ends)] = ends - int(split.offsets[0].as_py()) + done
        encoded = flat.dictionary_encode()
        del split, flat
        lut = np.array([names.setdefault(str(x), len(names))
                        for x in encoded.dictionary.to_pylist()], dtype=np.int32)
        got = np.asarray(encoded.indices.to_numpy(zero_copy_only=False), dtype=np.int32)
        idx[done:done + len(got)] = lut[got] if len(lut) else got
        done += len(got)
        del encoded, got
    return offsets, list(names), idx


@dataclass(frozen=True, eq=False)
class PathTable:
    """Distinct journeys (paths) with conversions, revenue and non-conversions.

    Parameters
    ----------
    channels : tuple of str
        Channel names; a path stores indices into this tuple.
    offsets : ndarray of int64, shape (n_paths + 1,)
        Path ``i`` is ``codes[offsets[i]:offsets[i + 1]]``.
    codes : ndarray of int32
        Concatenated channel codes of all paths, in touch order.
    conversions, value, nulls : ndarray of float64, shape (n_paths,)
        Converting journeys, their revenue, and non-converting journeys per path.
        Floats so that bootstrap resamples and weighted tables fit the same type.
    direct_conversions, direct_value : float
        The ``(direct)`` baseline: conversions with no touch in the window.
    first_conversions : ndarray of float64, optional
        Of ``conversions``, how many were the customer's first purchase in the
        data (used for new-customer CAC). ``None`` when unknown.
    direct_first_conversions : float, optional
        Of ``direct_conversions``, how many were the customer's first purchase.
        ``None`` when unknown.

    Examples
    --------
    >>> pt = PathTable.from_paths([["search", "email"], ["search"]],
    ...                           conversions=[1, 0], value=[50.0, 0], nulls=[2, 3])
    >>> pt.to_frame()["path"].tolist()
    ['search > email', 'search']
    """

    channels: tuple[str, ...]
    offsets: np.ndarray
    codes: np.ndarray
    conversions: np.ndarray
    value: np.ndarray
    nulls: np.ndarray
    direct_conversions: float = 0.0
    direct_value: float = 0.0
    first_conversions: np.ndarray | None = field(default=None)
    direct_first_conversions: float | None = None

    def __post_init__(self) -> None:
        n = len(self.offsets) - 1
        if n < 0 or self.offsets[0] != 0 or self.offsets[-1] != len(self.codes):
            ends = (f"{self.offsets[0]}..{self.offsets[-1]}" if n >= 0 else "empty")
            raise PathTableError(
                f"offsets must start at 0 and end at len(codes) = {len(self.codes)}, got {ends}")
        if n and np.any(np.diff(self.offsets) < 1):
            i = int(np.flatnonzero(np.diff(self.offsets) < 1)[0])
            raise PathTableError(f"path row {i}: every path needs at least one channel")
        if len(self.codes) and (self.codes.min() < 0 or self.codes.max() >= len(self.channels)):
            raise PathTableError(
                f"codes must index into the {len(self.channels)} channels, got codes from"
                f" {_plain(self.codes.min())} to {_plain(self.codes.max())}")
        if len(set(self.channels)) != len(self.channels):
            repeated = sorted({c for c in self.channels if self.channels.count(c) > 1})
            raise PathTableError(f"channel names must be unique, repeated: {repeated}")
        for name in ("conversions", "value", "nulls"):
            object.__setattr__(self, name, _as_float_array(getattr(self, name), n, name))
        if self.first_conversions is not None:
            fc = _as_float_array(self.first_conversions, n, "first_conversions")
            if np.any(fc > self.conversions + 1e-9):
                raise PathTableError("first_conversions cannot exceed conversions")
            object.__setattr__(self, "first_conversions", fc)
        if self.direct_conversions < 0 or self.direct_value < 0:
            raise PathTableError("direct conversions and value must be non-negative")
        if self.direct_first_conversions is not None:
            dfc = float(self.direct_first_conversions)
            if not (np.isfinite(dfc) and 0 <= dfc <= self.direct_conversions + 1e-9):
                raise PathTableError(
                    "direct_first_conversions must be a finite number in [0,"
                    f" direct_conversions = {_plain(self.direct_conversions)}], got {_plain(dfc)}")
            object.__setattr__(self, "direct_first_conversions", dfc)

    # ------------------------------------------------------------------ sizes
    @property
    def n_paths(self) -> int:
        """Number of distinct paths (rows)."""
        return len(self.offsets) - 1

    @property
    def n_channels(self) -> int:
        """Number of channels."""
        return len(self.channels)

    @property
    def lengths(self) -> np.ndarray:
        """Touches per path, shape (n_paths,)."""
        return np.diff(self.offsets)

    @property
    def journeys(self) -> np.ndarray:
        """Journeys per path: ``conversions + nulls``."""
        return self.conversions + self.nulls

    @property
    def path_index(self) -> np.ndarray:
        """For each entry of ``codes``, the row of the path it belongs to."""
        return np.repeat(np.arange(self.n_paths), self.lengths)

    def path(self, i: int) -> tuple[str, ...]:
        """Channel names of path ``i`` in touch order."""
        seg = self.codes[self.offsets[i] : self.offsets[i + 1]]
        return tuple(self.channels[c] for c in seg)

    @property
    def paths(self) -> list[tuple[str, ...]]:
        """All paths as tuples of channel names."""
        return [self.path(i) for i in range(self.n_paths)]

    # ----------------------------------------------------------------- totals
    @property
    def total_conversions(self) -> float:
        """Conversions on paths (excludes the ``(direct)`` baseline)."""
        return float(self.conversions.sum())

    @property
    def total_value(self) -> float:
        """Revenue on paths (excludes the ``(direct)`` baseline)."""
        return float(self.value.sum())

    @property
    def total_nulls(self) -> float:
        """Non-converting journeys."""
        return float(self.nulls.sum())

    def totals(self) -> dict[str, float]:
        """Totals of the table, the ``(direct)`` baseline apart and added in."""
        return {
            "paths": float(self.n_paths),
            "journeys": float(self.journeys.sum()),
            "path_conversions": self.total_conversions,
            "path_value": self.total_value,
            "nulls": self.total_nulls,
            "direct_conversions": float(self.direct_conversions),
            "direct_value": float(self.direct_value),
            "conversions": self.total_conversions + float(self.direct_conversions),
            "value": self.total_value + float(self.direct_value),
        }

    # ------------------------------------------------------------ constructors
    @classmethod
    def from_paths(
        cls,
        paths: Sequence[Sequence[str]],
        conversions: Iterable[float],
        value: Iterable[float] | None = None,
        nulls: Iterable[float] | None = None,
        *,
        direct_conversions: float = 0.0,
        direct_value: float = 0.0,
        first_conversions: Iterable[float] | None = None,
        direct_first_conversions: float | None = None,
        channels: Sequence[str] | None = None,
        aggregate: bool = True,
    ) -> PathTable:
        """Build a table from channel-name sequences; identical paths are summed.

        ``channels`` fixes the channel order (and may list channels that appear
        on no path); by default channels are sorted by name. A channel name
        holding ``">"`` (see :data:`PATH_SEP`) is refused: it would split into
        several channels once the table is written and read back.
        """
        paths = [tuple(p) for p in paths]
        n = len(paths)
        conv = np.asarray(list(conversions), dtype=np.float64)
        val = np.zeros(n) if value is None else np.asarray(list(value), dtype=np.float64)
        nul = np.zeros(n) if nulls is None else np.asarray(list(nulls), dtype=np.float64)
        first = None if first_conversions is None else np.asarray(list(first_conversions), float)
        for i, p in enumerate(paths):
            if not p or any((not isinstance(c, str)) or not c.strip() for c in p):
                raise PathTableError(f"path row {i}: empty path or empty channel name: {p!r}")
        seen = {c for p in paths for c in p}
        bad = {c for c in seen if _separator_problem(c) is not None}
        if bad:
            i, name = next((i, c) for i, p in enumerate(paths) for c in p if c in bad)
            raise PathTableError(f"path row {i}: {_separator_problem(name)}")
        names = tuple(channels) if channels is not None else tuple(sorted(seen))
        for c in names if channels is not None else ():
            if (why := _separator_problem(c)) is not None:
                raise PathTableError(f"channels: {why}")
        index = {c: k for k, c in enumerate(names)}
        missing = seen - set(index)
        if missing:
            raise PathTableError(f"channels not listed in `channels`: {sorted(missing)}")
        lengths = np.array([len(p) for p in paths], dtype=np.int64)
        offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
        codes = np.array([index[c] for p in paths for c in p], dtype=np.int32)
        table = cls(names, offsets, codes, conv, val, nul, float(direct_conversions),
                    float(direct_value), first, direct_first_conversions)
        return table.aggregate() if aggregate else table

    @classmethod
    def from_frame(
        cls,
        frame: pd.DataFrame,
        *,
        sep: str = PATH_SEP,
        path_col: str = "path",
        conversions_col: str = "total_conversions",
        value_col: str | None = "total_conversion_value",
        nulls_col: str | None = "total_null",
        first_col: str | None = "first_conversions",
        channels: Sequence[str] | None = None,
        source: str = "path table",
    ) -> PathTable:
        """Read the ChannelAttribution shape (``path``, ``total_conversions``, ...).

        A row whose path is exactly ``(direct)`` becomes the direct baseline.
        Value and null columns are optional (zero when absent). The first
        purchase column (``first_conversions``, as :meth:`to_frame` writes it)
        is read when present; on the ``(direct)`` row it may be empty (unknown).
        Channel names are stripped of surrounding spaces. Read with another
        ``sep``, a channel name holding ``">"`` is refused, as are such names in
        ``channels``: written with :data:`PATH_SEP`, they would split. Errors
        name the row (1-based, as in the file, header excluded) and the column.
        """
        for col in (path_col, conversions_col):
            if col not in frame.columns:
                raise PathTableError(f"{source}: missing required column {col!r}")
        n = len(frame)

        def numeric(col: str | None, may_be_empty: np.ndarray | None = None) -> np.ndarray:
            if col is None or col not in frame.columns:
                return np.zeros(n)
            raw = frame[col]
            num = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
            invalid = ~np.isfinite(num) | (num < 0)
            if may_be_empty is not None:
                invalid &= ~(may_be_empty & raw.isna().to_numpy())
            bad = np.flatnonzero(invalid)
            if bad.size:
                i = int(bad[0])
                raise PathTableError(
                    f"{source}: row {i + 1}, column {col!r}: expected a non-negative number,"
                    f" got {_plain(raw.iloc[i])} ({bad.size} bad rows in all)"
                )
            return num

        conv, val, nul = numeric(conversions_col), numeric(value_col), numeric(nulls_col)
        raw_paths = frame[path_col]
        if raw_paths.isna().any():
            i = int(np.flatnonzero(raw_paths.isna().to_numpy())[0])
            raise PathTableError(f"{source}: row {i + 1}, column {path_col!r}: empty path")
        if isinstance(raw_paths.dtype, pd.StringDtype):
            arr = pa.array(raw_paths.array)  # zero-copy for Arrow-backed strings
        else:
            arr = pa.array(raw_paths.astype(str), from_pandas=True)
        arr = arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr
        arr = arr.cast(pa.string())
        # Trimming copies every string: only done when some path may hold whitespace
        # (an ASCII space/control byte, or any non-ASCII byte), scanned on the raw bytes:
        # every byte within 33..126 (printable ASCII, no space) means nothing to trim.
        offs = np.frombuffer(arr.buffers()[1], dtype=np.int32)[arr.offset:arr.offset + n + 1]
        data = arr.buffers()[2]
        raw = (np.frombuffer(data, dtype=np.uint8)[offs[0]:offs[-1]] if data is not None
               else np.zeros(0, dtype=np.uint8))
        spaced = bool(raw.size) and bool(raw.min() < 33 or raw.max() > 126)
        del offs, data, raw
        if spaced:
            arr = pc.utf8_trim_whitespace(arr)
        is_direct = np.asarray(pc.equal(arr, DIRECT).to_numpy(zero_copy_only=False), dtype=bool)
        direct_conv = float(conv[is_direct].sum())
        direct_val = float(val[is_direct].sum())
        first = direct_first = None
        if first_col and first_col in frame.columns:
            first = numeric(first_col, may_be_empty=is_direct)
            if is_direct.any() and np.isfinite(first[is_direct]).all():
                direct_first = float(first[is_direct].sum())
        keep = ~is_direct
        if is_direct.any():
            arr = arr.filter(pa.array(keep))
            conv, val, nul = conv[keep], val[keep], nul[keep]
            if first is not None:
                first = first[keep]
        offsets, names, idx = _split_paths(arr, sep, spaced, keep, source, path_col)
        del arr
        # Split on ``sep``, a name cannot hold its mark; it may still hold the default one.
        bad = [k for k, c in enumerate(names) if _separator_problem(c, sep) is not None]
        if bad:
            first = int(np.flatnonzero(np.isin(idx, bad))[0])
            owner = int(np.searchsorted(offsets, first, side="right")) - 1
            raise PathTableError(
                f"{source}: row {int(np.flatnonzero(keep)[owner]) + 1}, column {path_col!r}:"
                f" {_separator_problem(names[int(idx[first])], sep)}")
        for c in channels if channels is not None else ():
            if (why := _separator_problem(c, sep)) is not None:
                raise PathTableError(f"{source}: channels: {why}")
        if channels is None:
            order = sorted(range(len(names)), key=lambda k: names[k])
            final = tuple(names[k] for k in order)
            remap = np.empty(len(names), dtype=np.int32)
            remap[np.array(order, dtype=np.int64)] = np.arange(len(names), dtype=np.int32)
        else:
            final = tuple(channels)
            pos = {c: k for k, c in enumerate(final)}
            missing = [c for c in names if c not in pos]
            if missing:
                raise PathTableError(f"{source}: channels not listed in `channels`: {missing}")
            remap = np.array([pos[c] for c in names], dtype=np.int32)
        # Indexing with the int32 indices as they are (np.take would copy them to int64).
        codes = remap[idx] if len(idx) else np.zeros(0, dtype=np.int32)
        del idx
        table = cls(final, offsets, codes, conv, val, nul, direct_conv, direct_val, first,
                    direct_first)
        return table.aggregate()

    @classmethod
    def read_csv(cls, path: str | PathLike[str], *, sep: str = PATH_SEP,
                 **kwargs: Any) -> PathTable:
        """Read a ChannelAttribution-shaped CSV file (see :meth:`from_frame`)."""
        try:
            frame = pd.read_csv(path, dtype={"path": str}, keep_default_na=False, na_values=[""])
        except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
            raise PathTableError(f"{path}: cannot read CSV: {exc}") from exc
        return cls.from_frame(frame, sep=sep, source=str(path), **kwargs)

    # --------------------------------------------------------------- exports
    def path_strings(self, sep: str = PATH_SEP) -> list[str]:
        """Each path joined with ``sep``."""
        if self.n_paths == 0:
            return []
        names = pa.array(list(self.channels), type=pa.string())
        flat = names.take(pa.array(self.codes))
        lists = pa.ListArray.from_arrays(pa.array(self.offsets, type=pa.int32()), flat)
        return pc.binary_join(lists, sep).to_pylist()

    def to_frame(self, *, sep: str = PATH_SEP, include_direct: bool = True) -> pd.DataFrame:
        """The ChannelAttribution shape; the ``(direct)`` baseline as a last row.

        Count columns (``total_conversions``, ``total_null`` and
        ``first_conversions``) are ``int64`` when every value is a whole
        number, else ``float64`` (fractional bootstrap or weighted counts);
        ``total_conversion_value`` is always ``float64``. The ``(direct)``
        row's ``first_conversions`` is :attr:`direct_first_conversions`, or
        missing (``<NA>`` in a nullable ``Int64`` column, an empty CSV cell)
        when that is unknown.
        """
        with_direct = include_direct and (self.direct_conversions > 0 or self.direct_value > 0)
        tail = [float(self.direct_conversions)] if with_direct else []
        frame = pd.DataFrame(
            {
                "path": self.path_strings(sep) + ([DIRECT] if with_direct else []),
                "total_conversions": _counts(np.r_[self.conversions, tail]),
                "total_conversion_value": np.r_[self.value, [self.direct_value] if with_direct
                                                else []].astype(np.float64),
                "total_null": _counts(np.r_[self.nulls, [0.0] if with_direct else []]),
            }
        )
        if self.first_conversions is not None:
            direct_first = self.direct_first_conversions
            extra = [np.nan if direct_first is None else direct_first] if with_direct else []
            frame["first_conversions"] = _counts(np.r_[self.first_conversions, extra])
        return frame

    def to_csv(self, path: str | PathLike[str], *, sep: str = PATH_SEP,
               include_direct: bool = True) -> None:
        """Write the ChannelAttribution-shaped CSV (see :meth:`to_frame`)."""
        self.to_frame(sep=sep, include_direct=include_direct).to_csv(path, index=False)

    # -------------------------------------------------------------- reshaping
    def aggregate(self) -> PathTable:
        """Merge identical paths, summing their counts (order of first appearance kept)."""
        if self.n_paths == 0 or self._surely_distinct():
            return self
        inverse = self._path_groups()
        if inverse.max() + 1 == self.n_paths:
            return self
        uniq, first_pos = np.unique(inverse, return_index=True)
        order = np.argsort(first_pos, kind="stable")
        rank = np.empty_like(order)
        rank[order] = np.arange(len(order))
        group = rank[inverse]
        m = len(uniq)

        def summed(a: np.ndarray) -> np.ndarray:
            return np.bincount(group, weights=a, minlength=m)

        offsets, codes = self._gather(first_pos[order])
        first = None if self.first_conversions is None else summed(self.first_conversions)
        return PathTable(self.channels, offsets, codes, summed(self.conversions),
                         summed(self.value), summed(self.nulls), self.direct_conversions,
                         self.direct_value, first, self.direct_first_conversions)

    def _surely_distinct(self) -> bool:
        """True when no two paths are equal, proven by distinct 64-bit hashes.

        Path ``c_1..c_L`` hashes to ``sum_j (c_j + 1) * P**(L - j) mod 2**64``
        (``P`` odd; Horner's rule, one pass per touch position over the rows
        still that long). Distinct hashes imply distinct paths; ``False`` means
        equal hashes (a duplicate, or rarely a collision) and the caller falls
        back to the exact grouping.
        """
        n = self.n_paths
        if n < 2:
            return True
        lengths = self.lengths
        longest = int(lengths.max())
        # Rows by decreasing length (a radix sort when lengths fit 16 bits).
        neg = -lengths.astype(np.int16) if longest < 2**15 else -lengths
        order = np.argsort(neg, kind="stable")
        neg = neg[order]
        starts = self.offsets[:-1][order]
        h = np.zeros(n, dtype=np.uint64)
        mult = np.uint64(0x9E3779B97F4A7C15)
        for t in range(longest):
            m = int(np.searchsorted(neg, -t, side="left"))  # rows longer than t
            step = self.codes[starts[:m] + t].astype(np.uint64)
            step += np.uint64(1)
            h[:m] *= mult
            h[:m] += step
        return bool(pd.Index(h).is_unique)

    def _path_groups(self) -> np.ndarray:
        """Group id of each row, equal ids for identical paths (vectorised, exact).

        A path of up to ``62 / log2(n_channels + 1)`` touches is keyed by the
        integer with digits ``code + 1`` in base ``n_channels + 1`` (built by
        Horner's rule, one pass per touch position); longer paths by their joined
        codes.
        """
        base = self.n_channels + 1
        lengths = self.lengths
        fits = lengths <= max(1, int(62 / np.log2(max(base, 2))))
        order = np.argsort(-lengths, kind="stable")
        by_len = lengths[order]
        starts = self.offsets[:-1][order]
        keys = np.zeros(self.n_paths, dtype=np.int64)
        longest = int(lengths[fits].max()) if fits.any() else 0
        first_fit = int(np.searchsorted(-by_len, -longest, side="left"))
        for t in range(longest):
            m = int(np.searchsorted(-by_len, -t, side="left"))
            keys[first_fit:m] = keys[first_fit:m] * base + self.codes[starts[first_fit:m] + t] + 1
        groups = np.empty(self.n_paths, dtype=np.int64)
        groups[order] = pd.factorize(keys)[0]
        long_rows = np.flatnonzero(~fits)
        if long_rows.size:
            strings = self.select(~fits).path_strings(sep="\x1f")
            groups[long_rows] = pd.factorize(np.asarray(strings, dtype=object))[0] - self.n_paths
            groups = pd.factorize(groups)[0].astype(np.int64)
        return groups

    def _gather(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Offsets and codes of the paths at ``rows``, in that order (vectorised)."""
        lengths = self.lengths[rows]
        offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
        shift = np.repeat(self.offsets[rows] - offsets[:-1], lengths)
        codes = self.codes[np.arange(offsets[-1]) + shift].astype(np.int32)
        return offsets, codes

    def with_counts(
        self,
        conversions: np.ndarray,
        value: np.ndarray,
        nulls: np.ndarray,
        *,
        direct_conversions: float | None = None,
        direct_value: float | None = None,
        first_conversions: np.ndarray | None = None,
        direct_first_conversions: float | None = None,
    ) -> PathTable:
        """Same paths with new counts (used by the bootstrap).

        First purchases, on paths and direct, are unknown unless given.
        """
        return PathTable(
            self.channels, self.offsets, self.codes, conversions, value, nulls,
            self.direct_conversions if direct_conversions is None else float(direct_conversions),
            self.direct_value if direct_value is None else float(direct_value),
            first_conversions, direct_first_conversions,
        )

    def select(self, mask: np.ndarray) -> PathTable:
        """Rows where ``mask`` is true (the direct baseline is kept)."""
        rows = np.flatnonzero(np.asarray(mask, dtype=bool))
        offsets, codes = self._gather(rows)
        first = None if self.first_conversions is None else self.first_conversions[rows]
        return PathTable(self.channels, offsets, codes, self.conversions[rows],
                         self.value[rows], self.nulls[rows], self.direct_conversions,
                         self.direct_value, first, self.direct_first_conversions)

    def relabel(self, mapping: dict[str, str]) -> PathTable:
        """Rename channels (a bijection); codes and order are unchanged."""
        names = tuple(mapping.get(c, c) for c in self.channels)
        return PathTable(names, self.offsets, self.codes, self.conversions, self.value,
                         self.nulls, self.direct_conversions, self.direct_value,
                         self.first_conversions, self.direct_first_conversions)

    def channel_matrix(self) -> np.ndarray:
        """Boolean (n_paths, n_channels): which channels each path touches."""
        m = np.zeros((self.n_paths, self.n_channels), dtype=bool)
        m[self.path_index, self.codes] = True
        return m

    def __repr__(self) -> str:
        t = self.totals()
        return (f"PathTable({self.n_paths} paths, {self.n_channels} channels, "
                f"{t['path_conversions']:g} conversions, {t['nulls']:g} nulls, "
                f"{t['direct_conversions']:g} direct)")
