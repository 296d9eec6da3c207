"""Write aside, then move into place: how nothing published is ever seen half-written.

- Work in progress lives in `published/.tmp/` (one folder per piece of work). It is on the same
  filesystem as its targets, so the final `os.rename` / `os.replace` is atomic, and it is outside
  every hive tree (`versions/`, `current/`, `restatements/`), so no reader glob can match it.
  The serving file is built beside itself as `serving/.tmp-*` (readers open it by name).
- Files are fsynced before the move and the parent folder after it, so a crash leaves either
  the old state or the new one, plus at most some `.tmp` leftovers that the next run removes.
- One publisher at a time: `publish_lock` holds an exclusive flock on `published/.lock`.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

STAGING_DIR = ".tmp"
LOCK_FILE = ".lock"
SERVING_TEMP_PREFIX = ".tmp-"


def fsync_file(path: Path) -> None:
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@contextmanager
def publish_lock(published_dir: Path) -> Iterator[None]:
    """Exclusive lock over the published folder for the duration of a publication step."""
    published_dir.mkdir(parents=True, exist_ok=True)
    with open(published_dir / LOCK_FILE, "a+") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def new_staging_dir(published_dir: Path, label: str) -> Path:
    """A fresh empty folder under published/.tmp/ for one piece of work."""
    path = published_dir / STAGING_DIR / f"{label}-{uuid.uuid4().hex}"
    path.mkdir(parents=True)
    return path


def discard_staging(staging: Path) -> None:
    """Remove a staging folder after use, and published/.tmp/ itself once empty."""
    shutil.rmtree(staging, ignore_errors=True)
    with contextlib.suppress(OSError):
        staging.parent.rmdir()


def clean_stale(published_dir: Path) -> list[Path]:
    """Remove what a crashed run left behind (call only while holding publish_lock)."""
    removed: list[Path] = []
    staging = published_dir / STAGING_DIR
    if staging.is_dir():
        for entry in sorted(staging.iterdir()):
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()
            removed.append(entry)
    serving = published_dir / "serving"
    if serving.is_dir():
        for entry in sorted(serving.glob(f"{SERVING_TEMP_PREFIX}*")):
            entry.unlink()
            removed.append(entry)
    return removed


def move_dir_into_place(staged: Path, target: Path) -> None:
    """fsync every file of `staged`, then rename it to `target`, which must not exist."""
    for path in staged.iterdir():
        fsync_file(path)
    fsync_dir(staged)
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():
        raise FileExistsError(f"Refusing to overwrite the published folder {target}.")
    os.rename(staged, target)
    fsync_dir(target.parent)


def place_file(source: Path, target: Path, staging: Path) -> None:
    """Make `target` a hard link to (or, where links fail, a copy of) `source`, swapped in with
    os.replace: a reader holding the previous target keeps reading it undisturbed."""
    staged = staging / f"{uuid.uuid4().hex}{source.suffix}"
    try:
        os.link(source, staged)
    except OSError:
        shutil.copyfile(source, staged)
        fsync_file(staged)
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(staged, target)
    fsync_dir(target.parent)


def write_file(target: Path, data: bytes, staging: Path) -> None:
    """Write bytes aside, fsync, then rename over `target` in one step."""
    staged = staging / f"{uuid.uuid4().hex}{target.suffix}"
    staged.write_bytes(data)
    fsync_file(staged)
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(staged, target)
    fsync_dir(target.parent)


def same_content(path: Path, other: Path, other_sha256: str) -> bool:
    """Whether `path` is `other` (same inode) or has the same bytes (sha256)."""
    if not path.exists():
        return False
    if os.path.samefile(path, other):
        return True
    return path.stat().st_size == other.stat().st_size and sha256_file(path) == other_sha256
