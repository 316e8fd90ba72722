"""Vintages, revision reports between vintages and releases, and rebuilding a release."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from pipelines.cli import EXIT_OK, main
from pipelines.intake.submit import submit
from pipelines.orchestrate import prepare_instance
from pipelines.revisions.compare import compare_cells, summarise
from pipelines.revisions.history import vintages
from pipelines.revisions.releases import compare_tables, load_release
from pipelines.revisions.vintages import compare_vintages
from pipelines.settings import Settings
from pipelines.warehouse.engine import make_engine
from pipelines.warehouse.registry import ensure_registry, submissions_frame
from schemas.contract import load_contract
from tests.hash_seeds import CONSOLIDATE, run_under_seeds

C = load_contract()
FIRST = (
    b"ref_area,time_period,sex,obs_value\n"
    b"KEN,2022,M,50\nKEN,2022,F,70\nKEN,2023,M,60\nKEN,2023,F,80\n"
)
SECOND = b"ref_area,time_period,sex,obs_value,obs_status\nKEN,2023,M,65,p\nKEN,2023,F,80,\n"


def test_compare_cells_names_every_kind_of_change():
    key = ["k"]
    old = pd.DataFrame(
        {"k": ["a", "b", "c", "d"], "obs_value": [1, 2, 3, 4], "obs_status": ["", "", "", ""]}
    )
    new = pd.DataFrame(
        {"k": ["a", "b", "c", "e"], "obs_value": [1, 5, 3, 6], "obs_status": ["", "", "p", ""]}
    )
    changes = compare_cells(old, new, key)
    assert dict(zip(changes["k"], changes["change"], strict=True)) == {
        "b": "revised",
        "c": "reflagged",
        "d": "removed",
        "e": "added",
    }
    b = changes[changes["k"] == "b"].iloc[0]
    assert (b["old_value"], b["new_value"], b["difference"], b["percent"]) == (2, 5, 3, 150.0)
    assert summarise(changes) == {"added": 1, "removed": 1, "revised": 1, "reflagged": 1}


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    root = tmp_path_factory.mktemp("rev")
    patch = pytest.MonkeyPatch()
    patch.setenv("MIGSTATS_HOME", str(root / "home"))
    patch.setenv("DAGSTER_HOME", str(root / "dagster"))
    patch.delenv("MIGSTATS_DATABASE_URL", raising=False)
    settings = Settings.from_env()
    engine = make_engine(settings.database_url)
    ensure_registry(engine)
    releases = []
    for data, name in ((FIRST, "first.csv"), (SECOND, "second.csv")):
        receipt = submit(
            data,
            original_name=name,
            country="KEN",
            dataset="immigration",
            settings=settings,
            engine=engine,
        )
        assert receipt.accepted
        run_under_seeds(CONSOLIDATE, seeds=["1"])  # the rebuilds run under 2
        releases.append(sorted(p.name for p in settings.releases_dir.iterdir())[-1])
    yield settings, engine, releases
    patch.undo()


@pytest.mark.integration
def test_history_lists_vintages_and_the_years_in_force(home):
    _, engine, _ = home
    table = vintages(submissions_frame(engine, country="KEN", dataset="immigration"))
    assert table["in_force_for"].tolist() == ["2022", "2023"]
    assert main(["history", "--country", "KEN", "--dataset", "immigration"]) == EXIT_OK


@pytest.mark.integration
def test_revision_between_vintages_cell_by_cell(home):
    settings, engine, _ = home
    old_id, new_id, changes = compare_vintages(
        C, settings, engine, country="KEN", dataset="immigration"
    )
    assert (old_id, new_id) == (1, 2)
    by_sex = changes.set_index("sex")
    assert by_sex.loc["M", "change"] == "revised" and by_sex.loc["M", "new_value"] == 65
    assert by_sex.loc["_T", "old_value"] == 140 and by_sex.loc["_T", "new_value"] == 145
    assert "F" not in by_sex.index  # unchanged cells are left out
    assert set(changes["time_period"]) == {2023}  # only the years both cover


@pytest.mark.integration
def test_revision_between_releases(home, tmp_path):
    settings, _, (first, second) = home
    changes = compare_tables(
        C, load_release(settings.releases_dir / first), load_release(settings.releases_dir / second)
    )
    imm = changes["immigration_by_citizenship"]
    revised = imm[(imm["ref_area"] == "KEN") & (imm["change"] == "revised")]
    assert set(revised["sex"]) == {"M", "_T"}
    report = tmp_path / "rev.csv"
    assert main(["revisions", "--release", first, second, "--report", str(report)]) == EXIT_OK
    assert "immigration_by_citizenship" in report.read_text(encoding="utf-8-sig")


#: Rebuilds the releases named after the folder; writes {release: {table: differing cells}}
#: to <folder>/<seed>.json.
REBUILD_IN_A_PROCESS = """
import json
import sys
from pathlib import Path
from pipelines.orchestrate import rebuild
from pipelines.settings import Settings

