"""Disclosure control: small tables whose right answer is known, random tables, the demo."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from pipelines.disclosure import (
    SdcParameters,
    audit,
    audit_tables,
    load_parameters,
    protect_tables,
)
from pipelines.disclosure.intervals import exposed_cells
from pipelines.disclosure.modular import modular_suppression
from pipelines.disclosure.protect import PUBLISHED, primary_status, secondary_suppression
from pipelines.disclosure.system import build_system, prepared
from pipelines.regional import (
    migrant_stock,
    migration_matrix,
    mirror_flows,
    regional_table,
)
from pipelines.regional.dissemination import published_cells, slice_table
from pipelines.regional.membership import state_rows
from pipelines.validation import validate_file
from schemas.contract import TOTAL, load_contract
from tests.hash_seeds import SEEDS, run_under_seeds

C = load_contract()
REGION = Path(__file__).resolve().parents[1] / "sample_data" / "region"
#: The dissemination tables these tests publish: population by sex, age and citizenship, and
#: by sex, age and country of birth.
POP = "population_by_citizenship"
BIRTH = "population_by_birth_country"
HIDDEN = {"A", "S", "C"}


def harmonised(dataset: str, rows: list[dict]) -> pd.DataFrame:
    """A harmonised table as validate_file + submission_id give it; absent dimensions are _T."""
    frame = pd.DataFrame(rows)
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


def regional(dataset: str, rows: list[dict], aggregate: bool = True) -> pd.DataFrame:
    """The regional cube of `rows`; without the COMESA rows unless `aggregate`."""
    out = regional_table(C, dataset, harmonised(dataset, rows))
    return out if aggregate else state_rows(C, out).reset_index(drop=True)


def published(name: str, rows: list[dict], aggregate: bool = True) -> pd.DataFrame:
    """Dissemination table `name` of `rows` (a slice of its dataset's regional cube)."""
    dataset = C.tables.published(name).dataset
    return slice_table(C, name, regional(dataset, rows, aggregate))


def grid(area: str, rows: dict[str, dict[str, int]], column: str = "citizenship", **fixed):
    """Rows of a sex x `column` table: {sex: {code: value}}, at 2023."""
    return [
        {"ref_area": area, "time_period": 2023, "sex": sex, column: code, "obs_value": v, **fixed}
        for sex, cells in rows.items()
        for code, v in cells.items()
    ]


def status_of(frame: pd.DataFrame, **where) -> tuple[str, object]:
    """(conf_status, obs_value) of the one row matching `where`."""
    hit = frame
    for col, value in where.items():
        hit = hit[hit[col] == value]
    assert len(hit) == 1, where
    return hit["conf_status"].iloc[0], hit["obs_value"].iloc[0]


def suppressed_cells(frame: pd.DataFrame, *columns: str) -> dict[tuple, str]:
    """{key: conf_status} of the rows whose conf_status is A, D or C."""
    hit = frame[frame["conf_status"].isin(HIDDEN)]
    return {
        tuple(row[:-1]): row[-1]
        for row in hit[[*columns, "conf_status"]].itertuples(index=False, name=None)
    }


def assert_clean(tables: dict[str, pd.DataFrame], protected: dict[str, pd.DataFrame]) -> None:
    """The audit finds nothing, table by table and across tables."""
    for name in tables:
        found = audit(C, name, tables[name], protected[name])
        assert found.empty, found.to_string()
    found = audit_tables(C, tables, protected)
    assert found.empty, found.to_string()


TWO_BY_TWO = {
    "M": {"KEN": 1, "UGA": 10, TOTAL: 11},
    "F": {"KEN": 20, "UGA": 30, TOTAL: 50},
    TOTAL: {"KEN": 21, "UGA": 40, TOTAL: 61},
}


# -- hand-built tables -------------------------------------------------------------------------


def test_one_small_cell_of_a_two_way_table_is_hidden_in_a_rectangle():
    tables = {POP: published(POP, grid("KEN", TWO_BY_TWO), aggregate=False)}
    out, summary = protect_tables(C, tables)
    assert suppressed_cells(out[POP], "sex", "citizenship") == {
        ("M", "KEN"): "A",
        ("M", "UGA"): "S",
        ("F", "KEN"): "S",
        ("F", "UGA"): "S",
    }
    assert out[POP].loc[out[POP]["conf_status"].isin(HIDDEN), "obs_value"].isna().all()
    totals = out[POP][(out[POP]["sex"] == TOTAL) | (out[POP]["citizenship"] == TOTAL)]
    assert totals["obs_value"].notna().all()
    row = summary.set_index("table").loc[POP]
    assert (row.cells, row.primary, row.secondary, row.sender_confidential) == (9, 1, 3, 0)
    assert_clean(tables, out)


def test_each_year_is_protected_as_if_it_were_alone():
    # No relation crosses years, so protection and audit run a year at a time; the rows of
    # the two years come back in the order they were given, each year protected as alone.
    later = [
        {**r, "time_period": 2024, "obs_value": r["obs_value"] * 10}
        for r in grid("KEN", TWO_BY_TWO)
    ]
    both = published(POP, grid("KEN", TWO_BY_TWO) + later, aggregate=False)
    both = both.sample(frac=1, random_state=3).set_axis(range(100, 100 + len(both)))
    out, summary = protect_tables(C, {POP: both})
    assert out[POP].index.equals(both.index)
    assert out[POP][["ref_area", "time_period", "sex", "citizenship"]].equals(
        both[["ref_area", "time_period", "sex", "citizenship"]]
    )
    for year in (2023, 2024):
        alone, _ = protect_tables(C, {POP: both[both["time_period"] == year]})
        pd.testing.assert_frame_equal(out[POP][both["time_period"] == year], alone[POP])
    # 2023 hides a rectangle, 2024 (every value ten times) nothing: 4 of 18 cells
    row = summary.set_index("table").loc[POP]
    assert (row.cells, row.primary, row.secondary, row.suppressed_pct) == (18, 1, 3, 22.22)
    assert audit_tables(C, {POP: both}, out).empty
    # the audit's rows are positions in the whole table, whatever year they are in
    leaked = out[POP].copy()
    hidden = np.flatnonzero(leaked["conf_status"].eq("S").to_numpy())
    leaked.iloc[hidden[0], leaked.columns.get_loc("obs_value")] = both["obs_value"].iloc[hidden[0]]
    found = audit_tables(C, {POP: both}, {POP: leaked})
    assert hidden[0] in set(found["row"])


def test_nothing_else_changes():
    tables = {POP: published(POP, grid("KEN", TWO_BY_TWO), aggregate=False)}
    before = tables[POP].copy()
    out, _ = protect_tables(C, tables)
    pd.testing.assert_frame_equal(tables[POP], before)  # the input is not touched
    after = out[POP]
    assert list(after.columns) == list(before.columns)
    assert (after.dtypes == before.dtypes).all()
    rest = [c for c in before.columns if c not in ("obs_value", "conf_status")]
    pd.testing.assert_frame_equal(after[rest], before[rest])
    shown = after["obs_value"].notna()
    assert (after.loc[shown, "obs_value"] == before.loc[shown, "obs_value"]).all()


def test_the_comesa_aggregate_forces_a_second_state():
    rows = grid("KEN", {"M": {TOTAL: 2}, "F": {TOTAL: 50}, TOTAL: {TOTAL: 52}})
    rows += grid("UGA", {"M": {TOTAL: 30}, "F": {TOTAL: 40}, TOTAL: {TOTAL: 70}})
    tables = {POP: published(POP, rows)}
    out, _ = protect_tables(C, tables)
    assert suppressed_cells(out[POP], "ref_area", "sex") == {
        ("KEN", "M"): "A",
        ("KEN", "F"): "S",
        ("UGA", "M"): "S",
        ("UGA", "F"): "S",
    }
    assert status_of(out[POP], ref_area="COMESA", sex="M") == ("", 32)
    assert_clean(tables, out)


def test_the_modular_method_protects_each_state_alone_then_the_comesa_sums():
    rows = grid("KEN", {"M": {TOTAL: 2}, "F": {TOTAL: 50}, TOTAL: {TOTAL: 52}})
    rows += grid("UGA", {"M": {TOTAL: 30}, "F": {TOTAL: 40}, TOTAL: {TOTAL: 70}})
    frames = prepared({POP: published(POP, rows)})
    params = load_parameters(C)
    system = build_system(C, frames, params)
    sensitive = primary_status(system, params) != PUBLISHED
    calls = []

    def protector(part, must, min_interval):
        calls.append((sorted(set(part.cells["area"])), int(must.sum()), len(part.cells)))
        return secondary_suppression(part, must, min_interval)

    found = modular_suppression(system, sensitive, params.min_interval, protector)
    area = system.cells["area"].to_numpy()
    sex = frames[POP]["sex"].to_numpy()[system.cells["row"].to_numpy()]
    assert set(zip(area[found], sex[found], strict=True)) == {
        ("KEN", "M"),
        ("KEN", "F"),
        ("UGA", "M"),
        ("UGA", "F"),
    }
    # Kenya alone; the sums across areas (every suppressed cell sensitive there), which
    # force Uganda's M; Uganda alone with its M kept; the sums again, with nothing to add.
    # Kenya alone (its M and, to protect it, F); the sums across areas, where every
    # suppressed cell is sensitive: COMESA's M and F (and the fixed-composition aggregate's)
    # would give Kenya's away, so Uganda's M and F are kept; Uganda alone, with them; the
    # sums again, nothing to add. Each block holds one area's 3 cells.
    areas = ["COMESA", "COMESA21_2018", "KEN", "UGA"]
    assert calls == [(["KEN"], 1, 3), (areas, 2, 12), (["UGA"], 2, 3), (areas, 4, 12)]
    # the whole system has nothing to add to the modular pattern
    eq, cell = system.terms["eq"].to_numpy(), system.terms["cell"].to_numpy()
    total = system.terms["total"].to_numpy(bool)
    exposure = exposed_cells(system.values, found, eq, cell, total, params.min_interval)
    assert len(exposure.cells) == 0


def test_a_sender_confidential_cell_is_never_published_and_is_protected():
    rows = grid(
        "KEN",
        {
            "M": {"KEN": 50, "UGA": 10, TOTAL: 60},
            "F": {"KEN": 20, "UGA": 30, TOTAL: 50},
            TOTAL: {"KEN": 70, "UGA": 40, TOTAL: 110},
        },
    )
    secret = [r["sex"] == "M" and r["citizenship"] == "KEN" for r in rows]
    rows = [r | {"conf_status": "C"} if s else r for r, s in zip(rows, secret, strict=True)]
    tables = {POP: published(POP, rows, aggregate=False)}
    out, summary = protect_tables(C, tables)
    assert suppressed_cells(out[POP], "sex", "citizenship") == {
        ("M", "KEN"): "C",
        ("M", "UGA"): "S",
        ("F", "KEN"): "S",
        ("F", "UGA"): "S",
    }
    row = summary.set_index("table").loc[POP]
    assert (row.primary, row.secondary, row.sender_confidential) == (0, 3, 1)
    assert_clean(tables, out)


def test_zeros_are_never_primary_and_are_hidden_last():
    rows = grid(
        "KEN",
        {
            "M": {"KEN": 1, "UGA": 0, "RWA": 10, TOTAL: 11},
            "F": {"KEN": 20, "UGA": 0, "RWA": 30, TOTAL: 50},
            TOTAL: {"KEN": 21, "UGA": 0, "RWA": 40, TOTAL: 61},
        },
    )
    tables = {POP: published(POP, rows, aggregate=False)}
    out, _ = protect_tables(C, tables)
    cells = suppressed_cells(out[POP], "sex", "citizenship")
    assert cells == {("M", "KEN"): "A", ("M", "RWA"): "S", ("F", "KEN"): "S", ("F", "RWA"): "S"}
    zeros = {POP: published(POP, grid("KEN", {"M": {TOTAL: 0}}), False)}
    out, summary = protect_tables(C, zeros)
    assert status_of(out[POP], sex="M") == ("", 0)
    assert summary["primary"].sum() == 0


def test_the_threshold_is_a_parameter():
    rows = grid(
        "KEN",
        {
            "M": {"KEN": 4, "UGA": 10, TOTAL: 14},
            "F": {"KEN": 20, "UGA": 30, TOTAL: 50},
            TOTAL: {"KEN": 24, "UGA": 40, TOTAL: 64},
        },
    )
    tables = {POP: published(POP, rows, aggregate=False)}
    _, summary = protect_tables(C, tables)
    assert summary["primary"].sum() == 0
    out, summary = protect_tables(C, tables, load_parameters(C, threshold=5))
    assert summary["primary"].sum() == 1
    assert status_of(out[POP], sex="M", citizenship="KEN")[0] == "A"
    assert_clean(tables, out)


def test_parameters_come_from_the_definitions_and_go_to_the_release(tmp_path):
    params = load_parameters(C)
    assert params == SdcParameters(threshold=3, primary_status="A", secondary_status="S")
    meta = params.as_metadata()
    assert {k: meta[k] for k in ("threshold", "primary_status", "secondary_status")} == {
        "threshold": 3,
        "primary_status": "A",
        "secondary_status": "S",
    }
    assert meta["sender_status"] == "C" and meta["min_interval"] == 0.5
    assert "linear-programming" in meta["method"]

    (tmp_path / "disclosure.yaml").write_text("threshold: 10\n", encoding="utf-8")
    assert load_parameters(tmp_path).threshold == 10
    assert load_parameters(tmp_path / "disclosure.yaml", threshold=4).threshold == 4
    (tmp_path / "disclosure.yaml").write_text("treshold: 10\n", encoding="utf-8")
    with pytest.raises(ValueError, match="treshold"):
        load_parameters(tmp_path)
    with pytest.raises(ValueError, match="integer"):
        SdcParameters(threshold=2.5)
    with pytest.raises(ValueError, match="distinct"):
        SdcParameters(secondary_status="A")
    with pytest.raises(ValueError, match="not a documented conf_status"):
        load_parameters(C, primary_status="Q")


def test_a_matrix_cell_follows_the_population_cell_it_republishes():
    birth = {
        "M": {"KEN": 400, "UGA": 1, "RWA": 20, TOTAL: 421},
        "F": {"KEN": 500, "UGA": 29, "RWA": 30, TOTAL: 559},
        TOTAL: {"KEN": 900, "UGA": 30, "RWA": 50, TOTAL: 980},
    }
    cube = regional("population_stock", grid("KEN", birth, "country_of_birth"), aggregate=False)
    tables = {
        BIRTH: slice_table(C, BIRTH, cube),
        "migrant_stock": migrant_stock(C, cube),
        "migration_matrix": migration_matrix(C, cube),
    }
    out, _ = protect_tables(C, tables)
    source = suppressed_cells(out[BIRTH], "sex", "country_of_birth")
    assert source == {("M", "UGA"): "A", ("M", "RWA"): "S", ("F", "UGA"): "S", ("F", "RWA"): "S"}
    matrix = suppressed_cells(out["migration_matrix"], "sex", "counterpart_area")
    assert matrix == source
    stock = out["migrant_stock"]
    assert stock["obs_value"].notna().all()  # 21, 59 and 80 are what the totals already say
    assert_clean(tables, out)


BIRTH_BY_SEX = {
    "M": {"KEN": 9, "UGA": 2, TOTAL: 11},
    "F": {"KEN": 45, "UGA": 5, TOTAL: 50},
    TOTAL: {"KEN": 54, "UGA": 7, TOTAL: 61},
}


def two_tables() -> dict[str, pd.DataFrame]:
    """Kenya's population by sex x citizenship and by sex x country of birth: the sex totals
    (every citizenship, every country of birth) are in both tables."""
    rows = grid("KEN", TWO_BY_TWO)
    rows += [
        r for r in grid("KEN", BIRTH_BY_SEX, "country_of_birth") if r["country_of_birth"] != TOTAL
    ]
    cube = regional("population_stock", rows, aggregate=False)
    return {POP: slice_table(C, POP, cube), BIRTH: slice_table(C, BIRTH, cube)}


def test_a_cell_two_tables_show_is_one_cell_of_the_system():
    tables = two_tables()
    system = build_system(C, prepared(tables), load_parameters(C))
    copies = system.terms[system.terms["relation"].str.contains("the same cell in two tables")]
    assert copies["eq"].nunique() == 3  # M, F and _T, all ages, every country
    cells = system.cells.iloc[copies["cell"].to_numpy()]
    frames = prepared(tables)
    shown = {
        (table, tuple(frames[table].iloc[row][["sex", "age"]]))
        for table, row in zip(cells["table"], cells["row"], strict=True)
    }
    assert shown == {(t, (sex, TOTAL)) for t in (POP, BIRTH) for sex in ("M", "F", TOTAL)}
    out, _ = protect_tables(C, tables)
    for sex in ("M", "F", TOTAL):
        assert status_of(out[POP], sex=sex, age=TOTAL, citizenship=TOTAL) == status_of(
            out[BIRTH], sex=sex, age=TOTAL, country_of_birth=TOTAL
        )
    assert suppressed_cells(out[BIRTH], "sex", "country_of_birth")[("M", "UGA")] == "A"
    assert_clean(tables, out)


def test_the_regional_cube_is_not_a_published_table():
    cube = regional("population_stock", grid("KEN", TWO_BY_TWO), aggregate=False)
    with pytest.raises(ValueError, match="no table 'regional_population_stock' is published"):
        protect_tables(C, {"regional_population_stock": cube})


def mirror_tables(uganda_confidential: str = "") -> dict[str, pd.DataFrame]:
    """KEN reports 2 emigrants to UGA (a primary cell); UGA reports 5 immigrants from KEN,
    with conf_status `uganda_confidential`."""
    emi = regional(
        "emigration",
        [
            {"ref_area": "KEN", "time_period": 2023, "next_residence": c, "obs_value": v}
            for c, v in {"UGA": 2, "RWA": 40, "_O": 10, TOTAL: 52}.items()
        ],
        aggregate=False,
    )
    imm = regional(
        "immigration",
        [
            {
                "ref_area": "UGA",
                "time_period": 2023,
                "previous_residence": c,
                "obs_value": v,
                "conf_status": uganda_confidential if c == "KEN" else "",
            }
            for c, v in {"KEN": 5, "RWA": 30, TOTAL: 35}.items()
        ],
        aggregate=False,
    )
    return {
        "emigration_by_next_residence": slice_table(C, "emigration_by_next_residence", emi),
        "immigration_by_previous_residence": slice_table(
            C, "immigration_by_previous_residence", imm
        ),
        "mirror_flows": mirror_flows(C, emi, imm),
    }


def test_mirror_flows_hide_a_suppressed_side_and_its_ratio():
    tables = mirror_tables()
    out, summary = protect_tables(C, tables)
    flows = out["mirror_flows"].set_index(["origin_area", "destination_area"])
    ken_uga = flows.loc[("KEN", "UGA")]
    assert ken_uga["conf_status"] == "A"
    assert pd.isna(ken_uga["reported_by_origin"]) and np.isnan(ken_uga["ratio"])
    assert ken_uga["reported_by_destination"] == 5
    assert flows.loc[("KEN", "RWA"), "conf_status"] == ""
    assert list(out["mirror_flows"].columns) == list(tables["mirror_flows"].columns)
    assert "conf_status" in out["mirror_flows"].columns
    assert summary.set_index("table").loc["mirror_flows", "primary"] == 1
    assert_clean(tables, out)


def test_a_mirror_flow_repeating_a_confidential_cell_is_confidential():
    tables = mirror_tables(uganda_confidential="C")
    out, summary = protect_tables(C, tables)
    flows = out["mirror_flows"].set_index(["origin_area", "destination_area"])
    ken_uga = flows.loc[("KEN", "UGA")]
    assert ken_uga["conf_status"] == "C"  # both sides hidden: the strongest status shows
    assert pd.isna(ken_uga["reported_by_origin"]) and pd.isna(ken_uga["reported_by_destination"])
    assert summary.set_index("table").loc["mirror_flows", "sender_confidential"] == 1
    assert_clean(tables, out)


def test_tables_without_counts_pass_through_and_unknown_tables_are_refused():
    availability = pd.DataFrame(
        {
            "ref_area": ["KEN"],
            "dataset": ["population_stock"],
            "time_period": [2023],
            "status": ["missing"],
            "submission_id": pd.array([pd.NA], dtype="Int64"),
        }
    )
    out, summary = protect_tables(C, {"data_availability": availability})
    assert out["data_availability"] is availability
    assert summary["cells"].tolist() == [0]
    with pytest.raises(ValueError, match="no table 'secret_table' is published"):
        protect_tables(C, {"secret_table": availability})


def test_the_audit_finds_what_a_reader_would():
    tables = {POP: published(POP, grid("KEN", TWO_BY_TWO), aggregate=False)}
    primary_only = tables[POP].copy()
    small = primary_only["obs_value"].lt(3)
    primary_only.loc[small, "obs_value"] = pd.NA
    primary_only.loc[small, "conf_status"] = "A"
    found = audit(C, POP, tables[POP], primary_only)
    assert set(found["problem"]) >= {"the only suppressed cell of a relation"}
    assert any(p.startswith("linear programming bounds it to [1, 1]") for p in found["problem"])
    assert found["cell"].str.contains("sex=M").all()

    marked = tables[POP].assign(conf_status="A")
    problems = set(audit(C, POP, tables[POP], marked)["problem"])
    assert problems == {"conf_status says suppressed but every value is published"}


#: Protects a random stock table and its migrant_stock (linked) into <folder>/<seed>.pickle.
#: Tables of generator 0 have ties the heuristic breaks by cell and equation order, so any
#: order that follows string hashes (a set of table, dimension or code names) shows.
PROTECT_IN_A_PROCESS = """
import sys
import numpy as np
import pandas as pd
from pipelines.regional.dissemination import slice_table
from tests.test_disclosure import C, POP, migrant_stock, protect_tables, random_rows, regional

seed, folder = sys.argv[1:]
cube = regional("population_stock", random_rows(np.random.default_rng(0)))
tables = {POP: slice_table(C, POP, cube), "migrant_stock": migrant_stock(C, cube)}
out, summary = protect_tables(C, tables)
pd.to_pickle((out, summary), f"{folder}/{seed}.pickle")
"""


@pytest.mark.integration  # two processes
def test_protection_is_deterministic(tmp_path):
    """The same tables protected in two processes whose string hashes differ (so do the
    orders of sets of strings) suppress the same cells: in the same rows, the same summary."""
    run_under_seeds(PROTECT_IN_A_PROCESS, str(tmp_path))
    (first, first_summary), (second, second_summary) = (
        pd.read_pickle(tmp_path / f"{seed}.pickle") for seed in SEEDS
    )
    assert list(first) == list(second) == [POP, "migrant_stock"]
    assert first[POP]["conf_status"].isin(HIDDEN).any()  # there is something to get wrong
    for name in first:
        pd.testing.assert_frame_equal(first[name], second[name], obj=name)
    pd.testing.assert_frame_equal(first_summary, second_summary)


def test_relations_are_the_exact_sums_only():
    rows = grid("KEN", TWO_BY_TWO)
    # A foreign-only breakdown (no KEN) and a breakdown 1% off its total: no equation.
    rows += grid("UGA", {TOTAL: {"RWA": 10, "_O": 5, TOTAL: 900}})
    rows += grid("RWA", {"M": {TOTAL: 100}, "F": {TOTAL: 99}, TOTAL: {TOTAL: 201}})
    table = published(POP, rows, aggregate=False)
    system = build_system(C, {POP: table}, load_parameters(C))
    per_relation = system.terms.groupby("relation")["eq"].nunique().to_dict()
    assert per_relation == {f"{POP}: sex": 3, f"{POP}: citizenship": 3}
    areas = table["ref_area"].to_numpy()[system.cells["row"].to_numpy()]
    assert set(areas[system.terms["cell"].to_numpy()]) == {"KEN"}


# -- random tables -----------------------------------------------------------------------------


def random_rows(rng: np.random.Generator) -> list[dict]:
    """Two states' sex x age x citizenship cubes with every total, many cells below 3."""
    codes = {"sex": ["M", "F"], "age": ["Y0T4", "Y5T9", "Y10T14"], "citizenship": ["X", "_O"]}
    rows = []
    for area in ("KEN", "UGA"):
        own = dict(codes, citizenship=[area, "_O"])
        fine = pd.DataFrame(list(itertools.product(*own.values())), columns=list(own))
        fine["obs_value"] = rng.choice([0, 1, 2, 3, 5, 8, 20, 60], size=len(fine))
        fine["conf_status"] = np.where(rng.random(len(fine)) < 0.05, "C", "")
        frames = [fine]
        for k in (1, 2, 3):
            for subset in itertools.combinations(own, k):
                keep = [d for d in own if d not in subset]
                if keep:
                    tot = fine.groupby(keep, as_index=False)["obs_value"].sum()
                else:
                    tot = pd.DataFrame({"obs_value": [fine["obs_value"].sum()]})
                frames.append(tot.assign(**dict.fromkeys(subset, TOTAL), conf_status=""))
        cube = pd.concat(frames, ignore_index=True).assign(ref_area=area, time_period=2023)
        rows += cube.to_dict("records")
    return rows


def naive_widths(tables: dict[str, pd.DataFrame], out: dict[str, pd.DataFrame]) -> np.ndarray:
    """max - min of every suppressed cell by plain linprog over the whole system: a check of
    the audit's shortcuts (components, feasible points, closed forms)."""
    system = build_system(C, prepared(tables), load_parameters(C))
    values = system.values
    blank = np.concatenate([out[n]["obs_value"].isna().to_numpy() for n in system.shapes])
    hidden = np.flatnonzero(blank & ~np.isnan(values))
    terms = system.terms
    coef = np.where(terms["total"], 1.0, -1.0)
    dense = np.zeros((system.n_equations, len(values)))
    dense[terms["eq"], terms["cell"]] = coef
    matrix = dense[:, hidden]
    rhs = -(
        dense[:, np.setdiff1d(np.arange(len(values)), hidden)]
        @ np.nan_to_num(np.delete(values, hidden))
    )
    widths = []
    for i in range(len(hidden)):
        unit = np.zeros(len(hidden))
        unit[i] = 1.0
        low = linprog(unit, A_eq=matrix, b_eq=rhs, bounds=(0, None), method="highs")
        high = linprog(-unit, A_eq=matrix, b_eq=rhs, bounds=(0, None), method="highs")
        widths.append(np.inf if high.status == 3 else -high.fun - low.fun)
    return np.array(widths)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_cells_shown_wide_in_an_earlier_round_need_no_lp_and_change_nothing(seed):
    # Hiding more cells only adds points to the reader's polytope, so a cell shown to move
    # before still moves: the protection's later rounds skip its LP. Same answer either way.
    rng = np.random.default_rng(seed)
    tables = {POP: published(POP, random_rows(rng))}
    params = load_parameters(C)
    system = build_system(C, prepared(tables), params)
    eq, cell = system.terms["eq"].to_numpy(), system.terms["cell"].to_numpy()
    total = system.terms["total"].to_numpy(bool)
    values = system.values
    # most cells hidden: a random table with every margin pins a few hidden cells, not most
    first = primary_status(system, params) != PUBLISHED
    first |= rng.random(len(values)) < 0.85
    wide = np.zeros(len(values), bool)
    exposed_cells(values, first, eq, cell, total, 0.5, wide=wide)
    assert wide.any()
    later = first | (rng.random(len(values)) < 0.2)
    skipped = exposed_cells(values, later, eq, cell, total, 0.5, wide=wide.copy())
    every = exposed_cells(values, later, eq, cell, total, 0.5)
    assert np.array_equal(skipped.cells, every.cells)
    assert np.allclose(skipped.upper, every.upper) and np.allclose(skipped.lower, every.lower)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@pytest.mark.integration  # 12 drawn tables, each protected and audited by LP
@given(seed=st.integers(0, 2**32 - 1))
def test_any_random_table_is_clean_after_protection(seed):
    tables = {POP: published(POP, random_rows(np.random.default_rng(seed)))}
    out, _ = protect_tables(C, tables)
    assert_clean(tables, out)
    assert naive_widths(tables, out).min(initial=np.inf) >= 0.5
    hidden = out[POP]["conf_status"].isin(HIDDEN)
    assert out[POP].loc[hidden, "obs_value"].isna().all()
    before = tables[POP]
    small = before["obs_value"].between(1, 2) & before["conf_status"].ne("C")
    assert (out[POP]["conf_status"].eq("A") == small).all()


# -- the demo release --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo() -> dict[str, pd.DataFrame]:
    """The demo's unprotected published tables, built as the regional assets build them:
    every dissemination table and the linked indicators."""
    manifest = pd.read_csv(REGION / "manifest.csv", keep_default_na=False)
    parts: dict[str, list[pd.DataFrame]] = {}
    for sid, rec in enumerate(manifest.itertuples(index=False), start=1):
        report = validate_file(REGION / rec.file, country=rec.country, dataset=rec.dataset)
        assert report.accepted, rec.file
        rows = report.harmonised.assign(
            submission_id=pd.array([sid] * len(report.harmonised), dtype="Int64")
        )
        parts.setdefault(rec.dataset, []).append(rows)
    cubes = {ds: regional_table(C, ds, pd.concat(p, ignore_index=True)) for ds, p in parts.items()}
    tables = {
        m.name: slice_table(C, m.name, cubes[m.dataset])
        for m in C.tables.by_name.values()
        if m.dataset in cubes
    }
    tables["migrant_stock"] = migrant_stock(C, cubes["population_stock"], cubes["refugees"])
    tables["migration_matrix"] = migration_matrix(C, cubes["population_stock"])
    tables["mirror_flows"] = mirror_flows(C, cubes["emigration"], cubes["immigration"])
    return tables


@pytest.fixture(scope="module")
def protected(demo) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    return protect_tables(C, demo)


@pytest.mark.integration
def test_demo_audit_is_clean(demo, protected):
    out, _ = protected
    assert_clean(demo, out)


@pytest.mark.integration
def test_demo_hides_exactly_what_it_says(demo, protected):
    out, summary = protected
    counts = summary.set_index("table")
    for name, before in demo.items():
        after = out[name]
        if "obs_value" not in before:
            continue
        status = after["conf_status"]
        assert after.loc[status.isin(HIDDEN), "obs_value"].isna().all(), name
        vanished = after["obs_value"].isna() & before["obs_value"].notna()
        assert (vanished == status.isin(HIDDEN)).all(), name
        sender = before["conf_status"].eq("C")
        small = before["obs_value"].gt(0) & before["obs_value"].lt(3) & ~sender
        assert (status.eq("A") == small.fillna(False)).all(), name
        assert (status.eq("C") == sender).all(), name
        assert counts.loc[name, "primary"] == small.sum(), name
        assert counts.loc[name, "secondary"] == status.eq("S").sum(), name
        rest = [c for c in before.columns if c not in ("obs_value", "conf_status")]
        pd.testing.assert_frame_equal(after[rest], before[rest])
    assert counts["primary"].sum() > 1000 and counts["sender_confidential"].sum() == 9


@pytest.mark.integration
def test_demo_a_cell_shown_twice_has_one_status(demo, protected):
    """Every cell two dissemination tables share is hidden in both or in neither."""
    out, _ = protected
    for dataset in C.datasets:
        _, shared = published_cells(C, dataset, out)
        for (table, first), pairs in shared.groupby(["table", "first_table"]):
            mine = out[table]["conf_status"].to_numpy()[pairs["row"].to_numpy()]
            theirs = out[first]["conf_status"].to_numpy()[pairs["first_row"].to_numpy()]
            assert (mine == theirs).all(), (table, first)


@pytest.mark.integration
def test_demo_mirror_flows_say_which_side_is_hidden(demo, protected):
    out, _ = protected
    flows = out["mirror_flows"]
    values = flows[["reported_by_origin", "reported_by_destination"]]
    before = demo["mirror_flows"][["reported_by_origin", "reported_by_destination"]]
    hidden = (values.isna() & before.notna()).any(axis=1)
    assert (flows["conf_status"].isin(HIDDEN) == hidden).all()
    assert flows.loc[hidden, "ratio"].isna().all()


@pytest.mark.integration
def test_a_protection_memo_protects_again_only_what_changed(demo, protected, tmp_path):
    """Patterns kept between publications (pipelines.disclosure.memo): the same tables take
    every year's pattern as it was; a revision of one state's year protects that year again,
    taking the other states' blocks as they were; every result equals protecting afresh."""
    from pipelines.disclosure.memo import ProtectionMemo

    def same(got: dict[str, pd.DataFrame], want: dict[str, pd.DataFrame]) -> None:
        assert got.keys() == want.keys()
        for name in want:
            pd.testing.assert_frame_equal(got[name], want[name])

    years = sorted({int(y) for t in demo.values() if "time_period" in t for y in t["time_period"]})
    first = ProtectionMemo(tmp_path)
    same(protect_tables(C, demo, memo=first)[0], protected[0])
    # every year and block solved (a block equal to one already solved, even of another
    # year or state, is taken from the memo within the same protection too)
    assert first.misses > len(years)

    again = ProtectionMemo(tmp_path)
    same(protect_tables(C, demo, memo=again)[0], protected[0])
    assert (again.hits, again.misses) == (len(years), 0)  # each year whole, nothing solved

    # Kenya revises its last year: every Kenyan value of that year doubled
    year = years[-1]
    revised = {}
    for name, table in demo.items():
        table = table.copy()
        if {"ref_area", "time_period"} <= set(table.columns):
            hit = (table["ref_area"] == "KEN") & (table["time_period"] == year)
            for column in ("obs_value", "stock", "foreign"):
                if column in table and pd.api.types.is_numeric_dtype(table[column]):
                    table.loc[hit, column] = table.loc[hit, column] * 2
        revised[name] = table
    fresh = protect_tables(C, revised)[0]
    after = ProtectionMemo(tmp_path)
    same(protect_tables(C, revised, memo=after)[0], fresh)
    # the earlier years whole, and in the revised year the blocks that did not change
    assert after.hits > len(years) - 1 and after.misses >= 2  # that year, Kenya's block

    # An entry that cannot be read is computed again, with the same result.
    for path in tmp_path.glob("*.npy"):
        path.write_bytes(b"not a pattern")
    broken = ProtectionMemo(tmp_path)
    same(protect_tables(C, revised, memo=broken)[0], fresh)
    assert broken.misses >= len(years)  # no year read back

    # Pruning keeps what the last protection read, and the blocks its years were made of:
    # after a publication that read each year whole, another revision of Kenya's year
    # still finds the other states' blocks of that year.
    broken.forget_unused()
    whole = ProtectionMemo(tmp_path)
    same(protect_tables(C, revised, memo=whole)[0], fresh)
    assert (whole.hits, whole.misses) == (len(years), 0)
    assert whole.forget_unused() == 0
    twice = {name: t.copy() for name, t in revised.items()}
    for table in twice.values():
        if {"ref_area", "time_period", "obs_value"} <= set(table.columns):
            hit = (table["ref_area"] == "KEN") & (table["time_period"] == year)
            table.loc[hit, "obs_value"] = table.loc[hit, "obs_value"] * 3
    last = ProtectionMemo(tmp_path)
    same(protect_tables(C, twice, memo=last)[0], protect_tables(C, twice)[0])
    assert last.hits > len(years) - 1
