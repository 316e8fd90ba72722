"""Turn a rule id, a kind and some values into the sentence rules.yaml defines for them."""

from __future__ import annotations

import math
from typing import Any

from schemas.contract import Contract


class _Blank(dict):
    # A template naming a value this finding lacks prints it empty rather than failing.
    def __missing__(self, key: str) -> str:
        return ""


def render(contract: Contract, rule: str, kind: str, **params: Any) -> str:
    """The message of `rule`/`kind`, filled in."""
    return contract.message(rule, kind).format_map(_Blank(params)).strip()


def render_fix(contract: Contract, rule: str, kind: str, **params: Any) -> str:
    """What the focal point should do, or '' where rules.yaml says nothing more."""
    template = contract.rules[rule].fix.get(kind, "")
    return template.format_map(_Blank(params)).strip()


def compact_rows(rows: list[int], limit: int = 6) -> str:
    """'5, 9 and 12' or '5, 9, 12, 14, 20, 21 and 1,204 more'."""
    rows = sorted(rows)
    shown = ", ".join(str(r) for r in rows[:limit])
    if len(rows) > limit:
        return f"{shown} and {len(rows) - limit:,} more"
    if len(rows) > 1:
        head, _, last = shown.rpartition(", ")
        return f"{head} and {last}"
    return shown


def percent_text(pct: float) -> str:
    """A percentage as a sentence shows it: '12.3', '0.0043' (a real gap never reads '0.0'), '∞'."""
    if math.isinf(pct):
        return "∞" if pct > 0 else "-∞"
    if pct == 0 or abs(pct) >= 0.1:
        return f"{pct:.1f}"
    digits = min(12, 1 - math.floor(math.log10(abs(pct))))
    return f"{pct:.{digits}f}"
