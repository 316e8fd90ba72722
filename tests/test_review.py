"""What a resubmission changes, holding large changes for review, and the review decisions."""

from __future__ import annotations

import json

import openpyxl
import pandas as pd
import pytest

from pipelines.cli import EXIT_OK, EXIT_USAGE, main
from pipelines.intake.accepted import in_force_rows
from pipelines.intake.impact import Impact
from pipelines.intake.review import ReviewError, approve, decline, held_submissions
from pipelines.intake.submit import submit
from pipelines.reports import write_report
from pipelines.reports.text import render_text
from pipelines.warehouse.registry import submissions_frame
from schemas.contract import load_contract

C = load_contract()

#: Uganda's population by citizenship for 2022 and 2023, with its grand totals.
FULL = b"""ref_area,time_period,citizenship,obs_value
UGA,2022,_T,45000000
UGA,2022,UGA,43300000
UGA,2022,KEN,1000000
UGA,2022,SSD,500000
UGA,2022,COD,200000
UGA,2023,_T,46000000
UGA,2023,UGA,44234677
UGA,2023,KEN,1105323
UGA,2023,SSD,460000
UGA,2023,COD,200000
"""
#: A revision of 2023: two values move a little, the total stays within 20%.
REVISED = b"""ref_area,time_period,citizenship,obs_value
UGA,2023,_T,46100000
UGA,2023,UGA,44334677
UGA,2023,KEN,1105323
UGA,2023,SSD,460000
UGA,2023,COD,200000
"""
#: The defect of the issue: three rows that would replace the whole of 2023.
THREE_ROWS = b"""ref_area,time_period,citizenship,obs_value
UGA,2023,_T,46000000
UGA,2023,UGA,44894583
UGA,2023,KEN,1105417
"""
#: Every cell kept, but the grand total 30% higher.
BIGGER = FULL.replace(b"46000000", b"59800000").replace(b"44234677", b"58034677")


def send(home, data: bytes, name: str = "uga.csv", **kw):
    settings, engine = home
    return submit(
        data,
        original_name=name,
        country="UGA",
        dataset="population_stock",
        settings=settings,
        engine=engine,
        **kw,
    )


def registry_row(home, submission_id: int) -> pd.Series:
    frame = submissions_frame(home[1])
    return frame[frame["id"] == submission_id].iloc[0]


def in_force_ids(home, years=(2022, 2023)) -> set[int]:
    rows = in_force_rows(home[0], home[1], "population_stock", "UGA", years)
    return set(rows["submission_id"].unique()) if len(rows) else set()


def test_a_first_submission_says_it_replaces_nothing(home):
    receipt = send(home, FULL)
    assert receipt.status == "accepted" and receipt.impact.first
    assert receipt.impact.years_new == (2022, 2023)
    text = "\n".join(receipt.lines())
    assert "First data for 2022, 2023: nothing was in force to replace." in text
    stored = Impact.from_dict(json.loads(registry_row(home, receipt.submission_id)["impact"]))
    assert stored == receipt.impact


def test_a_revision_says_what_it_changes_and_is_in_force(home):
    first = send(home, FULL)
    receipt = send(home, REVISED, name="uga_rev.csv")
    impact = receipt.impact
    assert receipt.status == "accepted" and not receipt.held
    assert impact.years_replaced == (2023,) and impact.replaces == (first.submission_id,)
    assert (impact.added, impact.removed, impact.revised) == (0, 0, 2)
    assert impact.in_force_cells == 5
    (total,) = impact.totals
    assert (total.time_period, total.old, total.new) == (2023, 46_000_000, 46_100_000)
    assert total.new - total.old == 100_000 and round(total.percent, 3) == 0.217
    lines = "\n".join(receipt.lines())
    assert f"Replaces submission {first.submission_id} for 2023: 0 cells added, 0 removed" in lines
    assert "Grand total 2023: 46,000,000 -> 46,100,000 (+0.2%)." in lines
    assert in_force_ids(home) == {first.submission_id, receipt.submission_id}


