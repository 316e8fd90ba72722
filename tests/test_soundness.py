"""The contract's statistical soundness, one reproduced error at a time (each with a small file).

Complete breakdowns that account for everyone, own codes where they cannot occur, parts larger
than their totals, SDMX codes, membership history, the residence criterion, the concepts, and
UN DESA's type of data R in the migrant stock.
"""

from __future__ import annotations

import pandas as pd
import pytest

from pipelines.regional import migrant_stock
from pipelines.validation import validate_bytes
from schemas.contract import TOTAL, Countries, load_contract
from tests.test_regional import harmonised, stock_rows

C = load_contract()


def check(text: str, dataset: str, country: str = "KEN"):
    return validate_bytes(text.encode(), country=country, dataset=dataset)


# -- 1. complete breakdowns where the own code cannot occur ----------------------------------


@pytest.mark.parametrize(
    ("dataset", "dimension"),
    [
        ("immigration", "previous_residence"),
        ("emigration", "next_residence"),
        ("nationals_abroad", "country_of_residence"),
        ("refugees", "country_of_origin"),
        ("citizenship_acquisition", "previous_citizenship"),
        ("residence_permits", "citizenship"),
    ],
)
def test_an_own_code_where_it_cannot_occur_is_an_error(dataset, dimension):
    extra = ",permit_type" if dataset == "residence_permits" else ""
    extra_value = ",FIRST" if extra else ""
    report = check(
        f"ref_area,time_period,{dimension}{extra},obs_value\nKEN,2023,KEN{extra_value},5\n",
        dataset,
    )
    (finding,) = report.findings.itertuples()
    assert (finding.rule, finding.kind, finding.row) == ("R3", "own_code", 2)
    assert "Kenya itself" in finding.message
    assert isinstance(C.breakdown_of(dataset, dimension), Countries)


def test_nationals_can_immigrate_and_emigrate():
    for dataset in ("immigration", "emigration", "population_stock"):
        report = check("ref_area,time_period,citizenship,obs_value\nKEN,2023,KEN,5\n", dataset)
        assert report.accepted and report.findings.empty, dataset


def test_previous_residence_with_the_others_accounts_for_everyone():
    """Immigrants: _T = 1000, the parts (with _O) add to 500: a broken total."""
    text = (
        "ref_area,time_period,previous_residence,obs_value\n"
        "KEN,2023,UGA,300\nKEN,2023,_O,200\nKEN,2023,_T,1000\n"
    )
    assert [(f.rule, f.row) for f in check(text, "immigration").findings.itertuples()] == [
        ("R7", 4)
    ]


def test_a_total_is_derived_for_nationals_abroad():
    text = (
        "ref_area,time_period,country_of_residence,obs_value\n"
        "KEN,2023,UGA,300\nKEN,2023,GBR,90\nKEN,2023,_O,200\n"
    )
    report = check(text, "nationals_abroad")
    total = report.harmonised[report.harmonised["country_of_residence"] == TOTAL]
    assert total["obs_value"].tolist() == [590] and total["derived"].all()


# -- 2. where the own code is right, _O is needed too ------------------------------------------


def test_own_and_one_other_country_are_not_everyone():
    text = (
        "ref_area,time_period,citizenship,obs_value\n"
        "KEN,2023,KEN,900\nKEN,2023,UGA,30\nKEN,2023,_T,1000\n"
    )
    report = check(text, "population_stock")
    assert report.accepted and report.findings.empty  # no _O: not complete, not checked
    report = check(
        "ref_area,time_period,citizenship,obs_value\nKEN,2023,KEN,900\nKEN,2023,UGA,30\n",
        "population_stock",
    )
    assert not (report.harmonised["citizenship"] == TOTAL).any()  # and no total derived


def test_every_other_country_listed_stands_for_the_residual():
    others = sorted(C.countries.ids - {"KEN"})
    rows = "".join(f"KEN,2023,{code},1\n" for code in others)
    text = "ref_area,time_period,country_of_residence,obs_value\n" + rows
    report = check(text, "nationals_abroad")
    total = report.harmonised[report.harmonised["country_of_residence"] == TOTAL]
    assert total["obs_value"].tolist() == [len(others)]


# -- 8. checks a statistician expects --------------------------------------------------------


def test_a_part_larger_than_its_total_is_an_error_even_without_a_complete_breakdown():
    report = check(
        "ref_area,time_period,sex,obs_value\nKEN,2023,M,150\nKEN,2023,_T,100\n", "immigration"
    )
    (finding,) = report.findings.itertuples()
    assert (finding.rule, finding.kind, finding.row) == ("R7", "part_exceeds_total", 2)
    assert finding.message == (
        "The row for sex M is 150, more than its total (sex = _T) of 100 in row 3."
    )


# -- 5. membership history ---------------------------------------------------------------------


