"""The simulated population: CRM attributes and the behaviour those attributes drive.

Behaviour (when someone is acquired, how often and how much they buy, how long they stay, how
satisfied they are) is a product of segment multipliers from `catalog`, so segments differ.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from dagster_project.sample_data import catalog as cat
from dagster_project.sample_data.timeline import DAY, DaySampler, Timeline, stream, with_time_of_day

MEDIAN_INCOME = 62_000.0
BASE_ORDER_VALUE = 68.0  # USD
NON_BUYER_SHARE = (0.07, 0.14, 0.04, 0.08, 0.06, 0.06)  # per channel: sign up, never buy


@dataclass
class People:
    n: int
    id_number: np.ndarray  # customer_id = C + 8 digits, numbered in sign-up order
    age_group: np.ndarray
    birth_day: np.ndarray  # days since 1970-01-01
    gender: np.ndarray  # code into catalog.GENDER_VARIANTS (-1: blank)
    channel: np.ndarray
    country: np.ndarray
    region: np.ndarray
    city: np.ndarray  # index into CITIES
    postal_number: np.ndarray
    income: np.ndarray  # NaN when unknown
    interests: np.ndarray  # (n, 4) codes into catalog.INTERESTS, most important first, -1 pad
    lifestyle: np.ndarray
    education: np.ndarray
    occupation: np.ndarray
    household: np.ndarray
    first_name: pa.Array
    last_name: pa.Array
    email: pa.Array
    opt_in: np.ndarray
    # behaviour
    is_buyer: np.ndarray
    first_order: np.ndarray  # seconds; for non-buyers the time they would have bought
    signup: np.ndarray  # seconds
    lifetime: np.ndarray  # days from the first order until they stop buying
    rate: np.ndarray  # relative repeat-order frequency
    order_value: np.ndarray  # typical order, USD
    satisfaction: np.ndarray
    one_time: np.ndarray
    category: np.ndarray  # preferred product category


CITIES = tuple(
    (r, city, prefix) for r, region in enumerate(cat.REGIONS) for city, prefix in region.cities
)
REGION_COUNTRY = np.array([cat.COUNTRIES.index(r.country) for r in cat.REGIONS])


def categorical(rng: np.random.Generator, probs: np.ndarray) -> np.ndarray:
    """One draw per row of a (rows, k) probability matrix."""
    cumulative = np.cumsum(probs / probs.sum(axis=1, keepdims=True), axis=1)
    return np.minimum((rng.random((len(probs), 1)) > cumulative).sum(axis=1), probs.shape[1] - 1)


def _choice(rng: np.random.Generator, weights, size: int) -> np.ndarray:
    p = np.asarray(weights, dtype=float)
    return rng.choice(len(p), size=size, p=p / p.sum())


def random_geography(rng: np.random.Generator, n: int):
    country = _choice(rng, cat.COUNTRY_SHARE, n)
    region = np.zeros(n, dtype=np.int64)
    for c in range(len(cat.COUNTRIES)):
        rows = np.flatnonzero(country == c)
        options = np.flatnonzero(c == REGION_COUNTRY)
        region[rows] = options[_choice(rng, [cat.REGIONS[r].share for r in options], len(rows))]
    city = random_city(rng, region)
    return country, region, city


def random_city(rng: np.random.Generator, region: np.ndarray) -> np.ndarray:
    city_region = np.array([c[0] for c in CITIES])
    first = np.searchsorted(city_region, region)
    count = np.searchsorted(city_region, region, side="right") - first
    return first + np.floor(rng.random(len(region)) * count).astype(np.int64)


def _interests(rng: np.random.Generator, age_group: np.ndarray) -> np.ndarray:
    weights = np.asarray(cat.INTEREST_SHARE) * np.asarray(cat.AGE_INTEREST)[age_group]
    scores = np.log(weights) + rng.gumbel(size=weights.shape)  # Gumbel top-k: weighted order
    ranked = np.argsort(-scores, axis=1)[:, :4]
    count = _choice(rng, (0.08, 0.30, 0.30, 0.20, 0.12), len(age_group))
    return np.where(np.arange(4) < count[:, None], ranked, -1).astype(np.int8)


def _names(rng: np.random.Generator, gender: np.ndarray, id_number: np.ndarray):
    n = len(gender)
    variants = [v for v, _ in cat.GENDER_VARIANTS]
    female = np.isin(gender, [variants.index(v) for v in cat.FEMALE_VARIANTS])
    male = np.isin(gender, [variants.index(v) for v in cat.MALE_VARIANTS])
    names = cat.FEMALE_FIRST_NAMES + cat.MALE_FIRST_NAMES
    n_female = len(cat.FEMALE_FIRST_NAMES)
    first = rng.integers(0, len(names), n)
    first = np.where(female, first % n_female, first)
    first = np.where(male, n_female + first % len(cat.MALE_FIRST_NAMES), first)
    last = rng.integers(0, len(cat.LAST_NAMES), n)
    domain = rng.integers(0, len(cat.EMAIL_DOMAINS), n)
    email = pc.binary_join_element_wise(
        pa.array([a for _, a in names]).take(pa.array(first)),
        ".",
        pa.array([a for _, a in cat.LAST_NAMES]).take(pa.array(last)),
        pc.cast(pa.array(id_number), pa.string()),
        "@",
        pa.array(cat.EMAIL_DOMAINS).take(pa.array(domain)),
        "",
    )
    return (
        pa.array([d for d, _ in names]).take(pa.array(first)),
        pa.array([d for d, _ in cat.LAST_NAMES]).take(pa.array(last)),
        email,
    )


def _acquisition(
    rng: np.random.Generator, timeline: Timeline, channel: np.ndarray, country: np.ndarray
) -> np.ndarray:
    """The (would-be) first order time in seconds, by channel trend and country launch."""
    days = np.zeros(len(channel))
    for c in range(len(cat.CHANNELS)):
        rows = np.flatnonzero(channel == c)
        sampler = DaySampler(timeline.acquisition_weights(c))
        launch = np.minimum(np.asarray(cat.COUNTRY_LAUNCH_DAY)[country[rows]], timeline.n_days - 1)
        days[rows] = sampler.sample(
            launch.astype(float), np.full(len(rows), timeline.n_days), rng.random(len(rows))
        )
    return np.clip(with_time_of_day(days), 7200, timeline.end_seconds - 1)


def generate_people(n: int, timeline: Timeline, seed: int) -> People:
    rng = stream(seed, "people")
    age_group = _choice(rng, cat.AGE_SHARE, n)
    low, high = np.asarray(cat.AGE_GROUPS).T
    age = low[age_group] + np.floor(rng.random(n) * (high - low + 1)[age_group])
    last_day = timeline.epoch_day + timeline.n_days - 1  # ages are as of the last day
    birth_day = (last_day - np.floor((age + rng.random(n)) * 365.25)).astype(np.int64)
    gender = _choice(rng, [w for _, w in cat.GENDER_VARIANTS], n)
    gender = np.where(np.asarray([v for v, _ in cat.GENDER_VARIANTS])[gender] == "", -1, gender)
    channel = categorical(
        rng, np.asarray(cat.CHANNEL_SHARE) * np.asarray(cat.AGE_CHANNEL)[age_group]
    )
    country, region, city = random_geography(rng, n)
    income = MEDIAN_INCOME * np.asarray(cat.AGE_INCOME)[age_group] * rng.lognormal(0, 0.6, n)
    income = np.where(rng.random(n) < 0.07, np.nan, np.round(income, -2))
    interests = _interests(rng, age_group)
    lifestyle = categorical(rng, np.asarray(cat.AGE_LIFESTYLE)[age_group])
    lifestyle = np.where(rng.random(n) < 0.06, -1, lifestyle)
    education = np.where(rng.random(n) < 0.05, -1, _choice(rng, cat.EDUCATION_SHARE, n))
    occupation = rng.integers(0, len(cat.OCCUPATIONS), n)
    occupation = np.where((age_group <= 1) & (rng.random(n) < 0.5), 5, occupation)
    occupation = np.where((age_group == 6) & (rng.random(n) < 0.7), 6, occupation)
    household = np.minimum(1 + rng.poisson(1.4, n), 7)

    satisfaction = (
        np.asarray(cat.CHANNEL_SATISFACTION)[channel]
        + np.asarray(cat.COUNTRY_SATISFACTION)[country]
        + np.asarray(cat.AGE_SATISFACTION)[age_group]
        + rng.normal(0, 0.7, n)
    )
    is_buyer = rng.random(n) >= np.asarray(NON_BUYER_SHARE)[channel]
    first_order = _acquisition(rng, timeline, channel, country)
    lag = np.where(rng.random(n) < 0.35, rng.uniform(120, 1800, n), rng.exponential(6 * DAY, n))
    signup = first_order - lag
    signup = np.floor(np.where(signup < 0, first_order * rng.uniform(0.1, 0.9, n), signup))
    first = np.where(interests[:, 0] >= 0, interests[:, 0], 0)
    has_interest = interests[:, 0] >= 0
    interest_rate = np.where(has_interest, np.asarray(cat.INTEREST_RATE)[first], 1.0)
    interest_aov = np.where(has_interest, np.asarray(cat.INTEREST_AOV)[first], 1.0)
    income_factor = np.where(np.isnan(income), 1.0, np.nan_to_num(income) / MEDIAN_INCOME)
    income_factor = np.maximum(income_factor, 0.05)
    lifetime = rng.exponential(
        np.asarray(cat.CHANNEL_LIFETIME)[channel]
        * np.asarray(cat.AGE_LIFETIME)[age_group]
        * np.exp(0.35 * satisfaction)
    )
    rate = (
        np.asarray(cat.CHANNEL_RATE)[channel]
        * np.asarray(cat.AGE_RATE)[age_group]
        * interest_rate
        * income_factor**0.1
        * rng.lognormal(0, 0.35, n)
    )
    order_value = (
        BASE_ORDER_VALUE
        * np.asarray(cat.CHANNEL_AOV)[channel]
        * np.asarray(cat.AGE_AOV)[age_group]
        * interest_aov
        * np.asarray(cat.COUNTRY_AOV)[country]
        * income_factor**0.3
        * rng.lognormal(0, 0.25, n)
    )
    one_time = rng.random(n) < np.asarray(cat.CHANNEL_ONE_TIME)[channel] + 0.05 * (age_group <= 1)
    category = _choice(rng, cat.CATEGORY_SHARE, n)
    follows_interest = has_interest & (rng.random(n) < 0.7)
    category = np.where(follows_interest, np.asarray(cat.INTEREST_CATEGORY)[first], category)

    id_number = np.empty(n, dtype=np.int64)
    id_number[np.lexsort((np.arange(n), signup))] = np.arange(1, n + 1)
    first_name, last_name, email = _names(rng, gender, id_number)
    opt_in = rng.random(n) < np.where(channel == cat.CHANNELS.index("email"), 0.9, 0.55)
    return People(
        n=n,
        id_number=id_number,
        age_group=age_group,
        birth_day=birth_day,
        gender=gender,
        channel=channel,
        country=country,
        region=region,
        city=city,
        postal_number=rng.integers(0, 1000, n),
        income=income,
        interests=interests,
        lifestyle=lifestyle,
        education=education,
        occupation=occupation,
        household=household,
        first_name=first_name,
        last_name=last_name,
        email=email,
        opt_in=opt_in,
        is_buyer=is_buyer,
        first_order=first_order.astype(np.int64),
        signup=signup.astype(np.int64),
        lifetime=lifetime,
        rate=rate,
        order_value=order_value,
        satisfaction=satisfaction,
        one_time=one_time,
        category=category,
    )
