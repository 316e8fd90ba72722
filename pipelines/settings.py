"""Where the system keeps its state, read once from the environment.

MIGSTATS_HOME (default ./.migstats) holds the archive, the inbox, the releases, the asset
storage and the Dagster instance; MIGSTATS_DATABASE_URL points publication at a database
(default: an SQLite file in the home folder).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Settings:
    """The home folder and the database; every other path derives from the home."""

    home: Path
    database_url: str
    #: When the scheduled consolidation runs (default: 06:00 UTC on the 1st of each month).
    consolidation_cron: str = "0 6 1 * *"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        home = Path(env.get("MIGSTATS_HOME") or ".migstats").expanduser().resolve()
        url = env.get("MIGSTATS_DATABASE_URL") or f"sqlite:///{home / 'warehouse.sqlite'}"
        cron = env.get("MIGSTATS_CONSOLIDATION_CRON") or cls.consolidation_cron
        return cls(home=home, database_url=url, consolidation_cron=cron)

    @property
    def archive_dir(self) -> Path:
        return self.home / "archive"

    @property
    def inbox_dir(self) -> Path:
        return self.home / "inbox"

    @property
    def releases_dir(self) -> Path:
        return self.home / "releases"

    @property
    def storage_dir(self) -> Path:
        return self.home / "storage"

    @property
    def dagster_home(self) -> Path:
        return self.home / "dagster"

    def inbox_for(self, country: str, dataset: str) -> Path:
        return self.inbox_dir / country / dataset
