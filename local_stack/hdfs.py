"""HDFS of the embedded stack: one NameNode and three DataNodes, each its own JVM on 127.0.0.1.

The server classes are Hadoop's own, at the version pyspark bundles: ``hadoop-client-minicluster`` (the NameNode
and DataNode classes, third-party code shaded) and the ``hadoop-hdfs`` tests jar (the NameNode's web UI,
``webapps/hdfs``), fetched from Maven Central by ``make setup`` into ``local_stack/hadoop/lib``; beside them
pyspark's ``hadoop-client-api``/``-runtime`` and logging jars (a few jars rather than all of pyspark's: each JVM
starts in a third of the time and takes a fifth less memory). A DataNode is the same class three times over, with
its own data folder and ports passed as ``-D`` options.

Everything lives under one folder (``data/hdfs`` in the stack): ``conf/`` (core-site.xml, hdfs-site.xml), ``name/``
and ``datanode-N/``. The NameNode is formatted on its first start only, with a fixed cluster ID, so a restart keeps
the lake and the DataNodes keep joining.
"""

from __future__ import annotations

import json
import logging
import subprocess
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit
from xml.sax.saxutils import escape

from config.settings import PROJECT_ROOT, Settings
from local_stack.processes import HOST, Service, ServiceError, http_json, tail

log = logging.getLogger(__name__)

HADOOP_LIB = PROJECT_ROOT / "local_stack" / "hadoop" / "lib"
LOG4J_CONFIG = PROJECT_ROOT / "local_stack" / "hadoop" / "log4j2.properties"
CLUSTER_ID = "movie-batch"
# Small heaps: a lake of a few GB has a few thousand blocks, which the NameNode keeps in a few MB.
NAMENODE_HEAP = "384m"
DATANODE_HEAP = "256m"
# Hadoop 3.4 reflects into these JDK packages; Java 17 closes them unless told otherwise (Spark opens the same).
JAVA_17_OPENS = tuple(
    f"--add-opens=java.base/{package}=ALL-UNNAMED"
    for package in ("java.lang", "java.lang.reflect", "java.io", "java.net", "java.nio", "java.util", "sun.nio.ch")
)


@dataclass(frozen=True)
class DataNodePorts:
    data: int
    http: int
    ipc: int


@dataclass(frozen=True)
class HdfsCluster:
    """Where one embedded HDFS keeps its files and which ports it listens on."""

    base_dir: Path
    namenode_port: int
    namenode_http_port: int
    datanodes: tuple[DataNodePorts, ...]
    replication: int = 3

    @classmethod
    def of(cls, settings: Settings) -> HdfsCluster:
        """The stack's cluster: the NameNode of ``HDFS_NAMENODE``, DataNodes from ``HDFS_DATANODE_BASE_PORT`` on."""
        base = settings.hdfs_datanode_base_port
        return cls(
            base_dir=settings.data_dir / "hdfs",
            namenode_port=urlsplit(settings.hdfs_namenode).port or 8020,
            namenode_http_port=settings.hdfs_namenode_http_port,
            datanodes=tuple(
                DataNodePorts(base + 10 * index, base + 10 * index + 1, base + 10 * index + 2)
                for index in range(settings.hdfs_datanodes)
            ),
            replication=min(settings.hdfs_replication, settings.hdfs_datanodes),
        )

    @property
    def uri(self) -> str:
        return f"hdfs://{HOST}:{self.namenode_port}"

    @property
    def conf_dir(self) -> Path:
        return self.base_dir / "conf"

    @property
    def name_dir(self) -> Path:
        return self.base_dir / "name"

    def datanode_dir(self, index: int) -> Path:
        return self.base_dir / f"datanode-{index + 1}"


# pyspark's jars that Hadoop's client and daemons need beside the server jars: the client itself, and logging
# (Hadoop logs through log4j 1's API, slf4j and commons-logging, all bridged to pyspark's log4j 2).
CLIENT_JARS = (
    "hadoop-client-api-*.jar",
    "hadoop-client-runtime-*.jar",
    "log4j-1.2-api-*.jar",
    "log4j-api-*.jar",
    "log4j-core-*.jar",
    "log4j-slf4j2-impl-*.jar",
    "slf4j-api-*.jar",
    "jcl-over-slf4j-*.jar",
    "lz4-java-*.jar",
)


