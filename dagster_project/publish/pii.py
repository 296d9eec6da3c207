"""PII policy of everything published: which columns never leave the warehouse, and the keyed hash
that replaces `customer_id` in customer-level rows.

- The PII columns (`PII_COLUMNS`) are dropped from every published table, whatever its name.
- `customer_id` becomes `customer_key` = HMAC-SHA256(key, customer_id) as lowercase hex, with the
  key from SEGMENT_KPIS_HASH_KEY. The same id gives the same key in every file and every run
  (joins across periods and with the serving file work); without the key nobody can recompute
  it from a guessed id. Rotating the key changes every customer_key.
- Customers with an erasure request (`marts.dim_customers.is_deleted`) are left out of every
  customer-level row.

The hash is computed once per distinct customer, in DuckDB (`customer_key_sql`: HMAC spelled
out over DuckDB's sha256, the key passed as a query parameter so that it never appears in SQL
text), and handed back as an Arrow table (`register_customer_keys`) that the queries join on.
`customer_hash` is the same function in Python (`hmac`), for the few keys needed outside SQL.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence

import duckdb
import pyarrow as pa

HASH_KEY_ENV = "SEGMENT_KPIS_HASH_KEY"
PII_COLUMNS = ("email", "first_name", "last_name", "birth_date", "postal_code")
CUSTOMER_ID = "customer_id"
CUSTOMER_KEY = "customer_key"
CUSTOMER_KEYS_VIEW = "_publish_customer_keys"
ERASED_CUSTOMERS_SQL = (
    "select cast(customer_id as varchar) from marts.dim_customers "
    "where is_deleted and customer_id is not null"
)


class MissingHashKeyError(RuntimeError):
    """Customer-level rows were to be published but no hash key was configured."""


def require_hash_key(hash_key: str | None, purpose: str) -> str:
    """The key, or a MissingHashKeyError that says how to provide it."""
    if hash_key:
        return hash_key
    raise MissingHashKeyError(
        f"No hash key: {purpose} holds customer-level rows, whose customer_id is published only "
        f"as a keyed hash (HMAC-SHA256). Set the environment variable {HASH_KEY_ENV} to a long "
        f"random secret (e.g. `export {HASH_KEY_ENV}=$(python -c 'import secrets; "
        f"print(secrets.token_hex(32))')`), keep it out of the repository, and keep it stable: "
        f"a new key changes every customer_key."
    )


def customer_hash(customer_id: str, key: str) -> str:
    """HMAC-SHA256 of the customer id under the key, as 64 lowercase hex characters."""
    return hmac.new(key.encode("utf-8"), customer_id.encode("utf-8"), hashlib.sha256).hexdigest()


HMAC_BLOCK_BYTES = 64  # SHA-256's block size


def customer_key_sql(column: str) -> str:
    """SQL for HMAC-SHA256(key, column) as 64 lowercase hex characters (customer_hash, in
    DuckDB): sha256((K ^ opad) || sha256((K ^ ipad) || message)), the padded key's two pads
    given as the named parameters of `customer_key_parameters`."""
    return (
        "sha256(unhex($outer_pad) || unhex(sha256(unhex($inner_pad) || "
        f"encode(cast({column} as varchar)))))"
    )


def customer_key_parameters(key: str) -> dict[str, str]:
    """The query parameters of customer_key_sql: the key's HMAC pads, as hex."""
    block = key.encode("utf-8")
    if len(block) > HMAC_BLOCK_BYTES:
        block = hashlib.sha256(block).digest()
    block = block.ljust(HMAC_BLOCK_BYTES, b"\0")
    return {
        "inner_pad": bytes(byte ^ 0x36 for byte in block).hex(),
        "outer_pad": bytes(byte ^ 0x5C for byte in block).hex(),
    }


def register_customer_keys(
    con: duckdb.DuckDBPyConnection, key: str, tables: Sequence[str]
) -> pa.Table:
    """Register CUSTOMER_KEYS_VIEW (customer_id, customer_key) for every id in the given tables.

    `tables` are qualified names (`marts.dim_customers`) holding a customer_id column. Returns the
    registered Arrow table (keep it referenced while the view is used).
    """
    ids = " union all ".join(
        f"select cast(customer_id as varchar) as customer_id from {table}" for table in tables
    )
    keys = con.sql(
        f"select customer_id, {customer_key_sql('customer_id')} as {CUSTOMER_KEY} "
        f"from (select distinct customer_id from ({ids}) where customer_id is not null)",
        params=customer_key_parameters(key),
    ).to_arrow_table()
    use_customer_keys(con, keys)
    return keys


def use_customer_keys(con: duckdb.DuckDBPyConnection, keys: pa.Table) -> None:
    """Register CUSTOMER_KEYS_VIEW from the table register_customer_keys returned (on another
    connection, e.g. a thread's cursor: registered objects are per connection)."""
    con.register(CUSTOMER_KEYS_VIEW, keys)


def is_pii_column(name: str) -> bool:
    return name.lower() in PII_COLUMNS


def quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def pii_free_query(
    source: str,
    columns: Sequence[str],
    *,
    where: str | None = None,
    exclude: Sequence[str] = (),
    order_by: Sequence[str] = (),
    ordered: bool = True,
) -> str:
    """SQL selecting `source` without PII: PII columns dropped, customer_id -> customer_key (join
    on CUSTOMER_KEYS_VIEW, which must be registered), erased customers' rows removed.

    `where` is a condition on the source's columns (alias `t`), `exclude` further columns to drop,
    `order_by` output column names to sort by (absent ones are skipped), then every other output
    column, so the row order is deterministic (`ordered=False`: no ORDER BY).
    """
    has_customer = CUSTOMER_ID in columns
    select: list[str] = []
    output: list[str] = []
    for column in columns:
        if is_pii_column(column) or column in exclude:
            continue
        if column == CUSTOMER_ID:
            select.append(f"k.{CUSTOMER_KEY}")
            output.append(CUSTOMER_KEY)
        else:
            select.append(f"t.{quote(column)}")
            output.append(column)
    conditions = [f"({where})"] if where else []
    joins = ""
    if has_customer:
        joins = (
            f" left join {CUSTOMER_KEYS_VIEW} as k"
            f" on k.{CUSTOMER_ID} = cast(t.{CUSTOMER_ID} as varchar)"
        )
        conditions.append(
            f"(t.{CUSTOMER_ID} is null or cast(t.{CUSTOMER_ID} as varchar) not in "
            f"({ERASED_CUSTOMERS_SQL}))"
        )
    sql = f"select {', '.join(select)} from {source} as t{joins}"
    if conditions:
        sql += " where " + " and ".join(conditions)
    if ordered and output:
        first = [name for name in order_by if name in output]
        ordering = first + [name for name in output if name not in first]
        sql += " order by " + ", ".join(
            f"{_position(output, name)} asc nulls last" for name in ordering
        )
    return sql


def _position(output: Sequence[str], name: str) -> str:
    """1-based position of an output column (ORDER BY by position is unambiguous after a join)."""
    return str(list(output).index(name) + 1)
