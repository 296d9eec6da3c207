"""Incremental builds: a sequence of nightly runs, one drop each, ends with exactly the tables
a full build of the same drops makes (issue 5), and each nightly build keeps what it did not
need to recompute.

The full build is the session's `pipeline_run` (every drop in one run, empty warehouse)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import dagster as dg
import pytest

from dagster_project.defs.dbt_assets import DBT_PROJECT
from dagster_project.ingest import discover_drops
from dagster_project.runner import run_pipeline
from dagster_project.settings import Settings
from tests.e2e.conftest import make_settings
from tests.faults.support import RUN_COLUMNS, query, rows_by_customer, table_fingerprints

BUILT_SCHEMAS = ("intermediate", "marts", "quarantine")
IGNORED = (*RUN_COLUMNS, "_loaded_through")  # lineage of the build, not content
BY_DIFFERENCE = ("int_segment_flows", "int_segment_annual_churn")
BY_CUSTOMER = ("int_orders", "int_customer_order_days", "int_customer_category_days")
BY_KEYS = (  # config incremental_by_keys (macros/incremental_rebuild.sql)
    "int_customer_measures",
    "int_customer_segments",
    "int_segment_flows",
    "int_segment_annual_churn",
    "int_segment_satisfaction",
)


@dataclass
class NightlySequence:
    """What each run of the sequence did: one item per run, in drop order."""

    settings: Settings
    marks: list = field(default_factory=list)  # (_loaded_through, rows) of the segments
    unit_tests: list = field(default_factory=list)  # how many dbt unit tests ran
    by_difference: list = field(default_factory=list)  # model -> periods updated by difference
    by_customer: list = field(default_factory=list)  # model -> rows by customer
    derived: list = field(default_factory=list)  # new dates derived from earlier ones
    temporary: list = field(default_factory=list)  # temporary tables created, dropped
    key_queries: list = field(default_factory=list)  # model -> queries of its keys
    enum_flows: list = field(default_factory=list)  # int_segment_flows joined ENUM segments


@pytest.fixture(scope="module")
def nightly_sequence(tmp_path_factory, sample_landing) -> NightlySequence:
    """The same drops as the full build, one run per drop."""
    settings = make_settings(tmp_path_factory.mktemp("nightly"), sample_landing)
    instance = dg.DagsterInstance.ephemeral()
    runs = NightlySequence(settings)
    warehouse = settings.warehouse_path
    for drop in discover_drops(sample_landing):
        outcome = run_pipeline(settings, drop, drop, instance=instance)
        assert outcome.success, outcome.describe()
        runs.unit_tests.append(_unit_tests_run(outcome.run_id))
        queries = _model_queries(outcome.run_id)
        runs.temporary.append(_temporary_tables(queries))
        runs.key_queries.append(_key_queries(queries))
        runs.enum_flows.append(_segments_cast_to_enums(queries, "int_segment_flows"))
        runs.by_difference.append(
            {model: _periods_updated_by_difference(warehouse, model) for model in BY_DIFFERENCE}
        )
        runs.derived.append(_dates_derived(warehouse, outcome.run_id))
        runs.marks.append(
            query(
                warehouse,
                "select _loaded_through, count(*) from intermediate.int_customer_segments "
                "group by all order by all",
            )
        )
        runs.by_customer.append(
            {model: rows_by_customer(warehouse, model) for model in BY_CUSTOMER}
        )
    return runs


def _periods_updated_by_difference(warehouse, model: str) -> set[tuple[str, date]]:
    """(grain, period_end) of the periods the model updated by difference in the last build
    (their rows as they were are saved in ops.<model>__before; no such table after a full
    build)."""
    (exists,) = query(
        warehouse,
        "select count(*) from information_schema.tables "
        f"where table_schema = 'ops' and table_name = '{model}__before'",
    )
    if not exists[0]:
        return set()
    return set(query(warehouse, f"select distinct grain, period_end from ops.{model}__before"))


def _dates_derived(warehouse, run_id: str) -> dict[str, object]:
    """What the run's build derived from earlier dates: the watermark, the (new date, earlier
    date) pairs int_customer_segments compared (its log) and those int_customer_measures copied
    rows between (its compiled SQL)."""
    ((watermark,),) = query(warehouse, "select watermark from intermediate.int_watermark")
    (exists,) = query(
        warehouse,
        "select count(*) from information_schema.tables "
        "where table_schema = 'ops' and table_name = 'segment_changes_build'",
    )
    segments: set[tuple[date, date]] = set()
    if exists[0]:
        ((pairs,),) = query(warehouse, "select dates_derived from ops.segment_changes_build")
        segments = {(pair["day"], pair["earlier"]) for pair in pairs}
    compiled = "compiled/*/models/intermediate/int_customer_measures.sql"
    (sql_file,) = _dbt_target(run_id).glob(compiled)
    copies = re.findall(
        r"date '([\d-]+)' as as_of_date\s+from \S+\s+where as_of_date = date '([\d-]+)'",
        sql_file.read_text(),
    )
    measures = {(date.fromisoformat(day), date.fromisoformat(earlier)) for day, earlier in copies}
    return {"watermark": watermark, "segments": segments, "measures": measures}


def _dbt_target(run_id: str) -> Path:
    """The target dir of the run's `dbt build` (dagster-dbt names it after the run)."""
    (target,) = DBT_PROJECT.manifest_path.parent.glob(f"*-{run_id[:7]}-*")
    return target


