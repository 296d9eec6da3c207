"""`generate`, and the usage errors (exit code 2) that need no pipeline run."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from dagster_project.ingest import discover_drops
from tests.cli.conftest import Workspace, run_cli

CONSOLE_SCRIPT = Path(sys.executable).parent / "segment-kpis"


def test_generate_writes_drops_and_shows_progress(tmp_path):
    landing = tmp_path / "landing"
    result = run_cli(
        "generate", "--customers", "40", "--daily-drops", "2", "--landing", str(landing)
    )
    assert result.code == 0
    drops = discover_drops(landing)
    assert len(drops) == 3  # the history drop and two daily drops
    progress = [line for line in result.out.splitlines() if line.strip().startswith("[")]
    assert any("people: 40 simulated" in line for line in progress)
    assert sum("drop 20" in line for line in progress) == 3  # one line per drop written
    assert "40 customer ids" in result.out
    assert (landing / "orders" / drops[0].isoformat()).is_dir()


def test_generate_refuses_a_folder_it_did_not_write(tmp_path, capsys):
    (tmp_path / "precious.csv").write_text("keep me\n")
    assert run_cli("generate", "--customers", "10", "--landing", str(tmp_path)).code == 2
    assert "refusing to overwrite" in capsys.readouterr().err
    assert (tmp_path / "precious.csv").read_text() == "keep me\n"


def test_generate_rejects_a_non_positive_customer_count(tmp_path, capsys):
    assert run_cli("generate", "--customers", "0", "--landing", str(tmp_path)).code == 2
    assert "not a positive integer" in capsys.readouterr().err


def test_bad_dates_are_usage_errors(fresh_env, capsys):
    assert run_cli("backfill", "--from", "2025-13-01", "--to", "2025-12-31").code == 2
    assert "'2025-13-01' is not a date (YYYY-MM-DD)" in capsys.readouterr().err
    assert run_cli("run", "--to", "yesterday").code == 2
    assert run_cli("backfill", "--from", "2025-12-01").code == 2  # --to is required


def test_reversed_and_empty_ranges_are_usage_errors(fresh_env: Workspace, capsys):
    drops = fresh_env.drops
    last = drops[-1].isoformat()
    assert run_cli("backfill", "--from", last, "--to", drops[0].isoformat()).code == 2
    assert f"--from {last} is after --to" in capsys.readouterr().err

    assert run_cli("backfill", "--from", "2020-01-01", "--to", "2020-01-31").code == 2
    err = capsys.readouterr().err
    assert "No drop between 2020-01-01 and 2020-01-31" in err
    assert f"the drops found run from {drops[0]} to {drops[-1]} ({len(drops)} drops)" in err
    assert run_cli("run", "--from", "2030-01-01").code == 2
    assert not fresh_env.warehouse.exists()  # nothing ran


def test_an_empty_custom_landing_zone_is_a_usage_error(tmp_path, capsys):
    workspace = Workspace(tmp_path, tmp_path / "empty-landing")
    with workspace.activated():
        assert run_cli("run").code == 2
        assert run_cli("backfill", "--from", "2025-01-01", "--to", "2025-01-02").code == 2
    assert "No drops in" in capsys.readouterr().err
    assert not (tmp_path / "empty-landing").exists()  # no sample data written there


def test_a_missing_hash_key_is_reported_before_running(fresh_env, monkeypatch, capsys):
    monkeypatch.delenv("SEGMENT_KPIS_HASH_KEY")
    assert run_cli("run").code == 2
    assert "SEGMENT_KPIS_HASH_KEY" in capsys.readouterr().err
    assert not fresh_env.warehouse.exists()


def test_status_before_anything_exists_is_helpful_and_writes_nothing(tmp_path):
    workspace = Workspace(tmp_path / "nothing", tmp_path / "nothing" / "landing")
    with workspace.activated():
        result = run_cli("status")
    assert result.code == 0
    assert "no drops" in result.out
    assert "not built yet" in result.out
    assert "nothing published yet" in result.out
    assert "Nothing has run yet. `segment-kpis generate`" in result.out
    # only the Dagster home the fixture made: status itself created nothing
    assert sorted(p.name for p in workspace.root.iterdir()) == ["dagster_home"]


def test_console_script_help_documents_exit_codes():
    result = subprocess.run(
        [str(CONSOLE_SCRIPT), "--help"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0
    for command in ("generate", "run", "backfill", "status"):
        assert command in result.stdout
    assert "exit codes:" in result.stdout
    assert "2  usage or input error" in result.stdout


def test_console_script_exits_2_on_a_bad_date():
    result = subprocess.run(
        [str(CONSOLE_SCRIPT), "backfill", "--from", "2025-02-30", "--to", "2025-03-01"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "is not a date" in result.stderr
