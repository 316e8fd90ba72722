"""The Dagster pipeline, for real: the demo region submitted, consolidated and published.

One demo run (module fixture) serves the acceptance facts; other tests submit or break things
in the same home and check what is published afterwards.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import time
from pathlib import Path

import dagster as dg
import pandas as pd
import pytest

from pipelines.defs.automation.jobs import JOB_TAG
from pipelines.defs.automation.schedules import consolidation_schedule
from pipelines.defs.automation.sensors import submissions_sensor
from pipelines.defs.resources import ContractDefinitions, Warehouse
from pipelines.demo import run_demo
from pipelines.intake.submit import submit
from pipelines.orchestrate import consolidate, prepare_instance
from pipelines.sample import SAMPLE_DIR
from pipelines.settings import Settings
from pipelines.warehouse.engine import make_engine
from pipelines.warehouse.publish import read_table
from pipelines.warehouse.registry import ensure_registry, latest_release, submissions_frame
from schemas.contract import load_contract
from tests.hash_seeds import CONSOLIDATE, run_under_seeds

C = load_contract()
#: The published tables; quality_warnings is the Secretariat's (internal), checked apart.
TABLES = C.tables.dissemination_names() + [o for o, spec in C.outputs.items() if not spec.internal]
YEARS = [2021, 2022, 2023]

#: Dagster runs of the demo region and of five states: make test-fast leaves them out.
pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def demo_home(tmp_path_factory):
    """A home where `migstats demo` ran: every sample file submitted, consolidated, published."""
    home = tmp_path_factory.mktemp("home")
    patch = pytest.MonkeyPatch()
    patch.setenv("MIGSTATS_HOME", str(home))
    patch.setenv("DAGSTER_HOME", str(home / "dagster"))
    patch.delenv("MIGSTATS_DATABASE_URL", raising=False)
    settings = Settings.from_env()
    assert run_demo(settings) == 0
    yield settings
    patch.undo()


@pytest.fixture
def env(demo_home, monkeypatch):
    monkeypatch.setenv("MIGSTATS_HOME", str(demo_home.home))
    monkeypatch.setenv("DAGSTER_HOME", str(demo_home.home / "dagster"))
    monkeypatch.delenv("MIGSTATS_DATABASE_URL", raising=False)
    return demo_home


#: The states of the smaller region the tests that change things consolidate again and again
#: (a consolidation of five states takes a fraction of the whole region's).
FEW = {"KEN", "UGA", "ZMB", "ZWE", "MWI"}


@pytest.fixture(scope="module")
def few_home(tmp_path_factory):
    """A home with five states' files (and Uganda's held resubmission), consolidated in a
    process with PYTHONHASHSEED 1 (test_same_inputs_twice_give_identical_tables uses 2)."""
    from pipelines.sample import sample_files, submit_sample

    home = tmp_path_factory.mktemp("few")
    patch = pytest.MonkeyPatch()
    patch.setenv("MIGSTATS_HOME", str(home))
    patch.setenv("DAGSTER_HOME", str(home / "dagster"))
    patch.delenv("MIGSTATS_DATABASE_URL", raising=False)
    settings = Settings.from_env()
    engine = make_engine(settings.database_url)
    ensure_registry(engine)
    for item in sample_files():
        if item.country in FEW and "invalid" not in item.path.parts:
            submit_sample(item, settings, engine)
    run_under_seeds(CONSOLIDATE, seeds=["1"])
    yield settings
    patch.undo()


@pytest.fixture
def few(few_home, monkeypatch):
    monkeypatch.setenv("MIGSTATS_HOME", str(few_home.home))
    monkeypatch.setenv("DAGSTER_HOME", str(few_home.home / "dagster"))
    monkeypatch.delenv("MIGSTATS_DATABASE_URL", raising=False)
    return few_home


def published(settings: Settings) -> dict[str, pd.DataFrame]:
    engine = make_engine(settings.database_url)
    return {t: read_table(engine, t) for t in TABLES}


def test_definitions_load_with_the_whole_graph():
    from pipelines.definitions import defs

    dg.Definitions.validate_loadable(defs)
    graph = defs.resolve_asset_graph()
    keys = {k.to_user_string() for k in graph.get_all_asset_keys()}
    for ds in C.datasets:
        assert {f"{ds}_submissions", f"{ds}_harmonised", f"regional_{ds}"} <= keys
        assert f"warehouse/regional_{ds}" not in keys  # the cube is internal
    assert {"migrant_stock", "migration_matrix", "mirror_flows", "data_availability"} <= keys
    assert {f"warehouse/{t}" for t in TABLES} | {"release_files"} <= keys
    assert {"quality_warnings", "warehouse/quality_warnings"} <= keys
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        assert node.description, key
        assert node.group_name in {
            "intake",
            "regional",
            "dissemination",
            "indicators",
            "publication",
        }, key
    # lineage: an upload's partition reaches every published table
    upstream = graph.get(dg.AssetKey(["warehouse", "migrant_stock"])).parent_keys
    assert dg.AssetKey("migrant_stock") in upstream
    # a dissemination table is cut from its dataset's cube, and published from there
    table = graph.get(dg.AssetKey("population_by_citizenship"))
    assert table.parent_keys == {dg.AssetKey("regional_population_stock")}
    assert table.group_name == "dissemination"
    upstream = graph.get(dg.AssetKey(["warehouse", "population_by_citizenship"])).parent_keys
    assert dg.AssetKey("population_by_citizenship") in upstream


def test_demo_publishes_migrant_stock_for_every_state_and_comesa(env):
    stock = read_table(make_engine(env.database_url), "migrant_stock")
    for year in YEARS:
        rows = stock[(stock["time_period"] == year) & (stock["sex"] == "_T")]
        assert set(rows["ref_area"]) == set(C.members_in(year)) | {"COMESA", "COMESA21_2018"}
        members = rows[~rows["ref_area"].isin(["COMESA", "COMESA21_2018"])]
        comesa = rows[rows["ref_area"] == "COMESA"].iloc[0]
        assert comesa["obs_value"] == members["obs_value"].sum() > 0
        assert comesa["n_reporting"] == comesa["n_members"] == 21


def test_demo_published_every_table_and_a_release(env):
    tables = published(env)
    for name in TABLES:
        assert len(tables[name]) > 0, name
    regional = tables["immigration_by_citizenship"]
    assert "COMESA" in set(regional["ref_area"])
    # a slice of the cube: its other dimensions at _T, and not shown
    assert "country_of_birth" not in regional and "purpose" not in regional
    zmb = tables["mirror_flows"].query("origin_area == 'ZWE' and destination_area == 'ZMB'")
    assert (zmb["ratio"] < 0.5).all() and len(zmb) == 3
    availability = tables["data_availability"]
    assert (
        availability.query("ref_area == 'ERI' and dataset == 'emigration'")["status"]
        .eq("missing")
        .all()
    )
    releases = list(env.releases_dir.iterdir())
    assert releases, "no release folder"
    files = {p.name for p in releases[0].iterdir()}
    for name in TABLES:
        assert {f"{name}.csv", f"{name}.parquet", f"{name}.xlsx"} <= files
    assert "refugees_by_origin.sdmx.csv" in files
    assert not any(f.startswith("regional_") for f in files)  # the cubes are internal


def test_the_demo_release_carries_the_sdmx_structure_its_files_conform_to(env):
    """Every SDMX-CSV file of the demo release, read with pysdmx, against the release's own
    structure.xml: its dataflow defined, every dimension present, every code in its codelist."""
    from pysdmx.io.xml.doc_validation import validate_doc

    from pipelines.release.sdmx_structure import sdmx_problems

    release = max(env.releases_dir.iterdir(), key=lambda p: p.stat().st_mtime)
    validate_doc((release / "structure.xml").read_text(encoding="utf-8"))
    files = sorted(release.glob("*.sdmx.csv"))
    assert len(files) >= 15
    assert sdmx_problems(release / "structure.xml", files) == []
    assert sdmx_problems(release / "structure.json", files) == []


def test_run_is_recorded_in_the_instance_with_metadata(env):
    instance = prepare_instance(env)
    runs = instance.get_runs()
    assert runs and runs[0].job_name == "consolidation"
    event = instance.get_latest_materialization_event(dg.AssetKey("migrant_stock"))
    metadata = event.asset_materialization.metadata
    assert metadata["dagster/row_count"].value > 0 and "preview" in metadata


def release_data(folder: Path) -> dict[str, bytes]:
    """The bytes of every CSV, SDMX-CSV and Parquet file of a release folder, by path; the
    workbooks, README and manifest name the release and when it was made."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.suffix in (".csv", ".parquet")
    }


