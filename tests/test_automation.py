"""Running unattended, for real: the Dagster daemon with the shipped instance configuration,
a Dagster instance on PostgreSQL, and consolidation steps on Celery workers over RabbitMQ.

These start processes (the daemon, its code server, run workers, Celery workers) and wait for
them; each wait is bounded so that a broken build fails instead of hanging, and says what it
was waiting for. They are marked slow: `make test` and CI run them, `make test-fast` does not.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import pandas as pd
import pytest
import sqlalchemy as sa

from pipelines.orchestrate import _alive, _worker_pid, consolidate, prepare_instance
from pipelines.sample import sample_files, submit_sample
from pipelines.settings import Settings
from pipelines.validation.findings import IN_FORCE
from pipelines.warehouse.engine import make_engine
from pipelines.warehouse.publish import read_table
from pipelines.warehouse.registry import ensure_registry, submissions_frame
from schemas.contract import load_contract

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
C = load_contract()
CONSOLIDATION = dg.RunsFilter(tags={"migstats/job": "consolidation"})

#: The daemon, Celery workers and Dagster runs: make test-fast leaves them out.
pytestmark = pytest.mark.integration


def env() -> dict[str, str]:
    """This environment, with the virtualenv's commands first (celery, dagster)."""
    return {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}


def region_files(states: set[str]) -> list:
    return [f for f in sample_files() if f.country in states and "region" in f.path.parts]


@pytest.fixture
def store(tmp_path, monkeypatch) -> Settings:
    """An empty store whose daemon looks every few seconds and takes files after two."""
    home = tmp_path / "home"
    for name in ("MIGSTATS_DATABASE_URL", "MIGSTATS_DAGSTER_POSTGRES_URL", "DAGSTER_HOME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MIGSTATS_HOME", str(home))
    monkeypatch.setenv("DAGSTER_HOME", str(home / "dagster"))
    monkeypatch.setenv("MIGSTATS_SENSOR_SECONDS", "3")
    monkeypatch.setenv("MIGSTATS_INBOX_SETTLE_SECONDS", "2")
    settings = Settings.from_env()
    ensure_registry(make_engine(settings.database_url))
    prepare_instance(settings)  # the repository's dagster.yaml: run queue and limits
    return settings


@contextmanager
def dagster_daemon(settings: Settings, log: Path) -> Iterator[subprocess.Popen]:
    """`dagster-daemon run` on the store's instance, in its own process group."""
    with log.open("ab") as out:
        proc = subprocess.Popen(
            [BIN / "dagster-daemon", "run", "-m", "pipelines.definitions"],
            cwd=REPO, env=env(), stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    try:
        yield proc
    finally:
        stop_group(proc, signal.SIGTERM)


def stop_group(proc: subprocess.Popen, sig: int) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, sig)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def wait_for(
    what: str,
    done: Callable[[], bool],
    log: Path,
    limit: float = 900,
    proc: subprocess.Popen | None = None,
) -> None:
    """Poll until `done()`; fail with the log's last lines after `limit` seconds, or at once
    if the process `proc` ended."""
    deadline = time.monotonic() + limit
    while not done():
        if time.monotonic() > deadline or (proc is not None and proc.poll() is not None):
            tail = log.read_text(errors="replace").splitlines()[-40:] if log.exists() else []
            pytest.fail(f"gave up waiting for {what}; the daemon said:\n" + "\n".join(tail))
        time.sleep(2)


def drop(settings: Settings, files: list) -> list[Path]:
    """Copy files into the drop folders as a focal point would (no manifest metadata)."""
    out = []
    for f in files:
        folder = settings.inbox_for(f.country, f.dataset)
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / f.path.name
        target.write_bytes(f.path.read_bytes())
        out.append(target)
    return out


def receipt_of(path: Path) -> Path:
    return path.parent / "processed" / f"{path.name}.receipt.txt"


def runs(instance: dg.DagsterInstance, job: str | None = None) -> list[dg.DagsterRun]:
    tags = {"migstats/job": job} if job else {}
    return list(instance.get_runs(filters=dg.RunsFilter(tags=tags)))


def published_states(settings: Settings) -> dict[str, set[str]]:
    engine = make_engine(settings.database_url)
    first = {ds: C.tables.dissemination(ds)[0].name for ds in C.datasets}
    if not sa.inspect(engine).has_table(first["immigration"]):
        return {}
    return {ds: set(read_table(engine, name)["ref_area"]) for ds, name in first.items()}


