"""What runs inside each measured subprocess: `python -m bench.worker <task> <params> <result>`.

Tasks (parameters and result are JSON files):

- `generate`: the project's sample data generator at one scale;
- `pipeline`: one real `run_pipeline` call (Dagster job in process: ingest -> dbt build ->
  publish -> serving file -> dashboard) over a range of drops, then its step timings from the
  Dagster event log, the ingestion counts of the run and dbt's run_results.json;
- `engine`: the compiled SQL of every dbt model run directly in one DuckDB session on a copy
  of a fully built warehouse, no Dagster, no dbt;
- `ingest`: one drop through the ingestion function alone, into an empty warehouse.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from datetime import date, datetime
from pathlib import Path

STAGES = {
    "raw_extracts": "ingest",
    "dbt_models": "dbt",
    "published_snapshots": "publish",
    "serving_database": "serving",
    "kpi_dashboard": "dashboard",
}
HASH_KEY = "bench-hash-key"
# dbt's messages saying whether it parsed the project fully or partially
PARSE_EVENTS = {
    "UnableToPartialParse",
    "PartialParsingEnabled",
    "PartialParsingSkipParsing",
    "PartialParsingNotEnabled",
}


def _size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) if path.exists() else 0


def warehouse_sizes(path: Path) -> dict:
    """File size on disk (plus WAL) and the bytes DuckDB actually uses in it."""
    import duckdb

    sizes = {"warehouse_bytes": _size(path) + _size(path.with_name(path.name + ".wal"))}
    con = duckdb.connect(str(path), read_only=True)
    try:
        block_size, used_blocks, free_blocks = con.execute(
            "select block_size, used_blocks, free_blocks from pragma_database_size() "
            "where database_name = current_database()"
        ).fetchone()
    finally:
        con.close()
    sizes["warehouse_used_bytes"] = int(block_size) * int(used_blocks)
    sizes["warehouse_free_bytes"] = int(block_size) * int(free_blocks)
    return sizes


def table_sizes(warehouse: Path) -> list[dict]:
    """Rows and approximate bytes of every table, largest first: the blocks each table's
    segments live in (`pragma_storage_info`), a block shared by several tables split evenly."""
    import duckdb

    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        block_size = con.execute(
            "select block_size from pragma_database_size() where database_name = current_database()"
        ).fetchone()[0]
        tables = con.execute(
            "select schema_name, table_name, estimated_size, column_count from duckdb_tables() "
            "where not temporary and database_name = current_database()"
        ).fetchall()
        owners: dict[int, set[str]] = {}
        for schema, name, _rows, _columns in tables:
            blocks = con.execute(
                "select distinct unnest(list_prepend(block_id, "
                "coalesce(additional_block_ids, []::bigint[]))) "
                f'from pragma_storage_info(\'"{schema}"."{name}"\') '
                "where persistent and block_id >= 0"
            ).fetchall()
            for (block,) in blocks:
                owners.setdefault(block, set()).add(f"{schema}.{name}")
    finally:
        con.close()
    share: dict[str, float] = {}
    for names in owners.values():
        for name in names:
            share[name] = share.get(name, 0.0) + block_size / len(names)
    sizes = [
        {
            "table": f"{schema}.{name}",
            "rows": int(rows),
            "columns": int(columns),
            "bytes": int(share.get(f"{schema}.{name}", 0)),
        }
        for schema, name, rows, columns in tables
    ]
    return sorted(sizes, key=lambda t: -t["bytes"])


def raw_parquet_bytes(warehouse: Path, scratch: Path) -> dict:
    """The raw extracts as Parquet: every raw entity table (every version of every drop, typed,
    lineage columns left out) written with DuckDB's COPY, snappy compression; bytes per table."""
    import duckdb

    from dagster_project.ingest import ENTITIES

    scratch.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(warehouse), read_only=True)
    sizes = {}
    try:
        for source, entity in ENTITIES:
            table = f"{source}_{entity}"
            columns = [
                name
                for (name,) in con.execute(
                    "select column_name from information_schema.columns "
                    "where table_schema = 'raw' and table_name = ? order by ordinal_position",
                    [table],
                ).fetchall()
                if not name.startswith("_")
            ]
            target = scratch / f"{table}.parquet"
            select = ", ".join(f'"{name}"' for name in columns)
            con.execute(
                f"copy (select {select} from raw.{table}) to '{target}' "
                "(format parquet, compression snappy)"
            )
            sizes[table] = target.stat().st_size
            target.unlink()
    finally:
        con.close()
    return {"tables": sizes, "total_bytes": sum(sizes.values())}


