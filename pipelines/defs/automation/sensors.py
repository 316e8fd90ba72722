"""The sensor that notices: new files in the drop folders, new data in force.

It only looks (a directory listing and two small queries, never a file's bytes) and launches
runs: an `intake` run takes the files that kept their size and time over two looks; a
`consolidation` run publishes once the data in force change (a new accepted submission, or an
approval). A burst coalesces: no second intake while one is queued or under way, no second
consolidation while one waits in the queue (it will read the registry when it starts), so
21 states submitting within minutes give one consolidation under way and at most one queued.
Turned on for an existing store it starts from the registry's current position.

On in a fresh instance (default_status RUNNING): the Secretariat leaves it running.
"""

import hashlib
import json
import os
import time

import dagster as dg

from pipelines.defs.automation.jobs import INTAKE, consolidation, consolidation_tags, intake
from pipelines.defs.automation.queue import under_way, waiting
from pipelines.defs.resources import ContractDefinitions, Warehouse
from pipelines.intake.inbox import settled, waiting_files
from pipelines.orchestrate import fail_abandoned_runs, launched_here_tags
from pipelines.validation.findings import IN_FORCE
from pipelines.warehouse.registry import registry_position

#: How often the sensor looks; read when the code location loads (MIGSTATS_SENSOR_SECONDS).
SENSOR_SECONDS = int(os.environ.get("MIGSTATS_SENSOR_SECONDS") or 30)


@dg.sensor(
    jobs=[intake, consolidation],
    minimum_interval_seconds=SENSOR_SECONDS,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Notices settled files in the drop folders (<store>/inbox/<ISO3>/<dataset>/) "
    "and launches an intake run for them; notices new data in force and launches one "
    "consolidation (never a second while one waits in the queue).",
)
def submissions_sensor(
    context: dg.SensorEvaluationContext, warehouse: Warehouse, contract: ContractDefinitions
):
    settings, engine = warehouse.settings, warehouse.engine
    _, top_in_force, approved = registry_position(engine, IN_FORCE)
    state = json.loads(context.cursor) if context.cursor else None
    if state is None:  # first look at this store: start from where the registry is now
        state = {"in_force": top_in_force, "approved": approved, "looks": {}}
    requests: list[dg.RunRequest] = []
    # A run whose process is gone (the daemon or the machine was killed under it) is marked
    # failed, so it no longer holds its place in the queue; what it did not finish is asked
    # for again: its files are still in the drop folders, and a consolidation is requested.
    abandoned = {run.job_name for run in fail_abandoned_runs(context.instance)}
    files = waiting_files(settings, contract.load())
    ready, looks = settled(files, state["looks"], time.time(), settings.inbox_settle_seconds)
    if ready and not (waiting(context.instance, INTAKE) or under_way(context.instance, INTAKE)):
        handed = [{"path": str(f.path), "size": f.size, "mtime_ns": f.mtime_ns} for f in ready]
        key = json.dumps(handed, sort_keys=True)
        requests.append(
            dg.RunRequest(
                job_name=intake.name,
                run_key=f"intake-{hashlib.sha256(key.encode()).hexdigest()[:16]}",
                run_config={"ops": {"inbox": {"config": {"files": handed}}}},
                tags=launched_here_tags(),
            )
        )
    else:  # not handed over yet: keep their looks, they are ready next time
        looks.update(
            {str(f.path): [*f.mark, time.time() - settings.inbox_settle_seconds] for f in ready}
        )
    changed = top_in_force > state["in_force"] or approved > state["approved"]
    if (changed or consolidation.name in abandoned) and not waiting(
        context.instance, consolidation.name
    ):
        requests.append(
            dg.RunRequest(
                job_name=consolidation.name,
                tags=consolidation_tags(),
            )
        )
    cursor = json.dumps({"in_force": top_in_force, "approved": approved, "looks": looks})
    if not requests:
        return dg.SensorResult(
            skip_reason="nothing new in the drop folders or in force", cursor=cursor
        )
    return dg.SensorResult(run_requests=requests, cursor=cursor)


@dg.definitions
def sensors() -> dg.Definitions:
    return dg.Definitions(sensors=[submissions_sensor])