def _model_queries(run_id: str) -> list[tuple[str, str]]:
    """(model, SQL) of every statement the models of the run's `dbt build` ran (its dbt.log)."""
    queries = []
    for line in (_dbt_target(run_id) / "dbt.log").read_text().splitlines():
        event = json.loads(line)
        node = event["data"].get("node_info", {})
        if event["info"]["name"] == "SQLQuery" and node.get("resource_type") == "model":
            queries.append((node["node_name"], event["data"]["sql"]))
    return queries


def _temporary_tables(queries: list[tuple[str, str]]) -> tuple[list[str], list[str]]:
    """The temporary tables the models created and those they dropped (_model_queries; unit
    tests make their own)."""
    created, dropped = [], []
    for _, sql in queries:
        created += re.findall(r'create temporary table\s+"([^"]+)"', sql)
        dropped += re.findall(r'drop table if exists "([^"]+__dbt_tmp[^"]*)"', sql)
    return created, dropped


def _key_queries(queries: list[tuple[str, str]]) -> dict[str, int]:
    """Per model, how many times it queried the keys it rebuilds (_model_queries;
    _rebuild_keys in macros/incremental_rebuild.sql)."""
    counts: dict[str, int] = {}
    for model, sql in queries:
        if re.search(r"\*/\s*with universe as", sql):
            counts[model] = counts.get(model, 0) + 1
    return counts


def _segments_cast_to_enums(queries: list[tuple[str, str]], model: str) -> bool:
    """Whether the model's statements cast segment columns to ENUM types (_model_queries;
    segment_value_types in macros/segment_flows.sql)."""
    return any(" as enum(" in sql for name, sql in queries if name == model)


def _unit_tests_run(run_id: str) -> int:
    """How many dbt unit tests the run's `dbt build` ran (its run_results.json)."""
    results = json.loads((_dbt_target(run_id) / "run_results.json").read_text())["results"]
    return sum(result["unique_id"].startswith("unit_test.") for result in results)


def test_nightly_runs_end_where_a_full_build_ends(pipeline_run, nightly_sequence):
    warehouse = nightly_sequence.settings.warehouse_path
    full = table_fingerprints(pipeline_run.settings.warehouse_path, BUILT_SCHEMAS, IGNORED)
    nightly = table_fingerprints(warehouse, BUILT_SCHEMAS, IGNORED)
    assert full.keys() == nightly.keys()
    differing = {table for table in full if full[table] != nightly[table]}
    assert not differing, f"tables differing from the full build: {sorted(differing)}"


def test_each_nightly_run_rewrites_only_a_few_snapshot_dates(nightly_sequence):
    marks = nightly_sequence.marks
    # marks[i]: (_loaded_through, rows) of int_customer_segments after run i
    assert len(marks[0]) == 1  # the history drop's run builds every date
    for after in marks[1:]:
        newest = max(mark for mark, _ in after)
        written = sum(rows for mark, rows in after if mark == newest)
        total = sum(rows for _, rows in after)
        assert 0 < written < total / 4, f"a nightly run rewrote {written} of {total} rows"


