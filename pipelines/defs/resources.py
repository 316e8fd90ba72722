"""Resources: the warehouse (registry, archive, publication database) and asset storage."""

import functools
from dataclasses import replace
from pathlib import Path

import dagster as dg
from sqlalchemy import Engine

from pipelines.defs.storage import ParquetStore
from pipelines.settings import Settings
from pipelines.warehouse.engine import make_engine
from pipelines.warehouse.registry import ensure_registry


@functools.cache
def _engine(url: str) -> Engine:
    engine = make_engine(url)
    ensure_registry(engine)
    return engine


class Warehouse(dg.ConfigurableResource):
    """The system's home folder and its database (SQLite in the home, or PostgreSQL by URL).

    Left unset, both come from MIGSTATS_HOME and MIGSTATS_DATABASE_URL when a run starts, so
    the same code location serves any home without being reloaded.
    """

    home: str | None = None
    database_url: str | None = None

    @property
    def settings(self) -> Settings:
        env = Settings.from_env()
        return replace(
            env,
            home=Path(self.home) if self.home else env.home,
            database_url=self.database_url or env.database_url,
        )

    @property
    def engine(self) -> Engine:
        return _engine(self.settings.database_url)


@dg.definitions
def resources() -> dg.Definitions:
    return dg.Definitions(resources={"warehouse": Warehouse(), "io_manager": ParquetStore()})
