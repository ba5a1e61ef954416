"""A real HDFS of the embedded stack's kind: a NameNode and three DataNodes, each its own JVM on free ports."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest

from local_stack import hdfs, processes
from local_stack.processes import ServiceError
from spark_jobs.utils.lake import LakeUnavailableError, open_lake
from tests.conftest import free_port, hdfs_on_free_ports, start_hdfs

pytestmark = pytest.mark.integration


def replica_hosts(spark, path: str) -> list[list[str]]:
    """For each block of each data file under ``path``: the DataNodes that hold a replica of it."""
    jvm = spark.sparkContext._jvm
    root = jvm.org.apache.hadoop.fs.Path(path)
    fs = root.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration())
    files = fs.listFiles(root, True)
    hosts = []
    while files.hasNext():
        status = files.next()
        if status.getPath().getName().endswith(".parquet"):
            for block in status.getBlockLocations():
                hosts.append(sorted(block.getNames()))
    return hosts


def test_a_dataset_on_three_datanodes_survives_one_of_them_and_a_restart(spark, tmp_path: Path) -> None:
    from pyspark.sql import functions as F

    cluster = hdfs_on_free_ports(tmp_path / "hdfs")
    run_dir = tmp_path / "run"
    services = start_hdfs(cluster, run_dir)
    try:
        assert len(hdfs.live_datanodes(cluster)) == 3
        dataset = f"{cluster.uri}/data/bronze/numbers"
        rows = spark.range(200).withColumn("hour", (F.col("id") % 4).cast("int"))
        rows.write.partitionBy("hour").mode("overwrite").parquet(dataset)

        assert spark.read.parquet(dataset).count() == 200
        # DataNodes report the replicas they received a moment after the write returns.
        deadline = time.monotonic() + 20
        while any(len(hosts) < 3 for hosts in replica_hosts(spark, dataset)) and time.monotonic() < deadline:
            time.sleep(0.5)
        blocks = replica_hosts(spark, dataset)
        assert blocks and all(len(hosts) == 3 for hosts in blocks), [hosts for hosts in blocks if len(hosts) != 3]

        processes.stop(services[-1])
        assert spark.read.parquet(dataset).where("hour = 3").count() == 50

        for service in reversed(services[:-1]):
            processes.stop(service)
        assert not hdfs.format_once(cluster, run_dir / "hdfs-format.log"), "formatted once, never again"
        services = start_hdfs(cluster, run_dir)
        assert spark.read.parquet(dataset).count() == 200
    finally:
        for service in reversed(services):
            processes.stop(service)
    for service in services:
        assert processes.read_pid(service.pid_file) is None
        assert not any(listening(port) for port in service.ports), service.name


def listening(port: int) -> bool:
    """A port still answers three checks in a row. One check can pass with nothing listening: a connection to a
    free port of the ephemeral range can, rarely, connect to itself (TCP's simultaneous open)."""
    for _ in range(3):
        if not processes.port_in_use(port):
            return False
        time.sleep(0.3)
    return True


def test_a_datanode_that_never_registers_fails_the_start_with_its_log(tmp_path: Path) -> None:
    cluster = hdfs_on_free_ports(tmp_path / "hdfs")
    hdfs.write_config(cluster)  # no NameNode runs on its port
    datanode = hdfs.datanode_service(tmp_path / "run", cluster, 0)
    datanode = type(datanode)(**{**datanode.__dict__, "start_timeout": 15})
    processes.start(datanode)
    try:
        with pytest.raises(ServiceError, match="hdfs-datanode-1 not healthy within 15 s") as failure:
            processes.wait_healthy(datanode)
        assert f"127.0.0.1:{cluster.namenode_port}" in str(failure.value)
    finally:
        processes.stop(datanode)


def test_a_lake_whose_namenode_is_down_fails_at_once_naming_it_and_the_setting() -> None:
    port = free_port()
    with pytest.raises(LakeUnavailableError) as failure:
        open_lake(f"hdfs://127.0.0.1:{port}/data")
    message = str(failure.value)
    assert f"LAKE_ROOT=hdfs://127.0.0.1:{port}/data" in message
    assert f"NameNode at 127.0.0.1:{port} does not answer" in message


def test_a_reachable_namenode_opens_the_lake() -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        assert open_lake(f"hdfs://127.0.0.1:{port}/data/").root == f"hdfs://127.0.0.1:{port}/data"
