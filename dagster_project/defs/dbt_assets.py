"""dbt models, seeds and tests as Dagster assets and asset checks (dagster-dbt).

`dbt build` runs models and tests in DAG order; an error-severity test failure stops the build,
fails this step and so keeps every publish asset from running (blocking checks).
"""

import os
import shutil
import subprocess
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import (
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtCliResource,
    DbtProject,
    dbt_assets,
)

from dagster_project.defs.resources import PipelineResource
from dagster_project.lib.builds import (
    FULL_REFRESH_TAG,
    last_build,
    mark_build_started,
    needs_full_refresh,
    project_fingerprint,
    record_build,
    unfinished_build,
)
from dagster_project.lib.warehouse import warehouse
from dagster_project.settings import DBT_PROJECT_DIR, Settings, dbt_command

DBT_PROJECT = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)


# What dbt writes into the project dir, not the project's own files.
_NOT_PROJECT_FILES = ("target", "logs", "dbt_packages")


def manifest_is_stale(project_dir: Path, manifest_path: Path) -> bool:
    """True when the manifest is missing (fresh clone) or older than a file of the dbt project
    (an edit or a pull since it was parsed): its models and test ids would not be those dbt
    builds, and a test id dbt reports that the asset checks do not know fails the run."""
    if not manifest_path.exists():
        return True
    parsed_at = manifest_path.stat().st_mtime
    for entry in project_dir.iterdir():
        if entry.name in _NOT_PROJECT_FILES or entry.name.startswith("."):
            continue  # dotfiles: dbt's .user.yml is rewritten by every dbt command
        paths = entry.rglob("*") if entry.is_dir() else [entry]
        if any(path.is_file() and path.stat().st_mtime > parsed_at for path in paths):
            return True
    return False


def ensure_manifest(project: DbtProject = DBT_PROJECT, *, refresh: bool = False) -> None:
    """`dbt parse` when the manifest is stale (manifest_is_stale) or a refresh is asked for.

    Parsed with the same absolute warehouse path the run will use, so that dbt's partial
    parsing stays valid in each run's target dir (a changed profile forces a full re-parse).
    """
    if refresh or manifest_is_stale(project.project_dir, project.manifest_path):
        warehouse = str(Settings.from_env().warehouse_path)
        subprocess.run(
            dbt_command(["parse", "--quiet"], project.manifest_path.parent),
            check=True,
            env={**os.environ, "SEGMENT_KPIS_WAREHOUSE": warehouse},
        )


ensure_manifest()

KEEP_RUN_TARGET_DIRS = 5
PRUNE_AFTER_SECONDS = 3600  # never a dir a concurrent run may still be writing


def prune_run_target_dirs(project: DbtProject = DBT_PROJECT) -> None:
    """dagster-dbt gives every run its own target dir; keep the newest few (logs, run_results)."""
    run_dirs = sorted(
        (path for path in project.manifest_path.parent.glob("*-*") if path.is_dir()),
        key=lambda path: path.stat().st_mtime,
    )
    cutoff = time.time() - PRUNE_AFTER_SECONDS
    for path in run_dirs[:-KEEP_RUN_TARGET_DIRS]:
        if path.stat().st_mtime < cutoff:
            shutil.rmtree(path, ignore_errors=True)


class SegmentKpisTranslator(DagsterDbtTranslator):
    """Asset keys are <schema>/<name> (marts/fct_segment_kpis); groups are the dbt layers."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] in ("model", "seed", "snapshot"):
            schema = dbt_resource_props["config"].get("schema") or "main"
            return dg.AssetKey([schema, dbt_resource_props["name"]])
        return super().get_asset_key(dbt_resource_props)

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "seed":
            return "reference"
        fqn = dbt_resource_props.get("fqn", [])
        return fqn[1] if len(fqn) > 2 else "dbt"


INCREMENTAL_BUILD_FLAGS = ("--exclude-resource-type", "unit_test")


@dbt_assets(
    manifest=DBT_PROJECT.manifest_path,
    project=DBT_PROJECT,
    dagster_dbt_translator=SegmentKpisTranslator(
        settings=DagsterDbtTranslatorSettings(enable_asset_checks=True)
    ),
)
def dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource, pipeline: PipelineResource):
    """Build (run + test) the selected dbt models against the warehouse: incrementally, unless
    the dbt project changed since the last build or a full refresh is asked for
    (lib/builds.py)."""
    # dbt reads the warehouse path from this variable (profiles.yml); make it absolute.
    os.environ["SEGMENT_KPIS_WAREHOUSE"] = str(pipeline.warehouse)
    timeout = pipeline.lock_timeout_seconds
    fingerprint = project_fingerprint()
    whole_project = context.selected_asset_keys == set(context.assets_def.keys)
    # waits (bounded) while another process holds the file, as dbt could not open it either
    with warehouse(pipeline.warehouse, timeout_seconds=timeout) as con:
        last, unfinished = last_build(con), unfinished_build(con)
        if whole_project:  # a partial selection does not count as a build
            mark_build_started(con, context.run.run_id)
    requested = context.run.tags.get(FULL_REFRESH_TAG, "").lower() == "true"
    reason = needs_full_refresh(last, fingerprint, requested, unfinished)
    # Unit tests check the SQL, which changes only with the project: they run with every full
    # build (a changed project, a new warehouse, --full-refresh), not on incremental nights.
    args = ["build", "--full-refresh"] if reason else ["build", *INCREMENTAL_BUILD_FLAGS]
    context.log.info(f"dbt {' '.join(args)}" + (f": {reason}" if reason else " (incremental)"))
    prune_run_target_dirs()
    yield from dbt.cli(args, context=context).stream()
    # reached only when every node succeeded
    if whole_project:
        with warehouse(pipeline.warehouse, timeout_seconds=timeout) as con:
            record_build(con, context.run.run_id, fingerprint, full_refresh=bool(reason))
