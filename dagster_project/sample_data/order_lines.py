"""Order lines: what each order contained (category, sku, quantity, unit price).

Lines are written with the order's first version. Most orders have one to four lines; a few
have none (the optional entity is not complete). A customer mostly buys in their preferred
category, so the `usage` segment follows their interests. Line amounts add up to the order's
net amount (up to rounding of unit prices).
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from dagster_project.sample_data import catalog as cat
from dagster_project.sample_data.columns import Column, Ident, Integer, Money, Text
from dagster_project.sample_data.orders import Orders
from dagster_project.sample_data.people import People
from dagster_project.sample_data.timeline import stream

LINE_COUNT_SHARE = (0.07, 0.45, 0.28, 0.13, 0.07)  # 0..4 lines
PREFERRED_CATEGORY_SHARE = 0.65
SKUS_PER_CATEGORY = 2_000
CHUNK_ORDERS = 300_000


def _lines(
    orders: Orders, people: People, rows: np.ndarray, rng: np.random.Generator
) -> dict[str, Column]:
    count = rng.choice(len(LINE_COUNT_SHARE), size=len(rows), p=LINE_COUNT_SHARE)
    order = np.repeat(rows, count)
    n = len(order)
    line_number = np.arange(n) - np.repeat(np.cumsum(count) - count, count) + 1
    preferred = people.category[orders.person[order]]
    category = np.where(
        rng.random(n) < PREFERRED_CATEGORY_SHARE,
        preferred,
        rng.choice(len(cat.CATEGORIES), n, p=cat.CATEGORY_SHARE),
    )
    product = np.minimum(rng.zipf(1.3, n), SKUS_PER_CATEGORY) - 1  # a few best sellers
    product = (product * 7919 + category * 104729) % SKUS_PER_CATEGORY
    quantity = np.select(
        [rng.random(n) < 0.72, rng.random(n) < 0.7], [1, 2], 3 + rng.integers(0, 3, n)
    )
    weight = rng.gamma(2.0, 1.0, n)
    total = np.bincount(np.repeat(np.arange(len(rows)), count), weights=weight, minlength=len(rows))
    share = weight / np.repeat(total, count)
    unit_cents = np.round(orders.cents[order] * share / quantity).astype(np.int64)
    sku = pc.binary_join_element_wise(
        pa.array(cat.CATEGORY_SKU_PREFIX).take(pa.array(category)),
        pc.utf8_lpad(pc.cast(pa.array(product), pa.string()), width=5, padding="0"),
        "-",
    )
    return {
        "order_id": Ident("O", order + 1, 9),
        "line_number": Integer(line_number),
        "sku": Text(sku),
        "category": Text(pa.array(cat.CATEGORIES).take(pa.array(category))),
        "quantity": Integer(quantity),
        "unit_price": Money(unit_cents),
    }


def line_chunks(
    orders: Orders, people: People, rows: np.ndarray, seed: int, drop: int
) -> Iterator[dict[str, Column]]:
    """The lines of orders `rows` (first versions in drop `drop`), in bounded chunks."""
    for first in range(0, len(rows), CHUNK_ORDERS):
        rng = stream(seed, f"order-lines/{drop}/{first}")
        yield _lines(orders, people, rows[first : first + CHUNK_ORDERS], rng)
