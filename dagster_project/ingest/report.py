"""What ingesting a drop produced (DropReport) and why a drop was refused (DropError)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


class DropError(Exception):
    """The drop cannot be ingested; nothing of it was written.

    The message names the file (path relative to the landing zone) and, where there is one,
    the column; both are also available as attributes.
    """

    def __init__(self, file: str, problem: str, column: str | None = None) -> None:
        self.file = file
        self.column = column
        self.problem = problem
        super().__init__(f"{file}: {problem}")

    @classmethod
    def unreadable(cls, file: str, error: BaseException) -> DropError:
        """The file could not be read: the reader's own message, first line."""
        lines = str(error).strip().splitlines()
        detail = lines[0] if lines else type(error).__name__
        return cls(file, f"cannot read the file: {detail}")


@dataclass(frozen=True)
class FileReport:
    source: str
    entity: str
    file: str  # path relative to the landing zone
    rows_read: int
    rows_loaded: int
    rows_quarantined: int
    extra_columns: tuple[str, ...] = ()
    absent_optional_columns: tuple[str, ...] = ()
    file_sha256: str = ""


@dataclass
class DropReport:
    drop_date: date
    run_id: str
    files: list[FileReport] = field(default_factory=list)
    # "<source>" when the source has no file in the drop, "<source>/<entity>" when the source
    # delivered but not that entity.
    missing_sources: list[str] = field(default_factory=list)

    @property
    def rows_read(self) -> int:
        return sum(f.rows_read for f in self.files)

    @property
    def rows_loaded(self) -> int:
        return sum(f.rows_loaded for f in self.files)

    @property
    def rows_quarantined(self) -> int:
        return sum(f.rows_quarantined for f in self.files)

    def summary(self) -> str:
        lines = [
            f"Drop {self.drop_date.isoformat()}: {len(self.files)} file(s), "
            f"{self.rows_read} rows read, {self.rows_loaded} loaded, "
            f"{self.rows_quarantined} quarantined."
        ]
        for f in self.files:
            line = (
                f"  {f.file}: read {f.rows_read}, loaded {f.rows_loaded}, "
                f"quarantined {f.rows_quarantined}"
            )
            if f.extra_columns:
                line += f"; extra columns ignored: {', '.join(f.extra_columns)}"
            if f.absent_optional_columns:
                line += f"; optional columns absent: {', '.join(f.absent_optional_columns)}"
            lines.append(line)
        if self.missing_sources:
            lines.append(f"  missing (empty, not an error): {', '.join(self.missing_sources)}")
        return "\n".join(lines)
