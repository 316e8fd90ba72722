"""The validator against real published figures (UN DESA, UNHCR) read from ../shared/realdata.

Submissions are built at test time from numbers no one in this project wrote, validated, and
their harmonised totals compared with the totals the publishers print. The files are read where
they are and never copied into the repository.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from pipelines.validation import validate_bytes
from schemas.contract import OTHER, TOTAL, UNKNOWN, load_contract

CONTRACT = load_contract()
MEMBERS = sorted(CONTRACT.members)
UNDESA_YEARS = list(range(1990, 2021, 5))


def read_csv(path: Path) -> pd.DataFrame:
    # keep_default_na=False: "NA" is Namibia, not a missing value.
    return pd.read_csv(path, keep_default_na=False, na_values=[])


@pytest.fixture(scope="module")
def realdata(shared_dir: Path) -> Path:
    folder = shared_dir / "realdata"
    if not folder.is_dir():
        pytest.skip(f"{folder} is absent: the real-data tests read it at test time")
    return folder


def as_csv(frame: pd.DataFrame) -> bytes:
    return frame.to_csv(index=False, lineterminator="\n").encode()


# --- UN DESA International Migrant Stock 2020: foreign-born by country of birth -------------


@pytest.fixture(scope="module")
def undesa_bilateral(realdata: Path) -> pd.DataFrame:
    """Destination x origin x year x sex stocks, origins as codes of CL_AREA."""
    b = read_csv(realdata / "undesa_ims2020_bilateral_by_sex_comesa_destinations.csv")
    valid = CONTRACT.codelist_of("population_stock", "country_of_birth").ids
    # UN DESA's "Other" origin is XXX; in this COMESA subset it is the only origin code outside
    # our ISO 3166 codelist (the full file also has CHI, Channel Islands, absent here). Both
    # are residuals of origins not listed separately: _O.
    b["country_of_birth"] = b["orig_iso3"].where(b["orig_iso3"].isin(valid), OTHER)
    b["sex"] = b["sex"].map({"Male": "M", "Female": "F"})
    assert b["sex"].notna().all()
    return b


@pytest.fixture(scope="module")
def undesa_totals(realdata: Path) -> pd.DataFrame:
    t = read_csv(realdata / "undesa_ims_comesa_destination_totals_rev2020_rev2024.csv")
    return t[t["revision"] == 2020].set_index(["iso3", "year"])


def population_stock_submission(bilateral: pd.DataFrame, dest: str) -> pd.DataFrame:
    """dest's foreign-born stock by sex and country of birth, as a focal point would send it.

    Several origins fold into _O, so rows are summed after the mapping. UN DESA counts the
    foreign-born only: the state's own code never appears, so no total over country of birth
    can be derived (the contract's "foreign population only" case).
    """
    rows = bilateral[bilateral["dest_iso3"] == dest]
    sub = rows.groupby(["year", "sex", "country_of_birth"], as_index=False)["stock"].sum()
    sub = sub.rename(columns={"year": "time_period", "stock": "obs_value"})
    sub.insert(0, "ref_area", dest)
    return sub[["ref_area", "time_period", "sex", "country_of_birth", "obs_value"]]


# Membership dates do not matter here: SOM and TUN joined in 2018, but their 1990 stock is a
# valid submission; membership only decides the COMESA aggregate at publication.
@pytest.mark.parametrize("dest", MEMBERS)
def test_undesa_migrant_stock_is_accepted_and_reproduces_the_published_totals(
    dest, undesa_bilateral, undesa_totals
):
    sub = population_stock_submission(undesa_bilateral, dest)
    assert dest not in set(sub["country_of_birth"])
    assert sorted(sub["time_period"].unique()) == UNDESA_YEARS

    report = validate_bytes(
        as_csv(sub), country=dest, dataset="population_stock", file_name=f"{dest}.csv"
    )
    assert report.status == "accepted", report.findings[["rule", "kind", "row", "message"]]
    h = report.harmonised
    # Foreign population only: nothing may be derived over country of birth.
    assert not (h["country_of_birth"] == TOTAL).any()
    assert set(h.loc[h["derived"], "sex"]) <= {TOTAL}

    submitted = h[~h["derived"]]
    assert len(submitted) == len(sub)
    got = submitted.groupby(["time_period", "sex"])["obs_value"].sum()
    printed = undesa_totals.loc[dest].loc[UNDESA_YEARS]
    for year in UNDESA_YEARS:
        assert got[(year, "M")] == printed.loc[year, "male"], (dest, year, "M")
        assert got[(year, "F")] == printed.loc[year, "female"], (dest, year, "F")
        assert got[(year, "M")] + got[(year, "F")] == printed.loc[year, "both_sexes"]


# --- UNHCR 2025: refugees and asylum-seekers by origin, sex and age --------------------------

UNHCR_BANDS = {"0_4": "Y0T4", "5_11": "Y5T11", "12_17": "Y12T17", "18_59": "Y18T59", "60": "Y_GE60"}
BAND_COLUMNS = [f"{s}_{band}" for s in ("f", "m") for band in UNHCR_BANDS]
KEY = ["population_type", "sex", "age", "country_of_origin"]


@pytest.fixture(scope="module")
def unhcr(realdata: Path) -> pd.DataFrame:
    d = read_csv(realdata / "unhcr_demographics_2025.csv")
    assert {"coo_iso", "coa_iso", "pop_type", "location", "total", *BAND_COLUMNS} <= set(d)
    assert set(d["year"]) == {2025}
    return d[d["pop_type"].isin(["REF", "ASY"])]


def origin_code(iso: str, valid: frozenset[str]) -> str:
    if iso in valid:
        return iso
    return UNKNOWN if iso in ("UNK", "") else OTHER


def refugees_submission(unhcr: pd.DataFrame, asylum: str) -> tuple[pd.DataFrame, pd.Series]:
    """asylum's refugees and asylum-seekers by type, sex, UNHCR age band and origin.

    UNHCR reports one row per origin, type and location (camp, region): locations are summed.
    Every origin gets the full type x sex x age grid, zero where UNHCR has no row, as a
    statistical office would fill it in. Persons UNHCR counts without sex and age (`total`
    beyond the bands) are sent as sex _U, age _U. Returns the submission and the UNHCR total
    per origin.
    """
    rows = unhcr[unhcr["coa_iso"] == asylum].copy()
    valid = CONTRACT.codelist_of("refugees", "country_of_origin").ids
    rows["country_of_origin"] = rows["coo_iso"].map(lambda c: origin_code(c, valid))
    rows = rows.rename(columns={"pop_type": "population_type"})
    sums = rows.groupby(["country_of_origin", "population_type"])[[*BAND_COLUMNS, "total"]].sum()

    cells = (
        sums[BAND_COLUMNS]
        .reset_index()
        .melt(
            id_vars=["country_of_origin", "population_type"],
            var_name="band",
            value_name="obs_value",
        )
    )
    cells["sex"] = cells["band"].str[0].str.upper()
    cells["age"] = cells["band"].str[2:].map(UNHCR_BANDS)
    grid = pd.MultiIndex.from_product(
        [["REF", "ASY"], ["F", "M"], list(UNHCR_BANDS.values()), sorted(sums.index.levels[0])],
        names=KEY,
    )
    full = cells.set_index(KEY)["obs_value"].reindex(grid, fill_value=0).reset_index()

    unknown = (sums["total"] - sums[BAND_COLUMNS].sum(axis=1)).rename("obs_value").reset_index()
    assert (unknown["obs_value"] >= 0).all()
    unknown = unknown[unknown["obs_value"] > 0].assign(sex=UNKNOWN, age=UNKNOWN)

    sub = pd.concat([full, unknown[[*KEY, "obs_value"]]], ignore_index=True)
    sub.insert(0, "ref_area", asylum)
    sub.insert(1, "time_period", 2025)
    per_origin = rows.groupby("country_of_origin")["total"].sum()
    return sub, per_origin


def derived_grand_totals(report) -> pd.DataFrame:
    h = report.harmonised
    grand = (h["population_type"] == TOTAL) & (h["sex"] == TOTAL) & (h["age"] == TOTAL)
    return h[grand].set_index("country_of_origin")


def check_refugees(unhcr: pd.DataFrame, asylum: str) -> None:
    sub, per_origin = refugees_submission(unhcr, asylum)
    assert asylum not in set(sub["country_of_origin"])  # hosted refugees come from elsewhere
    report = validate_bytes(as_csv(sub), country=asylum, dataset="refugees")
    assert report.status == "accepted", report.findings[["rule", "kind", "row", "message"]]

    totals = derived_grand_totals(report)
    assert totals["derived"].all()
    # Every origin gets its grand total, and it is UNHCR's figure for that origin.
    assert totals["obs_value"].astype(int).sort_index().to_dict() == per_origin.to_dict()
    assert totals["obs_value"].sum() == unhcr.loc[unhcr["coa_iso"] == asylum, "total"].sum()


@pytest.mark.parametrize("asylum", ["UGA", "KEN", "RWA"])
def test_unhcr_refugees_with_full_sex_and_age_are_accepted_and_add_up(unhcr, asylum):
    # In these three every person UNHCR counts has a sex and an age band.
    rows = unhcr[unhcr["coa_iso"] == asylum]
    assert (rows[BAND_COLUMNS].sum(axis=1) == rows["total"]).all()
    check_refugees(unhcr, asylum)


def test_unhcr_persons_of_unknown_sex_and_age_are_never_left_out_of_a_total(unhcr):
    # ETH: 8,557 refugees and asylum-seekers have no sex or age breakdown in UNHCR's table;
    # they are sent as sex _U, age _U. A grand total derived from M and F alone would leave
    # them out, so where an origin has such persons no grand total is derived; where it has
    # none, the derived total is UNHCR's figure.
    rows = unhcr[unhcr["coa_iso"] == "ETH"]
    assert (rows["total"] - rows[BAND_COLUMNS].sum(axis=1)).sum() == 8_557
    sub, per_origin = refugees_submission(unhcr, "ETH")
    report = validate_bytes(as_csv(sub), country="ETH", dataset="refugees")
    assert report.status == "accepted", report.findings[["rule", "kind", "row", "message"]]
    totals = derived_grand_totals(report)["obs_value"].astype(int)
    unknown = set(
        sub.loc[(sub["sex"] == "_U") & (sub["obs_value"].astype(int) > 0), "country_of_origin"]
    )
    assert unknown, "the test needs origins with persons of unknown sex and age"
    assert not (set(totals.index) & unknown)
    assert set(totals.index) == set(per_origin.index) - unknown
    assert (totals == per_origin.reindex(totals.index)).all()
