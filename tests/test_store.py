"""Which store a command uses: MIGSTATS_HOME, else the nearest .migstats, else a per-user one.

A command run from another folder must never start an empty store there by accident; every
command that reads or writes a store names it, and a read finds none clearly.
"""

from __future__ import annotations

from pathlib import Path

from pipelines.cli import EXIT_USAGE, main
from pipelines.settings import Settings
from pipelines.warehouse.engine import make_engine


def test_migstats_home_wins(tmp_path):
    settings = Settings.from_env({"MIGSTATS_HOME": str(tmp_path / "h")}, cwd=tmp_path)
    assert settings.home == (tmp_path / "h").resolve()
    assert "MIGSTATS_HOME" in settings.describe()


def test_the_nearest_store_above_the_working_directory_is_found(tmp_path):
    (tmp_path / "project" / ".migstats").mkdir(parents=True)
    deep = tmp_path / "project" / "reports" / "2023"
    deep.mkdir(parents=True)
    settings = Settings.from_env({}, cwd=deep)
    assert settings.home == (tmp_path / "project" / ".migstats").resolve()
    assert "nearest .migstats" in settings.describe()
    assert settings.database_url.endswith("project/.migstats/warehouse.sqlite")


def test_without_either_the_per_user_store_is_used(tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {"XDG_DATA_HOME": str(tmp_path / "data")}
    settings = Settings.from_env(env, cwd=elsewhere)
    assert settings.home == (tmp_path / "data" / "migstats").resolve()
    assert "per-user" in settings.describe()
    assert not (elsewhere / ".migstats").exists()


def test_read_commands_fail_clearly_without_a_store(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("MIGSTATS_HOME", raising=False)
    monkeypatch.delenv("MIGSTATS_DATABASE_URL", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.chdir(tmp_path)
    for argv in (
        ["history", "--country", "KEN", "--dataset", "immigration"],
        ["revisions", "--country", "KEN", "--dataset", "immigration"],
        ["review"],
        ["consolidate"],
        ["rebuild", "X"],
    ):
        assert main(argv) == EXIT_USAGE, argv
        err = capsys.readouterr().err
        assert f"Store: {(tmp_path / 'data' / 'migstats').resolve()}" in err
        assert "there is no store at" in err and "MIGSTATS_HOME" in err
    assert not Path(tmp_path / ".migstats").exists()
    assert not (tmp_path / "data" / "migstats").exists()


def test_submit_names_the_store_it_writes_to(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("MIGSTATS_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("MIGSTATS_DATABASE_URL", raising=False)
    csv = tmp_path / "ken.csv"
    csv.write_text("ref_area,time_period,sex,obs_value\nKEN,2023,M,5\nKEN,2023,F,7\n")
    assert main(["submit", str(csv), "--country", "KEN", "--dataset", "immigration"]) == 0
    assert f"Store: {(tmp_path / 'home').resolve()} (MIGSTATS_HOME)" in capsys.readouterr().err


def test_a_sqlite_file_uri_names_its_file_not_a_folder_called_file(tmp_path, monkeypatch):
    from pipelines.warehouse.engine import sqlite_file

    monkeypatch.chdir(tmp_path)
    database = tmp_path / "store" / "warehouse.sqlite"
    assert sqlite_file(f"sqlite:///file:{database}?mode=ro&uri=true") == database
    assert sqlite_file(f"sqlite:///{database}") == database
    assert sqlite_file("sqlite://") is None and sqlite_file("sqlite:///:memory:") is None
    assert sqlite_file("sqlite:///file:memdb?mode=memory&cache=shared&uri=true") is None
    make_engine(f"sqlite:///file:{database}?mode=rwc&uri=true").dispose()
    assert not (tmp_path / "file:").exists() and database.parent.is_dir()
