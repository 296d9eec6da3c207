"""The input contract (shared/spec/extracts.md) as data: entities, their columns and rules.

Everything else in the package is derived from ENTITIES: the raw table DDL, the typing SQL,
the quarantine rules and the file discovery.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ColumnType = Literal["text", "int", "decimal", "bool", "date", "timestamp"]
RuleKind = Literal["non_negative", "positive", "one_of", "currency", "score_range"]

SQL_TYPES: dict[str, str] = {
    "text": "VARCHAR",
    "int": "BIGINT",
    "decimal": "DECIMAL(18,4)",
    "bool": "BOOLEAN",
    "date": "DATE",
    "timestamp": "TIMESTAMP",
}

# Longest first, so that "orders.csv.gz" is read as entity "orders" with extension "csv.gz".
EXTENSIONS: tuple[str, ...] = ("csv.gz", "jsonl.gz", "parquet", "jsonl", "csv")


@dataclass(frozen=True)
class Column:
    name: str
    type: ColumnType
    required: bool = False

    @property
    def sql_type(self) -> str:
        return SQL_TYPES[self.type]


@dataclass(frozen=True)
class Rule:
    """A row-level rule; a row breaking it is quarantined.

    non_negative: value >= 0. positive: value > 0. one_of: lower(value) in `values` (checked
    only when given). currency: upper(value) is an ISO 4217 code. score_range: the score is
    within `ranges[lower(<by>)]` (inclusive), checked only for a known `by` value.
    """

    column: str
    kind: RuleKind
    values: tuple[str, ...] = ()
    by: str | None = None
    ranges: tuple[tuple[str, int, int], ...] = ()


@dataclass(frozen=True)
class EntitySpec:
    source: str
    entity: str
    columns: tuple[Column, ...]
    rules: tuple[Rule, ...] = ()

    @property
    def table(self) -> str:
        """Fully qualified raw table, e.g. raw.orders_orders."""
        return f"raw.{self.source}_{self.entity}"

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)

    @property
    def optional(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if not c.required)


def _cols(spec: str) -> tuple[Column, ...]:
    """'name*:type, name:type' -> Columns (a trailing * marks a required column)."""
    columns = []
    for item in spec.split(","):
        name, type_ = (part.strip() for part in item.split(":"))
        required = name.endswith("*")
        columns.append(Column(name.rstrip("*"), type_, required))  # type: ignore[arg-type]
    return tuple(columns)


ORDER_STATUSES = ("completed", "cancelled", "refunded", "pending")
LEAD_STATUSES = ("new", "contacted", "qualified", "converted", "disqualified")
SURVEY_TYPES = ("csat", "nps")
SCORE_RANGES = (("csat", 1, 5), ("nps", 0, 10))

_SPECS = (
    EntitySpec(
        "crm",
        "customers",
        _cols(
            "customer_id*:text, updated_at*:timestamp, email:text, first_name:text, "
            "last_name:text, birth_date:date, gender:text, annual_income:decimal, "
            "education:text, occupation:text, household_size:int, country:text, region:text, "
            "city:text, postal_code:text, timezone:text, interests:text, lifestyle:text, "
            "acquisition_channel:text, signed_up_at:timestamp, marketing_opt_in:bool, "
            "is_deleted:bool"
        ),
    ),
    EntitySpec(
        "crm",
        "leads",
        _cols(
            "lead_id*:text, created_at*:timestamp, updated_at:timestamp, channel:text, "
            "campaign_id:text, country:text, region:text, status:text, contacted_at:timestamp, "
            "converted_at:timestamp, customer_id:text"
        ),
        (Rule("status", "one_of", LEAD_STATUSES),),
    ),
    EntitySpec(
        "marketing",
        "spend",
        _cols("spend_date*:date, channel*:text, campaign_id:text, amount*:decimal, currency:text"),
        (Rule("amount", "non_negative"), Rule("currency", "currency")),
    ),
    EntitySpec(
        "orders",
        "orders",
        _cols(
            "order_id*:text, customer_id*:text, ordered_at*:timestamp, updated_at:timestamp, "
            "status*:text, currency:text, net_amount*:decimal, channel:text"
        ),
        (
            Rule("status", "one_of", ORDER_STATUSES),
            Rule("currency", "currency"),
            Rule("net_amount", "non_negative"),
        ),
    ),
    EntitySpec(
        "orders",
        "order_lines",
        _cols(
            "order_id*:text, line_number*:int, sku:text, category:text, quantity:int, "
            "unit_price:decimal"
        ),
        (Rule("line_number", "positive"), Rule("quantity", "non_negative")),
    ),
    EntitySpec(
        "surveys",
        "responses",
        _cols(
            "response_id*:text, submitted_at*:timestamp, survey_type*:text, score*:int, "
            "customer_id:text, comment:text"
        ),
        (
            Rule("survey_type", "one_of", SURVEY_TYPES),
            Rule("score", "score_range", by="survey_type", ranges=SCORE_RANGES),
        ),
    ),
)

ENTITIES: dict[tuple[str, str], EntitySpec] = {(s.source, s.entity): s for s in _SPECS}
# In the order of extracts.md, "Landing zone" (and of settings.SOURCES).
SOURCES: tuple[str, ...] = ("crm", "orders", "surveys", "marketing")
assert set(SOURCES) == {spec.source for spec in _SPECS}

# Active ISO 4217 codes (list one, 2025): national currencies, the shared ones (XAF, XCD, XCG,
# XOF, XPF) and the funds codes (BOV, CHE, ...). Left out: precious metals (XAU, XAG, XPD, XPT),
# IMF and bond-market units (XDR, XSU, XUA, XBA-XBD), XTS (testing) and XXX (no currency).
# ANG, SLL and ZWL were replaced in 2023-2025 (by XCG, SLE, ZWG) and are kept so that history
# delivered with them still loads (fx_rates decides whether it converts).
_ISO_4217_LIST = """
    AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BOV BRL BSD BTN
    BWP BYN BZD CAD CDF CHE CHF CHW CLF CLP CNY COP COU CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN
    ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD
    JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT
    MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG
    QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SLL SOS SRD SSP STN SVC SYP SZL THB TJS
    TMT TND TOP TRY TTD TWD TZS UAH UGX USD USN UYI UYU UYW UZS VED VES VND VUV WST XAF XCD XCG
    XOF XPF YER ZAR ZMW ZWG ZWL
"""
ISO_4217_CODES: frozenset[str] = frozenset(_ISO_4217_LIST.split())
