"""The portal's French and Arabic catalogues: complete, the same placeholders as the English,
compiled (the .mo files match the .po files a translator edits), and every text the pages
mark for translation is in them."""

from __future__ import annotations

import gettext
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

PORTAL = Path(__file__).resolve().parent.parent / "portal"
LANGUAGES = ["fr", "ar"]
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def catalogue(lang: str):
    with (PORTAL / "locale" / lang / "LC_MESSAGES" / "django.po").open("rb") as fh:
        return read_po(fh, locale=lang)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_text_is_translated_with_the_same_placeholders(lang):
    cat = catalogue(lang)
    messages = [m for m in cat if m.id]
    assert len(messages) > 80
    for m in messages:
        assert (m.string and m.string != m.id) or m.id in {"Id"}, m.id
        assert "fuzzy" not in m.flags, m.id
        assert sorted(PLACEHOLDER.findall(m.id)) == sorted(PLACEHOLDER.findall(m.string)), m.id


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_compiled_catalogue_is_the_one_translators_edit(lang):
    compiled = PORTAL / "locale" / lang / "LC_MESSAGES" / "django.mo"
    with compiled.open("rb") as fh:
        mo = gettext.GNUTranslations(fh)
    for m in catalogue(lang):
        if m.id:
            assert mo.gettext(m.id) == m.string, f"{m.id!r}: run `make messages`"


def marked_texts() -> set[str]:
    """The literal texts templates mark with {% trans %} and Python code with _()/gettext."""
    out = set()
    for path in (PORTAL / "templates").rglob("*.html"):
        out |= set(re.findall(r'{%\s*trans\s+"([^"]+)"', path.read_text(encoding="utf-8")))
        out |= set(re.findall(r"{%\s*trans\s+'([^']+)'", path.read_text(encoding="utf-8")))
    for path in PORTAL.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        out |= set(re.findall(r'\b_\(\s*"([^"]+)"\s*\)', text))
    return out


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_marked_text_is_in_the_catalogue(lang):
    ids = {m.id for m in catalogue(lang) if m.id}
    missing = sorted(marked_texts() - ids)
    assert not missing, f"not in the {lang} catalogue (run `make messages`): {missing}"
