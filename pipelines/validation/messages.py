"""Turn a rule id, a kind and some values into the sentence rules.yaml defines for them, in
English, French or Arabic.

A finding keeps the values its sentence is made of (`params`), as data: numbers as numbers,
codes as codes, rows as a list. The sentence is written from them in the reader's language
when a report is written, so one validation serves every language:

- numbers get the language's digit grouping (1,204 / 1 204); row numbers and years are
  written plainly (keys in PLAIN); keys ending in `_pct` are percentages;
- `rows` (a list of row numbers) reads '5, 9 and 12' in the language;
- from a code, the words a person reads: `country` gives `{country_name}`, `column` gives
  `{column_label}`, `codelist_id` gives `{codelist}`, `scheme_id` gives `{scheme}`, and
  `guess_code` (in `guess_codelist`) gives `{guess}`, 'KEN (Kenya)';
- `guess` (or `guess_code`) puts the rule's `did_you_mean` fix before the fix,
  `other_dimension` puts `other_dataset_dimension` there, and `characters` adds R3's
  `strange_characters` to the message.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

from pipelines.i18n import number, words
from schemas.contract import Contract

#: Whole numbers that are names, not quantities: written without digit grouping.
PLAIN = frozenset(
    {
        "row",
        "first_row",
        "total_row",
        "time_period",
        "previous_year",
        "flow_year",
        "current_year",
        "current_year_minus_1",
    }
)
#: Fixes put before another fix (not fixes of a message of their own): what the value most
#: likely meant, and that a column belongs to other datasets.
PREFIX_FIXES = ("did_you_mean", "other_dataset_dimension")
#: Percentages written with their sign (a change).
SIGNED = frozenset({"change_pct", "stock_change", "difference"})


class _Blank(dict):
    # A template naming a value this finding lacks prints it empty rather than failing.
    def __missing__(self, key: str) -> str:
        return ""


def render(contract: Contract, rule: str, kind: str, lang: str = "en", **params: Any) -> str:
    """The message of `rule`/`kind` in `lang`, filled in."""
    filled = _Blank(localised(contract, params, lang))
    text = contract.rules[rule].message_in(kind, lang).format_map(filled).strip()
    if params.get("characters"):
        odd = contract.rules["R3"].message_in("strange_characters", lang).format_map(filled)
        text = f"{text} {odd.strip()}"
    return text


def render_fix(contract: Contract, rule: str, kind: str, lang: str = "en", **params: Any) -> str:
    """What the focal point should do, in `lang`, or '' where rules.yaml says nothing more."""
    spec = contract.rules[rule]
    filled = _Blank(localised(contract, params, lang))
    parts = []
    if (params.get("guess") or params.get("guess_code")) and "did_you_mean" in spec.fix:
        parts.append(spec.fix_in("did_you_mean", lang))
    if params.get("other_dimension") and "other_dataset_dimension" in spec.fix:
        parts.append(spec.fix_in("other_dataset_dimension", lang))
    parts.append(spec.fix_in(kind, lang))
    return " ".join(p.format_map(filled).strip() for p in parts if p).strip()


def localised(contract: Contract, params: Mapping[str, Any], lang: str = "en") -> dict[str, Any]:
    """`params` as the sentence in `lang` shows them (see the module's docstring)."""
    out: dict[str, Any] = {}
    for key, value in params.items():
        if isinstance(value, bool) or value is None:
            out[key] = "" if value is None else value
        elif key.endswith("_pct") and isinstance(value, float):  # a whole per cent is an int
            out[key] = percent_text(float(value), lang, signed=key in SIGNED)
        elif key == "rows" and isinstance(value, list | tuple):
            out[key] = compact_rows([int(r) for r in value], lang=lang)
        elif isinstance(value, int | float) and key not in PLAIN:
            text = number(value, lang)
            out[key] = f"+{text}" if key in SIGNED and value > 0 else text
        elif key == "what" and isinstance(value, str):
            out[key] = words(lang)(value)  # what a file is, marked N_ where it is found
        else:
            out[key] = value
    country = params.get("country")
    if country and country in contract.countries.ids:
        out["country_name"] = contract.countries.label_of(str(country), lang)
    column = params.get("column")
    if column:
        spec = contract.dimensions.get(column) or contract.columns.get(column)
        if spec is not None:
            label = spec.label_in(lang)
            out["column_label"] = label if lang == "ar" else label[:1].lower() + label[1:]
    codelist = contract.codelists.get(str(params.get("codelist_id") or ""))
    if codelist is not None:
        out["codelist"] = f"{codelist.id} ({codelist.label_in(lang)})"
    scheme = contract.codelists.get(str(params.get("scheme_id") or ""))
    if scheme is not None:
        out["scheme"] = scheme.label_in(lang)
    guess = params.get("guess_code")
    if guess:
        in_list = contract.codelists.get(str(params.get("guess_codelist") or ""))
        label = in_list.label_of(str(guess), lang) if in_list is not None else ""
        out["guess"] = f"{guess} ({label})" if label and label != guess else str(guess)
    return out


def compact_rows(rows: list[int], limit: int = 6, lang: str = "en") -> str:
    """'5, 9 and 12' or '5, 9, 12, 14, 20, 21 and 1,204 more', in `lang`."""
    _ = words(lang)
    rows = sorted(rows)
    shown = ", ".join(str(r) for r in rows[:limit])
    if len(rows) > limit:
        return _("{rows} and {count} more").format(
            rows=shown, count=number(len(rows) - limit, lang)
        )
    if len(rows) > 1:
        head, _sep, last = shown.rpartition(", ")
        return _("{rows} and {last}").format(rows=head, last=last)
    return shown


def percent_text(pct: float, lang: str = "en", *, signed: bool = False) -> str:
    """A percentage as a sentence shows it: '12.3', '0.0043' (a real gap never reads '0.0'),
    '∞'; with the language's decimal mark, and '+' before a rise when `signed`."""
    if math.isinf(pct):
        return ("+∞" if signed else "∞") if pct > 0 else "-∞"
    small = pct != 0 and abs(pct) < 0.1
    digits = min(12, 1 - math.floor(math.log10(abs(pct)))) if small else 1
    text = number(pct, lang, digits=digits)
    return f"+{text}" if signed and pct > 0 else text


def plain_json(params: Mapping[str, Any]) -> str:
    """A sentence's values as JSON text, keys sorted (the same values give the same text):
    what a table keeps to say the sentence again in another language."""
    return json.dumps(params, sort_keys=True, ensure_ascii=False, default=_plain)


def _plain(value: Any) -> Any:
    """numpy and pandas scalars as the Python values JSON knows; anything else as text."""
    item = getattr(value, "item", None)
    return item() if callable(item) else str(value)
