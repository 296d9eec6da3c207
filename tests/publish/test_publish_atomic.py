"""Crashes: a version is never half-visible, leftovers are ignored by readers and cleaned."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

from dagster_project.publish import snapshots, versions


def _current_counts(env):
    glob = f"{env.published}/current/fct_segment_kpis/*/*/*.parquet"
    return env.query(
        f"select grain, period_start, count(*) from read_parquet('{glob}', hive_partitioning=true)"
        f" group by all order by all"
    )


def _plant_leftovers(env):
    """What a run killed mid-write leaves: a staged version folder with real Parquet in it."""
    staged = env.published / ".tmp" / "version-month-2024-01-01-v2-0123456789abcdef"
    staged.mkdir(parents=True)
    bogus = pa.table({"segment_dimension": ["all"], "segment": ["bogus"], "customers_end": [-1]})
    pq.write_table(bogus, staged / "fct_segment_kpis.parquet")
    (staged / "manifest.json").write_text("{")
    return staged


def test_crash_leftovers_are_invisible_to_readers_and_removed_by_the_next_run(env):
    env.publish()
    expected = _current_counts(env)
    staged = _plant_leftovers(env)

    assert _current_counts(env) == expected
    versions_glob = f"{env.published}/versions/*/*/*/fct_segment_kpis.parquet"
    assert env.query(
        f"select count(*) from read_parquet('{versions_glob}', hive_partitioning=true) "
        f"where segment = 'bogus'"
    ) == [(0,)]
    dataset = ds.dataset(env.published / "current" / "fct_segment_kpis", partitioning="hive")
    assert "bogus" not in dataset.to_table().column("segment").to_pylist()

    result = env.publish(run_id="run-2")

    assert result.stale_removed == [staged]
    assert not (env.published / ".tmp").exists()
    assert result.published == [] and result.restated == []


def test_a_run_dying_before_the_commit_leaves_no_version_visible(env, monkeypatch):
    def die(staged, target):
        raise KeyboardInterrupt("killed")

    monkeypatch.setattr(versions, "move_dir_into_place", die)
    with pytest.raises(KeyboardInterrupt):
        env.publish()

    assert list((env.published / "versions").glob("*/*/version=*")) == []
    assert not (env.published / "current").exists()
    assert any((env.published / ".tmp").iterdir())  # the staged version, left behind

    monkeypatch.undo()
    result = env.publish(run_id="run-2")

    assert len(result.published) == len(env.closed)
    assert result.stale_removed and not (env.published / ".tmp").exists()


def test_a_run_dying_after_the_commit_gets_current_repaired(env, monkeypatch):
    def die(source, target, staging):
        raise KeyboardInterrupt("killed")

    monkeypatch.setattr(snapshots, "place_file", die)
    with pytest.raises(KeyboardInterrupt):
        env.publish()
    committed = sorted((env.published / "versions").glob("*/*/version=1"))
    # the first period of each publishing thread committed, its current/ not yet swapped; the
    # periods not started were not started
    assert 1 <= len(committed) <= snapshots.PUBLISH_THREADS < len(env.closed)

    monkeypatch.undo()
    result = env.publish(run_id="run-2")

    assert sorted(item.path for item in result.current_repaired) == committed
    assert len(result.unchanged) == len(committed)
    assert len(result.published) == len(env.closed) - len(committed)
    assert _current_counts(env) == [
        (grain, start, len(env.segments)) for grain, start in sorted(env.closed)
    ]