def test_three_rows_replacing_a_whole_year_are_held_and_change_nothing(home):
    first = send(home, FULL)
    receipt = send(home, THREE_ROWS, name="uga3.csv")
    assert receipt.status == "held for review" and receipt.accepted and receipt.held
    assert receipt.impact.removed == 2 and receipt.impact.in_force_cells == 5
    assert any(
        "would remove 2 of the 5 cells in force for 2023 (40.0%)" in r for r in receipt.held_reasons
    )
    text = "\n".join(receipt.lines())
    assert "HELD FOR REVIEW" in text and "Submission" in text
    row = registry_row(home, receipt.submission_id)
    assert row["status"] == "held for review" and "would remove" in row["held_reason"]
    # Not in force: the earlier submission still is, for both years.
    assert in_force_ids(home) == {first.submission_id}
    # Its report says so in every format.
    report = receipt.report
    assert report.status == "held for review"
    assert "HELD FOR REVIEW" in render_text(report)
    assert set(report.warnings["rule"]) == {"R12"}


def test_a_grand_total_moving_more_than_the_threshold_is_held(home):
    send(home, FULL)
    receipt = send(home, BIGGER, name="bigger.csv")
    assert receipt.held
    (reason,) = receipt.held_reasons
    assert "would change from 46,000,000 to 59,800,000 (+30.0%)" in reason
    assert "20%" in reason


def test_thresholds_come_from_the_definitions(home, tmp_path, monkeypatch):
    import shutil

    import yaml

    folder = tmp_path / "defs"
    shutil.copytree(C.path, folder)
    rules = yaml.safe_load((folder / "rules.yaml").read_text())
    rules["R12"]["removed_percent"] = 50
    (folder / "rules.yaml").write_text(yaml.safe_dump(rules, allow_unicode=True))
    send(home, FULL)
    receipt = send(home, THREE_ROWS, contract=load_contract(folder))
    assert receipt.status == "accepted"  # 40% removed is within a 50% threshold


def test_approval_puts_a_held_submission_in_force(home):
    settings, engine = home
    first = send(home, FULL)
    held = send(home, THREE_ROWS, name="uga3.csv")
    (queued,) = held_submissions(C, settings, engine)
    assert queued.record["id"] == held.submission_id and not queued.recomputed
    assert queued.impact.removed == 2 and queued.reasons
    approve(C, settings, engine, held.submission_id, by="A. Statistician", note="census")
    row = registry_row(home, held.submission_id)
    assert row["status"] == "accepted with warnings" and row["decision"] == "approved"
    assert row["decided_by"] == "A. Statistician" and row["decision_reason"] == "census"
    assert pd.notna(row["decided_at"])
    assert in_force_ids(home, [2023]) == {held.submission_id}
    assert in_force_ids(home, [2022]) == {first.submission_id}
    assert held_submissions(C, settings, engine) == []
    with pytest.raises(ReviewError, match="not held for review: it is accepted with warnings"):
        approve(C, settings, engine, held.submission_id, by="B")


def test_decline_keeps_the_data_in_force_and_needs_a_reason(home):
    _, engine = home
    first = send(home, FULL)
    held = send(home, THREE_ROWS, name="uga3.csv")
    with pytest.raises(ReviewError, match="needs a reason"):
        decline(engine, held.submission_id, by="A. Statistician", reason=" ")
    with pytest.raises(ReviewError, match="say who decides"):
        decline(engine, held.submission_id, by="", reason="incomplete")
    decline(engine, held.submission_id, by="A. Statistician", reason="only three rows")
    row = registry_row(home, held.submission_id)
    assert (row["status"], row["decision"], row["decision_reason"]) == (
        "declined",
        "declined",
        "only three rows",
    )
    assert in_force_ids(home) == {first.submission_id}