def test_same_inputs_twice_give_identical_tables(few):
    """Consolidating the same inputs again, in another process whose string hashes differ
    (so do the orders of sets of strings), publishes the same tables and release files, byte
    for byte: rows in the same order, the same cells suppressed, the same footnote codes."""
    engine = make_engine(few.database_url)
    before, first = published(few), latest_release(engine)["release_id"]
    run_under_seeds(CONSOLIDATE, seeds=["2"])  # few_home's was 1
    after, second = published(few), latest_release(engine)["release_id"]
    for name in TABLES:
        pd.testing.assert_frame_equal(before[name], after[name], obj=name)
    assert second != first
    old, new = (release_data(few.releases_dir / r) for r in (first, second))
    assert sorted(new) == sorted(old) and len(old) > 2 * len(TABLES)
    assert [path for path in old if old[path] != new[path]] == []


def test_a_rejected_file_changes_nothing_published(few):
    before = published(few)
    engine = make_engine(few.database_url)
    bad = (SAMPLE_DIR / "invalid" / "mwi_refugees_2023_broken_total.csv").read_bytes()
    receipt = submit(
        bad + b"\n",
        original_name="again.csv",
        country="MWI",
        dataset="refugees",
        settings=few,
        engine=engine,
    )
    assert receipt.status == "rejected"
    assert consolidate(few, state="MWI", quiet=True).success
    after = published(few)
    for name in TABLES:
        if name == "data_availability":
            continue  # it reports the rejection; nothing else may move
        pd.testing.assert_frame_equal(before[name], after[name], obj=name)


