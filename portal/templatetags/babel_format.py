"""Numbers and dates in the page's language, as Babel (the CLDR) writes them: the same
conventions as the reports and templates (pipelines.i18n), not Django's own format files.

    {% load babel_format %} {{ summary.rows|number }} {{ rec.received_at|when }}
"""

from __future__ import annotations

import datetime as dt

from django import template

from pipelines.i18n import date, number, words
from portal.forms import language

register = template.Library()


@register.filter(name="number")
def number_filter(value: object) -> str:
    """1,204 / 1 204 / 1,204 (Arabic keeps the digits 0-9, as the files do)."""
    try:
        return number(int(value) if isinstance(value, str) else value, language())  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return "" if value is None else str(value)


@register.filter(name="when")
def when_filter(value: object) -> str:
    """A timestamp as the language writes a date and time (UTC, as stored)."""
    if value in (None, ""):
        return ""
    if isinstance(value, dt.datetime | dt.date | str):
        return date(value, language())
    return str(value)


@register.filter(name="say")
def say_filter(value: object) -> str:
    """A word the pipeline writes (a submission's status, a severity) in the page's language,
    from the pipeline's catalogues (pipelines/locale)."""
    return words(language())(str(value)) if value not in (None, "") else ""
