"""R1, file unreadable: what the readers (pipelines.reading) could not make a table of, as a
finding. A reader raises or records an UnreadableFile with its kind (encoding, zip bomb,
too large, no rows, ...) and the values its sentence needs; this is the one place it
becomes a finding.
"""

from __future__ import annotations

from typing import Any

from pipelines.reading import UnreadableFile
from pipelines.validation.findings import finding
from schemas.contract import Contract

RULE = "R1"


def r1_finding(contract: Contract, problem: UnreadableFile) -> dict[str, Any]:
    """The rule-1 finding of a reader's failure."""
    return finding(contract, RULE, problem.kind, row=problem.row, **problem.params)