def in_force(settings: Settings) -> pd.DataFrame:
    registry = submissions_frame(make_engine(settings.database_url))
    return registry[registry["status"].isin(IN_FORCE)]


def all_published(settings: Settings) -> bool:
    """Every submission in force is in its regional table."""
    tables = published_states(settings)
    rows = in_force(settings)
    return bool(tables) and all(
        r.country in tables.get(r.dataset, set()) for r in rows.itertuples()
    )


def idle(instance: dg.DagsterInstance) -> bool:
    busy = dg.RunsFilter(
        statuses=[
            dg.DagsterRunStatus.QUEUED,
            dg.DagsterRunStatus.NOT_STARTED,
            dg.DagsterRunStatus.STARTING,
            dg.DagsterRunStatus.STARTED,
        ]
    )
    return not instance.get_runs(filters=busy)


@pytest.mark.slow
def test_the_daemon_takes_a_burst_of_files_and_publishes_them_with_one_consolidation_at_a_time(
    store, tmp_path
):
    settings, log = store, tmp_path / "daemon.log"
    instance = dg.DagsterInstance.get()
    first = drop(settings, region_files({"KEN", "UGA"}))
    seen_at_once: list[tuple[int, int]] = []  # (consolidations under way, queued) at each look

    def watched(condition: Callable[[], bool]) -> Callable[[], bool]:
        def look() -> bool:
            mine = runs(instance, "consolidation")
            under_way = sum(r.status.value in {"STARTING", "STARTED"} for r in mine)
            queued = sum(r.status.value in {"QUEUED", "NOT_STARTED"} for r in mine)
            seen_at_once.append((under_way, queued))
            return condition()

        return look

    with dagster_daemon(settings, log) as daemon:
        wait_for(
            "the first intake run",
            watched(lambda: bool(runs(instance, "intake"))),
            log,
            proc=daemon,
        )
        # a second burst while the first is being taken in
        later = drop(settings, region_files({"ZMB", "ZWE", "MWI"}))
        dropped = first + later
        wait_for(
            "every file to get its receipt",
            watched(lambda: all(receipt_of(p).exists() for p in dropped)),
            log,
            proc=daemon,
        )
        wait_for(
            "every accepted submission to be published",
            watched(lambda: idle(instance) and all_published(settings)),
            log,
            proc=daemon,
        )

    assert len(submissions_frame(make_engine(settings.database_url))) == len(dropped)
    assert all(not p.exists() for p in dropped)  # each left its drop folder
    everything = runs(instance)
    assert [r.run_id for r in everything if r.status != dg.DagsterRunStatus.SUCCESS] == []
    intakes, consolidations = runs(instance, "intake"), runs(instance, "consolidation")
    # bursts coalesce: never two consolidations together or two waiting, and no more
    # consolidations than intakes that brought new data (here 25+ files, 2 bursts)
    assert max(u for u, _ in seen_at_once) <= 1 and max(q for _, q in seen_at_once) <= 1
    assert 1 <= len(consolidations) <= len(intakes) <= 4
    assert not in_force(settings).empty


@pytest.mark.slow
def test_a_daemon_killed_during_a_consolidation_finishes_the_work_when_restarted(store, tmp_path):
    settings, log = store, tmp_path / "daemon.log"
    instance = dg.DagsterInstance.get()
    dropped = drop(settings, region_files({"KEN", "UGA", "RWA"}))

    def consolidating() -> dg.DagsterRun | None:
        started = [r for r in runs(instance, "consolidation") if r.status.value == "STARTED"]
        return started[0] if started else None

    with dagster_daemon(settings, log) as proc:
        wait_for("a consolidation under way", lambda: consolidating() is not None, log, proc=proc)
        killed = consolidating()
        time.sleep(5)  # well into its steps
        worker = _worker_pid(instance, killed.run_id)
        stop_group(proc, signal.SIGKILL)  # the daemon, its code server and what they started
        if worker and _alive(int(worker)):
            os.kill(int(worker), signal.SIGKILL)  # the run worker too, as a reboot would
    assert instance.get_run_by_id(killed.run_id).status == dg.DagsterRunStatus.STARTED

    with dagster_daemon(settings, log) as again:
        wait_for(
            "the killed run to be marked failed and the work finished",
            lambda: (
                instance.get_run_by_id(killed.run_id).status == dg.DagsterRunStatus.FAILURE
                and idle(instance)
                and all(receipt_of(p).exists() for p in dropped)
                and all_published(settings)
            ),
            log,
            proc=again,
        )

    assert len(submissions_frame(make_engine(settings.database_url))) == len(dropped)
    after = [r for r in runs(instance, "consolidation") if r.run_id != killed.run_id]
    assert after and all(r.status == dg.DagsterRunStatus.SUCCESS for r in after)
    # nothing half-published: every release folder is a whole one
    releases = [p for p in settings.releases_dir.iterdir() if not p.name.startswith(".")]
    assert releases and all((p / "release.json").exists() for p in releases)


