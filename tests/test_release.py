"""Release files: every table in every format, read back; formulas neutralised; atomic."""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pyarrow.parquet as pq
import pytest
from pysdmx.io import read_sdmx
from pysdmx.model.dataset import ActionType

from pipelines.release import ReleaseExists, table_spec, write_release, xlsx_files
from pipelines.release import files as release_files
from schemas.contract import load_contract

CONTRACT = load_contract()
REGIONAL = "nationals_abroad_by_residence"
PUBLISHED_REGIONAL = [
    "ref_area",
    "time_period",
    "sex",
    "age",
    "country_of_residence",
    "obs_value",
    "obs_status",
    "conf_status",
    "derived",
    "n_reporting",
    "n_members",
    "submission_id",
    "source_row",
    "footnotes",
]
#: The XLSX file's columns: a label column after each code column.
XLSX_REGIONAL = [
    "ref_area",
    "ref_area_label",
    "time_period",
    "sex",
    "sex_label",
    "age",
    "age_label",
    "country_of_residence",
    "country_of_residence_label",
    "obs_value",
    "obs_status",
    "obs_status_label",
    "conf_status",
    "conf_status_label",
    "derived",
    "n_reporting",
    "n_members",
    "submission_id",
    "source_row",
    "footnotes",
]
FORMULAS = ['=HYPERLINK("http://x","y")', "+1", "-2+3", "@SUM(A1)", "\tTAB", "\rCR"]


def regional_frame() -> pd.DataFrame:
    """A small regional table, with a column a release must not publish (`internal`)."""
    frame = pd.DataFrame(
        {
            "ref_area": ["KEN", "KEN", "UGA", "COMESA"],
            "time_period": [2020, 2020, 2020, 2020],
            "sex": ["M", "F", "_T", "_T"],
            "age": ["Y0T4", "_T", "_T", "_T"],
            "country_of_residence": ["UGA", "UGA", "KEN", "_T"],
            "obs_value": pd.array([10, None, 12, 3_000_000_000], dtype="Int64"),
            "obs_status": ["", "M", "E", "P"],
            "conf_status": ["", "", "", ""],
            "derived": [False, False, False, True],
            "n_reporting": [1, 1, 1, 2],
            "n_members": [1, 1, 1, 21],
            "submission_id": pd.array([7, 7, 8, None], dtype="Int64"),
            "source_row": pd.array([2, 3, 2, None], dtype="Int64"),
            "footnotes": ["", "", "F1", "F2"],
            "internal": ["x"] * 4,
        }
    )
    return frame[["internal", *PUBLISHED_REGIONAL]]


def availability_frame() -> pd.DataFrame:
    """data_availability with text a spreadsheet would evaluate in its text columns."""
    n = len(FORMULAS)
    return pd.DataFrame(
        {
            "ref_area": ["KEN"] * n,
            "dataset": FORMULAS,
            "time_period": list(range(2015, 2015 + n)),
            "status": ["accepted", "missing", "rejected", "accepted", "accepted", "=1+1"],
            "submission_id": pd.array([1, None, -3, 4, 5, 6], dtype="Int64"),
            "note": ["not published"] * n,
        }
    )


def mirror_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "origin_area": ["KEN", "UGA"],
            "destination_area": ["UGA", "KEN"],
            "time_period": [2020, 2020],
            "reported_by_origin": pd.array([10, 5], dtype="Int64"),
            "reported_by_destination": pd.array([20, None], dtype="Int64"),
            "ratio": [0.5, None],
            "conf_status": ["", ""],
        }
    )


