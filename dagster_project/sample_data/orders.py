"""Orders: when each customer buys, how much, in which currency, and how statuses change.

Each buyer has a first "life" (first order, then repeat orders at their own rate until their
lifetime ends) and possibly a second one after a gap of more than a year (a reactivation).
An order is written once when placed and again when its status changes (pending -> completed
or cancelled, completed -> refunded): each version is a row with a later `updated_at`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dagster_project.sample_data import catalog as cat
from dagster_project.sample_data.columns import Category, Frame, Ident, Money, Timestamp
from dagster_project.sample_data.people import People
from dagster_project.sample_data.timeline import DAY, DaySampler, Timeline, stream, with_time_of_day

ORDERS_PER_CUSTOMER = 10.0  # over the whole timeline, all statuses
CURRENCIES = (cat.REPORTING_CURRENCY, *cat.FOREIGN_CURRENCIES)
STATUSES = ("completed", "pending", "cancelled", "refunded")
# status paths: (first status, later status or -1)
COMPLETED, PENDING_COMPLETED, PENDING_CANCELLED, CANCELLED, REFUNDED = range(5)
PATHS = ((0, -1), (1, 0), (1, 2), (2, -1), (0, 3))
CHANGE_DELAY_DAYS = ((0, 0), (0.1, 7.0), (0.5, 5.0), (0, 0), (3.0, 45.0))
COUPONS = ("WELCOME10", "FREESHIP", "VIP15", "BFCM25")
CUSTOMER_CHUNK = 200_000  # buyers simulated at a time (bounds memory)


@dataclass
class Orders:
    """One entry per order, in time order (order number = position + 1); compact dtypes."""

    person: np.ndarray  # int32
    ordered_at: np.ndarray  # int32 seconds
    cents: np.ndarray  # int32, net amount in the order currency
    currency: np.ndarray  # int8 code into CURRENCIES
    channel: np.ndarray  # int8
    path: np.ndarray  # int8 status path (index into PATHS)
    changed_at: np.ndarray  # int32 seconds of the second version; -1 when none in the timeline

    def __len__(self) -> int:
        return len(self.person)

    @property
    def number(self) -> np.ndarray:
        return np.arange(1, len(self) + 1, dtype=np.int64)


@dataclass
class Lives:
    """Per buyer: first life (start day, span, orders), optional second life after a lapse."""

    buyers: np.ndarray
    start: np.ndarray
    span1: np.ndarray
    n1: np.ndarray
    second: np.ndarray
    span2: np.ndarray
    n2: np.ndarray

    def part(self, rows: slice) -> Lives:
        return Lives(*(getattr(self, f)[rows] for f in self.__dataclass_fields__))


def _lives(rng: np.random.Generator, people: People, timeline: Timeline) -> Lives:
    """Per buyer: first-life span and order count, optional second life (reactivation)."""
    buyers = np.flatnonzero(people.is_buyer)
    start = people.first_order[buyers] / DAY
    span1 = np.minimum(people.lifetime[buyers], timeline.n_days - start)
    repeat = ~people.one_time[buyers]
    rate = people.rate[buyers]
    # a cohort acquired early that lapses for more than a year, then comes back
    early = np.flatnonzero((start < 120) & repeat)
    if timeline.n_days < 600:
        early = early[:0]
    group = rng.permutation(early)[: max(3, int(0.08 * len(early)))] if len(early) else early
    in_group = np.zeros(len(buyers), dtype=bool)
    in_group[group] = True
    span1[in_group] = rng.uniform(10, 60, len(group))
    gap = np.where(in_group, rng.uniform(370, 520, len(buyers)), rng.uniform(368, 600, len(buyers)))
    second = start + span1 + gap
    comes_back = (in_group | (rng.random(len(buyers)) < 0.12)) & (second < timeline.n_days - 1)
    comes_back &= in_group | (people.lifetime[buyers] < timeline.n_days - start)  # they left
    span2 = np.where(
        comes_back, np.minimum(rng.exponential(200, len(buyers)), timeline.n_days - second), 0.0
    )
    # scale repeat frequency so the whole timeline has ORDERS_PER_CUSTOMER orders per person
    free1 = repeat & ~in_group
    fixed = len(buyers) + comes_back.sum() + 2.0 * in_group.sum()
    exposure = (rate * span1)[free1].sum() + (rate * span2)[comes_back & ~in_group].sum()
    scale = max((ORDERS_PER_CUSTOMER * people.n - fixed) / max(exposure, 1e-9), 1e-4)
    n1 = np.where(free1, 1 + rng.poisson(scale * rate * span1), 1)
    n1 = np.where(in_group, 1 + rng.integers(0, 3, len(buyers)), n1)
    n2 = np.where(comes_back, 1 + rng.poisson(scale * rate * span2), 0)
    n2 = np.where(in_group & comes_back, 1 + rng.integers(0, 4, len(buyers)), n2)
    return Lives(buyers, start, span1, n1, second, span2, n2)


def _order_times(rng, sampler, customers, first_seconds, lo, span, counts, end_seconds):
    """`counts[i]` order times of customer i: the first at `first_seconds[i]`, the rest later."""
    person = np.repeat(customers, counts)
    starts = np.repeat(np.cumsum(counts) - counts, counts)
    position = np.arange(counts.sum()) - starts
    lo_r, span_r = np.repeat(lo, counts), np.repeat(span, counts)
    first_r = np.repeat(first_seconds, counts)
    days = sampler.sample(lo_r, lo_r + span_r, rng.random(len(person)))
    seconds = np.maximum(with_time_of_day(days), first_r + 60)
    seconds = np.where(position == 0, first_r, seconds)
    return person, np.minimum(seconds, end_seconds - 1).astype(np.int32), position == 0


def generate_orders(
    people: People, timeline: Timeline, fx: dict[str, np.ndarray], seed: int
) -> Orders:
    lives = _lives(stream(seed, "orders"), people, timeline)
    sampler = DaySampler(timeline.seasonal_weights())
    parts = [
        _orders_of(
            stream(seed, f"orders/{first}"),
            people,
            lives.part(slice(first, first + CUSTOMER_CHUNK)),
            sampler,
            timeline,
            fx,
        )
        for first in range(0, len(lives.buyers), CUSTOMER_CHUNK)
    ]
    columns = (
        [np.concatenate([part[i] for part in parts]) for i in range(len(parts[0]))]
        if parts
        else [np.empty(0, dtype=np.int32) for _ in range(7)]
    )
    order = np.lexsort((columns[0], columns[1]))  # by time, then customer
    return Orders(*(column[order] for column in columns))


def _orders_of(
    rng: np.random.Generator,
    people: People,
    lives: Lives,
    sampler: DaySampler,
    timeline: Timeline,
    fx: dict[str, np.ndarray],
) -> tuple[np.ndarray, ...]:
    """The orders of some buyers: (person, ordered_at, cents, currency, channel, path, changed)."""
    p1, t1, f1 = _order_times(
        rng,
        sampler,
        lives.buyers,
        people.first_order[lives.buyers],
        lives.start,
        lives.span1,
        lives.n1,
        timeline.end_seconds,
    )
    back = lives.n2 > 0
    second_first = np.floor(with_time_of_day(lives.second[back]))
    p2, t2, f2 = _order_times(
        rng,
        sampler,
        lives.buyers[back],
        second_first,
        lives.second[back],
        lives.span2[back],
        lives.n2[back],
        timeline.end_seconds,
    )
    person, ordered_at, forced = (np.concatenate(x) for x in ((p1, p2), (t1, t2), (f1, f2)))
    n = len(person)

    months = timeline.calendar()[0][ordered_at // DAY]
    usd = (
        people.order_value[person]
        * rng.lognormal(-0.1, 0.45, n)
        * np.where(months >= 11, 1.12, 1.0)
    )
    usd = np.where(rng.random(n) < 0.002, 0.0, usd)  # fully discounted orders
    currency = np.asarray([CURRENCIES.index(c) for c in cat.COUNTRY_CURRENCY], dtype=np.int8)[
        people.country[person]
    ]
    rate = np.ones(n)
    for code, name in enumerate(CURRENCIES[1:], start=1):
        rows = currency == code
        rate[rows] = fx[name][ordered_at[rows] // DAY]
    cents = np.round(usd / rate * 100).astype(np.int32)

    channel = np.zeros(n, dtype=np.int8)
    age = people.age_group[person]
    for group, probs in enumerate(cat.AGE_ORDER_CHANNEL):
        rows = np.flatnonzero(age == group)
        channel[rows] = rng.choice(len(probs), len(rows), p=np.asarray(probs) / sum(probs))

    refund = np.minimum(
        0.045
        * np.asarray(cat.CATEGORY_REFUND)[people.category[person]]
        * np.exp(-0.4 * people.satisfaction[person]),
        0.2,
    )
    u = rng.random(n)
    path = np.select(
        [u < refund, u < refund + 0.025, u < refund + 0.05, u < refund + 0.14],
        [REFUNDED, CANCELLED, PENDING_CANCELLED, PENDING_COMPLETED],
        COMPLETED,
    )
    # a first purchase (also after a lapse) is a completed one, perhaps pending at first
    path = np.where(forced, np.where(u < 0.9, COMPLETED, PENDING_COMPLETED), path).astype(np.int8)
    low, high = np.asarray(CHANGE_DELAY_DAYS).T
    delay = (low[path] + rng.random(n) * (high - low)[path]) * DAY
    changed_at = np.where(np.asarray(PATHS)[path, 1] >= 0, ordered_at + delay, -1)
    changed_at = np.where(changed_at >= timeline.end_seconds, -1, changed_at).astype(np.int32)
    return person.astype(np.int32), ordered_at, cents, currency, channel, path, changed_at


def order_versions(orders: Orders, people: People, timeline: Timeline, seed: int) -> Frame:
    """Every version of every order, ordered by updated_at: the `orders/orders` rows."""
    rng = stream(seed, "order-versions")
    n = len(orders)
    changed = np.flatnonzero(orders.changed_at >= 0).astype(np.int32)
    index = np.concatenate([np.arange(n, dtype=np.int32), changed])
    later = np.concatenate([np.zeros(n, dtype=bool), np.ones(len(changed), dtype=bool)])
    updated = np.concatenate([orders.ordered_at, orders.changed_at[changed]])
    order = np.lexsort((later, index, updated))
    index, later, updated = index[order], later[order], updated[order]
    del order
    paths = np.asarray(PATHS, dtype=np.int8)[orders.path[index]]
    status = np.where(later, paths[:, 1], paths[:, 0])
    del paths
    single = ~later & (orders.changed_at[index] < 0)
    updated_valid = ~(single & (rng.random(len(index)) < 0.2))  # default: ordered_at
    currency = orders.currency[index]
    currency = np.where((currency == 0) & (rng.random(len(index)) < 0.15), -1, currency)
    coupon = np.where(
        rng.random(len(index)) < 0.1, rng.integers(0, len(COUPONS), len(index)), -1
    ).astype(np.int8)
    return Frame(
        {
            "order_id": Ident("O", index + 1, 9),
            "customer_id": Ident("C", people.id_number.astype(np.int32)[orders.person[index]], 8),
            "ordered_at": Timestamp(orders.ordered_at[index]),
            "updated_at": Timestamp(updated, updated_valid),
            "status": Category(status, STATUSES),
            "currency": Category(currency.astype(np.int8), CURRENCIES),
            "net_amount": Money(orders.cents[index]),
            "channel": Category(orders.channel[index], cat.ORDER_CHANNELS),
            "coupon_code": Category(coupon, COUPONS),  # schema drift: only in later files
        },
        timeline.drop_of(updated),
    )
