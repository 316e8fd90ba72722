"""The jobs: taking dropped files in (intake), and consolidating and publishing the region.

Every run of a job carries the tag `migstats/job`, on which the instance's run queue
(deploy/dagster.yaml) allows one run of each at a time.
"""

import dagster as dg

from pipelines.defs.partitions import all_states_tags
from pipelines.orchestrate import launched_here_tags

JOB_TAG = "migstats/job"
INTAKE, CONSOLIDATION = "intake", "consolidation"
INBOX = dg.AssetKey("inbox")

intake = dg.define_asset_job(
    INTAKE,
    selection=dg.AssetSelection.assets(INBOX),
    tags={JOB_TAG: INTAKE},
    executor_def=dg.in_process_executor,
    description="Take the settled files of the drop folders: validate, archive, register, "
    "write each receipt, and move each file to processed/.",
)

consolidation = dg.define_asset_job(
    CONSOLIDATION,
    selection=dg.AssetSelection.all() - dg.AssetSelection.assets(INBOX),
    tags={JOB_TAG: CONSOLIDATION},
    # Steps in the run's own process: on a 2-core machine a process per step spends more time
    # importing the graph (about 3 s each, 40-odd steps) than computing. Celery spreads them
    # over machines where that pays (celery_consolidation).
    executor_def=dg.in_process_executor,
    description="Every member state's partitions, then the regional tables, indicators and "
    "publication.",
)


def consolidation_tags() -> dict[str, str]:
    """A run of `consolidation` over every member state, launched by the daemon here."""
    return {**all_states_tags(), **launched_here_tags(), JOB_TAG: CONSOLIDATION}


def celery_consolidation() -> dg.JobDefinition:
    """`consolidation` with its steps run by Celery workers (dagster-celery), for a Secretariat
    that runs workers on several machines. The executor is configured as the workers are, by
    deploy/celery-worker.yaml: the broker is MIGSTATS_CELERY_BROKER (RabbitMQ, say
    amqp://guest:guest@127.0.0.1:5672//). Module-level, so `dg.reconstructable` finds it."""
    import yaml
    from dagster_celery import celery_executor

    from pipelines.definitions import defs
    from pipelines.orchestrate import DEPLOY

    config = yaml.safe_load((DEPLOY / "celery-worker.yaml").read_text(encoding="utf-8"))
    executor = celery_executor.configured(config["execution"]["config"])
    return defs.resolve_job_def(CONSOLIDATION).with_executor_def(executor)


@dg.definitions
def jobs() -> dg.Definitions:
    return dg.Definitions(jobs=[intake, consolidation])
