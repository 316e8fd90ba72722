"""The warnings a submission's validation report holds, for the release's quality warnings."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from pipelines.intake.archive import load_report
from pipelines.settings import Settings
from pipelines.validation.messages import plain_json

COLUMNS = ["submission_id", "rule", "severity", "message", "suggestion", "kind", "params"]


def report_warnings(
    settings: Settings, registry: pd.DataFrame, ids: Iterable[int], rules: Iterable[str]
) -> pd.DataFrame:
    """The findings of `rules` in the reports of submissions `ids` (one row per finding)."""
    wanted, rules = {int(i) for i in ids}, set(rules)
    rows = []
    chosen = registry[registry["id"].isin(wanted) & registry["report_path"].notna()]
    for sid, path in zip(chosen["id"], chosen["report_path"], strict=True):  # one per file
        for f in load_report(settings.archive_dir, path).get("findings", []):
            if f.get("rule") in rules:
                found = {c: f.get(c) for c in COLUMNS[1:]}
                found["params"] = plain_json(found["params"] or {})
                rows.append({"submission_id": int(sid), **found})
    return pd.DataFrame(rows, columns=COLUMNS)
