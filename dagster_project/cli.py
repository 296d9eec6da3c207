"""`segment-kpis`: generate sample data, run or backfill the pipeline, show its status."""

from __future__ import annotations

import argparse
import os
import secrets
import sys
import textwrap
import time
from collections import Counter
from datetime import date
from pathlib import Path

from dagster_project.settings import PROJECT_ROOT, Settings

DEFAULT_LANDING = (PROJECT_ROOT / "data" / "landing").resolve()
LOCAL_KEY_FILE = PROJECT_ROOT / "data" / "secrets" / "hash_key"

EXIT_OK, EXIT_RUN_FAILED, EXIT_USAGE = 0, 1, 2

EPILOG = """\
exit codes:
  0  success (status: always, even when nothing exists yet)
  1  the run failed: nothing new was published, the last good publication stays served;
     the failure is recorded in <published>/_ops/failed_runs.jsonl
  2  usage or input error: bad arguments or dates, no drop in the range, empty landing zone,
     missing SEGMENT_KPIS_HASH_KEY, a landing directory that is not ours to overwrite

configuration (environment): SEGMENT_KPIS_LANDING, SEGMENT_KPIS_WAREHOUSE,
SEGMENT_KPIS_PUBLISHED, SEGMENT_KPIS_HASH_KEY, SEGMENT_KPIS_FIRST_DROP_DATE,
SEGMENT_KPIS_LOCK_TIMEOUT, DAGSTER_HOME (see the README, "Configuration")."""

# The steps of the nightly job, in order, as stages for the progress lines.
STAGES = {
    "raw_extracts": "ingest",
    "dbt_models": "dbt build",
    "published_snapshots": "publish",
    "serving_database": "serving file",
    "kpi_dashboard": "dashboard",
}


class UsageError(Exception):
    """Bad input: reported on stderr, exit code 2."""


def _say(message: str) -> None:
    print(message, flush=True)


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive integer")
    return value


# --- generate ---------------------------------------------------------------------------------


def cmd_generate(args: argparse.Namespace) -> int:
    from dagster_project.sample_data import generate_sample_data

    landing = Path(args.landing).resolve() if args.landing else Settings.from_env().landing_dir
    _say(
        f"Generating sample data ({args.customers:,} customers, {args.daily_drops} daily drops, "
        f"seed {args.seed}) into {landing}"
    )
    started = time.monotonic()

    def progress(message: str) -> None:
        _say(f"  [{time.monotonic() - started:5.1f}s] {message}")

    try:
        summary = generate_sample_data(
            landing,
            customers=args.customers,
            seed=args.seed,
            daily_drops=args.daily_drops,
            progress=progress,
        )
    except (FileExistsError, ValueError) as error:
        raise UsageError(str(error)) from error
    _say(str(summary))
    return EXIT_OK


# --- run and backfill ---------------------------------------------------------------------------


def _ensure_sample_data(settings: Settings) -> None:
    from dagster_project.ingest import discover_drops
    from dagster_project.sample_data import generate_sample_data

    if discover_drops(settings.landing_dir):
        return
    if settings.landing_dir != DEFAULT_LANDING:
        raise UsageError(
            f"No drops in {settings.landing_dir} (SEGMENT_KPIS_LANDING). Expected "
            "<landing>/<source>/<YYYY-MM-DD>/<entity>.<ext>; see README, 'Real extracts'."
        )
    _say(f"The landing zone {settings.landing_dir} is empty: generating the built-in sample data.")
    generate_sample_data(settings.landing_dir, progress=lambda message: _say(f"  {message}"))


def _ensure_hash_key(settings: Settings) -> Settings:
    """Sample data may use a local key (data/secrets, git-ignored); real extracts need the env."""
    from dagster_project.publish.pii import MissingHashKeyError, require_hash_key

    if not settings.hash_key and settings.landing_dir == DEFAULT_LANDING:
        if not LOCAL_KEY_FILE.exists():
            LOCAL_KEY_FILE.parent.mkdir(parents=True, exist_ok=True)
            LOCAL_KEY_FILE.write_text(secrets.token_hex(32))
            LOCAL_KEY_FILE.chmod(0o600)
            _say(
                "No SEGMENT_KPIS_HASH_KEY set: created a local key for sample data in "
                f"{LOCAL_KEY_FILE}"
            )
        os.environ["SEGMENT_KPIS_HASH_KEY"] = LOCAL_KEY_FILE.read_text().strip()
        settings = Settings.from_env()
    try:  # checked now rather than after an hour of ingestion and dbt
        require_hash_key(settings.hash_key, "the published output")
    except MissingHashKeyError as error:
        raise UsageError(str(error)) from error
    return settings


