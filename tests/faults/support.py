"""Helpers of the fault-injection suite: settings, state copies, drop files, fingerprints, and
the PII scan. Fixtures live in conftest.py; the child processes in children.py."""

from __future__ import annotations

import contextlib
import csv
import gzip
import hashlib
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from dagster_project.publish.pii import PII_COLUMNS
from dagster_project.runner import RunOutcome
from dagster_project.settings import PROJECT_ROOT, Settings

# 2025 only (4 drops: history + 3 daily): enough for every grain, few periods to publish.
SAMPLE = {"customers": 300, "seed": 7, "daily_drops": 3, "start": date(2025, 1, 1)}
HISTORY, DAY1, DAY2, DAY3 = "2025-12-29", "2025-12-30", "2025-12-31", "2026-01-01"
NEXT_DROP = "2026-01-02"  # a drop after the generated ones (late data, bad files, ...)
HASH_KEY = "faults-test-key"
LOCK_TIMEOUT = 3.0
RUN_COLUMNS = ("_run_id", "_ingested_at")  # lineage that differs between two runs
WAREHOUSE_SCHEMAS = ("raw", "quarantine", "reference", "staging", "intermediate", "marts")
CHILDREN = Path(__file__).with_name("children.py")
PYTHON = sys.executable

# A customer whose PII values exist nowhere else: any trace of them in a published file is a
# leak, found by plain substring search (added to the generated landing by conftest.py).
CANARY = {
    "customer_id": "C09999999",
    "email": "quillon.vexbridge@canary.invalid",
    "first_name": "Quillon",
    "last_name": "Vexbridge",
    "birth_date": "1977-07-17",
    "postal_code": "QX-4417",
}


@dataclass
class State:
    """Where one scenario's pipeline reads and writes."""

    settings: Settings
    root: Path

    @property
    def landing(self) -> Path:
        return self.settings.landing_dir

    @property
    def warehouse(self) -> Path:
        return self.settings.warehouse_path

    @property
    def published(self) -> Path:
        return self.settings.published_dir

    @property
    def serving(self) -> Path:
        return self.published / "serving" / "segment_kpis.duckdb"

    def env(self) -> dict[str, str]:
        """The environment of a child process running the pipeline on this state."""
        s = self.settings
        return {
            "SEGMENT_KPIS_LANDING": str(s.landing_dir),
            "SEGMENT_KPIS_WAREHOUSE": str(s.warehouse_path),
            "SEGMENT_KPIS_PUBLISHED": str(s.published_dir),
            "SEGMENT_KPIS_FIRST_DROP_DATE": s.first_drop_date,
            "SEGMENT_KPIS_HASH_KEY": s.hash_key or "",
            "SEGMENT_KPIS_LOCK_TIMEOUT": str(s.lock_timeout_seconds),
        }


def make_state(root: Path, landing: Path, **overrides: Any) -> State:
    settings = Settings(
        landing_dir=landing,
        warehouse_path=root / "warehouse" / "warehouse.duckdb",
        published_dir=root / "published",
        first_drop_date="2024-01-01",
        hash_key=HASH_KEY,
        lock_timeout_seconds=LOCK_TIMEOUT,
    )
    return State(replace(settings, **overrides), root)


def clone_state(source: State, root: Path, *, own_landing: bool = True) -> State:
    """A copy of a finished state (warehouse, published outputs and, unless told otherwise, the
    landing zone, so that the copy's drops can be changed)."""
    root.mkdir(parents=True, exist_ok=True)
    shutil.copytree(source.warehouse.parent, root / "warehouse")
    if source.published.exists():
        shutil.copytree(source.published, root / "published", symlinks=True)
    landing = source.landing
    if own_landing:
        landing = root / "landing"
        shutil.copytree(source.landing, landing)
    return make_state(root, landing, hash_key=source.settings.hash_key)


def describe(outcome: RunOutcome) -> str:
    return outcome.describe()


# --- reading the warehouse -------------------------------------------------------------------


def query(database: Path, sql: str, params: Iterable[Any] = ()) -> list[tuple]:
    """Rows of one query on a DuckDB file opened read-only (and closed again)."""
    with duckdb.connect(str(database), read_only=True) as con:
        con.execute("set TimeZone = 'UTC'")
        return con.execute(sql, list(params)).fetchall()


