"""Survey responses: CSAT (1-5) after some orders, NPS (0-10) from some customers.

Scores follow each customer's satisfaction (which depends on their segment), refunds hurt,
and a carrier problem in the EU in the third quarter of 2025 shows in the scores. Some
responses are anonymous, some come from people who never bought (CRM sign-ups without orders,
and prospects unknown to the CRM). About a third carry a free-text comment.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from dagster_project.sample_data import catalog as cat
from dagster_project.sample_data.columns import (
    Category,
    Frame,
    Ident,
    Integer,
    Text,
    Timestamp,
    sort_frame,
)
from dagster_project.sample_data.orders import PATHS, REFUNDED, Orders
from dagster_project.sample_data.people import People
from dagster_project.sample_data.timeline import DAY, Timeline, stream

SURVEY_TYPES = ("csat", "nps")
CSAT_ORDER_SHARE = 0.035
NPS_CUSTOMER_SHARE = 0.2
NON_BUYER_SHARE = 0.1
PROSPECT_SHARE = 0.01
ANONYMOUS_SHARE = 0.06
COMMENT_SHARE = 0.35
EU_ISSUE = (date(2025, 7, 1), date(2025, 9, 30))


def _eu_issue(
    timeline: Timeline, people: People, person: np.ndarray, seconds: np.ndarray
) -> np.ndarray:
    first, last = ((d - timeline.start).days for d in EU_ISSUE)
    day = seconds // DAY
    eu = np.isin(np.asarray(cat.COUNTRIES)[people.country[person]], cat.EU_COUNTRIES)
    return eu & (day >= first) & (day <= last)


def _comments(rng: np.random.Generator, kind: np.ndarray, score: np.ndarray) -> pa.Array:
    pools = (cat.COMMENTS_NEGATIVE, cat.COMMENTS_NEUTRAL, cat.COMMENTS_POSITIVE)
    good = np.where(kind == 0, score >= 4, score >= 9)
    bad = np.where(kind == 0, score <= 2, score <= 6)
    mood = np.where(good, 2, np.where(bad, 0, 1))
    starts = np.cumsum([0] + [len(p) for p in pools])[:-1]
    sizes = np.array([len(p) for p in pools])
    pick = starts[mood] + (rng.random(len(mood)) * sizes[mood]).astype(np.int64)
    texts = pa.array([c for pool in pools for c in pool])
    has_comment = rng.random(len(mood)) < COMMENT_SHARE
    return texts.take(pa.array(pick, mask=~has_comment))


def survey_responses(people: People, orders: Orders, timeline: Timeline, seed: int) -> Frame:
    rng = stream(seed, "surveys")
    # CSAT after an order that was completed at some point
    completed_once = np.asarray(PATHS)[orders.path, 0] == 0
    rated = np.flatnonzero(completed_once & (rng.random(len(orders)) < CSAT_ORDER_SHARE))
    refunded = (orders.path[rated] == REFUNDED) & (orders.changed_at[rated] >= 0)
    after = np.where(refunded, orders.changed_at[rated], orders.ordered_at[rated])
    csat_time = after + rng.uniform(1, 7, len(rated)) * DAY
    csat_person = orders.person[rated]
    csat_latent = (
        4.15
        + 0.9 * people.satisfaction[csat_person]
        + rng.normal(0, 0.8, len(rated))
        - 1.6 * refunded
        - 0.9 * _eu_issue(timeline, people, csat_person, csat_time.astype(np.int64))
    )
    # NPS from some buyers, and from some people who signed up but never bought
    buyers = np.flatnonzero(people.is_buyer & (rng.random(people.n) < NPS_CUSTOMER_SHARE))
    others = np.flatnonzero(~people.is_buyer & (rng.random(people.n) < NON_BUYER_SHARE))
    nps_person = np.concatenate([buyers, others])
    nps_time = np.concatenate(
        [
            people.first_order[buyers] + rng.uniform(14, 200, len(buyers)) * DAY,
            people.signup[others] + rng.uniform(1, 60, len(others)) * DAY,
        ]
    )
    nps_latent = (
        8.3
        + 1.5 * people.satisfaction[nps_person]
        + rng.normal(0, 1.5, len(nps_person))
        - 1.5 * ~people.is_buyer[nps_person]
        - 1.2 * _eu_issue(timeline, people, nps_person, nps_time.astype(np.int64))
    )

    kind = np.concatenate([np.zeros(len(rated), np.int64), np.ones(len(nps_person), np.int64)])
    person = np.concatenate([csat_person, nps_person])
    when = np.floor(np.concatenate([csat_time, nps_time])).astype(np.int64)
    score = np.concatenate(
        [np.clip(np.round(csat_latent), 1, 5), np.clip(np.round(nps_latent), 0, 10)]
    ).astype(np.int64)
    # prospects the CRM does not know
    prospects = max(1, int(round(PROSPECT_SHARE * len(person))))
    p_kind = rng.integers(0, 2, prospects)
    kind = np.concatenate([kind, p_kind])
    person = np.concatenate([person, -1 - np.arange(prospects)])
    when = np.concatenate([when, rng.integers(0, timeline.end_seconds, prospects)])
    score = np.concatenate(
        [
            score,
            np.where(p_kind == 0, rng.integers(1, 6, prospects), rng.integers(0, 11, prospects)),
        ]
    )

    keep = when < timeline.end_seconds
    kind, person, when, score = kind[keep], person[keep], when[keep], score[keep]
    order = np.lexsort((person, when))
    kind, person, when, score = kind[order], person[order], when[order], score[order]
    n = len(when)
    is_prospect = person < 0
    number = np.where(is_prospect, -person, people.id_number[np.maximum(person, 0)])
    customer = pc.binary_join_element_wise(
        pa.array(np.where(is_prospect, "P", "C")),
        pc.utf8_lpad(pc.cast(pa.array(number), pa.string()), width=8, padding="0"),
        "",
    )
    anonymous = rng.random(n) < ANONYMOUS_SHARE
    customer = pc.if_else(pa.array(anonymous), pa.scalar(None, pa.string()), customer)
    frame = Frame(
        {
            "response_id": Ident("R", np.arange(1, n + 1), 8),
            "submitted_at": Timestamp(when),
            "survey_type": Category(kind, SURVEY_TYPES),
            "score": Integer(score),
            "customer_id": Text(customer),
            "comment": Text(_comments(rng, kind, score)),
        },
        timeline.drop_of(when),
    )
    return sort_frame(frame, when)
