"""The demo region in sample_data/: which file is which member state's submission of what."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine

from pipelines.intake.submit import Receipt, submit
from pipelines.settings import Settings

SAMPLE_DIR = Path(__file__).resolve().parent.parent / "sample_data"


@dataclass(frozen=True)
class SampleFile:
    """One file of the demo, with the metadata its focal point would give."""

    path: Path
    country: str
    dataset: str
    metadata: dict[str, str] = field(default_factory=dict)


def sample_files(root: Path = SAMPLE_DIR) -> list[SampleFile]:
    """The region's submissions (region/manifest.csv), the resubmissions that follow them,
    then the invalid fixtures."""
    out = []
    for folder, listing in (
        ("region", "manifest.csv"),
        ("resubmissions", "manifest.csv"),
        ("invalid", "expected.csv"),
    ):
        manifest = root / folder / listing
        if not manifest.exists():
            continue
        with manifest.open(encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                meta = {
                    k: v
                    for k, v in row.items()
                    if k
                    not in {
                        "file",
                        "country",
                        "dataset",
                        "rule",
                        "row",
                        "column",
                        "accepted",
                        "expected",
                    }
                    and v
                }
                out.append(
                    SampleFile(root / folder / row["file"], row["country"], row["dataset"], meta)
                )
    return out


def submit_sample(
    item: SampleFile, settings: Settings, engine: Engine, channel: str = "demo"
) -> Receipt:
    """Submit one file of the demo region with the metadata its manifest gives."""
    return submit(
        item.path.read_bytes(),
        original_name=item.path.name,
        country=item.country,
        dataset=item.dataset,
        settings=settings,
        engine=engine,
        metadata=item.metadata,
        channel=channel,
    )
