"""`generate_sample_data`: simulate the business, then write every drop of every source."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np

from dagster_project.sample_data.columns import Frame
from dagster_project.sample_data.crm import customer_versions
from dagster_project.sample_data.layout import (
    DRIFT_COLUMNS,
    ENTITIES,
    STYLES,
    file_format,
    file_path,
    has_drift_column,
    prepare_landing,
)
from dagster_project.sample_data.leads import lead_versions
from dagster_project.sample_data.order_lines import line_chunks
from dagster_project.sample_data.orders import generate_orders, order_versions
from dagster_project.sample_data.people import generate_people
from dagster_project.sample_data.reference import fx_series
from dagster_project.sample_data.rendering import Renderer, TextStyle
from dagster_project.sample_data.spend import spend_rows
from dagster_project.sample_data.surveys import survey_responses
from dagster_project.sample_data.timeline import Timeline, stream
from dagster_project.sample_data.writers import write_file

CHUNK_ROWS = 500_000


@dataclass(frozen=True)
class GenerationSummary:
    """What `generate_sample_data` wrote."""

    landing_dir: Path
    seed: int
    start: date
    end: date
    customers: int  # customer ids simulated (CRM sign-ups and buyers)
    buyers: int  # customer ids with at least one order
    orders: int  # distinct orders (an order can have several versions)
    drop_dates: tuple[date, ...]  # the history drop first, then the daily drops
    rows: dict[str, int] = field(default_factory=dict)  # "source/entity" -> rows, all drops
    files: int = 0
    late_arriving_customers: int = 0
    customers_never_in_crm: int = 0
    crm_updates: int = 0
    erasure_requests: int = 0

    def __str__(self) -> str:
        lines = [
            f"Sample data in {self.landing_dir} (seed {self.seed}, activity {self.start} .. "
            f"{self.end})",
            f"  {self.customers:,} customer ids, {self.buyers:,} buyers, {self.orders:,} orders",
            f"  {len(self.drop_dates)} drops: history {self.drop_dates[0]}, daily "
            f"{self.drop_dates[1] if len(self.drop_dates) > 1 else '-'} .. {self.drop_dates[-1]}",
            f"  {self.files} files; rows per entity (all drops, every version):",
        ]
        lines += [f"    {entity:<22} {count:>12,}" for entity, count in self.rows.items()]
        lines.append(
            f"  late-arriving customers {self.late_arriving_customers:,}, never in CRM "
            f"{self.customers_never_in_crm:,}, CRM updates {self.crm_updates:,}, "
            f"erasure requests {self.erasure_requests:,}"
        )
        return "\n".join(lines)


def generate_sample_data(
    landing_dir: Path,
    *,
    customers: int = 20_000,
    seed: int = 42,
    start: date = date(2024, 1, 1),
    end: date = date(2025, 12, 31),
    daily_drops: int = 31,
    progress: Callable[[str], None] | None = None,
) -> GenerationSummary:
    """Write a deterministic sample of raw extracts into `landing_dir` (see the README)."""
    say = progress or (lambda _message: None)
    if customers < 1:
        raise ValueError(f"customers must be positive, got {customers}")
    timeline = Timeline(start, end, daily_drops)
    landing = Path(landing_dir)
    prepare_landing(
        landing,
        f"customers={customers} seed={seed} start={start} end={end} daily_drops={daily_drops}",
    )
    fx = fx_series(start, end, seed)

    people = generate_people(customers, timeline, seed)
    say(f"people: {customers:,} simulated, {int(people.is_buyer.sum()):,} will buy")
    orders = generate_orders(people, timeline, fx, seed)
    frames: dict[tuple[str, str], Frame] = {}
    frames["orders", "orders"] = order_versions(orders, people, timeline, seed)
    say(f"orders: {len(orders):,} orders, {len(frames['orders', 'orders']):,} versions")
    frames["crm", "customers"], facts = customer_versions(people, timeline, seed)
    say(
        f"crm customers: {len(frames['crm', 'customers']):,} versions "
        f"({facts.updates:,} updates, {facts.late_arriving:,} late-arriving, "
        f"{facts.never_in_crm:,} never in the CRM, {facts.erasures:,} erasures)"
    )
    frames["crm", "leads"] = lead_versions(people, timeline, seed)
    frames["surveys", "responses"] = survey_responses(people, orders, timeline, seed)
    frames["marketing", "spend"] = spend_rows(people, timeline, fx, seed)
    say(
        f"leads: {len(frames['crm', 'leads']):,} versions; survey responses: "
        f"{len(frames['surveys', 'responses']):,}; spend rows: "
        f"{len(frames['marketing', 'spend']):,}"
    )

    renderer = Renderer(timeline)
    order_drop = timeline.drop_of(orders.ordered_at)
    line_bounds = np.searchsorted(order_drop, np.arange(daily_drops + 2))
    rows = {f"{source}/{entity}": 0 for source, entity in ENTITIES}
    files = 0
    for drop, drop_date in enumerate(timeline.drop_dates):
        written = 0
        for source, entity in ENTITIES:
            fmt = file_format(source, entity, drop, drop_date)
            rng = stream(seed, f"render/{source}/{entity}/{drop}")
            style = STYLES.get(entity, TextStyle())
            if (source, entity) == ("orders", "order_lines"):
                positions = np.arange(line_bounds[drop], line_bounds[drop + 1])
                chunks = line_chunks(orders, people, positions, seed, drop)
            else:
                frame = frames[source, entity]
                positions = frame.rows_of_drop(drop)
                chunks = _without_drift(
                    frame.chunks(positions, CHUNK_ROWS), source, entity, drop, daily_drops
                )
            if not len(positions):
                continue
            path = file_path(landing, source, entity, drop_date, fmt)
            count = write_file(path, fmt, chunks, renderer, rng, style)
            if count == 0:
                path.unlink()
                continue
            rows[f"{source}/{entity}"] += count
            written += count
            files += 1
        kind = "history" if drop == 0 else "daily"
        say(f"drop {drop_date} ({kind}): {written:,} rows")

    return GenerationSummary(
        landing_dir=landing,
        seed=seed,
        start=start,
        end=end,
        customers=customers,
        buyers=int(people.is_buyer.sum()),
        orders=len(orders),
        drop_dates=tuple(timeline.drop_dates),
        rows=rows,
        files=files,
        late_arriving_customers=facts.late_arriving,
        customers_never_in_crm=facts.never_in_crm,
        crm_updates=facts.updates,
        erasure_requests=facts.erasures,
    )


def _without_drift(chunks, source: str, entity: str, drop: int, daily_drops: int):
    """Leave the drift column out of the files written before the upstream change."""
    drift = DRIFT_COLUMNS.get((source, entity))
    keep = drift is None or has_drift_column(source, entity, drop, daily_drops)
    for chunk in chunks:
        yield chunk if keep else {name: col for name, col in chunk.items() if name != drift}
