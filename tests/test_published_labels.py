"""Published labels in English, French and Arabic: the release's codelists files, the
warehouse's codelist table, the XLSX label columns, and SDMX-CSV left code-only."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import sqlalchemy as sa
from sqlalchemy import Engine

from pipelines.release import table_spec, write_release
from pipelines.release.labels import label_column, with_labels
from pipelines.warehouse.engine import make_engine
from pipelines.warehouse.publish import codelist_rows, publish_tables, read_table
from schemas.code_columns import column_codelists, published_tables, used_codelists
from schemas.codelist_table import (
    CODELIST_COLUMNS,
    CODELIST_TABLE,
    LABEL_COLUMNS,
    codelist_by_id,
)
from schemas.contract import DEFAULT_DEFINITIONS_DIR, load_contract
from tests.test_publish import stock
from tests.test_release import REGIONAL, availability_frame, mirror_frame, regional_frame

CONTRACT = load_contract()
TABLES = [REGIONAL, "data_availability", "mirror_flows", "migrant_stock"]


def sex_csv(code: str) -> dict[str, str]:
    """A row of definitions/codelists/sex.csv, read as a file (not through the contract)."""
    with (DEFAULT_DEFINITIONS_DIR / "codelists" / "sex.csv").open(encoding="utf-8") as fh:
        return next(row for row in csv.DictReader(fh) if row["code"] == code)


def expected_rows(tables: list[str]) -> set[tuple[str, str]]:
    """(codelist, code) of every code of every codelist `tables` draw on."""
    return {
        (cl_id, code.code)
        for cl_id in used_codelists(CONTRACT, tables)
        for code in codelist_by_id(CONTRACT, cl_id).codes
    }


def assert_complete(frame: pd.DataFrame, tables: list[str]) -> None:
    """Every code of every used codelist, once, each with a label in every language."""
    assert list(frame.columns) == list(CODELIST_COLUMNS)
    keys = list(zip(frame["codelist"], frame["code"], strict=True))
    assert len(keys) == len(set(keys))
    assert set(keys) == expected_rows(tables)
    for column in LABEL_COLUMNS:
        empty = frame[frame[column].fillna("").str.strip() == ""]
        assert empty.empty, f"{column} is empty for {empty[['codelist', 'code']].values.tolist()}"


@pytest.fixture(scope="module")
def release(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tables = {
        REGIONAL: regional_frame(),
        "data_availability": availability_frame(),
        "mirror_flows": mirror_frame(),
        "migrant_stock": stock(10),
    }
    return write_release(tables, tmp_path_factory.mktemp("releases"), "labels")


# --- the release's codelists files ------------------------------------------------------


def test_the_codelists_file_holds_every_code_of_the_used_codelists(release: Path):
    raw = (release / "codelists.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # as the tables' CSV files: Excel reads UTF-8
    frame = pd.read_csv(
        release / "codelists.csv", encoding="utf-8-sig", dtype=str, keep_default_na=False
    )
    assert_complete(frame, TABLES)
    # The tables draw on these, and on the derived codes they carry (COMESA, A, S, FOR...).
    assert set(frame["codelist"]) == {
        "CL_AREA",
        "CL_SEX",
        "CL_AGE_FIVE_YEAR",
        "CL_OBS_STATUS",
        "CL_CONF_STATUS",
        "CL_AVAILABILITY",
        "CL_BASIS",
        CONTRACT.derived.id,
    }
    by_key = frame.set_index(["codelist", "code"])
    assert by_key.loc[("CL_SEX", "F"), "label_fr"] == sex_csv("F")["label_fr"]
    assert by_key.loc[("CL_SEX", "F"), "label_ar"] == sex_csv("F")["label_ar"]
    assert by_key.loc[("CL_AREA", "UGA"), "label_fr"] == "Ouganda"  # from CLDR
    assert by_key.loc[("CL_OBS_STATUS", ""), "label_en"] == "Normal value"  # "" is a code


def test_the_codelists_workbook_holds_the_same_rows(release: Path):
    wb = openpyxl.load_workbook(release / "codelists.xlsx")
    assert wb.sheetnames == ["data", "about"]
    rows = list(wb["data"].iter_rows(values_only=True))
    assert list(rows[0]) == list(CODELIST_COLUMNS)
    cells = pd.DataFrame(rows[1:], columns=rows[0]).fillna("")
    from_csv = pd.read_csv(
        release / "codelists.csv", encoding="utf-8-sig", dtype=str, keep_default_na=False
    )
    pd.testing.assert_frame_equal(cells, from_csv)


def test_the_manifest_lists_the_codelists_files(release: Path):
    manifest = json.loads((release / "release.json").read_text(encoding="utf-8"))
    entry = manifest["codelists"]
    assert set(entry["files"]) == {"codelists.csv", "codelists.xlsx"}
    assert entry["columns"] == list(CODELIST_COLUMNS)
    assert entry["rows"] == len(expected_rows(TABLES))
    assert entry["codelists"] == used_codelists(CONTRACT, TABLES)
    # the codelists are not a table: the revisions compare manifest["tables"] only
    assert "codelists" not in manifest["tables"]
    assert manifest["tables"]["migrant_stock"]["codelists"]["basis"] == ["CL_BASIS"]
    assert "- codelists.csv" in (release / "README.txt").read_text(encoding="utf-8")


# --- the XLSX label columns -------------------------------------------------------------


def data_sheet(path: Path) -> pd.DataFrame:
    rows = list(openpyxl.load_workbook(path)["data"].iter_rows(values_only=True))
    return pd.DataFrame(rows[1:], columns=rows[0])


@pytest.mark.parametrize("table", TABLES)
def test_each_code_column_of_a_workbook_is_followed_by_its_label(release: Path, table: str):
    header = list(data_sheet(release / f"{table}.xlsx").columns)
    coded = column_codelists(CONTRACT, table)
    assert coded, f"{table} has no code column"
    for column in table_spec(CONTRACT, table).column_ids:
        position = header.index(column)
        if column in coded:
            assert header[position + 1] == label_column(column)
        else:
            assert position + 1 == len(header) or not header[position + 1].endswith("_label")
    assert len(header) == len(table_spec(CONTRACT, table).columns) + len(coded)


def test_the_label_columns_hold_the_english_labels(release: Path):
    regional = data_sheet(release / f"{REGIONAL}.xlsx")
    first = regional.iloc[0]
    assert (first["ref_area"], first["ref_area_label"]) == ("KEN", "Kenya")
    assert (first["sex"], first["sex_label"]) == ("M", "Male")
    assert (first["age"], first["age_label"]) == (
        "Y0T4",
        CONTRACT.codelists["CL_AGE_FIVE_YEAR"].label_of("Y0T4"),
    )
    assert first["country_of_residence_label"] == "Uganda"
    assert first["obs_status_label"] == "Normal value"  # obs_status "": no flag
    comesa = regional.iloc[3]
    assert comesa["ref_area_label"] == CONTRACT.derived.label_of("COMESA")
    assert regional["sex_label"].tolist() == ["Male", "Female", "Total", "Total"]

    stock_sheet = data_sheet(release / "migrant_stock.xlsx")
    assert stock_sheet["basis_label"].tolist() == ["Foreign-born", "Foreign citizens", "Mixed"]
    # a submission's lower-case flag is an alias of its code: the same label
    assert stock_sheet["obs_status_label"].tolist()[1] == "Provisional value"

    availability = data_sheet(release / "data_availability.xlsx")
    assert availability["status_label"].tolist()[:3] == ["Accepted", "Missing", "Rejected"]
    assert pd.isna(availability["status_label"].iloc[-1])  # "=1+1" is no code: no label


def test_the_label_columns_are_described_on_the_about_sheet(release: Path):
    rows = list(openpyxl.load_workbook(release / f"{REGIONAL}.xlsx")["about"].values)
    described = {r[0]: r[2] for r in rows if r and r[0]}
    assert "CL_SEX" in described["sex_label"] and "codelists.csv" in described["sex_label"]


def test_labels_in_french_and_arabic():
    spec = table_spec(CONTRACT, "migrant_stock")
    frame = stock(10)[spec.column_ids]
    french, described = with_labels(CONTRACT, spec, frame, "fr")
    assert french["ref_area_label"].tolist()[:2] == ["Kenya", "Ouganda"]
    assert french["basis_label"].tolist()[0] == CONTRACT.codelists["CL_BASIS"].label_of("B", "fr")
    assert french["sex_label"].tolist()[0] == sex_csv("_T")["label_fr"]
    assert "French" in described.columns[1].label
    arabic, _ = with_labels(CONTRACT, spec, frame, "ar")
    assert arabic["sex_label"].tolist()[0] == sex_csv("_T")["label_ar"]


# --- CSV, Parquet and SDMX-CSV stay code-only -------------------------------------------


def test_sdmx_csv_files_carry_codes_only(release: Path):
    spec = table_spec(CONTRACT, REGIONAL)
    header = (release / f"{REGIONAL}.sdmx.csv").read_text(encoding="utf-8").splitlines()[0]
    columns = header.split(",")
    assert not [c for c in columns if "label" in c.lower()]
    sdmx_ids = [c.sdmx_id for c in spec.columns if c.sdmx_id is not None]
    assert columns == ["STRUCTURE", "STRUCTURE_ID", "ACTION", *sdmx_ids]
    data = pd.read_csv(release / f"{REGIONAL}.sdmx.csv", dtype=str, keep_default_na=False)
    assert data["REF_AREA"].tolist() == ["KEN", "KEN", "UGA", "COMESA"]  # codes, not names
    assert data["SEX"].tolist() == ["M", "F", "_T", "_T"]


def test_csv_and_parquet_files_carry_codes_only(release: Path):
    for table in TABLES:
        published = table_spec(CONTRACT, table).column_ids
        csv_header = pd.read_csv(release / f"{table}.csv", encoding="utf-8-sig", nrows=0)
        assert list(csv_header.columns) == published
        assert list(pd.read_parquet(release / f"{table}.parquet").columns) == published


# --- the warehouse's codelist table -----------------------------------------------------


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Engine:
    """An empty warehouse on SQLite, and on PostgreSQL where MIGSTATS_TEST_POSTGRES_URL is set
    (conftest's postgres_database skips, saying why, where it is not)."""
    if request.param == "sqlite":
        return make_engine(f"sqlite:///{tmp_path / 'w.sqlite'}")
    url = request.getfixturevalue("postgres_database")
    engine = make_engine(url.render_as_string(hide_password=False))
    request.addfinalizer(engine.dispose)  # before the database is dropped
    return engine


def publish(engine: Engine, release_id: str = "r1") -> None:
    publish_tables(
        engine,
        {"migrant_stock": stock(10), REGIONAL: regional_frame()},
        release_id=release_id,
    )


def test_the_codelist_table_holds_every_code_of_the_published_tables(engine):
    publish(engine)
    table = read_table(engine, CODELIST_TABLE)
    assert_complete(table, published_tables(CONTRACT))
    # replaced, not added to, by the next publication
    publish(engine, "r2")
    assert len(read_table(engine, CODELIST_TABLE)) == len(codelist_rows(CONTRACT))
    keys = sa.inspect(engine).get_pk_constraint(CODELIST_TABLE)["constrained_columns"]
    assert keys == ["codelist", "code"]


def test_a_sql_join_gives_the_french_labels(engine):
    publish(engine)
    query = sa.text(
        "SELECT r.ref_area, r.sex, a.label_fr AS area, s.label_fr AS sex_fr "
        "FROM migrant_stock r "
        "JOIN codelist s ON s.codelist = 'CL_SEX' AND s.code = r.sex "
        "LEFT JOIN codelist a ON a.codelist IN ('CL_AREA', :derived) AND a.code = r.ref_area "
        "ORDER BY r.ref_area"
    )
    with engine.connect() as conn:
        rows = conn.execute(query, {"derived": CONTRACT.derived.id}).all()
    assert rows == [
        ("COMESA", "_T", CONTRACT.derived.label_of("COMESA", "fr"), sex_csv("_T")["label_fr"]),
        ("KEN", "_T", "Kenya", sex_csv("_T")["label_fr"]),
        ("UGA", "_T", "Ouganda", sex_csv("_T")["label_fr"]),
    ]
    regional = sa.text(
        f"SELECT r.sex, c.label_fr, c.label_ar FROM {REGIONAL} r "
        "JOIN codelist c ON c.codelist = 'CL_SEX' AND c.code = r.sex "
        "WHERE r.ref_area = 'KEN' AND r.sex = 'F'"
    )
    with engine.connect() as conn:
        assert conn.execute(regional).one() == (
            "F",
            sex_csv("F")["label_fr"],
            sex_csv("F")["label_ar"],
        )


def test_the_codelist_table_is_replaced_in_the_publication_transaction(engine):
    publish(engine)
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "UPDATE codelist SET label_fr = 'changed' WHERE codelist = 'CL_SEX' AND code = 'F'"
            )
        )
    broken = pd.concat([stock(99), stock(99)])  # duplicate keys: the database refuses
    with pytest.raises(sa.exc.IntegrityError):
        publish_tables(engine, {"migrant_stock": broken}, release_id="r2")
    labels = read_table(engine, CODELIST_TABLE).set_index(["codelist", "code"])["label_fr"]
    assert labels[("CL_SEX", "F")] == "changed"  # rolled back with the tables
    publish(engine, "r3")
    labels = read_table(engine, CODELIST_TABLE).set_index(["codelist", "code"])["label_fr"]
    assert labels[("CL_SEX", "F")] == sex_csv("F")["label_fr"]


