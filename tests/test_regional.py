"""Regional tables and coherence warnings: hand-built frames whose results are known, then the demo
region (sample_data/README.md: coherent flows and stocks, one mirror outlier ZWE -> ZMB)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import pytest

from pipelines.regional import (
    data_availability,
    migrant_stock,
    migration_matrix,
    mirror_flows,
    mirror_warnings,
    regional_table,
    stock_flow,
    year_on_year,
)
from pipelines.validation import validate_file
from schemas.contract import TOTAL, UNKNOWN, load_contract

C = load_contract()
REGION = Path(__file__).resolve().parents[1] / "sample_data" / "region"
N_2017 = len(C.members_in(2017))
N_2018 = len(C.members_in(2018))


def harmonised(dataset: str, rows: list[dict]) -> pd.DataFrame:
    """A harmonised table as validate_file + submission_id give it; absent dimensions are _T."""
    frame = pd.DataFrame(rows, columns=None if rows else ["ref_area", "time_period", "obs_value"])
    dims = list(C.dataset(dataset).dimensions)
    for dim in dims:
        frame[dim] = frame[dim].fillna(TOTAL) if dim in frame else TOTAL
    for col, default in [("obs_status", ""), ("conf_status", ""), ("derived", False)]:
        frame[col] = frame[col].fillna(default) if col in frame else default
    frame["obs_value"] = pd.array(frame["obs_value"], dtype="Int64")
    frame["source_row"] = pd.array(range(2, len(frame) + 2), dtype="Int64")
    frame["submission_id"] = pd.array([1] * len(frame), dtype="Int64")
    cols = ["ref_area", "time_period", *dims, "obs_value", "obs_status", "conf_status"]
    out = frame[[*cols, "derived", "source_row", "submission_id"]]
    return out.astype({"time_period": "int64", "derived": "bool"})


def one(frame: pd.DataFrame, **where) -> pd.Series:
    """The single row of `frame` matching `where`."""
    hit = frame
    for col, value in where.items():
        hit = hit[hit[col] == value]
    assert len(hit) == 1, f"{len(hit)} rows match {where}"
    return hit.iloc[0]


# -- regional_table ----------------------------------------------------------------------------


def test_comesa_sums_the_members_of_that_year_only():
    rows = [
        {"ref_area": "KEN", "time_period": 2017, "obs_value": 100},
        {"ref_area": "SOM", "time_period": 2017, "obs_value": 40},
        {"ref_area": "KEN", "time_period": 2018, "obs_value": 110},
        {"ref_area": "SOM", "time_period": 2018, "obs_value": 50},
    ]
    out = regional_table(C, "immigration", harmonised("immigration", rows))
    assert "SOM" not in C.members_in(2017) and "SOM" in C.members_in(2018)
    agg_2017 = one(out, ref_area="COMESA", time_period=2017)
    assert (agg_2017.obs_value, agg_2017.n_reporting, agg_2017.n_members) == (100, 1, N_2017)
    agg_2018 = one(out, ref_area="COMESA", time_period=2018)
    assert (agg_2018.obs_value, agg_2018.n_reporting, agg_2018.n_members) == (160, 2, N_2018)
    # Somalia's own 2017 row is kept, outside the aggregate.
    som = one(out, ref_area="SOM", time_period=2017)
    assert (som.obs_value, som.n_reporting, som.n_members) == (40, 1, 1)


def test_regional_table_columns_order_and_aggregate_provenance():
    rows = [
        {"ref_area": "UGA", "time_period": 2023, "sex": "M", "obs_value": 3},
        {"ref_area": "KEN", "time_period": 2023, "sex": "M", "obs_value": 5},
    ]
    out = regional_table(C, "emigration", harmonised("emigration", rows))
    keys = ["ref_area", "time_period", *C.dataset("emigration").dimensions]
    assert list(out.columns) == [
        *keys,
        "obs_value",
        "obs_status",
        "conf_status",
        "derived",
        "n_reporting",
        "n_members",
        "submission_id",
        "source_row",
    ]
    assert list(out["ref_area"]) == ["COMESA", "COMESA21_2018", "KEN", "UGA"]  # sorted by key
    agg = one(out, ref_area="COMESA")
    assert agg.derived and pd.isna(agg.submission_id) and pd.isna(agg.source_row)
    assert not one(out, ref_area="KEN").derived


@pytest.mark.parametrize(
    ("flags", "expected"),
    [(["", ""], ""), (["P", "E"], "E"), (["B", ""], "B"), (["U", "D"], "D"), (["P", "D"], "P")],
)
def test_aggregate_takes_the_strongest_flag(flags, expected):
    rows = [
        {"ref_area": area, "time_period": 2023, "obs_value": 10, "obs_status": flag}
        for area, flag in zip(["KEN", "UGA"], flags, strict=True)
    ]
    out = regional_table(C, "immigration", harmonised("immigration", rows))
    assert one(out, ref_area="COMESA").obs_status == expected


def test_confidential_cells_are_summed_and_the_aggregate_is_free():
    rows = [
        {"ref_area": "KEN", "time_period": 2023, "obs_value": 2, "conf_status": "C"},
        {"ref_area": "UGA", "time_period": 2023, "obs_value": 7},
    ]
    out = regional_table(C, "immigration", harmonised("immigration", rows))
    agg = one(out, ref_area="COMESA")
    assert (agg.obs_value, agg.conf_status, agg.n_reporting) == (9, "", 2)
    assert one(out, ref_area="KEN").conf_status == "C"


def test_missing_values_are_not_counted_as_reporting():
    rows = [
        {"ref_area": "KEN", "time_period": 2023, "sex": "M", "obs_value": None, "obs_status": "M"},
        {"ref_area": "UGA", "time_period": 2023, "sex": "M", "obs_value": 5},
        {"ref_area": "KEN", "time_period": 2023, "sex": "F", "obs_value": None, "obs_status": "M"},
    ]
    out = regional_table(C, "immigration", harmonised("immigration", rows))
    male = one(out, ref_area="COMESA", sex="M")
    assert (male.obs_value, male.obs_status, male.n_reporting) == (5, "", 1)
    female = one(out, ref_area="COMESA", sex="F")
    assert pd.isna(female.obs_value) and female.obs_status == "M" and female.n_reporting == 0


def test_country_codes_are_recoded_relative_to_each_state_in_the_aggregate():
    """Citizenship KEN is nationals in Kenya and foreigners elsewhere: COMESA publishes NAT,
    CMS_FOR, NCMS and FOR, and non-member codes as they are, never KEN or _O summed."""
    rows = [
        {"ref_area": "UGA", "time_period": 2023, "citizenship": "KEN", "obs_value": 30},
        {"ref_area": "UGA", "time_period": 2023, "citizenship": "UGA", "obs_value": 700},
        {"ref_area": "UGA", "time_period": 2023, "citizenship": "GBR", "obs_value": 4},
        {"ref_area": "UGA", "time_period": 2023, "citizenship": "_O", "obs_value": 6},
        {"ref_area": "RWA", "time_period": 2023, "citizenship": "KEN", "obs_value": 12},
        {"ref_area": "RWA", "time_period": 2023, "citizenship": "XXA", "obs_value": 3},
        {"ref_area": "KEN", "time_period": 2023, "citizenship": "KEN", "obs_value": 900},
        {"ref_area": "KEN", "time_period": 2023, "citizenship": "GBR", "obs_value": 5},
    ]
    out = regional_table(C, "population_stock", harmonised("population_stock", rows))
    comesa = out[out["ref_area"] == "COMESA"].set_index("citizenship")["obs_value"].to_dict()
    assert comesa == {
        "NAT": 1600, "CMS_FOR": 42, "NCMS": 15, "GBR": 9, "XXA": 3, "FOR": 60,
    }  # fmt: skip
    assert one(out, ref_area="COMESA", citizenship="NAT").n_reporting == 2  # UGA, KEN


def test_previous_residence_has_no_nationals_in_the_aggregate():
    rows = [
        {"ref_area": "UGA", "time_period": 2023, "previous_residence": "KEN", "obs_value": 30},
        {"ref_area": "KEN", "time_period": 2023, "previous_residence": "UGA", "obs_value": 20},
        {"ref_area": "KEN", "time_period": 2023, "previous_residence": "CHN", "obs_value": 5},
    ]
    out = regional_table(C, "immigration", harmonised("immigration", rows))
    comesa = out[out["ref_area"] == "COMESA"].set_index("previous_residence")["obs_value"]
    assert comesa.to_dict() == {"CMS_FOR": 50, "CHN": 5, "NCMS": 5}


def test_the_fixed_composition_aggregate_counts_todays_members_in_every_year():
    rows = [
        {"ref_area": "KEN", "time_period": 2017, "obs_value": 100},
        {"ref_area": "SOM", "time_period": 2017, "obs_value": 40},
    ]
    out = regional_table(C, "immigration", harmonised("immigration", rows))
    fixed = one(out, ref_area="COMESA21_2018", time_period=2017)
    assert (fixed.obs_value, fixed.n_reporting, fixed.n_members) == (140, 2, 21)
    assert one(out, ref_area="COMESA", time_period=2017).obs_value == 100


def test_refugee_aggregates_use_one_age_scheme():
    rows = [
        {"ref_area": "KEN", "time_period": 2023, "age": "Y5T11", "obs_value": 10},
        {"ref_area": "KEN", "time_period": 2023, "age": "Y0T4", "obs_value": 6},
        {"ref_area": "UGA", "time_period": 2023, "age": "Y5T9", "obs_value": 7},
        {"ref_area": "UGA", "time_period": 2023, "age": "Y0T4", "obs_value": 3},
        {"ref_area": "UGA", "time_period": 2023, "age": "_T", "obs_value": 20},
    ]
    out = regional_table(C, "refugees", harmonised("refugees", rows))
    ages = set(out.loc[out["ref_area"] == "COMESA", "age"])
    assert ages == {"Y5T11", "Y0T4", "_T"}  # never Y5T9 beside Y5T11
    assert one(out, ref_area="COMESA", age="Y0T4").obs_value == 9


def test_regional_table_ignores_aggregate_rows_already_present():
    rows = [{"ref_area": "KEN", "time_period": 2023, "obs_value": 4}]
    first = regional_table(C, "immigration", harmonised("immigration", rows))
    again = regional_table(C, "immigration", first.drop(columns=["n_reporting", "n_members"]))
    pd.testing.assert_frame_equal(first, again)


# -- migrant_stock -----------------------------------------------------------------------------


def stock_rows(area: str, year: int, dim: str, values: dict[str, int], sex: str = TOTAL):
    return [
        {"ref_area": area, "time_period": year, "sex": sex, dim: code, "obs_value": v}
        for code, v in values.items()
    ]


def test_migrant_stock_counts_the_foreign_born_where_birth_is_known():
    rows = stock_rows("KEN", 2023, "country_of_birth", {"KEN": 900, "UGA": 30, "_O": 5, "_U": 2})
    rows += stock_rows("KEN", 2023, "citizenship", {"KEN": 910, "UGA": 25, "_U": 2})
    out = migrant_stock(C, harmonised("population_stock", rows))
    ken = one(out, ref_area="KEN")
    assert (ken.obs_value, ken.basis, ken.sex) == (35, "B", TOTAL)
    assert list(out.columns) == list(C.outputs["migrant_stock"].columns)


def test_migrant_stock_falls_back_to_foreign_citizens_with_stateless():
    rows = stock_rows("UGA", 2023, "citizenship", {"UGA": 800, "KEN": 40, "XXA": 6, "_U": 9})
    out = migrant_stock(C, harmonised("population_stock", rows))
    uga = one(out, ref_area="UGA")
    assert (uga.obs_value, uga.basis) == (46, "C")


def test_a_birth_table_without_foreign_codes_does_not_make_the_basis_b():
    rows = stock_rows("UGA", 2023, "country_of_birth", {"UGA": 800, "_U": 10})
    rows += stock_rows("UGA", 2023, "citizenship", {"UGA": 790, "KEN": 20})
    out = migrant_stock(C, harmonised("population_stock", rows))
    assert one(out, ref_area="UGA").basis == "C"


def test_no_country_breakdown_no_migrant_stock_row():
    rows = [{"ref_area": "ERI", "time_period": 2023, "obs_value": 3_700_000}]
    out = migrant_stock(C, harmonised("population_stock", rows))
    assert out.empty and list(out.columns) == list(C.outputs["migrant_stock"].columns)


def test_migrant_stock_shows_the_sexes_the_breakdown_has():
    rows = stock_rows("KEN", 2023, "citizenship", {"KEN": 500, "UGA": 20}, sex="M")
    rows += stock_rows("KEN", 2023, "citizenship", {"KEN": 520, "UGA": 15}, sex="F")
    rows += stock_rows("KEN", 2023, "citizenship", {"KEN": 1020, "UGA": 35})
    rows += stock_rows("RWA", 2023, "citizenship", {"RWA": 90, "KEN": 4})
    out = migrant_stock(C, harmonised("population_stock", rows))
    assert sorted(out.loc[out["ref_area"] == "KEN", "sex"]) == ["F", "M", TOTAL]
    assert list(out.loc[out["ref_area"] == "RWA", "sex"]) == [TOTAL]
    # COMESA by sex: only Kenya has M and F.
    male = one(out, ref_area="COMESA", sex="M")
    assert (male.obs_value, male.n_reporting) == (20, 1)
    total = one(out, ref_area="COMESA", sex=TOTAL)
    assert (total.obs_value, total.n_reporting, total.n_members) == (39, 2, len(C.members_in(2023)))


@pytest.mark.parametrize(("second", "expected"), [("country_of_birth", "B"), ("citizenship", "BC")])
def test_comesa_migrant_stock_basis(second, expected):
    rows = stock_rows("KEN", 2023, "country_of_birth", {"KEN": 900, "UGA": 30})
    rows += stock_rows("UGA", 2023, second, {"UGA": 700, "KEN": 50})
    out = migrant_stock(C, harmonised("population_stock", rows))
    agg = one(out, ref_area="COMESA")
    assert (agg.obs_value, agg.basis) == (80, expected)


def test_comesa_migrant_stock_leaves_out_non_members_and_takes_the_strongest_flag():
    rows = stock_rows("KEN", 2017, "citizenship", {"KEN": 900, "UGA": 30})
    rows += stock_rows("SOM", 2017, "citizenship", {"SOM": 700, "KEN": 50})
    rows[1]["obs_status"] = "P"
    rows[3]["obs_status"] = "E"  # Somalia's, outside the 2017 aggregate
    out = migrant_stock(C, harmonised("population_stock", rows))
    agg = one(out, ref_area="COMESA")
    assert (agg.obs_value, agg.n_reporting, agg.n_members, agg.obs_status) == (30, 1, N_2017, "P")
    assert one(out, ref_area="SOM").obs_status == "E"


def test_a_state_figure_with_a_confidential_part_stays_confidential():
    rows = stock_rows("SYC", 2023, "citizenship", {"SYC": 90, "KEN": 2, "_O": 10})
    rows[1]["conf_status"] = "C"
    out = migrant_stock(C, harmonised("population_stock", rows))
    assert one(out, ref_area="SYC").conf_status == "C"
    assert one(out, ref_area="COMESA").conf_status == ""


# -- migration_matrix --------------------------------------------------------------------------


def test_migration_matrix_holds_member_origins_only():
    rows = stock_rows("KEN", 2017, "country_of_birth", {"KEN": 900, "UGA": 30, "SOM": 8, "GBR": 4})
    rows += stock_rows("KEN", 2017, "citizenship", {"KEN": 900, "RWA": 30})
    rows += stock_rows("UGA", 2017, "citizenship", {"UGA": 700, "KEN": 50, "_O": 3})
    out = migration_matrix(C, harmonised("population_stock", rows))
    got = set(out[["ref_area", "counterpart_area", "basis"]].itertuples(index=False, name=None))
    # Somalia was not a member in 2017; GBR and _O are not members; RWA is not on Kenya's basis.
    assert got == {("KEN", "UGA", "B"), ("UGA", "KEN", "C")}
    assert one(out, ref_area="UGA").obs_value == 50
    assert list(out.columns) == list(C.outputs["migration_matrix"].columns)


# -- mirror_flows and R10 ----------------------------------------------------------------------


def flows(emigration: list[tuple], immigration: list[tuple]) -> pd.DataFrame:
    """(origin, destination, year, value) as the origin and as the destination report them."""
    emi = harmonised(
        "emigration",
        [
            {"ref_area": o, "next_residence": d, "time_period": y, "obs_value": v}
            for o, d, y, v in emigration
        ],
    )
    imm = harmonised(
        "immigration",
        [
            {"ref_area": d, "previous_residence": o, "time_period": y, "obs_value": v}
            for o, d, y, v in immigration
        ],
    )
    return mirror_flows(C, emi, imm)


def test_mirror_flows_pairs_both_reports():
    out = flows(
        [("KEN", "UGA", 2023, 100), ("KEN", "RWA", 2023, 10), ("KEN", "GBR", 2023, 7)],
        [("KEN", "UGA", 2023, 80), ("ETH", "KEN", 2023, 40), ("KEN", "RWA", 2023, 0)],
    )
    assert list(out.columns) == list(C.outputs["mirror_flows"].columns)
    pair = one(out, origin_area="KEN", destination_area="UGA")
    assert (pair.reported_by_origin, pair.reported_by_destination, pair.ratio) == (100, 80, 1.25)
    one_sided = one(out, origin_area="ETH", destination_area="KEN")
    assert pd.isna(one_sided.reported_by_origin) and math.isnan(one_sided.ratio)
    assert math.isnan(one(out, origin_area="KEN", destination_area="RWA").ratio)
    assert "GBR" not in set(out["destination_area"])


def test_mirror_flows_leave_out_non_members_and_breakdowns():
    emi = harmonised(
        "emigration",
        [
            {"ref_area": "KEN", "next_residence": "SOM", "time_period": 2017, "obs_value": 9},
            {
                "ref_area": "KEN",
                "next_residence": "UGA",
                "time_period": 2017,
                "sex": "M",
                "obs_value": 9,
            },
        ],
    )
    assert mirror_flows(C, emi, harmonised("immigration", [])).empty


def test_mirror_warning_for_a_ratio_outside_the_band():
    out = flows([("ZWE", "ZMB", 2023, 909)], [("ZWE", "ZMB", 2023, 2404)])
    found = mirror_warnings(C, out)
    assert len(found) == 1
    assert found.loc[0, "message"] == (
        "ZWE reports 909 emigrants to ZMB in 2023; ZMB reports 2,404 immigrants from ZWE "
        "(ratio 0.38)."
    )
    assert found.loc[0, "rule"] == "R10" and found.loc[0, "severity"] == "warning"


def test_a_warning_is_said_again_in_french_and_arabic_from_its_values():
    from pipelines.regional.quality import in_language

    out = flows([("ZWE", "ZMB", 2023, 909)], [("ZWE", "ZMB", 2023, 2404)])
    found = mirror_warnings(C, out)
    assert json.loads(found.loc[0, "params"])["ratio"] == 0.38  # a number, said in each language
    french = in_language(C, found, "fr").loc[0]
    assert french["message"] != found.loc[0, "message"]
    assert "0,38" in french["message"]  # the French decimal mark
    assert "2\u202f404" in french["message"] or "2\xa0404" in french["message"]  # and grouping
    arabic = in_language(C, found, "ar").loc[0]
    assert any("\u0600" <= ch <= "\u06ff" for ch in arabic["message"])
    assert in_language(C, found, "en").equals(found)
    # A warning kept before its values were (no params) keeps its English words.
    old = found.assign(params="", kind="")
    assert in_language(C, old, "fr").loc[0, "message"] == found.loc[0, "message"]


def test_no_mirror_warning_inside_the_band_and_the_band_can_be_set():
    out = flows([("KEN", "UGA", 2023, 100)], [("KEN", "UGA", 2023, 80)])
    found = mirror_warnings(C, out)
    assert found.empty and {"message", "ratio", "origin_area"} <= set(found.columns)
    assert len(mirror_warnings(C, out, band=(0.9, 1.1))) == 1


# -- data_availability -------------------------------------------------------------------------


def test_data_availability_statuses():
    subs = pd.DataFrame(
        {
            "submission_id": [1, 2, 3, 4, 5, 6],
            "country": ["KEN", "KEN", "KEN", "UGA", "RWA", "SOM"],
            "dataset": ["immigration"] * 6,
            "status": [
                "accepted",
                "accepted with warnings",
                "rejected",
                "rejected",
                "rejected",
                "accepted",
            ],
            "years": ["2021,2022", "2022", "2021, 2023", "", "2022", "2017"],
            "received_at": [f"2024-01-0{i}" for i in range(1, 7)],
        }
    )
    out = data_availability(C, subs, [2017, 2021, 2022, 2023])
    assert list(out.columns) == list(C.outputs["data_availability"].columns)
    assert len(out) == len(C.datasets) * (N_2017 + 3 * len(C.members_in(2023)))

    def status(area, year):
        row = one(out, ref_area=area, dataset="immigration", time_period=year)
        return row.status, None if pd.isna(row.submission_id) else int(row.submission_id)

    assert status("KEN", 2021) == ("accepted", 1)  # a later rejection does not displace it
    assert status("KEN", 2022) == ("accepted with warnings", 2)  # superseded by submission 2
    assert status("KEN", 2023) == ("rejected", None)
    assert status("UGA", 2022) == ("missing", None)  # a rejected file with no years
    assert status("RWA", 2022) == ("rejected", None)
    assert status("RWA", 2021) == ("missing", None)
    assert one(out, ref_area="KEN", dataset="refugees", time_period=2021).status == "missing"
    # Somalia was not a member in 2017.
    assert out[(out["ref_area"] == "SOM") & (out["time_period"] == 2017)].empty


# -- R9 year on year ---------------------------------------------------------------------------


def totals(dataset: str, values: dict[int, int], area: str = "KEN", **dims) -> pd.DataFrame:
    rows = [{"ref_area": area, "time_period": y, "obs_value": v, **dims} for y, v in values.items()]
    return harmonised(dataset, rows)


def test_year_on_year_within_the_threshold_has_no_finding():
    regional = regional_table(C, "immigration", totals("immigration", {2021: 100, 2022: 140}))
    found = year_on_year(C, "immigration", regional)
    assert found.empty and {"message", "change_pct", "ref_area"} <= set(found.columns)


def test_year_on_year_beyond_the_threshold_against_the_previous_year_present():
    regional = regional_table(C, "immigration", totals("immigration", {2019: 100, 2022: 160}))
    found = year_on_year(C, "immigration", regional)
    # The COMESA aggregate changes as much but is not a state's submission.
    assert list(found["ref_area"]) == ["KEN"]
    row = found.iloc[0]
    assert (row.previous_year, row.previous, row.value, row.change_pct) == (2019, 100, 160, 60.0)
    assert row.message == "The total for 2022 is 160, +60.0% against 100 in 2019."
    assert year_on_year(C, "immigration", regional, threshold_percent=70).empty


def test_year_on_year_only_looks_at_grand_totals_and_keeps_permit_types_apart():
    frame = pd.concat(
        [
            totals("residence_permits", {2022: 100, 2023: 120}, permit_type="FIRST"),
            totals("residence_permits", {2022: 1000, 2023: 400}, permit_type="VALID"),
            totals("residence_permits", {2022: 10, 2023: 90}, permit_type="VALID", sex="M"),
        ]
    )
    found = year_on_year(C, "residence_permits", frame)
    assert list(found["permit_type"]) == ["VALID"]
    assert found.iloc[0].change_pct == -60.0


# -- R11 stock-flow ----------------------------------------------------------------------------


def stock_flow_inputs(stock_2023_uga: int) -> tuple[pd.DataFrame, ...]:
    stock = harmonised(
        "population_stock",
        stock_rows("KEN", 2022, "citizenship", {"KEN": 900, "UGA": 100, "_O": 50, "_U": 7})
        + stock_rows("KEN", 2023, "citizenship", {"KEN": 905, "UGA": stock_2023_uga, "_O": 60}),
    )
    imm = harmonised(
        "immigration", stock_rows("KEN", 2023, "citizenship", {"KEN": 40, "UGA": 30, "_O": 15})
    )
    emi = harmonised(
        "emigration", stock_rows("KEN", 2023, "citizenship", {"KEN": 70, "UGA": 5, "_O": 5})
    )
    return stock, imm, emi


def test_stock_flow_coherent_has_no_finding():
    # Foreign stock 150 -> 185 (+35); net migration of foreigners 45 - 10 = +35.
    found = stock_flow(C, *stock_flow_inputs(125))
    assert found.empty and {"message", "diff_pct", "stock_change"} <= set(found.columns)


def test_stock_flow_incoherent_is_found():
    # Foreign stock 150 -> 210 (+60) against +35: 25 unexplained, 45% of the gross flows 55.
    found = stock_flow(C, *stock_flow_inputs(150))
    assert len(found) == 1
    row = found.iloc[0]
    assert (row.stock_change, row.net_migration, row.difference) == (60, 35, 25)
    assert (row.gross_flows, row.flow_year) == (55, 2023)
    assert row.diff_pct == pytest.approx(100 * 25 / 55)
    assert row.message == (
        "The foreign population of KEN changed by +60 from 2022 to 2023; the flows of 2023 "
        "(immigration 45, emigration 10, acquisitions of citizenship 0) leave +25 unexplained, "
        "45% of the gross flows."
    )
    assert stock_flow(C, *stock_flow_inputs(150), tolerance_percent=50).empty


def test_stock_flow_counts_acquisitions_of_citizenship():
    # Foreign stock 150 -> 160 (+10); net migration +35, but 25 foreigners became Kenyans.
    stock, imm, emi = stock_flow_inputs(100)
    assert len(stock_flow(C, stock, imm, emi)) == 1  # without them: 25 unexplained
    acquired = harmonised(
        "citizenship_acquisition",
        stock_rows("KEN", 2023, "previous_citizenship", {"UGA": 20, "_O": 5, "_T": 25}),
    )
    assert stock_flow(C, stock, imm, emi, acquired).empty


def test_stock_flow_follows_the_stock_reference_date():
    """A stock dated 1 January 2023 is matched with the flows of 2022, not of 2023."""
    stock, imm, emi = stock_flow_inputs(125)
    stock = stock.assign(submission_id=7)
    registry = pd.DataFrame({"id": [7], "reference_date": ["2023-01-01"]})
    assert stock_flow(C, stock, imm, emi, registry=registry).empty  # no flows of 2022: no check
    imm22, emi22 = (f.assign(time_period=2022) for f in (imm, emi))
    found = stock_flow(C, stock, imm22, emi22, registry=registry)
    assert found.empty  # the 2022 flows explain the change to 1 January 2023
    late = registry.assign(reference_date="2023-12-31")
    assert stock_flow(C, stock, imm22, emi22, registry=late).empty  # no 2023 flows


def test_stock_flow_needs_both_stocks_and_both_flows():
    stock, imm, emi = stock_flow_inputs(150)
    assert stock_flow(C, stock, imm, harmonised("emigration", [])).empty
    assert stock_flow(C, stock[stock["time_period"] == 2023], imm, emi).empty


# -- the demo region ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo() -> dict[str, pd.DataFrame]:
    """Regional tables of the three datasets the indicators use, from the demo submissions."""
    manifest = pd.read_csv(REGION / "manifest.csv", keep_default_na=False)
    wanted = manifest[manifest["dataset"].isin(["population_stock", "immigration", "emigration"])]
    parts: dict[str, list[pd.DataFrame]] = {}
    for sid, rec in enumerate(wanted.itertuples(index=False), start=1):
        report = validate_file(REGION / rec.file, country=rec.country, dataset=rec.dataset)
        assert report.accepted, rec.file
        rows = report.harmonised.assign(
            submission_id=pd.array([sid] * len(report.harmonised), dtype="Int64")
        )
        parts.setdefault(rec.dataset, []).append(rows)
    return {ds: regional_table(C, ds, pd.concat(p, ignore_index=True)) for ds, p in parts.items()}


@pytest.mark.integration
def test_demo_migrant_stock_has_every_state_and_comesa(demo):
    out = migrant_stock(C, demo["population_stock"])
    totals_only = out[out["sex"] == TOTAL]
    for year in (2021, 2022, 2023):
        areas = set(totals_only.loc[totals_only["time_period"] == year, "ref_area"])
        assert areas == set(C.members_in(year)) | {"COMESA", "COMESA21_2018"}
        agg = one(totals_only, ref_area="COMESA", time_period=year)
        states = totals_only[
            (totals_only["time_period"] == year)
            & ~totals_only["ref_area"].isin(["COMESA", "COMESA21_2018"])
        ]
        assert agg.obs_value == states["obs_value"].sum()
        assert (agg.n_reporting, agg.n_members, agg.basis) == (len(states), 21, "BC")
    assert set(out.loc[out["ref_area"] == "ZMB", "basis"]) == {"B"}
    assert set(out.loc[out["ref_area"] == "KEN", "basis"]) == {"C"}


@pytest.mark.integration
def test_demo_comesa_is_the_sum_of_its_members(demo):
    table = demo["population_stock"]
    dims = list(C.dataset("population_stock").dimensions)
    grand = table[table[dims].eq(TOTAL).all(axis=1)]
    states = grand[~grand["ref_area"].isin(["COMESA", "COMESA21_2018"])]
    states = states.groupby("time_period")["obs_value"].sum()
    agg = grand[grand["ref_area"] == "COMESA"].set_index("time_period")
    assert (agg["obs_value"] == states).all()
    assert (agg["n_reporting"] == 21).all() and (agg["n_members"] == 21).all()


@pytest.mark.integration
def test_demo_matrix_is_part_of_the_migrant_stock(demo):
    matrix = migration_matrix(C, demo["population_stock"])
    stock = migrant_stock(C, demo["population_stock"]).set_index(["ref_area", "time_period", "sex"])
    summed = matrix.groupby(["ref_area", "time_period", "sex"])["obs_value"].sum()
    assert (summed <= stock.loc[summed.index, "obs_value"]).all()
    assert not (matrix["counterpart_area"] == matrix["ref_area"]).any()
    assert set(matrix["counterpart_area"]) <= set(C.members)


@pytest.mark.integration
def test_demo_mirror_outlier_is_the_only_warning(demo):
    flows_ = mirror_flows(C, demo["emigration"], demo["immigration"])
    found = mirror_warnings(C, flows_)
    pairs = set(
        found[["origin_area", "destination_area", "time_period"]].itertuples(index=False, name=None)
    )
    assert pairs == {("ZWE", "ZMB", 2021), ("ZWE", "ZMB", 2022), ("ZWE", "ZMB", 2023)}
    assert one(found, time_period=2021).message.startswith("ZWE reports 944 emigrants to ZMB")


@pytest.mark.integration
def test_demo_totals_and_stocks_are_coherent(demo):
    for ds, table in demo.items():
        assert year_on_year(C, ds, table).empty, ds
    found = stock_flow(C, demo["population_stock"], demo["immigration"], demo["emigration"])
    assert found.empty
    # Only Mauritius sends flows by citizenship: the check did run there and agreed exactly.
    checked = stock_flow(
        C, demo["population_stock"], demo["immigration"], demo["emigration"], tolerance_percent=-1
    )
    assert set(checked["ref_area"]) == {"MUS"} and (checked["difference"] == 0).all()


def test_unknown_is_never_foreign():
    rows = stock_rows("KEN", 2023, "citizenship", {"KEN": 10, UNKNOWN: 99})
    assert migrant_stock(C, harmonised("population_stock", rows)).empty


def test_migration_matrix_follows_a_pair_before_both_were_members():
    """Somali migrants in Djibouti from 2010: Somalia joined in 2018 (intra_comesa from then)."""
    rows = []
    for year in (2010, 2017, 2018, 2023):
        rows += stock_rows("DJI", year, "citizenship", {"DJI": 900, "SOM": 40 + year - 2010})
    out = migration_matrix(C, harmonised("population_stock", rows))
    som = out[(out["ref_area"] == "DJI") & (out["counterpart_area"] == "SOM")]
    assert som["time_period"].tolist() == [2010, 2017, 2018, 2023]
    assert som["intra_comesa"].tolist() == [False, False, True, True]
    assert som["obs_value"].tolist() == [40, 47, 48, 53]


def test_migrant_stock_and_matrix_add_up_by_sex_when_files_leave_zeros_out():
    """A country given only its male row counts in the total; a total without sexes is _U."""
    rows = stock_rows("UGA", 2023, "citizenship", {"UGA": 500, "KEN": 40, "SOM": 3}, sex="M")
    rows += stock_rows("UGA", 2023, "citizenship", {"UGA": 520, "RWA": 7, "SOM": 4}, sex="F")
    rows += stock_rows("UGA", 2023, "citizenship", {"GBR": 11})
    out = migrant_stock(C, harmonised("population_stock", rows))
    uga = out[out["ref_area"] == "UGA"].set_index("sex")["obs_value"]
    assert uga.to_dict() == {"F": 11, "M": 43, "_T": 65, "_U": 11}
    matrix = migration_matrix(C, harmonised("population_stock", rows))
    ken = matrix[matrix["counterpart_area"] == "KEN"].set_index("sex")["obs_value"]
    assert ken.to_dict() == {"M": 40, "_T": 40}
    som = matrix[matrix["counterpart_area"] == "SOM"].set_index("sex")["obs_value"]
    assert som.to_dict() == {"F": 4, "M": 3, "_T": 7}