@pytest.fixture(scope="module")
def release(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tables = {
        REGIONAL: regional_frame(),
        "data_availability": availability_frame(),
        "mirror_flows": mirror_frame(),
    }
    root = tmp_path_factory.mktemp("releases")
    return write_release(tables, root, "2025-01", metadata={"by": "test", "submissions": [7, 8]})


def test_every_file_of_every_table_is_written(release: Path):
    names = {p.name for p in release.iterdir()}
    expected = {"release.json", "README.txt", "codelists.csv", "codelists.xlsx"}
    for table in (REGIONAL, "data_availability", "mirror_flows"):
        expected |= {f"{table}.csv", f"{table}.parquet", f"{table}.xlsx"}
    expected |= {f"{REGIONAL}.sdmx.csv", "structure.xml", "structure.json", "charts"}
    assert names == expected
    assert not [p for p in release.parent.iterdir() if p.name != release.name]


def test_release_json_lists_rows_columns_and_checksums(release: Path):
    manifest = json.loads((release / "release.json").read_text(encoding="utf-8"))
    assert manifest["release_id"] == "2025-01"
    assert manifest["metadata"] == {"by": "test", "submissions": [7, 8]}
    assert manifest["created_at"]
    regional = manifest["tables"][REGIONAL]
    assert regional["rows"] == 4
    assert regional["columns"] == PUBLISHED_REGIONAL
    assert set(regional["files"]) == {
        f"{REGIONAL}{suffix}" for suffix in (".csv", ".parquet", ".xlsx", ".sdmx.csv")
    }
    for table in manifest["tables"].values():
        for name, entry in table["files"].items():
            data = (release / name).read_bytes()
            assert entry == {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
    readme = manifest["files"]["README.txt"]
    assert readme["sha256"] == hashlib.sha256((release / "README.txt").read_bytes()).hexdigest()


def test_readme_lists_the_files_with_the_definitions_labels(release: Path):
    text = (release / "README.txt").read_text(encoding="utf-8")
    assert "release 2025-01" in text
    assert CONTRACT.outputs["mirror_flows"].label in text
    assert CONTRACT.datasets["nationals_abroad"].label in text
    for name in (f"{REGIONAL}.sdmx.csv", "data_availability.xlsx", "mirror_flows.parquet"):
        assert f"- {name}" in text


def test_csv_has_a_bom_and_round_trips(release: Path):
    raw = (release / f"{REGIONAL}.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    back = pd.read_csv(release / f"{REGIONAL}.csv", encoding="utf-8-sig", keep_default_na=False)
    assert list(back.columns) == PUBLISHED_REGIONAL
    expected = regional_frame()[PUBLISHED_REGIONAL]
    assert back["obs_value"].tolist() == ["10", "", "12", "3000000000"]
    assert back["obs_status"].tolist() == expected["obs_status"].tolist()
    assert back["ref_area"].tolist() == expected["ref_area"].tolist()
    typed = pd.read_csv(
        release / f"{REGIONAL}.csv", encoding="utf-8-sig", dtype={"obs_value": "Int64"}
    )
    assert typed["obs_value"].equals(expected["obs_value"])
    assert typed["derived"].tolist() == expected["derived"].tolist()


def test_extra_columns_are_not_published(release: Path):
    for suffix in (".csv", ".sdmx.csv"):
        header = (release / f"{REGIONAL}{suffix}").read_text(encoding="utf-8-sig").splitlines()[0]
        assert "internal" not in header.lower()
    # every cell is traced to its submission and row in the tabular files
    assert "submission_id" in pd.read_parquet(release / f"{REGIONAL}.parquet").columns
    assert "note" not in pd.read_parquet(release / "data_availability.parquet").columns
    # submission_id is a column of data_availability itself, so it is published there
    assert "submission_id" in pd.read_parquet(release / "data_availability.parquet").columns


def test_parquet_equals_the_published_columns(release: Path):
    back = pd.read_parquet(release / f"{REGIONAL}.parquet")
    pd.testing.assert_frame_equal(back, regional_frame()[PUBLISHED_REGIONAL])
    availability = pd.read_parquet(release / "data_availability.parquet")
    # Parquet is for programs: the values as computed, formula-looking text included
    assert availability["dataset"].tolist() == FORMULAS
    meta = json.loads(pq.read_schema(release / "mirror_flows.parquet").metadata[b"migstats"])
    assert meta["label"] == CONTRACT.outputs["mirror_flows"].label


def test_xlsx_data_sheet_holds_numbers_as_numbers(release: Path):
    wb = openpyxl.load_workbook(release / f"{REGIONAL}.xlsx")
    assert wb.sheetnames == ["data", "about"]
    rows = list(wb["data"].iter_rows(values_only=True))
    assert list(rows[0]) == XLSX_REGIONAL
    assert len(rows) == 5
    first = dict(zip(XLSX_REGIONAL, rows[1], strict=True))
    assert tuple(first[c] for c in PUBLISHED_REGIONAL) == (
        *("KEN", 2020, "M", "Y0T4", "UGA", 10, None, None, False, 1, 1, 7, 2, None),
    )
    value, status = XLSX_REGIONAL.index("obs_value"), XLSX_REGIONAL.index("obs_status")
    assert rows[2][value] is None and rows[2][status] == "M"
    assert rows[4][value] == 3_000_000_000 and rows[4][XLSX_REGIONAL.index("derived")] is True
    mirror = list(load_sheet(release / "mirror_flows.xlsx", "data"))
    assert mirror[0][:4] == (
        "origin_area",
        "origin_area_label",
        "destination_area",
        "destination_area_label",
    )
    assert mirror[1][7] == 0.5 and mirror[2][6] is None and mirror[2][7] is None


def load_sheet(path: Path, sheet: str):
    return openpyxl.load_workbook(path)[sheet].iter_rows(values_only=True)


def test_xlsx_about_sheet_describes_table_and_columns(release: Path):
    rows = list(load_sheet(release / f"{REGIONAL}.xlsx", "about"))
    about = {r[0]: r[1] for r in rows if r and r[0]}
    spec = table_spec(CONTRACT, REGIONAL)
    assert about["Table"] == REGIONAL
    assert about["Label"] == spec.label
    assert about["Description"] == spec.description
    assert about["Release"] == "2025-01"
    columns = {
        r[0]: (r[1], r[2]) for r in rows[rows.index(("Column", "Label", "Description")) + 1 :]
    }
    assert list(columns) == XLSX_REGIONAL
    assert columns["obs_value"] == (
        CONTRACT.columns["obs_value"].label,
        CONTRACT.columns["obs_value"].description,
    )
    availability = list(load_sheet(release / "data_availability.xlsx", "about"))
    described = {
        r[0]: r[2]
        for r in availability
        if r and r[0] in CONTRACT.outputs["data_availability"].columns
    }
    assert (
        described["status"] == CONTRACT.outputs["data_availability"].columns["status"].description
    )


def test_formula_text_is_neutralised_in_csv(release: Path):
    back = pd.read_csv(
        release / "data_availability.csv", encoding="utf-8-sig", keep_default_na=False, dtype=str
    )
    assert back["dataset"].tolist() == ["'" + f for f in FORMULAS]
    assert back["status"].tolist()[-1] == "'=1+1"
    assert back["status"].tolist()[0] == "accepted"
    # numbers are never touched: a negative number stays a number
    assert back["submission_id"].tolist() == ["1", "", "-3", "4", "5", "6"]


def test_formula_text_is_text_in_xlsx(release: Path):
    path = release / "data_availability.xlsx"
    with zipfile.ZipFile(path) as zf:
        sheets = [n for n in zf.namelist() if n.startswith("xl/worksheets/")]
        xml = "".join(zf.read(n).decode("utf-8") for n in sheets)
        styles = zf.read("xl/styles.xml").decode("utf-8")
    assert "<f>" not in xml and "<f " not in xml
    assert 'quotePrefix="1"' in styles
    ws = openpyxl.load_workbook(path)["data"]
    # columns: ref_area, ref_area_label, dataset, time_period, status, status_label, ...
    cells = [ws.cell(row=r, column=3) for r in range(2, 2 + len(FORMULAS))]
    # XML turns a stored carriage return into a line feed on reading: no longer a formula
    assert [c.value for c in cells] == [f.replace("\r", "\n") for f in FORMULAS]
    assert all(c.data_type == "s" and c.quotePrefix for c in cells)
    assert ws.cell(row=4, column=7).value == -3  # a negative number stays a number
    assert not ws.cell(row=4, column=7).quotePrefix


def test_sdmx_csv_2_reads_back_with_pysdmx(release: Path):
    path = release / f"{REGIONAL}.sdmx.csv"
    header = path.read_text(encoding="utf-8").splitlines()[0].split(",")
    assert header == [
        "STRUCTURE",
        "STRUCTURE_ID",
        "ACTION",
        "REF_AREA",
        "TIME_PERIOD",
        "SEX",
        "AGE",
        "COUNTRY_OF_RESIDENCE",
        "OBS_VALUE",
        "OBS_STATUS",
        "CONF_STATUS",
    ]
    message = read_sdmx(path)
    (dataset,) = message.data
    assert dataset.short_urn == "Dataflow=COMESA:DF_NATIONALS_ABROAD_BY_RESIDENCE(1.0)"
    data = dataset.data
    assert len(data) == 4
    assert dataset.action == ActionType.Information  # the ACTION column, I
    first = data.iloc[0]
    assert (first["REF_AREA"], first["TIME_PERIOD"], first["SEX"], first["AGE"]) == (
        "KEN",
        "2020",
        "M",
        "Y0T4",
    )
    assert data["OBS_VALUE"].tolist() == ["10", "", "12", "3000000000"]
    # SDMX codes: A for a normal value, F for a free one, the flags upper case.
    assert data["OBS_STATUS"].tolist() == ["A", "M", "E", "P"]
    assert data["CONF_STATUS"].tolist() == ["F", "F", "F", "F"]


def test_the_sdmx_structure_is_valid_sdmx_ml_3_and_sdmx_json_and_reads_back(release: Path):
    """structure.xml passes the official SDMX-ML 3.0 schema; pysdmx reads both files; the
    dataflow of the SDMX-CSV file, its structure and codelists are there, in three languages."""
    from lxml import etree
    from pysdmx.io.xml.doc_validation import validate_doc

    xml = (release / "structure.xml").read_text(encoding="utf-8")
    validate_doc(xml)  # raises on anything the XSD does not allow
    for name in ("structure.xml", "structure.json"):
        message = read_sdmx(release / name)
        (flow,) = message.get_dataflows()
        assert flow.short_urn == "Dataflow=COMESA:DF_NATIONALS_ABROAD_BY_RESIDENCE(1.0)"
        (dsd,) = message.get_data_structure_definitions()
        ids = [c.id for c in dsd.components]
        dimensions = ["REF_AREA", "TIME_PERIOD", "SEX", "AGE", "COUNTRY_OF_RESIDENCE"]
        assert sorted(ids) == sorted([*dimensions, "OBS_VALUE", "OBS_STATUS", "CONF_STATUS"])
        codes = {c.id: c.local_codes for c in dsd.components if c.local_codes is not None}
        assert set(codes) == {
            "REF_AREA",
            "SEX",
            "AGE",
            "COUNTRY_OF_RESIDENCE",
            "OBS_STATUS",
            "CONF_STATUS",
        }
        sex = {c.id for c in codes["SEX"].codes}
        assert {"M", "F", "_T"} <= sex
        # statuses as SDMX files spell them; the Secretariat's A and S; no alias (lower case)
        assert {"A", "M", "E", "P"} <= {c.id for c in codes["OBS_STATUS"].codes}
        assert {"F", "C", "A", "S"} == {c.id for c in codes["CONF_STATUS"].codes}
        assert not {c.id for c in codes["OBS_STATUS"].codes} & {"p", "e", ""}
        assert "COMESA" in {c.id for c in codes["REF_AREA"].codes}
    root = etree.fromstring(xml.encode("utf-8"))
    female = root.xpath(
        "//*[local-name()='Codelist'][@id='CL_SEX']/*[local-name()='Code'][@id='F']"
        "/*[local-name()='Name']"
    )
    said = {n.get("{http://www.w3.org/XML/1998/namespace}lang"): n.text for n in female}
    assert said == {"en": "Female", "fr": "Femmes", "ar": "إناث"}
    flow_names = json.loads((release / "structure.json").read_text(encoding="utf-8"))["data"][
        "dataflows"
    ][0]["names"]
    assert set(flow_names) == {"en", "fr", "ar"}


def test_every_sdmx_csv_file_conforms_to_the_release_structure(release: Path, tmp_path):
    from pipelines.release.sdmx_structure import sdmx_problems

    files = sorted(release.glob("*.sdmx.csv"))
    assert files and sdmx_problems(release / "structure.xml", files) == []
    # a code no codelist has, and a file without a dimension, are found and said
    original = files[0].read_text(encoding="utf-8")
    bad = tmp_path / files[0].name
    bad.write_text(original.replace(",Y0T4,", ",Y0T5,", 1), encoding="utf-8")
    lines = original.splitlines()
    header = lines[0].split(",")
    drop = header.index("SEX")
    short = tmp_path / "short.sdmx.csv"
    short.write_text(
        "\n".join(",".join(c for i, c in enumerate(line.split(",")) if i != drop) for line in lines)
        + "\n",
        encoding="utf-8",
    )
    assert sdmx_problems(release / "structure.xml", [bad, short]) == [
        f"{bad.name}: AGE holds 'Y0T5', which is not in CL_AGE",
        "short.sdmx.csv: no column for dimension SEX",
    ]


def test_an_sdmx_value_with_a_comma_or_quote_is_quoted_and_reads_back(tmp_path):
    # Codes never hold a comma, so the writer leaves cells unquoted; a text that does (an
    # attribute added later, say a comment) makes it quote, as CSV says.
    frame = regional_frame()
    frame["obs_status"] = ["", 'see "note", 2', "E", "P"]
    folder = write_release({REGIONAL: frame}, tmp_path, "r1")
    (dataset,) = read_sdmx(folder / f"{REGIONAL}.sdmx.csv").data
    assert dataset.data["OBS_STATUS"].tolist() == ["A", 'see "note", 2', "E", "P"]
    assert dataset.data["OBS_VALUE"].tolist() == ["10", "", "12", "3000000000"]


def test_a_failure_midway_leaves_no_release_and_no_temporary_folder(tmp_path, monkeypatch):
    def broken(frame, spec, path, **kwargs):
        path.write_bytes(b"half a workbook")
        raise OSError("disk full")

    monkeypatch.setattr(release_files, "write_xlsx", broken)
    with pytest.raises(OSError, match="disk full"):
        write_release({REGIONAL: regional_frame()}, tmp_path, "r1")
    assert list(tmp_path.iterdir()) == []


def test_a_code_that_looks_like_a_formula_stops_the_release(tmp_path):
    frame = regional_frame()
    frame.loc[0, "sex"] = "=cmd|' /C calc'!A0"
    with pytest.raises(ValueError, match="row 1, column SEX"):
        write_release({REGIONAL: frame}, tmp_path, "r1")
    assert list(tmp_path.iterdir()) == []


def test_an_existing_release_is_never_overwritten(tmp_path):
    first = write_release({"mirror_flows": mirror_frame()}, tmp_path, "r1")
    before = {p.name: p.read_bytes() for p in first.rglob("*") if p.is_file()}
    with pytest.raises(ReleaseExists, match="r1 exists already"):
        write_release({"mirror_flows": mirror_frame().head(1)}, tmp_path, "r1")
    assert {p.name: p.read_bytes() for p in first.rglob("*") if p.is_file()} == before
    assert [p.name for p in tmp_path.iterdir()] == ["r1"]


def test_unknown_tables_missing_columns_and_unsafe_ids_are_refused(tmp_path):
    with pytest.raises(ValueError, match="no table 'regional_tourism' is published"):
        write_release({"regional_tourism": mirror_frame()}, tmp_path, "r1")
    with pytest.raises(ValueError, match="lacks column"):
        write_release({"mirror_flows": mirror_frame().drop(columns="ratio")}, tmp_path, "r1")
    for bad in ("../escape", ".hidden", "a/b", ""):
        with pytest.raises(ValueError, match="release id"):
            write_release({"mirror_flows": mirror_frame()}, tmp_path, bad)
    assert list(tmp_path.iterdir()) == []


def test_an_empty_table_is_published_with_its_header_and_no_sdmx_file(tmp_path):
    empty = regional_frame().iloc[0:0]
    folder = write_release({REGIONAL: empty}, tmp_path, "empty")
    assert pd.read_csv(folder / f"{REGIONAL}.csv", encoding="utf-8-sig").columns.tolist() == (
        PUBLISHED_REGIONAL
    )
    assert len(pd.read_parquet(folder / f"{REGIONAL}.parquet")) == 0
    rows = list(load_sheet(folder / f"{REGIONAL}.xlsx", "data"))
    assert rows == [tuple(XLSX_REGIONAL)]
    # SDMX tools cannot read a header without observations: no file, and the README says so.
    assert not (folder / f"{REGIONAL}.sdmx.csv").exists()
    assert "there is no SDMX file for it" in (folder / "README.txt").read_text()


def test_infinite_ratios_are_blank_in_csv_and_xlsx_and_kept_in_parquet(tmp_path):
    frame = mirror_frame().assign(ratio=[float("inf"), 0.25])
    folder = write_release({"mirror_flows": frame}, tmp_path, "inf")
    csv = pd.read_csv(folder / "mirror_flows.csv", encoding="utf-8-sig", keep_default_na=False)
    assert csv["ratio"].astype(str).tolist() == ["", "0.25"]
    ratio = [r[7] for r in load_sheet(folder / "mirror_flows.xlsx", "data")]
    assert ratio == ["ratio", None, 0.25]
    parquet = pd.read_parquet(folder / "mirror_flows.parquet")
    assert parquet["ratio"].tolist() == [float("inf"), 0.25]


def test_a_table_longer_than_a_sheet_continues_on_the_next(tmp_path, monkeypatch):
    monkeypatch.setattr(xlsx_files, "ROWS_PER_SHEET", 3)
    folder = write_release({REGIONAL: regional_frame()}, tmp_path, "long")
    wb = openpyxl.load_workbook(folder / f"{REGIONAL}.xlsx")
    assert wb.sheetnames == ["data", "data_2", "about"]
    assert [len(list(wb[s].iter_rows())) for s in ("data", "data_2")] == [4, 2]
    assert wb["data_2"]["A2"].value == "COMESA"


def test_the_charts_of_a_release_are_drawn_from_its_tables_in_three_languages(release: Path):
    """charts/ holds each chart the tables give as SVG and PNG in English, French and Arabic,
    titled and described for a screen reader, with the numbers it shows; release.json lists
    them with their checksums."""
    charts = release / "charts"
    names = {p.name for p in charts.iterdir()}
    for chart in ("mirror_flows", "data_availability"):
        for lang in ("en", "fr", "ar"):
            assert {f"{chart}.{lang}.svg", f"{chart}.{lang}.png", f"{chart}.{lang}.csv"} <= names
    assert (charts / "mirror_flows.png").exists() is False
    french = (charts / "mirror_flows.fr.svg").read_text(encoding="utf-8")
    # the picture's words for a screen reader, in its language
    assert "<title>Flux miroirs entre États membres</title><desc>" in french
    assert "Flux miroirs entre États membres" in french and 'aria-label="' in french
    assert (charts / "mirror_flows.en.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # the numbers drawn are the published ones: only pairs both sides report
    numbers = pd.read_csv(charts / "mirror_flows.en.csv", encoding="utf-8-sig")
    assert numbers[["by_origin", "by_destination"]].values.tolist() == [[10, 20]]
    french_numbers = pd.read_csv(charts / "mirror_flows.fr.csv", encoding="utf-8-sig")
    assert french_numbers["destination"].tolist() == ["Ouganda"]  # labelled in its language
    manifest = json.loads((release / "release.json").read_text(encoding="utf-8"))
    assert "charts/mirror_flows.ar.svg" in manifest["charts"]


def test_every_chart_is_a_valid_vega_lite_specification():
    """Each chart's specification passes Vega-Lite's own schema (through Altair), in every
    language, on tables shaped as a release publishes them."""
    import altair as alt

    from pipelines.release.charts import release_charts

    tables = {"mirror_flows": mirror_frame(), "data_availability": availability_frame()}
    for lang in ("en", "fr", "ar"):
        charts = release_charts(CONTRACT, tables, lang)
        assert [c.id for c in charts] == ["mirror_flows", "data_availability"]
        for chart in charts:
            kind = alt.LayerChart if "layer" in chart.spec else alt.Chart
            kind.from_dict(chart.spec)  # raises on anything the schema does not allow


def test_every_availability_status_has_its_colour():
    """definitions/charts.yaml colours each status of the availability chart, so a status keeps
    its colour in every language and release (and none reuses another's)."""
    from pipelines.release.charts import chart_colours
    from schemas.code_columns import column_codes

    colours = chart_colours(CONTRACT, "data_availability")
    assert set(colours) == set(column_codes(CONTRACT, "data_availability")["status"])
    assert len(set(colours.values())) == len(colours)
