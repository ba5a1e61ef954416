"""The one SparkSession factory, driven by the settings."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

    from config.settings import Settings

log = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parents[2]
LOG4J_CONFIG = PROJECT_ROOT / "config" / "log4j2.properties"
# Built by `make setup` from spark_jobs/jvm: on its classpath a JVM writes file:// paths without forking chmod.
LAKE_FS_JAR = PROJECT_ROOT / "build" / "jvm" / "batch-layer-lakefs.jar"


def spark_conf(settings: Settings, app_name: str, master: str | None = None) -> dict[str, str]:
    """The Spark configuration a job runs with: the seed's options, sized for this machine."""
    conf = {
        "spark.app.name": app_name,
        "spark.master": master or settings.spark_master_url,
        "spark.driver.memory": settings.spark_driver_memory,
        "spark.executor.memory": settings.spark_executor_memory,
        "spark.executor.cores": str(settings.spark_executor_cores),
        "spark.sql.adaptive.enabled": str(settings.spark_adaptive_enabled).lower(),
        "spark.sql.adaptive.coalescePartitions.enabled": str(settings.spark_coalesce_partitions_enabled).lower(),
        "spark.sql.broadcastTimeout": str(settings.spark_broadcast_timeout),
        "spark.sql.shuffle.partitions": str(settings.spark_shuffle_partitions),
        "spark.serializer": settings.spark_serializer,
        # A run replaces exactly the partitions it writes, never the whole dataset.
        "spark.sql.sources.partitionOverwriteMode": "dynamic",
        "spark.sql.session.timeZone": "UTC",
        "spark.sql.execution.arrow.pyspark.enabled": "true",
        "spark.ui.showConsoleProgress": "false",
        "spark.driver.extraJavaOptions": f"-Dlog4j2.configurationFile=file:{LOG4J_CONFIG}",
        "spark.executor.extraJavaOptions": f"-Dlog4j2.configurationFile=file:{LOG4J_CONFIG}",
        # Executors must run the same interpreter as the driver (the project's venv).
        "spark.pyspark.python": sys.executable,
        "spark.pyspark.driver.python": sys.executable,
    }
    if settings.lake_root.startswith("file://") and LAKE_FS_JAR.exists():
        # The jar's core-site.xml maps file:// to NioLocalFileSystem in every JVM of the job, executors included.
        conf["spark.driver.extraClassPath"] = str(LAKE_FS_JAR)
        conf["spark.executor.extraClassPath"] = str(LAKE_FS_JAR)
    if settings.lake_root.startswith("hdfs://"):
        conf["spark.hadoop.dfs.replication"] = str(settings.hdfs_replication)
        conf["spark.hadoop.dfs.blocksize"] = settings.hdfs_block_size
        # Containers reach datanodes by the hostname they registered with, not an internal address.
        conf["spark.hadoop.dfs.client.use.datanode.hostname"] = "true"
    return conf


def build_spark_session(
    settings: Settings,
    app_name: str,
    master: str | None = None,
    extra_conf: dict[str, str] | None = None,
) -> SparkSession:
    """Returns the session of this process, creating it with the settings' configuration.

    Under ``spark-submit`` the master given on the command line wins over the settings.
    """
    from pyspark.sql import SparkSession

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    builder = SparkSession.builder
    conf = spark_conf(settings, app_name, master)
    if "PYSPARK_GATEWAY_PORT" in os.environ and master is None:
        # Launched by spark-submit: its --master and --conf are the job's, the JVM already runs.
        conf.pop("spark.master", None)
    for key, value in {**conf, **(extra_conf or {})}.items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("WARN")
    log.info(
        "spark session %s on %s (shuffle partitions %s)",
        app_name,
        spark.sparkContext.master,
        spark.conf.get("spark.sql.shuffle.partitions"),
    )
    return spark
