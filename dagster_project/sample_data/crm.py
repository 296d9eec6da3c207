"""CRM customer versions: the first row at sign-up, later rows when something changes.

- Segment moves: income changes (or is filled in), moves to another region or country, a new
  most important interest; each a new version with a later `updated_at`. Some are forced into
  the daily drops so that recent extracts move people between segments.
- Late-arriving customers: for some buyers the CRM row is created days after their first order
  (orders arrive in an earlier drop than the customer); a few buyers never reach the CRM.
- Erasure requests: a handful of customers get a final version with `is_deleted = true`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from dagster_project.sample_data import catalog as cat
from dagster_project.sample_data.columns import (
    Bool,
    Category,
    Date,
    Frame,
    Ident,
    Integer,
    Text,
    Timestamp,
    sort_frame,
)
from dagster_project.sample_data.people import CITIES, REGION_COUNTRY, People, random_city
from dagster_project.sample_data.timeline import DAY, Timeline, stream

INCOME, REGION, COUNTRY, INTEREST, OTHER = range(5)
UPDATE_KIND_SHARE = (0.35, 0.20, 0.05, 0.25, 0.15)
POSTAL_WIDTH = {"US": 2, "CA": 3, "GB": 3, "DE": 3, "FR": 3, "NL": 2}
STATE = ("income", "region", "city", "postal_number", "interests", "lifestyle", "opt_in")


@dataclass(frozen=True)
class CrmFacts:
    late_arriving: int  # buyers whose CRM row is created after their first order
    never_in_crm: int  # buyers with orders and no CRM row at all
    updates: int  # versions after the first one (segment moves and other changes)
    erasures: int


def _pick(
    rng: np.random.Generator, candidates: np.ndarray, share: float, minimum: int
) -> np.ndarray:
    """A sorted random share of `candidates`, at least `minimum` of them when there are."""
    count = min(len(candidates), max(minimum, int(round(share * len(candidates)))))
    return np.sort(rng.permutation(candidates)[:count])


def _update(
    rng: np.random.Generator, state: dict[str, np.ndarray], p: np.ndarray, kind: np.ndarray
) -> None:
    """Apply one change of `kind` to each person `p` (distinct) in `state`, in place."""
    rows = p[kind == INCOME]
    old = state["income"][rows]
    fresh = np.round(62_000 * rng.lognormal(0, 0.6, len(rows)), -2)
    state["income"][rows] = np.where(
        np.isnan(old), fresh, np.round(old * rng.lognormal(0.1, 0.35, len(rows)), -2)
    )
    for moving_kind in (REGION, COUNTRY):
        rows = p[kind == moving_kind]
        country = REGION_COUNTRY[state["region"][rows]]
        if moving_kind == COUNTRY:
            shift = rng.integers(1, len(cat.COUNTRIES), len(rows))
            country = (country + shift) % len(cat.COUNTRIES)
        choice = rng.random(len(rows))
        new_region = np.zeros(len(rows), dtype=np.int64)
        for c in range(len(cat.COUNTRIES)):
            options = np.flatnonzero(c == REGION_COUNTRY)
            at = country == c
            new_region[at] = options[(choice[at] * len(options)).astype(np.int64)]
        state["region"][rows] = new_region
        state["city"][rows] = random_city(rng, new_region)
        state["postal_number"][rows] = rng.integers(0, 1000, len(rows))
    rows = p[kind == INTEREST]
    old = state["interests"][rows]
    new = (np.maximum(old[:, 0], 0) + rng.integers(1, len(cat.INTERESTS), len(rows))) % len(
        cat.INTERESTS
    )
    merged = np.concatenate([new[:, None], np.where(old == new[:, None], -1, old)], axis=1)
    compact = np.take_along_axis(merged, np.argsort(merged < 0, axis=1, kind="stable"), axis=1)
    state["interests"][rows] = compact[:, :4]
    rows = p[kind == OTHER]
    state["opt_in"][rows] = ~state["opt_in"][rows]
    state["lifestyle"][rows] = rng.integers(0, len(cat.LIFESTYLES), len(rows))


def _interest_text(codes: np.ndarray) -> pa.Array:
    present = codes >= 0
    counts = present.sum(axis=1)
    offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int32)
    values = pa.array(cat.INTERESTS).take(pa.array(codes[present].astype(np.int64)))
    joined = pc.binary_join(pa.ListArray.from_arrays(pa.array(offsets), values), "|")
    return pc.if_else(pa.array(counts > 0), joined, pa.scalar(None, pa.string()))


def customer_versions(people: People, timeline: Timeline, seed: int) -> tuple[Frame, CrmFacts]:
    rng = stream(seed, "crm")
    n = people.n
    buyers = np.flatnonzero(people.is_buyer)
    never = _pick(rng, buyers, 0.005, 2)
    recent = buyers[people.first_order[buyers] >= (timeline.cutoff_day - 5) * DAY]
    late = np.union1d(_pick(rng, buyers, 0.03, 0), _pick(rng, recent, 0.3, 3))
    late = np.setdiff1d(late, never)
    created = people.signup.copy()
    created[late] = people.first_order[late] + rng.uniform(1, 20, len(late)) * DAY
    exists = (created < timeline.end_seconds) & ~np.isin(np.arange(n), never)

    # change events: (person, time, kind)
    eligible = np.flatnonzero(exists & (created + DAY < timeline.end_seconds))
    count = rng.choice(3, len(eligible), p=(0.85, 0.12, 0.03))
    person = np.repeat(eligible, count)
    lo = created[person] + DAY
    time = lo + rng.random(len(person)) * (timeline.end_seconds - lo)
    daily_start = (timeline.cutoff_day + 1) * DAY
    if timeline.daily_drops:
        forced = _pick(rng, eligible[created[eligible] < daily_start], 0.02, 5)
        person = np.concatenate([person, forced])
        time = np.concatenate([time, rng.uniform(daily_start, timeline.end_seconds, len(forced))])
    kind = rng.choice(len(UPDATE_KIND_SHARE), len(person), p=UPDATE_KIND_SHARE)
    order = np.lexsort((time, person))
    person, time, kind = person[order], np.floor(time[order]).astype(np.int64), kind[order]
    rank = np.arange(len(person)) - np.searchsorted(person, person)

    state = {
        "income": people.income.copy(),
        "region": people.region.copy(),
        "city": people.city.copy(),
        "postal_number": people.postal_number.copy(),
        "interests": people.interests.copy(),
        "lifestyle": people.lifestyle.copy(),
        "opt_in": people.opt_in.copy(),
    }
    first = np.flatnonzero(exists)
    versions = [(first, created[first], {k: state[k][first] for k in STATE})]
    for r in range(int(rank.max(initial=-1)) + 1):
        at = rank == r
        _update(rng, state, person[at], kind[at])
        versions.append((person[at], time[at], {k: state[k][person[at]] for k in STATE}))
    # erasure requests: a final version flagged is_deleted, half of them in the daily drops
    quiet = np.setdiff1d(np.intersect1d(first, buyers), person)
    erased = _pick(rng, quiet[created[quiet] + DAY < daily_start], 0.001, 2)
    in_daily = (np.arange(len(erased)) % 2 == 0) & (timeline.daily_drops > 0)
    lo = np.where(in_daily, daily_start, created[erased] + DAY)
    hi = np.where(in_daily, timeline.end_seconds, daily_start)
    erased_at = np.floor(lo + rng.random(len(erased)) * (hi - lo)).astype(np.int64)
    versions.append((erased, erased_at, {k: state[k][erased] for k in STATE}))

    who = np.concatenate([v[0] for v in versions])
    when = np.concatenate([v[1] for v in versions]).astype(np.int64)
    attrs = {k: np.concatenate([v[2][k] for v in versions]) for k in STATE}
    deleted = np.zeros(len(who), dtype=bool)
    deleted[len(who) - len(erased) :] = True
    frame = _frame(rng, people, who, when, attrs, deleted, timeline)
    facts = CrmFacts(
        late_arriving=len(late),
        never_in_crm=len(never),
        updates=len(who) - len(first) - len(erased),
        erasures=len(erased),
    )
    return sort_frame(frame, when, who, deleted), facts


def _frame(
    rng: np.random.Generator,
    people: People,
    who: np.ndarray,
    when: np.ndarray,
    attrs: dict[str, np.ndarray],
    deleted: np.ndarray,
    timeline: Timeline,
) -> Frame:
    m = len(who)
    region, city = attrs["region"], attrs["city"]
    country = REGION_COUNTRY[region]
    width = np.asarray([POSTAL_WIDTH[c] for c in cat.COUNTRIES])[country]
    number = attrs["postal_number"]
    suffix = pc.if_else(
        pa.array(width == 2),
        pc.utf8_lpad(pc.cast(pa.array(number % 100), pa.string()), 2, "0"),
        pc.utf8_lpad(pc.cast(pa.array(number % 1000), pa.string()), 3, "0"),
    )
    postal = pc.binary_join_element_wise(
        pa.array([c[2] for c in CITIES]).take(pa.array(city)), suffix, ""
    )
    lower_country = rng.random(m) < 0.02
    income = attrs["income"]
    no_birth = (people.id_number[who] % 53) == 0  # the same people never give a birth date
    household_known = (people.id_number[who] % 11) != 0
    return Frame(
        {
            "customer_id": Ident("C", people.id_number[who], 8),
            "updated_at": Timestamp(when),
            "email": Text(people.email.take(pa.array(who))),
            "first_name": Text(people.first_name.take(pa.array(who))),
            "last_name": Text(people.last_name.take(pa.array(who))),
            "birth_date": Date(people.birth_day[who], ~no_birth),
            "gender": Category(people.gender[who], tuple(v for v, _ in cat.GENDER_VARIANTS)),
            "annual_income": Integer(np.nan_to_num(income).astype(np.int64), ~np.isnan(income)),
            "education": Category(people.education[who], cat.EDUCATION),
            "occupation": Category(people.occupation[who], cat.OCCUPATIONS),
            "household_size": Integer(people.household[who], household_known),
            "country": Category(
                country + len(cat.COUNTRIES) * lower_country,
                cat.COUNTRIES + tuple(c.lower() for c in cat.COUNTRIES),
            ),
            "region": Category(region, tuple(r.name for r in cat.REGIONS)),
            "city": Category(city, tuple(c[1] for c in CITIES)),
            "postal_code": Text(postal),
            "timezone": Category(region, tuple(r.timezone for r in cat.REGIONS)),
            "interests": Text(_interest_text(attrs["interests"])),
            "lifestyle": Category(attrs["lifestyle"], cat.LIFESTYLES),
            "acquisition_channel": Category(people.channel[who], cat.CHANNELS),
            "signed_up_at": Timestamp(people.signup[who]),
            "marketing_opt_in": Bool(attrs["opt_in"]),
            "is_deleted": Bool(deleted, deleted | (rng.random(m) < 0.3)),
        },
        timeline.drop_of(when),
    )
