"""Content hashes (publish/content.py): what counts as a change, the subtractive row sum behind
cheap erasure purges, and versions published with the earlier hash method."""

from __future__ import annotations

import hashlib
import json
import os
import stat
from datetime import date
from decimal import Decimal

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from dagster_project.publish import customer_hash
from dagster_project.publish.content import compare_rows, table_content_hash, table_digest


@pytest.fixture
def con():
    connection = duckdb.connect()
    yield connection
    connection.close()


def _table(rows: list[tuple]) -> pa.Table:
    names = ["customer_key", "as_of_date", "revenue", "share"]
    columns = list(zip(*rows, strict=True)) if rows else [[]] * len(names)
    return pa.table(
        {
            "customer_key": pa.array(columns[0], pa.string()),
            "as_of_date": pa.array(columns[1], pa.date32()),
            "revenue": pa.array(columns[2], pa.decimal128(18, 2)),
            "share": pa.array(columns[3], pa.float64()),
        }
    ).select(names)


ROWS = [
    ("a", date(2025, 3, 31), Decimal("10.50"), 0.1),
    ("b", date(2025, 3, 31), Decimal("0.00"), None),
    ("c", date(2025, 3, 31), None, 1 / 3),
]


def test_the_hash_ignores_row_order_and_last_bit_float_noise(con):
    reference = table_content_hash(con, _table(ROWS))
    assert table_content_hash(con, _table(ROWS[::-1])) == reference
    noisy = [(*row[:3], row[3] + 1e-17 if row[3] else row[3]) for row in ROWS]
    assert table_content_hash(con, _table(noisy)) == reference


@pytest.mark.parametrize(
    "changed",
    [
        [("a", date(2025, 3, 31), Decimal("10.51"), 0.1), *ROWS[1:]],  # a value
        [("a", date(2025, 4, 1), Decimal("10.50"), 0.1), *ROWS[1:]],  # a date
        [ROWS[0], ("b", date(2025, 3, 31), None, None), ROWS[2]],  # a value becomes NULL
        ROWS[:2],  # a row less
        [*ROWS, ROWS[0]],  # a duplicate row more
        [ROWS[0], ROWS[0], ROWS[2]],  # same count, other multiset
    ],
)
def test_any_change_of_values_or_rows_changes_the_hash(con, changed):
    assert table_content_hash(con, _table(changed)) != table_content_hash(con, _table(ROWS))


def test_the_schema_is_part_of_the_hash(con):
    table = _table(ROWS)
    renamed = table.rename_columns(["customer_key", "as_of_date", "revenue", "share_of_x"])
    assert table_content_hash(con, renamed) != table_content_hash(con, table)


def test_the_row_sum_is_the_documented_md5_sum_of_the_row_lines(con):
    """Pinned to the definition (content.py): the md5 digest of each row line read as a
    number - its first 8 bytes (md5_number_upper) then its last 8, little-endian each - summed
    modulo 2**128. Published hashes depend on it: a different number would restate every
    period."""
    lines = [
        '["a","2025-03-31","10.50","0.1"]',
        '["b","2025-03-31","0.00",null]',
        '["c","2025-03-31",null,"0.333333333333"]',
    ]
    expected = 0
    for line in lines:
        md5 = hashlib.md5(line.encode("utf-8")).digest()
        expected += int.from_bytes(md5[:8], "little") << 64 | int.from_bytes(md5[8:], "little")
    digest = table_digest(con, _table(ROWS))
    assert (digest.rows, digest.row_sum) == (3, expected % 2**128)


def test_the_digest_of_a_table_less_some_rows_is_its_digest_less_theirs(con):
    whole = table_digest(con, _table(ROWS))
    removed = table_digest(con, _table([ROWS[1]]))
    assert whole.without(removed) == table_digest(con, _table([ROWS[0], ROWS[2]]))
    everything = whole.without(whole)
    assert (everything.rows, everything.row_sum) == (0, 0)
    assert everything == table_digest(con, _table([]))


def test_rows_compared_as_multisets_of_canonical_rows(con):
    noisy = [(*row[:3], row[3] + 1e-17 if row[3] else row[3]) for row in ROWS]
    assert compare_rows(con, _table(ROWS), _table(noisy[::-1])) == {
        "rows_before": 3,
        "rows_after": 3,
        "rows_only_in_previous": 0,
        "rows_only_in_new": 0,
    }
    before = [ROWS[0], ROWS[0], ROWS[1]]  # a twice
    after = [ROWS[0], ROWS[2], ROWS[2], ROWS[2]]  # a once, b gone, c three times
    summary = compare_rows(con, _table(before), _table(after))
    assert (summary["rows_only_in_previous"], summary["rows_only_in_new"]) == (2, 3)
    first = compare_rows(con, None, _table(ROWS))
    assert (first["rows_before"], first["rows_only_in_previous"], first["rows_only_in_new"]) == (
        0,
        0,
        3,
    )


