"""The quality warnings of a release, printed by member state for the Secretariat."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import Engine

from pipelines.regional.quality import by_state
from pipelines.release.files import INTERNAL
from pipelines.warehouse.publish import read_table
from pipelines.warehouse.registry import latest_release

#: Warnings printed per member state; the table and file have them all.
SHOWN_PER_STATE = 6


def render_quality(warnings: pd.DataFrame, where: str = "", shown: int = SHOWN_PER_STATE) -> str:
    """Each member state with the warnings to take up with its focal point, one per line."""
    if warnings.empty:
        return "Quality warnings: none.\n"
    states = by_state(warnings)
    lines = [
        f"Quality warnings: {len(warnings):,}, to take up with {len(states)} member state(s)"
        + (f" (all of them: {where})" if where else "")
        + ":"
    ]
    for state, rows in states.items():
        lines.append(f"  {state} ({len(rows)})")
        for rec in rows.head(shown).to_dict("records"):
            lines.append(f"    {rec['rule']:<4}{_context(rec)}: {rec['message']}")
        if len(rows) > shown:
            lines.append(f"    ... and {len(rows) - shown} more")
    return "\n".join(lines) + "\n"


def _context(rec: dict) -> str:
    parts = [str(rec["dataset"])]
    if not pd.isna(rec.get("time_period")):
        parts.append(str(int(rec["time_period"])))
    other = rec.get("counterpart_area")
    if isinstance(other, str) and other:
        parts.append(f"with {other}")
    if not pd.isna(rec.get("submission_id")):
        held = " (held for review)" if rec.get("status") == "held for review" else ""
        parts.append(f"submission {int(rec['submission_id'])}{held}")
    return " " + ", ".join(parts)


def quality_summary(engine: Engine) -> str:
    """The latest release's quality warnings by member state, as consolidate and demo print."""
    release = latest_release(engine)
    where = f"{release['folder']}/{INTERNAL}/quality_warnings.xlsx" if release else ""
    return render_quality(read_table(engine, "quality_warnings"), where)
