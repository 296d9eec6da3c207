"""Logical columns -> Arrow arrays: as text the way upstream exports write it, or typed.

Text rendering mixes the styles real extracts have: timestamps mostly `...Z` or naive, a few
with offsets (`+02:00`), booleans as true/false, yes/no or 1/0, amounts as `12.30`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from dagster_project.sample_data.columns import (
    Bool,
    Category,
    Column,
    Date,
    Ident,
    Integer,
    Money,
    Text,
    Timestamp,
)
from dagster_project.sample_data.timeline import DAY, Timeline

_SUFFIXES = ("Z", "", "+02:00", "+01:00", "-05:00", "+05:30")
_SHIFTS = np.array([0, 0, 7200, 3600, -18000, 19800])
_TRUE = ("true", "yes", "1")
_FALSE = ("false", "no", "0")
_BOOL_STYLE = (0.6, 0.2, 0.2)
_MARGIN_DAYS = 400
_NEEDS_ESCAPE = r'["\\\x00-\x1f]'


@dataclass(frozen=True)
class TextStyle:
    """How a file writes timestamps: its usual style and the share of rows that differ."""

    primary: str = "Z"  # "Z" (UTC) or "naive"
    other_share: float = 0.08  # rows in the other of the two styles
    offset_share: float = 0.05  # rows with an explicit offset


def _mask(values: pa.Array, valid: np.ndarray | None) -> pa.Array:
    if valid is None or valid.all():
        return values
    return pc.if_else(pa.array(valid), values, pa.scalar(None, values.type))


class Renderer:
    def __init__(self, timeline: Timeline) -> None:
        first = timeline.epoch_day - _MARGIN_DAYS
        days = np.arange(first, first + timeline.n_days + 2 * _MARGIN_DAYS)
        self._first_day = first - timeline.epoch_day  # in timeline days
        self._dates = pa.array(np.datetime_as_string(days.astype("datetime64[D]")).tolist())
        self._times = pa.array(
            [f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}" for s in range(DAY)]
        )
        self._epoch_seconds = timeline.epoch_seconds
        self._suffixes = pa.array(_SUFFIXES)

    # --- text --------------------------------------------------------------------------
    def text(self, column: Column, rng: np.random.Generator, style: TextStyle) -> pa.Array:
        match column:
            case Ident():
                return self._ident(column)
            case Category():
                return _category(column, list(column.vocabulary))
            case Text():
                return column.values
            case Timestamp():
                return self._timestamps(column, rng, style)
            case Date():
                return _mask(self._date_strings(column.days), column.valid)
            case Bool():
                variant = rng.choice(3, size=len(column.values), p=_BOOL_STYLE)
                table = pa.array(_FALSE + _TRUE)
                return _mask(
                    table.take(pa.array(column.values.astype(np.int64) * 3 + variant)), column.valid
                )
            case Money():
                return _mask(_money(column.cents), column.valid)
            case Integer():
                return pa.array(
                    column.values.astype(np.int64),
                    mask=None if column.valid is None else ~column.valid,
                )
        raise TypeError(f"unknown column {column!r}")

    def _ident(self, column: Ident) -> pa.Array:
        numbers = pa.array(column.numbers.astype(np.int64), mask=column.numbers < 0)
        padded = pc.utf8_lpad(pc.cast(numbers, pa.string()), width=column.width, padding="0")
        return pc.binary_join_element_wise(column.prefix, padded, "")

    def _date_strings(self, days: np.ndarray) -> pa.Array:
        unique, inverse = np.unique(days, return_inverse=True)
        text = np.datetime_as_string(unique.astype("datetime64[D]")).tolist()
        return pa.array(text, pa.string()).take(pa.array(inverse.astype(np.int64)))

    def _timestamps(
        self, column: Timestamp, rng: np.random.Generator, style: TextStyle
    ) -> pa.Array:
        n = len(column.seconds)
        main, other = (0, 1) if style.primary == "Z" else (1, 0)
        pick = rng.random(n)
        variant = np.where(pick < style.other_share, other, main)
        offsets = pick > 1.0 - style.offset_share
        variant[offsets] = rng.integers(2, len(_SUFFIXES), int(offsets.sum()))
        local = column.seconds.astype(np.int64) + _SHIFTS[variant]
        day_index = np.floor_divide(local, DAY) - self._first_day
        if n and (day_index.min() < 0 or day_index.max() >= len(self._dates)):
            raise ValueError("timestamp outside the renderable range")
        text = pc.binary_join_element_wise(
            self._dates.take(pa.array(day_index)),
            "T",
            self._times.take(pa.array(np.mod(local, DAY))),
            self._suffixes.take(pa.array(variant)),
            "",
        )
        return _mask(text, column.valid)

    # --- typed (Parquet) ---------------------------------------------------------------
    def typed(self, column: Column) -> pa.Array:
        match column:
            case Ident():
                return self._ident(column)
            case Category():
                return _category(column, list(column.vocabulary))
            case Text():
                return column.values
            case Timestamp():
                micros = (column.seconds.astype(np.int64) + self._epoch_seconds) * 1_000_000
                return pa.array(
                    micros,
                    pa.timestamp("us", tz="UTC"),
                    mask=None if column.valid is None else ~column.valid,
                )
            case Date():
                return pa.array(
                    column.days.astype(np.int32),
                    pa.date32(),
                    mask=None if column.valid is None else ~column.valid,
                )
            case Bool():
                return pa.array(
                    column.values.astype(bool), mask=None if column.valid is None else ~column.valid
                )
            case Money():
                return _mask(_decimal(column.cents), column.valid)
            case Integer():
                return pa.array(
                    column.values.astype(np.int64),
                    mask=None if column.valid is None else ~column.valid,
                )
        raise TypeError(f"unknown column {column!r}")

    # --- JSON fragments ----------------------------------------------------------------
    def json(self, column: Column, rng: np.random.Generator, style: TextStyle) -> pa.Array:
        """Each value as a JSON literal (`null` for nulls)."""
        match column:
            case Bool():
                literal = pa.array(["false", "true"]).take(pa.array(column.values.astype(np.int64)))
                value = _mask(literal, column.valid)
            case Money() | Integer():
                value = pc.cast(self.text(column, rng, style), pa.string())
            case Category():
                value = _category(
                    column, [json.dumps(v, ensure_ascii=False) for v in column.vocabulary]
                )
            case Text():
                value = _json_string(column.values)
            case _:  # ids, timestamps, dates: nothing to escape
                value = pc.binary_join_element_wise('"', self.text(column, rng, style), '"', "")
        return pc.fill_null(value, "null")


def _category(column: Category, labels: list[str]) -> pa.Array:
    """The label of every code; a negative code is null."""
    return pa.array(labels, pa.string()).take(pa.array(column.codes, mask=column.codes < 0))


def _json_string(values: pa.Array) -> pa.Array:
    if len(values) and pc.any(pc.match_substring_regex(values, _NEEDS_ESCAPE)).as_py():
        encoded, inverse = np.unique(
            np.asarray(values.fill_null("").to_pylist(), dtype=object), return_inverse=True
        )
        quoted = pa.array([json.dumps(v, ensure_ascii=False) for v in encoded], pa.string())
        return _mask(quoted.take(pa.array(inverse.astype(np.int64))), ~np.asarray(values.is_null()))
    return pc.binary_join_element_wise('"', values, '"', "")


def _money(cents: np.ndarray) -> pa.Array:
    cents = cents.astype(np.int64)
    whole = pc.cast(pa.array(np.abs(cents) // 100), pa.string())
    fraction = pc.utf8_lpad(
        pc.cast(pa.array(np.abs(cents) % 100), pa.string()), width=2, padding="0"
    )
    sign = pa.array(np.where(cents < 0, "-", ""))
    return pc.binary_join_element_wise(sign, whole, ".", fraction, "")


def _decimal(cents: np.ndarray) -> pa.Array:
    """Exact DECIMAL(12, 2) from cents: 128-bit little-endian unscaled integers."""
    low = cents.astype(np.int64)
    words = np.empty((len(low), 2), dtype=np.int64)
    words[:, 0] = low
    words[:, 1] = np.where(low < 0, -1, 0)
    return pa.Array.from_buffers(pa.decimal128(12, 2), len(low), [None, pa.py_buffer(words)])
