"""The files of a drop as the pipeline sees them (hidden entries such as .DS_Store aside)."""

from __future__ import annotations

from datetime import date
from pathlib import Path


def visible_drop_files(landing: Path, drop: date) -> list[Path]:
    """Every visible file of the drop dated `drop`, across sources, sorted."""
    return sorted(
        path
        for path in landing.glob(f"*/{drop.isoformat()}/*")
        if path.is_file()
        and not path.name.startswith(".")
        and not path.parent.parent.name.startswith(".")
    )
