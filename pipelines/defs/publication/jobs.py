"""The consolidation job, its monthly schedule, and the sensor that turns submissions into runs."""

import dagster as dg

from pipelines.defs.partitions import all_states_tags
from pipelines.defs.resources import Warehouse
from pipelines.intake.inbox import process_inbox
from pipelines.settings import Settings
from pipelines.validation.findings import in_force_status
from pipelines.warehouse.registry import submissions_frame

consolidation = dg.define_asset_job(
    "consolidation",
    selection=dg.AssetSelection.all(),
    description="Member states' partitions (all, or those a submission touched), then the "
    "regional tables, indicators and publication.",
)


@dg.schedule(
    job=consolidation,
    cron_schedule=Settings.from_env().consolidation_cron,
    execution_timezone="UTC",
    description="The regional consolidation, over every member state (cron: "
    "MIGSTATS_CONSOLIDATION_CRON, default monthly).",
)
def consolidation_schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    return dg.RunRequest(
        run_key=context.scheduled_execution_time.isoformat(), tags=all_states_tags()
    )


@dg.sensor(
    job=consolidation,
    minimum_interval_seconds=30,
    description="Takes files from the drop folders (<home>/inbox/<ISO3>/<dataset>/), and "
    "turns every new accepted submission into a run of its member state's partition and "
    "what depends on it.",
)
def submissions_sensor(context: dg.SensorEvaluationContext, warehouse: Warehouse):
    for receipt in process_inbox(warehouse.settings, warehouse.engine):
        context.log.info(" ".join(receipt.lines()))
    last = int(context.cursor or 0)
    registry = submissions_frame(warehouse.engine)
    fresh = registry[registry["id"] > last]
    if fresh.empty:
        return dg.SkipReason("no new submission")
    accepted = fresh[in_force_status(fresh["status"])]
    requests = [
        dg.RunRequest(run_key=f"submission-{int(group['id'].max())}", partition_key=state)
        for state, group in accepted.groupby("country")
    ]
    return dg.SensorResult(run_requests=requests, cursor=str(int(fresh["id"].max())))


@dg.definitions
def automation() -> dg.Definitions:
    return dg.Definitions(
        jobs=[consolidation], schedules=[consolidation_schedule], sensors=[submissions_sensor]
    )
