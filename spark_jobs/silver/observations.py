"""silver/movie_observations: the popularity and votes series that trending is computed from.

One row per movie per bronze run. Its measured values (popularity, votes, ``observed_at``) are those of the
movie's latest record in that run, list entry or details; its list position is the best one it had in the
run: the lowest rank, ties in list order popular, top_rated, now_playing, discover. A movie fetched only for
details in a run has no list or rank. In the catalogue mode, a movie that the run's daily export lists and
nothing else of the run does is observed from the export: its popularity, no votes, ``source_list`` "export".
A run's rows depend on that run's bronze only, so rebuilding a run
replaces exactly its rows.
"""

from __future__ import annotations

from collections.abc import Sequence

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from master_dataset.schema import EXPORT_SOURCE
from spark_jobs.silver import schemas
from spark_jobs.silver.common import version_key
from spark_jobs.silver.movies import OBSERVED_FIELDS

LIST_ORDER = ("popular", "top_rated", "now_playing", "discover", "upcoming", "export")
_NO_RANK = 2**31 - 1


def run_observations(listed: DataFrame, details: DataFrame, exported: DataFrame | None = None) -> DataFrame:
    """One row per (movie_id, batch_run_id) in the movie_observations schema, from typed bronze records
    (``exported``: the export entries of the runs, :func:`spark_jobs.silver.parse.export_entries`)."""
    key = ["movie_id", "batch_run_id"]
    ts = F.col("extraction_timestamp")
    records = listed.select(*key, ts, *OBSERVED_FIELDS, "source_list", "list_rank").unionByName(
        details.select(*key, ts, *OBSERVED_FIELDS).withColumns(
            {"source_list": F.lit(None).cast("string"), "list_rank": F.lit(None).cast("int")}
        )
    )
    list_order = F.array_position(F.array(*(F.lit(name) for name in LIST_ORDER)), F.col("source_list"))
    # Best position: lowest rank, then list order; records without a list (details) have no position key.
    position_key = F.when(
        F.col("source_list").isNotNull(),
        F.struct(F.coalesce("list_rank", F.lit(_NO_RANK)), F.when(list_order > 0, list_order).otherwise(99)),
    )
    observed = (
        records.groupBy(*key)
        .agg(
            F.max_by(F.struct(ts.alias("observed_at"), *OBSERVED_FIELDS), version_key(ts, OBSERVED_FIELDS)).alias(
                "latest"
            ),
            F.min_by(F.struct("source_list", "list_rank"), position_key).alias("position"),
        )
        .select(*key, "latest.*", "position.*")
        .withColumn("observed_date", F.to_date("observed_at"))
        .transform(schemas.conform, schemas.MOVIE_OBSERVATIONS)
    )
    if exported is None:
        return observed
    # The lists and details carry votes as well: the export observes only the movies they do not.
    export_only = exported.join(observed.select(*key), key, "left_anti").select(
        *key,
        ts.alias("observed_at"),
        "popularity",
        F.lit(None).cast("int").alias("vote_count"),
        F.lit(None).cast("double").alias("vote_average"),
        F.lit(EXPORT_SOURCE).alias("source_list"),
        F.lit(None).cast("int").alias("list_rank"),
        F.to_date(ts).alias("observed_date"),
    )
    return observed.unionByName(schemas.conform(export_only, schemas.MOVIE_OBSERVATIONS))


def replace_runs(existing: DataFrame, fresh: DataFrame, rebuilt_runs: Sequence[str]) -> DataFrame:
    """``existing`` observations without the runs being rebuilt, plus ``fresh``: a re-run replaces its rows.

    Rows of runs whose bronze is gone (retention) are not rebuilt and so kept: they are the only record left.
    """
    kept = existing.where(~F.col("batch_run_id").isin(*rebuilt_runs)) if rebuilt_runs else existing
    return schemas.conform(kept, schemas.MOVIE_OBSERVATIONS).unionByName(fresh)
