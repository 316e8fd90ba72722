"""Property-based tests of the validator: valid cubes pass; one mutation gives one finding.

Each example is a random, exactly additive submission (a cube of codes with every total).
A single mutation must be reported with its rule id at its row, and nothing else: the rows it
spoils must not also show up as broken totals.
"""

from __future__ import annotations

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipelines.validation import validate_bytes
from schemas.contract import TOTAL, load_contract
from tests.frames import breakdown_codes, cube, to_csv

C = load_contract()
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
DATASETS = ["population_stock", "immigration", "emigration", "residence_permits", "refugees"]


@st.composite
def submissions(draw) -> tuple[str, str, pd.DataFrame]:
    dataset = draw(st.sampled_from(DATASETS))
    country = draw(st.sampled_from(sorted(C.members)))
    dims = list(C.dataset(dataset).dimensions)
    required = [d for d in dims if TOTAL not in C.codelist_of(dataset, d).ids]
    optional = [d for d in dims if d not in required]
    chosen = required + draw(
        st.lists(st.sampled_from(optional), min_size=1, max_size=2, unique=True)
    )
    partner = draw(st.sampled_from(sorted(C.countries.ids - {country})))
    codes = {d: breakdown_codes(dataset, d, country, [partner, "_O"]) for d in chosen if d}
    if "age" in codes and len(chosen) > 2:
        codes["age"] = codes["age"][:3]  # keep the cube small; an incomplete age breakdown is fine
    years = draw(st.lists(st.integers(1990, 2025), min_size=1, max_size=2, unique=True))
    seed = draw(st.integers(0, 2**16))
    ordered = {d: codes[d] for d in dims if d in codes}
    return dataset, country, cube(dataset, country, ordered, sorted(years), seed)


def findings(dataset: str, country: str, frame: pd.DataFrame) -> set[tuple[str, int]]:
    report = validate_bytes(to_csv(frame), country=country, dataset=dataset)
    return set(report.findings[["rule", "row"]].itertuples(index=False, name=None))


@SETTINGS
@given(submissions())
def test_any_valid_submission_passes(case):
    dataset, country, frame = case
    report = validate_bytes(to_csv(frame), country=country, dataset=dataset)
    assert report.findings.empty, report.findings.to_string()
    assert report.accepted


MUTATIONS = ["unknown_code", "negative", "duplicate", "broken_total", "ref_area", "year"]


@SETTINGS
@given(submissions(), st.sampled_from(MUTATIONS), st.data())
def test_one_mutation_gives_exactly_its_finding(case, mutation, data):
    dataset, country, frame = case
    frame = frame.astype(str).reset_index(drop=True)
    i = data.draw(st.integers(0, len(frame) - 1), label="row")
    dims = [c for c in frame.columns if c in C.dimensions]
    if mutation == "unknown_code":
        col = data.draw(st.sampled_from(dims), label="column")
        frame.loc[i, col] = "QQ9"
        expected = ("R3", i + 2)
    elif mutation == "negative":
        frame.loc[i, "obs_value"] = "-" + str(int(frame.loc[i, "obs_value"]) + 1)
        expected = ("R5", i + 2)
    elif mutation == "duplicate":
        frame = pd.concat([frame, frame.iloc[[i]]], ignore_index=True)
        expected = ("R6", len(frame) + 1)
    elif mutation == "broken_total":
        summable = [d for d in dims if TOTAL in C.codelist_of(dataset, d).ids]
        grand = (frame[summable] == TOTAL).all(axis=1)
        i = int(grand.to_numpy().nonzero()[0][0])
        frame.loc[i, "obs_value"] = str(int(int(frame.loc[i, "obs_value"]) * 1.5) + 10)
        expected = ("R7", i + 2)
    elif mutation == "ref_area":
        frame.loc[i, "ref_area"] = "UGA" if country != "UGA" else "KEN"
        expected = ("R4", i + 2)
    else:
        frame.loc[i, "time_period"] = data.draw(st.sampled_from(["2099", "20x3", "1949", ""]))
        expected = ("R4", i + 2)
    assert findings(dataset, country, frame) == {expected}
