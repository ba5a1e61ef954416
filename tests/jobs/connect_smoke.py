"""A job for the stack test, submitted with spark-submit --remote: the project's session factory, lake file
system and sentiment UDF on a Spark Connect server. Writes what it saw to ``<lake>/report.json``."""

from __future__ import annotations

import json
import sys

from pyspark.sql import functions as F

from config.settings import get_settings
from spark_jobs.silver.publish import write_partitioned
from spark_jobs.silver.sentiment import vader_compound
from spark_jobs.utils.lake import LakeFS
from spark_jobs.utils.spark_session import build_spark_session, default_parallelism, is_connect

if __name__ == "__main__":
    lake_root = sys.argv[1]
    spark = build_spark_session(get_settings(), "connect_smoke_test")
    lake = LakeFS(spark)
    texts = spark.createDataFrame(
        [("a", "VADER is smart, handsome, and funny."), ("b", "Today SUX!")], "genre string, text string"
    )
    scored = texts.withColumn("compound", vader_compound(F.col("text")))
    write_partitioned(scored, f"{lake_root}/staging/scored", ["genre"])
    lake.rename(f"{lake_root}/staging/scored", f"{lake_root}/published/scored")
    rows = spark.read.parquet(f"{lake_root}/published/scored").orderBy("genre").collect()
    lake.write_text(
        f"{lake_root}/report.json",
        json.dumps(
            {
                "connect": is_connect(spark),
                "parallelism": default_parallelism(spark),
                "scores": [row.compound for row in rows],
                "partitions": lake.glob_dirs(f"{lake_root}/published/scored/genre=*"),
                "staging_left": lake.exists(f"{lake_root}/staging/scored"),
            }
        ),
    )
    spark.stop()
