"""Nearest valid code or column for a value a focal point typed ('KENYA' -> 'KEN')."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from schemas.contract import Codelist


class CodeSuggester:
    """Suggests, for one codelist, the code a mistyped value most likely meant.

    Tried in order: the code in other letter case ('ken'), a code whose label or official
    name is the value ('Kenya', 'KENYA'), then the closest spelling among codes and labels.
    """

    def __init__(self, codelist: Codelist, extra_names: Iterable[tuple[str, str]] = ()) -> None:
        self.codelist = codelist
        self._by_upper = {c.code.upper(): c.code for c in codelist.codes if c.code}
        names: dict[str, str] = {}
        for code in codelist.codes:
            for name in (code.label, code.description):
                if name and len(name) < 60:
                    names.setdefault(name.upper(), code.code)
        for name, code_id in extra_names:
            names.setdefault(name.upper(), code_id)
        self._by_name = names

    def __call__(self, value: str) -> str | None:
        text = value.strip().upper()
        if not text:
            return None
        if text in self._by_upper:
            return self._by_upper[text]
        if text in self._by_name:
            return self._by_name[text]
        close = difflib.get_close_matches(text, self._by_upper, n=1, cutoff=0.6)
        if close:
            return self._by_upper[close[0]]
        close = difflib.get_close_matches(text, self._by_name, n=1, cutoff=0.8)
        return self._by_name[close[0]] if close else None

    def describe(self, code: str) -> str:
        """'KEN (Kenya)': a code with its label, as a suggestion reads best."""
        label = self.codelist.label_of(code)
        return f"{code} ({label})" if label and label != code else code


def nearest_name(value: str, names: Iterable[str]) -> str | None:
    """The closest of `names` to a mistyped header, if any is close."""
    close = difflib.get_close_matches(value.strip().lower(), list(names), n=1, cutoff=0.6)
    return close[0] if close else None
