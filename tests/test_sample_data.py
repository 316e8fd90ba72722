"""The demo region and the invalid fixtures in sample_data/.

The generator must reproduce the committed files exactly; every region file must pass the
validator without a finding; every invalid fixture must fail with exactly the one finding
`invalid/expected.csv` names. The last tests check properties of the region that a later
stage relies on (mirror flows, smooth series, stocks that follow flows) directly on the files.
"""

from __future__ import annotations

import csv
import importlib.util
import io
import sys
import zipfile
from pathlib import Path
from types import ModuleType

import pandas as pd
import pytest

from pipelines.validation import validate_file
from schemas.contract import TOTAL, UNKNOWN, load_contract

SAMPLE = Path(__file__).resolve().parent.parent / "sample_data"
REGION = SAMPLE / "region"
INVALID = SAMPLE / "invalid"
ATTRIBUTES = ("obs_status", "conf_status")


def _load_generator() -> ModuleType:
    # sample_data/ is a folder of data with a script in it, not a package.
    spec = importlib.util.spec_from_file_location("sample_data_generate", SAMPLE / "generate.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while being built
    spec.loader.exec_module(module)
    return module


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


MANIFEST = _rows(REGION / "manifest.csv")
EXPECTED = _rows(INVALID / "expected.csv")


def _files(root: Path) -> list[Path]:
    return sorted(p.relative_to(root) for p in root.rglob("*") if p.is_file())


# --------------------------------------------------------------------------------------------
# 1. Regeneration
# --------------------------------------------------------------------------------------------


def test_generator_reproduces_the_committed_files(tmp_path: Path) -> None:
    """CSV files must match byte for byte. A workbook is a ZIP: its members must match byte
    for byte (the generator fixes every timestamp, so on one machine the whole file matches
    too), but the compressed stream is left out of the comparison because another zlib build
    may compress the same XML differently."""
    _load_generator().generate(tmp_path)
    for sub in ("region", "resubmissions", "invalid"):
        committed, fresh = _files(SAMPLE / sub), _files(tmp_path / sub)
        assert fresh == committed, f"{sub}: files differ"
        for rel in committed:
            old, new = (SAMPLE / sub / rel).read_bytes(), (tmp_path / sub / rel).read_bytes()
            if rel.suffix == ".xlsx":
                assert _zip_members(new) == _zip_members(old), rel
            else:
                assert new == old, f"{sub}/{rel} differs from a fresh generation"


def _zip_members(data: bytes) -> list[tuple[str, bytes]]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return [(info.filename, zf.read(info)) for info in zf.infolist()]


# --------------------------------------------------------------------------------------------
# 2. The region passes
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("entry", MANIFEST, ids=[m["file"] for m in MANIFEST])
def test_region_file_is_accepted_without_findings(entry: dict[str, str]) -> None:
    report = validate_file(
        REGION / entry["file"], country=entry["country"], dataset=entry["dataset"]
    )
    shown = report.findings[["rule", "row", "column", "value", "message"]].head(10)
    assert report.status == "accepted", shown.to_string()
    assert report.findings.empty, shown.to_string()


def test_manifest_lists_every_region_file_once() -> None:
    contract = load_contract()
    listed = [Path(m["file"]) for m in MANIFEST]
    on_disk = [p for p in _files(REGION) if p.name != "manifest.csv"]
    assert sorted(listed) == on_disk
    assert len({(m["country"], m["dataset"]) for m in MANIFEST}) == len(MANIFEST)
    for m in MANIFEST:
        path = Path(m["file"])
        assert path.parts[0] == m["country"]
        assert path.name.startswith(f"{m['country'].lower()}_{m['dataset']}_")
        assert m["data_source"] in contract.codelists["CL_DATA_SOURCE"].ids
        assert m["residence_criterion"] in contract.codelists["CL_RESIDENCE_CRITERION"].ids
        assert m["submitted_by"]


def test_region_covers_every_member_and_dataset_but_one() -> None:
    contract = load_contract()
    sent = {(m["country"], m["dataset"]) for m in MANIFEST}
    expected = {(a, d) for a in contract.members for d in contract.datasets}
    assert expected - sent == {("ERI", "emigration")}
    assert sent <= expected


def test_sample_data_stays_small() -> None:
    size = sum(p.stat().st_size for p in SAMPLE.rglob("*") if p.is_file())
    assert size < 8_000_000


# --------------------------------------------------------------------------------------------
# 3. Each invalid fixture fails with exactly its documented finding
# --------------------------------------------------------------------------------------------


def test_every_fixture_is_listed() -> None:
    listed = sorted(Path(e["file"]) for e in EXPECTED)
    assert listed == [p for p in _files(INVALID) if p.name != "expected.csv"]


@pytest.mark.parametrize("entry", EXPECTED, ids=[e["file"] for e in EXPECTED])
def test_fixture_has_exactly_its_one_finding(entry: dict[str, str]) -> None:
    report = validate_file(
        INVALID / entry["file"], country=entry["country"], dataset=entry["dataset"]
    )
    findings = report.findings
    shown = findings[["rule", "kind", "row", "column", "value", "message"]].to_string()
    assert len(findings) == 1, shown
    found = findings.iloc[0]
    assert found["rule"] == entry["rule"], shown
    if entry["row"]:
        assert found["row"] == int(entry["row"]), shown
    else:
        assert pd.isna(found["row"]), shown
    if entry["column"]:
        assert found["column"] == entry["column"], shown
    assert report.accepted == (entry["accepted"] == "true"), shown


# --------------------------------------------------------------------------------------------
# Properties of the region, read straight from its files
# --------------------------------------------------------------------------------------------


def _read(entry: dict[str, str]) -> pd.DataFrame:
    """A region file with contract column ids, absent dimensions as _T, values as integers."""
    contract = load_contract()
    path = REGION / entry["file"]
    if path.suffix == ".xlsx":
        frame = pd.read_excel(path, sheet_name="data", dtype=str, keep_default_na=False)
    else:
        text = path.read_bytes().decode("utf-8-sig")
        header = text.split("\n", 1)[0]
        sep = max((",", ";", "\t"), key=header.count)
        frame = pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False)
    aliases = {c.sdmx_id.lower(): c.id for c in contract.columns.values()}
    aliases |= {d.sdmx_id.lower(): d.id for d in contract.dimensions.values()}
    frame.columns = [aliases.get(h.lower(), h.lower()) for h in frame.columns]
    for dim in contract.dataset(entry["dataset"]).dimensions:
        if dim not in frame:
            frame[dim] = TOTAL
    return frame.astype({"obs_value": "int64", "time_period": "int64"})