def spark_jars() -> Path:
    import pyspark

    return Path(pyspark.__file__).parent / "jars"


def client_jars() -> list[Path]:
    return [jar for pattern in CLIENT_JARS for jar in sorted(spark_jars().glob(pattern))]


def server_jars() -> list[Path]:
    """The HDFS server jars at the version of pyspark's Hadoop client (make setup fetches them)."""
    client = next(spark_jars().glob("hadoop-client-api-*.jar"))
    version = client.name.removeprefix("hadoop-client-api-").removesuffix(".jar")
    return [HADOOP_LIB / f"hadoop-client-minicluster-{version}.jar", HADOOP_LIB / f"hadoop-hdfs-{version}-tests.jar"]


def check_installed() -> None:
    missing = [jar.name for jar in server_jars() if not jar.exists()]
    if missing:
        raise ServiceError(f"the HDFS server jars {', '.join(missing)} are missing from {HADOOP_LIB}: run make setup")


def classpath(cluster: HdfsCluster, *, server: bool = True) -> str:
    jars = [*(server_jars() if server else []), *client_jars()]
    return ":".join([str(cluster.conf_dir), *map(str, jars)])


def java_argv(cluster: HdfsCluster, main_class: str, heap: str, *args: str, server: bool = True) -> list[str]:
    return [
        "java",
        f"-Xmx{heap}",
        *JAVA_17_OPENS,
        f"-Dlog4j2.configurationFile=file:{LOG4J_CONFIG}",
        "-cp",
        classpath(cluster, server=server),
        main_class,
        *args,
    ]


def _site_xml(properties: dict[str, str]) -> str:
    rows = "".join(
        f"  <property><name>{escape(name)}</name><value>{escape(value)}</value></property>\n"
        for name, value in properties.items()
    )
    header = '<?xml version="1.0"?>\n<!-- Written by local_stack/hdfs.py at each start of the stack. -->\n'
    return f"{header}<configuration>\n{rows}</configuration>\n"


def write_config(cluster: HdfsCluster) -> None:
    """core-site.xml and hdfs-site.xml of the NameNode, the DataNodes and ``hdfs dfs`` (the DataNodes' own
    folders and ports are ``-D`` options of each)."""
    cluster.conf_dir.mkdir(parents=True, exist_ok=True)
    core = {
        "fs.defaultFS": cluster.uri,
        "hadoop.tmp.dir": str(cluster.base_dir / "tmp"),
    }
    hdfs = {
        "dfs.namenode.name.dir": cluster.name_dir.as_uri(),
        "dfs.namenode.rpc-address": f"{HOST}:{cluster.namenode_port}",
        "dfs.namenode.http-address": f"{HOST}:{cluster.namenode_http_port}",
        "dfs.replication": str(cluster.replication),
        # Every DataNode is on 127.0.0.1 and registers under that name; nothing to resolve.
        "dfs.datanode.hostname": HOST,
        "dfs.namenode.datanode.registration.ip-hostname-check": "false",
        # One user writes the lake (the stack's processes); HDFS permissions would only get in the way.
        "dfs.permissions.enabled": "false",
        # A file closes once its last block is written to the pipeline, without waiting for the DataNodes'
        # reports of it to reach the NameNode: the writer otherwise sleeps 400 ms or more before asking again,
        # and the lake writes hundreds of small files an hour.
        "dfs.namenode.file.close.num-committed-allowed": "1",
        # Leave safe mode as soon as the DataNodes have reported their blocks, not 30 s later.
        "dfs.namenode.safemode.extension": "0",
        # A stopped DataNode is declared dead within about 30 s instead of 10 min, so its blocks are
        # re-replicated while the stack still runs.
        "dfs.namenode.heartbeat.recheck-interval": "15000",
    }
    (cluster.conf_dir / "core-site.xml").write_text(_site_xml(core))
    (cluster.conf_dir / "hdfs-site.xml").write_text(_site_xml(hdfs))


