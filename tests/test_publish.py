"""Publication replaces every table at once, on SQLite and on the real PostgreSQL server."""

from __future__ import annotations

import os
import uuid

import pandas as pd
import pytest
import sqlalchemy as sa

from pipelines.warehouse.engine import make_engine
from pipelines.warehouse.publish import publish_tables, read_table

POSTGRES_URL = os.environ.get("MIGSTATS_TEST_POSTGRES_URL")


def stock(value: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "ref_area": ["KEN", "UGA", "COMESA"],
            "time_period": [2023, 2023, 2023],
            "sex": ["_T", "_T", "_T"],
            "obs_value": pd.array([value, 2 * value, 3 * value], dtype="Int64"),
            "basis": ["B", "C", "BC"],
            "obs_status": ["", "p", "p"],
            "conf_status": ["", "", ""],
            "n_reporting": [1, 1, 2],
            "n_members": [1, 1, 21],
        }
    )


def mirror(ratio: float) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "origin_area": ["KEN"],
            "destination_area": ["UGA"],
            "time_period": [2023],
            "reported_by_origin": pd.array([10], dtype="Int64"),
            "reported_by_destination": pd.array([None], dtype="Int64"),
            "ratio": [ratio],
        }
    )


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def engine(request, tmp_path):
    if request.param == "sqlite":
        yield make_engine(f"sqlite:///{tmp_path / 'w.sqlite'}")
        return
    if not POSTGRES_URL:
        pytest.skip("MIGSTATS_TEST_POSTGRES_URL is not set (.ci/run sets it to the local server)")
    schema = f"migstats_test_{uuid.uuid4().hex[:8]}"
    admin = make_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    engine = sa.create_engine(
        make_engine(POSTGRES_URL).url, connect_args={"options": f"-csearch_path={schema}"}
    )
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def test_publish_and_read_back(engine):
    counts = publish_tables(
        engine, {"migrant_stock": stock(10), "mirror_flows": mirror(0.5)}, release_id="r1"
    )
    assert counts == {"migrant_stock": 3, "mirror_flows": 1}
    back = read_table(engine, "migrant_stock")
    assert back["obs_value"].tolist() == [30, 10, 20]  # sorted by key: COMESA, KEN, UGA
    assert back.loc[back["ref_area"] == "UGA", "obs_status"].item() == "p"
    assert read_table(engine, "mirror_flows")["reported_by_destination"].isna().all()
    with engine.connect() as conn:
        assert conn.execute(sa.text("select release_id from releases")).scalars().all() == ["r1"]


def test_same_inputs_twice_give_identical_tables(engine):
    """The same rows published again in another order read back the same."""
    publish_tables(engine, {"migrant_stock": stock(10)}, release_id="r1")
    first = read_table(engine, "migrant_stock")
    publish_tables(engine, {"migrant_stock": stock(10).iloc[[2, 0, 1]]}, release_id="r2")
    pd.testing.assert_frame_equal(first, read_table(engine, "migrant_stock"))


def test_a_publication_writes_only_the_rows_that_changed(engine):
    """A row equal in every column stays (NULLs and ratios included); a revised one is
    deleted and inserted; when more than a fifth change the table is written again."""

    def years(value: int) -> pd.DataFrame:  # 30 rows: three areas, ten years
        return pd.concat(
            [stock(value).assign(time_period=y) for y in range(2014, 2024)], ignore_index=True
        )

    said: list[str] = []
    tables = {"migrant_stock": years(10), "mirror_flows": mirror(0.5)}
    publish_tables(engine, tables, release_id="r1", log=said.append)
    revised = years(10)
    revised.loc[(revised["ref_area"] == "UGA") & (revised["time_period"] == 2023), "obs_value"] = 21
    tables = {"migrant_stock": revised, "mirror_flows": mirror(0.5)}
    publish_tables(engine, tables, release_id="r2", log=said.append)
    publish_tables(engine, {"migrant_stock": years(7)}, release_id="r3", log=said.append)
    assert [line.split(": ")[1].split(" rows")[0] for line in said] == ["31", "2", "60"]
    assert said[1] == (
        "published 31 rows in 2 tables: 2 rows written (deleted or inserted), "
        "the rest unchanged since the last publication"
    )
    publish_tables(engine, {"migrant_stock": revised}, release_id="r4")
    back = read_table(engine, "migrant_stock")
    last = back[back["time_period"] == 2023]
    assert last["obs_value"].tolist() == [30, 10, 21]  # COMESA, KEN, UGA
    assert last["obs_status"].tolist() == ["p", "", "p"]
    assert len(back) == 30
    mirror_back = read_table(engine, "mirror_flows")
    assert mirror_back["ratio"].tolist() == [0.5]
    assert mirror_back["reported_by_destination"].isna().all()


def test_a_failing_publication_leaves_the_previous_one_whole(engine):
    publish_tables(
        engine, {"migrant_stock": stock(10), "mirror_flows": mirror(0.5)}, release_id="r1"
    )
    before = {t: read_table(engine, t) for t in ("migrant_stock", "mirror_flows")}
    broken = pd.concat([stock(99), stock(99)])  # duplicate keys: the database refuses
    with pytest.raises(sa.exc.IntegrityError):
        publish_tables(
            engine, {"mirror_flows": mirror(9.0), "migrant_stock": broken}, release_id="r2"
        )
    for table, frame in before.items():
        pd.testing.assert_frame_equal(frame, read_table(engine, table))
    with engine.connect() as conn:
        assert conn.execute(sa.text("select count(*) from releases")).scalar() == 1


KILLED_WRITER = """
import sys, time
import pandas as pd
from pipelines.warehouse import publish
from pipelines.warehouse.engine import make_engine

real_insert_rows = publish.insert_rows

def slow_insert_rows(conn, table, columns, rows):
    # one row per statement, slowly, within the publication's transaction: the kill lands
    # mid-way
    for row in rows:
        print("inserting", flush=True)
        time.sleep(0.2)
        real_insert_rows(conn, table, columns, [row])
    return len(rows)

publish.insert_rows = slow_insert_rows
rows = pd.DataFrame({
    "origin_area": ["KEN"] * 50, "destination_area": [f"U{i:02d}" for i in range(50)],
    "time_period": [2023] * 50, "reported_by_origin": [1] * 50,
    "reported_by_destination": [1] * 50, "ratio": [1.0] * 50,
})
publish.publish_tables(make_engine(sys.argv[1]), {"mirror_flows": rows}, release_id="killed")
"""


@pytest.mark.integration
def test_a_killed_publication_leaves_the_previous_one_whole(tmp_path):
    import signal
    import subprocess
    import sys

    url = f"sqlite:///{tmp_path / 'w.sqlite'}"
    engine = make_engine(url)
    publish_tables(engine, {"mirror_flows": mirror(0.5)}, release_id="r1")
    before = read_table(engine, "mirror_flows")
    script = tmp_path / "writer.py"
    script.write_text(KILLED_WRITER)
    proc = subprocess.Popen([sys.executable, str(script), url], stdout=subprocess.PIPE, text=True)
    for _ in range(5):  # let it delete the old rows and insert a few new ones
        assert proc.stdout.readline().startswith("inserting")
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    pd.testing.assert_frame_equal(before, read_table(engine, "mirror_flows"))
    with engine.connect() as conn:
        assert conn.execute(sa.text("select release_id from releases")).scalars().all() == ["r1"]