def test_every_public_column_has_a_heading_in_french_and_arabic():
    """The explorer's column headings: each column of each public table has words of its own
    in the definitions (outputs.yaml, columns.yaml, dimensions.yaml, regional.yaml) in every
    language, not a heading made from its id."""
    from pipelines.explorer import column_heading

    contract = load_contract()
    for table in published_tables(contract):
        model = contract.tables.published(table)
        if contract.outputs.get(table) is not None and contract.outputs[table].internal:
            continue
        for field in model.fields:
            english = column_heading(contract, table, field.id, "", "en")
            assert english, (table, field.id)
            for lang in ("fr", "ar"):
                other = column_heading(contract, table, field.id, "", lang)
                assert other and other != english, (table, field.id, lang)


def test_every_public_table_has_a_title_and_description_in_french_and_arabic():
    """The explorer's catalogue and pages: each public table's own words in every language
    (dissemination.yaml for the dataset slices, outputs.yaml for the indicators)."""
    from pipelines.explorer import table_words

    contract = load_contract()
    for table in published_tables(contract):
        if contract.outputs.get(table) is not None and contract.outputs[table].internal:
            continue
        title, about = table_words(contract, table, "en")
        for lang in ("fr", "ar"):
            other_title, other_about = table_words(contract, table, lang)
            assert other_title != title and other_about != about, (table, lang)
