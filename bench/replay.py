"""Replay one benchmark night with the code as it is now: A/B measurements of a change to the
nightly run, on one host, without the 1M prep (22 min).

    .venv/bin/python -m bench.replay --customers 1000000 --label before --source head
    .venv/bin/python -m bench.replay --customers 1000000 --label after   # the working tree

Needs the starting point `bench/run.py --keep` saved (bench/out/c<N>/nightly-prep) and that
run's nightly parameters (c<N>/logs/nightly-timed.params.json). The replay copies the starting
point to c<N>/replay-<label> (Parquet files hard-linked), marks it as built by the code now
(the dbt project's fingerprint in ops.dbt_builds, the code version in the publication
checkpoint: else a changed model or publication module would make the replay a full rebuild),
runs the same drop through the pipeline in a measured subprocess, prints the stage times and
the slowest dbt steps, and writes the result to c<N>/logs/replay-<label>.result.json.

What it measures is the current code's nightly on a warehouse the earlier code built: compare
two replays of one starting point (before / after a change), not a replay with a table row.
Nothing here goes into BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb

from bench.run import PROJECT_ROOT, Source, _copy_run_dir, prepare_source, run_worker, say
from dagster_project.lib.builds import project_fingerprint
from dagster_project.lib.version import code_version
from dagster_project.publish.checkpoint import CHECKPOINT


def mark_built_by_current_code(root: Path) -> None:
    """Make the copied state look built by the code now: same dbt fingerprint, same version."""
    warehouse = root / "warehouse" / "warehouse.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        con.execute(
            "update ops.dbt_builds set fingerprint = ? "
            "where build_id = (select max(build_id) from ops.dbt_builds)",
            [project_fingerprint()],
        )
    checkpoint = root / "published" / CHECKPOINT
    data = json.loads(checkpoint.read_text())
    data["code_version"] = code_version()
    checkpoint.write_text(json.dumps(data, indent=2) + "\n")


def replay(scale_dir: Path, label: str, keep: bool, source: Source) -> dict:
    start = scale_dir / "nightly-prep"
    params_path = scale_dir / "logs" / "nightly-timed.params.json"
    if not start.is_dir() or not params_path.is_file():
        raise SystemExit(f"no kept night in {scale_dir}: run bench/run.py --keep first")
    root = scale_dir / f"replay-{label}"
    _copy_run_dir(start, root)
    # in the measured code's own interpreter setup (a HEAD snapshot has its own dbt project)
    subprocess.run(
        [sys.executable, "-m", "bench.replay", "--mark-built", str(root)],
        cwd=source.cwd,
        env=source.env,
        check=True,
    )
    params = {**json.loads(params_path.read_text()), "root": str(root)}
    result = run_worker("pipeline", params, scale_dir / "logs", f"replay-{label}", source)
    if not keep:
        shutil.rmtree(root, ignore_errors=True)
    return result


def summary(result: dict, top: int = 12) -> str:
    lines = [
        f"success {result['success']}, total {result['total_s']:.1f}s, "
        f"peak {result['peak_tree_rss_bytes'] / 2**30:.2f} GiB",
        "stages: " + ", ".join(f"{k} {v:.1f}s" for k, v in result["stages"].items()),
    ]
    dbt = result["dbt"] or {}
    kinds = dbt.get("seconds_by_kind", {})
    lines.append("dbt: " + ", ".join(f"{kind} {s:.1f}s" for kind, s in kinds.items()))
    lines += [f"  {node['seconds']:7.1f}s  {node['model']}" for node in dbt.get("models", [])[:top]]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int)
    parser.add_argument("--label", default="now")
    parser.add_argument("--work", type=Path, default=PROJECT_ROOT / "bench" / "out")
    parser.add_argument("--keep", action="store_true", help="keep the replayed state")
    parser.add_argument("--source", choices=("worktree", "head"), default="worktree")
    parser.add_argument("--mark-built", type=Path, help=argparse.SUPPRESS)  # internal step
    args = parser.parse_args(argv)
    args.work = args.work.resolve()  # dbt runs in the project dir: a relative path would move
    if args.mark_built:
        mark_built_by_current_code(args.mark_built)
        return 0
    if not args.customers:
        parser.error("--customers is required")
    source = prepare_source(args.source, args.work)
    say(f"replaying c{args.customers}/nightly-prep with the {source.label}")
    result = replay(args.work / f"c{args.customers}", args.label, args.keep, source)
    say(summary(result))
    return 0 if result["success"] else 1


if __name__ == "__main__":
    sys.exit(main())