@pytest.fixture(scope="module")
def region() -> dict[tuple[str, str], pd.DataFrame]:
    return {(m["country"], m["dataset"]): _read(m) for m in MANIFEST}


def _series(frame: pd.DataFrame, **codes: str) -> pd.Series:
    """Values by year of the row with `codes`, every other dimension at _T."""
    dims = [
        c for c in frame.columns if c not in ("ref_area", "time_period", "obs_value", *ATTRIBUTES)
    ]
    mask = pd.Series(True, index=frame.index)
    for dim in dims:
        mask &= frame[dim] == codes.get(dim, TOTAL)
    return frame[mask].set_index("time_period")["obs_value"]


def test_mirror_flows_agree_except_the_documented_pair(region) -> None:
    outlier = _load_generator().MIRROR_OUTLIER[:2]
    members = set(load_contract().members)
    seen = 0
    for (a, ds), emi in region.items():
        if ds != "emigration":
            continue
        for b in sorted(members - {a}):
            imm = region.get((b, "immigration"))
            if imm is None or b not in set(emi["next_residence"]):
                continue
            if a not in set(imm["previous_residence"]):
                continue
            sent, received = _series(emi, next_residence=b), _series(imm, previous_residence=a)
            for year in sent.index.intersection(received.index):
                ratio = sent[year] / received[year]
                seen += 1
                if (a, b) == outlier:
                    assert not 0.5 <= ratio <= 2, (a, b, year, ratio)
                else:
                    assert 0.6 <= ratio <= 1.6, (a, b, year, ratio)
    assert seen >= 60  # most member-state corridors are reported on both sides


def test_totals_change_smoothly_from_year_to_year(region) -> None:
    for (a, ds), frame in region.items():
        if ds == "residence_permits":  # FIRST and VALID have no common total
            series = [_series(frame, permit_type=t) for t in ("FIRST", "VALID")]
        else:
            series = [_series(frame)]
        for s in series:
            change = (s / s.shift(1) - 1).abs().dropna()
            assert (change < 0.3).all(), (a, ds, s.to_dict())


def test_stock_of_foreigners_follows_their_flows(region) -> None:
    """Where stock, immigration and emigration all show citizenship, the foreign stock changes
    by exactly immigration minus emigration of foreigners (so rule 11 finds nothing)."""

    def foreigners(frame: pd.DataFrame, a: str) -> pd.Series:
        others = [d for d in frame.columns if d not in ("ref_area", "time_period", "citizenship",
                                                        "obs_value", *ATTRIBUTES)]  # fmt: skip
        rows = frame[(frame[others] == TOTAL).all(axis=1)]
        rows = rows[~rows["citizenship"].isin([TOTAL, UNKNOWN, a])]
        return rows.groupby("time_period")["obs_value"].sum()

    checked = 0
    for (a, ds), stock in region.items():
        if ds != "population_stock":
            continue
        frames = [stock, region.get((a, "immigration")), region.get((a, "emigration"))]
        if any(f is None or (f["citizenship"] == TOTAL).all() for f in frames):
            continue
        level, inflow, outflow = (foreigners(f, a) for f in frames)
        for year in level.index[1:]:
            assert level[year] - level[year - 1] == inflow[year] - outflow[year], (a, year)
            checked += 1
    assert checked >= 2
