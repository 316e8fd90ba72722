"""Parse CSV text into a RawTable with pyarrow, keeping every malformed line as a finding."""

from __future__ import annotations

import csv
import io

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from pipelines.i18n import N_
from pipelines.reading.dialect import NAMES
from pipelines.reading.errors import UnreadableFile
from pipelines.reading.table import RawTable


def parse_csv(text: str, delimiter: str, encoding: str, utf8: bytes | None = None) -> RawTable:
    """Read all records as strings; lines with the wrong number of fields become problems.

    `utf8`: the same text as UTF-8 bytes, when the caller has them already.
    """
    try:
        # the first record only (a header cell may hold a quoted line break)
        header = next(csv.reader(io.StringIO(text[:1_000_000]), delimiter=delimiter))
    except (StopIteration, csv.Error):
        raise UnreadableFile("empty") from None
    width = len(header)
    data = utf8 if utf8 is not None else text.encode("utf-8")
    table, invalid = _read(data, delimiter, width, use_threads=True)
    if invalid:
        # Line numbers of malformed lines are only known to a single-threaded parse.
        table, invalid = _read(data, delimiter, width, use_threads=False)
    frame = table.to_pandas()
    frame.columns = [f"c{i}" for i in range(width)]
    frame = frame.iloc[1:].reset_index(drop=True)  # the first record is the header
    skipped = sorted(n for n, _ in invalid if n is not None)
    total = len(frame) + len(invalid)
    rows = np.arange(2, total + 2)
    if skipped:
        rows = np.setdiff1d(rows, np.asarray(skipped, dtype=np.int64))[: len(frame)]
    problems = [
        ("malformed_row", n, {"actual": actual, "expected": width}) for n, actual in invalid
    ]
    return RawTable(
        frame=frame,
        header=header,
        rows=rows.astype(np.int64),
        format="csv",
        details={"encoding": encoding, "delimiter": NAMES.get(delimiter, delimiter)},
        problems=problems,
    )


def _read(
    data: bytes, delimiter: str, width: int, *, use_threads: bool
) -> tuple[pa.Table, list[tuple[int | None, int]]]:
    invalid: list[tuple[int | None, int]] = []

    def on_invalid(row: pacsv.InvalidRow) -> str:
        invalid.append((row.number, row.actual_columns))
        return "skip"

    names = [f"f{i}" for i in range(width)]
    try:
        table = pacsv.read_csv(
            io.BytesIO(data),
            read_options=pacsv.ReadOptions(column_names=names, use_threads=use_threads),
            parse_options=pacsv.ParseOptions(
                delimiter=delimiter,
                newlines_in_values=True,
                ignore_empty_lines=False,
                invalid_row_handler=on_invalid,
            ),
            convert_options=pacsv.ConvertOptions(
                # Dictionary-encoded: a column holds a few distinct codes, and every later
                # step works on those (pandas categoricals) rather than on a million strings.
                column_types=dict.fromkeys(names, pa.dictionary(pa.int32(), pa.string())),
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowException) as exc:
        raise UnreadableFile("unreadable", what=N_("CSV"), reason=str(exc).split("\n")[0]) from None
    return table, invalid
