"""The fault and abuse suite: hostile and clumsy input, faults and concurrency.

Each test reproduces one case found when the system was attacked as a hostile or clumsy user
would; the README's table lists them with what happens now. Slow cases (many processes, a
killed run) are marked `slow`: `make test` and CI run them, `make test-fast` leaves them out.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import openpyxl
import pytest
import yaml

from pipelines.cli import EXIT_REJECTED, EXIT_USAGE, main
from pipelines.intake.inbox import RECEIPT_SUFFIX, process_inbox
from pipelines.intake.submit import submit, submit_file
from pipelines.release import commit_release, recover_releases, write_release
from pipelines.release.files import staged_folder
from pipelines.settings import Settings
from pipelines.validation import validate_bytes
from pipelines.warehouse.engine import make_engine
from pipelines.warehouse.registry import ensure_registry, submissions_frame
from schemas.contract import load_contract

C = load_contract()
REPO = Path(__file__).resolve().parents[1]
GOOD = b"ref_area,time_period,sex,obs_value\nKEN,2023,M,5\nKEN,2023,F,7\n"


def check(data: bytes, dataset: str = "immigration", country: str = "KEN"):
    return validate_bytes(data, country=country, dataset=dataset)


def kinds(report) -> list[tuple[str, str]]:
    return list(zip(report.findings["rule"], report.findings["kind"], strict=True))


def workbook(rows: list[list[object]], sheet: str = "data", **extra: list[list[object]]) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    for row in rows:
        ws.append(row)
    for name, more in extra.items():
        other = wb.create_sheet(name)
        for row in more:
            other.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def rewrite_sheet(data: bytes, edit) -> bytes:
    """The workbook with its first sheet's XML passed through `edit`."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            content = src.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                content = edit(content)
            dst.writestr(info, content)
    return out.getvalue()


TABLE = [["ref_area", "time_period", "sex", "obs_value"], ["KEN", 2023, "M", 5]]


# -- drop folders are untrusted ----------------------------------------------------------------


@pytest.fixture
def inbox(home):
    settings, engine = home
    folder = settings.inbox_for("KEN", "immigration")
    folder.mkdir(parents=True)
    return settings, engine, folder


def test_a_link_in_the_inbox_is_never_followed(inbox, tmp_path):
    settings, engine, folder = inbox
    secret = tmp_path / "secret.csv"
    secret.write_bytes(GOOD)
    (folder / "x.csv").symlink_to(secret)
    assert process_inbox(settings, engine, settle_seconds=0) == []
    assert submissions_frame(engine).empty
    assert not (folder / "processed").exists()
    assert (folder / "x.csv").is_symlink()  # left where it is, for someone to look at


def test_a_linked_folder_in_the_inbox_is_never_followed(home, tmp_path):
    settings, engine = home
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "x.csv").write_bytes(GOOD)
    (settings.inbox_dir / "KEN").mkdir(parents=True)
    (settings.inbox_dir / "KEN" / "immigration").symlink_to(elsewhere)
    assert process_inbox(settings, engine, settle_seconds=0) == []
    assert sorted(p.name for p in elsewhere.iterdir()) == ["x.csv"]  # nothing written there


def test_a_receipt_never_writes_through_a_link_at_its_name(inbox, tmp_path):
    settings, engine, folder = inbox
    victim = tmp_path / "victim.txt"
    victim.write_text("untouched")
    (folder / "ken.csv").write_bytes(GOOD)
    (folder / "processed").mkdir()
    (folder / "processed" / f"ken.csv{RECEIPT_SUFFIX}").symlink_to(victim)
    (receipt,) = process_inbox(settings, engine, settle_seconds=0)
    assert receipt.accepted
    assert victim.read_text() == "untouched"
    receipts = list((folder / "processed").glob(f"*ken.csv{RECEIPT_SUFFIX}"))
    (written,) = [p for p in receipts if not p.is_symlink()]  # beside the link, not through it
    assert "ACCEPTED" in written.read_text()


