"""The pipeline's own words (reports, templates, the CLI's report lines) in English, French
and Arabic, and numbers and dates as each language writes them.

The words live in gettext catalogues a translator edits, `pipelines/locale/<lang>/
LC_MESSAGES/*.po`, one per part (reports.po, template.po; English is the source text itself).
They are read with Babel when first needed, so there is no compiled file to forget: correcting
a translation is editing the .po file. Mark a text with `_("...")` where `_ = words(lang)`;
placeholders are `{name}`, filled in with `.format`; tests/test_pipeline_languages.py fails
until every marked text is in every catalogue with the same placeholders.

The labels of codes, datasets, concepts and the rule messages are not here: they are data,
beside the English in `definitions/`.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from pathlib import Path

from schemas.contract import LANGUAGES

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
#: Languages written right to left.
RTL = frozenset({"ar"})
#: The Babel locale each language formats numbers and dates in. Numbers keep the digits 0-9 in
#: every language (Babel's default numbering system), as the files focal points send do.
LOCALES = {"en": "en", "fr": "fr", "ar": "ar"}


def check_language(lang: str | None) -> str:
    """`lang` if it is one of the contract's languages ("en" when None); else a ValueError
    that names them."""
    lang = (lang or "en").strip().lower()
    if lang not in LANGUAGES:
        raise ValueError(f"the language is one of {', '.join(LANGUAGES)}, not {lang!r}")
    return lang


@functools.cache
def _catalogue(lang: str) -> dict[str, str]:
    from babel.messages.pofile import read_po

    out: dict[str, str] = {}
    for path in sorted((LOCALE_DIR / lang / "LC_MESSAGES").glob("*.po")):
        with path.open("rb") as fh:
            catalogue = read_po(fh, locale=lang)
        out.update(
            (str(m.id), str(m.string))
            for m in catalogue
            if m.id and isinstance(m.id, str) and m.string and "fuzzy" not in m.flags
        )
    return out


def words(lang: str = "en") -> Callable[[str], str]:
    """The translation function for `lang`: `_ = words("fr"); _("Rows")` -> "Lignes".
    A text the catalogue lacks stays English."""
    if lang == "en":
        return _same
    table = _catalogue(check_language(lang))
    return lambda text: table.get(text) or text


def _same(text: str) -> str:
    return text


def N_(text: str) -> str:  # noqa: N802 - gettext's name for the marker
    """Mark `text` for translation where it is defined, translated later where it is shown
    (`words(lang)(text)`): statuses, severities, what a file is."""
    return text


def number(value: float | int, lang: str = "en", *, digits: int | None = None) -> str:
    """`value` with the language's digit grouping and decimal mark: 1,204 / 1 204 / 1٬204.
    `digits` fixes the number of decimals."""
    from babel.numbers import format_decimal

    if digits is None:
        return format_decimal(value, locale=LOCALES[lang])
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(value, format=pattern, locale=LOCALES[lang])


def number_locale(lang: str = "en") -> dict[str, object]:
    """The marks `number` writes, as a d3-format locale (what Vega-Lite's charts take as
    `config.locale.number`), so a chart's axes group digits as the page beside it does."""
    from babel.numbers import get_decimal_symbol, get_group_symbol

    return {
        "decimal": get_decimal_symbol(LOCALES[lang]),
        "thousands": get_group_symbol(LOCALES[lang]),
        "grouping": [3],
        "currency": ["", ""],  # Vega-Lite's schema asks for one; no chart shows money
    }


def date(value: dt.date | dt.datetime | str, lang: str = "en") -> str:
    """A date (or an ISO timestamp, shown as its date and time) as the language writes it."""
    from babel.dates import format_date, format_datetime

    if isinstance(value, str):
        text = value
        try:
            value = dt.datetime.fromisoformat(text)
        except ValueError:
            return text
    if isinstance(value, dt.datetime):
        return format_datetime(value, format="medium", locale=LOCALES[lang])
    return format_date(value, format="long", locale=LOCALES[lang])


def direction(lang: str) -> str:
    """'rtl' or 'ltr', as HTML's dir attribute takes it."""
    return "rtl" if lang in RTL else "ltr"