def table_fingerprints(
    database: Path,
    schemas: Iterable[str] | None = None,
    ignore: Iterable[str] = (),
    *,
    drops: str | None = None,
) -> dict[str, tuple[int, str]]:
    """(rows, md5 of the sorted rows) of every table and view, columns in `ignore` left out;
    `drops`, a condition on `_drop_date` ("<> date '2025-12-31'"), keeps only the rows of some
    drops in the tables that have that column."""
    ignore = set(ignore)
    result: dict[str, tuple[int, str]] = {}
    with duckdb.connect(str(database), read_only=True) as con:
        con.execute("set TimeZone = 'UTC'")
        tables = con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_catalog = current_database() order by 1, 2"
        ).fetchall()
        for schema, table in tables:
            if schemas is not None and schema not in schemas:
                continue
            columns = [
                row[0]
                for row in con.execute(
                    "select column_name from information_schema.columns where "
                    "table_catalog = current_database() and table_schema = ? and table_name = ?",
                    [schema, table],
                ).fetchall()
            ]
            dropped = [c for c in columns if c in ignore]
            exclude = f" exclude ({', '.join(dropped)})" if dropped else ""
            where = ""
            if drops is not None and "_drop_date" in columns:
                where = f" where _drop_date {drops}"
            rows, digest = con.execute(
                f"select count(*), md5(coalesce(string_agg(cast(t as varchar), chr(10) "
                f"order by cast(t as varchar)), '')) "
                f'from (select *{exclude} from "{schema}"."{table}"{where}) as t'
            ).fetchone()
            result[f"{schema}.{table}"] = (rows, digest)
    return result


def rows_by_customer(warehouse, model: str) -> dict[tuple[bool, bool], int]:
    """Rows of an intermediate model incremental by customer, counted by (written by its last
    build, customer touched by the loads that build took in: raw.change_customers above the
    mark of the model's older rows)."""
    rows = query(
        warehouse,
        f"""
        with marks as (
            select
                max(_loaded_through) as newest,
                coalesce(max(_loaded_through) filter (
                    where _loaded_through < (select max(_loaded_through) from intermediate.{model})
                ), 0) as previous
            from intermediate.{model}
        )
        select
            _loaded_through = (select newest from marks),
            customer_id in (
                select customer_id from raw.change_customers
                where _load_id > (select previous from marks)
            ),
            count(*)
        from intermediate.{model}
        group by all
        """,
    )
    return {(written, touched): n for written, touched, n in rows}


def warehouse_content(state: State, *, lineage: bool = True) -> dict[str, tuple[int, str]]:
    """Fingerprint of every table of the warehouse; without the per-run lineage columns
    (`lineage=False`) two runs over the same drops compare equal."""
    return table_fingerprints(
        state.warehouse, WAREHOUSE_SCHEMAS, ignore=() if lineage else RUN_COLUMNS
    )


# --- published outputs -----------------------------------------------------------------------


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


OPS_DIR = "_ops"  # run records appended by every run (runner.record_run): not an output


def published_files(published: Path) -> dict[str, str]:
    """sha256 of every file under published/ that readers get (the publisher's lock file and
    the operators' run records aside)."""
    if not published.exists():
        return {}
    return {
        relative: sha256(path)
        for path in sorted(published.rglob("*"))
        if path.is_file()
        and path.name != ".lock"
        and not (relative := path.relative_to(published).as_posix()).startswith(f"{OPS_DIR}/")
    }


RUN_SPECIFIC_MANIFEST_KEYS = ("run_id", "published_at", "code_version")
RUN_SPECIFIC_SERVING_COLUMNS = ("built_at", "published_at", "run_id")


def published_outputs(published: Path) -> dict[str, Any]:
    """Everything a reader of published/ sees, minus what names the run that wrote it: Parquet
    and HTML by bytes, manifests by content without run id / time / code version, the serving
    file by table content."""
    outputs: dict[str, Any] = {}
    for relative, digest in published_files(published).items():
        path = published / relative
        if path.name == "manifest.json":
            manifest = json.loads(path.read_text(encoding="utf-8"))
            for key in RUN_SPECIFIC_MANIFEST_KEYS:
                manifest.pop(key, None)
            outputs[relative] = manifest
        elif path.suffix == ".duckdb":
            outputs[relative] = table_fingerprints(path, ignore=RUN_SPECIFIC_SERVING_COLUMNS)
        else:
            outputs[relative] = digest
    return outputs


