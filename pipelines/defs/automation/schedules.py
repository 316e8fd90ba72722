"""The scheduled consolidation: every member state, monthly by default.

On in a fresh instance (default_status RUNNING): a consolidation that finds nothing new
publishes what was published before, and the Secretariat expects the tables on time. It never
queues a second consolidation behind one already waiting.
"""

import dagster as dg

from pipelines.defs.automation.jobs import consolidation, consolidation_tags
from pipelines.defs.automation.queue import waiting
from pipelines.settings import Settings


@dg.schedule(
    job=consolidation,
    # The cron is part of the definition Dagster loads, so it is read when the code location
    # loads (MIGSTATS_CONSOLIDATION_CRON), not when a run starts.
    cron_schedule=Settings.from_env().consolidation_cron,
    execution_timezone="UTC",
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="The regional consolidation, over every member state (cron: "
    "MIGSTATS_CONSOLIDATION_CRON, default 06:00 UTC on the 1st of each month).",
)
def consolidation_schedule(context: dg.ScheduleEvaluationContext):
    if waiting(context.instance, "consolidation"):
        return dg.SkipReason("a consolidation is already queued; it will publish everything")
    return dg.RunRequest(
        run_key=context.scheduled_execution_time.isoformat(), tags=consolidation_tags()
    )


@dg.definitions
def schedules() -> dg.Definitions:
    return dg.Definitions(schedules=[consolidation_schedule])
