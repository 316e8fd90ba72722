"""Read a submitted file (CSV, XLSX, SDMX-CSV) into a RawTable of text cells.

The readers interpret nothing: they find the table, decode it, and remember where each row
stands in the file. What the columns and codes mean is the validator's business.
"""

from __future__ import annotations

from collections.abc import Collection

from pipelines.reading.csv_table import parse_csv
from pipelines.reading.dialect import detect_delimiter
from pipelines.reading.encoding import decode
from pipelines.reading.errors import UnreadableFile
from pipelines.reading.sniff import detect_format
from pipelines.reading.table import RawTable
from pipelines.reading.xlsx_table import parse_xlsx

#: Larger than any national submission: a full-detail register extract is a few hundred MB.
MAX_FILE_BYTES = 512 * 1024 * 1024

__all__ = ["MAX_FILE_BYTES", "RawTable", "UnreadableFile", "read_table"]


def read_table(
    data: bytes,
    known_headers: Collection[str],
    *,
    encoding: str | None = None,
    max_bytes: int = MAX_FILE_BYTES,
) -> RawTable:
    """Read the bytes of a submission. Raises UnreadableFile for a rule-1 failure."""
    if len(data) > max_bytes:
        raise UnreadableFile(
            "too_large", size_mb=round(len(data) / 1e6, 1), limit_mb=round(max_bytes / 1e6)
        )
    if detect_format(data) == "xlsx":
        return parse_xlsx(data)
    text, used = decode(data, encoding)
    if not text or text.isspace():
        raise UnreadableFile("empty")
    delimiter = detect_delimiter(text, known_headers)
    # UTF-8 as sent needs no encoding again for pyarrow (a copy of the whole file saved)
    utf8 = {"utf-8": data, "utf-8-sig": data[3:]}.get(used)
    return parse_csv(text, delimiter, used, utf8=utf8)
