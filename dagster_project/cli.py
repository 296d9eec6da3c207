"""`segment-kpis`: generate sample data, run the pipeline, show where the outputs are."""

from __future__ import annotations

import argparse
import os
import secrets
import sys
from datetime import date
from pathlib import Path

from dagster_project.settings import PROJECT_ROOT, Settings

DEFAULT_LANDING = (PROJECT_ROOT / "data" / "landing").resolve()
LOCAL_KEY_FILE = PROJECT_ROOT / "data" / "secrets" / "hash_key"


def _progress(message: str) -> None:
    print(f"  {message}", flush=True)


def cmd_generate(args: argparse.Namespace) -> int:
    from dagster_project.sample_data import generate_sample_data

    landing = Path(args.landing).resolve() if args.landing else Settings.from_env().landing_dir
    print(f"Generating sample data ({args.customers:,} customers, seed {args.seed}) into {landing}")
    summary = generate_sample_data(
        landing, customers=args.customers, seed=args.seed, progress=_progress
    )
    print(summary)
    return 0


def _ensure_sample_data(settings: Settings) -> None:
    from dagster_project.ingest import discover_drops
    from dagster_project.sample_data import generate_sample_data

    if discover_drops(settings.landing_dir):
        return
    if settings.landing_dir != DEFAULT_LANDING:
        raise SystemExit(
            f"No drops in {settings.landing_dir} (SEGMENT_KPIS_LANDING). Expected "
            "<landing>/<source>/<YYYY-MM-DD>/<entity>.<ext>; see README, 'Real extracts'."
        )
    print(f"The landing zone {settings.landing_dir} is empty: generating the built-in sample data.")
    generate_sample_data(settings.landing_dir, progress=_progress)


def _ensure_hash_key(settings: Settings) -> Settings:
    """Sample data may use a local key (data/secrets, git-ignored); real extracts need the env."""
    if settings.hash_key or settings.landing_dir != DEFAULT_LANDING:
        return settings
    if not LOCAL_KEY_FILE.exists():
        LOCAL_KEY_FILE.parent.mkdir(parents=True, exist_ok=True)
        LOCAL_KEY_FILE.write_text(secrets.token_hex(32))
        LOCAL_KEY_FILE.chmod(0o600)
        print(
            f"No SEGMENT_KPIS_HASH_KEY set: created a local key for sample data in {LOCAL_KEY_FILE}"
        )
    os.environ["SEGMENT_KPIS_HASH_KEY"] = LOCAL_KEY_FILE.read_text().strip()
    return Settings.from_env()


def cmd_run(args: argparse.Namespace) -> int:
    from dagster_project.defs.dbt_assets import ensure_manifest
    from dagster_project.runner import PipelineError, run_pipeline
    from dagster_project.summary import headline

    settings = Settings.from_env()
    _ensure_sample_data(settings)
    settings = _ensure_hash_key(settings)
    ensure_manifest(refresh=True)
    first = date.fromisoformat(args.date_from) if args.date_from else None
    last = date.fromisoformat(args.date_to) if args.date_to else None
    print(f"Running the pipeline on {settings.landing_dir} ...", flush=True)
    try:
        outcome = run_pipeline(settings, first, last)
    except PipelineError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(outcome.describe())
    if not outcome.success:
        print(
            "The run failed: nothing new was published; the last good publication stays served.",
            file=sys.stderr,
        )
        return 1
    print(headline(settings))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="segment-kpis", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    generate = commands.add_parser("generate", help="write the built-in sample extracts")
    generate.add_argument("--customers", type=int, default=20_000)
    generate.add_argument("--seed", type=int, default=42)
    generate.add_argument("--landing", help="landing zone (default SEGMENT_KPIS_LANDING)")
    generate.set_defaults(func=cmd_generate)

    run = commands.add_parser("run", help="ingest drops, build the KPIs, publish closed periods")
    run.add_argument("--from", dest="date_from", help="first drop date (default: the first found)")
    run.add_argument("--to", dest="date_to", help="last drop date (default: the last found)")
    run.set_defaults(func=cmd_run)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
