"""The one exception the readers raise: a rule-1 failure, already phrased for the focal point."""

from __future__ import annotations

from typing import Any


class UnreadableFile(Exception):
    """The file cannot be read as a table (rule R1); `kind` picks the message in rules.yaml."""

    def __init__(self, kind: str, row: int | None = None, **params: Any) -> None:
        super().__init__(kind, params)
        self.kind = kind
        self.row = row
        self.params = params
