"""Read the parts of a built page that tests assert on: the JSON payload, grain blocks, text."""

from __future__ import annotations

import json
import re
from html import unescape
from typing import Any


def payload(html: str) -> dict[str, Any]:
    match = re.search(r'<script id="dashboard-data" type="application/json">(.*?)</script>', html)
    assert match, "no embedded dashboard data"
    return json.loads(match.group(1))


def grain_blocks(html: str, grain: str, dimension: str | None = None) -> str:
    """The server-rendered blocks (headline cards, tables) of one grain (and dimension)."""
    chunks = re.split(r'(?=<div data-grain=")', html)
    prefix = f'<div data-grain="{grain}"'
    if dimension is not None:
        prefix += f' class="by-dimension" data-dimension="{dimension}"'
    return "".join(c for c in chunks if c.startswith(prefix))


def card(html: str, grain: str, kpi: str) -> tuple[str, str]:
    """(status, text) of the headline card of `kpi` for `grain`."""
    match = re.search(
        rf'<div class="kpi status-(\w+)" data-kpi="{kpi}">(.*?)</div></div>',
        grain_blocks(html, grain),
    )
    assert match, f"no {kpi} card for {grain}"
    return match.group(1), text(match.group(2))


def table_row(html: str, grain: str, dimension: str, segment: str) -> list[str]:
    block = grain_blocks(html, grain, dimension)
    match = re.search(rf'<tr><th scope="row">{segment}</th>(.*?)</tr>', block)
    assert match, f"no row for {dimension} = {segment} ({grain})"
    return [text(cell) for cell in re.findall(r"<td>(.*?)</td>", match.group(1))]


def text(fragment: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", fragment)).split())
