"""Tell what a file really is from its first bytes, whatever its name says.

A focal point's `.csv` may be a zipped workbook, a legacy `.xls`, a gzip archive or JSON: each
gets its own sentence rather than a parser's traceback.
"""

from __future__ import annotations

import io
import zipfile

from pipelines.i18n import N_
from pipelines.reading.errors import UnreadableFile

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def detect_format(data: bytes) -> str:
    """Return 'xlsx' or 'text'; raise UnreadableFile(wrong_type) for anything else."""
    if not data.strip(b" \t\r\n\x00"):
        raise UnreadableFile("empty")
    if data.startswith(b"PK\x03\x04"):
        return _zip_kind(data)
    if data.startswith(_OLE2):
        raise UnreadableFile("wrong_type", what=N_("a legacy Excel 97-2003 workbook (.xls)"))
    if data.startswith(b"\x1f\x8b"):
        raise UnreadableFile("wrong_type", what=N_("a gzip-compressed archive"))
    if data.startswith(b"%PDF"):
        raise UnreadableFile("wrong_type", what=N_("a PDF document"))
    head = data[:64].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head[:1] in (b"{", b"["):
        raise UnreadableFile("wrong_type", what=N_("a JSON document"))
    if head[:1] == b"<":
        raise UnreadableFile("wrong_type", what=N_("an XML or HTML document"))
    return "text"


def _zip_kind(data: bytes) -> str:
    try:
        names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    except zipfile.BadZipFile:
        raise UnreadableFile("wrong_type", what=N_("a damaged ZIP archive")) from None
    if "xl/workbook.xml" in names:
        return "xlsx"
    if "mimetype" in names and any(n == "content.xml" for n in names):
        raise UnreadableFile("wrong_type", what=N_("an OpenDocument spreadsheet (.ods)"))
    raise UnreadableFile("wrong_type", what=N_("a ZIP archive"))
