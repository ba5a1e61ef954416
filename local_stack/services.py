"""The services of the embedded stack, defined once for `make up` and for the integration tests."""

from __future__ import annotations

import json
import os
import secrets
import sys
import urllib.request
from pathlib import Path

from config.settings import PROJECT_ROOT, Settings
from local_stack import postgres
from local_stack.processes import HOST, Service, http_json, http_ok, port_in_use

VENV_BIN = Path(sys.executable).parent


def _venv_path_env() -> dict[str, str]:
    # spark-submit, airflow and nx-27017 are console scripts of the project's venv.
    return {"PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}", "PYSPARK_PYTHON": sys.executable}


def mongo_ping(port: int, host: str = HOST) -> bool:
    if not port_in_use(port, host):
        return False
    from pymongo import MongoClient
    from pymongo.errors import PyMongoError

    try:
        with MongoClient(host, port, serverSelectionTimeoutMS=1000, connectTimeoutMS=1000) as client:
            return bool(client.admin.command("ping").get("ok"))
    except PyMongoError:
        return False


def mongo_service(run_dir: Path, data_dir: Path, port: int) -> Service:
    """nx-27017, a MongoDB-wire server on SQLite: one database file per MongoDB database under ``data_dir``."""
    data_dir.mkdir(parents=True, exist_ok=True)
    return Service(
        name="mongo",
        argv=[
            str(VENV_BIN / "nx-27017"),
            "--data-dir",
            str(data_dir),
            "--host",
            HOST,
            "--port",
            str(port),
            "--log-file",
            str(run_dir / "nx-27017.log"),
            "--pid-file",
            str(run_dir / "nx-27017.own.pid"),
        ],
        run_dir=run_dir,
        ports=[port],
        health=lambda: mongo_ping(port),
        env=_venv_path_env(),
        start_timeout=30,
    )


def spark_master_state(ui_port: int) -> dict:
    return http_json(f"http://{HOST}:{ui_port}/json/") or {}


def alive_workers(ui_port: int) -> int:
    return int(spark_master_state(ui_port).get("aliveworkers", 0))


def spark_services(
    run_dir: Path,
    work_dir: Path,
    master_port: int,
    ui_port: int,
    worker_cores: int,
    worker_memory: str,
    worker_ui_port: int,
) -> list[Service]:
    """A Spark standalone master and one worker, started with spark-class from the pyspark wheel."""
    work_dir.mkdir(parents=True, exist_ok=True)
    env = {
        **_venv_path_env(),
        "SPARK_LOG_DIR": str(run_dir),
        "SPARK_WORKER_DIR": str(work_dir),
        "SPARK_LOCAL_DIRS": str(work_dir / "tmp"),
        "SPARK_NO_DAEMONIZE": "1",
    }
    spark_class = str(VENV_BIN / "spark-class")
    master = Service(
        name="spark-master",
        argv=[
            spark_class,
            "org.apache.spark.deploy.master.Master",
            "--host",
            HOST,
            "--port",
            str(master_port),
            "--webui-port",
            str(ui_port),
        ],
        run_dir=run_dir,
        ports=[master_port, ui_port],
        health=lambda: http_ok(f"http://{HOST}:{ui_port}/json/"),
        env=env,
        start_timeout=60,
    )
    worker = Service(
        name="spark-worker",
        argv=[
            spark_class,
            "org.apache.spark.deploy.worker.Worker",
            f"spark://{HOST}:{master_port}",
            "--host",
            HOST,
            "--cores",
            str(worker_cores),
            "--memory",
            worker_memory,
            "--webui-port",
            str(worker_ui_port),
            "--work-dir",
            str(work_dir),
        ],
        run_dir=run_dir,
        ports=[worker_ui_port],
        health=lambda: alive_workers(ui_port) >= 1,
        env=env,
        start_timeout=60,
    )
    return [master, worker]


def spark_connect_service(
    run_dir: Path, settings: Settings, master: str | None = None, cores: int | None = None
) -> Service:
    """The Spark Connect server: one long-running application on the standalone master that runs the jobs
    of the DAG tasks, which are its clients. A task then starts neither a driver JVM nor an executor, and
    every job after the first runs on warm JVMs.

    ``master`` and ``cores`` default to the stack's standalone master and its worker's cores; the Silver
    benchmark runs the same server on ``local[2]``.
    """
    from spark_jobs.utils.spark_session import add_java_options, connect_server_conf

    master = master or f"spark://{HOST}:{settings.spark_master_port}"
    conf = connect_server_conf(settings, master, cores or settings.spark_worker_cores)
    if settings.spark_connect_java_options:
        # This machine's server and executors (the Docker stack's, on bigger machines, keep the JVM's defaults).
        add_java_options(conf, settings.spark_connect_java_options)
    port = settings.spark_connect_port
    return Service(
        name="spark-connect",
        argv=[
            str(VENV_BIN / "spark-submit"),
            "--class",
            "org.apache.spark.sql.connect.service.SparkConnectServer",
            *[arg for key, value in conf.items() for arg in ("--conf", f"{key}={value}")],
            "spark-internal",
        ],
        run_dir=run_dir,
        ports=[port],
        health=lambda: port_in_use(port, HOST),
        env={**_venv_path_env(), "PYTHONPATH": str(PROJECT_ROOT), "SPARK_LOG_DIR": str(run_dir)},
        cwd=PROJECT_ROOT,
        start_timeout=90,
    )


