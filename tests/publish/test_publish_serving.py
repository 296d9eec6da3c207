"""The serving DuckDB file: PII-free marts, meta, and an atomic swap under a reader."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from datetime import date

import duckdb

from dagster_project.publish import customer_hash

READER = textwrap.dedent(
    """
    import sys
    import duckdb

    con = duckdb.connect(sys.argv[1], read_only=True)

    def answer():
        total = con.execute("select sum(customers_end) from marts.fct_segment_kpis").fetchall()[0]
        built = con.execute("select built_at from meta").fetchall()[0]
        return f"{total[0]} {built[0].isoformat()}"

    print(answer(), flush=True)
    sys.stdin.readline()  # the test rebuilds the serving file meanwhile
    print(answer(), flush=True)
    """
)


def _rows(path, sql):
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_serving_file_holds_every_mart_pii_free(env):
    env.publish()
    path = env.serve()

    assert path == env.published / "serving" / "segment_kpis.duckdb"
    tables = "select table_name from information_schema.tables where table_schema = 'marts'"
    assert sorted(_rows(path, tables)) == sorted(env.warehouse_rows(tables))
    # the aggregate marts are copied as they are
    for table in [
        "fct_segment_kpis",
        "fct_kpi_attainment",
        "fct_cohort_retention",
        "fct_segment_insights",
        "fct_drop_reconciliation",
    ]:
        sql = f"select * from marts.{table} order by all"
        assert _rows(path, sql) == env.warehouse_rows(sql), table
    # customer-level marts: customer_key, no PII column, erased customers gone
    columns = [
        name
        for (name,) in _rows(
            path,
            "select column_name from information_schema.columns where table_name = 'dim_customers' "
            "order by ordinal_position",
        )
    ]
    assert columns[0] == "customer_key"
    assert not set(columns) & set(env.pii_columns + ["customer_id"])
    kept = [c[0] for c in env.customers if c[0] not in env.erased]
    assert sorted(_rows(path, "select customer_key from marts.dim_customers")) == sorted(
        (customer_hash(c, env.hash_key),) for c in kept
    )
    segments = _rows(path, "select customer_key, as_of_date from marts.fct_customer_segments")
    erased_keys = {customer_hash(c, env.hash_key) for c in env.erased}
    assert segments and not {key for key, _ in segments} & erased_keys
    expected = env.warehouse_rows(
        "select count(*) from marts.fct_customer_segments where customer_id not in "
        "(select customer_id from marts.dim_customers where is_deleted)"
    )[0][0]
    assert len(segments) == expected
    # meta and the published versions
    watermark, built_at = _rows(path, "select watermark, built_at from meta")[0]
    assert watermark == env.watermark and built_at is not None
    assert _rows(path, "select grain, period_start, version from published_versions") == [
        (grain, start, 1) for grain, start in sorted(env.closed)
    ]


def test_a_reader_holding_the_old_file_is_undisturbed_by_the_swap(env):
    path = env.serve()
    old_total = env.warehouse_rows("select sum(customers_end) from marts.fct_segment_kpis")[0][0]
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        first = reader.stdout.readline().split()
        assert int(first[0]) == old_total, reader.stderr.read()
        old_inode = os.stat(path).st_ino
        env.execute("update marts.fct_segment_kpis set customers_end = customers_end + 1000")

        env.serve()  # the reader still holds the old file open (and its read lock)

        assert os.stat(path).st_ino != old_inode
        new_total = _rows(path, "select sum(customers_end) from marts.fct_segment_kpis")[0][0]
        assert new_total == old_total + 1000 * len(env.periods) * len(env.segments)
        reader.stdin.write("go\n")
        reader.stdin.flush()
        second = reader.stdout.readline().split()
        assert second == first, reader.stderr.read()  # same data, same build, no error
        assert reader.wait(timeout=30) == 0
    finally:
        if reader.poll() is None:
            reader.kill()
            reader.wait()
    assert sorted(p.name for p in path.parent.iterdir()) == ["segment_kpis.duckdb"]


def test_stale_temporary_serving_files_are_removed(env):
    serving = env.published / "serving"
    serving.mkdir(parents=True)
    (serving / ".tmp-0123abcd.duckdb").write_bytes(b"half a database")
    (serving / ".tmp-0123abcd.duckdb.wal").write_bytes(b"wal")

    env.serve()

    assert sorted(p.name for p in serving.iterdir()) == ["segment_kpis.duckdb"]
    assert _rows(serving / "segment_kpis.duckdb", "select watermark from meta") == [
        (date(2024, 3, 5),)
    ]
