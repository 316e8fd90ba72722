"""Intake: files kept byte for byte by content, duplicates, supersession, drop folders."""

from __future__ import annotations

import json
import os
import time

import pandas as pd

from pipelines.intake.accepted import accepted_rows
from pipelines.intake.archive import sha256_of
from pipelines.intake.inbox import RECEIPT_SUFFIX, process_inbox
from pipelines.intake.submit import submit
from pipelines.intake.supersede import in_force
from pipelines.warehouse.registry import submissions_frame

V2023 = (
    b"ref_area,time_period,sex,obs_value\nKEN,2022,M,5\nKEN,2022,F,7\nKEN,2023,M,6\nKEN,2023,F,8\n"
)
V2023_REVISED = b"ref_area,time_period,sex,obs_value\nKEN,2023,M,7\nKEN,2023,F,8\n"
BAD = b"ref_area,time_period,sex,obs_value\nKEN,2023,X,5\n"


def send(home, data, name="ken.csv", **kw):
    settings, engine = home
    kw.setdefault("country", "KEN")
    kw.setdefault("dataset", "immigration")
    return submit(data, original_name=name, settings=settings, engine=engine, **kw)


def test_file_is_kept_byte_for_byte_under_a_generated_name(home):
    settings, engine = home
    receipt = send(
        home, V2023, name="../../etc/passwd;rm -rf.csv", metadata={"data_source": "REGISTER"}
    )
    assert receipt.accepted and receipt.years == [2022, 2023]
    row = submissions_frame(engine).iloc[0]
    stored = settings.archive_dir / row["stored_path"]
    assert stored.read_bytes() == V2023
    assert stored.name == f"{sha256_of(V2023)}.csv"
    assert stored.resolve().is_relative_to(settings.archive_dir.resolve())
    assert row["original_name"] == "../../etc/passwd;rm -rf.csv"
    assert row["sha256"] == sha256_of(V2023) and row["size"] == len(V2023)
    assert row["data_source"] == "REGISTER" and row["residence_criterion"] is None
    report = json.loads((settings.archive_dir / row["report_path"]).read_text())
    assert report["status"] == "accepted"


def test_rejected_file_is_kept_with_its_report(home):
    settings, engine = home
    receipt = send(home, BAD)
    assert not receipt.accepted and receipt.errors == 1
    row = submissions_frame(engine).iloc[0]
    assert (settings.archive_dir / row["stored_path"]).read_bytes() == BAD
    assert pd.isna(row["rows_path"])
    assert json.loads((settings.archive_dir / row["report_path"]).read_text())["errors"] == 1


def test_identical_resend_is_a_duplicate(home):
    _, engine = home
    first = send(home, V2023)
    again = send(home, V2023, name="renamed.csv")
    assert again.duplicate_of == first.submission_id
    assert len(submissions_frame(engine)) == 1
    other_state = send(home, V2023.replace(b"KEN", b"UGA"), country="UGA")
    assert other_state.duplicate_of is None


def test_later_accepted_submission_supersedes_the_years_it_covers(home):
    settings, engine = home
    first = send(home, V2023)
    second = send(home, V2023_REVISED, name="revised.csv")
    send(home, BAD, name="broken.csv")  # rejected: changes nothing
    rows = in_force(accepted_rows(settings, engine, "immigration", "KEN"))
    by_year = rows.groupby("time_period")["submission_id"].unique().to_dict()
    assert list(by_year["2022"]) == [first.submission_id]
    assert list(by_year["2023"]) == [second.submission_id]
    assert sorted(rows.loc[rows["time_period"] == "2023", "obs_value"]) == ["7", "8"]
    assert len(submissions_frame(engine)) == 3  # the earlier one stays in the archive


def test_drop_folder_files_are_processed_once_by_content(home):
    settings, engine = home
    folder = settings.inbox_for("KEN", "immigration")
    folder.mkdir(parents=True)
    path = folder / "kenya 2023.csv"
    path.write_bytes(V2023)
    old = time.time() - 600
    os.utime(path, (old, old))
    seen = settings.home / "inbox-state.json"
    assert process_inbox(settings, engine) == []  # first look: noted, not taken
    state = json.loads(seen.read_text())
    state[str(path)][2] -= 600  # as if the first look was ten minutes ago
    seen.write_text(json.dumps(state))
    receipts = process_inbox(settings, engine)
    assert [r.status for r in receipts] == ["accepted"]
    done = folder / "processed"
    assert not path.exists()  # taken: it left the drop folder, never to be read again
    assert (done / "kenya 2023.csv").read_bytes() == V2023
    assert "ACCEPTED" in (done / f"kenya 2023.csv{RECEIPT_SUFFIX}").read_text()
    # dropped again, under its name and another: the same submission, said in a receipt
    (folder / "kenya 2023.csv").write_bytes(V2023)
    (folder / "copy.csv").write_bytes(V2023)
    assert process_inbox(settings, engine, settle_seconds=0) == []
    assert len(submissions_frame(engine)) == 1
    assert "identical to submission" in (done / f"copy.csv{RECEIPT_SUFFIX}").read_text()
    again = [p for p in done.iterdir() if p.name.endswith(f"kenya 2023.csv{RECEIPT_SUFFIX}")]
    assert len(again) == 2  # the first receipt is kept; the second has a time prefix
    assert sorted(p.name for p in folder.iterdir()) == ["processed"]


def test_a_file_still_arriving_waits(home):
    settings, engine = home
    folder = settings.inbox_for("UGA", "refugees")
    folder.mkdir(parents=True)
    (folder / "partial.csv").write_bytes(b"ref_area,time_pe")
    assert process_inbox(settings, engine) == []


def test_unknown_folders_are_ignored(home):
    settings, engine = home
    for country, dataset in [("TZA", "immigration"), ("KEN", "immigrants")]:
        folder = settings.inbox_for(country, dataset)
        folder.mkdir(parents=True)
        (folder / "x.csv").write_bytes(V2023)
    assert process_inbox(settings, engine, settle_seconds=0) == []


def test_a_pinned_registry_says_whose_cells_a_rebuild_reads():
    from pipelines.intake.pinned import CELLS_READ, pinned_registry

    registry = pd.DataFrame(
        {
            "id": [1, 2, 3],
            "status": ["accepted", "accepted", "rejected"],
            "rows_path": ["1.parquet", "2.parquet", None],
            "decided_at": [None, None, None],
        }
    )
    assert pinned_registry(registry)[CELLS_READ].tolist() == [True, True, False]
    pinned = pinned_registry(registry, submission_ids=[2])
    assert pinned[CELLS_READ].tolist() == [False, True, False]
    # the other submissions stay listed as they are (data_availability shows them)
    pd.testing.assert_series_equal(pinned["rows_path"], registry["rows_path"])
