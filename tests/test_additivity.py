"""Published tables are additive (issue: revisions the Secretariat can trust, point 4).

Where a total and all its parts are published, the total is their sum: checked on sparse
submissions generated the way UN DESA's files are written (a country given only the sexes
that are not zero, or only its total), consolidated and protected by the same functions the
pipeline runs; and on the demo release (tests/test_pipeline.py calls `violations` too).
"""

from __future__ import annotations

import hypothesis.strategies as st
import pandas as pd
import pytest
from hypothesis import HealthCheck, Phase, given, settings

from pipelines.intake.assemble import harmonise_submissions
from pipelines.publication import finish_publication
from pipelines.regional import migrant_stock, migration_matrix, regional_table
from pipelines.regional.dissemination import slice_table
from pipelines.validation import validate_bytes
from schemas.contract import TOTAL, load_contract
from tests.additivity import violations

C = load_contract()
POP = "population_stock"
ORIGINS = ["UGA", "KEN", "RWA", "SOM", "GBR", "XXA", "_O"]
#: Which rows a country gets: only the sexes that are not zero, both, all three, or its total.
PATTERNS = ["M", "F", "MF", "MFT", "T"]


@st.composite
def state_file(draw, state: str, years: list[int]) -> pd.DataFrame:
    """One state's population_stock by citizenship and sex, sparse, and valid."""
    rows = []
    for year in years:
        origins = [state, *draw(st.lists(st.sampled_from(ORIGINS), unique=True, max_size=5))]
        origins = list(dict.fromkeys(o for o in origins if o != state or o == origins[0]))
        truth = {}
        for origin in origins:
            pattern = "MF" if origin == state else draw(st.sampled_from(PATTERNS))
            small = st.integers(0, 6) | st.integers(0, 5_000)
            m = draw(small) if "M" in pattern or pattern == "T" else 0
            f = draw(small) if "F" in pattern or pattern == "T" else 0
            truth[origin] = (pattern, m, f)
            for sex, value, shown in (("M", m, "M"), ("F", f, "F"), (TOTAL, m + f, "T")):
                if shown in pattern:
                    rows.append((year, sex, origin, value))
        if draw(st.booleans()):  # grand totals
            sexes = [TOTAL]
            if all(p != "T" for p, _, _ in truth.values()):
                sexes += ["M", "F"]
            for sex in sexes:
                pick = {"M": 1, "F": 2}
                value = sum((v[pick[sex]] if sex in pick else v[1] + v[2]) for v in truth.values())
                rows.append((year, sex, TOTAL, value))
    frame = pd.DataFrame(rows, columns=["time_period", "sex", "citizenship", "obs_value"])
    frame.insert(0, "ref_area", state)
    return frame


@st.composite
def region(draw) -> dict[str, pd.DataFrame]:
    states = draw(
        st.lists(st.sampled_from(["KEN", "UGA", "RWA", "SOM"]), min_size=1, max_size=3, unique=True)
    )
    years = draw(st.lists(st.sampled_from([2017, 2021]), min_size=1, max_size=2, unique=True))
    return {s: draw(state_file(s, sorted(years))) for s in states}


def consolidate(files: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Validate, harmonise, consolidate and protect, as intake and the assets do."""
    harmonised, registry = [], []
    for sid, (state, frame) in enumerate(sorted(files.items()), start=1):
        report = validate_bytes(
            frame.astype(str).to_csv(index=False).encode(),
            country=state,
            dataset="population_stock",
            harmonise=False,
        )
        assert report.accepted, report.errors[["row", "message"]].to_string()
        rows = report.submitted.assign(submission_id=sid)
        harmonised.append(harmonise_submissions(C, "population_stock", rows))
        registry.append(
            {
                "id": sid,
                "country": state,
                "dataset": "population_stock",
                "data_source": "CENSUS",
                "residence_criterion": "12M",
                "notes": None,
                "warning_rules": " ".join(sorted(set(report.warnings["rule"]))) or None,
            }
        )
    population = regional_table(C, "population_stock", pd.concat(harmonised, ignore_index=True))
    tables = {
        **{m.name: slice_table(C, m.name, population) for m in C.tables.dissemination(POP)},
        "migrant_stock": migrant_stock(C, population),
        "migration_matrix": migration_matrix(C, population),
    }
    published, _ = finish_publication(C, tables, pd.DataFrame(registry))
    return published


# Each example runs disclosure control (about a second): no shrinking, which would run
# hundreds; a failure prints the example as drawn.
@settings(
    max_examples=25,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.too_slow],
)
@pytest.mark.integration  # 25 drawn regions, each consolidated and protected
@given(region())
def test_sparse_submissions_publish_additive_tables(files):
    published = consolidate(files)
    found = violations(C, published)
    assert found.empty, found.to_string()


def test_a_country_given_one_sex_counts_in_the_total_of_the_migrant_stock():
    """The defect: origins with a male row only were left out of the total."""
    files = {
        "UGA": pd.DataFrame(
            [
                ("UGA", 2021, "M", "UGA", 500),
                ("UGA", 2021, "F", "UGA", 520),
                ("UGA", 2021, "M", "KEN", 40),
                ("UGA", 2021, "F", "RWA", 7),
                ("UGA", 2021, "M", "SOM", 3),
                ("UGA", 2021, "F", "SOM", 4),
                ("UGA", 2021, TOTAL, "GBR", 11),
            ],
            columns=["ref_area", "time_period", "sex", "citizenship", "obs_value"],
        )
    }
    stock = consolidate(files)["migrant_stock"].set_index(["ref_area", "sex"])["obs_value"]
    assert stock["UGA", "M"] == 43 and stock["UGA", "F"] == 11
    # GBR has no sex breakdown: its 11 are of unknown sex, and the total holds everyone.
    assert stock["UGA", "_U"] == 11 and stock["UGA", TOTAL] == 65
    assert violations(C, consolidate(files)).empty


def test_the_checker_finds_a_broken_total():
    """`violations` is not blind: a published total that is not its parts' sum is found."""
    files = {
        "KEN": pd.DataFrame(
            [
                ("KEN", 2021, "M", "KEN", 500),
                ("KEN", 2021, "F", "KEN", 520),
                ("KEN", 2021, "M", "UGA", 40),
                ("KEN", 2021, "F", "UGA", 30),
                ("KEN", 2021, "M", "_O", 5),
                ("KEN", 2021, "F", "_O", 6),
            ],
            columns=["ref_area", "time_period", "sex", "citizenship", "obs_value"],
        )
    }
    published = consolidate(files)
    stock = published["migrant_stock"]
    stock.loc[(stock["ref_area"] == "KEN") & (stock["sex"] == TOTAL), "obs_value"] += 1
    population = published["population_by_citizenship"]
    grand = (
        (population["ref_area"] == "KEN")
        & (population["sex"] == TOTAL)
        & (population["citizenship"] == TOTAL)
        & (population["age"] == TOTAL)
    )
    population.loc[grand, "obs_value"] += 1
    found = violations(C, published)
    assert set(found["table"]) >= {"migrant_stock", "population_by_citizenship"}
