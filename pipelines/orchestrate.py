"""Run the Dagster consolidation job in-process against the configured instance.

The run is recorded in the instance under DAGSTER_HOME (default <MIGSTATS_HOME>/dagster), so
`dagster dev` started with the same DAGSTER_HOME shows it, with its asset materialisations.
"""

from __future__ import annotations

import logging
import os
import re
import socket

import dagster as dg

from pipelines.settings import Settings

_INSTANCE_YAML = """\
# Written by migstats: this machine may have no internet connection.
telemetry:
  enabled: false
"""


def prepare_instance(settings: Settings) -> dg.DagsterInstance:
    """The Dagster instance at DAGSTER_HOME, set to <home>/dagster unless already set."""
    os.environ.setdefault("DAGSTER_HOME", str(settings.dagster_home))
    home = os.environ["DAGSTER_HOME"]
    os.makedirs(home, exist_ok=True)
    config = os.path.join(home, "dagster.yaml")
    if not os.path.exists(config):
        with open(config, "w", encoding="utf-8") as fh:
            fh.write(_INSTANCE_YAML)
    return dg.DagsterInstance.get()


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


@dg.logger(description="One line per finished step, for the command line.")
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
) -> dg.ExecuteInProcessResult:
    """Run `consolidation` for every member state's partition (or one state's) and publish.

    The run shows one line per finished step on the terminal (`quiet` for none); its full log
    is in the Dagster instance, where the UI shows it. `assets` limits the run to those.
    """
    from pipelines.definitions import defs
    from pipelines.defs.partitions import all_states_tags

    instance = prepare_instance(settings)
    fail_abandoned_runs(instance)
    job = defs.resolve_job_def("consolidation").with_logger_defs(
        {"progress": step_progress, "silent": _silent}
    )
    run_config = {"loggers": {"silent" if quiet else "progress": {}}}
    tags = {**(all_states_tags() if not state else {}), **_process_tags()}
    scope = {"partition_key": state} if state else {}
    return job.execute_in_process(
        instance=instance,
        run_config=run_config,
        raise_on_error=False,
        asset_selection=assets,
        tags=tags,
        **scope,
    )


#: Tags that say which process runs an in-process run, so that a later start can tell a run
#: whose process was killed (it stays STARTED for ever otherwise) from one still going.
PID_TAG, HOST_TAG = "migstats/pid", "migstats/host"


def _process_tags() -> dict[str, str]:
    return {PID_TAG: str(os.getpid()), HOST_TAG: socket.gethostname()}


def fail_abandoned_runs(instance: dg.DagsterInstance) -> list[str]:
    """Mark failed the runs started in-process by a process of this host that is gone."""
    done = []
    started = instance.get_runs(filters=dg.RunsFilter(statuses=[dg.DagsterRunStatus.STARTED]))
    for run in started:
        pid, host = run.tags.get(PID_TAG), run.tags.get(HOST_TAG)
        if not pid or host != socket.gethostname() or _alive(int(pid)):
            continue
        instance.report_run_failed(run, message=f"Its process ({pid}) ended without finishing.")
        done.append(run.run_id)
    return done


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@dg.logger(description="Nothing on the terminal (tests).")
def _silent(_init_context: dg.InitLoggerContext) -> logging.Logger:
    logger = logging.getLogger("migstats.silent")
    logger.propagate = False
    logger.addHandler(logging.NullHandler())
    return logger
