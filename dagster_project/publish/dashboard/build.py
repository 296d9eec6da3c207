"""Write the dashboard: index.html (latest closed period of each grain), one page per published
period, and plotly.js once in assets/ for all of them."""

from __future__ import annotations

import os
import tempfile
from datetime import date
from pathlib import Path

import plotly.offline

from .data import GRAINS, Marts, Period, load_marts
from .page import PLOTLY_ASSET, render_page
from .view import page_model

TITLE = "Segment KPIs"


def build_dashboard(
    source_db: Path, out_dir: Path, *, periods: list[tuple[str, date]] | None = None
) -> list[Path]:
    """Build the dashboard from the marts in `source_db` (opened read-only) into `out_dir`.

    `periods`: the (grain, period_start) pages to write; each must be a closed period. By
    default every closed month and quarter, and the latest closed week and year.
    Returns the paths written: index.html first, then the period pages.
    """
    marts = load_marts(Path(source_db))
    pages = published_periods(marts, periods)
    out_dir = Path(out_dir)
    _write(out_dir / PLOTLY_ASSET, plotly.offline.get_plotlyjs())

    hrefs = {p: f"{p.slug}.html" for p in pages}
    index = out_dir / "index.html"
    _write(
        index,
        render_page(
            marts,
            page_model(marts, marts.latest_end, _index_grain(marts)),
            title=f"{TITLE} · latest closed periods",
            nav=[],
            archive=[(p.grain, p.label, hrefs[p]) for p in pages],
        ),
    )
    written = [index]
    for period in pages:
        path = out_dir / hrefs[period]
        _write(
            path,
            render_page(
                marts,
                page_model(marts, period.end, period.grain),
                title=f"{TITLE} · {period.heading}",
                nav=_neighbours(period, pages, hrefs),
            ),
        )
        written.append(path)
    return written


def published_periods(marts: Marts, periods: list[tuple[str, date]] | None) -> list[Period]:
    if periods is None:
        chosen = [p for g in ("month", "quarter") for p in marts.periods.get(g, [])]
        chosen += [marts.periods[g][-1] for g in ("week", "year") if marts.periods.get(g)]
        return sorted(chosen, key=_order)
    result = set()
    for grain, start in periods:
        day = date.fromisoformat(start) if isinstance(start, str) else start
        period = marts.period(grain, day)
        if period is None:
            raise ValueError(f"({grain!r}, {day}) is not a closed period in the marts")
        result.add(period)
    return sorted(result, key=_order)


def _order(period: Period) -> tuple[int, date]:
    return (GRAINS.index(period.grain), period.start)


def _index_grain(marts: Marts) -> str:
    for grain in ("month", *GRAINS):
        if marts.periods.get(grain):
            return grain
    return "month"


def _neighbours(
    period: Period, pages: list[Period], hrefs: dict[Period, str]
) -> list[tuple[str, str]]:
    same = [p for p in pages if p.grain == period.grain]
    at = same.index(period)
    nav = [("Latest closed periods", "index.html")]
    if at > 0:
        nav.append((f"← {same[at - 1].title}", hrefs[same[at - 1]]))
    if at + 1 < len(same):
        nav.append((f"{same[at + 1].title} →", hrefs[same[at + 1]]))
    return nav


def _write(path: Path, text: str) -> None:
    """Write aside, then move into place: a reader never sees half a page."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
