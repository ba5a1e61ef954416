"""The Delta tables of a benchmark's lake as the benchmark scripts report them: version, files, size.

Figures come from Delta's own log (``DESCRIBE DETAIL``, ``DESCRIBE HISTORY``), never from listing the table's
folder, which also holds the files that older versions still read until ``VACUUM``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from spark_jobs.utils import tables
from spark_jobs.utils.lake import LakeFiles, LakePaths

if TYPE_CHECKING:
    from pyspark.sql import SparkSession


def table_figures(spark: SparkSession, path: str) -> dict[str, Any]:
    """One table's latest version, its live files, their bytes and the average file size."""
    detail = tables.detail(spark, path)
    files, size = int(detail["numFiles"] or 0), int(detail["sizeInBytes"] or 0)
    return {
        "version": int(tables.last_commit(spark, path)["version"]),
        "files": files,
        "size_bytes": size,
        "avg_file_bytes": round(size / files) if files else 0,
    }


def lake_tables(spark: SparkSession, lake_root: str, layers: tuple[str, ...] = tables.TABLE_LAYERS) -> dict[str, Any]:
    """``table_figures`` of every Delta table of the lake in ``layers``, by ``layer/name``."""
    found = tables.find(LakeFiles(lake_root), LakePaths(lake_root))
    return {name: table_figures(spark, path) for name, path in found if name.split("/", 1)[0] in layers}
