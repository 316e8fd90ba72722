"""The last stage before anything leaves the Secretariat: footnotes, then disclosure control.

Only what this returns is published; the unprotected tables stay in the internal asset storage.

The Dagster `publish` asset and `migstats rebuild` both call `finish_publication`, so a
release rebuilt from the archive goes through exactly the same stage.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from pipelines.disclosure import load_parameters, protect_tables
from pipelines.footnotes import add_footnotes
from schemas.contract import Contract


def finish_publication(
    contract: Contract, tables: dict[str, pd.DataFrame], registry: pd.DataFrame
) -> tuple[dict[str, pd.DataFrame], dict[str, Any]]:
    """The tables as published, and what the stage did (for the release metadata)."""
    tables, notes = add_footnotes(contract, tables, registry)
    params = load_parameters(contract)
    protected, summary = protect_tables(contract, {**tables, "footnotes": notes}, params)
    return protected, {
        "footnotes": len(notes),
        "definitions_sha256": contract.fingerprint,
        "disclosure": {**params.as_metadata(), "summary": summary.to_dict("records")},
    }
