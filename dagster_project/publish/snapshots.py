"""Publication of closed periods as immutable, versioned Parquet snapshots.

For every closed (grain, period_start) of the marts that ingestion since the last publication
can have changed, or that has no published version yet (checkpoint.py):
1. read its rows of PUBLISHED_TABLES (PII-free, sorted) and hash their content (content.py);
2. same hash as the latest published version: nothing is written (idempotent re-runs);
   no version yet: publish version=1; a different hash (late data changed a closed period):
   publish version=n+1 beside the old ones, with a `changes` section in its manifest and a
   restatement log file (restatements.py);
3. point current/<table>/grain=<g>/period_start=<d>/data.parquet at the latest version (a hard
   link swapped in with os.replace; checked and repaired on every run).
Before that, customers erased since an earlier publication are purged from every published
version (erasure.py).

Nothing is written before the warehouse has been read and the hash key checked.
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from dagster_project.lib.side_by_side import side_by_side
from dagster_project.lib.warehouse import thread_cursor
from dagster_project.publish import layout
from dagster_project.publish.atomic import (
    clean_stale,
    discard_staging,
    new_staging_dir,
    place_file,
    publish_lock,
    same_content,
)
from dagster_project.publish.checkpoint import (
    current_checkpoint,
    erasures_changed,
    needs_reading,
    read_checkpoint,
    recheck_from,
    write_checkpoint,
)
from dagster_project.publish.content import (
    TableDigest,
    compare_rows,
    period_content_hash,
    table_content_hash,
    table_digest,
)
from dagster_project.publish.erasure import erased_customer_keys, purge_erased_customers
from dagster_project.publish.marts import (
    CUSTOMER_TABLE,
    PUBLISHED_TABLES,
    Period,
    closed_periods,
    columns_of,
    customer_tables,
    open_warehouse,
    read_period_table,
    read_watermark,
)
from dagster_project.publish.pii import (
    register_customer_keys,
    require_hash_key,
    use_customer_keys,
)
from dagster_project.publish.restatements import (
    KPI_TABLE,
    build_changes,
    ensure_restatement_record,
    kpi_changes,
)
from dagster_project.publish.result import PeriodVersion, PublishResult
from dagster_project.publish.versions import PublishedVersion, published_versions, write_version

PUBLISH_THREADS = min(2, os.cpu_count() or 1)


def publish_closed_periods(
    warehouse_path: Path,
    published_dir: Path,
    *,
    run_id: str,
    code_version: str,
    hash_key: str | None,
) -> PublishResult:
    """Publish every closed period whose content is new or changed; see the module docstring."""
    published_dir = Path(published_dir)
    with open_warehouse(Path(warehouse_path)) as con:
        watermark = read_watermark(con)
        closed = closed_periods(con, watermark)
        key, erased = hash_key, None
        if closed:
            key = require_hash_key(hash_key, f"marts.{CUSTOMER_TABLE}, published per period,")
            erased = erased_customer_keys(con, key)
        previous = read_checkpoint(published_dir)
        checkpoint = current_checkpoint(con, code_version, key, erased)
        since = recheck_from(con, previous, checkpoint)
        periods = [p for p in closed if needs_reading(published_dir, p, since)]
        keys = None  # the registered Arrow table must stay referenced while queried
        if periods:
            keys = register_customer_keys(con, key, customer_tables(con, [CUSTOMER_TABLE]))
        result = PublishResult(published_dir, watermark, run_id)
        result.not_reread = len(closed) - len(periods)
        with publish_lock(published_dir):
            result.stale_removed = clean_stale(published_dir)
            staging = new_staging_dir(published_dir, "run")
            run = _Run(con, published_dir, staging, watermark, run_id, code_version, result)
            try:
                # every published version, read or not; skipped when the erasure requests
                # are those the last successful run purged already
                if erased is not None and erasures_changed(previous, checkpoint):
                    result.erasures_purged = purge_erased_customers(
                        con, published_dir, erased, staging, run_id=run_id,
                        purged_at=run.published_at,
                    )  # fmt: skip
                run.publish(periods, keys)
                if result.erasures_purged:  # purged versions of periods not re-read
                    for period in (p for p in closed if p not in periods):
                        run.repoint_current(period)
                if checkpoint is not None:
                    write_checkpoint(published_dir, checkpoint)
            finally:
                discard_staging(staging)
        del keys
    return result


class _Run:
    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        published_dir: Path,
        staging: Path,
        watermark: date,
        run_id: str,
        code_version: str,
        result: PublishResult,
    ) -> None:
        self.con = con
        self.published_dir = published_dir
        self.staging = staging
        self.watermark = watermark
        self.run_id = run_id
        self.code_version = code_version
        self.result = result
        self.published_at = datetime.now(UTC).isoformat(timespec="seconds")
        self.columns = {name: columns_of(con, "marts", name) for name in PUBLISHED_TABLES}

    def publish(self, periods: list[Period], keys: pa.Table | None) -> None:
        """Publish the periods (new or changed versions; unchanged ones left), on a few threads.

        The customer rows of a period are those of its end date: the periods ending on one date
        (a month, quarter and year closing together) are published one after the other with one
        read of them. The dates go side by side on PUBLISH_THREADS threads, each with its own
        DuckDB connection: one period's Parquet writes (pyarrow, one core) overlap another's
        reads and hashing (DuckDB). Every version is written aside and moved into place on its
        own (versions.py), so the order between periods is free; the result lists come out in
        period order."""
        by_end: dict[date, list[Period]] = {}
        for period in periods:
            by_end.setdefault(period.period_end, []).append(period)

        def publish_ending_on(group: list[Period]) -> None:
            with thread_cursor(self.con) as con:
                use_customer_keys(con, keys)
                customers = self._customer_table(con, group[0])
                for period in group:
                    self._publish_period(con, period, customers)

        side_by_side(publish_ending_on, by_end.values(), threads=PUBLISH_THREADS, name="publish")
        self.result.sort()

    def _publish_period(
        self,
        con: duckdb.DuckDBPyConnection,
        period: Period,
        customers: tuple[pa.Table, TableDigest],
    ) -> None:
        tables: dict[str, pa.Table] = {}
        digests: dict[str, TableDigest] = {}
        for name in PUBLISHED_TABLES:
            if name == CUSTOMER_TABLE:
                tables[name], digests[name] = customers
            else:
                tables[name] = read_period_table(con, name, period, self.columns[name])
                digests[name] = table_digest(con, tables[name])
        hashes = {name: digest.content_hash for name, digest in digests.items()}
        content_hash = period_content_hash(hashes)

        versions = published_versions(self.published_dir, period.grain, period.period_start)
        for version in versions:  # heal a run that died before writing its restatement file
            ensure_restatement_record(self.published_dir, version, self.staging)
        latest = versions[-1] if versions else None
        latest_hashes = self._hashes_of(con, latest) if latest else {}

        if latest is not None and period_content_hash(latest_hashes) == content_hash:
            item = _item(period, latest)
            self.result.unchanged.append(item)
            repointed = self._point_current(period, latest)
            if repointed and latest.path not in self.result.erasures_purged:
                self.result.current_repaired.append(item)
            return

        number = latest.version + 1 if latest else 1
        changes = (
            self._changes(con, period, number, latest, latest_hashes, tables, hashes)
            if latest
            else None
        )
        new = write_version(
            self.published_dir,
            period,
            number,
            tables,
            digests,
            content_hash=content_hash,
            watermark=self.watermark,
            code_version=self.code_version,
            run_id=self.run_id,
            published_at=self.published_at,
            changes=changes,
        )
        restatement = ensure_restatement_record(self.published_dir, new, self.staging)
        self._point_current(period, new)
        item = _item(period, new, restatement)
        (self.result.restated if latest else self.result.published).append(item)

    def _customer_table(
        self, con: duckdb.DuckDBPyConnection, period: Period
    ) -> tuple[pa.Table, TableDigest]:
        """The customer rows of the period's end date and their digest."""
        table = read_period_table(con, CUSTOMER_TABLE, period, self.columns[CUSTOMER_TABLE])
        return table, table_digest(con, table)

    def _hashes_of(
        self, con: duckdb.DuckDBPyConnection, version: PublishedVersion
    ) -> dict[str, str]:
        """A version's table hashes by today's method: from its manifest, or recomputed from
        its files when it was published with an earlier method (so an upgrade alone never
        restates a period)."""
        tables = version.manifest["tables"]
        if version.hashed_as_now:
            return {name: info["content_hash"] for name, info in tables.items()}
        return {name: table_content_hash(con, _read(version, name)) for name in tables}

    def repoint_current(self, period: Period) -> None:
        """Make current/ hold the latest version's files (rewritten by an erasure purge)."""
        versions = published_versions(self.published_dir, period.grain, period.period_start)
        if versions:
            self._point_current(period, versions[-1])

    def _changes(
        self,
        con: duckdb.DuckDBPyConnection,
        period: Period,
        number: int,
        latest: PublishedVersion,
        latest_hashes: dict[str, str],
        tables: dict[str, pa.Table],
        hashes: dict[str, str],
    ) -> dict[str, Any]:
        old_tables = latest.manifest["tables"]
        summaries: dict[str, dict[str, Any]] = {}
        for name, table in tables.items():
            old = old_tables.get(name)
            if old is not None and latest_hashes[name] == hashes[name]:
                summary = {
                    "rows_before": table.num_rows,
                    "rows_after": table.num_rows,
                    "rows_only_in_previous": 0,
                    "rows_only_in_new": 0,
                }
            else:
                summary = compare_rows(con, _read(latest, name) if old else None, table)
            summary["changed"] = old is None or latest_hashes[name] != hashes[name]
            summaries[name] = summary
        kpis = []
        if summaries[KPI_TABLE]["changed"] and KPI_TABLE in old_tables:
            kpis = kpi_changes(_read(latest, KPI_TABLE), tables[KPI_TABLE])
        restatement = layout.restatement_file(
            self.published_dir, period.grain, period.period_start, number
        )
        return build_changes(latest, summaries, kpis, restatement, self.published_dir)

    def _point_current(self, period: Period, version: PublishedVersion) -> bool:
        """Make current/ hold this version's files; True if anything had to be swapped."""
        swapped = False
        for name, info in version.manifest["tables"].items():
            target = layout.current_file(
                self.published_dir, name, period.grain, period.period_start
            )
            source = version.path / info["file"]
            if not same_content(target, source, info["sha256"]):
                place_file(source, target, self.staging)
                swapped = True
        return swapped


def _read(version: PublishedVersion, table: str) -> pa.Table:
    return pq.ParquetFile(version.table_path(table)).read()


def _item(
    period: Period, version: PublishedVersion, restatement: Path | None = None
) -> PeriodVersion:
    return PeriodVersion(
        period.grain,
        period.period_start,
        period.period_end,
        version.version,
        version.path,
        restatement,
    )