def _drops_in_range(settings: Settings, first: date | None, last: date | None) -> list[date]:
    from dagster_project.ingest import discover_drops

    if first and last and first > last:
        raise UsageError(f"--from {first} is after --to {last}.")
    drops = discover_drops(settings.landing_dir)
    if not drops:
        raise UsageError(f"No drops in the landing zone {settings.landing_dir}.")
    chosen = [d for d in drops if (first is None or d >= first) and (last is None or d <= last)]
    if not chosen:
        raise UsageError(
            f"No drop between {first or 'the first'} and {last or 'the last'} in "
            f"{settings.landing_dir}: the drops found run from {drops[0]} to {drops[-1]} "
            f"({len(drops)} drops)."
        )
    return chosen


class StageProgress:
    """Turns the run's Dagster events into one short line per stage (run_pipeline on_event)."""

    def __init__(self, say=_say) -> None:
        self.say = say
        self.started: dict[str, float] = {}
        self.counts: Counter[tuple[str, str]] = Counter()

    def _label(self, step: str) -> str:
        names = list(STAGES)
        number = f"{names.index(step) + 1}/{len(names)} " if step in STAGES else ""
        return f"[{number}{STAGES.get(step, step)}]"

    def __call__(self, entry) -> None:
        event = entry.dagster_event
        if event is None or not event.step_key:
            return
        step, kind = event.step_key, event.event_type_value
        if kind == "STEP_START":
            self.started[step] = entry.timestamp
            self.say(f"{self._label(step)} started")
        elif kind == "ASSET_MATERIALIZATION":
            self.counts[step, "assets"] += 1
        elif kind == "ASSET_CHECK_EVALUATION":
            passed = getattr(event.event_specific_data, "passed", False)
            self.counts[step, "checks passed" if passed else "checks failed"] += 1
        elif kind in ("STEP_SUCCESS", "STEP_FAILURE"):
            seconds = entry.timestamp - self.started.get(step, entry.timestamp)
            counts = ", ".join(
                f"{self.counts[step, what]} {what}"
                for what in ("assets", "checks passed", "checks failed")
                if self.counts[step, what]
            )
            done = "done" if kind == "STEP_SUCCESS" else "FAILED"
            self.say(
                f"{self._label(step)} {done} in {seconds:.1f}s" + (f" ({counts})" if counts else "")
            )

    def finish(self) -> None:
        """After a failed run: the stages that never started."""
        for step in STAGES:
            if step not in self.started:
                self.say(f"{self._label(step)} not run: an earlier stage failed")


def _run(
    settings: Settings, first: date | None, last: date | None, *, full_refresh: bool = False
) -> int:
    from dagster_project.defs.dbt_assets import ensure_manifest
    from dagster_project.runner import PipelineError, run_pipeline
    from dagster_project.summary import FAILED_RUNS_LOG, OPS_DIR, headline

    ensure_manifest(refresh=True)
    _say(
        f"Running the pipeline on {settings.landing_dir}, drops {first or 'first'} .. "
        f"{last or 'last'}; Dagster and dbt logs stream below, [n/5 stage] lines mark the stages."
    )
    progress = StageProgress()
    try:
        outcome = run_pipeline(settings, first, last, on_event=progress, full_refresh=full_refresh)
    except PipelineError as error:
        raise UsageError(str(error)) from error
    if not outcome.success:
        progress.finish()
    _say(outcome.describe())
    if not outcome.success:
        print(
            "The run failed: nothing new was published; the last good publication stays served. "
            f"Recorded in {settings.published_dir / OPS_DIR / FAILED_RUNS_LOG}; "
            "`segment-kpis status` shows it.",
            file=sys.stderr,
        )
        return EXIT_RUN_FAILED
    _say(headline(settings))
    return EXIT_OK