def test_a_held_file_changes_nothing_published(few):
    """Three rows that would replace Uganda's 2023 table are held: nothing published moves."""
    before = published(few)
    engine = make_engine(few.database_url)
    rows = b"ref_area,time_period,citizenship,obs_value\nUGA,2023,_T,46000000\n"
    rows += b"UGA,2023,UGA,44894583\nUGA,2023,KEN,1105417\n"
    receipt = submit(
        rows,
        original_name="uga three rows.csv",
        country="UGA",
        dataset="population_stock",
        settings=few,
        engine=engine,
    )
    assert receipt.status == "held for review"
    assert consolidate(few, state="UGA", quiet=True).success
    after = published(few)
    for name in TABLES:
        pd.testing.assert_frame_equal(before[name], after[name], obj=name)
    warnings = read_table(engine, "quality_warnings")
    mine = warnings[warnings["submission_id"] == receipt.submission_id]
    assert set(mine["rule"]) == {"R12"} and (mine["status"] == "held for review").all()


def test_the_demo_release_is_additive(env):
    from tests.additivity import violations

    found = violations(C, published(env))
    assert found.empty, found.head(20).to_string()


def test_warnings_reach_the_secretariat(few, capsys):
    """R10 and the held file's R12 are in the table, the release's internal file, the run's
    metadata and what `migstats consolidate` prints, grouped by member state."""
    from pipelines.cli import main

    engine = make_engine(few.database_url)
    warnings = read_table(engine, "quality_warnings")
    assert {"R10", "R12"} <= set(warnings["rule"])
    mirror = warnings[(warnings["rule"] == "R10") & (warnings["ref_area"] == "ZWE")]
    assert set(mirror["counterpart_area"]) == {"ZMB"} and len(mirror) == 3
    assert mirror["message"].str.contains("ZWE reports").all()
    held = warnings[warnings["rule"] == "R12"]
    assert "UGA" in set(held["ref_area"]) and "would remove" in " ".join(held["message"])
    release = max(few.releases_dir.iterdir(), key=lambda p: p.stat().st_mtime)
    internal = pd.read_csv(release / "internal" / "quality_warnings.csv", encoding="utf-8-sig")
    assert len(internal) == len(warnings)
    assert not (release / "quality_warnings.csv").exists()  # never beside the public files
    manifest = json.loads((release / "release.json").read_text())
    assert (
        "quality_warnings" in manifest["internal"]
        and "quality_warnings" not in (manifest["tables"])
    )
    event = prepare_instance(few).get_latest_materialization_event(dg.AssetKey("quality_warnings"))
    metadata = event.asset_materialization.metadata
    assert metadata["warnings"].value == len(warnings)
    assert metadata["warnings R10"].value == (warnings["rule"] == "R10").sum()
    capsys.readouterr()
    assert main(["consolidate", "--country", "ZMB"]) == 0
    out = capsys.readouterr().out
    assert "Quality warnings:" in out
    zmb = out[out.index("  ZMB (") :]
    assert "R10" in zmb and "with ZWE" in zmb and "ZWE reports" in zmb
    assert "  ZWE (" in out


