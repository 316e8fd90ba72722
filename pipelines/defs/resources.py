"""Resources: the warehouse (registry, archive, publication database) and asset storage."""

import functools
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
    """The system's home folder and its database (SQLite in the home, or PostgreSQL by URL)."""

    home: str
    database_url: str

    @property
    def settings(self) -> Settings:
        return Settings(home=Path(self.home), database_url=self.database_url)

    @property
    def engine(self) -> Engine:
        return _engine(self.database_url)


def warehouse_from_env() -> Warehouse:
    settings = Settings.from_env()
    return Warehouse(home=str(settings.home), database_url=settings.database_url)


@dg.definitions
def resources() -> dg.Definitions:
    settings = Settings.from_env()
    return dg.Definitions(
        resources={
            "warehouse": warehouse_from_env(),
            "io_manager": ParquetStore(base_dir=str(settings.storage_dir)),
        }
    )
