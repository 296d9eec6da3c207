"""Guarantee 5, concurrent readers.

- While another process holds the serving DuckDB file open read-only and reads the current/
  Parquet in a loop, a run completes and swaps in a new serving file: every query of the reader
  keeps working, its open connection keeps seeing one consistent (old) snapshot, new
  connections see the new file. A current/ query that straddles the swap of one of its files
  may fail in DuckDB and is run again (at most 3 attempts; docs/analysts.md): it must then
  answer. (The run is conftest.py's `late_data`.)
- While another process holds the warehouse (a read-write connection; or a read-only one,
  which DuckDB's file lock also keeps a writer out of), a run waits SEGMENT_KPIS_LOCK_TIMEOUT
  (3 s here), then fails with a message naming the holder's PID, and changes nothing.
"""

from __future__ import annotations

import time

import duckdb
import pytest

from tests.faults.support import (
    LOCK_TIMEOUT,
    current_glob,
    kill_group,
    published_files,
    query,
    spawn,
    wait_for,
    warehouse_content,
)


def test_reader_of_the_serving_file_keeps_working_through_the_swap(late_data):
    seen = late_data.reader
    assert late_data.outcome.success, late_data.outcome.describe()
    assert seen["errors"] == []
    # several reads; how many depends on the machine's speed (a loaded CI box reads less
    # often): that they straddle the swap is what the next line checks
    assert seen["iterations"] >= 3
    swapped = late_data.state.serving.stat().st_mtime  # the new file, written during the run
    assert seen["held"][0][0] < swapped < seen["last_at"]  # reads before and after the swap
    # the held connection saw one snapshot all along: the file it opened, not the new one
    assert len(seen["held"]) == 1
    assert seen["built_at_at_end"] == seen["built_at"]
    meta = "select cast(built_at as varchar) from main.meta"
    ((built_at,),) = query(late_data.state.serving, meta)
    assert built_at != seen["built_at"]  # a new connection opens the new file
    # the current/ Parquet glob kept answering, and moved to the restated data in the end
    glob = current_glob(late_data.state.published)
    fresh = duckdb.execute(
        f"select count(*), sum(revenue) from read_parquet('{glob}', hive_partitioning = true) "
        "where segment_dimension = 'all'"
    ).fetchall()[0]  # fetchall: leave no unfinished result on the shared default connection
    assert seen["current"][-1][1] == [str(value) for value in fresh]
    assert seen["current"][0][1] != seen["current"][-1][1]


@pytest.mark.parametrize("mode", ["rw", "ro"])
def test_run_waits_a_bounded_time_for_a_held_warehouse_then_fails(mode, clone, run, tmp_path):
    state = clone(own_landing=False)
    warehouse_before = warehouse_content(state)
    published_before = published_files(state.published)
    ready, log = tmp_path / "holder.ready", tmp_path / "holder.log"
    holder = spawn("hold", state.warehouse, ready, mode, log=log)
    try:
        wait_for(ready.exists, proc=holder, log=log, what="the holder to open the warehouse")
        started = time.monotonic()
        outcome = run(state)
        elapsed = time.monotonic() - started
        assert holder.poll() is None  # still holding it: the run gave up, it was not let in
    finally:
        kill_group(holder)
    assert not outcome.success
    message = " ".join(outcome.errors)
    assert "SEGMENT_KPIS_LOCK_TIMEOUT" in message, outcome.describe()
    assert f"PID {holder.pid}" in message, outcome.describe()
    assert f"stayed locked for {LOCK_TIMEOUT:.0f}s" in message
    assert LOCK_TIMEOUT <= elapsed < LOCK_TIMEOUT + 60  # bounded: the run returned
    assert outcome.materialized == []
    assert warehouse_content(state) == warehouse_before
    assert published_files(state.published) == published_before
