"""Schemas and tables come from definitions/: a new code or dimension needs no code change."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest
import sqlalchemy as sa
import yaml

from pipelines.validation import validate_bytes
from schemas.contract import DEFAULT_DEFINITIONS_DIR, load_contract
from schemas.pandera_schemas import harmonised_schema, submitted_schema
from schemas.tables import build_metadata

FILE = "ref_area,time_period,sex,purpose,obs_value\nKEN,2023,M,RET,5\nKEN,2023,F,WORK,7\n"


@pytest.fixture
def definitions(tmp_path):
    """A private copy of definitions/ that a test may edit."""
    target = tmp_path / "definitions"
    shutil.copytree(DEFAULT_DEFINITIONS_DIR, target)
    return target


def test_unknown_code_is_rejected_by_the_shipped_definitions():
    report = validate_bytes(FILE.encode(), country="KEN", dataset="immigration")
    assert list(report.findings[["rule", "row", "value"]].itertuples(index=False, name=None)) == [
        ("R3", 2, "RET")
    ]


def test_a_code_added_to_definitions_is_accepted(definitions):
    with (definitions / "codelists" / "purpose.csv").open("a", encoding="utf-8") as fh:
        fh.write("RET,Retirement,Moving to spend retirement in the country.\n")
    contract = load_contract(definitions)
    report = validate_bytes(FILE.encode(), country="KEN", dataset="immigration", contract=contract)
    assert report.accepted, report.findings.to_string()
    assert "RET" in set(report.harmonised["purpose"])


def test_a_dimension_added_to_definitions_flows_into_schemas_and_tables(definitions):
    dims = yaml.safe_load((definitions / "dimensions.yaml").read_text())
    dims["education"] = {
        "label": "Educational attainment",
        "sdmx_id": "EDUCATION_LEV",
        "codelist": "CL_EDUCATION",
        "breakdown": {"all_of": ["LOW", "HIGH"]},
    }
    (definitions / "dimensions.yaml").write_text(yaml.safe_dump(dims))
    lists = yaml.safe_load((definitions / "codelists.yaml").read_text())
    lists["CL_EDUCATION"] = {"label": "Education", "files": ["education.csv"]}
    (definitions / "codelists.yaml").write_text(yaml.safe_dump(lists))
    (definitions / "codelists" / "education.csv").write_text(
        "code,label,description\nLOW,Low,ISCED 0-2\nHIGH,High,ISCED 3-8\n_T,Total,All\n"
    )
    sets = yaml.safe_load((definitions / "datasets.yaml").read_text())
    sets["immigration"]["dimensions"].append("education")
    (definitions / "datasets.yaml").write_text(yaml.safe_dump(sets))
    tables = yaml.safe_load((definitions / "dissemination.yaml").read_text())
    tables["immigration_by_education"] = {
        "dataset": "immigration",
        "dimensions": ["sex", "education"],
        "label": "Immigration by education and sex",
    }
    (definitions / "dissemination.yaml").write_text(yaml.safe_dump(tables))
    contract = load_contract(definitions)

    data = "ref_area,time_period,EDUCATION_LEV,obs_value\nKEN,2023,LOW,5\nKEN,2023,HIGH,7\n"
    report = validate_bytes(data.encode(), country="KEN", dataset="immigration", contract=contract)
    assert report.accepted, report.findings.to_string()
    total = report.harmonised.query("education == '_T'")
    assert total["obs_value"].tolist() == [12] and total["derived"].tolist() == [True]

    assert "education" in submitted_schema(contract, "immigration", "KEN").columns
    assert "education" in harmonised_schema(contract, "immigration").columns
    engine = sa.create_engine("sqlite://")
    build_metadata(contract).create_all(engine)
    columns = {c["name"] for c in sa.inspect(engine).get_columns("immigration_by_education")}
    assert {"sex", "education"} <= columns and "age" not in columns
    assert "education" in contract.tables.internal("immigration").key


def test_harmonised_schema_accepts_a_harmonised_table_and_refuses_a_bad_one():
    report = validate_bytes(
        b"ref_area,time_period,sex,obs_value\nKEN,2023,M,5\nKEN,2023,F,7\n",
        country="KEN",
        dataset="immigration",
    )
    schema = harmonised_schema(load_contract(), "immigration")
    schema.validate(report.harmonised)
    broken = report.harmonised.assign(obs_value=pd.array([-1] * len(report.harmonised), "Int64"))
    with pytest.raises(Exception, match="greater_than_or_equal_to"):
        schema.validate(broken)


def test_tables_have_the_key_as_primary_key():
    metadata = build_metadata()
    table = metadata.tables["refugees_by_origin"]
    assert [c.name for c in table.primary_key.columns] == [
        "ref_area",
        "time_period",
        "population_type",
        "sex",
        "country_of_origin",
    ]
    assert table.comment.startswith(load_contract().dissemination["refugees_by_origin"].label)
    assert "regional_refugees" not in metadata.tables  # the cube is internal
