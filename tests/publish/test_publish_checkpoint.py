"""Publication re-reads only the closed periods that ingestion since the last publication can
have changed (publish/checkpoint.py), and every period when it cannot tell."""

from __future__ import annotations

import json
from datetime import date

from dagster_project.publish.pii import customer_hash

CHANGE_LOG = (
    "create table if not exists raw.change_log (_load_id bigint, _drop_date date, "
    "source varchar, entity varchar, earliest_event_at timestamp, rows_deleted bigint, "
    "rows_inserted bigint, _run_id varchar, _ingested_at timestamp)"
)


def ingested(env, load_id: int, earliest: str) -> None:
    env.execute(CHANGE_LOG)
    env.execute(
        "insert into raw.change_log values (?, date '2024-03-05', 'orders', 'orders', ?, 0, 1, "
        "'r', now())",
        [load_id, earliest],
    )


def read_periods(result) -> set[tuple[str, date]]:
    items = result.published + result.restated + result.unchanged
    return {(item.grain, item.period_start) for item in items}


def restate_february(env) -> None:
    env.execute(
        "update marts.fct_segment_kpis set revenue = revenue + 1 "
        "where grain = 'month' and period_start = date '2024-02-01'"
    )


def test_without_new_ingestion_no_period_is_reread(env):
    ingested(env, 1, "2023-12-01 10:00:00")
    first = env.publish()
    assert len(first.published) == len(env.closed) and first.not_reread == 0
    again = env.publish(run_id="run-2")
    assert read_periods(again) == set() and again.not_reread == len(env.closed)


def test_late_data_rereads_the_periods_ending_on_or_after_its_day(env):
    ingested(env, 1, "2023-12-01 10:00:00")
    env.publish()
    ingested(env, 2, "2024-02-27 08:00:00")  # a late order; one day of margin: 2024-02-26
    restate_february(env)
    result = env.publish(run_id="run-2")
    assert read_periods(result) == {
        ("month", date(2024, 2, 1)),  # ends 02-29
        ("week", date(2024, 2, 26)),  # ends 03-03
    }
    assert [(i.grain, i.period_start, i.version) for i in result.restated] == [
        ("month", date(2024, 2, 1), 2)
    ]


def test_a_new_code_version_or_hash_key_rereads_everything(env):
    ingested(env, 1, "2023-12-01 10:00:00")
    env.publish()
    restate_february(env)  # e.g. a fixed model: no ingestion, yet the content changed
    assert read_periods(env.publish(run_id="run-2")) == set()
    result = env.publish(run_id="run-3", code_version="def456")
    assert read_periods(result) == set(env.closed)
    assert [(i.grain, i.period_start) for i in result.restated] == [("month", date(2024, 2, 1))]
    assert read_periods(env.publish(run_id="run-4", code_version="def456", hash_key="k2")) == set(
        env.closed
    )


def test_a_missing_checkpoint_rereads_everything(env):
    ingested(env, 1, "2023-12-01 10:00:00")
    env.publish()
    (env.published / "_ops" / "publish_checkpoint.json").unlink()
    assert read_periods(env.publish(run_id="run-2")) == set(env.closed)


def test_versions_are_purged_only_when_the_erasure_requests_change(env):
    ingested(env, 1, "2023-12-01 10:00:00")
    env.publish()
    checkpoint = env.published / "_ops" / "publish_checkpoint.json"
    before = json.loads(checkpoint.read_text())["erased"]
    assert env.publish(run_id="run-2").erasures_purged == []
    assert json.loads(checkpoint.read_text())["erased"] == before  # same requests: no purge
    env.execute("update marts.dim_customers set is_deleted = true where customer_id = 'cust-002'")
    purged = env.publish(run_id="run-3")
    assert purged.erasures_purged and read_periods(purged) == set()  # nothing re-read
    assert json.loads(checkpoint.read_text())["erased"] != before
    keys = env.query(
        f"select count(*) from read_parquet('{env.published}/current/fct_customer_segments/**/"
        "*.parquet') where customer_key = ?",
        [customer_hash("cust-002", env.hash_key)],
    )
    assert keys == [(0,)]
