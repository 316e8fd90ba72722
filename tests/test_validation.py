"""Rules 1-8 one by one, on small files whose every finding is known."""

from __future__ import annotations

import pandas as pd
import pytest

from pipelines.validation import validate_bytes
from tests.frames import breakdown_codes, cube, to_csv


def found(report) -> list[tuple]:
    return list(report.findings[["rule", "row"]].itertuples(index=False, name=None))


def check(text: str, dataset: str = "immigration", country: str = "KEN", **kw):
    return validate_bytes(text.encode(), country=country, dataset=dataset, **kw)


def test_a_valid_cube_has_no_findings_and_keeps_its_rows():
    frame = cube(
        "population_stock",
        "KEN",
        {"sex": ["M", "F"], "citizenship": ["KEN", "UGA", "_O"]},
        [2022, 2023],
    )
    report = validate_bytes(to_csv(frame), country="KEN", dataset="population_stock")
    assert report.status == "accepted" and report.findings.empty
    assert len(report.harmonised) == len(frame)
    assert not report.harmonised["derived"].any()


def test_missing_totals_are_derived_from_complete_breakdowns():
    frame = cube(
        "immigration",
        "KEN",
        {"sex": ["M", "F"], "age": breakdown_codes("immigration", "age", "KEN")},
        [2023],
    )
    full = validate_bytes(to_csv(frame), country="KEN", dataset="immigration").harmonised
    fine_only = frame[(frame["sex"] != "_T") & (frame["age"] != "_T")]
    report = validate_bytes(to_csv(fine_only), country="KEN", dataset="immigration")
    assert report.accepted
    derived = report.harmonised
    assert len(derived) == len(full)
    merged = derived.merge(
        full,
        on=[
            "ref_area",
            "time_period",
            "sex",
            "age",
            "citizenship",
            "country_of_birth",
            "previous_residence",
            "purpose",
        ],
    )
    assert (merged["obs_value_x"] == merged["obs_value_y"]).all()
    assert derived["derived"].sum() == len(full) - len(fine_only)
    assert derived.loc[derived["derived"], "source_row"].isna().all()


def test_no_total_is_derived_from_a_foreign_only_country_breakdown():
    text = "ref_area,time_period,citizenship,obs_value\nKEN,2023,UGA,5\nKEN,2023,TZA,7\n"
    report = check(text, "population_stock")
    assert report.accepted
    assert "_T" not in set(report.harmonised["citizenship"])


def test_sex_total_is_derived_without_unknown():
    report = check("ref_area,time_period,sex,obs_value\nKEN,2023,M,5\nKEN,2023,F,7\n")
    total = report.harmonised.query("sex == '_T'")
    assert total["obs_value"].tolist() == [12]


def test_derived_total_takes_the_strongest_flag():
    text = "ref_area,time_period,sex,obs_value,obs_status\nKEN,2023,M,5,p\nKEN,2023,F,7,e\n"
    total = check(text).harmonised.query("sex == '_T'")
    # Eurostat's lower-case flags are read as SDMX's codes: p is P, e is E.
    assert total["obs_status"].tolist() == ["E"]


def test_unknown_code_suggests_the_nearest_code():
    report = check("ref_area,time_period,citizenship,obs_value\nKEN,2023,KENYA,5\n")
    assert found(report) == [("R3", 2)]
    assert "Did you mean KEN (Kenya)?" in report.findings["suggestion"].iloc[0]


def test_lower_case_code_suggests_its_upper_case():
    report = check("ref_area,time_period,sex,obs_value\nKEN,2023,m,5\n")
    assert found(report) == [("R3", 2)]
    assert report.findings["suggestion"].iloc[0].startswith("Did you mean M (Male)?")


def test_derived_code_is_refused_with_its_own_message():
    report = check("ref_area,time_period,citizenship,obs_value\nKEN,2023,FOR,5\n")
    assert found(report) == [("R3", 2)]
    assert report.findings["kind"].iloc[0] == "derived_code"


def test_empty_code_is_an_error():
    report = check("ref_area,time_period,sex,obs_value\nKEN,2023,,5\n")
    assert report.findings["kind"].tolist() == ["empty_code"]


def test_mixed_age_schemes_are_refused_in_refugees():
    text = (
        "ref_area,time_period,age,country_of_origin,obs_value\n"
        "KEN,2023,Y0T4,SSD,5\nKEN,2023,Y5T11,SSD,5\nKEN,2023,Y12T17,SSD,5\nKEN,2023,Y5T9,SSD,5\n"
    )
    report = check(text, "refugees")
    assert found(report) == [("R3", 5)]
    assert report.findings["kind"].iloc[0] == "mixed_age_scheme"