def current_glob(published: Path, table: str = "fct_segment_kpis") -> str:
    return f"{published}/current/{table}/*/*/*.parquet"


def read_current(published: Path, sql_tail: str = "", table: str = "fct_segment_kpis") -> list:
    """Rows of `select * from <the current/ glob> <sql_tail>` (hive columns as text)."""
    with duckdb.connect() as con:
        return con.execute(
            f"select * from read_parquet('{current_glob(published, table)}', "
            f"hive_partitioning = true, hive_types_autocast = false) {sql_tail}"
        ).fetchall()


def check_published_consistency(published: Path) -> list[str]:
    """What a reader could see half-written: every version folder must hold its manifest and
    exactly the files it lists with their checksums, every current/ file must be a committed
    version's file, and no reader glob may match work in progress."""
    problems: list[str] = []
    committed: set[str] = set()
    for folder in sorted((published / "versions").glob("grain=*/period_start=*/version=*")):
        manifest_path = folder / "manifest.json"
        if not manifest_path.is_file():
            problems.append(f"{folder}: no manifest")
            continue
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        listed = {info["file"] for info in manifest["tables"].values()} | {"manifest.json"}
        present = {p.name for p in folder.iterdir()}
        if listed != present:
            problems.append(f"{folder}: files {sorted(present)} but manifest lists {listed}")
        for info in manifest["tables"].values():
            file = folder / info["file"]
            if file.is_file():
                digest = sha256(file)
                committed.add(digest)
                if digest != info["sha256"]:
                    problems.append(f"{file}: checksum differs from the manifest")
                if pq.ParquetFile(file).metadata.num_rows != info["rows"]:
                    problems.append(f"{file}: row count differs from the manifest")
    for file in sorted((published / "current").rglob("*")):
        if file.is_file() and (file.name != "data.parquet" or sha256(file) not in committed):
            problems.append(f"{file}: not a committed version's file")
    for tree in ("versions", "current", "restatements"):
        for path in (published / tree).rglob("*"):
            if path.name.startswith(".") or "tmp" in path.name:
                problems.append(f"{path}: work in progress inside a reader's tree")
    return problems


# --- landing files ---------------------------------------------------------------------------


def drop_file(landing: Path, source: str, drop: str, entity: str) -> Path:
    """The one file of `entity` in a drop, whatever its format."""
    matches = sorted((landing / source / drop).glob(f"{entity}.*"))
    assert len(matches) == 1, f"{source}/{drop}/{entity}: {matches}"
    return matches[0]


def read_text_rows(path: Path) -> tuple[list[str], list[list[str]]]:
    """Header and rows of a landing file as text ('' for a missing value), any format."""
    name = path.name
    if name.endswith((".csv", ".csv.gz")):
        data = gzip.decompress(path.read_bytes()) if name.endswith(".gz") else path.read_bytes()
        records = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
        return records[0], [r for r in records[1:] if r]
    if name.endswith((".jsonl", ".jsonl.gz")):
        data = gzip.decompress(path.read_bytes()) if name.endswith(".gz") else path.read_bytes()
        objects = [json.loads(line) for line in data.decode("utf-8").splitlines() if line.strip()]
        header = list(dict.fromkeys(key for obj in objects for key in obj))
        return header, [["" if o.get(k) is None else str(o[k]) for k in header] for o in objects]
    with duckdb.connect() as con:
        con.execute("set TimeZone = 'UTC'")
        relation = con.sql(f"select * from read_parquet('{path}')")
        header = relation.columns
        casts = ", ".join(f'cast("{c}" as varchar)' for c in header)
        rows = con.execute(f"select {casts} from read_parquet('{path}')").fetchall()
    return header, [["" if v is None else v for v in row] for row in rows]


