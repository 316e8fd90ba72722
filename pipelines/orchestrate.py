"""Run the Dagster consolidation job in-process against the configured instance.

The run is recorded in the instance under DAGSTER_HOME (default <MIGSTATS_HOME>/dagster), so
`dagster dev` started with the same DAGSTER_HOME shows it, with its asset materialisations.
"""

from __future__ import annotations

import logging
import os
import re
import socket
from pathlib import Path
from typing import Any

import dagster as dg
import pandas as pd
from dagster import DagsterRun

from pipelines.settings import Settings

#: The instance configurations shipped in the repository (deploy/): the run queue, run
#: monitoring, and PostgreSQL storage when MIGSTATS_DAGSTER_POSTGRES_URL is set.
DEPLOY = Path(__file__).resolve().parent.parent / "deploy"
#: The first line migstats writes into a dagster.yaml it manages (and may therefore replace).
MANAGED = "# migstats-managed"
POSTGRES_URL = "MIGSTATS_DAGSTER_POSTGRES_URL"


def instance_yaml() -> str:
    """The dagster.yaml for this environment: the repository's, with PostgreSQL storage added
    when MIGSTATS_DAGSTER_POSTGRES_URL is set."""
    base = DEPLOY / "dagster.yaml"
    if not base.is_file():  # an install without deploy/
        return f"{MANAGED}\ntelemetry:\n  enabled: false\n"
    text = base.read_text(encoding="utf-8")
    if os.environ.get(POSTGRES_URL):
        text += "\n" + (DEPLOY / "dagster-postgres.yaml").read_text(encoding="utf-8")
    return text


def prepare_instance(settings: Settings) -> dg.DagsterInstance:
    """The Dagster instance at DAGSTER_HOME, set to <home>/dagster unless already set.

    Its dagster.yaml is the repository's (deploy/), written when there is none or when the
    one there is migstats' own (so an edit in the repository reaches every store); a
    dagster.yaml someone wrote by hand is left alone.
    """
    os.environ.setdefault("DAGSTER_HOME", str(settings.dagster_home))
    home = Path(os.environ["DAGSTER_HOME"])
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    wanted = instance_yaml()
    current = config.read_text(encoding="utf-8") if config.is_file() else None
    if current is None or (MANAGED in current and current != wanted) or _older(current):
        config.write_text(wanted, encoding="utf-8")
    return dg.DagsterInstance.get()


def _older(text: str) -> bool:
    """A dagster.yaml an earlier migstats wrote before it marked its own."""
    return text.startswith("# Written by migstats")


_STEP_DONE = re.compile(r'Finished execution of step "(?P<step>[^"]+)" in (?P<took>[^ ]+?)\.?$')


class _StepProgress(logging.Handler):
    """Prints one line per finished step, instead of Dagster's full debug log."""

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if record.levelno >= logging.ERROR:
            first = message.rsplit(" - ", 1)[-1].strip().splitlines()[0]
            print(f"  ! {first}", flush=True)
            return
        found = _STEP_DONE.search(message)
        if found:
            print(f"  done: {found['step']} ({found['took']})", flush=True)


@dg.logger(None, description="One line per finished step, for the command line.")
def step_progress(_init_context: dg.InitLoggerContext) -> logging.Logger:
    logger = logging.getLogger("migstats.progress")
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    if not logger.handlers:
        logger.addHandler(_StepProgress())
    return logger


def consolidate(
    settings: Settings,
    *,
    state: str | None = None,
    quiet: bool = False,
    assets: list[dg.AssetKey] | None = None,
    on_celery: bool = False,
) -> dg.ExecuteInProcessResult | dg.ExecuteJobResult:
    """Run `consolidation` for every member state's partition (or one state's) and publish.

    The run shows one line per finished step on the terminal (`quiet` for none); its full log
    is in the Dagster instance, where the UI shows it. `assets` limits the run to those.
    `on_celery` hands the steps to the Celery workers listening on MIGSTATS_CELERY_BROKER
    (started with deploy/celery-worker.yaml) instead of running them here.
    """
    instance = prepare_instance(settings)
    fail_abandoned_runs(instance)
    if on_celery:
        return _consolidate_on_celery(instance, state)
    run_config: dict[str, Any] = {"loggers": {"silent" if quiet else "progress": {}}}
    # execute_job, not JobDefinition.execute_in_process: the latter keeps every step's output
    # in memory for the result object, so at the benchmark's scale the process grew to 5.5
    # GiB holding tables already written to the asset storage.
    with dg.execute_job(
        dg.reconstructable(command_line_consolidation),
        instance=instance,
        run_config=run_config,
        tags=_run_tags(state),
        asset_selection=assets,
        raise_on_error=False,
    ) as result:
        return result


def command_line_consolidation() -> dg.JobDefinition:
    """`consolidation` with the command line's loggers (one line per step, or none); steps
    in this process. Module-level, so that `dg.reconstructable` finds it."""
    from pipelines.definitions import defs

    return defs.resolve_job_def("consolidation").with_logger_defs(
        {"progress": step_progress, "silent": _silent}
    )