def test_nightly_builds_drop_the_temporary_tables_they_build_rows_in(nightly_sequence):
    # dbt-duckdb leaves them to the end of the connection, which dbt reuses for every model:
    # a nightly would hold every incremental model's new rows in memory to the end (built_rows.sql)
    temporary = nightly_sequence.temporary
    assert not temporary[0][0]  # the full build creates its tables directly
    for created, dropped in temporary[1:]:
        assert len(created) == 8, created  # every incremental model
        assert sorted(dropped) == sorted(created)


def test_nightly_builds_query_each_models_keys_once(nightly_sequence):
    # the model's SQL, its hooks and its strategy share the keys decided first (query_once)
    key_queries = nightly_sequence.key_queries
    assert key_queries[0] == {}  # a full build replaces no keys
    for counts in key_queries[1:]:
        assert counts == dict.fromkeys(BY_KEYS, 1)


def test_only_a_build_of_every_period_joins_segments_as_enums(nightly_sequence):
    # the first build counts every period over every customer: its join holds the segments
    # as ENUMs; a nightly recounts a few periods and skips the query of the values
    enum_flows = nightly_sequence.enum_flows
    assert enum_flows[0] is True
    assert enum_flows[1:] == [False] * (len(enum_flows) - 1)


def test_only_the_first_build_of_the_warehouse_was_full(nightly_sequence):
    runs, unit_tests = len(nightly_sequence.marks), nightly_sequence.unit_tests
    builds = query(
        nightly_sequence.settings.warehouse_path,
        "select build_id, full_refresh from ops.dbt_builds order by 1",
    )
    assert builds == [(i + 1, i == 0) for i in range(runs)]
    # unit tests check the SQL: they run with the full build only
    assert unit_tests[0] > 0 and unit_tests[1:] == [0] * (runs - 1)


def test_nightly_runs_update_built_periods_by_difference(nightly_sequence):
    # after the first (full) build, the runs whose changes reach closed periods already built
    # update those by difference (the open periods, measured on the new watermark, are
    # recounted), so the equality with the full build above covers the update by difference
    by_difference = nightly_sequence.by_difference
    for model in BY_DIFFERENCE:
        periods = [len(run[model]) for run in by_difference]
        assert periods[0] == 0, model
        assert sum(n > 0 for n in periods[1:]) >= len(periods) // 2, (model, periods)


def test_nightly_runs_derive_the_new_current_date_from_the_previous_one(nightly_sequence):
    # the new watermark date: int_customer_measures computes the customers with an order
    # between the two dates (at either end of the window) and copies the others' rows;
    # int_customer_segments logs how its rows differ from the previous date's, so that the
    # flows of a period open on both nights are updated by difference, not recounted
    by_difference, derived = nightly_sequence.by_difference, nightly_sequence.derived
    assert not derived[0]["segments"] and not derived[0]["measures"]  # the full build
    open_weeks = 0
    for previous, run, updated in zip(derived, derived[1:], by_difference[1:], strict=False):
        moved = (run["watermark"], previous["watermark"])
        assert moved in run["segments"], (moved, run["segments"])
        assert moved in run["measures"], (moved, run["measures"])
        week_start = run["watermark"] - timedelta(days=run["watermark"].weekday())
        if week_start <= previous["watermark"]:  # the week was open on the previous night too
            open_weeks += 1
            week = ("week", week_start + timedelta(days=6))
            assert week in updated["int_segment_flows"], (week, updated["int_segment_flows"])
    assert open_weeks > 0


def test_nightly_runs_rebuild_orders_and_running_totals_by_customer(nightly_sequence):
    # int_orders and the per-customer running totals: after the first (full) build, each run
    # rewrote exactly the rows of the customers whose orders its loads touched
    by_customer = nightly_sequence.by_customer
    for model in BY_CUSTOMER:
        first, *nightly = [run[model] for run in by_customer]
        assert all(written for written, _ in first), model  # the full build wrote every row
        for counts in nightly:
            assert set(counts) == {(True, True), (False, False)}, (model, counts)
            assert counts[True, True] < counts[False, False], (model, counts)
