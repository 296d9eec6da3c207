"""Work on a few threads: results in order, a failure stops the run early; thread cursors."""

from __future__ import annotations

import threading
import time

import pytest

from dagster_project.lib.side_by_side import side_by_side
from dagster_project.lib.warehouse import connect_with_wait, thread_cursor


def test_results_come_in_the_items_order():
    def slow_first(item: int) -> int:
        time.sleep(0.05 if item == 0 else 0)
        return item * 10

    assert side_by_side(slow_first, range(6), threads=2, name="t") == [0, 10, 20, 30, 40, 50]


def test_after_a_failure_no_further_piece_starts():
    started: list[int] = []
    lock = threading.Lock()
    first_failed = threading.Event()

    def work(item: int) -> int:
        with lock:
            started.append(item)
        if item == 1:
            first_failed.set()
            raise ValueError("piece 1 failed")
        if item == 0:
            first_failed.wait(5)  # still running when piece 1 fails
        return item

    with pytest.raises(ValueError, match="piece 1 failed"):
        side_by_side(work, range(20), threads=2, name="t")
    # pieces 0 and 1 ran side by side, none after
    assert sorted(started) == [0, 1]


def test_a_thread_cursor_has_the_session_time_zone(tmp_path):
    con = connect_with_wait(tmp_path / "w.duckdb")
    con.execute("set global TimeZone = 'America/New_York'")  # a default other than UTC
    zone = "select current_setting('TimeZone')"
    with thread_cursor(con) as cursor, con.cursor() as bare:
        assert cursor.execute(zone).fetchall() == [("UTC",)]
        assert bare.execute(zone).fetchall() == [("America/New_York",)]  # not inherited
    con.close()
