"""The last stage before anything leaves the Secretariat: footnotes, then disclosure control.

The Dagster `publish` asset and `migstats rebuild` both call `finish_publication`, so a
release rebuilt from the archive goes through exactly the same stage.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from pipelines.disclosure.confidential import withhold_confidential
from pipelines.footnotes import add_footnotes
from schemas.contract import Contract


def finish_publication(
    contract: Contract, tables: dict[str, pd.DataFrame], registry: pd.DataFrame
) -> tuple[dict[str, pd.DataFrame], dict[str, Any]]:
    """The tables as published, and what the stage did (for the release metadata)."""
    tables, notes = add_footnotes(contract, tables, registry)
    tables = {**tables, "footnotes": notes}
    protected = {name: withhold_confidential(frame) for name, frame in tables.items()}
    return protected, {"footnotes": len(notes), "definitions_sha256": contract.fingerprint}