def test_a_state_whose_data_fail_the_schema_is_left_out_not_the_region(few, tmp_path):
    """Kenya's immigration in force breaks the harmonised schema: Kenya's immigration is left
    out of the release, said so, and COMESA lacks it; everything else publishes."""
    internal = few.storage_dir / "regional_immigration.parquet"
    before = pd.read_parquet(internal)  # unprotected: disclosure may move once KEN is gone
    engine = make_engine(few.database_url)
    reg = submissions_frame(engine, country="KEN", dataset="immigration")
    rows_path = few.archive_dir / reg[reg["status"] == "accepted"]["rows_path"].iloc[-1]
    saved = tmp_path / "rows.parquet"
    shutil.copy(rows_path, saved)
    try:
        rows = pd.read_parquet(rows_path)
        rows.loc[0, "sex"] = "ZZ"  # a code the harmonised schema refuses
        rows.to_parquet(rows_path, index=False)
        result = consolidate(few, state="KEN", quiet=True)
        assert result.success
        failed = [e for e in result.get_asset_check_evaluations() if not e.passed]
        assert "harmonised_schema" in {c.check_name for c in failed}
        after = published(few)
        immigration = after["immigration_by_citizenship"]
        assert "KEN" not in set(immigration["ref_area"])
        others = before[~before["ref_area"].isin(["KEN", "COMESA", "COMESA21_2018"])]
        now = pd.read_parquet(internal)
        kept = now[~now["ref_area"].isin(["COMESA", "COMESA21_2018"])]
        pd.testing.assert_frame_equal(
            others.reset_index(drop=True), kept.reset_index(drop=True), obj="other states"
        )
        comesa = immigration[immigration["ref_area"] == "COMESA"]
        assert (comesa["n_reporting"] < comesa["n_members"]).all()
        assert set(after["emigration_by_citizenship"]["ref_area"]) >= {"KEN"}  # its other data
        warnings = read_table(engine, "quality_warnings")
        r13 = warnings[warnings["rule"] == "R13"]
        assert list(zip(r13["ref_area"], r13["dataset"], strict=True)) == [("KEN", "immigration")]
        assert "left out of this release" in r13["message"].iloc[0]
        release = max(few.releases_dir.iterdir(), key=lambda p: p.stat().st_mtime)
        manifest = json.loads((release / "release.json").read_text())
        assert manifest["metadata"]["left_out"] == ["KEN immigration"]
    finally:
        shutil.copy(saved, rows_path)
        assert consolidate(few, state="KEN", quiet=True).success
    assert "KEN" in set(published(few)["immigration_by_citizenship"]["ref_area"])