def format_once(cluster: HdfsCluster, log_file: Path) -> bool:
    """Formats the NameNode's folder (with the configuration :func:`write_config` wrote) when it has never been
    formatted; True if it was formatted now."""
    if (cluster.name_dir / "current" / "VERSION").exists():
        return False
    check_installed()
    log_file.parent.mkdir(parents=True, exist_ok=True)
    argv = java_argv(
        cluster,
        "org.apache.hadoop.hdfs.server.namenode.NameNode",
        NAMENODE_HEAP,
        "-format",
        "-nonInteractive",
        "-clusterid",
        CLUSTER_ID,
    )
    with log_file.open("ab") as stream:
        result = subprocess.run(argv, stdout=stream, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, check=False)
    if result.returncode != 0:
        raise ServiceError(f"formatting the HDFS NameNode failed; last lines of {log_file}:\n{tail(log_file)}")
    log.info("formatted the HDFS NameNode in %s (cluster %s)", cluster.name_dir, CLUSTER_ID)
    return True


def _jmx(port: int, query: str) -> dict:
    beans = (http_json(f"http://{HOST}:{port}/jmx?qry={query}") or {}).get("beans", [])
    return beans[0] if beans else {}


def namenode_info(cluster: HdfsCluster) -> dict:
    """The NameNode's NameNodeInfo bean: safe mode, live nodes, ...; empty when it does not answer."""
    return _jmx(cluster.namenode_http_port, "Hadoop:service=NameNode,name=NameNodeInfo")


def live_datanodes(cluster: HdfsCluster) -> set[int]:
    """Data-transfer ports of the DataNodes the NameNode counts as live."""
    try:
        nodes = json.loads(namenode_info(cluster).get("LiveNodes") or "{}")
    except ValueError:
        return set()
    return {int(node["xferaddr"].rsplit(":", 1)[1]) for node in nodes.values() if "xferaddr" in node}


def namenode_ready(cluster: HdfsCluster) -> bool:
    """The NameNode answers and is out of safe mode (it then accepts writes)."""
    info = namenode_info(cluster)
    return bool(info) and not info.get("Safemode")


def namenode_service(run_dir: Path, cluster: HdfsCluster) -> Service:
    return Service(
        name="hdfs-namenode",
        argv=java_argv(cluster, "org.apache.hadoop.hdfs.server.namenode.NameNode", NAMENODE_HEAP),
        run_dir=run_dir,
        ports=[cluster.namenode_port, cluster.namenode_http_port],
        health=lambda: namenode_ready(cluster),
        start_timeout=90,
    )


def datanode_service(run_dir: Path, cluster: HdfsCluster, index: int) -> Service:
    ports = cluster.datanodes[index]
    options = {
        "dfs.datanode.data.dir": cluster.datanode_dir(index).as_uri(),
        "dfs.datanode.address": f"{HOST}:{ports.data}",
        "dfs.datanode.http.address": f"{HOST}:{ports.http}",
        "dfs.datanode.ipc.address": f"{HOST}:{ports.ipc}",
        "hadoop.tmp.dir": str(cluster.datanode_dir(index) / "tmp"),
    }
    return Service(
        name=f"hdfs-datanode-{index + 1}",
        argv=java_argv(
            cluster,
            "org.apache.hadoop.hdfs.server.datanode.DataNode",
            DATANODE_HEAP,
            *(f"-D{key}={value}" for key, value in options.items()),
        ),
        run_dir=run_dir,
        ports=[ports.data, ports.http, ports.ipc],
        # Healthy once it has registered with the NameNode (a DataNode alone cannot store anything).
        health=lambda: ports.data in live_datanodes(cluster),
        start_timeout=60,
    )


def hdfs_services(run_dir: Path, cluster: HdfsCluster) -> list[Service]:
    datanodes = [datanode_service(run_dir, cluster, index) for index in range(len(cluster.datanodes))]
    return [namenode_service(run_dir, cluster), *datanodes]


def fs_shell_argv(cluster: HdfsCluster, *args: str) -> list[str]:
    """``hdfs dfs ARGS``: Hadoop's own FsShell against the cluster's NameNode."""
    return java_argv(cluster, "org.apache.hadoop.fs.FsShell", "256m", *args, server=False)
