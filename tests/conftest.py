"""Shared fixtures: where the workspace's shared folder (peer fixtures, real data) lives;
and, under pytest-xdist, which tests must run on the same worker."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine

from pipelines.settings import Settings
from pipelines.warehouse.engine import make_engine
from pipelines.warehouse.registry import ensure_registry

#: ../shared beside the repository: read at test time, never copied into the project.
SHARED_DIR = Path(__file__).resolve().parents[2] / "shared"


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The shared folder; tests that need it are skipped where it is absent."""
    if not SHARED_DIR.is_dir():
        pytest.skip(f"{SHARED_DIR} is absent: these tests read shared files at test time")
    return SHARED_DIR


@pytest.fixture
def home(tmp_path) -> tuple[Settings, Engine]:
    """A fresh store in a temporary folder, with its registry: (settings, engine)."""
    settings = Settings(home=tmp_path / "home", database_url=f"sqlite:///{tmp_path / 'w.sqlite'}")
    engine = make_engine(settings.database_url)
    ensure_registry(engine)
    return settings, engine


@pytest.fixture
def postgres_database() -> Iterator[sa.URL]:
    """A new, empty database on the server of MIGSTATS_TEST_POSTGRES_URL (its URL), dropped
    afterwards; skipped, saying why, where the variable is unset."""
    url = os.environ.get("MIGSTATS_TEST_POSTGRES_URL")
    if not url:
        pytest.skip("MIGSTATS_TEST_POSTGRES_URL is not set (.ci/run sets it)")
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    name = f"migstats_test_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield sa.make_url(url).set(database=name)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


# -- pytest-xdist (make test: pytest -n 2 --dist loadfile --no-loadscope-reorder) -----------

#: The markers of the tests that take seconds to minutes each (make test-fast leaves them out).
HEAVY = ("slow", "integration", "postgres")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On an xdist worker, the modules with the most heavy tests first, the others after them
    as collected; serially nothing changes.

    xdist hands out whole modules (--dist loadfile: a module's fixtures, such as the demo run
    of test_pipeline.py, are built once) in this order, each to whichever worker is free, so
    the many short modules fill the end of the run on both workers instead of one worker
    starting test_pipeline.py while the other has nothing left to do."""
    if not hasattr(config, "workerinput"):
        return
    heavy: dict[str, int] = {}
    for item in items:
        module = item.nodeid.split("::", 1)[0]
        found = any(item.get_closest_marker(name) for name in HEAVY)
        heavy[module] = heavy.get(module, 0) + found
    items.sort(key=lambda item: -heavy[item.nodeid.split("::", 1)[0]])  # stable
