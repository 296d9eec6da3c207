"""The benchmark at a tiny scale: it runs the real pipeline and writes the JSON and the Markdown
with every field; generated data is reused and earlier scenarios are kept when merging."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

import bench
from bench import report
from bench.measure import head_commit
from bench.run import _copy_run_dir, ensure_data, main, merge, prepare_source

pytestmark = pytest.mark.e2e

CUSTOMERS = 300
STAGES = ("ingest", "dbt", "publish", "serving", "dashboard")
MEASURED = (
    "process_wall_s",
    "cpu_s",
    "peak_tree_rss_bytes",
    "max_process_rss_bytes",
    "load_start",
    "load_end",
    "commit",
    "measured_at",
    "host",
)
PIPELINE_FIELDS = (
    "run_id",
    "total_s",
    "run_s",
    "import_s",
    "rows_read",
    "rows_loaded",
    "drops_ingested",
    "ingest_rows_per_s",
    "warehouse_bytes",
    "warehouse_used_bytes",
    "published_bytes",
)


@pytest.fixture(scope="module")
def bench_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("bench")
    args = ["--customers", str(CUSTOMERS), "--daily-drops", "1", "--work", str(root / "work")]
    args += ["--out", str(root / "BENCHMARKS.md"), "--scenarios", "full,engine,ingest", "--fresh"]
    assert main(args) == 0
    return {
        "root": root,
        "results": json.loads((root / "results.json").read_text()),
        "markdown": (root / "BENCHMARKS.md").read_text(),
    }


def test_results_json_has_every_field(bench_run):
    results = bench_run["results"]
    assert results["schema"] == 1
    assert {"cores", "ram_bytes", "load_at_start", "cpu_model"} <= results["machine"].keys()
    assert results["machine"]["cores"] >= 1 and results["machine"]["ram_bytes"] > 0
    assert results["commit"]["commit"] and isinstance(results["commit"]["dirty"], bool)
    assert all(results["versions"][name] for name in ("dagster", "dbt-core", "duckdb"))

    scale = results["scales"][str(CUSTOMERS)]
    data = scale["data"]
    assert data["customers"] == CUSTOMERS and data["orders"] > 0 and data["rows_total"] > 0
    assert data["landing_bytes"] > 0 and data["raw_parquet"]["total_bytes"] > 0
    assert data["generation_s"] > 0 and data["peak_tree_rss_bytes"] > 0
    assert len(data["drop_dates"]) == 2

    full = scale["scenarios"]["full"]
    for field in (*PIPELINE_FIELDS, *MEASURED):
        assert full.get(field) is not None, field
    assert full["success"] and full["drops_ingested"] == 2
    assert set(STAGES) <= full["stages"].keys()
    assert all(full["stages"][stage] > 0 for stage in STAGES)
    assert full["total_s"] >= sum(full["stages"].values())
    assert full["rows_read"] == data["rows_total"]
    assert full["peak_tree_rss_bytes"] > 0 and full["max_process_rss_bytes"] > 0
    assert full["host"]["cpu_model"] == results["machine"]["cpu_model"]
    assert full["host"]["kernel"] and 0 < full["host"]["calibration_s"] < 60

    tables = {t["table"]: t for t in full["tables"]}
    assert "marts.fct_segment_kpis" in tables and tables["raw.orders_orders"]["rows"] > 0
    assert sum(t["bytes"] for t in full["tables"]) <= full["warehouse_used_bytes"]

    dbt = full["dbt"]
    assert dbt["count_by_kind"]["model"] == len(dbt["models"]) > 10
    assert dbt["count_by_kind"]["test"] > 0 and dbt["seconds_by_kind"]["model"] > 0
    assert {"before_s", "parse_s", "nodes_s", "after_s"} <= dbt["phases"].keys()
    seconds = [model["seconds"] for model in dbt["models"]]
    assert seconds == sorted(seconds, reverse=True)

    engine = scale["scenarios"]["engine"]
    for field in ("models_s", "tests_s", "compile_s", "copy_s", *MEASURED):
        assert engine.get(field) is not None, field
    assert engine["model_count"] == dbt["count_by_kind"]["model"]
    assert engine["test_count"] == dbt["count_by_kind"]["test"]
    assert engine["tests_failing"] == 0
    assert {model["model"] for model in engine["models"]} == {m["model"] for m in dbt["models"]}
    materialized = {model["dbt_materialized"] for model in engine["models"]}
    assert {"incremental", "table", "view"} <= materialized


def test_ingest_alone_and_data_reused(bench_run):
    scale = bench_run["results"]["scales"][str(CUSTOMERS)]
    ingest = scale["scenarios"]["ingest"]
    for field in ("ingest_s", "rows_read", "ingest_rows_per_s", "duckdb_memory_limit", *MEASURED):
        assert ingest.get(field) is not None, field
    assert 0 < ingest["rows_read"] < scale["scenarios"]["full"]["rows_read"]  # history only

    scale_dir = bench_run["root"] / "work" / f"c{CUSTOMERS}"
    cache = scale_dir / "generation.json"
    before = cache.stat().st_mtime_ns
    data = ensure_data(scale_dir, CUSTOMERS, seed=42, daily_drops=1)
    assert data["reused"] and data["orders"] == scale["data"]["orders"]
    assert cache.stat().st_mtime_ns == before


def test_head_snapshot_runs_the_committed_code(tmp_path):
    if not head_commit():
        pytest.skip("not a git checkout")
    source = prepare_source("head", tmp_path)
    assert (source.cwd / "dagster_project" / "runner.py").exists()
    assert (source.cwd / "dbt_models" / "dbt_project.yml").exists()
    assert source.commit()["label"] == head_commit()[:7] and not source.commit()["dirty"]
    assert str(Path(bench.__file__).resolve().parent.parent) in source.env["PYTHONPATH"]


def test_the_kept_starting_point_links_parquet_files_and_copies_the_rest(tmp_path):
    source = tmp_path / "nightly"
    version = source / "published" / "versions" / "version=1"
    version.mkdir(parents=True)
    (version / "t.parquet").write_bytes(b"PAR1")
    (source / "published" / "_ops").mkdir()
    (source / "published" / "_ops" / "runs.jsonl").write_text("{}\n")  # appended in place
    (source / "warehouse").mkdir()
    (source / "warehouse" / "warehouse.duckdb").write_bytes(b"db")
    target = tmp_path / "nightly-prep"

    _copy_run_dir(source, target)

    copied = target / "published" / "versions" / "version=1" / "t.parquet"
    assert copied.stat().st_ino == (version / "t.parquet").stat().st_ino
    for name in ("published/_ops/runs.jsonl", "warehouse/warehouse.duckdb"):
        assert (target / name).read_bytes() == (source / name).read_bytes()
        assert (target / name).stat().st_ino != (source / name).stat().st_ino


def test_merge_keeps_scenarios_not_measured_again():
    old = {"data": {"orders": 10}, "scenarios": {"full": {"total_s": 1}, "engine": {"x": 1}}}
    new = {"data": {"orders": 10}, "scenarios": {"full": {"total_s": 2}}}
    assert merge(old, new)["scenarios"] == {"full": {"total_s": 2}, "engine": {"x": 1}}
    other_data = {"data": {"orders": 11}, "scenarios": {"full": {"total_s": 3}}}
    assert merge(old, other_data) == other_data  # different data: nothing carried over


def test_markdown_has_every_section_and_figure(bench_run):
    markdown = bench_run["markdown"]
    for heading in (
        "## Setup",
        "## Data",
        "## Results",
        "## Targets",
        "## Inside the dbt step",
        "## Pipeline vs engine",
        "## Top models",
        "## Warehouse: largest tables",
        "## What dominates",
        "## Known gaps",
        "## How it is measured",
    ):
        assert heading in markdown, heading
    full = bench_run["results"]["scales"][str(CUSTOMERS)]["scenarios"]["full"]
    row = next(line for line in markdown.splitlines() if line.startswith("| 300 | **full**"))
    assert report.secs(full["total_s"]) in row and full["commit"] in row
    assert report.host_name(full) in row and report.secs(full["host"]["calibration_s"]) in row
    assert row.count("|") == 20 and " – " not in row  # every column filled
    assert f"Rows below: {report.host_name(full)}: 300." in markdown
    assert f"`{full['dbt']['models'][0]['model']}`" in markdown
    assert bench_run["results"]["commit"]["commit"] in markdown


def test_report_extrapolates_two_scales_to_the_targets(bench_run):
    """Rendering alone, on the tiny scale's figures copied to a 10x scale with every scenario:
    the targets get a 1M column and the gaps name the targets missed."""
    results = copy.deepcopy(bench_run["results"])
    small = results["scales"][str(CUSTOMERS)]
    full = small["scenarios"]["full"]
    small["scenarios"]["nightly"] = {**full, "prep": dict(full)}
    small["scenarios"]["backfill"] = {**full, "prep": dict(full)}
    big = copy.deepcopy(small)
    big["customers"] = CUSTOMERS * 10
    for scenario in big["scenarios"].values():
        for key in ("total_s", "models_s", "peak_tree_rss_bytes"):
            if key in scenario:
                scenario[key] *= 10
        scenario.get("stages", {}).update({k: v * 10 for k, v in full["stages"].items()})
    results["scales"][str(CUSTOMERS * 10)] = big
    markdown = report.render(
        results, json_path=Path("bench/results.json"), out_path=Path("BENCHMARKS.md")
    )
    targets = markdown.split("## Targets")[1].split("\n## ")[0]
    full_row = next(line for line in targets.splitlines() if "Full build" in line)
    assert full_row.count("FAIL") >= 1 and "1.00" in full_row  # b = 1: ten times for ten times
    dominates = markdown.split("## What dominates")[1].split("\n## ")[0]
    nightly = next(line for line in dominates.splitlines() if "**Nightly at 3k**" in line)
    assert "incremental models" in nightly and "from scratch" not in nightly
    gaps = markdown.split("## Known gaps")[1].split("\n## ")[0]
    assert "Full build, empty warehouse" in gaps and "× the target" in gaps
    assert "docs/performance.md" in gaps  # where the why is written down
    assert "### 3,000 customers" in markdown or "### 3k customers" in markdown


@pytest.mark.parametrize(
    ("prep_cpu_s", "expected_share", "flagged"),
    [
        (450.0, 0.20, False),  # prep on 1.5 cores like the nightly: wall ÷ wall, 60 s / 300 s
        (150.0, 0.60, True),  # prep on 0.5 cores (shared machine): CPU ÷ CPU, 90 s / 150 s
    ],
)
def test_nightly_share_at_1m_in_cpu_time_when_the_prep_shared_the_machine(
    prep_cpu_s, expected_share, flagged
):
    prep = {"total_s": 300.0, "cpu_s": prep_cpu_s}
    at_1m = {"scenarios": {"nightly": {"total_s": 60.0, "cpu_s": 90.0, "prep": prep}}}
    target = next(t for t in report.TARGETS if t.key == "nightly_share")
    value, note = report.measured_at_1m(target, at_1m)
    assert value == pytest.approx(expected_share)
    assert ("in CPU time" in note and "wall time: 20%" in note) == flagged
    assert (note == "") == (not flagged)
    full = next(t for t in report.TARGETS if t.key == "full")
    assert report.measured_at_1m(full, at_1m)[1].endswith("machine shared)") == flagged


@pytest.mark.parametrize(("full_commit", "expected_share"), [("abc1234", 0.25), ("def5678", 0.20)])
def test_nightly_share_divides_by_a_full_build_of_the_same_commit_only(full_commit, expected_share):
    # a full build of another commit may have run on a slower or faster host: the nightly's
    # own prep (all drops but the last, just before it) stands in
    scale = {
        "scenarios": {
            "full": {"total_s": 240.0, "commit": full_commit},
            "nightly": {"total_s": 60.0, "commit": "abc1234", "prep": {"total_s": 300.0}},
        }
    }
    assert report.nightly_share(scale) == pytest.approx(expected_share)


def test_host_name_names_the_cpu_family_and_kernel_build():
    intel = {"host": {"cpu_model": "Intel(R) Xeon(R) Processor", "kernel": "6.18.44-fc-v1045"}}
    assert report.host_name(intel) == "Intel Xeon v1045"
    amd = {"host": {"cpu_model": "AMD EPYC", "kernel": "6.18.44-fc-v595"}}
    assert report.host_name(amd) == "AMD EPYC v595"
    assert report.host_name({}) == "unknown"
