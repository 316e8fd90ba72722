"""The benchmark harness at its small scale: it runs end to end and measures the real thing.

No time is asserted (the machine is shared); what is checked is that every measure ran on
what it claims to: the validated file was accepted, the floor wrote as many rows as were
published, and the resubmission's revised figures are what the warehouse now holds.
"""

from __future__ import annotations

import os

import pandas as pd
import pytest
from sqlalchemy import create_engine

from benchmarks import generate
from benchmarks.report import write_markdown
from benchmarks.run import POSTGRES_URL, measure

#: The whole harness (a consolidation in a subprocess): make test-fast leaves it out.
pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def bench(tmp_path_factory):
    work = tmp_path_factory.mktemp("bench")
    # With a PostgreSQL server (.ci/run's), the consolidation is measured there too.
    postgres = os.environ.get("MIGSTATS_TEST_POSTGRES_URL")
    if postgres:
        os.environ[POSTGRES_URL] = postgres
    try:
        measures = measure("small", work, repeat=1)
    finally:
        os.environ.pop(POSTGRES_URL, None)
    out = work / "BENCHMARKS.md"
    write_markdown(out, measures, scale="small")
    return work, measures, out.read_text(encoding="utf-8")


def test_the_report_has_every_measure_with_its_target(bench):
    _, measures, text = bench
    assert [m.benchmark for m in measures if m.result is not None][:3] == ["1", "1", "1"]
    for target in ("≤ 4x floor", "≤ 3x floor", "≤ 15% of (2)"):
        assert target in text
    assert "## Machine" in text and "logical cores" in text
    for m in measures:
        if m.result is not None:
            assert m.result["seconds"] > 0
            assert 0 < m.result["peak_bytes"] < 64 * 1024**3


def test_validation_measures_the_large_file_and_accepts_it(bench):
    work, measures, _ = bench
    floor, check, with_rows = measures[:3]
    scale = generate.SCALES["small"]
    big = work / "region" / "region" / generate.file_name(*generate.BIG_FILE, scale)
    rows = sum(1 for _ in big.open(encoding="utf-8")) - 1
    assert floor.result["rows"] == check.result["rows"] == with_rows.result["rows"] == rows
    assert check.result["accepted"] and with_rows.result["accepted"]


def test_consolidation_publishes_what_the_floor_writes(bench):
    _, measures, _ = bench
    floor, full = [m for m in measures if m.benchmark == "2"][:2]
    assert full.result["rows_in"] == floor.result["rows_in"]
    assert full.result["rows_published"] == floor.result["rows_published"] > 0


def test_the_published_rows_of_the_sample_states_equal_the_reference(bench):
    _, measures, text = bench
    (ref,) = (m for m in measures if m.result and "mismatches" in m.result)
    assert ref.result["states"] == ["EGY", "KEN", "ZMB"]
    # every dissemination table of the seven datasets, for each of the three states
    assert ref.result["tables"] == 3 * 17 and ref.result["cells"] > 1000
    assert ref.result["mismatches"] == 0
    assert "0 mismatches" in text
    (audited,) = (m for m in measures if m.result and "problems" in m.result)
    assert audited.result["problems"] == 0 and audited.result["tables"] > 17


def test_the_same_region_publishes_the_same_rows_on_postgresql(bench):
    if not os.environ.get("MIGSTATS_TEST_POSTGRES_URL"):
        pytest.skip("MIGSTATS_TEST_POSTGRES_URL is not set (.ci/run sets it)")
    _, measures, _ = bench
    sqlite, postgres = (
        m for m in measures if m.benchmark == "2" and m.result and "intake_seconds" in m.result
    )
    assert "PostgreSQL" in postgres.label
    assert postgres.result["rows_published"] == sqlite.result["rows_published"] > 0


def test_the_resubmission_is_what_the_warehouse_now_publishes(bench):
    work, measures, _ = bench
    (again,) = (m for m in measures if m.benchmark == "3")
    assert again.result["files"] == 7
    state = generate.RESUBMITTER
    scale = generate.SCALES["small"]
    revised = pd.read_csv(
        work / "revised" / "region" / generate.file_name(state, "population_stock", scale),
        dtype=str,
        keep_default_na=False,
    )
    engine = create_engine(f"sqlite:///{work / 'home' / 'warehouse.sqlite'}")
    published = pd.read_sql_table("population_by_citizenship", engine)
    published = published[published["ref_area"] == state]
    keys = ["time_period", "sex", "age", "citizenship"]
    # the table by citizenship shows the rows of every country of birth
    revised = revised[revised["country_of_birth"] == "_T"]
    assert len(revised) > 0
    both = revised.astype({"time_period": "int64"}).merge(
        published, on=["ref_area", *keys], suffixes=("_sent", "")
    )
    assert len(both) == len(revised)
    shown = both[both["obs_value"].notna()]
    assert len(shown) > 0.5 * len(both)
    assert (shown["obs_value"].astype("int64") == shown["obs_value_sent"].astype("int64")).all()
    # The revision changed figures: the first submission's are not what is published.
    first = pd.read_csv(
        work / "region" / "region" / generate.file_name(state, "population_stock", scale),
        dtype=str,
        keep_default_na=False,
    )
    assert not first["obs_value"].equals(revised["obs_value"])