# --------------------------------------------------------------------------------------------
# generate


def task_generate(params: dict) -> dict:
    from dagster_project.sample_data import generate_sample_data

    landing = Path(params["landing"])
    started = time.perf_counter()
    summary = generate_sample_data(
        landing,
        customers=params["customers"],
        seed=params["seed"],
        daily_drops=params["daily_drops"],
    )
    seconds = time.perf_counter() - started
    return {
        "generation_s": round(seconds, 3),
        "customers": summary.customers,
        "buyers": summary.buyers,
        "orders": summary.orders,
        "rows": summary.rows,
        "rows_total": sum(summary.rows.values()),
        "files": summary.files,
        "drop_dates": [d.isoformat() for d in summary.drop_dates],
        "landing_bytes": _size(landing),
    }


# --------------------------------------------------------------------------------------------
# pipeline


def _settings(params: dict):
    from dagster_project.settings import Settings

    root = Path(params["root"])
    return Settings(
        landing_dir=Path(params["landing"]),
        warehouse_path=root / "warehouse" / "warehouse.duckdb",
        published_dir=root / "published",
        first_drop_date=params.get("first_drop_date", "2024-01-01"),
        hash_key=HASH_KEY,
        lock_timeout_seconds=60,
    )


def step_timings(instance, run_id: str) -> tuple[dict[str, float], float | None, dict]:
    """Seconds per stage (STEP_START -> STEP_SUCCESS/FAILURE), RUN_START -> RUN_SUCCESS, and
    the raw (start, end) timestamps per stage."""
    from dagster import DagsterEventType as T

    kinds = {
        T.STEP_START,
        T.STEP_SUCCESS,
        T.STEP_FAILURE,
        T.RUN_START,
        T.RUN_SUCCESS,
        T.RUN_FAILURE,
    }
    starts: dict[str, float] = {}
    ends: dict[str, float] = {}
    run_start = run_end = None
    for entry in instance.all_logs(run_id, of_type=kinds):
        kind = entry.dagster_event.event_type
        if kind == T.RUN_START:
            run_start = entry.timestamp
        elif kind in (T.RUN_SUCCESS, T.RUN_FAILURE):
            run_end = entry.timestamp
        elif kind == T.STEP_START:
            starts[entry.step_key] = entry.timestamp
        else:
            ends[entry.step_key] = entry.timestamp
    windows = {STAGES.get(k, k): (start, ends[k]) for k, start in starts.items() if k in ends}
    stages = {stage: round(end - start, 3) for stage, (start, end) in windows.items()}
    run_s = round(run_end - run_start, 3) if run_start and run_end else None
    return stages, run_s, windows


def _epoch(timestamp: str) -> float:
    return datetime.fromisoformat(timestamp.replace("Z", "+00:00")).timestamp()


def dbt_phases(log_path: Path, window: tuple[float, float] | None) -> dict:
    """Where the dbt step's time goes, from dbt's JSON log and the step's start and end:
    before dbt logs anything (dagster-dbt set-up, dbt's own imports), start-up + parse (up to
    "Found N models"), running the nodes, and after dbt's last line (Dagster's event handling)."""
    first = found = last = parse_mode = None
    with log_path.open() as lines:
        for line in lines:
            try:
                info = json.loads(line)["info"]
            except (ValueError, KeyError):
                continue
            ts = _epoch(info["ts"])
            first = first or ts
            if info.get("name") == "FoundStats" and found is None:
                found = ts
            if parse_mode is None and info.get("name") in PARSE_EVENTS:
                parse_mode = info.get("msg", "")[:120]
            last = ts
    if first is None:
        return {}
    phases = {
        "parse_s": round((found or first) - first, 3),
        "nodes_s": round(last - (found or first), 3),
    }
    phases["parse_mode"] = parse_mode
    if window:
        phases["before_s"] = round(first - window[0], 3)
        phases["after_s"] = round(window[1] - last, 3)
    return phases


