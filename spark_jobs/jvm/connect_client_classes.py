"""Loads the classes a Spark Connect client's JVM uses, so that ``-XX:ArchiveClassesAtExit`` archives them.

    spark-submit --remote sc://127.0.0.1:1 \
        --conf spark.driver.extraJavaOptions=-XX:ArchiveClassesAtExit=build/jvm/connect-client.jsa \
        spark_jobs/jvm/connect_client_classes.py

Run by scripts/build_jvm.sh. A job submitted with ``--remote`` uses spark-submit's JVM only to start: SparkSubmit,
the Python runner and the py4j gateway it hands the job (the job's work runs on the server, its lake files go
through fsspec). Starting that gateway, with no Spark Connect server, loads all of them.
"""

from __future__ import annotations

from pyspark.java_gateway import launch_gateway


def main() -> None:
    launch_gateway()  # spark-submit's JVM: the gateway it started for this application


if __name__ == "__main__":
    main()
