"""A tiny Spark job for the stack test: sums 1..N on the cluster and writes the result as Parquet."""

from __future__ import annotations

import sys

from pyspark.sql import SparkSession

if __name__ == "__main__":
    n, output = int(sys.argv[1]), sys.argv[2]
    spark = SparkSession.builder.appName("stack_smoke_test").getOrCreate()
    spark.range(1, n + 1).selectExpr("sum(id) AS total").write.mode("overwrite").parquet(output)
    spark.stop()
