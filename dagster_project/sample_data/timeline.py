"""The simulated calendar: activity days, drop dates, seasonality and random streams.

Internal time is seconds since `start` 00:00 UTC (float64 or int64); day d is
`[d * 86400, (d + 1) * 86400)`. A row created or changed on day d is extracted in the drop
dated d + 1; the first (history) drop holds every day up to its cut-off.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from dagster_project.sample_data import catalog

DAY = 86_400
MONTH_FACTOR = (0.85, 0.85, 0.95, 0.95, 1.0, 0.95, 0.9, 0.92, 1.0, 1.05, 1.35, 1.45)
WEEKDAY_FACTOR = (1.0, 0.97, 0.96, 0.98, 1.05, 1.12, 1.08)  # Monday first
HOUR_WEIGHT = (
    0.3,
    0.2,
    0.15,
    0.1,
    0.1,
    0.15,
    0.3,
    0.6,
    0.9,
    1.1,
    1.2,
    1.3,
    1.4,
    1.3,
    1.2,
    1.2,
    1.3,
    1.4,
    1.6,
    1.8,
    1.9,
    1.7,
    1.2,
    0.6,
)
_EPSILON = 1e-9  # keeps cumulative weights strictly increasing on "closed" days


def stream(seed: int, name: str) -> np.random.Generator:
    """An independent, reproducible random stream per (seed, purpose)."""
    sequence = np.random.SeedSequence([seed, zlib.crc32(name.encode())])
    return np.random.Generator(np.random.PCG64(sequence))


@dataclass(frozen=True)
class Timeline:
    start: date
    end: date
    daily_drops: int

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"end {self.end} is before start {self.start}")
        if not 0 <= self.daily_drops < self.n_days:
            raise ValueError(
                f"daily_drops must be in [0, {self.n_days - 1}], got {self.daily_drops}"
            )

    @property
    def n_days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def end_seconds(self) -> int:
        """The first second after the last activity day."""
        return self.n_days * DAY

    @property
    def cutoff_day(self) -> int:
        """The last activity day the history drop holds."""
        return self.n_days - 1 - self.daily_drops

    @property
    def drop_dates(self) -> list[date]:
        history = self.start + timedelta(days=self.cutoff_day + 1)
        return [history + timedelta(days=k) for k in range(self.daily_drops + 1)]

    @property
    def epoch_seconds(self) -> int:
        return self.epoch_day * DAY

    @property
    def epoch_day(self) -> int:
        return (self.start - date(1970, 1, 1)).days

    def day(self, offset: int) -> date:
        return self.start + timedelta(days=offset)

    def drop_of(self, seconds: np.ndarray) -> np.ndarray:
        """Drop index (0 = history) of rows created or changed at `seconds`."""
        days = np.floor_divide(np.asarray(seconds), DAY).astype(np.int32)
        return np.maximum(days - self.cutoff_day, 0)

    # --- day weights ---------------------------------------------------------------------
    def calendar(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(month 1-12, weekday 0=Monday, iso week number since epoch) per activity day."""
        days = np.arange(self.n_days) + self.epoch_day
        dt = days.astype("datetime64[D]")
        months = dt.astype("datetime64[M]").astype(np.int64) % 12 + 1
        weekdays = (days + 3) % 7  # 1970-01-01 was a Thursday
        weeks = (days + 3) // 7
        return months, weekdays, weeks

    def seasonal_weights(self) -> np.ndarray:
        """Shopping intensity per day: Q4 peak, Black Friday week, weekend lift."""
        months, weekdays, _ = self.calendar()
        weights = np.asarray(MONTH_FACTOR)[months - 1] * np.asarray(WEEKDAY_FACTOR)[weekdays]
        for offset in range(self.n_days):
            day = self.day(offset)
            if day.month == 11 and weekdays[offset] == 4 and 23 <= day.day <= 29:
                weights[offset : offset + 4] *= 1.6  # Black Friday to Cyber Monday
        return weights

    def acquisition_weights(self, channel: int) -> np.ndarray:
        """Acquisition intensity of a channel per day: growth trend times seasonality."""
        growth = np.linspace(1.0, catalog.CHANNEL_GROWTH[channel], self.n_days)
        weights = growth * self.seasonal_weights()
        _, _, weeks = self.calendar()
        name = catalog.CHANNELS[channel]
        if name == "email":  # newsletter at the start of each month
            first_days = np.array([self.day(d).day <= 3 for d in range(self.n_days)])
            weights = np.where(first_days, weights * 2.5, weights)
        if name == "partner":  # partner deals pause one week in four
            weights = np.where(weeks % 4 == 3, _EPSILON, weights)
        if name == "paid_search":  # search budgets follow the Q4 peak harder
            months, _, _ = self.calendar()
            weights = np.where(months >= 11, weights * 1.3, weights)
        return weights


class DaySampler:
    """Draws times in [lo, hi) days distributed like `weights` (inverse CDF)."""

    def __init__(self, weights: np.ndarray) -> None:
        self.edges = np.arange(len(weights) + 1, dtype=np.float64)
        self.cumulative = np.concatenate([[0.0], np.cumsum(np.asarray(weights) + _EPSILON)])

    def sample(self, lo: np.ndarray, hi: np.ndarray, u: np.ndarray) -> np.ndarray:
        c_lo = np.interp(lo, self.edges, self.cumulative)
        c_hi = np.interp(hi, self.edges, self.cumulative)
        return np.interp(c_lo + u * (c_hi - c_lo), self.cumulative, self.edges)


def with_time_of_day(days: np.ndarray) -> np.ndarray:
    """Days (float) -> seconds, moving the time of day onto the diurnal shopping curve."""
    whole = np.floor(days)
    hours = np.concatenate([[0.0], np.cumsum(HOUR_WEIGHT)])
    fraction = np.interp((days - whole) * hours[-1], hours, np.arange(25.0)) / 24.0
    return np.floor((whole + fraction) * DAY)
