"""SQLAlchemy tables built from the table model: every published table (the dissemination
tables and the outputs), and the `codelist` table that gives their codes in words.

Code columns are short strings, the key is the primary key, and the comments are the
contract's words, so a database browser explains itself.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import BigInteger, Boolean, Column, Float, Integer, MetaData, String, Table, Text
from sqlalchemy.types import TypeEngine

from schemas.codelist_table import (
    CODELIST_TABLE,
    DESCRIPTION_COLUMNS,
    KEY_COLUMNS,
    LABEL_COLUMNS,
)
from schemas.contract import LANGUAGES, Contract, load_contract
from schemas.table_model import Field, TableModel

#: Long enough for every code, including derived ones (COMESA, CMS_FOR), and for a text code
#: such as a submission's status ("accepted with warnings").
CODE_LENGTH = 32
#: Long enough for a codelist id and for any code of any codelist ("accepted with warnings").
CODELIST_CODE_LENGTH = 64


def build_metadata(contract: Contract | None = None, metadata: MetaData | None = None) -> MetaData:
    """Declare every published table of the table model on `metadata` (a new one by default):
    each field a column of its type, the key the primary key, the words as comments."""
    contract = contract or load_contract()
    metadata = metadata if metadata is not None else MetaData()
    for model in contract.tables.by_name.values():
        sql_table(model, metadata)
    _codelist_table(metadata)
    return metadata


def sql_table(model: TableModel, metadata: MetaData) -> Table:
    """The SQL table of a published table model."""
    return Table(
        model.name,
        metadata,
        *(sql_column(f, key=f.id in model.key) for f in model.fields),
        comment=model.label,
    )


def sql_column(f: Field, *, key: bool) -> Column[Any]:
    """A field as a column: its type, NOT NULL where it always has a value."""
    kind = _SQL_TYPES[f.type]()
    if key:
        return Column(f.id, kind, primary_key=True, comment=f.label or f.description)
    # A flag is "" for none, never NULL: a filter on it needs no IS NULL.
    default = "" if f.type == "flag" and not f.nullable else None
    return Column(
        f.id, kind, nullable=f.nullable, default=default, comment=f.description or f.label
    )


def _codelist_table(metadata: MetaData) -> Table:
    """`codelist`: one row per codelist and code with its words in every language, to join
    with a published table (`ON c.codelist = 'CL_SEX' AND c.code = r.sex`)."""
    codelist, code = KEY_COLUMNS
    return Table(
        CODELIST_TABLE,
        metadata,
        Column(codelist, String(CODELIST_CODE_LENGTH), primary_key=True, comment="Codelist id"),
        # "" is a code (obs_status's normal value, conf_status's free one), never NULL.
        Column(code, String(CODELIST_CODE_LENGTH), primary_key=True, comment="Code"),
        *(
            Column(name, Text, nullable=False, comment=f"Label ({lang})")
            for name, lang in zip(LABEL_COLUMNS, LANGUAGES, strict=True)
        ),
        *(
            Column(name, Text, nullable=False, comment=f"Description ({lang})")
            for name, lang in zip(DESCRIPTION_COLUMNS, LANGUAGES, strict=True)
        ),
        comment="The codes of the published tables with their labels in English, French, Arabic",
    )


#: How each field type (schemas/table_model.py) is stored.
_SQL_TYPES: dict[str, Callable[[], TypeEngine[Any]]] = {
    "area": lambda: String(CODE_LENGTH),
    "code": lambda: String(CODE_LENGTH),
    "year": Integer,
    "count": BigInteger,
    "ratio": Float,
    "text": Text,
    "flag": lambda: String(1),
    "flag_bool": Boolean,
}
