"""Finding drops and the files of one drop in the landing zone.

Layout: <landing>/<source>/<YYYY-MM-DD>/<entity>.<ext>. Hidden entries (".DS_Store", ".tmp")
are ignored everywhere; anything else in a drop folder must be a known entity with a known
extension, or the drop is refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from dagster_project.ingest.contract import ENTITIES, EXTENSIONS, SOURCES, EntitySpec
from dagster_project.ingest.report import DropError

_DATE_DIR = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class DropFile:
    spec: EntitySpec
    path: Path
    relative: str  # path relative to the landing zone, with "/"
    extension: str


def _visible_dirs(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))


def _drop_date(name: str) -> date | None:
    if not _DATE_DIR.fullmatch(name):
        return None
    try:
        return date.fromisoformat(name)
    except ValueError:
        return None


def discover_drops(landing_dir: Path) -> list[date]:
    """Every extract_date folder found under any source folder, sorted, without duplicates."""
    landing_dir = Path(landing_dir)
    if not landing_dir.is_dir():
        return []
    drops = {
        drop
        for source_dir in _visible_dirs(landing_dir)
        for drop_dir in _visible_dirs(source_dir)
        if (drop := _drop_date(drop_dir.name)) is not None
    }
    return sorted(drops)


def _split_name(name: str) -> tuple[str, str] | None:
    for extension in EXTENSIONS:
        if name.endswith(f".{extension}") and len(name) > len(extension) + 1:
            return name[: -len(extension) - 1], extension
    return None


def drop_files(landing_dir: Path, drop_date: date) -> tuple[list[DropFile], list[str]]:
    """The files of one drop, in contract order, and what is missing from it.

    Raises DropError for a file that is not `<known entity>.<known extension>`, an unknown
    source folder holding this drop, a sub-folder, or two files for the same entity.
    """
    landing_dir = Path(landing_dir)
    found: dict[tuple[str, str], DropFile] = {}
    sources_with_files: set[str] = set()
    source_dirs = _visible_dirs(landing_dir) if landing_dir.is_dir() else []
    for source_dir in source_dirs:
        folder = source_dir / drop_date.isoformat()
        if not folder.is_dir():
            continue
        for path in sorted(folder.iterdir()):
            if path.name.startswith("."):
                continue
            relative = path.relative_to(landing_dir).as_posix()
            source = source_dir.name
            if source not in SOURCES:
                raise DropError(
                    relative, f"unknown source '{source}' (expected one of {', '.join(SOURCES)})"
                )
            if path.is_dir():
                raise DropError(relative, "unexpected folder inside a drop folder")
            parts = _split_name(path.name)
            if parts is None:
                raise DropError(
                    relative,
                    "unsupported file name: expected <entity>.<ext> with ext one of "
                    + ", ".join(EXTENSIONS),
                )
            entity, extension = parts
            spec = ENTITIES.get((source, entity))
            if spec is None:
                known = ", ".join(e for s, e in ENTITIES if s == source)
                raise DropError(
                    relative, f"unknown entity '{entity}' for source '{source}' (known: {known})"
                )
            if (source, entity) in found:
                raise DropError(
                    relative,
                    f"two files for {source}/{entity} in one drop "
                    f"(also {found[(source, entity)].relative}); keep exactly one",
                )
            found[(source, entity)] = DropFile(spec, path, relative, extension)
            sources_with_files.add(source)

    files = [found[key] for key in ENTITIES if key in found]
    missing: list[str] = []
    for source in SOURCES:
        if source not in sources_with_files:
            missing.append(source)
            continue
        missing.extend(f"{s}/{e}" for s, e in ENTITIES if s == source and (s, e) not in found)
    return files, missing
