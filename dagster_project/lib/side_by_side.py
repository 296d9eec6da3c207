"""Independent pieces of work on a few threads (DuckDB, pyarrow and hashlib release the GIL)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")


class _NotStarted(Exception):
    """A piece skipped because an earlier one failed."""


def side_by_side(
    work: Callable[[Item], Result], items: Iterable[Item], *, threads: int, name: str
) -> list[Result]:
    """`work` of every item, on `threads` threads; the results in the items' order.

    Like a loop, a failing run stops early: once a piece fails (or is interrupted) no further
    piece starts, and the failure is re-raised when the pieces already running have ended. (A
    plain ThreadPoolExecutor.map runs every queued piece before raising.)"""
    failed = threading.Event()

    def guarded(item: Item) -> Result:
        if failed.is_set():
            raise _NotStarted
        try:
            return work(item)
        except BaseException:
            failed.set()
            raise

    pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix=name)
    try:
        # items start in order, so a piece skipped comes after the failure map raises first
        return list(pool.map(guarded, items))
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