def cmd_run(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    if args.date_from and args.date_to and args.date_from > args.date_to:
        raise UsageError(f"--from {args.date_from} is after --to {args.date_to}.")
    _ensure_sample_data(settings)
    settings = _ensure_hash_key(settings)
    drops = _drops_in_range(settings, args.date_from, args.date_to)
    first, last = args.date_from or drops[0], args.date_to or drops[-1]
    return _run(settings, first, last, full_refresh=args.full_refresh)


def cmd_backfill(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    drops = _drops_in_range(settings, args.date_from, args.date_to)
    settings = _ensure_hash_key(settings)
    _say(
        f"Backfill {args.date_from} .. {args.date_to}: {len(drops)} drop(s) in one run "
        f"({drops[0]} .. {drops[-1]}); drops already ingested with identical files are skipped."
    )
    return _run(settings, drops[0], drops[-1], full_refresh=args.full_refresh)


# --- status -------------------------------------------------------------------------------------


def cmd_status(args: argparse.Namespace) -> int:
    from dagster_project.summary import status_report

    _say(status_report(Settings.from_env(), top=args.top, failed=args.failed))
    return EXIT_OK


# --- parser -------------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    formatter = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(
        prog="segment-kpis", description=__doc__, epilog=EPILOG, formatter_class=formatter
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="command")

    def command(name: str, help_text: str, description: str) -> argparse.ArgumentParser:
        return commands.add_parser(
            name,
            help=help_text,
            description=textwrap.fill(description, 88),
            epilog=EPILOG,
            formatter_class=formatter,
        )

    generate = command(
        "generate",
        "write the built-in sample extracts",
        "Write deterministic sample extracts (a history drop, then daily drops) into the "
        "landing zone. Refuses a non-empty directory it did not generate.",
    )
    generate.add_argument("--customers", type=_positive, default=20_000, help="(default 20000)")
    generate.add_argument("--seed", type=int, default=42, help="(default 42)")
    generate.add_argument(
        "--daily-drops", type=_positive, default=31, help="daily drops after the history drop (31)"
    )
    generate.add_argument("--landing", help="landing zone (default SEGMENT_KPIS_LANDING)")
    generate.set_defaults(func=cmd_generate)

    run = command(
        "run",
        "ingest drops, build the KPIs, publish closed periods",
        "Ingest the drops of the range (default: every drop found; unchanged drops are "
        "skipped), rebuild every dbt model and test, publish closed periods, the serving file "
        "and the dashboard, in one Dagster run. On the default landing zone, writes the sample "
        "data first if it is empty.",
    )
    run.add_argument(
        "--from",
        dest="date_from",
        type=_iso_date,
        metavar="YYYY-MM-DD",
        help="first drop date (default: the first found)",
    )
    run.add_argument(
        "--to",
        dest="date_to",
        type=_iso_date,
        metavar="YYYY-MM-DD",
        help="last drop date (default: the last found)",
    )
    run.set_defaults(func=cmd_run)

    backfill = command(
        "backfill",
        "ingest and rebuild a date range of drops in one run",
        "Ingest every drop dated FROM..TO (re-delivered ones again, identical ones skipped), "
        "then rebuild and publish, all in one Dagster run (single-run backfill). Closed periods "
        "the drops change are published as new versions beside the old ones.",
    )
    for flag, dest, what in (("--from", "date_from", "first"), ("--to", "date_to", "last")):
        backfill.add_argument(
            flag,
            dest=dest,
            type=_iso_date,
            required=True,
            metavar="YYYY-MM-DD",
            help=f"{what} drop date of the range (inclusive)",
        )
    for subcommand in (run, backfill):
        subcommand.add_argument(
            "--full-refresh",
            action="store_true",
            help="rebuild every dbt model from scratch and re-read every closed period "
            "(automatic when the dbt project changed since the last build)",
        )
    backfill.set_defaults(func=cmd_backfill)

    status = command(
        "status",
        "watermark, last run, publication, quarantine, reconciliation, failed runs",
        "Show the state of the pipeline. Reads the warehouse read-only (reported busy while a "
        "run writes it), the published manifests and the run records in <published>/_ops/; "
        "writes nothing.",
    )
    status.add_argument("--top", type=_positive, default=10, help="quarantine rules shown (10)")
    status.add_argument("--failed", type=_positive, default=5, help="failed runs shown (5)")
    status.set_defaults(func=cmd_status)
    return parser


def main(argv: list[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exit_:  # --help (0) or a usage error (2, message already printed)
        return exit_.code if isinstance(exit_.code, int) else EXIT_USAGE
    try:
        return args.func(args)
    except UsageError as error:
        print(f"segment-kpis {args.command}: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
