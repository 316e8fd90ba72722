"""SQLAlchemy tables built from the contract: one `regional_<dataset>` table per dataset,
one per output, and the `codelist` table that gives their codes in words.

Code columns are short strings sized from their codelists, the key is the primary key, and the
table's comment is the dataset's label, so a database browser explains itself.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Column, Float, Integer, MetaData, String, Table, Text

from schemas.codelist_table import (
    CODELIST_TABLE,
    DESCRIPTION_COLUMNS,
    KEY_COLUMNS,
    LABEL_COLUMNS,
)
from schemas.contract import LANGUAGES, Contract, load_contract
from schemas.pandera_schemas import key_columns

#: Long enough for every code, including derived ones (COMESA, CMS_FOR).
CODE_LENGTH = 16
#: Long enough for a codelist id and for any code of any codelist ("accepted with warnings").
CODELIST_CODE_LENGTH = 64


def regional_table_name(dataset_id: str) -> str:
    return f"regional_{dataset_id}"


def build_metadata(contract: Contract | None = None, metadata: MetaData | None = None) -> MetaData:
    """Declare the published table of every dataset on `metadata` (a new one by default)."""
    contract = contract or load_contract()
    metadata = metadata if metadata is not None else MetaData()
    for ds in contract.datasets.values():
        key = key_columns(contract, ds.id)
        columns = []
        for name in key:
            spec = contract.columns.get(name) or contract.dimensions[name]
            kind = Integer() if name == "time_period" else String(CODE_LENGTH)
            columns.append(Column(name, kind, primary_key=True, comment=spec.label))
        columns += [
            Column(
                "obs_value", BigInteger, nullable=True, comment=contract.columns["obs_value"].label
            ),
            Column(
                "obs_status", String(1), nullable=False, default="", comment="Observation status"
            ),
            Column("conf_status", String(1), nullable=False, default="", comment="Confidentiality"),
            *(
                Column(cid, _SQL_TYPES[col.type](), nullable=True, comment=col.description)
                for cid, col in contract.regional_columns.items()
            ),
        ]
        Table(regional_table_name(ds.id), metadata, *columns, comment=ds.label)
    for out in contract.outputs.values():
        Table(
            out.id,
            metadata,
            *(
                Column(
                    cid,
                    _SQL_TYPES[col.type](),
                    primary_key=cid in out.key,
                    nullable=cid not in out.key,
                    comment=col.description,
                )
                for cid, col in out.columns.items()
            ),
            comment=out.label,
        )
    _codelist_table(metadata)
    return metadata


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


#: How each column type of outputs.yaml is stored.
_SQL_TYPES = {
    "code": lambda: String(32),
    "year": Integer,
    "count": BigInteger,
    "ratio": Float,
    "text": Text,
    "flag": lambda: String(1),
    "flag_bool": Boolean,
}
