"""Guarantee 8, PII.

- A scan of every published file (Parquet versions and current/, manifests, restatement files,
  the serving DuckDB, the dashboard's HTML and scripts, run records) finds no email, name,
  birth date or postal code of the landing data and no PII column: after the reference run, and
  after the late-data run (restatements).
- Customers whose CRM row later arrives with is_deleted=true disappear from the serving file and
  from every published file after the next run.
- Publishing customer-level rows without a hash key fails, naming SEGMENT_KPIS_HASH_KEY, and
  publishes nothing.
"""

from __future__ import annotations

from dataclasses import replace

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from dagster_project.publish.pii import customer_hash
from tests.faults.support import (
    CANARY,
    HASH_KEY,
    NEXT_DROP,
    clone_state,
    landing_pii,
    published_files,
    query,
    scan_for_pii,
    write_csv,
)

KINDS = (".parquet", ".json", ".duckdb", ".html", ".js")


def _assert_clean(published, landing):
    pii = landing_pii(landing)
    assert CANARY["email"] in pii["email"] and len(pii["postal_code"]) > 100
    leaks = scan_for_pii(published, pii)
    scanned = leaks.pop("")
    assert {kind for kind in KINDS if any(f.endswith(kind) for f in scanned)} == set(KINDS)
    assert leaks == {}


def test_the_scan_finds_pii_where_there_is_some(tmp_path, landing):
    """The scanner itself: a leak of each kind, in each kind of file, is found."""
    pii = landing_pii(landing)
    email, name = sorted(pii["email"])[0], sorted(pii["full_name"])[0]
    postal = sorted(pii["postal_code"])[0]
    pq.write_table(pa.table({"segment": [postal]}), tmp_path / "a.parquet")
    pq.write_table(pa.table({"email": ["x"]}), tmp_path / "b.parquet")
    (tmp_path / "c.html").write_text(f"<p>Top customer: {name}</p>")
    (tmp_path / "d.json").write_text(f'{{"note": "{email}"}}')
    (tmp_path / "e.js").write_text(f"var x = '{CANARY['postal_code']}';")
    leaks = scan_for_pii(tmp_path, pii)
    assert sorted(leaks) == ["", "a.parquet", "b.parquet", "c.html", "d.json", "e.js"]


def test_no_pii_in_any_published_file(reference, landing):
    _assert_clean(reference.published, landing)
    customers = query(reference.serving, "select count(*) from marts.dim_customers")
    assert customers[0][0] > 200  # customer-level rows are published, keyed


def test_no_pii_in_any_published_file_after_restatements(late_data):
    assert list(late_data.state.published.glob("restatements/*.parquet"))
    _assert_clean(late_data.state.published, late_data.state.landing)


@pytest.fixture(scope="module")
def erasure(tmp_path_factory, reference, run):
    """Two customers with orders, published, whose CRM row then arrives with is_deleted."""
    state = clone_state(reference, tmp_path_factory.mktemp("erasure"))
    ids = [
        row[0]
        for row in query(
            state.warehouse,
            "select customer_id from marts.dim_customers where not is_deleted "
            "and orders_to_date > 0 and customer_id <> ? order by customer_id limit 2",
            [CANARY["customer_id"]],
        )
    ]
    with_rows = query(
        state.warehouse,
        "select * exclude (_drop_date, _source_file, _row_number, _run_id, _ingested_at) "
        "from raw.crm_customers where customer_id in (?, ?) "
        "qualify row_number() over (partition by customer_id order by updated_at desc) = 1",
        ids,
    )
    header = [
        row[0]
        for row in query(
            state.warehouse,
            "select column_name from information_schema.columns where table_schema = 'raw' "
            "and table_name = 'crm_customers' and not starts_with(column_name, '_') "
            "order by ordinal_position",
        )
    ]
    rows = []
    for values in with_rows:
        row = {h: "" if v is None else str(v) for h, v in zip(header, values, strict=True)}
        row.update(updated_at="2026-01-01T23:00:00Z", is_deleted="true")
        rows.append([row[h] for h in header])
    write_csv(state.landing / "crm" / NEXT_DROP / "customers.csv", header, rows)
    keys = {customer_hash(i, HASH_KEY) for i in ids}
    before = _files_with_keys(state.published, keys)
    return state, run(state), keys, before


def _files_with_keys(published, keys) -> set[str]:
    """Published files (Parquet, serving DuckDB, anything textual) holding any of the keys."""
    found = set()
    for path in published.rglob("*"):
        if not path.is_file() or path.name == ".lock":
            continue
        relative = path.relative_to(published).as_posix()
        if path.suffix == ".parquet":
            table = pq.read_table(path)
            if "customer_key" in table.column_names and keys & set(
                table.column("customer_key").to_pylist()
            ):
                found.add(relative)
        elif path.suffix == ".duckdb":
            for table in ("dim_customers", "fct_customer_segments"):
                rows = query(
                    path,
                    f"select count(*) from marts.{table} where customer_key in (?, ?)",
                    sorted(keys),
                )
                if rows[0][0]:
                    found.add(f"{relative}:{table}")
        elif any(key.encode() in path.read_bytes() for key in keys):
            found.add(relative)
    return found


def test_erased_customers_disappear_from_every_published_output(erasure):
    state, outcome, keys, before = erasure
    assert outcome.success, outcome.describe()
    # they were published: in the serving file and in versions/ and current/ Parquet files
    assert "serving/segment_kpis.duckdb:dim_customers" in before
    assert any(f.startswith("versions/") for f in before)
    assert any(f.startswith("current/") for f in before)
    assert _files_with_keys(state.published, keys) == set()
    erased = query(
        state.warehouse,
        "select count(*) from marts.dim_customers where is_deleted and email is null "
        "and customer_id in (select customer_id from raw.crm_customers where _drop_date = ?)",
        [NEXT_DROP],
    )
    assert erased == [(2,)]


def test_publishing_without_a_hash_key_fails_clearly(clone, run):
    state = clone(own_landing=False)
    state.settings = replace(state.settings, hash_key=None)
    before = published_files(state.published)
    outcome = run(state)
    assert not outcome.success
    message = " ".join(outcome.errors)
    assert "SEGMENT_KPIS_HASH_KEY" in message and "No hash key" in message, outcome.describe()
    assert "published_snapshots" in outcome.not_materialized
    assert published_files(state.published) == before
