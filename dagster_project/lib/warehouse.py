"""Opening the warehouse: DuckDB allows one writer process or many readers, never both.

A nightly run that finds the file held by someone else (the Dagster UI, a notebook, a BI tool
with a read-write connection) waits a bounded time, then fails with DuckDB's own message,
which names the process holding the lock.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb


class WarehouseBusyError(RuntimeError):
    """The warehouse stayed locked by another process for longer than the timeout."""


def _is_lock_error(error: duckdb.Error) -> bool:
    text = str(error).lower()
    return "lock" in text and ("conflicting" in text or "could not set lock" in text)


def connect_with_wait(
    path: Path, *, read_only: bool = False, timeout_seconds: float = 60.0, poll_seconds: float = 1.0
) -> duckdb.DuckDBPyConnection:
    """Connect to the DuckDB file, retrying while another process holds its lock."""
    path.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + timeout_seconds
    while True:
        try:
            con = duckdb.connect(str(path), read_only=read_only)
            _set_session(con)
            # DuckDB takes up to 80% of RAM by default; cap it as the dbt profile does.
            limit = os.environ.get("SEGMENT_KPIS_DUCKDB_MEMORY_LIMIT", "6GB")
            con.execute(f"set memory_limit = '{limit}'")
            return con
        except duckdb.Error as error:
            if not _is_lock_error(error) or time.monotonic() >= deadline:
                if _is_lock_error(error):
                    raise WarehouseBusyError(
                        f"The warehouse {path} is held by another process and stayed locked for "
                        f"{timeout_seconds:.0f}s (SEGMENT_KPIS_LOCK_TIMEOUT). Close the program "
                        f"holding it, or have it open the file read-only and not during the "
                        f"nightly run. DuckDB says: {error}"
                    ) from error
                raise
            time.sleep(poll_seconds)


def _set_session(con: duckdb.DuckDBPyConnection) -> None:
    # per connection (a cursor does not inherit it); memory_limit is per database
    con.execute("set TimeZone = 'UTC'")


def thread_cursor(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """A connection of its own to the same database, for another thread, with the session
    settings of `con` (time zone UTC). Python objects registered on `con` are not visible in it."""
    cursor = con.cursor()
    _set_session(cursor)
    return cursor


@contextmanager
def warehouse(
    path: Path, *, read_only: bool = False, timeout_seconds: float = 60.0
) -> Iterator[duckdb.DuckDBPyConnection]:
    con = connect_with_wait(path, read_only=read_only, timeout_seconds=timeout_seconds)
    try:
        yield con
    finally:
        con.close()