def test_an_outdated_held_submission_cannot_be_approved(home):
    settings, engine = home
    send(home, FULL)
    held = send(home, THREE_ROWS, name="uga3.csv")
    later = send(home, REVISED, name="uga_rev.csv")
    assert later.status == "accepted"
    with pytest.raises(ReviewError, match=f"submission {later.submission_id}, received later"):
        approve(C, settings, engine, held.submission_id, by="A. Statistician")
    # The queue shows its impact against what is in force now.
    (queued,) = held_submissions(C, settings, engine)
    assert queued.recomputed and queued.impact.replaces == (later.submission_id,)


def test_review_commands(home, monkeypatch, capsys):
    settings, _ = home
    monkeypatch.setenv("MIGSTATS_HOME", str(settings.home))
    monkeypatch.setenv("MIGSTATS_DATABASE_URL", settings.database_url)
    send(home, FULL)
    held = send(home, THREE_ROWS, name="uga3.csv", metadata={"notes": "2023 corrected"})
    sid = str(held.submission_id)
    assert main(["review"]) == EXIT_OK
    out = capsys.readouterr().out
    assert f"Submission {sid}: UGA population_stock, uga3.csv" in out
    assert "would remove 2 of the 5 cells" in out and "2023 corrected" in out
    assert f"migstats approve {sid} --by NAME" in out
    with pytest.raises(SystemExit):  # a decline without --reason is refused by the parser
        main(["decline", sid, "--by", "A. Statistician"])
    assert "--reason" in capsys.readouterr().err
    assert main(["approve", sid, "--by", "A. Statistician"]) == EXIT_OK
    assert f"Submission {sid} approved by A. Statistician" in capsys.readouterr().out
    assert main(["history", "--country", "UGA", "--dataset", "population_stock"]) == EXIT_OK
    out = capsys.readouterr().out
    assert "approved by A. Statistician" in out
    assert main(["approve", sid, "--by", "X"]) == EXIT_USAGE
    assert "is not held for review" in capsys.readouterr().err
    assert main(["review"]) == EXIT_OK
    assert "No submission is held for review." in capsys.readouterr().out


@pytest.mark.parametrize("suffix", [".json", ".html", ".xlsx", ".txt"])
def test_every_report_format_shows_the_impact(home, tmp_path, suffix):
    send(home, FULL)
    receipt = send(home, THREE_ROWS, name="uga3.csv")
    path = write_report(receipt.report, tmp_path / f"report{suffix}")
    if suffix == ".json":
        data = json.loads(path.read_text())
        assert data["status"] == "held for review"
        assert data["impact"]["removed"] == 2 and data["impact"]["summary"]
        text = json.dumps(data)
    elif suffix == ".xlsx":
        sheet = openpyxl.load_workbook(path)["summary"]
        text = " ".join(str(c.value) for row in sheet.iter_rows() for c in row)
    else:
        text = path.read_text()
    assert "Replaces submission" in text and "46,000,000" in text
    assert "held for review" in text.lower()


def test_the_demo_resubmissions_receive_their_expected_status(home):
    """sample_data/resubmissions/: each file, sent after the region, gets its `expected`."""
    import csv

    from pipelines.sample import SAMPLE_DIR, sample_files, submit_sample

    settings, engine = home
    with (SAMPLE_DIR / "resubmissions" / "manifest.csv").open(encoding="utf-8") as fh:
        expected = {row["file"]: row["expected"] for row in csv.DictReader(fh)}
    files = {f.path.name: f for f in sample_files()}
    for name, status in expected.items():
        again = files[name]
        (first,) = [
            f
            for f in files.values()
            if "region" in f.path.parts and (f.country, f.dataset) == (again.country, again.dataset)
        ]
        assert submit_sample(first, settings, engine).status == "accepted"
        assert submit_sample(again, settings, engine).status == status, name
