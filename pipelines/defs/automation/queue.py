"""What the run queue holds: whether a run of a job waits, or is under way."""

import dagster as dg

from pipelines.defs.automation.jobs import JOB_TAG

WAITING = [dg.DagsterRunStatus.QUEUED, dg.DagsterRunStatus.NOT_STARTED]
UNDER_WAY = [dg.DagsterRunStatus.STARTING, dg.DagsterRunStatus.STARTED]


def _runs(instance: dg.DagsterInstance, job: str, statuses: list) -> int:
    records = instance.get_run_records(
        dg.RunsFilter(tags={JOB_TAG: job}, statuses=statuses), limit=1
    )
    return len(records)


def waiting(instance: dg.DagsterInstance, job: str) -> bool:
    """A run of `job` is queued and has not started: it will see everything there is."""
    return _runs(instance, job, WAITING) > 0


def under_way(instance: dg.DagsterInstance, job: str) -> bool:
    return _runs(instance, job, UNDER_WAY) > 0
