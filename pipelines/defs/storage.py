"""Asset values as Parquet files under MIGSTATS_HOME/storage, one file per partition.

A partitioned asset's value is a dict {member state: DataFrame}, so one run can cover one
state (a new submission) or all of them (the scheduled consolidation).
"""

import os
import tempfile
from pathlib import Path

import dagster as dg
import pandas as pd

from pipelines.settings import Settings


class ParquetStore(dg.ConfigurableIOManager):
    """Stores DataFrames as Parquet; writes are atomic (temporary file, then rename)."""

    #: Default: <MIGSTATS_HOME>/storage, read when the run starts.
    base_dir: str | None = None

    def _path(self, key: dg.AssetKey, partition: str | None) -> Path:
        base = self.base_dir or Settings.from_env().storage_dir
        folder = Path(base, *key.path)
        return folder / f"{partition}.parquet" if partition else folder.with_suffix(".parquet")

    def _write(self, frame: pd.DataFrame, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        # A name of its own per write: two runs at once never write into each other's file.
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".tmp-{path.stem}-", suffix=".parquet")
        os.close(fd)
        try:
            frame.to_parquet(tmp, index=False)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def handle_output(self, context: dg.OutputContext, obj: object) -> None:
        if obj is None:
            return
        if context.has_asset_partitions:
            assert isinstance(obj, dict), "a partitioned asset returns {partition: DataFrame}"
            for key in context.asset_partition_keys:
                self._write(obj[key], self._path(context.asset_key, key))
        else:
            assert isinstance(obj, pd.DataFrame)
            self._write(obj, self._path(context.asset_key, None))

    def load_input(self, context: dg.InputContext) -> object:
        key = context.asset_key
        if context.has_asset_partitions:
            out = {}
            for partition in context.asset_partition_keys:
                path = self._path(key, partition)
                if path.exists():  # a state that never sent this dataset has no file
                    out[partition] = pd.read_parquet(path)
            return out
        return pd.read_parquet(self._path(key, None))
