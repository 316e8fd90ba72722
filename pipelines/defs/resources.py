"""Resources: the contract, the warehouse (registry, archive, publication database) and asset
storage.

Settings enter here, when a run starts, never when a module is imported: the warehouse reads
MIGSTATS_HOME and MIGSTATS_DATABASE_URL (or the store found from the working directory) and the
contract reads MIGSTATS_DEFINITIONS, unless a field is set. Optional settings do not use
`dg.EnvVar`, which has no default: a store found without MIGSTATS_HOME must still work.
"""

import functools
from dataclasses import replace
from pathlib import Path

import dagster as dg
from sqlalchemy import Engine

from pipelines.defs.storage import ParquetStore
from pipelines.settings import Settings
from pipelines.warehouse.engine import make_engine
from pipelines.warehouse.registry import ensure_registry
from schemas.contract import Contract, load_contract


@functools.cache
def _engine(url: str) -> Engine:
    engine = make_engine(url)
    ensure_registry(engine)
    return engine


class Store(dg.ConfigurableResource):
    """A store: its home folder and its database (SQLite in the home, or PostgreSQL by URL).

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


class Warehouse(Store):
    """Where a run publishes: the store's database and release folder."""


class SubmissionSource(Store):
    """Where a consolidation reads the submissions: a store's registry and archive (left
    unset, the warehouse's own store), all of them or a pinned set.

    A rebuild pins the submissions a release used (`submission_ids`), the registry as it
    stood (`registry_upto`, and `as_of`: a review decided later is undone), and writes into a
    scratch warehouse: the same job, the same assets, the same code.
    """

    submission_ids: list[int] | None = None
    registry_upto: int | None = None
    as_of: str | None = None

    @property
    def pinned(self) -> bool:
        return self.submission_ids is not None


class ContractDefinitions(dg.ConfigurableResource):
    """The contract a run validates and publishes under: the definitions folder `folder`, or
    MIGSTATS_DEFINITIONS, or the repository's `definitions/`. Its fingerprint is computed
    from the bytes that were loaded, and recorded with every release."""

    folder: str | None = None

    def load(self) -> Contract:
        return load_contract(self.folder)

    @property
    def fingerprint(self) -> str:
        return self.load().fingerprint

    def matching(self, graph: Contract) -> Contract:
        """The contract, if it is the one the asset graph was built from; a Failure if the
        definitions changed since the code location loaded (a run must not mix the two)."""
        contract = self.load()
        if contract.fingerprint != graph.fingerprint:
            raise dg.Failure(
                f"The definitions in {contract.path} are not the ones this code location was "
                f"loaded with (fingerprint {contract.fingerprint[:12]}, loaded "
                f"{graph.fingerprint[:12]}). Reload the code location (the Reload button in "
                "the UI, or restart `make ui`) and run again; nothing was published."
            )
        return contract


@dg.definitions
def resources() -> dg.Definitions:
    return dg.Definitions(
        resources={
            "warehouse": Warehouse(),
            "submissions": SubmissionSource(),
            "contract": ContractDefinitions(),
            "io_manager": ParquetStore(),
        }
    )