def csv_text(header: list[str] | None, rows: Iterable[list[str]]) -> str:
    """CSV text (RFC 4180 quoting, "\\n" line ends), with a header row unless it is None."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    if header is not None:
        writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def write_csv(path: Path, header: list[str], rows: Iterable[list[str]]) -> Path:
    """Write rows as <path> (gzipped for .csv.gz)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = csv_text(header, rows).encode("utf-8")
    path.write_bytes(gzip.compress(data, mtime=0) if path.name.endswith(".gz") else data)
    return path


def replace_with_csv(path: Path, header: list[str], rows: Iterable[list[str]]) -> Path:
    """Re-deliver a landing file as plain CSV (the drop's other format removed)."""
    entity = path.name.split(".")[0]
    path.unlink()
    return write_csv(path.parent / f"{entity}.csv", header, rows)


def record(header: list[str], **values: str) -> list[str]:
    """A row of `header` with the given values ('' elsewhere)."""
    unknown = set(values) - set(header)
    assert not unknown, unknown
    return [values.get(column, "") for column in header]


# --- PII -------------------------------------------------------------------------------------

PII_KINDS = ("email", "first_name", "last_name", "birth_date", "postal_code")


def landing_pii(landing: Path) -> dict[str, set[str]]:
    """Every PII value of every CRM customer file of the landing zone, by kind (plus
    `full_name`, "First Last")."""
    values: dict[str, set[str]] = {kind: set() for kind in (*PII_KINDS, "full_name")}
    for path in sorted(landing.glob("crm/*/customers.*")):
        header, rows = read_text_rows(path)
        index = {name: header.index(name) for name in PII_KINDS if name in header}
        for row in rows:
            for kind, position in index.items():
                if row[position].strip():
                    values[kind].add(row[position].strip())
            if "first_name" in index and "last_name" in index:
                first, last = row[index["first_name"]].strip(), row[index["last_name"]].strip()
                if first and last:
                    values["full_name"].add(f"{first} {last}")
    return values


EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
ISO_DATE = re.compile(r"(?<![\d-])\d{4}-\d{2}-\d{2}(?!\d)")


class _Finder:
    """Finds landing PII in a published file, cell by cell where the file has cells."""

    def __init__(self, pii: dict[str, set[str]]) -> None:
        self.pii = pii
        self.canary = [v for k, v in CANARY.items() if k != "customer_id"]
        self.exact = set().union(*(pii[kind] for kind in PII_KINDS)) | set(self.canary)
        firsts = "|".join(sorted(map(re.escape, pii["first_name"]), key=len, reverse=True))
        lasts = "|".join(sorted(map(re.escape, pii["last_name"]), key=len, reverse=True))
        self.names = re.compile(rf"(?<!\w)(?:{firsts}) (?:{lasts})(?!\w)")

    def in_text(self, text: str) -> set[str]:
        """Free text (HTML, scripts, JSON, a column's values joined): values that cannot occur
        by chance (emails, "First Last", ISO birth dates) and the canary's every value. Single
        first/last names and postal codes are too short for free text ('Jan', '1024'): they are
        checked as whole cells in the structured files, and through the canary everywhere."""
        found = set(EMAIL.findall(text)) & self.pii["email"]
        found |= set(ISO_DATE.findall(text)) & self.pii["birth_date"]
        found |= set(self.names.findall(text)) & self.pii["full_name"]
        found |= {value for value in self.canary if value in text}
        return found

    def in_cells(self, values: set[str]) -> set[str]:
        return (values & self.exact) | self.in_text("\n".join(values))

    def in_arrow(self, table: pa.Table) -> list[str]:
        found = [f"column {name}" for name in table.column_names if name.lower() in PII_COLUMNS]
        for name, column in zip(table.column_names, table.columns, strict=True):
            if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
                values = set(column.to_pylist()) - {None}
                found += [f"{name}={leak!r}" for leak in self.in_cells(values)]
            elif pa.types.is_date(column.type) or pa.types.is_timestamp(column.type):
                dates = {str(v)[:10] for v in column.to_pylist() if v is not None}
                found += [f"{name}={v}" for v in dates & self.pii["birth_date"]]
        return found

    def in_json(self, node: Any) -> list[str]:
        """PII column names (as keys, or as `name` of a schema entry) and PII values."""
        found: list[str] = []
        strings: set[str] = set()
        stack = [node]
        while stack:
            item = stack.pop()
            if isinstance(item, dict):
                found += [f"key {k}" for k in item if str(k).lower() in PII_COLUMNS]
                name = item.get("name")
                if isinstance(name, str) and name.lower() in PII_COLUMNS:
                    found.append(f"column {name}")
                stack += item.values()
            elif isinstance(item, list):
                stack += item
            elif isinstance(item, str):
                strings.add(item)
        return found + [repr(leak) for leak in self.in_cells(strings)]

    def in_duckdb(self, path: Path) -> list[str]:
        found = []
        with duckdb.connect(str(path), read_only=True) as con:
            tables = con.execute(
                "select table_schema, table_name from information_schema.tables "
                "where table_catalog = current_database()"
            ).fetchall()
            for schema, table in tables:
                arrow = con.sql(f'select * from "{schema}"."{table}"').to_arrow_table()
                found += [f"{schema}.{table}: {leak}" for leak in self.in_arrow(arrow)]
        return found