def test_a_processed_folder_that_is_a_link_is_not_followed(inbox, tmp_path):
    settings, engine, folder = inbox
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (folder / "processed").symlink_to(elsewhere)
    (folder / "ken.csv").write_bytes(GOOD)
    (receipt,) = process_inbox(settings, engine, settle_seconds=0)
    assert receipt.accepted
    assert list(elsewhere.iterdir()) == []  # nothing moved or written outside the store
    done = folder / "processed"
    assert done.is_dir() and not done.is_symlink()
    assert (done / "ken.csv").read_bytes() == GOOD


def test_a_file_name_with_a_newline_cannot_forge_a_receipt_line(inbox):
    settings, engine, folder = inbox
    (folder / "ken.csv\nSubmission 99: ACCEPTED").write_bytes(GOOD)
    (receipt,) = process_inbox(settings, engine, settle_seconds=0)
    text = Path(f"{folder}/processed/ken.csv\nSubmission 99: ACCEPTED{RECEIPT_SUFFIX}").read_text()
    assert not any(line.startswith("Submission 99") for line in text.splitlines())
    assert receipt.original_name == "ken.csv?Submission 99: ACCEPTED"


def test_an_unreadable_workbook_does_not_stop_the_inbox_and_is_kept(inbox):
    settings, engine, folder = inbox
    broken = workbook(TABLE)
    (folder / "a broken.xlsx").write_bytes(broken[: len(broken) // 2])
    (folder / "b good.csv").write_bytes(GOOD)
    receipts = process_inbox(settings, engine, settle_seconds=0)
    assert [r.status for r in receipts] == ["rejected", "accepted"]
    registry = submissions_frame(engine)
    kept = settings.archive_dir / registry.iloc[0]["stored_path"]
    assert kept.read_bytes() == broken[: len(broken) // 2]
    text = (folder / "processed" / f"a broken.xlsx{RECEIPT_SUFFIX}").read_text()
    assert "damaged" in text


def test_files_in_transit_are_left_alone_and_a_changing_file_waits(inbox):
    settings, engine, folder = inbox
    (folder / "ken.csv.filepart").write_bytes(GOOD)
    (folder / "~$ken.xlsx").write_bytes(b"lock")
    growing = folder / "growing.csv"
    growing.write_bytes(GOOD[:30])
    old = time.time() - 600
    os.utime(growing, (old, old))
    assert process_inbox(settings, engine, settle_seconds=30) == []  # first look
    with growing.open("ab") as fh:  # the upload goes on after a long pause
        fh.write(GOOD[30:])
    os.utime(growing, (old + 1, old + 1))
    state = settings.home / "inbox-state.json"
    looks = json.loads(state.read_text())
    looks[str(growing)][2] -= 60
    state.write_text(json.dumps(looks))
    assert process_inbox(settings, engine, settle_seconds=30) == []  # it changed: wait again
    assert submissions_frame(engine).empty


# -- values ------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["99999999999999999999999", "9223372036854775808", "10000000001"])
def test_a_count_larger_than_any_population_is_refused(value):
    report = check(f"ref_area,time_period,sex,obs_value\nKEN,2023,M,{value}\n".encode())
    assert kinds(report) == [("R5", "too_large")]
    assert "larger than any population" in report.findings["message"].iloc[0]


@pytest.mark.parametrize(
    ("value", "ascii"),
    [("١٢٣", "123"), ("\uff11\uff12", "12"), ("१२", "12")],
    ids=["arabic", "full", "deva"],
)
def test_digits_that_are_not_ascii_are_refused_with_their_ascii_reading(value, ascii):
    report = check(f"ref_area,time_period,sex,obs_value\nKEN,2023,M,{value}\n".encode())
    assert kinds(report) == [("R5", "non_ascii_digits")]
    assert f"digits 0-9: {ascii}" in report.findings["suggestion"].iloc[0]
    year = check("ref_area,time_period,sex,obs_value\nKEN,٢٠٢٣,M,5\n".encode())
    assert kinds(year) == [("R4", "time_period")]


# -- files that would take the machine ---------------------------------------------------------


def test_a_workbook_declaring_the_whole_grid_is_read_by_its_real_cells():
    data = rewrite_sheet(
        workbook(TABLE),
        lambda xml: re.sub(
            rb'<dimension ref="[^"]*" ?/>', b'<dimension ref="A1:XFD1048576"/>', xml
        ),
    )
    assert check(data).accepted


def test_a_workbook_using_a_far_cell_is_refused_before_it_is_loaded():
    wb = openpyxl.load_workbook(io.BytesIO(workbook(TABLE)))
    wb["data"]["XFD1048576"] = "x"
    buf = io.BytesIO()
    wb.save(buf)
    report = check(buf.getvalue())
    assert kinds(report) == [("R1", "too_many_cells")]
    assert "1,048,576" in report.findings["message"].iloc[0]


def test_a_workbook_claiming_the_grid_through_rows_and_unreferenced_cells_is_refused():
    """<row r="1048576"> and 16,384 cells without references: 5 KB that would make calamine
    allocate the whole grid (an abort, not an exception). Counted as a reader places them."""
    head = b'<row r="2">' + b"<c><v>1</v></c>" * 16384 + b"</row>"
    far = b'<row r="1048576"><c><v>1</v></c></row>'
    data = rewrite_sheet(
        workbook(TABLE), lambda xml: xml.replace(b"</sheetData>", head + far + b"</sheetData>")
    )
    report = check(data)
    assert kinds(report) == [("R1", "too_many_cells")]
    assert "1,048,576" in report.findings["message"].iloc[0]


def test_many_rows_sharing_one_key_are_reported_in_linear_time():
    rows = "ref_area,time_period,sex,obs_value\n" + "KEN,2023,M,5\n" * 20_000
    report = check(rows.encode())
    assert (report.findings["rule"] == "R6").sum() == 19_999
    assert report.findings["message"].nunique() == 1


def test_a_file_over_the_size_limit_is_refused_unread_and_not_archived(home, tmp_path):
    settings, engine = home
    folder = tmp_path / "defs"
    shutil.copytree(C.path, folder)
    limits = yaml.safe_load((folder / "limits.yaml").read_text())
    (folder / "limits.yaml").write_text(yaml.safe_dump({**limits, "max_file_mb": 1}))
    sparse = tmp_path / "sparse.csv"
    with sparse.open("wb") as fh:
        fh.truncate(3 * 1024 * 1024)  # 3 MB of nothing, costing the disk no space
    receipt = submit_file(
        sparse,
        original_name="sparse.csv",
        country="KEN",
        dataset="immigration",
        settings=settings,
        engine=engine,
        contract=load_contract(folder),
    )
    assert receipt.status == "rejected"
    assert receipt.report.findings["kind"].tolist() == ["too_large"]
    row = submissions_frame(engine).iloc[0]
    assert row["stored_path"] == "" and row["size"] == 3 * 1024 * 1024
    assert not (settings.archive_dir / "files").exists()


# -- faults ------------------------------------------------------------------------------------


def test_a_release_staged_but_never_committed_is_removed_and_a_committed_one_completed(tmp_path):
    from tests.test_release import mirror_frame

    releases = tmp_path / "releases"
    never = write_release({"mirror_flows": mirror_frame()}, releases, "r1", staged=True)
    done = write_release({"mirror_flows": mirror_frame()}, releases, "r2", staged=True)
    assert never == staged_folder(releases, "r1") and not (releases / "r1").exists()
    lines = recover_releases(releases, published={"r2"})
    assert sorted(p.name for p in releases.iterdir()) == ["r2"]  # r1 gone, r2 in place
    assert len(lines) == 2 and not done.exists()
    assert (releases / "r2" / "release.json").exists()
    assert commit_release  # the normal path: tests/test_pipeline publishes through it


def test_revisions_of_a_release_never_read_outside_the_store(home, monkeypatch, capsys):
    settings, _ = home
    monkeypatch.setenv("MIGSTATS_HOME", str(settings.home))
    monkeypatch.setenv("MIGSTATS_DATABASE_URL", settings.database_url)
    settings.releases_dir.mkdir(parents=True)
    settings.archive_dir.mkdir(parents=True)
    assert main(["revisions", "--release", "../../etc", "x"]) == EXIT_USAGE
    assert "no release '../../etc'" in capsys.readouterr().err


@pytest.mark.integration
def test_output_cut_short_by_head_is_not_a_failure(home):
    settings, engine = home
    submit(GOOD, original_name="k.csv", country="KEN", dataset="immigration",
           settings=settings, engine=engine)  # fmt: skip
    env = {
        **os.environ,
        "MIGSTATS_HOME": str(settings.home),
        "MIGSTATS_DATABASE_URL": settings.database_url,
    }
    cli = [sys.executable, "-m", "pipelines.cli", "history", "--country", "KEN", "--dataset",
           "immigration"]  # fmt: skip
    proc = subprocess.run(
        f"{' '.join(cli)} | head -c 10", shell=True, env=env, capture_output=True, text=True,
        cwd=REPO, check=False,
    )  # fmt: skip
    assert "Nothing was changed" not in proc.stderr and "failed" not in proc.stderr


def test_a_folder_or_a_pipe_is_named_as_such(tmp_path, capsys):
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    for path, words in ((tmp_path, "is a folder"), (fifo, "not a regular file")):
        argv = ["validate", str(path), "--country", "KEN", "--dataset", "immigration"]
        assert main(argv) == EXIT_USAGE
        assert words in capsys.readouterr().err


def test_a_read_only_database_is_said_without_the_sql(home, monkeypatch, capsys, tmp_path):
    settings, engine = home
    submit(GOOD, original_name="k.csv", country="KEN", dataset="immigration",
           settings=settings, engine=engine)  # fmt: skip
    database = settings.database_url.removeprefix("sqlite:///")
    read_only = f"sqlite:///file:{database}?mode=ro&uri=true"  # enforced by SQLite, even for root
    monkeypatch.chdir(tmp_path)  # make_engine makes the URI's folder (file:/...) from here
    monkeypatch.setenv("MIGSTATS_HOME", str(settings.home))
    monkeypatch.setenv("MIGSTATS_DATABASE_URL", read_only)
    other = tmp_path / "other.csv"
    other.write_bytes(GOOD.replace(b"5", b"6"))
    code = main(["submit", str(other), "--country", "KEN", "--dataset", "immigration"])
    err = capsys.readouterr().err
    assert code == EXIT_REJECTED
    assert "the database refused: attempt to write a readonly database" in err
    assert "INSERT" not in err and "Nothing was changed" not in err


# -- clearer messages --------------------------------------------------------------------------


def test_a_cyrillic_letter_in_a_code_is_named():
    report = check("ref_area,time_period,sex,obs_value\n\u041aEN,2023,M,5\n".encode())
    message = report.findings["message"].iloc[0]
    assert "CYRILLIC CAPITAL LETTER KA" in message and "U+041A" in message


def test_lines_ending_in_cr_only_are_read():
    report = check(GOOD.replace(b"\n", b"\r"))
    assert report.accepted and report.rows_read == 2


def test_one_enormous_line_is_said_so_not_empty():
    report = check(b"ref_area," + b"x" * 2_000_000)
    assert kinds(report) == [("R1", "line_too_long")]


def test_a_macro_workbook_is_refused_with_a_sentence():
    data = workbook(TABLE)
    buf = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(buf, "w") as dst:
        for info in src.infolist():
            dst.writestr(info, src.read(info))
        dst.writestr("xl/vbaProject.bin", b"\x00" * 64)
    report = check(buf.getvalue())
    assert kinds(report) == [("R1", "wrong_type")]
    assert "macro-enabled workbook" in report.findings["message"].iloc[0]


def test_an_xml_bomb_in_a_workbook_is_refused_with_a_sentence():
    lol = b'<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>'
    data = rewrite_sheet(workbook(TABLE), lambda xml: lol + xml)
    report = check(data)
    assert kinds(report) == [("R1", "unreadable")]
    assert "entity declarations" in report.findings["message"].iloc[0]


def test_merged_cells_are_named():
    wb = openpyxl.load_workbook(io.BytesIO(workbook([*TABLE, ["KEN", 2023, "F", 6]])))
    wb["data"].merge_cells("A2:A3")
    buf = io.BytesIO()
    wb.save(buf)
    report = check(buf.getvalue())
    assert kinds(report) == [("R1", "merged_cells")]
    assert "A2:A3" in report.findings["message"].iloc[0]


def test_two_sheets_with_a_table_are_refused_rather_than_one_lost():
    data = workbook(TABLE, Sheet2=TABLE)
    report = check(data)
    assert kinds(report) == [("R1", "several_sheets")]
    assert "'data', 'Sheet2'" in report.findings["message"].iloc[0]


# -- going back --------------------------------------------------------------------------------


def test_resending_a_superseded_vintage_returns_it_to_force(home):
    settings, engine = home
    first = GOOD
    second = GOOD.replace(b",7\n", b",8\n")
    one = submit(first, original_name="v1.csv", country="KEN", dataset="immigration",
                 settings=settings, engine=engine)  # fmt: skip
    two = submit(second, original_name="v2.csv", country="KEN", dataset="immigration",
                 settings=settings, engine=engine)  # fmt: skip
    again = submit(first, original_name="v1 again.csv", country="KEN", dataset="immigration",
                   settings=settings, engine=engine)  # fmt: skip
    assert again.duplicate_of is None and again.reinstates == one.submission_id
    assert again.submission_id > two.submission_id and again.accepted
    assert "returns that vintage to force" in "\n".join(again.lines())
    from pipelines.intake.accepted import in_force_rows

    rows = in_force_rows(settings, engine, "immigration", "KEN", [2023])
    assert set(rows["submission_id"]) == {again.submission_id}
    # and the same bytes once more, while in force: a plain duplicate
    dup = submit(first, original_name="v1.csv", country="KEN", dataset="immigration",
                 settings=settings, engine=engine)  # fmt: skip
    assert dup.duplicate_of == again.submission_id


# -- concurrency -------------------------------------------------------------------------------


def _submit_in_process(args: tuple[str, str, str, bytes, str]) -> tuple[int, str]:
    home, url, country, data, name = args
    settings = Settings(home=Path(home), database_url=url)
    engine = make_engine(url)
    ensure_registry(engine)
    receipt = submit(data, original_name=name, country=country, dataset="immigration",
                     settings=settings, engine=engine)  # fmt: skip
    return receipt.submission_id, receipt.status


def _concurrently(
    url: str, home: Path, jobs: list[tuple[str, bytes, str]]
) -> list[tuple[int, str]]:
    with ProcessPoolExecutor(max_workers=min(len(jobs), 8)) as pool:
        return list(pool.map(_submit_in_process, [(str(home), url, *j) for j in jobs]))


def _distinct_files(n: int) -> list[tuple[str, bytes, str]]:
    members = list(C.members)
    out = []
    for i in range(n):
        state = members[i % len(members)]
        data = f"ref_area,time_period,sex,obs_value\n{state},2023,M,{i + 1}\n".encode()
        out.append((state, data, f"f{i}.csv"))
    return out


def _drop_schema(url: str) -> None:
    import sqlalchemy as sa

    schema = sa.engine.make_url(url).query["options"].removeprefix("-csearch_path=")
    admin = make_engine(os.environ["MIGSTATS_TEST_POSTGRES_URL"])
    with admin.begin() as conn:
        conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


def _postgres_url(schema: str) -> str | None:
    import sqlalchemy as sa

    url = os.environ.get("MIGSTATS_TEST_POSTGRES_URL")
    if not url:
        return None
    admin = make_engine(url)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    admin.dispose()
    target = sa.engine.make_url(url).update_query_dict({"options": f"-csearch_path={schema}"})
    return target.render_as_string(hide_password=False)


@pytest.mark.slow
@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def test_twenty_submits_at_once_on_a_new_database_all_land(tmp_path, backend):
    import uuid

    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'w.sqlite'}"
    else:
        url = _postgres_url(f"migstats_faults_{uuid.uuid4().hex[:8]}")
        if url is None:
            pytest.skip("MIGSTATS_TEST_POSTGRES_URL is not set (.ci/run sets it)")
    try:
        results = _concurrently(url, tmp_path / "home", _distinct_files(20))
        assert len({sid for sid, _ in results}) == 20
        engine = make_engine(url)
        registry = submissions_frame(engine)
        engine.dispose()
        assert len(registry) == 20
        for rec in registry.itertuples():
            assert (tmp_path / "home" / "archive" / rec.stored_path).is_file()
    finally:
        if backend == "postgresql":
            _drop_schema(url)


@pytest.mark.slow
def test_the_same_bytes_sent_five_times_at_once_are_registered_once(tmp_path):
    url = f"sqlite:///{tmp_path / 'w.sqlite'}"
    ensure_registry(make_engine(url))
    results = _concurrently(
        url, tmp_path / "home", [("KEN", GOOD, f"same{i}.csv") for i in range(5)]
    )
    assert len({sid for sid, _ in results}) == 1
    assert len(submissions_frame(make_engine(url))) == 1


@pytest.mark.slow
def test_a_killed_consolidation_is_marked_failed_at_the_next_start(tmp_path, monkeypatch):
    """kill -9 during a run: the run is marked failed at the next start, and nothing half
    published is left (the release appears only with its database commit)."""
    import dagster as dg

    from pipelines.orchestrate import fail_abandoned_runs, prepare_instance
    from pipelines.sample import sample_files, submit_sample

    home = tmp_path / "home"
    env = {**os.environ, "MIGSTATS_HOME": str(home), "DAGSTER_HOME": str(home / "dagster")}
    env.pop("MIGSTATS_DATABASE_URL", None)
    settings = Settings(home=home, database_url=f"sqlite:///{home / 'warehouse.sqlite'}")
    engine = make_engine(settings.database_url)
    ensure_registry(engine)
    for item in sample_files():
        if item.country in {"KEN", "UGA"} and "region" in item.path.parts:
            submit_sample(item, settings, engine)
    proc = subprocess.Popen(
        [sys.executable, "-m", "pipelines.cli", "consolidate"], cwd=REPO, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    for line in proc.stdout:  # wait until the run is well under way, then kill it
        if "done: regional_" in line:
            break
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    monkeypatch.setenv("DAGSTER_HOME", str(home / "dagster"))
    instance = prepare_instance(settings)
    started = instance.get_runs(filters=dg.RunsFilter(statuses=[dg.DagsterRunStatus.STARTED]))
    assert len(started) == 1
    assert [r.run_id for r in fail_abandoned_runs(instance)] == [started[0].run_id]
    assert instance.get_run_by_id(started[0].run_id).status == dg.DagsterRunStatus.FAILURE
    from pipelines.warehouse.registry import published_release_ids

    releases = home / "releases"
    visible = (
        [p for p in releases.iterdir() if not p.name.startswith(".")] if releases.exists() else []
    )
    assert visible == [] and published_release_ids(engine) == set()
