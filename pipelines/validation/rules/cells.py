"""What the cell rules (R3-R6) share: the file they judge, and the shape of a rule module.

The Pandera schema (schemas/pandera_schemas.py) finds the failing cells, every one at once;
each cell rule's module then says what a failure of its rule is (its `kind`: an empty code, a
negative number, a future year) and which values its sentence needs. The validator only
orchestrates them (pipelines.validation.validator).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import pandas as pd

from schemas.contract import Contract


@dataclass(frozen=True)
class CellContext:
    """The submission the failing cells belong to."""

    contract: Contract
    dataset: str
    country: str
    #: The age groups of the file's age scheme; None for a file without age groups.
    scheme: tuple[str, ...] | None


class CellRule(Protocol):
    """A rule module of R3-R6: `kinds` refines the failures Pandera reports for the rule (one
    per row of `cases`: rule, kind, column, value), `params` gives the values the sentence of
    one distinct failure needs."""

    RULE: str

    def kinds(self, ctx: CellContext, cases: pd.DataFrame) -> pd.Series: ...

    def params(self, ctx: CellContext, kind: str, column: str, value: str) -> dict[str, Any]: ...