def scan_for_pii(published: Path, pii: dict[str, set[str]]) -> dict[str, list[str]]:
    """Every file under published/ (Parquet, manifests, serving DuckDB, HTML, scripts,
    restatement files, run records, anything else) -> the PII it holds. The key '' lists the
    files scanned (so a caller can check the scan saw them); no other key when clean."""
    finder = _Finder(pii)
    leaks: dict[str, list[str]] = {"": []}
    for path in sorted(published.rglob("*")):
        if not path.is_file() or path.name == ".lock":
            continue
        relative = path.relative_to(published).as_posix()
        leaks[""].append(relative)
        data = path.read_bytes()
        if path.suffix == ".parquet":  # compressed: read cell by cell
            found = finder.in_arrow(pq.read_table(path))
        elif path.suffix == ".duckdb":
            found = finder.in_duckdb(path)
        elif path.suffix == ".json":
            found = finder.in_json(json.loads(data))
        elif path.suffix == ".jsonl":
            lines = data.decode("utf-8").splitlines()
            found = finder.in_json([json.loads(line) for line in lines if line.strip()])
        else:
            found = [repr(leak) for leak in finder.in_text(data.decode("utf-8", "replace"))]
        found += [repr(v) for v in finder.canary if v.encode() in data]  # raw bytes, any file
        if found:
            leaks[relative] = sorted(set(found))
    return leaks


def month_kpis(state: State) -> dict[str, tuple[Any, int]]:
    """(revenue, orders) of segment `all` by month, from the warehouse's marts."""
    return {
        start: (revenue, orders)
        for start, revenue, orders in query(
            state.warehouse,
            "select cast(period_start as varchar), revenue, orders from marts.fct_segment_kpis "
            "where grain = 'month' and segment_dimension = 'all'",
        )
    }


# --- child processes -------------------------------------------------------------------------


def spawn(role: str, *args: object, log: Path, env: dict[str, str] | None = None):
    """Start `children.py <role> <args>` in its own process group (so that SIGKILL reaches dbt,
    its child, too), output to `log`."""
    with log.open("ab") as out:
        return subprocess.Popen(
            [PYTHON, str(CHILDREN), role, *map(str, args)],
            env={**os.environ, **(env or {})},
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=PROJECT_ROOT,
            start_new_session=True,
        )


def wait_for(condition, *, proc, log: Path, what: str, timeout: float = 240.0) -> None:
    """Poll `condition()` until true; fail if the child exits first or time runs out."""
    deadline = time.monotonic() + timeout
    while not condition():
        if proc.poll() is not None:
            tail = log.read_text(errors="replace")[-3000:]
            raise AssertionError(f"child exited ({proc.returncode}) before {what}:\n{tail}")
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def kill_group(proc) -> None:
    """SIGKILL the child and every process of its group (dbt included); reap it."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=60)
    # the grandchildren (dbt) exit on their own schedule: a loaded machine can take seconds to
    # tear one down, and its file lock on the warehouse goes only then
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            os.killpg(proc.pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.2)


def group_commands(pgid: int) -> list[str]:
    """Command lines of the live processes of a process group."""
    commands = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if os.getpgid(int(entry.name)) != pgid:
                continue
            commands.append((entry / "cmdline").read_bytes().replace(b"\0", b" ").decode())
        except (ProcessLookupError, FileNotFoundError, PermissionError):
            continue
    return commands
