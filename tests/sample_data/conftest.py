"""A small generated sample (500 customers, default dates and drops), read back with DuckDB."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from dagster_project.sample_data import (
    GenerationSummary,
    generate_sample_data,
    write_reference_data,
)
from tests.sample_data.readback import ENTITIES, load_entity

CUSTOMERS = 500
SEED = 42


@dataclass
class Sample:
    landing: Path
    seeds: Path
    summary: GenerationSummary
    con: duckdb.DuckDBPyConnection

    def sql(self, query: str) -> list[tuple]:
        return self.con.execute(query).fetchall()

    def scalar(self, query: str):
        return self.con.execute(query).fetchall()[0][0]


@pytest.fixture(scope="session")
def sample(tmp_path_factory) -> Sample:
    root = tmp_path_factory.mktemp("sample_data")
    landing = root / "landing"
    summary = generate_sample_data(landing, customers=CUSTOMERS, seed=SEED)
    seeds = root / "seeds"
    write_reference_data(seeds, seed=SEED)
    con = duckdb.connect()
    con.execute("set TimeZone = 'UTC'")
    for source, entities in ENTITIES.items():
        for entity in entities:
            load_entity(con, landing, source, entity)
    con.execute(f"create table fx_rates as select * from read_csv('{seeds / 'fx_rates.csv'}')")
    return Sample(landing, seeds, summary, con)
