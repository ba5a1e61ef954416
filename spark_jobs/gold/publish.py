"""Publishing a validated Gold view: replace exactly the folders of its run, nothing else.

Every Gold view is partitioned by its seed columns and then ``batch_run_id`` last, so run R owns the leaf
folders ``.../batch_run_id=R``. Publishing R first deletes every existing leaf of R (a re-run may no longer
produce a month an earlier attempt wrote) and then writes the view with dynamic partition overwrite, which
replaces only the leaves present in the data: R's. Other runs' folders are never touched. Filesystem work goes
through :class:`~spark_jobs.utils.lake.LakeFS`, so it runs the same on ``file://`` and ``hdfs://``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

from pyspark.sql import DataFrame

from batch_views import GoldView
from spark_jobs.utils.lake import LakeFS, LakePaths

log = logging.getLogger(__name__)


def run_leaves(lake: LakeFS, root: str, view: GoldView, batch_run_id: str) -> list[str]:
    """The leaf folders of ``batch_run_id`` under a view root.

    Walks only the view's own partition levels and then probes for ``batch_run_id=R``, so the cost grows with
    the number of (year, month, ...) folders, not with the number of runs kept under each of them.
    """
    return [
        f"{folder}/batch_run_id={batch_run_id}"
        for folder in _folders_at_depth(lake, root, len(view.partition_by))
        if lake.exists(f"{folder}/batch_run_id={batch_run_id}")
    ]


def _folders_at_depth(lake: LakeFS, root: str, depth: int) -> Iterator[str]:
    if depth == 0:
        if lake.exists(root):
            yield root
        return
    for child in lake.list(root):
        if child.is_dir and "=" in child.name and child.name[0] not in "._":
            yield from _folders_at_depth(lake, child.path, depth - 1)


def publish_view(
    lake: LakeFS,
    paths: LakePaths,
    view: GoldView,
    df: DataFrame,
    batch_run_id: str,
    *,
    replace_earlier_attempt: bool,
) -> int:
    """Writes a validated view as run ``batch_run_id``; returns the number of leaf folders it removed first.

    ``replace_earlier_attempt`` says whether this run may have published before (its run record exists); a
    first attempt skips the walk over the view's folders.
    """
    target = paths.gold(view.name)
    removed = run_leaves(lake, target, view, batch_run_id) if replace_earlier_attempt else []
    for leaf in removed:
        lake.delete(leaf)
    (
        # Gold views are small: one file per leaf folder rather than one per shuffle partition and leaf.
        df.repartition(*view.partition_columns)
        .write.mode("overwrite")
        .option("partitionOverwriteMode", "dynamic")
        .partitionBy(*view.partition_columns)
        .parquet(target)
    )
    log.info("published %s for %s under %s (%d earlier folders removed)", view.name, batch_run_id, target, len(removed))
    return len(removed)
