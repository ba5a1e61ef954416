"""Pure transforms of the Bronze job: ``DataFrame -> DataFrame``, reading and writing nothing."""

from __future__ import annotations

from datetime import date, datetime

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from master_dataset import schema
from master_dataset.partitioning import LogicalHour


def with_partition_columns(records: DataFrame, hour: LogicalHour) -> DataFrame:
    """Staged records in the bronze column order, with the partition columns of the logical hour."""
    values = hour.partition
    return records.select(
        *schema.BRONZE_RECORD_SCHEMA.fieldNames(),
        *(F.lit(values[name]).cast("int").alias(name) for name in schema.PARTITION_COLUMNS),
    )


def partition_key() -> Column:
    """A row's partition as the number YYYYMMDDHH: ordered like the hours, free of any time zone."""
    return F.col("year") * 1_000_000 + F.col("month") * 10_000 + F.col("day") * 100 + F.col("hour")


def hour_key(hour: LogicalHour) -> int:
    return int(hour.start.strftime("%Y%m%d%H"))


def latest_fetches(bronze: DataFrame, endpoint: str, before: LogicalHour) -> DataFrame:
    """``movie_id, last_fetched`` (epoch seconds) of the last ``endpoint`` response in partitions before ``before``.

    The run's own hour is left out, so a re-run of an hour decides exactly as its first run did.
    """
    return (
        bronze.where(F.col("api_endpoint") == endpoint)
        .where(partition_key() < hour_key(before))
        .groupBy("movie_id")
        .agg(F.max("extraction_timestamp").cast("double").alias("last_fetched"))
    )


def _details(movies: DataFrame) -> DataFrame:
    return movies.where(F.col("api_endpoint") == schema.MOVIE_DETAILS).withColumn(
        "details", F.from_json("raw_json", schema.MOVIE_DETAILS_SCHEMA)
    )


def review_page_counts(movies: DataFrame) -> DataFrame:
    """``movie_id, total_pages`` of the movies whose reviews run past the page embedded in their details."""
    return (
        _details(movies)
        .select("movie_id", F.col("details.reviews.total_pages").alias("total_pages"))
        .where(F.col("total_pages") > 1)
    )


def top_billed_cast(movies: DataFrame, top: int) -> DataFrame:
    """``person_id`` of the first ``top`` cast members (by billing ``order``) of every fetched movie, distinct."""
    by_billing = F.array_sort(
        F.transform(
            F.col("details.credits.cast"),
            lambda member: F.struct(member["order"].alias("order"), member["id"].alias("id")),
        )
    )
    return (
        _details(movies)
        .select(F.explode(F.slice(by_billing, 1, top)).alias("member"))
        .select(F.col("member.id").alias("person_id"))
        .where(F.col("person_id").isNotNull())
        .distinct()
    )


def export_entries(lines: DataFrame) -> DataFrame:
    """The lines of a daily ID export (``spark.read.text`` of the gzip file) as ``movie_id, adult, raw_json``,
    each line kept exactly as received."""
    entry = F.from_json("value", schema.MOVIE_EXPORT_ENTRY_SCHEMA)
    return lines.select(
        entry["id"].alias("movie_id"),
        F.coalesce(entry["adult"], F.lit(False)).alias("adult"),
        F.col("value").alias("raw_json"),
    )


def catalogue_rows(entries: DataFrame, *, received_at: datetime, batch_run_id: str, export_date: date) -> DataFrame:
    """Export entries as bronze/catalogue rows: the export's endpoint, the time the file was received."""
    return entries.select(
        "movie_id",
        "raw_json",
        F.lit(schema.MOVIE_EXPORT).alias("api_endpoint"),
        F.lit(received_at).cast("timestamp").alias("extraction_timestamp"),
        F.lit(schema.EXPORT_SOURCE).alias("source_list"),
        F.lit(None).cast("int").alias("list_rank"),
        F.lit(batch_run_id).alias("batch_run_id"),
        F.lit(export_date).cast("date").alias("export_date"),
    )
