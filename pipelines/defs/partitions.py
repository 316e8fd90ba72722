"""Submissions are partitioned by member state: one partition per state, from definitions/."""

import dagster as dg

from schemas.contract import load_contract

member_states = dg.StaticPartitionsDefinition(list(load_contract().members))


def all_states_tags() -> dict[str, str]:
    """Run tags that make one run cover every member state's partition."""
    keys = member_states.get_partition_keys()
    return {
        "dagster/asset_partition_range_start": keys[0],
        "dagster/asset_partition_range_end": keys[-1],
    }
