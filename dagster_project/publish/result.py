"""What one publication run did, for logs and Dagster metadata."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path


@dataclass(frozen=True)
class PeriodVersion:
    """One period's version as left by the run."""

    grain: str
    period_start: date
    period_end: date
    version: int
    path: Path  # the version folder
    restatement: Path | None = None  # restatement log file (restated periods only)

    @property
    def label(self) -> str:
        return f"{self.grain} {self.period_start.isoformat()} v{self.version}"


@dataclass
class PublishResult:
    published_dir: Path
    watermark: date
    run_id: str
    published: list[PeriodVersion] = field(default_factory=list)  # first versions
    restated: list[PeriodVersion] = field(default_factory=list)  # version n+1 of a period
    unchanged: list[PeriodVersion] = field(default_factory=list)  # latest version kept
    current_repaired: list[PeriodVersion] = field(default_factory=list)  # current/ re-pointed
    stale_removed: list[Path] = field(default_factory=list)  # crash leftovers removed
    erasures_purged: list[Path] = field(default_factory=list)  # versions purged of erased rows
    not_reread: int = 0  # closed periods no ingestion since the last publication can change

    def sort(self) -> None:
        """Period order (grain, period_start) in every list of periods, whatever order the
        periods were published in."""
        for items in (self.published, self.restated, self.unchanged, self.current_repaired):
            items.sort(key=lambda item: (item.grain, item.period_start))

    @property
    def current_dir(self) -> Path:
        return self.published_dir / "current"

    @property
    def paths(self) -> list[Path]:
        """Every version folder and restatement file this run wrote."""
        written = [item.path for item in self.published + self.restated]
        return written + [item.restatement for item in self.restated if item.restatement]

    def summary(self) -> str:
        lines = [
            f"Publication (watermark {self.watermark}): {len(self.published)} new, "
            f"{len(self.restated)} restated, {len(self.unchanged)} unchanged closed periods "
            f"in {self.published_dir}; {self.not_reread} not re-read (no change can reach "
            f"them)."
        ]
        if self.restated:
            lines.append("Restated: " + ", ".join(item.label for item in self.restated))
        if self.current_repaired:
            lines.append(
                "current/ repaired: " + ", ".join(item.label for item in self.current_repaired)
            )
        if self.erasures_purged:
            lines.append(
                f"Erased customers purged from {len(self.erasures_purged)} published version(s)."
            )
        if self.stale_removed:
            lines.append(f"Removed {len(self.stale_removed)} leftover(s) of an interrupted run.")
        return "\n".join(lines)

    def metadata(self) -> dict[str, str | int]:
        """Plain values for dg.MaterializeResult(metadata=...)."""
        return {
            "watermark": self.watermark.isoformat(),
            "periods_published": len(self.published),
            "periods_restated": len(self.restated),
            "periods_unchanged": len(self.unchanged),
            "periods_not_reread": self.not_reread,
            "published": ", ".join(item.label for item in self.published),
            "restated": ", ".join(item.label for item in self.restated),
            "versions_purged_of_erased_customers": len(self.erasures_purged),
            "current_dir": str(self.current_dir),
        }
