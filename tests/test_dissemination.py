"""Dissemination tables: declared in definitions/dissemination.yaml, cut from the internal
cube, and refused with a sentence where they do not fit the datasets."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest
import yaml

from pipelines.regional import regional_table
from pipelines.regional.dissemination import published_cells, slice_table
from pipelines.validation import validate_bytes
from schemas.contract import DEFAULT_DEFINITIONS_DIR, TOTAL, load_contract
from schemas.dissemination import MAX_DIMENSIONS

C = load_contract()


def test_every_dataset_publishes_tables_of_at_most_four_dimensions():
    for ds in C.datasets:
        tables = C.tables.dissemination(ds)
        assert tables, ds
        for model in tables:
            dims = [k for k in model.key if k not in ("ref_area", "time_period")]
            assert 1 <= len(dims) <= MAX_DIMENSIONS, model.name
            assert model.label and model.description, model.name
            table = C.dissemination[model.name]
            assert table.label_in("fr") != table.label and table.label_in("ar") != table.label


def test_no_cube_is_published():
    assert not any(name.startswith("regional_") for name in C.tables.by_name)
    assert C.tables.dataset_of("regional_immigration") == "immigration"  # internal, known
    with pytest.raises(ValueError, match="no table 'regional_immigration' is published"):
        C.tables.published("regional_immigration")


def test_every_indicator_source_is_published():
    for output in C.outputs.values():
        for source in output.sources:
            assert any(
                set(source.dimensions) <= set(t.dimensions)
                for t in C.dissemination.values()
                if t.dataset == source.dataset
            ), (output.id, source)


def cube() -> pd.DataFrame:
    """Kenya's 2023 population by sex x citizenship and by sex x country of birth."""
    data = (
        "ref_area,time_period,sex,citizenship,country_of_birth,obs_value\n"
        "KEN,2023,M,KEN,_T,90\nKEN,2023,M,UGA,_T,10\nKEN,2023,F,KEN,_T,95\nKEN,2023,F,UGA,_T,5\n"
        "KEN,2023,M,_T,KEN,85\nKEN,2023,M,_T,UGA,15\nKEN,2023,F,_T,KEN,92\nKEN,2023,F,_T,UGA,8\n"
        "KEN,2023,M,_T,_T,100\nKEN,2023,F,_T,_T,100\n"
    )
    report = validate_bytes(data.encode(), country="KEN", dataset="population_stock")
    assert report.accepted, report.findings.to_string()
    rows = report.harmonised.assign(submission_id=pd.array([1] * len(report.harmonised), "Int64"))
    return regional_table(C, "population_stock", rows)


def test_a_table_is_the_cube_where_its_other_dimensions_are_total():
    full = cube()
    table = slice_table(C, "population_by_citizenship", full)
    assert list(table.columns) == [
        f for f in C.tables.published("population_by_citizenship").field_ids if f != "footnotes"
    ]
    assert "country_of_birth" not in table
    kenya = table[table["ref_area"] == "KEN"]
    # 2 sexes + total, by KEN, UGA and total; every age and country of birth
    assert len(kenya) == 9 and set(kenya["age"]) == {TOTAL}
    value = kenya.set_index(["sex", "citizenship"])["obs_value"]
    assert value["M", "UGA"] == 10 and value[TOTAL, TOTAL] == 200
    assert "COMESA" in set(table["ref_area"])


def test_cells_two_tables_show_are_found_once():
    full = cube()
    tables = {
        name: slice_table(C, name, full)
        for name in ("population_by_citizenship", "population_by_birth_country")
    }
    again, shared = published_cells(C, "population_stock", tables)
    assert set(shared["table"]) == {"population_by_birth_country"}
    assert set(shared["first_table"]) == {"population_by_citizenship"}
    by_birth = tables["population_by_birth_country"].iloc[shared["row"]]
    assert set(by_birth["country_of_birth"]) == {TOTAL}  # sex totals of every country
    key = list(C.tables.internal("population_stock").key)
    assert not again.duplicated(key).any()
    shown = sum(len(t) for t in tables.values())
    assert len(again) == shown - len(shared)


@pytest.fixture
def definitions(tmp_path):
    target = tmp_path / "definitions"
    shutil.copytree(DEFAULT_DEFINITIONS_DIR, target)
    return target


def edit(definitions, name, change) -> None:
    path = definitions / name
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


@pytest.mark.parametrize(
    ("entry", "says"),
    [
        (
            {"dataset": "tourism", "dimensions": ["sex"], "label": "x"},
            "names dataset 'tourism'; the datasets are population_stock",
        ),
        (
            {"dataset": "immigration", "dimensions": ["sex", "reason"], "label": "x"},
            "names reason, not a dimension of immigration",
        ),
        (
            {"dataset": "residence_permits", "dimensions": ["sex"], "label": "x"},
            "leaves out permit_type, whose codes have no total (_T) to slice at",
        ),
        (
            {
                "dataset": "immigration",
                "dimensions": ["sex", "age", "citizenship", "country_of_birth", "purpose"],
                "label": "x",
            },
            "crosses 5 dimensions; a published table crosses at most 4",
        ),
    ],
)
def test_a_table_that_does_not_fit_is_refused_with_a_sentence(definitions, entry, says):
    edit(definitions, "dissemination.yaml", lambda d: d.update(broken=entry))
    with pytest.raises(ValueError, match=r"dissemination\.yaml: table broken") as raised:
        load_contract(definitions)
    assert says in str(raised.value)


def test_an_indicator_whose_source_is_not_published_is_refused(definitions):
    def drop_birth_tables(tables: dict) -> None:
        for name in ("population_by_birth_country", "population_by_citizenship_and_birth_country"):
            tables.pop(name)

    edit(definitions, "dissemination.yaml", drop_birth_tables)
    with pytest.raises(ValueError) as raised:
        load_contract(definitions)
    assert (
        "outputs.yaml: migrant_stock republishes population_stock by sex, country_of_birth, "
        "which no dissemination table publishes" in str(raised.value)
    )