def _tick(instance, cursor):
    """One evaluation of the sensor, as the daemon would run it."""
    resources = {"warehouse": Warehouse(), "contract": ContractDefinitions()}
    context = dg.build_sensor_context(instance=instance, cursor=cursor, resources=resources)
    result = submissions_sensor(context)
    return result, result.cursor


def test_sensor_starts_from_the_registry_of_an_existing_store(few):
    """Turned on for a store with a long registry, the sensor asks for nothing."""
    assert len(submissions_frame(make_engine(few.database_url))) > 10
    result, cursor = _tick(prepare_instance(few), None)
    assert not result.run_requests and result.skip_reason
    assert json.loads(cursor)["in_force"] > 0


def test_sensor_hands_settled_files_to_an_intake_run_then_asks_for_one_consolidation(
    tmp_path, monkeypatch
):
    from pipelines.definitions import defs

    monkeypatch.setenv("MIGSTATS_HOME", str(tmp_path))
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster"))
    monkeypatch.delenv("MIGSTATS_DATABASE_URL", raising=False)
    settings = Settings.from_env()
    instance = prepare_instance(settings)
    _, cursor = _tick(instance, None)  # an empty store
    folders = []
    for dataset in ("immigration", "emigration"):
        folder = settings.inbox_for("KEN", dataset)
        folder.mkdir(parents=True)
        shutil.copy(SAMPLE_DIR / "region" / "KEN" / f"ken_{dataset}_2021-2023.csv", folder)
        folders.append(folder)
    folder = folders[0]
    (folder / "still arriving.csv.part").write_bytes(b"ref_area,time_pe")
    dropped = sorted(str(p) for f in folders for p in f.glob("*.csv"))

    result, cursor = _tick(instance, cursor)  # first look: noted in the cursor, not taken
    assert not result.run_requests
    looks = json.loads(cursor)["looks"]
    assert sorted(looks) == dropped
    for path in dropped:  # as if that look was two minutes ago, the files older still
        os.utime(path, (time.time() - 600, time.time() - 600))
        looks[path][1:] = [float(Path(path).stat().st_mtime_ns), looks[path][2] - 120]
    result, cursor = _tick(instance, json.dumps({**json.loads(cursor), "looks": looks}))
    (intake,) = result.run_requests
    assert intake.job_name == "intake"
    handed = intake.run_config["ops"]["inbox"]["config"]["files"]
    assert sorted(f["path"] for f in handed) == dropped

    job = defs.resolve_job_def("intake")
    run = job.execute_in_process(instance=instance, run_config=intake.run_config)
    assert run.success
    assert run.dagster_run.tags[JOB_TAG] == "intake"
    assert len(submissions_frame(make_engine(settings.database_url))) == 2
    assert sorted(p.name for p in folder.iterdir()) == ["processed", "still arriving.csv.part"]
    for path in dropped:
        moved = Path(path).parent / "processed" / Path(path).name
        assert "ACCEPTED" in moved.with_name(moved.name + ".receipt.txt").read_text()

    result, cursor = _tick(instance, cursor)  # two new submissions in force: one consolidation
    (consolidation,) = result.run_requests
    assert consolidation.job_name == "consolidation"
    assert consolidation.tags[JOB_TAG] == "consolidation"
    assert consolidation.tags["dagster/asset_partition_range_end"] == list(C.members)[-1]
    result, cursor = _tick(instance, cursor)
    assert not result.run_requests  # nothing new since

    # a resend of the same bytes, just dropped: a run started by hand leaves it to settle
    shutil.copy(
        SAMPLE_DIR / "region" / "KEN" / "ken_immigration_2021-2023.csv", folder / "again.csv"
    )
    assert job.execute_in_process(instance=instance).success
    assert (folder / "again.csv").exists()
    monkeypatch.setenv("MIGSTATS_INBOX_SETTLE_SECONDS", "0")
    assert job.execute_in_process(instance=instance).success
    receipt = folder / "processed" / "again.csv.receipt.txt"
    assert "identical to submission" in receipt.read_text()
    result, _ = _tick(instance, cursor)
    assert not result.run_requests  # nothing new in force