def simulator_service(run_dir: Path, settings: Settings) -> Service:
    """The TMDB simulator, standing in for api.themoviedb.org when no TMDB credential is set."""
    port = settings.tmdb_simulator_port
    return Service(
        name="tmdb-simulator",
        argv=[sys.executable, "-m", "master_dataset.simulator", "--host", HOST, "--port", str(port)],
        run_dir=run_dir,
        ports=[port],
        health=lambda: http_ok(f"http://{HOST}:{port}/health"),
        env=_venv_path_env(),
        cwd=PROJECT_ROOT,
        start_timeout=60,
    )


def airflow_home(settings: Settings) -> Path:
    return settings.data_dir / "airflow"


def airflow_env(settings: Settings) -> dict[str, str]:
    """Environment of every Airflow process of the embedded stack, and of the `airflow` CLI run by make."""
    home = airflow_home(settings)
    home.mkdir(parents=True, exist_ok=True)
    secrets_file = home / "stack-secrets.json"
    if secrets_file.exists():
        generated = json.loads(secrets_file.read_text())
    else:
        from cryptography.fernet import Fernet

        generated = {
            "fernet_key": Fernet.generate_key().decode(),
            "jwt_secret": secrets.token_urlsafe(32),
            "api_secret_key": secrets.token_urlsafe(32),
        }
        secrets_file.write_text(json.dumps(generated))
        secrets_file.chmod(0o600)
    passwords_file = home / "simple_auth_manager_passwords.json"
    passwords_file.write_text(
        json.dumps({settings.airflow_admin_username: settings.airflow_admin_password.get_secret_value()})
    )
    passwords_file.chmod(0o600)
    port = settings.airflow_api_port
    spark_master = f"spark://{HOST}:{settings.spark_master_port}"
    # The DAGs' Spark tasks are clients of the Spark Connect server, which runs on spark_master.
    spark_connect = {"conn_type": "spark_connect", "host": HOST, "port": settings.spark_connect_port}
    return {
        **_venv_path_env(),
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(PROJECT_ROOT / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
        "AIRFLOW__CORE__PARALLELISM": str(settings.airflow_parallelism),
        "AIRFLOW__CORE__FERNET_KEY": generated["fernet_key"],
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{settings.airflow_admin_username}:admin",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(passwords_file),
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://{HOST}:{port}/execution/",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": postgres.sqlalchemy_url(settings),
        "AIRFLOW__API__HOST": HOST,
        "AIRFLOW__API__PORT": str(port),
        "AIRFLOW__API__BASE_URL": f"http://{HOST}:{port}",
        "AIRFLOW__API__SECRET_KEY": generated["api_secret_key"],
        "AIRFLOW__API_AUTH__JWT_SECRET": generated["jwt_secret"],
        "AIRFLOW__SCHEDULER__ENABLE_HEALTH_CHECK": "True",
        "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(home / "logs"),
        "AIRFLOW_CONN_SPARK_CONNECT_DEFAULT": json.dumps(spark_connect),
        "SPARK_MASTER_URL": spark_master,
        "PYTHONPATH": os.pathsep.join([str(PROJECT_ROOT), str(PROJECT_ROOT / "dags")]),
    }


def airflow_services(run_dir: Path, settings: Settings) -> list[Service]:
    """Airflow 3 as local processes: api-server, scheduler, dag-processor, triggerer (metadata in the stack's
    PostgreSQL, local_stack.postgres)."""
    env = airflow_env(settings)
    airflow = str(VENV_BIN / "airflow")
    port = settings.airflow_api_port
    api_health = f"http://{HOST}:{port}/api/v2/monitor/health"

    def component_healthy(component: str) -> bool:
        try:
            with urllib.request.urlopen(api_health, timeout=2) as response:
                status = json.load(response)
        except (OSError, ValueError):
            return False
        return status.get(component, {}).get("status") == "healthy"

    api = Service(
        "airflow-api-server",
        [airflow, "api-server", "--host", HOST, "--port", str(port)],
        run_dir,
        [port],
        lambda: http_ok(api_health),
        env,
        PROJECT_ROOT,
        90,
    )
    scheduler = Service(
        "airflow-scheduler",
        [airflow, "scheduler"],
        run_dir,
        [],
        lambda: component_healthy("scheduler"),
        env,
        PROJECT_ROOT,
        90,
    )
    dag_processor = Service(
        "airflow-dag-processor",
        [airflow, "dag-processor"],
        run_dir,
        [],
        lambda: component_healthy("dag_processor"),
        env,
        PROJECT_ROOT,
        90,
    )
    triggerer = Service(
        "airflow-triggerer",
        [airflow, "triggerer"],
        run_dir,
        [],
        lambda: component_healthy("triggerer"),
        env,
        PROJECT_ROOT,
        90,
    )
    return [api, scheduler, dag_processor, triggerer]
