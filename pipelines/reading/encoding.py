"""Decode a text submission: UTF-8 (with or without BOM), UTF-16, or a declared Windows code page.

Anything else is refused with the line of the first unreadable byte, because guessing an
encoding silently turns "Côte d'Ivoire" into mojibake in a published table.
"""

from __future__ import annotations

import codecs

from pipelines.i18n import N_
from pipelines.reading.errors import UnreadableFile

#: Encodings a focal point may declare; Windows code pages are what Excel writes by default.
DECLARABLE = {f"cp{n}" for n in range(1250, 1259)} | {"utf-8", "utf-16", "utf-16-le", "utf-16-be"}


def normalise_encoding_name(name: str) -> str | None:
    """The canonical name of a declarable encoding ('windows-1252' -> 'cp1252'), else None."""
    try:
        canonical = codecs.lookup(name).name
    except LookupError:
        return None
    canonical = canonical.replace("_", "-")
    return canonical if canonical in DECLARABLE else None


def decode(data: bytes, declared: str | None = None) -> tuple[str, str]:
    """Return (text, encoding name). Raises UnreadableFile('encoding') with the failing line."""
    if data.startswith(codecs.BOM_UTF8):
        return _strict(data[len(codecs.BOM_UTF8) :], "utf-8"), "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _strict(data, "utf-16"), "utf-16"
    if declared:
        return _strict(data, declared), declared
    bom_less_utf16 = _bom_less_utf16(data)
    if bom_less_utf16:
        return _strict(data, bom_less_utf16), bom_less_utf16
    return _strict(data, "utf-8"), "utf-8"


def _bom_less_utf16(data: bytes) -> str | None:
    # ASCII text in UTF-16 has a NUL in every other byte: a strong signal that UTF-8 never gives.
    sample = data[:200]
    if len(sample) < 4:
        return None
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    if odd > 0.8 * len(sample[1::2]):
        return "utf-16-le"
    if even > 0.8 * len(sample[0::2]):
        return "utf-16-be"
    return None


def _strict(data: bytes, encoding: str) -> str:
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise UnreadableFile("encoding", row=line) from None
    if "\x00" in text:
        raise UnreadableFile("wrong_type", what=N_("a binary file"))
    return text
