"""bench/replay.py at a tiny scale: the kept night, replayed with code that differs from the
code that built it, runs as a nightly (no full dbt rebuild), on a copy of the starting point."""

from __future__ import annotations

import json

import duckdb
import pytest

from bench.replay import replay
from bench.run import Source, main
from dagster_project.lib.builds import project_fingerprint
from dagster_project.lib.version import code_version
from dagster_project.publish.checkpoint import CHECKPOINT

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def kept_night(tmp_path_factory):
    root = tmp_path_factory.mktemp("replay")
    args = ["--customers", "300", "--daily-drops", "1", "--work", str(root / "work"), "--keep"]
    args += ["--out", str(root / "BENCHMARKS.md"), "--scenarios", "nightly", "--fresh"]
    assert main(args) == 0
    scale_dir = root / "work" / "c300"
    start = scale_dir / "nightly-prep"
    # as if earlier code had built it: another dbt fingerprint, another code version
    with duckdb.connect(str(start / "warehouse" / "warehouse.duckdb")) as con:
        con.execute("update ops.dbt_builds set fingerprint = 'built-by-older-code'")
    checkpoint = start / "published" / CHECKPOINT
    checkpoint.write_text(json.dumps({**json.loads(checkpoint.read_text()), "code_version": "x"}))
    return scale_dir


def test_a_replay_runs_the_kept_night_as_a_nightly_of_the_code_now(kept_night):
    start = kept_night / "nightly-prep" / "warehouse" / "warehouse.duckdb"
    before = start.read_bytes()

    result = replay(kept_night, "test", keep=True, source=Source())

    assert result["success"]
    assert result["dbt"]["count_by_kind"]["unit_test"] == 0  # they run with full builds only
    replayed = kept_night / "replay-test"
    with duckdb.connect(str(replayed / "warehouse" / "warehouse.duckdb")) as con:
        builds = con.execute("select fingerprint, full_refresh from ops.dbt_builds").fetchall()
    assert builds[-1] == (project_fingerprint(), False)
    checkpoint = json.loads((replayed / "published" / CHECKPOINT).read_text())
    assert checkpoint["code_version"] == code_version()
    assert start.read_bytes() == before  # the starting point is left as it was
    assert (kept_night / "logs" / "replay-test.result.json").exists()
