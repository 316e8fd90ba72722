"""Where the system keeps its state (the *store*), read once from the environment.

The store holds the archive, the inbox, the releases, the asset storage and the Dagster
instance; MIGSTATS_DATABASE_URL points publication at a database (default: an SQLite file in
the store). Which folder is the store, in this order:

1. MIGSTATS_HOME, when set;
2. else the nearest folder named `.migstats` in the working directory or one of its parents,
   so that commands run anywhere inside a project find the project's store;
3. else a per-user data folder (`$XDG_DATA_HOME/migstats`, `~/.local/share/migstats`, or
   `%LOCALAPPDATA%\\migstats` on Windows).

A command run from another folder therefore never starts an empty store there by accident,
and every command that reads or writes the store says which one it uses (`Settings.describe`).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

#: The folder name a project's store has; found by searching upward from the working directory.
STORE_NAME = ".migstats"


def find_store(start: Path) -> Path | None:
    """The nearest `.migstats` folder in `start` or one of its parents, if any."""
    for folder in (start, *start.parents):
        candidate = folder / STORE_NAME
        if candidate.is_dir():
            return candidate
    return None


def user_store(env: Mapping[str, str]) -> Path:
    """The per-user store, used when no MIGSTATS_HOME is set and no `.migstats` is found."""
    if os.name == "nt" and env.get("LOCALAPPDATA"):
        return Path(env["LOCALAPPDATA"]) / "migstats"
    base = env.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "migstats"


@dataclass(frozen=True)
class Settings:
    """The home folder and the database; every other path derives from the home."""

    home: Path
    database_url: str
    #: When the scheduled consolidation runs (default: 06:00 UTC on the 1st of each month).
    consolidation_cron: str = "0 6 1 * *"
    #: How the home was chosen, for the line every command prints.
    found_by: str = "given"
    #: How long a dropped file must stay unchanged before it is taken (two looks this far apart).
    inbox_settle_seconds: float = 60.0

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, cwd: Path | None = None
    ) -> Settings:
        env = os.environ if environ is None else environ
        if env.get("MIGSTATS_HOME"):
            home, found_by = Path(env["MIGSTATS_HOME"]), "MIGSTATS_HOME"
        else:
            found = find_store((cwd or Path.cwd()).resolve())
            if found is not None:
                home, found_by = found, f"the nearest {STORE_NAME} folder"
            else:
                home, found_by = user_store(env), "the per-user store (no MIGSTATS_HOME set)"
        home = home.expanduser().resolve()
        url = env.get("MIGSTATS_DATABASE_URL") or f"sqlite:///{home / 'warehouse.sqlite'}"
        cron = env.get("MIGSTATS_CONSOLIDATION_CRON") or cls.consolidation_cron
        settle = float(env.get("MIGSTATS_INBOX_SETTLE_SECONDS") or cls.inbox_settle_seconds)
        return cls(
            home=home,
            database_url=url,
            consolidation_cron=cron,
            found_by=found_by,
            inbox_settle_seconds=settle,
        )

    def describe(self) -> str:
        """One line naming the store in use and why it is that one."""
        return f"Store: {self.home} ({self.found_by})"

    def exists(self) -> bool:
        """Whether anything was ever stored here (a submission, a publication)."""
        return self.archive_dir.is_dir() or (self.home / "warehouse.sqlite").is_file()

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
