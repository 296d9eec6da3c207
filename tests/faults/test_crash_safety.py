"""Guarantee 4, crash safety: runs killed with SIGKILL during ingestion, during dbt and during
publication, then run again, end with exactly the outputs of an uninterrupted run, and no
reader ever sees a half-written published version.

One chain from an empty warehouse over the reference drops, each step a child process
(`children.py run`) SIGKILLed with its whole process group (dbt included):

1. killed inside the transaction that writes the second drop, after its first file's rows
   were inserted;
2. run again, killed while `dbt build` is writing the warehouse (its WAL has grown past 1 MB);
3. run again, killed while publishing, between two version folders (one complete in .tmp/);
4. run again, in process, to the end.

After each kill the state is checked (what a reader could see), and at the end warehouse and
published outputs are compared with the reference run's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.faults.support import (
    DAY1,
    HISTORY,
    RUN_COLUMNS,
    State,
    check_published_consistency,
    group_commands,
    kill_group,
    make_state,
    published_outputs,
    query,
    spawn,
    table_fingerprints,
    wait_for,
    warehouse_content,
)

PAUSE_VERSION = 12  # publication is killed before committing its 12th version folder
DBT_WAL_BYTES = 1_000_000


@dataclass
class Chain:
    state: State
    markers: dict[str, str] = field(default_factory=dict)
    after_ingest: dict = field(default_factory=dict)
    after_dbt: dict = field(default_factory=dict)
    after_publish: dict = field(default_factory=dict)
    final_outcome: object = None


def _kill_at(state: State, stage: str, root: Path, *, ready=None) -> str:
    """Run the pipeline in a child, wait for `stage`'s marker (and `ready()`), SIGKILL it."""
    marker = root / f"{stage}.marker"
    log = root / f"{stage}.log"
    env = {**state.env(), "FAULTS_PAUSE_VERSION": str(PAUSE_VERSION)}
    proc = spawn("run", stage, marker, log=log, env=env)
    try:
        wait_for(marker.exists, proc=proc, log=log, what=f"the {stage} marker")
        if ready is not None:
            wait_for(ready, proc=proc, log=log, what=f"{stage} to be under way")
        label = marker.read_text().splitlines()[0]
        if stage == "dbt":  # dbt is really running when the group is killed
            assert any(" build" in c and "dbt" in c for c in group_commands(proc.pid)), label
    finally:
        kill_group(proc)
    assert proc.returncode == -9, f"{stage}: exit status {proc.returncode}"
    return label


def _raw_drops(state: State) -> dict[str, list[str]]:
    """The drop dates present in each raw table."""
    tables = query(
        state.warehouse,
        "select table_schema || '.' || table_name from information_schema.columns "
        "where table_schema = 'raw' and column_name = '_drop_date' order by 1",
    )
    return {
        table: [
            str(row[0])
            for row in query(state.warehouse, f"select distinct _drop_date from {table} order by 1")
        ]
        for (table,) in tables
    }


@pytest.fixture(scope="module")
def chain(tmp_path_factory, landing, run) -> Chain:
    root = tmp_path_factory.mktemp("crash")
    state = make_state(root, landing)
    result = Chain(state)

    result.markers["ingest"] = _kill_at(state, "ingest", root)
    result.after_ingest = {"drops": _raw_drops(state)}

    wal = state.warehouse.with_name("warehouse.duckdb.wal")

    def dbt_writing() -> bool:
        return wal.exists() and wal.stat().st_size > DBT_WAL_BYTES

    result.markers["dbt"] = _kill_at(state, "dbt", root, ready=dbt_writing)
    result.after_dbt = {
        "raw": table_fingerprints(state.warehouse, ["raw", "quarantine"], ignore=RUN_COLUMNS),
        "published": sorted(p.name for p in state.published.glob("*"))
        if state.published.exists()
        else [],
    }

    result.markers["publish"] = _kill_at(state, "publish", root)
    published = state.published
    result.after_publish = {
        "problems": check_published_consistency(published),
        "versions": len(list(published.glob("versions/*/*/version=*"))),
        "leftovers": sorted(p.name for p in (published / ".tmp").glob("*")),
        "serving": (published / "serving" / "segment_kpis.duckdb").exists(),
    }

    result.final_outcome = run(state)
    return result


def test_kill_during_ingestion_loses_only_the_uncommitted_drop(chain):
    assert chain.markers["ingest"].startswith(f"ingest {DAY1} after ")
    # the first drop committed; the one being written when killed left no trace, not even the
    # rows of its first file, inserted before the kill
    drops = chain.after_ingest["drops"]
    assert "raw.crm_customers" in drops and len(drops) == 8  # 6 entities and the two logs
    assert drops == dict.fromkeys(drops, [HISTORY])


def test_kill_during_dbt_leaves_raw_complete_and_nothing_published(chain, reference):
    assert chain.markers["dbt"] == "dbt"
    reference_raw = table_fingerprints(
        reference.warehouse, ["raw", "quarantine"], ignore=RUN_COLUMNS
    )
    assert chain.after_dbt["raw"] == reference_raw  # the rerun finished ingesting every drop
    assert not {"versions", "current", "serving", "dashboard"} & set(chain.after_dbt["published"])


def test_kill_during_publication_exposes_no_partial_version(chain):
    assert chain.markers["publish"].startswith("publish ")
    after = chain.after_publish
    assert after["problems"] == []
    assert after["versions"] == PAUSE_VERSION - 1  # committed before the kill; the rest absent
    assert after["leftovers"], "the kill should have left the version being written in .tmp/"
    assert not after["serving"]


def test_rerun_after_the_crashes_equals_an_uninterrupted_run(chain, reference):
    outcome = chain.final_outcome
    assert outcome.success, outcome.describe()
    assert warehouse_content(chain.state, lineage=False) == warehouse_content(
        reference, lineage=False
    )
    assert published_outputs(chain.state.published) == published_outputs(reference.published)
    assert check_published_consistency(chain.state.published) == []
    assert not (chain.state.published / ".tmp").exists()
    assert not list((chain.state.published / "serving").glob(".tmp-*"))