def dbt_run_results(
    target_root: Path, run_id: str, window: tuple[float, float] | None
) -> dict | None:
    """Per-node timings of the dbt invocation of this run (dagster-dbt's unique target dir)."""
    candidates = sorted(target_root.glob(f"dbt_models-{run_id[:7]}-*/run_results.json"))
    if not candidates:
        return None
    path = candidates[-1]
    results = json.loads(path.read_text())
    nodes = []
    totals = {"model": 0.0, "test": 0.0, "unit_test": 0.0, "seed": 0.0}
    counts = {"model": 0, "test": 0, "unit_test": 0, "seed": 0}
    for result in results["results"]:
        kind, _package, *rest = result["unique_id"].split(".")
        seconds = float(result.get("execution_time") or 0.0)
        totals[kind] = totals.get(kind, 0.0) + seconds
        counts[kind] = counts.get(kind, 0) + 1
        if kind == "model":
            relation = (result.get("relation_name") or "").replace('"', "")
            nodes.append(
                {
                    "model": relation.split(".", 1)[-1] if relation else rest[-1],
                    "seconds": round(seconds, 3),
                    "status": result["status"],
                }
            )
    nodes.sort(key=lambda node: -node["seconds"])
    log = path.parent / "dbt.log"
    return {
        "target_dir": str(path.parent),
        "elapsed_s": round(float(results["elapsed_time"]), 3),
        "seconds_by_kind": {kind: round(value, 3) for kind, value in totals.items()},
        "count_by_kind": counts,
        "phases": dbt_phases(log, window) if log.exists() else {},
        "models": nodes,
    }


def ingestion_counts(warehouse: Path, run_id: str) -> dict:
    import duckdb

    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        rows = con.execute(
            "select count(distinct _drop_date), coalesce(sum(rows_read), 0), "
            "coalesce(sum(rows_loaded), 0), coalesce(sum(rows_quarantined), 0) "
            "from raw.ingestion_log where _run_id = ?",
            [run_id],
        ).fetchone()
    finally:
        con.close()
    return {
        "drops_ingested": int(rows[0]),
        "rows_read": int(rows[1]),
        "rows_loaded": int(rows[2]),
        "rows_quarantined": int(rows[3]),
    }


def _dbt(command: list[str], warehouse: Path, target: Path) -> None:
    """One quiet dbt command on the project, against `warehouse`, into the target dir `target`
    (its logs there too)."""
    from dagster_project.settings import DBT_PROJECT_DIR, dbt_command

    subprocess.run(
        dbt_command([*command, "--quiet"], target),
        check=True,
        env={
            **os.environ,
            "SEGMENT_KPIS_WAREHOUSE": str(warehouse),
            "DBT_LOG_PATH": str(target),
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        },
        cwd=DBT_PROJECT_DIR,
    )


def prepare_partial_parse(target_root: Path, warehouse: Path) -> None:
    """dbt's parse state where dagster-dbt looks for it (DBT_TARGET_PATH), parsed with this
    run's warehouse path: what a long-lived deployment has, so each run parses partially (a
    changed profile, e.g. another warehouse path, would force a full parse)."""
    if not (target_root / "partial_parse.msgpack").exists():
        _dbt(["parse"], warehouse, target_root)


