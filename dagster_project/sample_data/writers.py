"""Write chunks of logical columns to one file in any format of the extract contract.

Output is byte-for-byte reproducible: gzip headers carry no timestamp or file name, Parquet
files no creation time, and every random choice comes from the stream passed in.
"""

from __future__ import annotations

import contextlib
import gzip
from collections.abc import Iterable
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv
import pyarrow.parquet as pq

from dagster_project.sample_data.columns import Column
from dagster_project.sample_data.rendering import Renderer, TextStyle

FORMATS = ("csv", "csv.gz", "parquet", "jsonl", "jsonl.gz")
GZIP_LEVEL = 6
_CSV_OPTIONS = pcsv.WriteOptions(include_header=True, quoting_style="needed")


def write_file(
    path: Path,
    fmt: str,
    chunks: Iterable[dict[str, Column]],
    renderer: Renderer,
    rng: np.random.Generator,
    style: TextStyle,
) -> int:
    """Write every chunk to `path`; returns the number of data rows written."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}")
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "parquet":
        return _write_parquet(path, chunks, renderer)
    with path.open("wb") as raw, _maybe_gzip(raw, fmt.endswith(".gz")) as sink:
        if fmt.startswith("csv"):
            return _write_csv(sink, chunks, renderer, rng, style)
        return _write_jsonl(sink, chunks, renderer, rng, style)


def _maybe_gzip(raw: BinaryIO, compress: bool) -> contextlib.AbstractContextManager:
    """No file name and mtime 0 in the gzip header: the same content gives the same bytes."""
    if not compress:
        return contextlib.nullcontext(raw)
    return gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=GZIP_LEVEL, mtime=0)


def _write_csv(
    sink: BinaryIO,
    chunks: Iterable[dict[str, Column]],
    renderer: Renderer,
    rng: np.random.Generator,
    style: TextStyle,
) -> int:
    writer: pcsv.CSVWriter | None = None
    rows = 0
    for chunk in chunks:
        table = pa.table({name: renderer.text(col, rng, style) for name, col in chunk.items()})
        if writer is None:
            writer = pcsv.CSVWriter(sink, table.schema, write_options=_CSV_OPTIONS)
        writer.write_table(table)
        rows += table.num_rows
    if writer is not None:
        writer.close()
    return rows


def _write_parquet(path: Path, chunks: Iterable[dict[str, Column]], renderer: Renderer) -> int:
    writer: pq.ParquetWriter | None = None
    rows = 0
    try:
        for chunk in chunks:
            table = pa.table({name: renderer.typed(col) for name, col in chunk.items()})
            if writer is None:
                writer = pq.ParquetWriter(str(path), table.schema, compression="zstd")
            writer.write_table(table)
            rows += table.num_rows
    finally:
        if writer is not None:
            writer.close()
    return rows


def _write_jsonl(
    sink: BinaryIO,
    chunks: Iterable[dict[str, Column]],
    renderer: Renderer,
    rng: np.random.Generator,
    style: TextStyle,
) -> int:
    rows = 0
    for chunk in chunks:
        parts: list[pa.Array | str] = []
        for position, (name, column) in enumerate(chunk.items()):
            parts.append(("{" if position == 0 else ",") + f'"{name}":')
            parts.append(renderer.json(column, rng, style))
        parts.append("}\n")
        lines = pc.binary_join_element_wise(*parts, "")
        if isinstance(lines, pa.ChunkedArray):
            lines = lines.combine_chunks()
        if len(lines):
            offsets = np.frombuffer(lines.buffers()[1], dtype=np.int32)
            first, last = offsets[lines.offset], offsets[lines.offset + len(lines)]
            sink.write(lines.buffers()[2][first:last])
        rows += len(lines)
    return rows
