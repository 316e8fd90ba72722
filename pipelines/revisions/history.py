"""The vintages of one member state's submissions of one dataset."""

from __future__ import annotations

import pandas as pd


def vintages(registry: pd.DataFrame) -> pd.DataFrame:
    """Every submission of the registry rows given, oldest first, with the years it is in force for.

    A year is in force from the latest accepted submission that covers it (contract section 5).
    """
    out = registry.sort_values("id").reset_index(drop=True).copy()
    years = out["years"].fillna("").map(lambda s: [int(y) for y in s.split(",") if y])
    accepted = out["status"].str.startswith("accepted")
    winner: dict[int, int] = {}
    for sid, ys, ok in zip(out["id"], years, accepted, strict=True):  # one per submission
        if ok:
            winner.update(dict.fromkeys(ys, int(sid)))
    out["in_force_for"] = [
        ",".join(str(y) for y in ys if winner.get(y) == int(sid))
        for sid, ys in zip(out["id"], years, strict=True)
    ]
    return out[
        [
            "id", "received_at", "original_name", "status", "years", "in_force_for", "rows",
            "errors", "warnings", "data_source", "residence_criterion", "submitted_by", "channel",
        ]
    ]  # fmt: skip