def test_an_edited_run_config_cannot_make_intake_read_a_file_outside_the_inbox(
    tmp_path, monkeypatch
):
    from pipelines.definitions import defs

    monkeypatch.setenv("MIGSTATS_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "home" / "dagster"))
    monkeypatch.delenv("MIGSTATS_DATABASE_URL", raising=False)
    settings = Settings.from_env()
    secret = tmp_path / "secret.csv"
    secret.write_bytes(b"ref_area,time_period,sex,obs_value\nKEN,2023,_T,1\n")
    info = secret.stat()
    config = {"path": str(secret), "size": info.st_size, "mtime_ns": info.st_mtime_ns}
    run = defs.resolve_job_def("intake").execute_in_process(
        instance=prepare_instance(settings),
        run_config={"ops": {"inbox": {"config": {"files": [config]}}}},
    )
    assert run.success
    assert submissions_frame(make_engine(settings.database_url)).empty


def test_schedule_runs_every_state_and_never_queues_a_second_consolidation():
    from pipelines.definitions import defs

    when = dt.datetime(2026, 12, 1, 6, tzinfo=dt.UTC)
    with dg.instance_for_test() as instance:
        _schedule_checks(instance, defs, when)


def _schedule_checks(instance, defs, when):
    context = dg.build_schedule_context(instance=instance, scheduled_execution_time=when)
    request = consolidation_schedule(context)
    assert request.tags[JOB_TAG] == "consolidation"
    assert request.tags["dagster/asset_partition_range_start"] == next(iter(C.members))
    assert request.tags["dagster/asset_partition_range_end"] == list(C.members)[-1]
    assert (
        consolidation_schedule.cron_schedule
        == Settings.from_env({}).consolidation_cron
        == "0 6 1 * *"
    )
    assert (
        Settings.from_env({"MIGSTATS_CONSOLIDATION_CRON": "0 3 * * 1"}).consolidation_cron
        == "0 3 * * 1"
    )
    instance.create_run_for_job(
        defs.resolve_job_def("consolidation"),
        status=dg.DagsterRunStatus.NOT_STARTED,  # created, not yet taken from the queue
        tags=request.tags,
    )
    skipped = consolidation_schedule(context)
    assert isinstance(skipped, dg.SkipReason) and "already queued" in skipped.skip_message


@pytest.mark.postgres
def test_consolidation_publishes_to_postgresql(tmp_path, monkeypatch):
    import uuid

    import sqlalchemy as sa

    from pipelines.sample import sample_files, submit_sample

    url = os.environ.get("MIGSTATS_TEST_POSTGRES_URL")
    if not url:
        pytest.skip("MIGSTATS_TEST_POSTGRES_URL is not set (.ci/run sets it to the local server)")
    schema = f"migstats_pipeline_{uuid.uuid4().hex[:8]}"
    admin = make_engine(url)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    target = sa.engine.make_url(url).update_query_dict({"options": f"-csearch_path={schema}"})
    monkeypatch.setenv("MIGSTATS_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster"))
    monkeypatch.setenv("MIGSTATS_DATABASE_URL", target.render_as_string(hide_password=False))
    try:
        settings = Settings.from_env()
        engine = make_engine(settings.database_url)
        ensure_registry(engine)
        for item in sample_files():
            if item.country in {"KEN", "UGA"} and item.path.parent.name != "invalid":
                assert submit_sample(item, settings, engine).accepted
        assert consolidate(settings, quiet=True).success
        stock = read_table(engine, "migrant_stock")
        assert set(stock["ref_area"]) == {"KEN", "UGA", "COMESA", "COMESA21_2018"}
        with engine.connect() as conn:
            assert conn.execute(sa.text("select current_schema()")).scalar() == schema
            assert conn.execute(sa.text("select count(*) from submissions")).scalar() == 15
            held = "select count(*) from submissions where status = 'held for review'"
            assert conn.execute(sa.text(held)).scalar() == 1  # the three-row resubmission
        engine.dispose()
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def test_sender_confidential_cells_are_never_published(env):
    table = "acquisitions_by_previous_citizenship"
    regional = read_table(make_engine(env.database_url), table)
    secret = regional[regional["conf_status"] == "C"]
    assert len(secret) > 0, "the demo has C cells (SYC citizenship acquisition)"
    assert secret["obs_value"].isna().all()
    release = max(env.releases_dir.iterdir(), key=lambda p: p.stat().st_mtime)
    csv = pd.read_csv(release / f"{table}.csv", keep_default_na=False)
    assert (csv.loc[csv["conf_status"] == "C", "obs_value"] == "").all()


