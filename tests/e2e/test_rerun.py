"""Idempotency: running the same drops again gives identical marts and publishes nothing new.

Runs after test_pipeline_run.py (same session fixture)."""

from __future__ import annotations

import hashlib

import duckdb

from dagster_project.defs.publish_assets import MARTS
from dagster_project.runner import run_pipeline


def _fingerprint(settings) -> dict[str, str]:
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        marts = {
            mart: con.execute(
                f"select md5(string_agg(cast(t as varchar), '|' order by cast(t as varchar))) "
                f"from marts.{mart} as t"
            ).fetchone()[0]
            for mart in MARTS
        }
    published = settings.published_dir
    files = {
        str(path.relative_to(published)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(published.glob("versions/**/*"))
        if path.is_file()
    }
    return {**marts, "published_files": hashlib.sha256(repr(files).encode()).hexdigest()}


def test_second_run_changes_nothing(pipeline_run):
    before = _fingerprint(pipeline_run.settings)
    outcome = run_pipeline(pipeline_run.settings, instance=pipeline_run.instance)
    assert outcome.success, outcome.describe()
    assert _fingerprint(pipeline_run.settings) == before
