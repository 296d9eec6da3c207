"""Column-oriented rows of one entity, kept as compact numpy arrays until a file is written.

A `Frame` holds logical columns (an id is a prefix and a number, a category is a code into a
vocabulary, a timestamp is seconds since the start) and the drop each row belongs to.
Rendering to text or to typed Arrow happens per file, in `rendering.py`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace

import numpy as np
import pyarrow as pa


def _take_valid(valid: np.ndarray | None, index: np.ndarray) -> np.ndarray | None:
    return None if valid is None else valid[index]


@dataclass(frozen=True)
class Ident:
    """`prefix` + zero-padded `numbers` (e.g. C00000042); a negative number is null."""

    prefix: str
    numbers: np.ndarray
    width: int

    def take(self, index: np.ndarray) -> Ident:
        return replace(self, numbers=self.numbers[index])


@dataclass(frozen=True)
class Category:
    """Codes into `vocabulary`; -1 is null (an empty value)."""

    codes: np.ndarray
    vocabulary: tuple[str, ...]

    def take(self, index: np.ndarray) -> Category:
        return replace(self, codes=self.codes[index])


@dataclass(frozen=True)
class Text:
    """Free text, already an Arrow string array (nulls allowed)."""

    values: pa.Array

    def take(self, index: np.ndarray) -> Text:
        return Text(self.values.take(pa.array(index)))


@dataclass(frozen=True)
class Timestamp:
    """Seconds since the start of the timeline (UTC)."""

    seconds: np.ndarray
    valid: np.ndarray | None = None

    def take(self, index: np.ndarray) -> Timestamp:
        return Timestamp(self.seconds[index], _take_valid(self.valid, index))


@dataclass(frozen=True)
class Date:
    """Days since 1970-01-01."""

    days: np.ndarray
    valid: np.ndarray | None = None

    def take(self, index: np.ndarray) -> Date:
        return Date(self.days[index], _take_valid(self.valid, index))


@dataclass(frozen=True)
class Bool:
    values: np.ndarray
    valid: np.ndarray | None = None

    def take(self, index: np.ndarray) -> Bool:
        return Bool(self.values[index], _take_valid(self.valid, index))


@dataclass(frozen=True)
class Money:
    """Amounts in cents (exact decimals with two places)."""

    cents: np.ndarray
    valid: np.ndarray | None = None

    def take(self, index: np.ndarray) -> Money:
        return Money(self.cents[index], _take_valid(self.valid, index))


@dataclass(frozen=True)
class Integer:
    values: np.ndarray
    valid: np.ndarray | None = None

    def take(self, index: np.ndarray) -> Integer:
        return Integer(self.values[index], _take_valid(self.valid, index))


Column = Ident | Category | Text | Timestamp | Date | Bool | Money | Integer


@dataclass
class Frame:
    """Rows of one entity in output order, with the drop (0 = history) of every row."""

    columns: dict[str, Column]
    drop: np.ndarray
    _order: np.ndarray | None = field(default=None, repr=False)
    _bounds: np.ndarray | None = field(default=None, repr=False)

    def __len__(self) -> int:
        return len(self.drop)

    def take(self, index: np.ndarray) -> Frame:
        return Frame(
            {name: column.take(index) for name, column in self.columns.items()}, self.drop[index]
        )

    def rows_of_drop(self, drop: int) -> np.ndarray:
        """Row positions in `drop`, in frame order."""
        if self._bounds is None:
            if len(self.drop) and (np.diff(self.drop) < 0).any():
                self._order = np.argsort(self.drop, kind="stable")
            drops = self.drop if self._order is None else self.drop[self._order]
            self._bounds = np.searchsorted(drops, np.arange(int(self.drop.max(initial=0)) + 2))
        if drop + 1 >= len(self._bounds):
            return np.empty(0, dtype=np.int64)
        first, last = self._bounds[drop], self._bounds[drop + 1]
        return np.arange(first, last) if self._order is None else self._order[first:last]

    def chunks(self, rows: np.ndarray, size: int) -> Iterator[dict[str, Column]]:
        for first in range(0, len(rows), size):
            index = rows[first : first + size]
            yield {name: column.take(index) for name, column in self.columns.items()}


def sort_frame(frame: Frame, *keys: np.ndarray) -> Frame:
    """Rows ordered by `keys` (the first key is the primary one)."""
    return frame.take(np.lexsort(tuple(reversed(keys))))
