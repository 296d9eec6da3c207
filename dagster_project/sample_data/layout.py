"""Where and how each entity is written: the drop layout and the format mix.

`<landing>/<source>/<extract_date>/<entity>.<ext>`, one folder per drop. Formats differ by
entity and drop the way real upstream systems differ (the order system switched from a Parquet
history export to gzipped CSV dailies; the survey tool exports JSON lines, but CSV on Sundays).
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

from dagster_project.sample_data.rendering import TextStyle

ENTITIES = (
    ("crm", "customers"),
    ("crm", "leads"),
    ("orders", "orders"),
    ("orders", "order_lines"),
    ("surveys", "responses"),
    ("marketing", "spend"),
)
SOURCES = ("crm", "orders", "surveys", "marketing")
MARKER = ".sample_data"  # marks a landing zone this generator wrote (and may overwrite)
STYLES = {
    "customers": TextStyle(primary="Z"),
    "leads": TextStyle(primary="naive"),
    "orders": TextStyle(primary="Z", other_share=0.15),
    "responses": TextStyle(primary="Z"),
}
DRIFT_COLUMNS = {("orders", "orders"): "coupon_code"}


def file_format(source: str, entity: str, drop: int, drop_date: date) -> str:
    """The extension of `<entity>` in drop number `drop` (0 = history)."""
    if (source, entity) == ("orders", "orders"):
        return "parquet" if drop == 0 else "csv.gz"
    if (source, entity) == ("surveys", "responses"):
        return "csv" if drop > 0 and drop_date.weekday() == 6 else "jsonl.gz"
    return {"customers": "csv", "leads": "jsonl", "order_lines": "parquet", "spend": "csv"}[entity]


def has_drift_column(source: str, entity: str, drop: int, daily_drops: int) -> bool:
    """Schema drift: the order system adds `coupon_code` halfway through the daily drops."""
    return (source, entity) in DRIFT_COLUMNS and drop > daily_drops // 2 and drop > 0


def file_path(landing: Path, source: str, entity: str, drop_date: date, fmt: str) -> Path:
    return landing / source / drop_date.isoformat() / f"{entity}.{fmt}"


def prepare_landing(landing: Path, description: str) -> None:
    """Empty the source folders of a previous sample; refuse to touch anything else."""
    if landing.exists() and any(landing.iterdir()):
        if not (landing / MARKER).exists():
            raise FileExistsError(
                f"{landing} is not empty and holds no generated sample ({MARKER} missing): "
                "refusing to overwrite it; choose an empty landing directory"
            )
        for source in SOURCES:
            shutil.rmtree(landing / source, ignore_errors=True)
    landing.mkdir(parents=True, exist_ok=True)
    (landing / MARKER).write_text(description + "\n", encoding="utf-8")
