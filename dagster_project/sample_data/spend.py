"""Marketing spend per day, channel and campaign, and the campaign ids leads carry.

Paid channels spend in proportion to the customers they bring (a channel's cost per
acquisition, `catalog.CHANNEL_CAC`), with noise; the partner channel pays a flat retainer even
in the weeks its partners bring nobody; organic costs nothing, referral little. European and UK
campaigns are paid in EUR and GBP. Some Monday drops restate an earlier day's search spend
(the same key with a corrected amount).
"""

from __future__ import annotations

import numpy as np

from dagster_project.sample_data import catalog as cat
from dagster_project.sample_data.columns import Category, Date, Frame, Money, sort_frame
from dagster_project.sample_data.orders import CURRENCIES
from dagster_project.sample_data.people import People
from dagster_project.sample_data.timeline import DAY, Timeline, stream

GEOS = ("", "EU-", "UK-")  # campaign id infix
GEO_OF_COUNTRY = np.array([{"US": 0, "CA": 0, "GB": 2}.get(c, 1) for c in cat.COUNTRIES])
GEO_CURRENCY = (0, 1, 2)  # index into CURRENCIES
CHANNEL_GEOS = {"paid_search": (0, 1, 2), "social": (0, 1, 2), "email": (0, 1)}
RESTATEMENT_FACTOR = 1.04


def month_index(timeline: Timeline) -> np.ndarray:
    """Month number (0 = the start's month) of every activity day."""
    days = (np.arange(timeline.n_days) + timeline.epoch_day).astype("datetime64[D]")
    months = days.astype("datetime64[M]").astype(np.int64)
    return months - months[0]


def campaign_vocabulary(timeline: Timeline) -> tuple[str, ...]:
    """Every campaign id: <channel code>-<geo><yyyymm>, e.g. PS-EU-202403."""
    first = np.datetime64(timeline.start, "M").astype(np.int64)
    labels = [
        str(np.datetime64(int(first + m), "M")).replace("-", "")
        for m in range(int(month_index(timeline)[-1]) + 1)
    ]
    return tuple(
        f"{code}-{geo}{label}" for code in cat.CHANNEL_CODES for geo in GEOS for label in labels
    )


def campaign_code(
    timeline: Timeline, channel: np.ndarray, geo: np.ndarray, day: np.ndarray
) -> np.ndarray:
    """Code into `campaign_vocabulary`; organic has no campaign (-1)."""
    months = month_index(timeline)
    n_months = int(months[-1]) + 1
    code = (channel * len(GEOS) + geo) * n_months + months[np.clip(day, 0, timeline.n_days - 1)]
    return np.where(channel == cat.CHANNELS.index("organic"), -1, code)


def _daily_acquisitions(people: People, timeline: Timeline) -> np.ndarray:
    """(channel, geo, day) counts of first orders."""
    buyers = people.is_buyer
    key = (
        people.channel[buyers] * len(GEOS) + GEO_OF_COUNTRY[people.country[buyers]]
    ) * timeline.n_days + people.first_order[buyers] // DAY
    counts = np.bincount(key, minlength=len(cat.CHANNELS) * len(GEOS) * timeline.n_days)
    return counts.reshape(len(cat.CHANNELS), len(GEOS), timeline.n_days).astype(float)


def spend_rows(people: People, timeline: Timeline, fx: dict[str, np.ndarray], seed: int) -> Frame:
    rng = stream(seed, "spend")
    acquired = _daily_acquisitions(people, timeline)
    window = np.ones(7) / 7
    channel, geo, day, usd = [], [], [], []
    for c, name in enumerate(cat.CHANNELS):
        for g in CHANNEL_GEOS.get(name, (0,)):
            if name == "partner":  # flat retainer, whatever the partners bring
                cost = np.full(
                    timeline.n_days, cat.CHANNEL_CAC[c] * acquired[c].sum() / timeline.n_days
                )
            else:
                smoothed = np.convolve(acquired[c, g], window)[3 : 3 + timeline.n_days]  # centred
                cost = cat.CHANNEL_CAC[c] * smoothed
            cost = cost * rng.lognormal(0, 0.15, timeline.n_days)
            keep = (cost > 0) | (name == "organic")
            days = np.flatnonzero(keep)
            channel.append(np.full(len(days), c))
            geo.append(np.full(len(days), g))
            day.append(days)
            usd.append(cost[keep])
    channel, geo, day, usd = (np.concatenate(x) for x in (channel, geo, day, usd))
    rate = np.ones(len(day))
    for g in (1, 2):
        rows = geo == g
        rate[rows] = fx[CURRENCIES[GEO_CURRENCY[g]]][day[rows]]
    cents = np.round(usd / rate * 100).astype(np.int64)
    drop = timeline.drop_of(day * DAY)

    # Monday drops restate the US search spend of three days before
    search = np.flatnonzero((channel == cat.CHANNELS.index("paid_search")) & (geo == 0))
    restated = []
    for k, drop_date in enumerate(timeline.drop_dates[1:], start=1):
        target = timeline.cutoff_day + k - 3
        match = search[day[search] == target]
        if drop_date.weekday() == 0 and len(match):
            restated.append((match[0], k))
    extra = np.array([r for r, _ in restated], dtype=np.int64)
    index = np.concatenate([np.arange(len(day)), extra])
    cents = np.concatenate([cents, np.round(cents[extra] * RESTATEMENT_FACTOR).astype(np.int64)])
    drop = np.concatenate([drop, np.array([k for _, k in restated], dtype=np.int64)])
    currency = np.asarray(GEO_CURRENCY)[geo[index]]
    currency = np.where((currency == 0) & (rng.random(len(index)) < 0.2), -1, currency)
    frame = Frame(
        {
            "spend_date": Date(timeline.epoch_day + day[index]),
            "channel": Category(channel[index], cat.CHANNELS),
            "campaign_id": Category(
                campaign_code(timeline, channel[index], geo[index], day[index]),
                campaign_vocabulary(timeline),
            ),
            "amount": Money(cents),
            "currency": Category(currency, CURRENCIES),
        },
        drop,
    )
    return sort_frame(frame, drop, day[index], channel[index], geo[index])
