"""When a dbt build must be full (lib/builds.py): fingerprint of the dbt project, the build log."""

from __future__ import annotations

import shutil

import duckdb

from dagster_project.lib.builds import (
    last_build,
    last_full_refresh,
    mark_build_started,
    needs_full_refresh,
    project_fingerprint,
    record_build,
    unfinished_build,
)
from dagster_project.settings import DBT_PROJECT_DIR


def test_the_fingerprint_follows_models_macros_seeds_and_vars_only(tmp_path):
    project = tmp_path / "dbt"
    for name in ("dbt_project.yml", "models", "macros", "seeds", "tests"):
        source = DBT_PROJECT_DIR / name
        if source.is_dir():
            shutil.copytree(source, project / name)
        else:
            project.mkdir(exist_ok=True)
            shutil.copy(source, project / name)
    base = project_fingerprint(project)
    assert base == project_fingerprint(DBT_PROJECT_DIR)
    (project / "tests" / "extra.sql").write_text("select 1 where false")
    assert project_fingerprint(project) == base  # data tests do not change any table
    vars_file = project / "dbt_project.yml"
    vars_file.write_text(vars_file.read_text().replace("activity_window_days: 365", "x: 1"))
    changed = project_fingerprint(project)
    assert changed != base
    (project / "macros" / "new.sql").write_text("{% macro m() %}1{% endmacro %}")
    assert project_fingerprint(project) not in (base, changed)


def test_a_build_is_full_when_asked_first_or_after_a_project_change(tmp_path):
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    assert last_build(con) is None and last_full_refresh(con) is None
    assert "no earlier build" in needs_full_refresh(None, "a", requested=False)
    record_build(con, "run-1", "a", full_refresh=True)
    record_build(con, "run-2", "a", full_refresh=False)
    last = last_build(con)
    assert (last.build_id, last.fingerprint, last.full_refresh) == (2, "a", False)
    assert last_full_refresh(con) == 1
    assert needs_full_refresh(last, "a", requested=False) is None
    assert "changed" in needs_full_refresh(last, "b", requested=False)
    assert "requested" in needs_full_refresh(last, "a", requested=True)


def test_a_build_is_full_after_one_that_did_not_finish(tmp_path):
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    record_build(con, "run-1", "a", full_refresh=True)
    assert unfinished_build(con) is None
    mark_build_started(con, "run-2")  # then a model or a data test fails: nothing recorded
    assert unfinished_build(con) == "run-2"
    reason = needs_full_refresh(last_build(con), "a", requested=False, unfinished="run-2")
    assert "run-2 did not finish" in reason
    mark_build_started(con, "run-3")
    record_build(con, "run-3", "a", full_refresh=True)
    assert unfinished_build(con) is None
    assert needs_full_refresh(last_build(con), "a", requested=False) is None
