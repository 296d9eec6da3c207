"""Guarantee 1, bad rows: a run over drops full of bad rows goes on, every bad row lands in the
quarantine with its file, row number and reason (or, for an amount with no fx rate, in
quarantine.fx_unconverted), rows that are odd but valid load intact, and
marts.fct_drop_reconciliation balances for every drop.

One full run (from an empty warehouse) over the generated drops, with these injected:

- orders (history drop, re-delivered as CSV): missing key, unparseable timestamp, unparseable
  number, negative amount, unknown status, unknown currency, JPY (valid ISO code, no rate in
  fx_rates), a duplicate key with a different amount, a truncated last line;
- customers (history, CSV): a UTF-8 BOM, bytes that are not UTF-8, missing key, bad date;
- spend (history, CSV): negative amount, unknown currency, JPY;
- survey responses (history, re-delivered as CSV): a comment with embedded newlines, quotes
  and commas (valid), score out of range, unknown survey type, an unterminated quote;
- leads (history, JSONL): a line that is not JSON, an unknown status;
- an empty (0-byte) file and a header-only file.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass

import pytest

from dagster_project.runner import RunOutcome
from tests.faults.support import (
    DAY1,
    DAY3,
    HISTORY,
    State,
    csv_text,
    drop_file,
    make_state,
    query,
    read_text_rows,
    record,
    replace_with_csv,
)

ORDER = {
    "customer_id": "C00000001",
    "ordered_at": "2025-06-15T10:00:00Z",
    "status": "completed",
    "currency": "USD",
    "net_amount": "10.00",
    "channel": "web",
}
SPEND = {"spend_date": "2025-05-05", "channel": "social", "amount": "100.00", "currency": "USD"}
RESPONSE = {"submitted_at": "2025-05-01T10:00:00Z", "survey_type": "csat", "score": "4"}
CITY = "Ölberg-8001"  # written in Latin-1: bytes that are not UTF-8
COMMENT = 'First line\nShe said "wow, fast", twice\r\nthird line, with a comma'

# (entity file, injected row label) -> (column_name, words of the reason)
EXPECTED = {
    ("orders", "missing_key"): ("order_id", "order_id is missing"),
    ("orders", "bad_timestamp"): ("ordered_at", "ordered_at is not a timestamp"),
    ("orders", "bad_number"): ("net_amount", "net_amount is not a decimal"),
    ("orders", "negative"): ("net_amount", "net_amount is negative"),
    ("orders", "unknown_status"): ("status", "'shipped' is not one of"),
    ("orders", "unknown_currency"): ("currency", "'XYZ' is not an ISO 4217 currency code"),
    ("orders", "truncated"): ("status", "truncated line"),
    ("customers", "not_utf8"): ("city", "city is not valid UTF-8"),
    ("customers", "missing_key"): ("customer_id", "customer_id is missing"),
    ("customers", "bad_date"): ("birth_date", "birth_date is not a date"),
    ("spend", "negative"): ("amount", "amount is negative"),
    ("spend", "unknown_currency"): ("currency", "'ABC' is not an ISO 4217 currency code"),
    ("responses", "score_out_of_range"): ("score", "score 9 is out of range for csat"),
    ("responses", "unknown_type"): ("survey_type", "'ces' is not one of"),
    ("responses", "unterminated_quote"): (None, "line is not valid CSV"),
    ("leads", "not_json"): (None, "line is not valid JSON"),
    ("leads", "unknown_status"): ("status", "'lost' is not one of"),
}
FX = {("orders", "jpy"), ("spend", "jpy")}


@dataclass
class BadRows:
    state: State
    outcome: RunOutcome
    files: dict[str, str]  # entity -> landing-relative path of the file with injected rows
    rows: dict[tuple[str, str], int]  # (entity, label) -> row number in its file
    originals: dict[str, int]  # entity -> data rows before injection
    duplicate: tuple[str, str]  # (order_id, the winning duplicate's amount)


def _inject(landing) -> tuple[dict, dict, dict, tuple[str, str]]:
    files: dict[str, str] = {}
    rows: dict[tuple[str, str], int] = {}
    originals: dict[str, int] = {}

    def relative(path) -> str:
        return path.relative_to(landing).as_posix()

    # orders: parquet history -> CSV with bad rows, a duplicate key, a truncated last line
    path = drop_file(landing, "orders", HISTORY, "orders")
    header, good = read_text_rows(path)
    originals["orders"] = len(good)
    counts: dict[str, int] = {}  # versions of each order_id across all drops
    for source in landing.glob("orders/*/orders.*"):
        source_header, source_rows = read_text_rows(source)
        for row in source_rows:
            key = row[source_header.index("order_id")]
            counts[key] = counts.get(key, 0) + 1
    oid, status, currency = (header.index(c) for c in ("order_id", "status", "currency"))
    amount = header.index("net_amount")
    twin = next(
        row
        for row in good
        if counts[row[oid]] == 1 and row[status] == "completed" and row[currency]
    )
    duplicate = list(twin)
    duplicate[amount] = f"{float(twin[amount]) + 10:.2f}"
    injected = {
        "missing_key": record(header, **ORDER, order_id=""),
        "bad_timestamp": record(header, **{**ORDER, "ordered_at": "yesterday"}, order_id="O8001"),
        "bad_number": record(header, **{**ORDER, "net_amount": "12,50"}, order_id="O8002"),
        "negative": record(header, **{**ORDER, "net_amount": "-5.00"}, order_id="O8003"),
        "unknown_status": record(header, **{**ORDER, "status": "shipped"}, order_id="O8004"),
        "unknown_currency": record(header, **{**ORDER, "currency": "XYZ"}, order_id="O8005"),
        "jpy": record(header, **{**ORDER, "currency": "JPY"}, order_id="O8006"),
        "duplicate": duplicate,
    }
    for number, label in enumerate(injected, start=len(good) + 1):
        rows["orders", label] = number
    rows["orders", "truncated"] = len(good) + len(injected) + 1
    text = csv_text(header, [*good, *injected.values()]) + "O8007,C00000001,2025-06-15T10:00:00Z,"
    target = replace_with_csv(path, header, [])
    target.write_text(text, encoding="utf-8")  # no newline after the truncated line
    files["orders"] = relative(target)

    # customers: BOM, bytes that are not UTF-8, missing key, bad date
    path = drop_file(landing, "crm", HISTORY, "customers")
    header, good = read_text_rows(path)
    originals["customers"] = len(good)
    base = {"updated_at": "2025-03-01T00:00:00Z", "city": "Bonn", "country": "DE"}
    injected = {
        "not_utf8": record(header, **{**base, "city": CITY}, customer_id="C08000001"),
        "missing_key": record(header, **base, customer_id=""),
        "bad_date": record(header, **base, customer_id="C08000002", birth_date="31/02/1990"),
    }
    data = b"\xef\xbb\xbf" + csv_text(header, [*good, *injected.values()]).encode("utf-8")
    assert data.count(CITY.encode()) == 1
    path.write_bytes(data.replace(CITY.encode(), CITY.encode("latin-1")))  # not UTF-8
    for number, label in enumerate(injected, start=len(good) + 1):
        rows["customers", label] = number
    files["customers"] = relative(path)

    # spend: negative amount, unknown currency, a currency without an fx rate
    path = drop_file(landing, "marketing", HISTORY, "spend")
    header, good = read_text_rows(path)
    originals["spend"] = len(good)
    injected = {
        "negative": record(header, **{**SPEND, "amount": "-1.00"}),
        "unknown_currency": record(header, **{**SPEND, "currency": "ABC"}),
        "jpy": record(header, **{**SPEND, "currency": "JPY", "channel": "partner"}),
    }
    path.write_text(csv_text(header, [*good, *injected.values()]), encoding="utf-8")
    for number, label in enumerate(injected, start=len(good) + 1):
        rows["spend", label] = number
    files["spend"] = relative(path)

    # responses: JSONL history -> CSV with an embedded-newline comment, bad rows, bad quoting
    path = drop_file(landing, "surveys", HISTORY, "responses")
    header, good = read_text_rows(path)
    originals["responses"] = len(good)
    injected = {
        "embedded": record(header, **RESPONSE, response_id="R8001", comment=COMMENT),
        "score_out_of_range": record(header, **{**RESPONSE, "score": "9"}, response_id="R8002"),
        "unknown_type": record(header, **{**RESPONSE, "survey_type": "ces"}, response_id="R8003"),
    }
    broken = 'R8004,2025-05-01T10:00:00Z,csat,4,,"unterminated comment\n'
    after = record(header, **RESPONSE, response_id="R8005", comment="after the broken line")
    text = csv_text(header, [*good, *injected.values()]) + broken + csv_text(None, [after])
    target = replace_with_csv(path, header, [])
    target.write_text(text, encoding="utf-8")
    for number, label in enumerate([*injected, "unterminated_quote", "after"], start=len(good) + 1):
        rows["responses", label] = number
    files["responses"] = relative(target)

    # leads: a line that is not JSON, an unknown status
    path = drop_file(landing, "crm", HISTORY, "leads")
    lines = path.read_text(encoding="utf-8").splitlines()
    originals["leads"] = len(lines)
    unknown = {"lead_id": "L8002", "created_at": "2025-05-01T10:00:00Z", "status": "lost"}
    lines += ['{"lead_id": "L8001", "created_at": ', json.dumps(unknown)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    rows["leads", "not_json"], rows["leads", "unknown_status"] = len(lines) - 1, len(lines)
    files["leads"] = relative(path)

    # an empty (0-byte) file where a drop had none, and a file re-delivered with its header only
    assert not (landing / "surveys" / DAY3).exists()
    (landing / "surveys" / DAY3).mkdir()
    (landing / "surveys" / DAY3 / "responses.csv").write_bytes(b"")
    spend = drop_file(landing, "marketing", DAY1, "spend")
    spend.write_text(",".join(read_text_rows(spend)[0]) + "\n", encoding="utf-8")
    return files, rows, originals, (twin[oid], duplicate[amount])


@pytest.fixture(scope="module")
def bad_rows(tmp_path_factory, landing, run) -> BadRows:
    root = tmp_path_factory.mktemp("bad_rows")
    shutil.copytree(landing, root / "landing")
    files, rows, originals, duplicate = _inject(root / "landing")
    state = make_state(root, root / "landing")
    return BadRows(state, run(state), files, rows, originals, duplicate)


def test_the_run_goes_on_and_publishes(bad_rows):
    outcome = bad_rows.outcome
    assert outcome.success, outcome.describe()
    assert {"published_snapshots", "serving_database", "kpi_dashboard"} <= set(outcome.materialized)


def test_every_bad_row_is_quarantined_with_file_row_and_reason(bad_rows):
    quarantined = {
        (file, row): (column, reason, raw)
        for file, row, column, reason, raw in query(
            bad_rows.state.warehouse,
            "select _source_file, _row_number, column_name, reason, raw_values "
            "from quarantine.rejected_rows",
        )
    }
    expected = {}
    for (entity, label), (column, words) in EXPECTED.items():
        key = (bad_rows.files[entity], bad_rows.rows[entity, label])
        assert key in quarantined, f"{entity} {label} (row {key[1]}) not quarantined"
        got_column, reason, raw = quarantined[key]
        assert got_column == column and words in reason, (entity, label, got_column, reason)
        assert raw, (entity, label)  # the raw values, as read
        expected[key] = label
    assert set(quarantined) == set(expected), "rows quarantined that were not injected"
    not_utf8 = quarantined[bad_rows.files["customers"], bad_rows.rows["customers", "not_utf8"]]
    assert json.loads(not_utf8[2])["city"] == "\ufffdlberg-8001"


def test_amounts_without_an_fx_rate_are_quarantined_as_unconverted(bad_rows):
    unconverted = query(
        bad_rows.state.warehouse,
        "select entity, _source_file, _row_number, currency, reason "
        "from quarantine.fx_unconverted order by entity",
    )
    assert unconverted == [
        (
            "orders",
            bad_rows.files["orders"],
            bad_rows.rows["orders", "jpy"],
            "JPY",
            "no JPY rate to USD on 2025-06-15",
        ),
        (
            "spend",
            bad_rows.files["spend"],
            bad_rows.rows["spend", "jpy"],
            "JPY",
            "no JPY rate to USD on 2025-05-05",
        ),
    ]
    revenue = query(
        bad_rows.state.warehouse,
        "select count(*) from intermediate.int_orders where order_id = 'O8006'",
    )
    assert revenue == [(0,)]  # left out of every KPI


def test_valid_rows_around_bad_ones_load_intact(bad_rows):
    warehouse, files, rows = bad_rows.state.warehouse, bad_rows.files, bad_rows.rows
    (comment,) = query(
        warehouse, "select comment from raw.surveys_responses where response_id = 'R8001'"
    )[0]
    assert comment == COMMENT
    after = query(
        warehouse,
        "select _row_number from raw.surveys_responses where response_id = 'R8005'",
    )
    assert after == [(rows["responses", "after"],)]  # reading resumed after the broken quote
    loaded = dict(
        query(
            warehouse,
            "select _source_file, rows_loaded from raw.ingestion_log where _drop_date = ?",
            [HISTORY],
        )
    )
    # the BOM did not cost the header: every original customer row loaded
    assert loaded[files["customers"]] == bad_rows.originals["customers"]
    assert loaded[files["orders"]] == bad_rows.originals["orders"] + 2  # JPY and the duplicate
    order_id, amount = bad_rows.duplicate
    current = query(
        warehouse,
        "select _row_number, net_amount from staging.stg_orders__orders "
        "where order_id = ? and is_current",
        [order_id],
    )
    assert [(r, str(a)) for r, a in current] == [(rows["orders", "duplicate"], f"{amount}00")]


def test_empty_and_header_only_files_are_logged_with_no_rows(bad_rows):
    logged = query(
        bad_rows.state.warehouse,
        "select _source_file, rows_read, rows_loaded, rows_quarantined from raw.ingestion_log "
        "where _source_file in (?, ?) order by 1",
        [f"marketing/{DAY1}/spend.csv", f"surveys/{DAY3}/responses.csv"],
    )
    assert logged == [
        (f"marketing/{DAY1}/spend.csv", 0, 0, 0),
        (f"surveys/{DAY3}/responses.csv", 0, 0, 0),
    ]
    spend = query(
        bad_rows.state.warehouse,
        "select count(*) from raw.marketing_spend where _drop_date = ?",
        [DAY1],
    )
    assert spend == [(0,)]


def test_every_drop_reconciles(bad_rows):
    rows = query(
        bad_rows.state.warehouse,
        "select cast(drop_date as varchar), source, entity, rows_read, rows_accepted, "
        "rows_quarantined, rows_superseded, is_reconciled from marts.fct_drop_reconciliation",
    )
    logged = query(
        bad_rows.state.warehouse,
        "select distinct cast(_drop_date as varchar), source, entity from raw.ingestion_log",
    )
    assert {r[:3] for r in rows} == set(logged)
    for drop, source, entity, read, accepted, quarantined, superseded, reconciled in rows:
        assert read == accepted + quarantined + superseded and reconciled, (drop, source, entity)
    by_entity = {(r[0], r[2]): r for r in rows}
    injected = {}
    for entity, _label in [*EXPECTED, *FX]:
        injected[entity] = injected.get(entity, 0) + 1
    for entity, count in injected.items():
        read, quarantined = by_entity[HISTORY, entity][3], by_entity[HISTORY, entity][5]
        assert quarantined == count, entity
        extra = {"orders": 1, "responses": 2}.get(entity, 0)  # duplicate; valid rows around
        assert read == bad_rows.originals[entity] + count + extra, entity
