"""Shared fixtures: where the workspace's shared folder (peer fixtures, real data) lives."""

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