@pytest.mark.postgres
def test_the_dagster_instance_lives_in_postgresql_apart_from_the_warehouse(
    store, postgres_database, monkeypatch
):
    dagster_url = postgres_database.set(drivername="postgresql+psycopg2")
    monkeypatch.setenv("MIGSTATS_DAGSTER_POSTGRES_URL", dagster_url.render_as_string(False))
    engine = make_engine(store.database_url)
    for item in region_files({"KEN"}):
        submit_sample(item, store, engine)
    assert consolidate(store, state="KEN", quiet=True).success
    instance = prepare_instance(store)
    assert type(instance.run_storage).__name__ == "PostgresRunStorage"
    assert type(instance.event_log_storage).__name__ == "PostgresEventLogStorage"
    assert type(instance.schedule_storage).__name__ == "PostgresScheduleStorage"
    (run,) = instance.get_runs()
    assert run.status == dg.DagsterRunStatus.SUCCESS
    assert run.tags["migstats/job"] == "consolidation"
    instance.dispose()
    dagster_db = sa.create_engine(dagster_url)
    with dagster_db.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM runs")).scalar() == 1
        assert conn.execute(sa.text("SELECT count(*) FROM event_logs")).scalar() > 10
    dagster_db.dispose()
    # the published tables are in the warehouse, not in the instance's database
    assert "KEN" in published_states(store)["immigration"]


@pytest.mark.slow
def test_consolidation_on_two_celery_workers_publishes_what_in_process_does(
    store, tmp_path, monkeypatch
):
    broker = os.environ.get("MIGSTATS_TEST_RABBITMQ_URL")
    if not broker:
        pytest.skip("MIGSTATS_TEST_RABBITMQ_URL is not set (.ci/run sets it)")
    monkeypatch.setenv("MIGSTATS_CELERY_BROKER", broker)
    engine = make_engine(store.database_url)
    for item in region_files({"KEN", "UGA", "ZMB"}):
        submit_sample(item, store, engine)
    assert consolidate(store, quiet=True).success
    in_process = _tables(store)

    workers, logs = [], []
    for n in (1, 2):
        logs.append(tmp_path / f"worker{n}.log")
        with logs[-1].open("wb") as out:
            workers.append(
                subprocess.Popen(
                    [
                        BIN / "dagster-celery",
                        "worker",
                        "start",
                        "-A",
                        "dagster_celery.app",
                        "-y",
                        REPO / "deploy" / "celery-worker.yaml",
                        "-n",
                        f"migstats-test-{n}-{uuid.uuid4().hex[:6]}",
                    ],
                    cwd=REPO,
                    env=env(),
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )
    try:
        for log in logs:
            wait_for(
                "a Celery worker to be ready", lambda log=log: b"ready" in log.read_bytes(), log
            )
        result = consolidate(store, quiet=True, on_celery=True)
        assert result.success
    finally:
        for proc in workers:
            stop_group(proc, signal.SIGTERM)
    # the steps ran in the workers: each says so in its log
    ran = [log.read_text(errors="replace").count("succeeded in") for log in logs]
    assert sum(ran) > 20 and all(n > 0 for n in ran), ran
    on_celery = _tables(store)
    assert on_celery.keys() == in_process.keys()
    for name, frame in in_process.items():
        pd.testing.assert_frame_equal(on_celery[name], frame, obj=name)


def _tables(settings: Settings) -> dict[str, pd.DataFrame]:
    """Every published table, rows in a stable order."""
    engine = make_engine(settings.database_url)
    out = {}
    for name in C.tables.by_name:
        frame = read_table(engine, name)
        out[name] = frame.sort_values(list(frame.columns)).reset_index(drop=True)
    return out
