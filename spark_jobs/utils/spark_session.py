"""The one SparkSession factory, driven by the settings.

A job runs on a classic session (``local[*]`` in-process, or a cluster master under spark-submit) or as a Spark
Connect client (``SPARK_REMOTE=sc://HOST:PORT``, or spark-submit ``--remote``). The DAGs' tasks are Spark Connect
clients too, with the session the Spark provider's ``@task.pyspark`` builds from the ``spark_connect_default``
connection: they start no JVM, and the long-running server's executors do the work.
The jobs use only what both kinds of session offer; the few places that differ ask the helpers below.
"""

from __future__ import annotations

import json
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
# Delta Lake's jars, fetched from Maven Central by `make setup` (scripts/setup.sh); the Docker images carry them at
# the same place.
DELTA_JARS_DIR = PROJECT_ROOT / "build" / "jars" / "delta"
DELTA_CONF = {
    "spark.sql.extensions": "io.delta.sql.DeltaSparkSessionExtension",
    "spark.sql.catalog.spark_catalog": "org.apache.spark.sql.delta.catalog.DeltaCatalog",
    # OPTIMIZE writes files of up to 128 MB (Delta's default is 1 GB: one file per table at this size).
    "spark.databricks.delta.optimize.maxFileSize": str(128 * 1024 * 1024),
}


class DeltaJarsMissingError(RuntimeError):
    """Delta Lake's jars are not where `make setup` puts them."""


def delta_jars() -> list[Path]:
    jars = sorted(DELTA_JARS_DIR.glob("delta-*.jar"))
    if len(jars) < 2:
        raise DeltaJarsMissingError(f"Delta Lake's jars are missing from {DELTA_JARS_DIR}: run make setup")
    return jars


def add_java_options(conf: dict[str, str], options: str) -> None:
    """Appends JVM ``options`` to the driver's and the executors' in ``conf``."""
    for jvm in ("driver", "executor"):
        conf[f"spark.{jvm}.extraJavaOptions"] += f" {options}"


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
        "spark.sql.session.timeZone": "UTC",
        "spark.sql.execution.arrow.pyspark.enabled": "true",
        "spark.ui.showConsoleProgress": "false",
        # No delay scheduling: no executor shares a host with a DataNode in either stack (the Docker stack's are
        # containers apart; here DataNodes register as 127.0.0.1 and a local driver as the machine's name), and a
        # local session offers its cores again only when a task ends, so a task held back for a node-local slot
        # that never comes waited for ever.
        "spark.locality.wait": "0s",
        "spark.driver.extraJavaOptions": f"-Dlog4j2.configurationFile=file:{LOG4J_CONFIG}",
        "spark.executor.extraJavaOptions": f"-Dlog4j2.configurationFile=file:{LOG4J_CONFIG}",
        # Executors must run the same interpreter as the driver (the project's venv).
        "spark.pyspark.python": sys.executable,
        "spark.pyspark.driver.python": sys.executable,
        "spark.jars": ",".join(str(jar) for jar in delta_jars()),
        **DELTA_CONF,
        # The partitions Delta rebuilds a table's state (its list of files) into, at every new version a job reads.
        # Delta's default, 50, is sized for tables of millions of files; these have hundreds, and 50 tasks per
        # snapshot made a small Silver run take half again as long (docs/performance.md).
        "spark.databricks.delta.snapshotPartitions": str(settings.spark_shuffle_partitions),
    }
    if settings.lake_root.startswith("hdfs://"):
        conf["spark.hadoop.dfs.replication"] = str(settings.hdfs_replication)
        conf["spark.hadoop.dfs.blocksize"] = settings.hdfs_block_size
        # Containers reach datanodes by the hostname they registered with, not an internal address.
        conf["spark.hadoop.dfs.client.use.datanode.hostname"] = "true"
    return conf


# Settings a Spark Connect client may set on its own session; everything else belongs to the server.
_SESSION_CONF_PREFIXES = ("spark.sql.",)


def submitted_remote() -> str | None:
    """The Spark Connect URL spark-submit was given with ``--remote``, if it was."""
    for index in range(int(os.environ.get("PYSPARK_REMOTE_INIT_CONF_LEN", "0"))):
        remote = json.loads(os.environ[f"PYSPARK_REMOTE_INIT_CONF_{index}"]).get("spark.remote")
        if remote:
            return str(remote)
    return os.environ.get("SPARK_REMOTE") or None


def is_connect(spark: SparkSession) -> bool:
    """True for a Spark Connect client session, which has no SparkContext and no JVM of its own."""
    return type(spark).__module__.startswith("pyspark.sql.connect")


def default_parallelism(spark: SparkSession) -> int:
    """The cores the session's jobs run on (Spark's default parallelism)."""
    if is_connect(spark):
        # The server sets it explicitly (see connect_server_conf); a client cannot ask its SparkContext.
        return int(spark.conf.get("spark.default.parallelism", str(os.cpu_count() or 1)))
    return int(spark.sparkContext.defaultParallelism)


def connect_server_conf(settings: Settings, master: str, cores: int) -> dict[str, str]:
    """The configuration of a Spark Connect server that runs the jobs of a stack on ``master``."""
    conf = spark_conf(settings, "batch_layer.spark_connect", master)
    conf.update(
        {
            "spark.connect.grpc.binding.host": "127.0.0.1",
            "spark.connect.grpc.binding.port": str(settings.spark_connect_port),
            "spark.default.parallelism": str(cores),
            "spark.cores.max": str(cores),
            # An executor asking for more cores than the server may take would never start.
            "spark.executor.cores": str(min(settings.spark_executor_cores, cores)),
            # A job's pandas UDFs are pickled by reference to this project's modules: the server's Python
            # workers import them from the project root.
            "spark.executorEnv.PYTHONPATH": str(PROJECT_ROOT),
            # Idle sessions of finished tasks are released, with what they cached.
            "spark.connect.session.manager.defaultSessionTimeout": "15min",
        }
    )
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
    conf = {**spark_conf(settings, app_name, master), **(extra_conf or {})}
    remote = submitted_remote() if master is None else None
    if remote:
        return _connect_session(remote, app_name, conf)
    if "PYSPARK_GATEWAY_PORT" in os.environ and master is None:
        # Launched by spark-submit: its --master and --conf are the job's, the JVM already runs.
        conf.pop("spark.master", None)
    for key, value in conf.items():
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


def _connect_session(remote: str, app_name: str, conf: dict[str, str]) -> SparkSession:
    from pyspark.sql import SparkSession

    # Given to the builder, the session's settings go to the server in one request, not one each.
    session_conf = {key: value for key, value in conf.items() if key.startswith(_SESSION_CONF_PREFIXES)}
    spark = SparkSession.builder.remote(remote).config(map=session_conf).getOrCreate()
    log.info(
        "spark connect session %s on %s (shuffle partitions %s)",
        app_name,
        remote,
        spark.conf.get("spark.sql.shuffle.partitions"),
    )
    return spark