def test_unhcr_bands_are_not_accepted_in_immigration():
    report = check("ref_area,time_period,age,obs_value\nKEN,2023,Y5T11,5\n")
    assert found(report) == [("R3", 2)]


@pytest.mark.parametrize(
    ("value", "kind"),
    [("-3", "negative"), ("1,234", "not_integer"), ("12.5", "not_integer"), ("abc", "not_integer")],
)
def test_obs_value_must_be_a_non_negative_whole_number(value, kind):
    report = check(f'ref_area,time_period,sex,obs_value\nKEN,2023,M,"{value}"\n')
    assert found(report) == [("R5", 2)] and report.findings["kind"].iloc[0] == kind


def test_whole_number_written_with_decimal_zero_is_accepted():
    assert check("ref_area,time_period,sex,obs_value\nKEN,2023,M,12.0\n").accepted


def test_empty_value_needs_status_m():
    bad = check("ref_area,time_period,sex,obs_value,obs_status\nKEN,2023,M,,\n")
    assert found(bad) == [("R5", 2)]
    assert check("ref_area,time_period,sex,obs_value,obs_status\nKEN,2023,M,,m\n").accepted


def test_duplicate_rows_name_the_first():
    report = check("ref_area,time_period,sex,obs_value\nKEN,2023,M,5\nKEN,2023,F,5\nKEN,2023,M,6\n")
    assert found(report) == [("R6", 4)]
    assert "row 2" in report.findings["message"].iloc[0]


def test_ref_area_and_year():
    report = check("ref_area,time_period,sex,obs_value\nUGA,2023,M,5\nKEN,1949,M,5\nKEN,23,F,5\n")
    assert found(report) == [("R4", 2), ("R4", 3), ("R4", 4)]


@pytest.mark.parametrize(("total", "rule"), [(110, "R7"), (101, "R8"), (100, None)])
def test_additivity_tolerance(total, rule):
    report = check(
        f"ref_area,time_period,sex,obs_value\nKEN,2023,M,40\nKEN,2023,F,60\nKEN,2023,_T,{total}\n"
    )
    assert found(report) == ([(rule, 4)] if rule else [])
    assert report.accepted == (rule != "R7")


def test_incomplete_breakdown_is_not_checked():
    report = check("ref_area,time_period,sex,obs_value\nKEN,2023,M,40\nKEN,2023,_T,100\n")
    assert report.accepted and report.findings.empty


def test_header_problems():
    report = check("REF_AREA,Time_Period,sexe,OBS_VALUE,obs_value\nKEN,2023,M,5,5\n")
    kinds = dict(zip(report.findings["kind"], report.findings["suggestion"], strict=True))
    assert set(kinds) == {"unknown", "duplicated"}
    assert kinds["unknown"].startswith("Did you mean sex?")


def test_missing_required_columns_and_a_dimension_without_total():
    report = check("ref_area,sex,obs_value\nKEN,M,5\n", "residence_permits")
    missing = set(report.findings.loc[report.findings["rule"] == "R2", "column"])
    assert missing == {"time_period", "permit_type"}


def test_every_failure_is_reported_in_one_pass():
    rows = ["ref_area,time_period,sex,citizenship,obs_value"]
    rows += [
        f"KEN,2023,{'X' if i % 2 else 'M'},UGA,{-i if i % 3 == 0 else i}" for i in range(1, 301)
    ]
    report = check("\n".join(rows) + "\n", "population_stock")
    assert (report.findings["rule"] == "R3").sum() == 150
    assert (report.findings["rule"] == "R5").sum() == 100
    assert report.findings["message"].str.len().gt(10).all()


def test_report_rows_are_those_excel_shows_after_blank_lines():
    report = check("ref_area,time_period,sex,obs_value\nKEN,2023,M,5\n\n\nKEN,2023,Q,5\n")
    assert found(report) == [("R3", 5)]


def test_frame_of_findings_has_stable_columns():
    report = check("ref_area,time_period,sex,obs_value\nKEN,2023,Q,5\n")
    assert list(report.findings.columns) == [
        "rule",
        "severity",
        "kind",
        "row",
        "column",
        "value",
        "message",
        "suggestion",
        "related_rows",
        "params",
    ]
    assert isinstance(report.findings, pd.DataFrame)


