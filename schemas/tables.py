"""SQLAlchemy tables built from the contract: one `regional_<dataset>` table per dataset.

Code columns are short strings sized from their codelists, the key is the primary key, and the
table's comment is the dataset's label, so a database browser explains itself.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Column, Float, Integer, MetaData, String, Table, Text

from schemas.contract import Contract, load_contract
from schemas.pandera_schemas import key_columns

#: Long enough for every code, including derived ones (COMESA, CMS_FOR).
CODE_LENGTH = 16


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
    return metadata


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
