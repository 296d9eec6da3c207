"""Child processes of the fault-injection suite: `python children.py <role> ...`.

run <pause_at> <marker>
    Run the pipeline (settings from the SEGMENT_KPIS_* environment, an ephemeral Dagster
    instance) and, at `pause_at`, write `marker` and wait to be killed:
      ingest   inside the transaction of the second drop: its old rows deleted, its first
               file's rows inserted, before the second file's;
      dbt      just before `dbt build` starts (the marker only: the parent decides when to
               kill, watching the warehouse's write-ahead log grow);
      publish  just before the FAULTS_PAUSE_VERSION-th version folder is renamed into place
               (the earlier ones are committed, this one is complete in published/.tmp/).
    The pauses wrap the project's own functions and call the real ones; DuckDB, dbt and
    Dagster run unchanged. The exit status after a full run is 0 on success.

read <serving> <current_glob> <ready> <stop> <result>
    Hold the serving DuckDB file open read-only and, until `stop` exists, query it and the
    current/ Parquet glob in a loop; write what was seen (and any error) to `result` as JSON.

hold <warehouse> <ready> <mode>
    Hold a connection to the warehouse (mode rw: read-write, ro: read-only) until killed.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
import traceback
from pathlib import Path


def _mark(marker: Path, label: str) -> None:
    """Write the marker atomically: the parent never reads it half-written."""
    temp = marker.with_name(marker.name + ".tmp")
    temp.write_text(f"{label}\n{os.getpid()}\n")
    os.replace(temp, marker)


def _pause(marker: Path, label: str) -> None:
    _mark(marker, label)
    while True:  # the parent sends SIGKILL
        time.sleep(1)


def run(pause_at: str, marker: Path) -> int:
    import dagster as dg

    from dagster_project.runner import run_pipeline
    from dagster_project.settings import Settings

    if pause_at == "ingest":
        import dagster_project.ingest.load as load

        real_insert = load._insert_file
        inserts: dict[object, int] = {}  # drop date -> files inserted

        def insert_file(con, staged, drop_date, run_id, ingested_at):
            inserts[drop_date] = inserts.get(drop_date, 0) + 1
            if len(inserts) == 2 and inserts[drop_date] == 2:
                _pause(marker, f"ingest {drop_date} after {staged.relative}")
            return real_insert(con, staged, drop_date, run_id, ingested_at)

        load._insert_file = insert_file
    elif pause_at == "dbt":
        import dagster_project.defs.dbt_assets as dbt_assets

        real_prune = dbt_assets.prune_run_target_dirs

        def prune_run_target_dirs(*args, **kwargs):  # the last step before dbt starts
            real_prune(*args, **kwargs)
            _mark(marker, "dbt")

        dbt_assets.prune_run_target_dirs = prune_run_target_dirs
    elif pause_at == "publish":
        import dagster_project.publish.versions as versions

        real_move = versions.move_dir_into_place
        pause_before = int(os.environ.get("FAULTS_PAUSE_VERSION", "10"))
        moves = done = 0
        counting = threading.Lock()

        def move_dir_into_place(staged, target):
            # versions are published on a few threads: the one reaching the pause_before-th
            # move waits for the earlier moves to finish, marks and waits for the kill; every
            # later move waits too
            nonlocal moves, done
            with counting:
                moves += 1
                number = moves
            if number == pause_before:
                while done < pause_before - 1:
                    time.sleep(0.05)
                _pause(marker, f"publish {target}")
            while number > pause_before:
                time.sleep(1)
            real_move(staged, target)
            with counting:
                done += 1

        versions.move_dir_into_place = move_dir_into_place
    elif pause_at != "none":
        raise SystemExit(f"unknown pause point {pause_at}")

    outcome = run_pipeline(Settings.from_env(), instance=dg.DagsterInstance.ephemeral())
    print(outcome.describe(), flush=True)
    return 0 if outcome.success else 1


def read(serving: Path, current_glob: str, ready: Path, stop: Path, result: Path) -> int:
    import duckdb

    seen: dict[str, object] = {
        "iterations": 0,
        "errors": [],
        "retried": [],
        "held": [],
        "current": [],
    }
    kpis = "select count(*), sum(revenue) from marts.fct_segment_kpis"
    current = (
        f"select count(*), sum(revenue) from read_parquet('{current_glob}', "
        f"hive_partitioning = true) where segment_dimension = 'all'"
    )
    try:
        held = duckdb.connect(str(serving), read_only=True)
        (built_at,) = held.execute("select cast(built_at as varchar) from main.meta").fetchone()
        seen["built_at"] = built_at
        parquet = duckdb.connect()
        _mark(ready, "reading")
        while True:
            stopping = stop.exists()
            for name, con, sql in (("held", held, kpis), ("current", parquet, current)):
                # the held file never changes: one attempt. A current/ query that runs while a
                # file is swapped can fail in DuckDB (it lists the glob's file sizes before
                # opening the files; docs/analysts.md): it is run again, as a reader would,
                # and only a query that fails every attempt is an error.
                attempts = 1 if name == "held" else 3
                for attempt in range(attempts):
                    try:
                        value = [str(v) for v in con.execute(sql).fetchone()]
                    except Exception as error:  # noqa: BLE001 - every failure is the finding
                        failure = f"{name}: {type(error).__name__}: {error}"
                        if attempt + 1 == attempts:
                            seen["errors"].append(failure)
                        else:
                            seen["retried"].append(failure)
                        continue
                    if not seen[name] or seen[name][-1][1] != value:
                        seen[name].append([time.time(), value])
                    break
            seen["iterations"] += 1
            seen["last_at"] = time.time()
            if stopping:
                break
            time.sleep(0.05)
        (seen["built_at_at_end"],) = held.execute(
            "select cast(built_at as varchar) from main.meta"
        ).fetchone()
        held.close()
    except Exception:  # noqa: BLE001
        seen["errors"].append(traceback.format_exc())
    result.write_text(json.dumps(seen))
    return 0


def hold(warehouse: Path, ready: Path, mode: str) -> int:
    import duckdb

    con = duckdb.connect(str(warehouse), read_only=mode == "ro")  # either way: a file lock
    con.execute("select count(*) from raw.ingestion_log").fetchone()
    _mark(ready, "holding")
    while True:
        time.sleep(1)


if __name__ == "__main__":
    role, *args = sys.argv[1:]
    if role == "run":
        sys.exit(run(args[0], Path(args[1])))
    if role == "read":
        sys.exit(read(Path(args[0]), args[1], Path(args[2]), Path(args[3]), Path(args[4])))
    if role == "hold":
        sys.exit(hold(Path(args[0]), Path(args[1]), args[2]))
    raise SystemExit(f"unknown role {role}")
