"""The benchmark (issue 5): the real pipeline at a real company's size, stage by stage.

    .venv/bin/python bench/run.py --customers 20000 200000 \
        [--scenarios full,nightly,engine,backfill] [--out BENCHMARKS.md]

For each scale, one after the other (never in parallel: the machine is shared): sample data
with the project's generator into `<work>/c<customers>/landing` (reused when the same
parameters were generated before), then every scenario, each measured run in a fresh
subprocess (wall, CPU, peak memory of the whole process tree including dbt):

- `full`: every drop, from an empty warehouse;
- `nightly`: every drop but the last (prep, recorded), then the last drop alone (timed);
- `engine`: after `full`, the compiled SQL of every dbt model in DAG order in one DuckDB
  session on a copy of the warehouse (no Dagster, no dbt), per model;
- `backfill`: the history drop (prep), then the month of daily drops in one run (timed);
- `ingest`: the history drop through the ingestion function alone (no Dagster, no dbt).

Results go to `--json` (default bench/results.json; merged with the scales and scenarios
already there unless --fresh) and the Markdown report to `--out` (default BENCHMARKS.md).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `bench` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import report
from bench.measure import (
    PROJECT_ROOT,
    commit_info,
    head_commit,
    host_info,
    load_average,
    machine_info,
    run_measured,
)
from bench.worker import raw_parquet_bytes, table_sizes

SCENARIOS = ("full", "engine", "nightly", "backfill", "ingest")  # the order they run in
DEFAULT_SCENARIOS = "full,nightly,engine,backfill"
DEFAULT_OUT = PROJECT_ROOT / "BENCHMARKS.md"
DEFAULT_JSON = PROJECT_ROOT / "bench" / "results.json"
SCHEMA_VERSION = 1


SNAPSHOT_PATHS = ("dagster_project", "dbt_models")  # what a HEAD snapshot holds


class BenchError(RuntimeError):
    """A measured run failed; the message says which and where its log is."""


@dataclass
class Source:
    """The code measured: the working tree as it is, or a snapshot of HEAD (`--source head`,
    immune to commits and edits landing during a long benchmark)."""

    cwd: Path = PROJECT_ROOT
    env: dict[str, str] | None = None
    fixed_commit: dict | None = None
    label: str = "working tree"
    commit_seen: list[str] = field(default_factory=list)

    def commit(self) -> dict:
        info = self.fixed_commit or commit_info()
        self.commit_seen.append(info["label"])
        return info


def prepare_source(kind: str, work: Path) -> Source:
    if kind == "worktree":
        return Source()
    sha = head_commit()
    if not sha:
        raise BenchError("--source head needs a git checkout")
    snapshot = work / "src" / sha[:12]
    if not snapshot.exists():
        archive = subprocess.run(
            ["git", "--no-optional-locks", "archive", "--format=tar", sha, *SNAPSHOT_PATHS],
            cwd=PROJECT_ROOT,
            capture_output=True,
            check=True,
        ).stdout
        partial = snapshot.with_name(snapshot.name + ".partial")
        shutil.rmtree(partial, ignore_errors=True)
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(partial, filter="data")
        partial.rename(snapshot)
    # The snapshot is the working directory, so its `dagster_project` comes first on sys.path;
    # `bench` (this code) is found through PYTHONPATH.
    pythonpath = os.pathsep.join(p for p in (str(PROJECT_ROOT), os.environ.get("PYTHONPATH")) if p)
    short = sha[:7]
    return Source(
        cwd=snapshot,
        env={**os.environ, "PYTHONPATH": pythonpath},
        fixed_commit={"commit": short, "dirty": False, "label": short, "changed_files": []},
        label=f"snapshot of HEAD {short} in {snapshot}",
    )


def say(message: str) -> None:
    stamp = datetime.now().strftime("%H:%M:%S")
    print(f"[bench {stamp} load {load_average()[0]:.2f}] {message}", flush=True)


def run_worker(task: str, params: dict, logs: Path, name: str, source: Source) -> dict:
    """One measured subprocess running `bench.worker <task>`; its result plus the measures."""
    logs.mkdir(parents=True, exist_ok=True)
    params_path, result_path = logs / f"{name}.params.json", logs / f"{name}.result.json"
    params_path.write_text(json.dumps(params, indent=2))
    result_path.unlink(missing_ok=True)
    measured = run_measured(
        [sys.executable, "-m", "bench.worker", task, str(params_path), str(result_path)],
        logs / f"{name}.log",
        cwd=source.cwd,
        env=source.env,
    )
    if measured.returncode != 0 or not result_path.exists():
        tail = (logs / f"{name}.log").read_text(errors="replace").splitlines()[-15:]
        raise BenchError(
            f"{name}: exit code {measured.returncode}; log {logs / f'{name}.log'}:\n"
            + "\n".join(tail)
        )
    result = json.loads(result_path.read_text())
    result.update(measured.as_dict())
    return result


# --------------------------------------------------------------------------------------------
# data


def ensure_data(
    scale_dir: Path, customers: int, seed: int, daily_drops: int, source: Source | None = None
) -> dict:
    """Generated landing zone of this scale: reused when generated with the same parameters."""
    landing = scale_dir / "landing"
    cache = scale_dir / "generation.json"
    params = {"customers": customers, "seed": seed, "daily_drops": daily_drops}
    if cache.exists() and (landing / ".sample_data").exists():
        data = json.loads(cache.read_text())
        if data.get("params") == params:
            say(f"{customers:,} customers: reusing the data in {landing}")
            return {**data, "reused": True}
    say(f"{customers:,} customers: generating into {landing}")
    cache.unlink(missing_ok=True)
    result = run_worker(
        "generate",
        {"landing": str(landing), **params},
        scale_dir / "logs",
        "generate",
        source or Source(),
    )
    data = {"params": params, "landing": str(landing), **result}
    cache.write_text(json.dumps(data, indent=2))
    say(
        f"generated {data['orders']:,} orders, {data['rows_total']:,} rows in "
        f"{data['generation_s']:.0f}s"
    )
    return {**data, "reused": False}


def ensure_raw_parquet(scale_dir: Path, data: dict, warehouse: Path) -> None:
    """Size of the raw extracts as Parquet, from a warehouse holding every drop (cached)."""
    if "raw_parquet" in data:
        return
    started = time.perf_counter()
    data["raw_parquet"] = raw_parquet_bytes(warehouse, scale_dir / "raw_parquet")
    data["raw_parquet"]["seconds"] = round(time.perf_counter() - started, 3)
    shutil.rmtree(scale_dir / "raw_parquet", ignore_errors=True)
    cache = scale_dir / "generation.json"
    stored = json.loads(cache.read_text())
    stored["raw_parquet"] = data["raw_parquet"]
    cache.write_text(json.dumps(stored, indent=2))


# --------------------------------------------------------------------------------------------
# scenarios


def pipeline(scale_dir, data, scenario, label, first, last, source: Source) -> dict:
    say(f"  {scenario}/{label}: run over drops {first} .. {last}")
    params = {"landing": data["landing"], "root": str(scale_dir / scenario), "first": first}
    params["last"] = last
    result = run_worker("pipeline", params, scale_dir / "logs", f"{scenario}-{label}", source)
    if not result["success"]:
        raise BenchError(
            f"{scenario}/{label}: the pipeline run failed: errors {result['errors']}, "
            f"not materialized {result['not_materialized']}, checks {result['failed_checks']}"
        )
    say(
        f"  {scenario}/{label}: {result['total_s']:.1f}s "
        + " ".join(f"{k} {v:.1f}s" for k, v in result["stages"].items())
        + f", peak {result['peak_tree_rss_bytes'] / 2**30:.2f} GiB"
    )
    return result


def _prep_summary(result: dict) -> dict:
    keys = ("first_drop", "last_drop", "drops_ingested", "rows_read", "total_s", "stages")
    keys += ("peak_tree_rss_bytes", "cpu_s", "load_start", "warehouse_bytes")
    return {key: result.get(key) for key in keys}


def _fresh(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)


def _copy_run_dir(source: Path, target: Path) -> None:
    """A copy of a run's directory; its Parquet files are hard links (the pipeline never writes
    a Parquet file in place: it writes one aside and swaps it in), everything else is copied."""

    def copy(src: str, dst: str) -> None:
        if src.endswith(".parquet"):
            os.link(src, dst)
        else:
            shutil.copy2(src, dst)

    _fresh(target)
    say(f"  copying {source.name} to {target}")
    shutil.copytree(source, target, copy_function=copy)


def run_scenario(scenario: str, scale_dir: Path, data: dict, keep: bool, source: Source) -> dict:
    drops = data["drop_dates"]
    warehouse = scale_dir / scenario / "warehouse" / "warehouse.duckdb"
    if scenario == "full":
        _fresh(scale_dir / scenario)
        result = pipeline(scale_dir, data, scenario, "timed", drops[0], drops[-1], source)
    elif scenario == "nightly":
        _fresh(scale_dir / scenario)
        prep = pipeline(scale_dir, data, scenario, "prep", drops[0], drops[-2], source)
        if keep:  # the nightly's starting point, for A/B runs of one night
            _copy_run_dir(scale_dir / scenario, scale_dir / f"{scenario}-prep")
        result = pipeline(scale_dir, data, scenario, "timed", drops[-1], drops[-1], source)
        result["prep"] = _prep_summary(prep)
    elif scenario == "backfill":
        _fresh(scale_dir / scenario)
        prep = pipeline(scale_dir, data, scenario, "prep", drops[0], drops[0], source)
        result = pipeline(scale_dir, data, scenario, "timed", drops[1], drops[-1], source)
        result["prep"] = _prep_summary(prep)
    elif scenario == "engine":
        built = scale_dir / "full" / "warehouse" / "warehouse.duckdb"
        if not built.exists():
            raise BenchError(f"engine needs the full build's warehouse {built}: add `full`")
        say("  engine: dbt compile, then every model's SQL in one DuckDB session")
        params = {"source_warehouse": str(built), "root": str(scale_dir / "engine")}
        result = run_worker("engine", params, scale_dir / "logs", "engine", source)
        say(f"  engine: models {result['models_s']:.1f}s, tests {result['tests_s']:.1f}s")
        if not keep:
            _fresh(scale_dir / "engine" / "warehouse")
    elif scenario == "ingest":
        say(f"  ingest: history drop {drops[0]} through the ingestion function alone")
        params = {"landing": data["landing"], "root": str(scale_dir / "ingest"), "drop": drops[0]}
        result = run_worker("ingest", params, scale_dir / "logs", "ingest", source)
        say(f"  ingest: {result['ingest_s']:.1f}s, {result['ingest_rows_per_s']:,} rows/s")
        if "raw_parquet" not in data:
            result["raw_parquet_history"] = raw_parquet_bytes(warehouse, scale_dir / "raw_parquet")
        if not keep:
            _fresh(scale_dir / "ingest")
    else:
        raise ValueError(f"unknown scenario {scenario!r}; choose from {', '.join(SCENARIOS)}")

    if scenario in ("full", "nightly", "backfill"):
        ensure_raw_parquet(scale_dir, data, warehouse)  # every drop is in by now
        result["tables"] = table_sizes(warehouse)
        if not keep:
            _fresh(scale_dir / scenario / "published")
            if scenario != "full":  # the full build's warehouse serves the engine scenario
                _fresh(scale_dir / scenario / "warehouse")
    return result


def run_scale(customers: int, args, source: Source) -> dict:
    scale_dir = args.work / f"c{customers}"
    scale_dir.mkdir(parents=True, exist_ok=True)
    data = ensure_data(scale_dir, customers, args.seed, args.daily_drops, source)
    scenarios = {}
    for scenario in [s for s in SCENARIOS if s in args.scenarios]:
        started = datetime.now(UTC).isoformat(timespec="seconds")
        commit = source.commit()["label"]
        host = host_info()
        say(f"  {scenario}: host {host['cpu_model']}, calibration {host['calibration_s']} s")
        result = run_scenario(scenario, scale_dir, data, args.keep, source)
        result["commit"] = commit
        result["host"] = host
        result["measured_at"] = started
        scenarios[scenario] = result
    return {
        "customers": customers,
        "seed": args.seed,
        "daily_drops": args.daily_drops,
        "data": {key: value for key, value in data.items() if key != "params"},
        "scenarios": scenarios,
    }


# --------------------------------------------------------------------------------------------
# results


def versions() -> dict:
    names = ("dagster", "dagster-dbt", "dbt-core", "dbt-duckdb", "duckdb")
    found = {}
    for name in names:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = None
    return {"python": sys.version.split()[0], **found}


def merge(previous: dict | None, scale: dict) -> dict:
    """New scenarios of a scale replace the old ones; scenarios not re-measured are kept."""
    if not previous or previous.get("data", {}).get("orders") != scale["data"].get("orders"):
        return scale
    return {**scale, "scenarios": {**previous.get("scenarios", {}), **scale["scenarios"]}}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, nargs="+", default=[20_000, 200_000])
    parser.add_argument("--scenarios", default=DEFAULT_SCENARIOS, help=",".join(SCENARIOS))
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="the Markdown report")
    parser.add_argument(
        "--json", type=Path, default=None, help="default bench/results.json (beside --out if set)"
    )
    parser.add_argument("--work", type=Path, default=PROJECT_ROOT / "bench" / "out")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--daily-drops", type=int, default=30)
    parser.add_argument(
        "--source",
        choices=("worktree", "head"),
        default="worktree",
        help="measure the working tree, or a snapshot of HEAD (stable while others commit)",
    )
    parser.add_argument("--fresh", action="store_true", help="do not merge earlier results")
    parser.add_argument(
        "--render-only", action="store_true", help="rewrite --out from --json, measure nothing"
    )
    parser.add_argument(
        "--keep",
        action="store_true",
        help="keep every warehouse and output, and a copy of the nightly's starting point "
        "(c<N>/nightly-prep)",
    )
    args = parser.parse_args(argv)
    args.scenarios = [s.strip() for s in args.scenarios.split(",") if s.strip()]
    unknown = sorted(set(args.scenarios) - set(SCENARIOS))
    if unknown:
        parser.error(f"unknown scenario(s) {unknown}; choose from {', '.join(SCENARIOS)}")
    if args.json is None:
        args.json = DEFAULT_JSON if args.out == DEFAULT_OUT else args.out.parent / "results.json"
    args.out, args.json, args.work = args.out.resolve(), args.json.resolve(), args.work.resolve()
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.render_only:
        results = json.loads(args.json.read_text())
        args.out.write_text(report.render(results, json_path=args.json, out_path=args.out))
        say(f"{args.out} rewritten from {args.json}")
        return 0
    machine = machine_info()
    source = prepare_source(args.source, args.work)
    commit = source.commit()
    say(
        f"{source.label}: commit {commit['label']}, {machine['cores']} cores, "
        f"{machine['ram_bytes'] / 2**30:.1f} GiB RAM, load {machine['load_at_start']}"
    )
    results = {}
    if args.json.exists() and not args.fresh:
        results = json.loads(args.json.read_text())
        if results.get("schema") != SCHEMA_VERSION:
            results = {}
    scales = results.get("scales", {})
    for customers in args.customers:  # sequentially, never in parallel
        scale = run_scale(customers, args, source)
        scales[str(customers)] = merge(scales.get(str(customers)), scale)
        results.update(
            {
                "schema": SCHEMA_VERSION,
                "updated_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "machine": machine,
                "versions": versions(),
                "commit": {**commit, "source": args.source},
                "scales": dict(sorted(scales.items(), key=lambda item: int(item[0]))),
            }
        )
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2) + "\n")
        args.out.write_text(report.render(results, json_path=args.json, out_path=args.out))
        say(f"{customers:,} customers done: {args.out} and {args.json} written")
    return 0


if __name__ == "__main__":
    sys.exit(main())
