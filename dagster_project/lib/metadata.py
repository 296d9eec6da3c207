"""What the warehouse and the serving file say about a run, as rows and as markdown.

Shared by the Dagster asset metadata (ingest and publish assets) and `segment-kpis status`:
quarantine counts by reason, the drop reconciliation, the headline KPIs against their targets.
Every function takes an open DuckDB connection and only reads.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

import duckdb

# Rejection reasons carry the offending value ("status 'shipped' is not one of ..."); these
# patterns drop it so that rows rejected for the same rule count together.
_REASON_MASKS = [
    (re.compile(r"^(\S+) '.*' (is not .*)$", re.S), r"\1 \2"),
    (re.compile(r"^(\S+) \S+ (is out of range for .*)$", re.S), r"\1 \2"),
    (re.compile(r"^(.*? is not (?:an? [a-z]+|valid UTF-8)): .*$", re.S), r"\1"),
    (re.compile(r"^(.*? is (?:negative|not positive)) \(.*\)$", re.S), r"\1"),
    (re.compile(r"^(line is not valid CSV) \(.*\)$", re.S), r"\1"),
]

# The headline KPIs of the latest closed month, segment all: (kpi, label, format).
HEADLINE_KPIS = (
    ("customers_end", "Active customers", "int"),
    ("new_customers", "New customers", "int"),
    ("churn_rate", "Churn rate", "pct"),
    ("revenue", "Revenue", "money"),
    ("clv", "CLV", "money"),
    ("cac", "CAC", "money"),
    ("nps", "NPS", "num"),
    ("csat", "CSAT", "pct"),
)


def reason_kind(reason: str | None) -> str:
    """The rule a rejection reason names, without the rejected value."""
    text = reason or "(no reason)"
    for pattern, replacement in _REASON_MASKS:
        if pattern.match(text):
            return pattern.sub(replacement, text)
    return text


def fmt(value: object, kind: str = "int") -> str:
    """A KPI value for people (pct 12.3%, money $1,234, num 45.6, int 1,234); — for NULL."""
    if value is None:
        return "—"
    number = float(value)  # type: ignore[arg-type]
    if kind == "pct":
        return f"{number:.1%}"
    if kind == "money":
        return f"${number:,.0f}"
    if kind == "num":
        return f"{number:,.1f}"
    return f"{number:,.0f}"


def markdown_table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """A GitHub-flavoured markdown table (Dagster renders MetadataValue.md)."""

    def cell(value: object) -> str:
        return str(value if value is not None else "—").replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(cell(value) for value in row) + " |" for row in rows]
    return "\n".join(lines)


def text_table(headers: Sequence[str], rows: Sequence[Sequence[object]], indent: str = "  ") -> str:
    """A plain aligned table for the terminal."""
    cells = [[str(h) for h in headers]] + [
        ["—" if v is None else str(v) for v in row] for row in rows
    ]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    return "\n".join(
        indent + "  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip()
        for row in cells
    )


def table_exists(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    rows = con.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
        [schema, table],
    ).fetchall()
    return rows[0][0] > 0


# --- quarantine -------------------------------------------------------------------------------


@dataclass(frozen=True)
class QuarantineGroup:
    source: str
    entity: str
    column: str | None
    reason: str
    rows: int
    latest_drop: date


def quarantine_by_reason(
    con: duckdb.DuckDBPyConnection, limit: int | None = None
) -> list[QuarantineGroup]:
    """Rows of quarantine.rejected_rows by source, entity, column and rule, most first."""
    if not table_exists(con, "quarantine", "rejected_rows"):
        return []
    rows = con.execute(
        """
        select source, entity, column_name, reason, count(*), max(_drop_date)
        from quarantine.rejected_rows
        group by all
        """
    ).fetchall()
    counts: Counter[tuple[str, str, str | None, str]] = Counter()
    latest: dict[tuple[str, str, str | None, str], date] = {}
    for source, entity, column, reason, count, drop in rows:
        key = (source, entity, column, reason_kind(reason))
        counts[key] += count
        latest[key] = max(latest.get(key, drop), drop)
    groups = [
        QuarantineGroup(*key, rows=count, latest_drop=latest[key])
        for key, count in sorted(counts.items(), key=lambda item: (-item[1], item[0][:2]))
    ]
    return groups[:limit] if limit is not None else groups


QUARANTINE_HEADERS = ("source", "entity", "column", "reason", "rows", "latest drop")


def quarantine_rows(groups: Sequence[QuarantineGroup]) -> list[tuple[object, ...]]:
    return [
        (g.source, g.entity, g.column or "—", g.reason, f"{g.rows:,}", g.latest_drop.isoformat())
        for g in groups
    ]


def quarantine_markdown(groups: Sequence[QuarantineGroup], total: int) -> str:
    if not groups:
        return "No row in quarantine."
    shown = sum(g.rows for g in groups)
    table = markdown_table(QUARANTINE_HEADERS, quarantine_rows(groups))
    note = f"\n\n{total - shown:,} more rows under other reasons." if total > shown else ""
    return f"{total:,} rows in quarantine, by rule:\n\n{table}{note}"


# --- drop reconciliation ------------------------------------------------------------------------


@dataclass
class Reconciliation:
    """marts.fct_drop_reconciliation summed up: rows read = accepted + quarantined + superseded."""

    drops: int = 0
    drops_reconciled: int = 0
    rows_read: int = 0
    rows_accepted: int = 0
    rows_quarantined: int = 0
    rows_superseded: int = 0
    failures: list[tuple[object, ...]] = field(default_factory=list)  # drop, source, entity, ...

    @property
    def drops_not_reconciled(self) -> int:
        return self.drops - self.drops_reconciled

    def metadata(self) -> dict[str, int]:
        return {
            "drops_reconciled": self.drops_reconciled,
            "drops_not_reconciled": self.drops_not_reconciled,
            "rows_read": self.rows_read,
            "rows_accepted": self.rows_accepted,
            "rows_quarantined": self.rows_quarantined,
            "rows_superseded": self.rows_superseded,
        }

    def markdown(self) -> str:
        lines = [
            f"{self.drops_reconciled} of {self.drops} drops reconciled "
            "(rows read = accepted + quarantined + superseded).",
            "",
            markdown_table(
                ("rows read", "accepted", "quarantined", "superseded"),
                [
                    (
                        f"{self.rows_read:,}",
                        f"{self.rows_accepted:,}",
                        f"{self.rows_quarantined:,}",
                        f"{self.rows_superseded:,}",
                    )
                ],
            ),
        ]
        if self.failures:
            lines += [
                "",
                "Not reconciled:",
                "",
                markdown_table(RECONCILIATION_HEADERS, self.failures),
            ]
        return "\n".join(lines)


RECONCILIATION_HEADERS = (
    "drop",
    "source",
    "entity",
    "read",
    "accepted",
    "quarantined",
    "superseded",
)


def drop_reconciliation(con: duckdb.DuckDBPyConnection, limit: int = 20) -> Reconciliation | None:
    """The reconciliation of every ingested drop, or None before dbt has built it."""
    if not table_exists(con, "marts", "fct_drop_reconciliation"):
        return None
    ((drops, reconciled, read, accepted, quarantined, superseded),) = con.execute(
        """
        with by_drop as (
            select drop_date, bool_and(is_reconciled) as is_reconciled
            from marts.fct_drop_reconciliation group by drop_date
        )
        select
            (select count(*) from by_drop),
            (select count(*) from by_drop where is_reconciled),
            coalesce(sum(rows_read), 0), coalesce(sum(rows_accepted), 0),
            coalesce(sum(rows_quarantined), 0), coalesce(sum(rows_superseded), 0)
        from marts.fct_drop_reconciliation
        """
    ).fetchall()
    failures = con.execute(
        """
        select drop_date, source, entity, rows_read, rows_accepted, rows_quarantined,
               rows_superseded
        from marts.fct_drop_reconciliation
        where not coalesce(is_reconciled, false)
        order by drop_date desc, source, entity
        limit ?
        """,
        [limit],
    ).fetchall()
    return Reconciliation(
        drops=int(drops),
        drops_reconciled=int(reconciled),
        rows_read=int(read),
        rows_accepted=int(accepted),
        rows_quarantined=int(quarantined),
        rows_superseded=int(superseded),
        failures=[(d.isoformat(), *rest) for d, *rest in failures],
    )


# --- headline KPIs --------------------------------------------------------------------------


@dataclass(frozen=True)
class HeadlineKpi:
    kpi: str
    label: str
    kind: str
    actual: float | None
    target: float | None
    attainment: float | None
    status: str | None


@dataclass(frozen=True)
class Headline:
    period_start: date
    period_end: date
    kpis: list[HeadlineKpi]

    def markdown(self) -> str:
        rows = [
            (
                k.label,
                fmt(k.actual, k.kind),
                fmt(k.target, k.kind) if k.target is not None else "—",
                fmt(k.attainment, "pct") if k.attainment is not None else "—",
                k.status or "—",
            )
            for k in self.kpis
        ]
        title = (
            f"Latest closed month {self.period_start.isoformat()} .. "
            f"{self.period_end.isoformat()}, all customers:"
        )
        return (
            title
            + "\n\n"
            + markdown_table(("KPI", "actual", "target", "attainment", "status"), rows)
        )


def headline_kpis(con: duckdb.DuckDBPyConnection) -> Headline | None:
    """The headline KPIs of the latest closed month (segment all) with their targets, from
    marts.fct_kpi_attainment; None when no month is closed yet."""
    if not table_exists(con, "marts", "fct_kpi_attainment"):
        return None
    kpis = [kpi for kpi, _, _ in HEADLINE_KPIS]
    rows = con.execute(
        """
        with latest as (
            select max(period_start) as period_start
            from marts.fct_kpi_attainment
            where grain = 'month' and is_closed and segment_dimension = 'all'
        )
        select a.period_start, a.period_end, a.kpi, a.actual, a.target, a.attainment, a.status
        from marts.fct_kpi_attainment as a
        join latest using (period_start)
        where a.grain = 'month' and a.segment_dimension = 'all' and a.kpi in ?
        """,
        [kpis],
    ).fetchall()
    if not rows:
        return None
    found = {row[2]: row for row in rows}
    items = []
    for kpi, label, kind in HEADLINE_KPIS:
        row = found.get(kpi)
        actual, target, attainment, status = row[3:] if row else (None, None, None, None)
        items.append(HeadlineKpi(kpi, label, kind, actual, target, attainment, status))
    return Headline(rows[0][0], rows[0][1], items)