A_ROW = ("a", date(2025, 3, 31), Decimal("10.50"), 0.1)


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (A_ROW, ("a", date(2025, 3, 31), Decimal("10.51"), 0.1)),  # a value
        (A_ROW, ("a", date(2025, 3, 31), None, 0.1)),  # a value becomes NULL
        ((None, *A_ROW[1:]), ("null", *A_ROW[1:])),  # NULL becomes the text 'null'
        (A_ROW, ("a", date(2025, 3, 31), Decimal("0.1"), 10.5)),  # both numbers change
    ],
)
def test_a_changed_row_counts_once_on_each_side(con, before, after):
    summary = compare_rows(con, _table([before, *ROWS[1:]]), _table([after, *ROWS[1:]]))
    assert (summary["rows_only_in_previous"], summary["rows_only_in_new"]) == (1, 1)


def _rewrite_manifest(folder, edit) -> None:
    path = folder / "manifest.json"
    manifest = json.loads(path.read_text())
    edit(manifest)
    os.chmod(path, stat.S_IRUSR | stat.S_IWUSR)
    path.write_text(json.dumps(manifest, indent=2) + "\n")


def _as_published_by_the_earlier_method(manifest) -> None:
    manifest["content_hash_method"] = "sha256 of the sorted canonical row values (earlier)"
    manifest["content_hash"] = "0" * 64
    for info in manifest["tables"].values():
        info["content_hash"] = "1" * 64
        info.pop("content_row_sum")


def test_versions_hashed_by_the_earlier_method_are_not_restated_by_an_upgrade(env):
    first = env.publish()
    for item in first.published:
        _rewrite_manifest(item.path, _as_published_by_the_earlier_method)

    again = env.publish(run_id="run-2", code_version="def456")

    assert again.published == [] and again.restated == []
    assert len(again.unchanged) == len(first.published)


def test_purging_a_version_of_the_earlier_method_rehashes_it_whole(env):
    first = env.publish()
    for item in first.published:
        _rewrite_manifest(item.path, _as_published_by_the_earlier_method)
    env.execute("update marts.dim_customers set is_deleted = true where customer_id = 'cust-001'")

    purge = env.publish(run_id="run-2")

    assert len(purge.erasures_purged) == len(first.published)
    for folder in purge.erasures_purged:
        manifest = json.loads((folder / "manifest.json").read_text())
        assert "earlier" not in manifest["content_hash_method"]
        assert "1" * 64 not in {info["content_hash"] for info in manifest["tables"].values()}
    # the purged manifests carry today's hashes of today's content: nothing else to publish
    later = env.publish(run_id="run-3")
    assert later.published == [] and later.restated == []


def test_a_purge_after_a_crash_between_manifest_and_file_swap_hashes_the_file(env, tmp_path):
    first = env.publish()
    folder = first.published[0].path
    manifest = json.loads((folder / "manifest.json").read_text())
    entry = manifest["tables"]["fct_customer_segments"]
    stale_copy = tmp_path / "stale.parquet"
    stale_copy.write_bytes((folder / entry["file"]).read_bytes())
    env.execute("update marts.dim_customers set is_deleted = true where customer_id = 'cust-001'")
    env.publish(run_id="run-2")
    # the crash: the purged manifest is in place, the file is still the unpurged one
    path = folder / entry["file"]
    os.chmod(path, stat.S_IRUSR | stat.S_IWUSR)
    path.write_bytes(stale_copy.read_bytes())

    repaired = env.publish(run_id="run-3")  # the stale file holds erased rows: purged again

    manifest = json.loads((folder / "manifest.json").read_text())
    entry = manifest["tables"]["fct_customer_segments"]
    kept = pq.ParquetFile(folder / entry["file"]).read()
    assert customer_hash("cust-001", env.hash_key) not in kept.column("customer_key").to_pylist()
    con = duckdb.connect()
    assert entry["content_hash"] == table_content_hash(con, kept)
    assert folder in repaired.erasures_purged and repaired.restated == []
