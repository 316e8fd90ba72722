"""The submission registry: every file received, accepted or not, and the releases made.

The tables live here, apart from the engine (engine.py) and from the published tables
(schemas/tables.py), so each can change without the others.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import random
import time
from typing import Any

import pandas as pd
from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Engine,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    inspect,
    select,
)
from sqlalchemy.exc import DBAPIError, IntegrityError

from schemas.contract import Contract, load_contract

LOG = logging.getLogger("migstats.registry")
#: A metadata field as the registry records it: id, column kind (code, date, text), label.
MetadataColumn = tuple[str, str, str]


def _submissions(metadata: MetaData, fields: tuple[MetadataColumn, ...]) -> Table:
    """The submissions table with a column for each metadata field of a contract."""
    kinds = {"code": String(64), "date": String(10), "text": Text()}
    return Table(
        "submissions",
        metadata,
        *_before_metadata(),
        # The submission's metadata (metadata.yaml): one column per field, so a field added
        # there is recorded with no edit here.
        *(Column(fid, kinds[kind], comment=label) for fid, kind, label in fields),
        *_after_metadata(),
    )


def _before_metadata() -> list[Column]:
    return [
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("country", String(3), nullable=False),
        Column("dataset", String(40), nullable=False),
        Column(
            "original_name",
            Text,
            nullable=False,
            comment="As uploaded; metadata only, never a path",
        ),
        Column("stored_path", Text, nullable=False, comment="Relative to the archive folder"),
        Column("size", BigInteger, nullable=False),
        Column("sha256", String(64), nullable=False),
        Column("received_at", DateTime(timezone=True), nullable=False),
        Column("channel", String(16), nullable=False, comment="cli, inbox, portal or demo"),
    ]


def _after_metadata() -> list[Any]:
    return [
        Column("status", String(32), nullable=False),
        Column("format", String(32)),
        Column("years", Text, comment="Reference years in the file, comma-separated"),
        Column("rows", Integer),
        Column("errors", Integer),
        Column("warnings", Integer),
        Column("report_path", Text),
        Column("rows_path", Text, comment="Accepted rows as Parquet, relative to the archive"),
        Column("warning_rules", Text, comment="Rules with warnings in its report, e.g. 'R8 R12'"),
        Column("impact", Text, comment="JSON: what it changes against the data in force"),
        Column("held_reason", Text, comment="Why it was held for review (one sentence per reason)"),
        Column("decision", String(16), comment="approved or declined, for a held submission"),
        Column("decided_by", Text),
        Column("decided_at", DateTime(timezone=True)),
        Column("decision_reason", Text),
        Column(
            "generation",
            Integer,
            comment="0 for the first registration of these bytes; n for the n-th resend that "
            "returned a superseded vintage to force",
        ),
        Column(
            "reinstates", Integer, comment="The earlier submission of the same bytes it returns"
        ),
        Index("ix_submissions_country_dataset", "country", "dataset"),
        Index("ix_submissions_sha256", "sha256"),
        # The same bytes are registered once per vintage, however many processes send them at once.
        Index("ux_submissions_bytes", "country", "dataset", "sha256", "generation", unique=True),
    ]


#: The releases made; it does not depend on the contract.
release_metadata = MetaData()
releases = Table(
    "releases",
    release_metadata,
    Column("release_id", String(40), primary_key=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("folder", Text),
    Column("submissions", Text, comment="Submission ids in force, comma-separated"),
    Column("parameters", Text, comment="JSON"),
)


@functools.cache
def _registry(fields: tuple[MetadataColumn, ...]) -> MetaData:
    metadata = MetaData()
    _submissions(metadata, fields)
    return metadata


def submissions_table(contract: Contract | None = None) -> Table:
    """The submissions table under `contract` (the default one: MIGSTATS_DEFINITIONS, else
    the repository's), with a nullable column per metadata field of metadata.yaml."""
    contract = contract or load_contract()
    fields = tuple(
        (f.id, "code" if f.codelist else "date" if f.type == "date" else "text", f.label)
        for f in contract.metadata_fields.values()
    )
    return _registry(fields).tables["submissions"]


def ensure_registry(engine: Engine, contract: Contract | None = None) -> None:
    """Create the registry tables where they do not exist yet, and bring a store made by an
    earlier version or an earlier contract up to date (every column added since is nullable,
    a metadata field added to the contract among them; indexes added).

    Safe when many processes start at once on a new database: a creation that loses the race
    to another ("table already exists", PostgreSQL's pg_type unique violation) is tried
    again, and then finds the tables there.
    """
    tables = [submissions_table(contract), releases]
    for attempt in range(5):
        try:
            for table in tables:
                table.create(engine, checkfirst=True)
            _add_missing_columns(engine, tables)
            _add_missing_indexes(engine, tables)
            return
        except DBAPIError:
            if attempt == 4:
                raise
            time.sleep(0.05 * (attempt + 1) + random.random() * 0.05)


def _add_missing_columns(engine: Engine, tables: list[Table]) -> None:
    found = inspect(engine)
    for table in tables:
        have = {c["name"] for c in found.get_columns(table.name)}
        missing = [c for c in table.columns if c.name not in have]
        if not missing:
            continue
        with engine.begin() as conn:
            for column in missing:
                kind = column.type.compile(dialect=engine.dialect)
                conn.exec_driver_sql(
                    f'ALTER TABLE "{table.name}" ADD COLUMN "{column.name}" {kind}'
                )


def _add_missing_indexes(engine: Engine, tables: list[Table]) -> None:
    found = inspect(engine)
    for table in tables:
        have = {i["name"] for i in found.get_indexes(table.name)}
        for index in table.indexes:
            if index.name in have:
                continue
            try:
                index.create(engine)
            except IntegrityError:
                # A store registered the same bytes twice before the index existed: the
                # uniqueness holds from the next registration on, the old rows stay.
                LOG.warning("index %s not created: the registry holds duplicates", index.name)


def find_by_hash(engine: Engine, country: str, dataset: str, sha256: str) -> dict[str, Any] | None:
    """The latest submission of the same bytes by the same state for the same dataset."""
    submissions = submissions_table()
    query = (
        select(submissions)
        .where(
            submissions.c.country == country,
            submissions.c.dataset == dataset,
            submissions.c.sha256 == sha256,
        )
        .order_by(submissions.c.id.desc())
        .limit(1)
    )
    with engine.connect() as conn:
        row = conn.execute(query).mappings().first()
    return dict(row) if row else None


def submissions_frame(
    engine: Engine, *, country: str | None = None, dataset: str | None = None
) -> pd.DataFrame:
    """The registry as a DataFrame, oldest first, optionally for one state and/or dataset."""
    submissions = submissions_table()
    query = select(submissions).order_by(submissions.c.id)
    if country:
        query = query.where(submissions.c.country == country)
    if dataset:
        query = query.where(submissions.c.dataset == dataset)
    with engine.connect() as conn:
        rows = conn.execute(query).mappings().all()
    columns = [c.name for c in submissions.columns]
    return pd.DataFrame([dict(r) for r in rows], columns=columns)


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def latest_release(engine: Engine) -> dict[str, Any] | None:
    """The releases row of the latest publication, or None before the first."""
    query = select(releases).order_by(releases.c.created_at.desc()).limit(1)
    with engine.connect() as conn:
        row = conn.execute(query).mappings().first()
    return dict(row) if row else None


def published_release_ids(engine: Engine) -> set[str]:
    """Every release the database records: the ones that were published."""
    with engine.connect() as conn:
        return {r[0] for r in conn.execute(select(releases.c.release_id))}


def registry_position(engine: Engine, in_force: tuple[str, ...]) -> tuple[int, int, str]:
    """(highest id, highest id of a submission in force, latest approval time as text):
    what a sensor compares with its cursor to tell that the data in force changed."""
    from sqlalchemy import func

    submissions = submissions_table()
    with engine.connect() as conn:
        top = conn.execute(select(func.max(submissions.c.id))).scalar() or 0
        top_in_force = (
            conn.execute(
                select(func.max(submissions.c.id)).where(submissions.c.status.in_(in_force))
            ).scalar()
            or 0
        )
        approved = conn.execute(
            select(func.max(submissions.c.decided_at)).where(submissions.c.decision == "approved")
        ).scalar()
    return int(top), int(top_in_force), str(approved or "")
