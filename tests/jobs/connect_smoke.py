"""A job for the stack test, submitted with spark-submit --remote: the project's session factory, Delta tables,
lake files and sentiment UDF on a Spark Connect server. Writes what it saw to ``<lake>/report.json``."""

from __future__ import annotations

import json
import sys

from pyspark.sql import functions as F

from config.settings import get_settings
from spark_jobs.silver.sentiment import vader_compound
from spark_jobs.utils import tables
from spark_jobs.utils.lake import LakeFiles
from spark_jobs.utils.spark_session import build_spark_session, default_parallelism, is_connect

if __name__ == "__main__":
    lake_root = sys.argv[1]
    spark = build_spark_session(get_settings(), "connect_smoke_test")
    table = f"{lake_root}/scored"
    texts = spark.createDataFrame(
        [("a", "VADER is smart, handsome, and funny."), ("b", "Today SUX!")], "genre string, text string"
    )
    scored = texts.withColumn("compound", vader_compound(F.col("text")))
    tables.commits_as(spark, "batch_smoke_1")
    tables.overwrite(scored, table, ["genre"])
    tables.commits_as(spark, "batch_smoke_2")
    # A MERGE through SQL: the server's Delta extension, no Delta client library.
    tables.merge(spark, scored.where("genre = 'b'").withColumn("compound", F.lit(0.0)), table, ["genre"])
    rows = spark.read.format("delta").load(table).orderBy("genre").collect()
    first = tables.read(spark, table, scored.schema, version=tables.version_of_run(spark, table, "batch_smoke_1"))
    LakeFiles(lake_root).write_text(
        f"{lake_root}/report.json",
        json.dumps(
            {
                "connect": is_connect(spark),
                "parallelism": default_parallelism(spark),
                "scores": [row.compound for row in first.orderBy("genre").collect()],
                "merged": [row.compound for row in rows],
                "partitions": tables.detail(spark, table)["partitionColumns"],
                "runs": [row.userMetadata for row in tables.history(spark, table).orderBy("version").collect()],
            }
        ),
    )
    spark.stop()
