"""Sender-confidential cells (conf_status C) are never published: their value is withheld.

The stop-gap publication used before disclosure control existed. `protect_tables`
(pipelines.disclosure.protect) supersedes it: it withholds C cells too, and protects them and
the small cells by secondary suppression. Kept so that callers can switch over one at a time.
"""

from __future__ import annotations

import pandas as pd

CONFIDENTIAL = "C"


def withhold_confidential(frame: pd.DataFrame) -> pd.DataFrame:
    """The table with obs_value emptied wherever conf_status is C; other cells untouched."""
    if "conf_status" not in frame or "obs_value" not in frame:
        return frame
    secret = frame["conf_status"].eq(CONFIDENTIAL).to_numpy()
    if not secret.any():
        return frame
    out = frame.copy()
    out.loc[secret, "obs_value"] = pd.NA
    return out