def task_pipeline(params: dict) -> dict:
    target_root = Path(params["root"]) / "dbt_target"
    target_root.mkdir(parents=True, exist_ok=True)
    # dagster-dbt puts each invocation's target dir under DBT_TARGET_PATH (default
    # dbt_models/target): keep the benchmark's artefacts out of the project's.
    os.environ["DBT_TARGET_PATH"] = str(target_root)
    os.environ.setdefault(
        "SEGMENT_KPIS_FIRST_DROP_DATE", params.get("first_drop_date", "2024-01-01")
    )

    started = time.perf_counter()
    import dagster as dg

    import dagster_project.definitions  # noqa: F401  (imports, and `dbt parse` if no manifest)
    from dagster_project.runner import run_pipeline

    import_s = time.perf_counter() - started
    settings = _settings(params)
    started = time.perf_counter()
    prepare_partial_parse(target_root, settings.warehouse_path)
    prepare_s = time.perf_counter() - started
    instance = dg.DagsterInstance.ephemeral()
    first, last = date.fromisoformat(params["first"]), date.fromisoformat(params["last"])
    started = time.perf_counter()
    outcome = run_pipeline(settings, first, last, instance=instance)
    wall = time.perf_counter() - started
    stages, run_s, windows = step_timings(instance, outcome.run_id)
    result = {
        "run_id": outcome.run_id,
        "success": outcome.success,
        "errors": outcome.errors,
        "not_materialized": outcome.not_materialized,
        "failed_checks": outcome.failed_checks,
        "first_drop": params["first"],
        "last_drop": params["last"],
        "import_s": round(import_s, 3),
        "partial_parse_prepare_s": round(prepare_s, 3),
        "total_s": round(wall, 3),
        "run_s": run_s,
        "stages": stages,
        "published_bytes": _size(settings.published_dir),
    }
    if settings.warehouse_path.exists():
        result.update(ingestion_counts(settings.warehouse_path, outcome.run_id))
        result.update(warehouse_sizes(settings.warehouse_path))
        ingest_s = stages.get("ingest")
        result["ingest_rows_per_s"] = (
            round(result["rows_read"] / ingest_s) if ingest_s and result["rows_read"] else None
        )
    result["dbt"] = dbt_run_results(target_root, outcome.run_id, windows.get("dbt"))
    return result


# --------------------------------------------------------------------------------------------
# engine


def _dag_order(nodes: dict[str, dict]) -> list[str]:
    """Model unique ids in dependency order (Kahn; ties in manifest order)."""
    remaining = {
        uid: {dep for dep in node["depends_on"]["nodes"] if dep in nodes}
        for uid, node in nodes.items()
    }
    order: list[str] = []
    while remaining:
        ready = [uid for uid, deps in remaining.items() if not deps]
        if not ready:
            raise RuntimeError(f"dependency cycle among {sorted(remaining)}")
        for uid in ready:
            order.append(uid)
            del remaining[uid]
        for deps in remaining.values():
            deps.difference_update(ready)
    return order


def compile_project(warehouse: Path, target: Path) -> Path:
    """`dbt compile` against `warehouse` into `target`; returns the manifest. Incremental
    models are compiled as a full build computes them (--full-refresh)."""
    _dbt(["compile", "--full-refresh"], warehouse, target)
    return target / "manifest.json"


def profile_settings() -> dict[str, str]:
    """The DuckDB `settings` of the dbt profile's default target, `env_var()` defaults resolved
    the way dbt would: the engine runs with the same settings as the dbt build."""
    import yaml

    from dagster_project.settings import DBT_PROJECT_DIR

    profiles = yaml.safe_load((DBT_PROJECT_DIR / "profiles.yml").read_text())
    project = yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text())
    profile = profiles[project["profile"]]
    settings = profile["outputs"][profile["target"]].get("settings") or {}
    env_var = re.compile(
        r"""\{\{\s*env_var\(\s*['"]([^'"]+)['"]\s*(?:,\s*['"]([^'"]*)['"])?\s*\)\s*\}\}"""
    )

    def render(value) -> str:
        return env_var.sub(lambda m: os.environ.get(m.group(1), m.group(2) or ""), str(value))

    return {key: render(value) for key, value in settings.items()}


