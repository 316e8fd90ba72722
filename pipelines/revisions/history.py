"""The vintages of one member state's submissions of one dataset."""

from __future__ import annotations

import pandas as pd

from pipelines.validation.findings import in_force_status


def vintages(registry: pd.DataFrame) -> pd.DataFrame:
    """Every submission of the registry rows given, oldest first, with the years it is in force for.

    A year is in force from the latest accepted submission that covers it (contract section 5);
    a held or declined one is in force for none. `review` says who approved or declined a held
    submission, when and why.
    """
    out = registry.sort_values("id").reset_index(drop=True).copy()
    years = out["years"].fillna("").map(lambda s: [int(y) for y in s.split(",") if y])
    accepted = in_force_status(out["status"])
    winner: dict[int, int] = {}
    for sid, ys, ok in zip(out["id"], years, accepted, strict=True):  # one per submission
        if ok:
            winner.update(dict.fromkeys(ys, int(sid)))
    out["in_force_for"] = [
        ",".join(str(y) for y in ys if winner.get(y) == int(sid))
        for sid, ys in zip(out["id"], years, strict=True)
    ]
    out["review"] = [review_text(r) for r in out.to_dict("records")]
    return out[
        [
            "id", "received_at", "original_name", "status", "years", "in_force_for", "rows",
            "errors", "warnings", "review", "data_source", "residence_criterion",
            "submitted_by", "channel",
        ]
    ]  # fmt: skip


def review_text(record: dict) -> str:
    """'approved by A. Statistician 2026-11-27 10:02: reason', 'held: why', or ''."""
    decision = record.get("decision")
    if isinstance(decision, str) and decision:
        when = pd.Timestamp(record["decided_at"]).strftime("%Y-%m-%d %H:%M")
        reason = record.get("decision_reason")
        tail = f": {reason}" if isinstance(reason, str) and reason else ""
        return f"{decision} by {record.get('decided_by')} {when}{tail}"
    held = record.get("held_reason")
    if isinstance(held, str) and held:
        return "held: " + " ".join(held.split("\n"))
    return ""