def rebuild(settings: Settings, release_id: str) -> dict[str, pd.DataFrame]:
    """Recompute a published release with the consolidation job itself, pinned to the
    submissions it used and to the registry as it stood, into a scratch store; returns, per
    table, the cells that differ from the release (every frame empty: identical).

    The scratch store gets the run's asset values, warehouse and release folder; the store's
    own registry and archive are only read. The run is not recorded in the store's instance.
    """
    import json
    import tempfile

    from pipelines.definitions import defs
    from pipelines.defs.partitions import all_states_tags
    from pipelines.revisions.releases import compare_tables, load_release, release_folder
    from schemas.contract import load_contract

    folder = release_folder(settings, release_id)
    manifest = json.loads((folder / "release.json").read_text(encoding="utf-8"))
    meta = manifest["metadata"]
    with tempfile.TemporaryDirectory(prefix="migstats-rebuild-") as scratch:
        run_config = {
            "loggers": {"silent": {}},
            "resources": {
                "warehouse": {
                    "config": {
                        "home": scratch,
                        "database_url": f"sqlite:///{scratch}/warehouse.sqlite",
                    }
                },
                "submissions": {
                    "config": {
                        "home": str(settings.home),
                        "database_url": settings.database_url,
                        "submission_ids": [int(i) for i in meta["submission_ids"]],
                        "registry_upto": meta.get("registry_upto"),
                        "as_of": manifest.get("created_at"),
                    }
                },
                "io_manager": {"config": {"base_dir": str(Path(scratch, "storage"))}},
            },
        }
        job = defs.resolve_job_def("consolidation").with_logger_defs({"silent": _silent})
        result = job.execute_in_process(
            instance=dg.DagsterInstance.ephemeral(),
            run_config=run_config,
            tags=all_states_tags(),
            raise_on_error=False,
        )
        if not result.success:
            failed = [str(e.step_key) for e in result.all_events if e.is_step_failure]
            raise RuntimeError(f"the rebuild failed (steps: {', '.join(failed)})")
        (rebuilt,) = [p for p in Path(scratch, "releases").iterdir() if p.is_dir()]
        new = load_release(rebuilt)
        return compare_tables(
            load_contract(), load_release(folder), {n: new[n] for n in manifest["tables"]}
        )


def _run_tags(state: str | None) -> dict[str, str]:
    """The tags of a consolidation run: one state's partition, or every state's; this process."""
    from pipelines.defs.partitions import all_states_tags

    tags = {**(all_states_tags() if not state else {}), **_process_tags()}
    if state:
        tags["dagster/partition"] = state
    return tags


def _consolidate_on_celery(instance: dg.DagsterInstance, state: str | None) -> dg.ExecuteJobResult:
    from pipelines.defs.automation.jobs import celery_consolidation

    if not os.environ.get("MIGSTATS_CELERY_BROKER"):
        raise SystemExit(
            "MIGSTATS_CELERY_BROKER is not set: name the broker the Celery workers listen on "
            "(amqp://guest:guest@127.0.0.1:5672// for this machine's RabbitMQ)."
        )
    with dg.execute_job(
        dg.reconstructable(celery_consolidation),
        instance=instance,
        tags=_run_tags(state),
        raise_on_error=False,
    ) as result:
        return result


#: Tags that say which process runs an in-process run, so that a later start can tell a run
#: whose process was killed (it stays STARTED for ever otherwise) from one still going.
PID_TAG, HOST_TAG = "migstats/pid", "migstats/host"


def _process_tags() -> dict[str, str]:
    return {PID_TAG: str(os.getpid()), HOST_TAG: socket.gethostname()}


def launched_here_tags() -> dict[str, str]:
    """The tag of a run the daemon will launch on this host (sensor and schedule requests,
    evaluated where the default run launcher starts the run): its process id is known once it
    starts, from the run's own log."""
    return {HOST_TAG: socket.gethostname()}


def fail_abandoned_runs(instance: dg.DagsterInstance) -> list[DagsterRun]:
    """Mark failed the runs of this host whose process is gone (killed with the daemon, out of
    memory, the machine restarted): otherwise they stay STARTED for ever and hold their place
    in the run queue. Returns them, so the work they did not finish can be asked for again."""
    from dagster._core.launcher import DefaultRunLauncher

    local_launcher = isinstance(instance.run_launcher, DefaultRunLauncher)
    done = []
    started = instance.get_runs(filters=dg.RunsFilter(statuses=[dg.DagsterRunStatus.STARTED]))
    for run in started:
        if run.tags.get(HOST_TAG) != socket.gethostname():
            continue
        pid = run.tags.get(PID_TAG) or (
            _worker_pid(instance, run.run_id) if local_launcher else None
        )
        if not pid or _alive(int(pid)):
            continue
        instance.report_run_failed(run, message=f"Its process ({pid}) ended without finishing.")
        done.append(run)
    return done


def _worker_pid(instance: dg.DagsterInstance, run_id: str) -> str | None:
    """The process id a launched run reports when its process starts ("Started process for
    run (pid: N)"), or None before then."""
    events = instance.all_logs(run_id, of_type=dg.DagsterEventType.ENGINE_EVENT)
    for record in reversed(events):
        data = record.dagster_event.engine_event_data if record.dagster_event else None
        pid = data.metadata.get("pid") if data else None
        if pid is not None and record.message.startswith("Started process for run"):
            return str(pid.value)
    return None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@dg.logger(None, description="Nothing on the terminal (tests).")
def _silent(_init_context: dg.InitLoggerContext) -> logging.Logger:
    logger = logging.getLogger("migstats.silent")
    logger.propagate = False
    logger.addHandler(logging.NullHandler())
    return logger
