"""Footnotes: metadata deviations and partial aggregates reach the published cells."""

from __future__ import annotations

import pandas as pd

from pipelines.footnotes import add_footnotes
from schemas.contract import load_contract

C = load_contract()


def regional() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "ref_area": ["DJI", "DJI", "KEN", "COMESA", "COMESA"],
            "time_period": [2023, 2023, 2023, 2023, 2022],
            "sex": ["M", "F", "_T", "_T", "_T"],
            "obs_value": pd.array([1, 2, 3, 6, 5], dtype="Int64"),
            "obs_status": ["D", "", "", "", ""],
            "conf_status": [""] * 5,
            "n_reporting": [1, 1, 1, 2, 21],
            "n_members": [1, 1, 1, 21, 21],
            "submission_id": pd.array([5, 5, 7, None, None], dtype="Int64"),
        }
    )


REGISTRY = pd.DataFrame(
    {
        "id": [5, 7],
        "data_source": ["SURVEY", "REGISTER"],
        "residence_criterion": ["6M", "12M"],
        "notes": ["Labour force survey.", None],
    }
)


def test_deviations_and_partial_aggregates_become_footnotes():
    tables, notes = add_footnotes(C, {"regional_immigration": regional()}, REGISTRY)
    kinds = {(r.ref_area, r.text.split(":")[0]) for r in notes.itertuples()}
    assert ("DJI", "DJI 2023, immigration") in kinds
    assert ("COMESA", "COMESA 2023") in kinds
    assert not any(r.ref_area == "KEN" for r in notes.itertuples())  # 12M register: nothing
    assert not any(r.time_period == 2022 for r in notes.itertuples())  # all 21 reported
    texts = dict(zip(notes["code"], notes["text"], strict=True))
    cells = tables["regional_immigration"]
    dji_m = cells.loc[0, "footnotes"].split()
    assert any("6 months" in texts[c] for c in dji_m)
    assert any("sample survey" in texts[c] for c in dji_m)
    assert any("flagged D" in texts[c] and "Labour force survey." in texts[c] for c in dji_m)
    assert not any("flagged D" in texts[c] for c in cells.loc[1, "footnotes"].split())
    assert cells.loc[2, "footnotes"] == "" and cells.loc[4, "footnotes"] == ""
    assert "covers only" in texts[cells.loc[3, "footnotes"]]


def test_an_undeclared_residence_criterion_is_footnoted_not_taken_for_12_months():
    registry = REGISTRY.assign(residence_criterion=["6M", None])
    _, notes = add_footnotes(C, {"regional_immigration": regional()}, registry)
    ken = notes[notes["ref_area"] == "KEN"]
    assert list(ken["kind"]) == ["residence_criterion_undeclared"]
    assert "was not declared" in ken["text"].iloc[0]


def test_same_inputs_same_codes():
    first = add_footnotes(C, {"regional_immigration": regional()}, REGISTRY)
    second = add_footnotes(C, {"regional_immigration": regional()}, REGISTRY)
    pd.testing.assert_frame_equal(first[1], second[1])
