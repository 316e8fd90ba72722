"""What every reader returns: the cells as text, and where each row stands in the file."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd


@dataclass
class RawTable:
    """A submitted table before any interpretation.

    `frame` holds every cell as a string (empty string for an empty cell), its columns named
    by position ("c0", "c1", ...); `header` holds the header cells as written. `rows` holds, for
    each frame row, the row number a person sees when opening the file in Excel. `problems` are
    rule-1 findings that did not stop the reading (malformed lines), as (kind, row, params).
    """

    frame: pd.DataFrame
    header: list[str]
    rows: np.ndarray
    format: str
    details: dict[str, Any] = field(default_factory=dict)
    metadata: dict[str, str] = field(default_factory=dict)
    problems: list[tuple[str, int | None, dict[str, Any]]] = field(default_factory=list)
