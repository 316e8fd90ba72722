"""Derive the `_T` rows a file left out, from its complete breakdowns (contract section 4)."""

from __future__ import annotations

import pandas as pd

from pipelines.validation.breakdowns import Relation, complete_sums
from schemas.contract import TOTAL


def derive_totals(
    df: pd.DataFrame,
    rels: list[Relation],
    rank_to_flag: dict[int, str],
    known_sums: dict[Relation, pd.DataFrame] | None = None,
) -> pd.DataFrame:
    """Add, as rows with `derived` True, every total that a complete breakdown implies.

    Relations are applied until nothing new appears, so a file with sex x age and no totals at
    all gains the sex totals, the age totals and the grand total. A derived row takes the
    strongest obs_status of its parts (precedence in the obs_status codelist). `known_sums`
    are complete sums already computed on these very rows (by the additivity check).
    """
    known = dict(known_sums or {})
    if not rels:
        return df
    for _ in range(len(rels) + 1):
        added = []
        for rel in rels:
            keys = list(rel.keys)
            sums = known.pop(rel, None)
            if sums is None:
                sums = complete_sums(df, rel)
            if sums.empty:
                continue
            have = df.loc[df[rel.dimension] == TOTAL, keys]
            fresh = sums.merge(have.drop_duplicates(), on=keys, how="left", indicator=True)
            fresh = fresh[fresh["_merge"] == "left_only"]
            if fresh.empty:
                continue
            added.append(
                pd.DataFrame(
                    {
                        **{k: fresh[k].to_numpy() for k in keys},
                        rel.dimension: TOTAL,
                        "value": fresh["part_sum"].to_numpy(),
                        "flag_rank": fresh["flag_rank"].to_numpy(),
                        "obs_status": fresh["flag_rank"].map(rank_to_flag).to_numpy(),
                        "conf_status": "",
                        "derived": True,
                    }
                )
            )
            df = pd.concat([df, added[-1]], ignore_index=True)
            known.clear()  # the rows changed: sums known before no longer hold
        if not added:
            break
    return df
