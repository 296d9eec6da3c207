"""No PII and no erased customer in anything published; the keyed customer hash."""

from __future__ import annotations

import hashlib
import json
import os

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from dagster_project.publish import MissingHashKeyError, customer_hash
from dagster_project.publish.content import table_content_hash
from dagster_project.publish.pii import customer_key_parameters, customer_key_sql


def _publish_everything(env):
    env.publish()
    env.execute(  # a restatement too, so its record and a version 2 are scanned
        "update marts.fct_segment_kpis set customers_end = customers_end + 1 "
        "where grain = 'week' and period_start = '2024-02-26'"
    )
    env.publish(run_id="run-2")
    env.serve()
    assert (env.published / "restatements").is_dir()
    assert (env.published / "serving" / "segment_kpis.duckdb").is_file()


def test_customer_hash_is_hmac_sha256_hex():
    # RFC 4231-style known answer: HMAC-SHA256(key="key", "The quick brown fox ...")
    assert customer_hash("The quick brown fox jumps over the lazy dog", "key") == (
        "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8"
    )
    assert customer_hash("cust-001", "k1") != customer_hash("cust-001", "k2")


@pytest.mark.parametrize("key", ["key", "k" * 64, "k" * 65, "clé-ключ-" * 12])
def test_the_customer_key_computed_in_duckdb_is_the_hmac(key):
    # keys shorter than, exactly and longer than the 64-byte block (hashed first), non-ASCII
    ids = ["The quick brown fox jumps over the lazy dog", "cust-001", "", "é漢", "x" * 300]
    with duckdb.connect() as con:
        rows = con.execute(
            f"select i, {customer_key_sql('i')} from (select unnest($ids) as i)",
            {"ids": ids, **customer_key_parameters(key)},
        ).fetchall()
    assert {i: h for i, h in rows} == {i: customer_hash(i, key) for i in ids}
    if key == "key":
        assert dict(rows)[ids[0]] == (
            "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8"
        )


def test_no_pii_column_or_value_in_any_published_file(env):
    _publish_everything(env)
    files = env.files_under(env.published)
    assert any(path.suffix == ".parquet" for path in files)

    assert env.pii_findings(env.published, env.pii_values, env.pii_columns) == []


def test_the_pii_scan_finds_planted_pii(env, tmp_path):
    planted = tmp_path / "planted"
    planted.mkdir()
    pq.write_table(pa.table({"note": [f"contact {env.pii_values[0]} soon"]}), planted / "a.parquet")
    pq.write_table(pa.table({"Email": ["x"]}), planted / "b.parquet")

    findings = env.pii_findings(planted, env.pii_values, env.pii_columns)

    assert any("a.parquet: value" in finding for finding in findings)
    assert any("b.parquet: column 'Email'" in finding for finding in findings)


def test_erased_customers_are_absent_from_every_published_file(env):
    _publish_everything(env)
    erased = env.erased + [customer_hash(customer, env.hash_key) for customer in env.erased]

    assert env.pii_findings(env.published, erased, []) == []
    # while the other customers are there, under their keyed hash only
    kept = [c[0] for c in env.customers if c[0] not in env.erased]
    keys = env.query(
        f"select distinct customer_key from read_parquet("
        f"'{env.published}/current/fct_customer_segments/*/*/*.parquet')"
    )
    assert sorted(key for (key,) in keys) == sorted(customer_hash(c, env.hash_key) for c in kept)
    assert env.pii_findings(env.published, kept, []) == []


def test_missing_hash_key_raises_and_publishes_nothing(env):
    with pytest.raises(MissingHashKeyError, match="SEGMENT_KPIS_HASH_KEY"):
        env.publish(hash_key=None)
    assert not env.published.exists()

    with pytest.raises(MissingHashKeyError, match="SEGMENT_KPIS_HASH_KEY"):
        env.serve(hash_key="")
    assert not (env.published / "serving").exists()


def test_a_later_erasure_request_purges_already_published_versions(env):
    env.publish()
    env.serve()
    late = "cust-001"  # in every closed period's customer rows
    late_key = customer_hash(late, env.hash_key)
    assert env.pii_findings(env.published, [late_key], []) != []  # published under its key
    customer_files = sorted(env.published.glob("versions/*/*/*/fct_customer_segments.parquet"))
    before = {path: pq.read_table(path) for path in customer_files}
    env.execute(
        "update marts.dim_customers set is_deleted = true, email = null, first_name = null, "
        "last_name = null, birth_date = null, postal_code = null where customer_id = ?",
        [late],
    )

    result = env.publish(run_id="run-2")
    env.serve()

    assert env.pii_findings(env.published, [late, late_key], []) == []
    assert len(result.erasures_purged) == len(env.closed)
    # the purge is the only change: no new version, no restatement, current re-pointed
    assert result.published == [] and result.restated == [] and result.current_repaired == []
    assert len(result.unchanged) == len(env.closed)
    for folder in result.erasures_purged:
        manifest = json.loads((folder / "manifest.json").read_text())
        assert [entry["rows_removed"] for entry in manifest["erasures"]] == [
            {"fct_customer_segments": 1}
        ]
        entry = manifest["tables"]["fct_customer_segments"]
        path = folder / entry["file"]
        assert entry["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
        assert entry["rows"] == pq.ParquetFile(path).metadata.num_rows
        current = (
            env.published
            / "current"
            / "fct_customer_segments"
            / folder.parent.parent.name
            / folder.parent.name
            / "data.parquet"
        )
        assert os.path.samefile(current, path)
        # the same columns, types and rows less the erased customer's, in the same order (the
        # purge keeps text columns as stored dictionaries, and writes them back as text)
        purged, published = pq.read_table(path), before[path]
        assert purged.schema == published.schema
        assert not any(pa.types.is_dictionary(field.type) for field in purged.schema)
        assert purged.equals(published.filter(pc.not_equal(published["customer_key"], late_key)))
        assert entry["content_hash"] == table_content_hash(duckdb.connect(), purged)
    assert len(before) == len(result.erasures_purged)
    assert env.publish(run_id="run-3").erasures_purged == []  # done once
