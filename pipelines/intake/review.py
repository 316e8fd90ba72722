"""Review of held submissions: list them with their impact, approve or decline them.

A held submission (rule R12) is accepted but not in force. Approving it puts it in force for
the next consolidation; declining it leaves it in the archive, never in force. The decision,
who took it, when and why are kept in the registry and shown by `migstats history`.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Engine, select, update

from pipelines.intake.accepted import accepted_submissions, in_force_rows
from pipelines.intake.archive import load_rows
from pipelines.intake.impact import Impact, compute_impact
from pipelines.settings import Settings
from pipelines.validation.findings import ACCEPTED, ACCEPTED_WITH_WARNINGS, DECLINED, HELD
from pipelines.warehouse.registry import now, submissions_frame, submissions_table
from schemas.contract import Contract

APPROVED_DECISION, DECLINED_DECISION = "approved", "declined"


class ReviewError(ValueError):
    """A decision that cannot be taken, with the sentence that says why."""


@dataclass(frozen=True)
class HeldSubmission:
    """A held submission as the review queue shows it."""

    record: dict
    impact: Impact
    #: True when the impact was recomputed because what is in force has changed since.
    recomputed: bool
    reasons: list[str]


def held_submissions(
    contract: Contract, settings: Settings, engine: Engine
) -> list[HeldSubmission]:
    """Every submission held for review, oldest first, with its impact against what is in
    force now (recomputed where a later decision or submission changed it)."""
    registry = submissions_frame(engine)
    out = []
    for record in registry[registry["status"] == HELD].to_dict("records"):
        impact, recomputed = current_impact(contract, settings, engine, record)
        reasons = [r for r in (record.get("held_reason") or "").split("\n") if r]
        out.append(HeldSubmission(record, impact, recomputed, reasons))
    return out


def current_impact(
    contract: Contract, settings: Settings, engine: Engine, record: dict
) -> tuple[Impact, bool]:
    """The submission's impact against the data in force now; True when it was recomputed."""
    stored = Impact.from_dict(json.loads(record["impact"])) if record.get("impact") else None
    years = [int(y) for y in str(record.get("years") or "").split(",") if y]
    current = in_force_rows(settings, engine, record["dataset"], record["country"], years)
    ids = tuple(sorted(int(i) for i in current["submission_id"].unique())) if len(current) else ()
    if stored is not None and stored.replaces == ids:
        return stored, False
    rows = load_rows(settings.archive_dir, record["rows_path"])
    return compute_impact(contract, record["dataset"], rows, current), True


def approve(
    contract: Contract,
    settings: Settings,
    engine: Engine,
    submission_id: int,
    *,
    by: str,
    note: str | None = None,
) -> Impact:
    """Put a held submission in force for the next consolidation; returns its impact now.

    Refused when a submission received later is in force for one of its years: approving
    would not make it the data in force there (the later one would still win), so the
    Secretariat declines it instead, or the state resends it.
    """
    record = _held(engine, submission_id, by)
    years = {int(y) for y in str(record.get("years") or "").split(",") if y}
    later = accepted_submissions(engine, record["dataset"], record["country"])
    later = later[later["id"] > submission_id]
    overlap = [
        (int(sid), sorted(years & {int(y) for y in str(listed or "").split(",") if y}))
        for sid, listed in zip(later["id"], later["years"], strict=True)
    ]
    overlap = [(i, ys) for i, ys in overlap if ys]
    if overlap:
        sid, ys = overlap[-1]
        raise ReviewError(
            f"submission {sid}, received later, is in force for {', '.join(map(str, ys))}; "
            f"approving {submission_id} would not put it in force there. Decline it, or ask "
            f"{record['country']} to resend the file."
        )
    impact, _ = current_impact(contract, settings, engine, record)
    status = ACCEPTED_WITH_WARNINGS if int(record.get("warnings") or 0) else ACCEPTED
    _decide(engine, submission_id, status, APPROVED_DECISION, by, note, impact)
    return impact


def decline(engine: Engine, submission_id: int, *, by: str, reason: str) -> None:
    """Keep a held submission out of force for good (it stays in the archive)."""
    if not (reason or "").strip():
        raise ReviewError("a decline needs a reason: the focal point is told it.")
    _held(engine, submission_id, by)
    _decide(engine, submission_id, DECLINED, DECLINED_DECISION, by, reason.strip(), None)


def _held(engine: Engine, submission_id: int, by: str) -> dict:
    if not (by or "").strip():
        raise ReviewError("say who decides (--by NAME): the decision is recorded with it.")
    submissions = submissions_table()
    with engine.connect() as conn:
        row = (
            conn.execute(select(submissions).where(submissions.c.id == submission_id))
            .mappings()
            .first()
        )
    if row is None:
        raise ReviewError(f"there is no submission {submission_id}.")
    if row["status"] != HELD:
        decided = (
            f", {row['decision']} by {row['decided_by']} on {_when(row['decided_at'])}"
            if row["decision"]
            else ""
        )
        raise ReviewError(
            f"submission {submission_id} is not held for review: it is {row['status']}{decided}."
        )
    return dict(row)


def _decide(
    engine: Engine,
    submission_id: int,
    status: str,
    decision: str,
    by: str,
    reason: str | None,
    impact: Impact | None,
) -> None:
    values = {
        "status": status,
        "decision": decision,
        "decided_by": by.strip(),
        "decided_at": now(),
        "decision_reason": reason or None,
    }
    if impact is not None:
        values["impact"] = json.dumps(impact.to_dict())
    submissions = submissions_table()
    with engine.begin() as conn:
        done = conn.execute(
            update(submissions)
            .where(submissions.c.id == submission_id, submissions.c.status == HELD)
            .values(**values)
        )
        if done.rowcount != 1:  # another reviewer decided in the meantime
            raise ReviewError(f"submission {submission_id} was decided meanwhile; see history.")


def _when(value: dt.datetime | None) -> str:
    return pd.Timestamp(value).strftime("%Y-%m-%d %H:%M") if value is not None else "?"
