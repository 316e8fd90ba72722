""" "One edit in definitions/" holds: a change made there reaches validation, the registry, the
published tables and the warnings, with no Python edit, into a warehouse that already holds a
release made under the definitions before the change.

Everything runs as a focal point and the Secretariat run it: `migstats validate`, `submit` and
`consolidate` in fresh processes (the Dagster job included), with MIGSTATS_DEFINITIONS naming
the edited copy.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
import yaml

from schemas.contract import DEFAULT_DEFINITIONS_DIR

pytestmark = pytest.mark.slow

HEADER = "ref_area,time_period,sex,age,citizenship,obs_value"


def migstats(home: Path, definitions: Path, *args: str) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "MIGSTATS_HOME": str(home),
        "MIGSTATS_DEFINITIONS": str(definitions),
        "DAGSTER_HOME": str(home / "dagster"),
    }
    env.pop("MIGSTATS_DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "pipelines.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )


def ok(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def stock(country: str, year: int, total: int) -> str:
    """A small population_stock file: total by sex, all ages and citizenships."""
    half = total // 2
    return "\n".join(
        [
            HEADER,
            f"{country},{year},M,_T,_T,{half}",
            f"{country},{year},F,_T,_T,{total - half}",
            f"{country},{year},_T,_T,_T,{total}",
        ]
    )


def edit(definitions: Path, name: str, change) -> None:
    path = definitions / name
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def test_one_edit_in_definitions_reaches_every_table(tmp_path):
    home = tmp_path / "store"
    before = tmp_path / "definitions-before"
    shutil.copytree(DEFAULT_DEFINITIONS_DIR, before)

    # An earlier release, made under the definitions as they were.
    files = tmp_path / "files"
    files.mkdir()
    (files / "ken-2022.csv").write_text(stock("KEN", 2022, 1000), encoding="utf-8")
    (files / "ken-2023.csv").write_text(stock("KEN", 2023, 1100), encoding="utf-8")
    for name in ("ken-2022.csv", "ken-2023.csv"):
        ok(migstats(home, before, "submit", str(files / name), "--country", "KEN",
                    "--dataset", "population_stock"))  # fmt: skip
    ok(migstats(home, before, "consolidate"))
    engine = sa.create_engine(f"sqlite:///{home / 'warehouse.sqlite'}")
    assert not sa.inspect(engine).has_table("population_by_education")
    assert not sa.inspect(engine).has_table("regional_population_stock")  # the cube: internal
    with engine.connect() as conn:
        r9 = "SELECT count(*) FROM quality_warnings WHERE rule = 'R9'"
        assert conn.execute(sa.text(r9)).scalar() == 0  # 10% a year: under the 50% of R9

    # The edits, each one change to definitions/.
    after = tmp_path / "definitions-after"
    shutil.copytree(before, after)
    # a code: a new sex code
    with (after / "codelists" / "sex.csv").open("a", encoding="utf-8") as fh:
        fh.write("X,Other,Another sex recorded by the source,Autre,Autre,آخر,آخر\n")
    # a dimension: educational attainment in population_stock
    (after / "codelists" / "education.csv").write_text(
        "code,label,description,label_fr,description_fr,label_ar,description_ar\n"
        "LOW,Low,ISCED 0-2,Faible,CITE 0-2,منخفض,ISCED 0-2\n"
        "HIGH,High,ISCED 3-8,Élevé,CITE 3-8,مرتفع,ISCED 3-8\n"
        "_T,Total,All levels,Total,Tous niveaux,المجموع,جميع المستويات\n",
        encoding="utf-8",
    )
    edit(after, "codelists.yaml", lambda d: d.update(
        CL_EDUCATION={"label": "Education", "label_fr": "Éducation", "label_ar": "التعليم",
                      "files": ["education.csv"]}))  # fmt: skip
    education = {
        "label": "Educational attainment",
        "label_fr": "Niveau d'instruction",
        "label_ar": "المستوى التعليمي",
        "sdmx_id": "EDUCATION_LEV",
        "codelist": "CL_EDUCATION",
        "breakdown": {"all_of": ["LOW", "HIGH"]},
    }
    edit(after, "dimensions.yaml", lambda d: d.update(education=education))
    edit(after, "datasets.yaml", lambda d: d["population_stock"]["dimensions"].append("education"))
    # a dissemination table: population by sex and educational attainment
    edit(after, "dissemination.yaml", lambda d: d.update(
        population_by_education={"dataset": "population_stock",
                                 "dimensions": ["sex", "education"],
                                 "label": "Population by educational attainment and sex",
                                 "label_fr": "Population par niveau d'instruction et sexe",
                                 "label_ar": "السكان حسب المستوى التعليمي والجنس",
                                 "description": "Population by ISCED level."}))  # fmt: skip
    # a metadata field
    edit(after, "metadata.yaml", lambda d: d.update(
        collection_mode={"label": "Collection mode", "option": "--collection-mode",
                         "type": "text", "required": False,
                         "description": "How the figures were collected."}))  # fmt: skip
    # an attribute
    edit(after, "columns.yaml", lambda d: d.update(
        obs_comment={"type": "text", "label": "Comment", "sdmx_id": "COMMENT_OBS",
                     "role": "attribute", "required": False,
                     "description": "A note on the value."}))  # fmt: skip
    # a rule threshold: a 10% change between years is now worth a warning
    edit(after, "rules.yaml", lambda d: d["R9"].update(threshold_percent=5))

    new = files / "ken-2024.csv"
    new.write_text(
        "ref_area,time_period,sex,education,obs_value,obs_comment\n"
        "KEN,2024,M,LOW,300,\n"
        "KEN,2024,M,HIGH,250,\n"
        "KEN,2024,F,LOW,320,provisional count\n"
        "KEN,2024,F,HIGH,310,\n"
        "KEN,2024,X,LOW,10,\n"
        "KEN,2024,X,HIGH,20,\n",
        encoding="utf-8",
    )
    checked = migstats(home, after, "validate", str(new), "--country", "KEN",
                       "--dataset", "population_stock")  # fmt: skip
    assert checked.returncode == 0, checked.stdout
    # The same file under the old definitions: the code, the dimension and the attribute are
    # unknown there.
    refused = migstats(home, before, "validate", str(new), "--country", "KEN",
                       "--dataset", "population_stock")  # fmt: skip
    assert refused.returncode == 1 and "education" in refused.stdout

    ok(migstats(home, after, "submit", str(new), "--country", "KEN", "--dataset",
                "population_stock", "--collection-mode", "register extract"))  # fmt: skip
    ok(migstats(home, after, "consolidate"))

    with engine.connect() as conn:
        columns = [c["name"] for c in sa.inspect(conn).get_columns("population_by_education")]
        assert columns[:4] == ["ref_area", "time_period", "sex", "education"]
        assert "obs_comment" in columns and "age" not in columns
        # the attribute reaches the tables published before, recreated in their new shape
        columns = [c["name"] for c in sa.inspect(conn).get_columns("population_by_citizenship")]
        assert "obs_comment" in columns and "education" not in columns
        rows = conn.execute(
            sa.text(
                "SELECT sex, education, obs_value, obs_comment FROM population_by_education "
                "WHERE ref_area = 'KEN' AND time_period = 2024 ORDER BY sex, education"
            )
        ).all()
        got = {(r.sex, r.education): (r.obs_value, r.obs_comment) for r in rows}
        assert got[("X", "LOW")] == (10, "")  # the new code, published
        assert got[("F", "LOW")] == (320, "provisional count")  # the attribute, carried
        assert got[("_T", "_T")][0] == 1210  # totals derived over the new dimension
        # The earlier years are still published, in the new shape (education _T).
        earlier = conn.execute(
            sa.text(
                "SELECT count(*) FROM population_by_education WHERE ref_area = 'KEN' "
                "AND time_period = 2023 AND education = '_T'"
            )
        ).scalar()
        assert earlier > 0
        mode = conn.execute(
            sa.text("SELECT collection_mode FROM submissions ORDER BY id DESC LIMIT 1")
        ).scalar()
        assert mode == "register extract"
        labels = conn.execute(
            sa.text(
                "SELECT label_fr FROM codelist WHERE codelist = 'CL_EDUCATION' AND code = 'LOW'"
            )
        ).scalar()
        assert labels == "Faible"
        warned = conn.execute(
            sa.text("SELECT count(*) FROM quality_warnings WHERE rule = 'R9' AND ref_area = 'KEN'")
        ).scalar()
        assert warned > 0  # 1,100 -> 1,210 is 10%: over the new 5% threshold
    # the new table is a file of the release too, with its SDMX dataflow
    (latest,) = sorted((home / "releases").glob("2*"))[-1:]
    assert {"population_by_education.csv", "population_by_education.sdmx.csv"} <= {
        p.name for p in latest.iterdir()
    }