def test_former_members_are_in_the_aggregates_of_their_years():
    assert {"LSO", "MOZ", "TZA", "NAM", "AGO"} <= set(C.members_in(1996))
    assert not {"LSO", "MOZ"} & set(C.members_in(1997))
    assert "TZA" in C.members_in(1999) and "TZA" not in C.members_in(2000)
    assert "NAM" in C.members_in(2003) and "NAM" not in C.members_in(2004)
    assert "AGO" in C.members_in(2006) and "AGO" not in C.members_in(2007)
    assert "EGY" not in C.members_in(1998) and "EGY" in C.members_in(1999)
    assert len(C.members) == 21 and not {"LSO", "TZA"} & set(C.members)  # today's
    for membership in C.memberships.values():
        assert membership.source, f"{membership.code}: cite where its dates come from"


def test_the_fixed_composition_aggregate_is_named_for_todays_members():
    latest = max(m.joined.year for m in C.members.values())
    code = next(c.code for c in C.derived.codes if c.extra.get("composition") == "current")
    assert code == f"COMESA{len(C.members)}_{latest}"


# -- 6. SDMX codes -----------------------------------------------------------------------------


def test_flags_are_sdmx_codes_and_eurostat_letters_are_read_as_them():
    text = (
        "ref_area,time_period,sex,obs_value,obs_status,conf_status\n"
        "KEN,2023,M,5,p,F\nKEN,2023,F,,m,\nKEN,2023,_U,,L,\nKEN,2023,_T,5,A,\n"
    )
    report = check(text, "immigration")
    assert report.accepted, report.findings.to_string()
    flags = report.harmonised.set_index("sex")[["obs_status", "conf_status"]]
    assert flags.loc["M"].tolist() == ["P", ""] and flags.loc["F", "obs_status"] == "M"
    assert flags.loc["_U", "obs_status"] == "L" and flags.loc["_T", "obs_status"] == ""
    statuses = C.codelists["CL_OBS_STATUS"]
    assert statuses.sdmx_of("") == "A" and {"M", "L", "O"} <= statuses.missing


def test_the_secretariat_marks_secondary_suppression_s_not_the_senders_d():
    codes = {c.code for c in C.derived.codes if "conf_status" in c.extra["dimensions"]}
    assert codes == {"A", "S"}


# -- 7. residence criterion --------------------------------------------------------------------


def test_the_census_variant_of_the_residence_criterion_has_a_code_and_none_is_assumed():
    assert "MOST12M" in C.codelists["CL_RESIDENCE_CRITERION"].ids
    assert C.metadata_fields["residence_criterion"].default is None


# -- 9. concepts and sources -------------------------------------------------------------------


def test_concepts_are_apart_and_cite_their_sources():
    assert C.concept_of("emigration", "purpose") == "purpose_of_departure"
    assert C.concept_of("immigration", "purpose") == "purpose_of_arrival"
    assert C.concept_of("residence_permits", "reason") == "permit_reason"
    assert C.datasets["residence_permits"].concept == "residence_permit"
    assert "three months" in C.concepts["residence_permit"].text
    assert "usually resident" in C.concepts["acquisition_of_citizenship"].text
    for concept in ("citizenship", "national", "country_of_birth"):
        assert any("1260/2013" in s for s in C.concepts[concept].sources), concept
    assert any(
        "Guidelines concerning statistics of international labour migration" in s
        for s in C.concepts["purpose_of_arrival"].sources
    )


# -- UN DESA's type of data R ------------------------------------------------------------------


def test_refugees_are_added_where_the_source_leaves_them_out():
    population = harmonised(
        "population_stock",
        stock_rows("ETH", 2023, "citizenship", {"ETH": 9000, "SOM": 40, "_O": 10}),
    ).assign(submission_id=pd.array([4] * 3, dtype="Int64"))
    refugees = harmonised(
        "refugees",
        [
            {"ref_area": "ETH", "time_period": 2023, "population_type": "REF", "obs_value": 700},
            {"ref_area": "ETH", "time_period": 2023, "population_type": "ASY", "obs_value": 50},
        ],
    )
    covered = pd.DataFrame({"id": [4], "refugees": ["INCLUDED"]})
    out = migrant_stock(C, population, refugees, covered)
    eth = out[out["ref_area"] == "ETH"].iloc[0]
    assert (eth.obs_value, eth.basis) == (50, "C")
    excluded = covered.assign(refugees="EXCLUDED")
    out = migrant_stock(C, population, refugees, excluded)
    eth = out[out["ref_area"] == "ETH"].iloc[0]
    assert (eth.obs_value, eth.basis) == (750, "CR")  # refugees only, not asylum-seekers
    comesa = out[out["ref_area"] == "COMESA"].iloc[0]
    assert comesa.basis == "CR"
