"""CRM leads: prospects from campaigns, contacted, then converted or lost.

Some buyers came through a lead (a channel-dependent share): their lead is created before they
sign up and converts at their first order, with their `customer_id`. Other leads never convert;
conversion rates differ by channel. A lead is a new version each time its status changes.
"""

from __future__ import annotations

import numpy as np

from dagster_project.sample_data import catalog as cat
from dagster_project.sample_data.columns import Category, Frame, Ident, Timestamp, sort_frame
from dagster_project.sample_data.people import REGION_COUNTRY, People, random_geography
from dagster_project.sample_data.spend import GEO_OF_COUNTRY, campaign_code, campaign_vocabulary
from dagster_project.sample_data.timeline import (
    DAY,
    DaySampler,
    Timeline,
    stream,
    with_time_of_day,
)

STATUSES = ("new", "contacted", "qualified", "converted", "disqualified")
NEW, CONTACTED, QUALIFIED, CONVERTED, DISQUALIFIED = range(5)
LOST_OUTCOME_SHARE = (0.15, 0.30, 0.20, 0.0, 0.35)  # final status of leads that do not convert


def _converted(rng: np.random.Generator, people: People):
    share = np.asarray(cat.CHANNEL_LEAD_SHARE)[people.channel]
    person = np.flatnonzero(people.is_buyer & (rng.random(people.n) < share))
    signup = people.signup[person]
    created = signup - rng.uniform(0.5, 25, len(person)) * DAY
    created = np.where(created < 0, signup * rng.uniform(0.05, 0.9, len(person)), created)
    converted = people.first_order[person].astype(float)
    contacted = created + (converted - created) * rng.uniform(0.1, 0.6, len(person))
    return person, created, contacted, converted


def _lost(rng: np.random.Generator, timeline: Timeline, converted_channel: np.ndarray):
    """Leads that never convert: enough per channel to give its conversion rate."""
    converted = np.bincount(converted_channel, minlength=len(cat.CHANNELS))
    rate = np.asarray(cat.CHANNEL_LEAD_CONVERSION)
    count = np.round(converted * (1 - rate) / rate).astype(np.int64)
    channel = np.repeat(np.arange(len(cat.CHANNELS)), count)
    country, region, _ = random_geography(rng, len(channel))
    days = np.zeros(len(channel))
    for c in range(len(cat.CHANNELS)):
        rows = np.flatnonzero(channel == c)
        launch = np.asarray(cat.COUNTRY_LAUNCH_DAY)[country[rows]].astype(float)
        days[rows] = DaySampler(timeline.acquisition_weights(c)).sample(
            np.minimum(launch, timeline.n_days - 1),
            np.full(len(rows), timeline.n_days),
            rng.random(len(rows)),
        )
    created = with_time_of_day(days)
    status = rng.choice(len(STATUSES), len(channel), p=LOST_OUTCOME_SHARE)
    contacted = np.where(status == NEW, np.inf, created + rng.uniform(0.1, 6, len(channel)) * DAY)
    final = np.where(
        np.isin(status, (QUALIFIED, DISQUALIFIED)),
        contacted + rng.uniform(1, 30, len(channel)) * DAY,
        np.inf,
    )
    return channel, region, created, contacted, final, status


def lead_versions(people: People, timeline: Timeline, seed: int) -> Frame:
    rng = stream(seed, "leads")
    person, c_created, c_contacted, c_converted = _converted(rng, people)
    l_channel, l_region, l_created, l_contacted, l_final, l_status = _lost(
        rng, timeline, people.channel[person]
    )
    channel = np.concatenate([people.channel[person], l_channel])
    region = np.concatenate([people.region[person], l_region])
    created = np.floor(np.concatenate([c_created, l_created]))
    contacted = np.floor(np.concatenate([c_contacted, l_contacted]))
    final = np.floor(np.concatenate([c_converted, l_final]))
    outcome = np.concatenate([np.full(len(person), CONVERTED), l_status])
    customer = np.concatenate([people.id_number[person], np.full(len(l_status), -1)])
    order = np.lexsort((np.arange(len(created)), created))
    lead_number = np.empty(len(order), dtype=np.int64)
    lead_number[order] = np.arange(1, len(order) + 1)

    # versions: 0 = created (new), 1 = contacted, 2 = final outcome
    end = timeline.end_seconds
    stage_time = np.stack([created, contacted, final])
    exists = stage_time < end
    exists[1] &= outcome != NEW
    exists[2] &= np.isin(outcome, (QUALIFIED, CONVERTED, DISQUALIFIED))
    stage, lead = np.nonzero(exists)
    when = stage_time[stage, lead].astype(np.int64)
    status = np.select([stage == 0, stage == 1], [NEW, CONTACTED], outcome[lead])
    contacted_at = np.where(stage >= 1, contacted[lead], 0).astype(np.int64)
    converted_at = np.where((stage == 2) & (outcome[lead] == CONVERTED), final[lead], 0)
    is_converted = (stage == 2) & (outcome[lead] == CONVERTED)
    geo = GEO_OF_COUNTRY[REGION_COUNTRY[region[lead]]]
    # updated_at may be left out where its default (the latest other timestamp) is right
    updated_known = (rng.random(len(lead)) >= 0.15) | ((stage == 2) & ~is_converted)
    frame = Frame(
        {
            "lead_id": Ident("L", lead_number[lead], 8),
            "created_at": Timestamp(created[lead].astype(np.int64)),
            "updated_at": Timestamp(when, updated_known),
            "channel": Category(channel[lead], cat.CHANNELS),
            "campaign_id": Category(
                campaign_code(timeline, channel[lead], geo, created[lead].astype(np.int64) // DAY),
                campaign_vocabulary(timeline),
            ),
            "country": Category(REGION_COUNTRY[region[lead]], cat.COUNTRIES),
            "region": Category(region[lead], tuple(r.name for r in cat.REGIONS)),
            "status": Category(status, STATUSES),
            "contacted_at": Timestamp(contacted_at, stage >= 1),
            "converted_at": Timestamp(converted_at.astype(np.int64), is_converted),
            "customer_id": Ident("C", np.where(is_converted, customer[lead], -1), 8),
        },
        timeline.drop_of(when),
    )
    return sort_frame(frame, when, lead_number[lead], stage)