def test_no_total_leaves_out_persons_of_unknown_sex_and_age():
    # M and F by every UNHCR band, plus 5 persons of unknown sex and age: sex totals per band
    # can be derived, but a grand total from M and F alone would miss the 5, so none is.
    bands = ["Y0T4", "Y5T11", "Y12T17", "Y18T59", "Y_GE60"]
    rows = ["ref_area,time_period,sex,age,country_of_origin,obs_value"]
    rows += [f"ETH,2025,{s},{a},CAF,1" for s in "MF" for a in bands]
    rows.append("ETH,2025,_U,_U,CAF,5")
    report = check("\n".join(rows) + "\n", "refugees", "ETH")
    assert report.accepted
    h = report.harmonised
    assert h.query("sex == '_T' and age == 'Y0T4'")["obs_value"].tolist() == [2]
    assert h.query("sex == '_T' and age == '_T'").empty
    assert h.query("sex == 'M' and age == '_T'")["obs_value"].tolist() == [5]


def test_a_future_year_is_told_as_such_and_the_fix_is_not_about_digits():
    from schemas.pandera_schemas import current_year

    future = current_year() + 2
    report = check(f"ref_area,time_period,sex,obs_value\nKEN,{future},M,5\nKEN,23,F,5\n")
    by_row = report.findings.set_index("row")
    assert by_row.loc[2, "kind"] == "future_year"
    assert f"{future} is after the current year" in by_row.loc[2, "message"]
    assert "four digits" not in by_row.loc[2, "suggestion"]
    assert by_row.loc[3, "kind"] == "time_period" and "four digits" in by_row.loc[3, "suggestion"]


def test_a_negative_value_is_told_what_to_do():
    report = check("ref_area,time_period,sex,obs_value\nKEN,2023,M,-5\n")
    (suggestion,) = report.findings["suggestion"]
    assert suggestion.startswith("Correct the value")


def test_a_small_real_gap_never_reads_zero_percent():
    report = check(
        "ref_area,time_period,sex,obs_value\nKEN,2023,M,40000\nKEN,2023,F,60000\n"
        "KEN,2023,_T,100003\n"
    )
    (message,) = report.findings["message"]
    assert "0.0030% apart" in message and "0.0%" not in message


def test_a_broken_total_names_its_parts_for_the_reports():
    report = check(
        "ref_area,time_period,sex,obs_value\nKEN,2023,M,40\nKEN,2023,F,60\nKEN,2023,_T,110\n"
    )
    (related,) = report.findings["related_rows"]
    assert related == "2 3"


def test_a_country_given_for_both_sexes_only_leaves_the_sex_breakdowns_incomplete():
    """_O is given without its sex split, so the males' citizenship breakdown misses _O: no male
    total is derived from it, and a male total that counts _O's men is not a broken total."""
    text = (
        "ref_area,time_period,sex,citizenship,obs_value\n"
        "KEN,2023,M,KEN,500\nKEN,2023,F,KEN,520\nKEN,2023,M,UGA,40\nKEN,2023,F,UGA,30\n"
        "KEN,2023,_T,_O,90\n"
    )
    report = check(text, dataset="population_stock")
    assert report.accepted and report.findings.empty
    totals = report.harmonised[report.harmonised["citizenship"] == "_T"]
    # The grand total is every citizenship's total; no total of one sex can be had.
    assert totals[["sex", "obs_value"]].values.tolist() == [["_T", 1180]]
    with_male_total = text + "KEN,2023,M,_T,585\n"  # 500 + 40 + 45 of _O's 90
    assert check(with_male_total, dataset="population_stock").findings.empty


def test_a_template_sent_as_another_dataset_is_an_error_naming_both(tmp_path):
    import openpyxl

    from pipelines.template import write_template
    from pipelines.validation import validate_file

    path = write_template(tmp_path / "t.xlsx", "population_stock", "KEN")
    wb = openpyxl.load_workbook(path)
    ws = wb["data"]
    header = [c.value for c in ws[1]]
    row = {"ref_area": "KEN", "time_period": 2023, "obs_value": 10}
    ws.append([row.get(h, "_T") for h in header])
    wb.save(path)
    report = validate_file(path, country="KEN", dataset="immigration")
    assert not report.accepted
    finding = report.findings[report.findings["kind"] == "template_dataset"].iloc[0]
    assert finding["rule"] == "R2"
    assert "says it holds population_stock" in finding["message"]
    assert "submitted as immigration" in finding["message"]
    other = validate_file(path, country="UGA", dataset="population_stock")
    assert "template_country" in set(other.findings["kind"])