def test_every_published_table_of_the_demo_passes_the_disclosure_audit(env):
    from pipelines.disclosure import audit, audit_tables
    from pipelines.revisions.releases import load_release

    release = max(env.releases_dir.iterdir(), key=lambda p: p.stat().st_mtime)
    published = load_release(release)
    names = [n for n in TABLES if (env.storage_dir / f"{n}.parquet").exists()]
    internal = {n: pd.read_parquet(env.storage_dir / f"{n}.parquet") for n in names}
    internal = {n: f.reindex(columns=published[n].columns) for n, f in internal.items()}
    for name in names:
        problems = audit(C, name, internal[name], published[name])
        assert problems.empty, problems.head().to_string()
    assert audit_tables(C, internal, {n: published[n] for n in names}).empty
    suppressed = published["population_by_citizenship"]["conf_status"].isin(["A", "S"])
    assert (
        suppressed.any()
        and published["population_by_citizenship"].loc[suppressed, "obs_value"].isna().all()
    )
    manifest = (release / "release.json").read_text()
    assert '"threshold": 3' in manifest and '"disclosure"' in manifest
    # the suppression rate of every table, in release.json and in the README
    summary = json.loads(manifest)["metadata"]["disclosure"]["summary"]
    rows = {r["table"]: r for r in summary}
    pop = rows["population_by_citizenship"]
    hidden = pop["primary"] + pop["secondary"] + pop["sender_confidential"]
    assert pop["suppressed_pct"] == round(100 * hidden / pop["cells"], 2) > 0
    assert int(suppressed.sum()) <= hidden
    readme = (release / "README.txt").read_text(encoding="utf-8")
    assert f"Disclosure control: {hidden:,} of its {pop['cells']:,} values are suppressed" in readme
    for row in rows.values():
        if row["cells"] and not row["primary"] + row["secondary"] + row["sender_confidential"]:
            assert f"Disclosure control: none of its {row['cells']:,} values is" in readme


def test_a_fresh_instance_says_the_sensor_and_the_schedule_are_on(tmp_path, monkeypatch):
    from pipelines.automation_status import automation_states, describe_automation

    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster"))
    instance = prepare_instance(Settings(home=tmp_path, database_url="sqlite://"))
    states = {a.name: a for a in automation_states(instance)}
    assert {n: (a.on, a.why) for n, a in states.items()} == {
        "submissions_sensor": (True, "as shipped"),
        "consolidation_schedule": (True, "as shipped"),
    }
    text = describe_automation(instance)
    assert "submissions_sensor       ON" in text
    assert "at most 2 runs at once; of each job: 1 consolidation, 1 intake" in text
    # the shipped instance configuration: the run queue with its limits
    limits = instance.get_concurrency_config().run_queue_config.tag_concurrency_limits
    assert {"key": "migstats/job", "value": "consolidation", "limit": 1} in limits