def task_engine(params: dict) -> dict:
    import duckdb

    source = Path(params["source_warehouse"])
    root = Path(params["root"])
    shutil.rmtree(root, ignore_errors=True)
    # Same file name as the pipeline's: the compiled SQL names the catalog ("warehouse").
    copy = root / "warehouse" / source.name
    copy.parent.mkdir(parents=True)
    started = time.perf_counter()
    shutil.copyfile(source, copy)
    copy_s = time.perf_counter() - started

    started = time.perf_counter()
    manifest = json.loads(compile_project(copy, root / "dbt_compile").read_text())
    compile_s = time.perf_counter() - started
    models = {
        uid: node
        for uid, node in manifest["nodes"].items()
        if node["resource_type"] == "model" and node["config"]["materialized"] != "ephemeral"
    }
    tests = [
        node
        for node in manifest["nodes"].values()
        if node["resource_type"] == "test" and node.get("compiled_code")
    ]

    settings = profile_settings()
    con = duckdb.connect(str(copy))
    for key, value in settings.items():
        con.execute(f"set {key} = '{value}'")
    timings = []
    started_all = time.perf_counter()
    for uid in _dag_order(models):
        node = models[uid]
        kind = "view" if node["config"]["materialized"] == "view" else "table"
        relation = node["relation_name"]
        started = time.perf_counter()
        con.execute(f"create or replace {kind} {relation} as\n{node['compiled_code']}")
        timings.append(
            {
                "model": f"{node['schema']}.{node['alias'] or node['name']}",
                "materialized": kind,  # what the engine created
                "dbt_materialized": node["config"]["materialized"],  # what dbt builds
                "seconds": round(time.perf_counter() - started, 3),
            }
        )
    models_s = time.perf_counter() - started_all

    started = time.perf_counter()
    failing = 0
    for node in tests:
        failures = con.execute(
            f"select count(*) from (\n{node['compiled_code']}\n) dbt_internal_test"
        ).fetchone()[0]
        failing += failures > 0
    tests_s = time.perf_counter() - started
    con.close()
    return {
        "duckdb_settings": settings,
        "copy_s": round(copy_s, 3),
        "compile_s": round(compile_s, 3),
        "models_s": round(models_s, 3),
        "model_count": len(timings),
        "tests_s": round(tests_s, 3),
        "test_count": len(tests),
        "tests_failing": int(failing),
        "models": sorted(timings, key=lambda t: -t["seconds"]),
        "dag_order": [t["model"] for t in timings],
    }


# --------------------------------------------------------------------------------------------
# ingest only


def task_ingest(params: dict) -> dict:
    from dagster_project.ingest import ensure_schema, ingest_drop
    from dagster_project.lib.warehouse import warehouse

    root = Path(params["root"])
    shutil.rmtree(root, ignore_errors=True)
    path = root / "warehouse" / "warehouse.duckdb"
    drop = date.fromisoformat(params["drop"])
    started = time.perf_counter()
    with warehouse(path) as con:
        ensure_schema(con)
        report = ingest_drop(con, Path(params["landing"]), drop, run_id="bench-ingest")
        memory_limit = con.execute("select current_setting('memory_limit')").fetchone()[0]
    seconds = time.perf_counter() - started
    rows_read = sum(file.rows_read for file in report.files)
    return {
        "drop": params["drop"],
        "files": len(report.files),
        "ingest_s": round(seconds, 3),
        "rows_read": rows_read,
        "rows_loaded": sum(file.rows_loaded for file in report.files),
        "rows_quarantined": sum(file.rows_quarantined for file in report.files),
        "ingest_rows_per_s": round(rows_read / seconds) if seconds else None,
        "drop_bytes": sum(_size(Path(params["landing"]) / f.file) for f in report.files),
        "duckdb_memory_limit": memory_limit,
        **warehouse_sizes(path),
    }


TASKS = {
    "generate": task_generate,
    "pipeline": task_pipeline,
    "engine": task_engine,
    "ingest": task_ingest,
}


def main(argv: list[str]) -> int:
    task, params_path, result_path = argv
    params = json.loads(Path(params_path).read_text())
    result = TASKS[task](params)
    Path(result_path).write_text(json.dumps(result, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