seed, folder, *releases = sys.argv[1:]
settings = Settings.from_env()
found = {
    release: {
        name: frame.to_dict("records")
        for name, frame in rebuild(settings, release).items()
        if len(frame)
    }
    for release in releases
}
Path(folder, f"{seed}.json").write_text(json.dumps(found, default=str), encoding="utf-8")
"""


@pytest.mark.integration
def test_every_release_is_kept_and_rebuilds_identically(home, tmp_path):
    """Every release rebuilt from the archive in a process whose string hashes (so the orders
    of sets of strings) differ from those of the process that made it: no cell differs."""
    settings, _, releases = home
    run_under_seeds(REBUILD_IN_A_PROCESS, str(tmp_path), *releases, seeds=["2"])
    found = json.loads((tmp_path / "2.json").read_text(encoding="utf-8"))
    assert found == {r: {} for r in releases}, found
    # The second release took the patterns of what Kenya's revision left unchanged from
    # the protection memo the first left (its year 2022); the rebuild, in a scratch store
    # with no memo, protected everything afresh: the same cells.
    instance = prepare_instance(settings)
    (last,) = instance.get_run_records(limit=1)
    said = [
        e.user_message
        for e in instance.all_logs(last.dagster_run.run_id)
        if "unchanged since the last publication" in e.user_message
    ]
    assert said and not said[0].startswith("disclosure control: 0 of"), said


@pytest.mark.integration
def test_each_published_cell_traces_to_its_submission_file_and_row(home):
    settings, engine, (_, second) = home
    cells = load_release(settings.releases_dir / second)["immigration_by_citizenship"]
    m2023 = cells[
        (cells["ref_area"] == "KEN") & (cells["time_period"] == 2023) & (cells["sex"] == "M")
    ].iloc[0]
    registry = submissions_frame(engine).set_index("id")
    assert registry.loc[m2023["submission_id"], "original_name"] == "second.csv"
    assert m2023["source_row"] == 2  # the row Excel shows in second.csv
    m2022 = cells[
        (cells["ref_area"] == "KEN") & (cells["time_period"] == 2022) & (cells["sex"] == "M")
    ].iloc[0]
    assert registry.loc[m2022["submission_id"], "original_name"] == "first.csv"


def test_revisions_of_a_vintage_that_removes_cells_print_without_failing(
    tmp_path, monkeypatch, capsys
):
    """A later (approved) submission that drops cells: the report shows them as removed."""
    from pipelines.intake.review import approve

    monkeypatch.setenv("MIGSTATS_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("MIGSTATS_DATABASE_URL", raising=False)
    settings = Settings.from_env()
    engine = make_engine(settings.database_url)
    ensure_registry(engine)
    for data, name in (
        (FIRST, "first.csv"),
        (b"ref_area,time_period,sex,obs_value\nKEN,2023,M,60\n", "m.csv"),
    ):
        receipt = submit(
            data,
            original_name=name,
            country="KEN",
            dataset="immigration",
            settings=settings,
            engine=engine,
        )
    assert receipt.held  # two of 2023's three cells would go
    approve(C, settings, engine, receipt.submission_id, by="A. Statistician")
    capsys.readouterr()
    assert main(["revisions", "--country", "KEN", "--dataset", "immigration"]) == EXIT_OK
    assert "0 added, 2 removed, 0 revised" in capsys.readouterr().out
