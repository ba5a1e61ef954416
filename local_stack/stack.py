"""The embedded stack: HDFS (a NameNode and three DataNodes), Airflow 3 on PostgreSQL, a Spark standalone master and
worker with a Spark Connect server on them, nx-27017 and the TMDB simulator as local processes on 127.0.0.1, with
their state under ``data/``.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from config.settings import Settings
from local_stack import hdfs, postgres, processes
from local_stack.hdfs import HdfsCluster, hdfs_services
from local_stack.mongo_express import mongo_express_service
from local_stack.processes import Service, ServiceError
from local_stack.services import (
    HOST,
    VENV_BIN,
    airflow_env,
    airflow_services,
    alive_workers,
    mongo_service,
    simulator_service,
    spark_connect_service,
    spark_services,
)

log = logging.getLogger(__name__)

SPARK_WORKER_UI_PORT = 8091


@dataclass(frozen=True)
class EmbeddedStack:
    settings: Settings

    @property
    def run_dir(self) -> Path:
        return self.settings.data_dir / "run"

    def services(self) -> list[Service]:
        s = self.settings
        found = [
            postgres.postgres_service(self.run_dir, s),
            *hdfs_services(self.run_dir, self.hdfs),
            mongo_service(self.run_dir, s.data_dir / "mongo", s.mongodb_port),
            mongo_express_service(self.run_dir, s),
            *spark_services(
                self.run_dir,
                s.data_dir / "spark",
                s.spark_master_port,
                s.spark_master_ui_port,
                s.spark_worker_cores,
                s.spark_worker_memory,
                SPARK_WORKER_UI_PORT,
            ),
            spark_connect_service(self.run_dir, s),
        ]
        if s.uses_simulator:
            found.append(simulator_service(self.run_dir, s))
        found.extend(airflow_services(self.run_dir, s))
        return found

    @property
    def hdfs(self) -> HdfsCluster:
        return HdfsCluster.of(self.settings)

    def service(self, name: str) -> Service:
        for service in self.services():
            if service.name == name:
                return service
        raise KeyError(name)

    def up(self, timeout: float = 90.0, *, with_airflow: bool = True, migrate: bool = True) -> None:
        """Starts every service that is not running and waits until all are healthy.

        With ``with_airflow=False`` it starts and waits for the services a ``dag.test()`` run needs (the lake's Spark,
        MongoDB, the simulator, a migrated Airflow database) and not the Airflow services: :meth:`start_airflow`
        and :meth:`wait_for_airflow` do that later. ``migrate=False`` leaves the Airflow database to the caller
        (the demo's runs process migrates it while the services start).
        """
        started_at = time.monotonic()
        services = self.services()
        self._check_ports(services)
        hdfs.check_installed()
        # The configuration is written at each start, so a changed setting reaches the daemons.
        hdfs.write_config(self.hdfs)
        hdfs.format_once(self.hdfs, self.run_dir / "hdfs-format.log")
        airflow = self._airflow_services(services)
        connect = [svc for svc in services if svc.name == "spark-connect"]
        others = [svc for svc in services if svc not in airflow and svc not in connect]
        # The Airflow database migration needs PostgreSQL with Airflow's role and database: PostgreSQL starts
        # first, and the other services start while it boots.
        self.start_postgres()
        for service in others:
            if service.name != "postgres":
                processes.start(service)
        self.wait_for_postgres(deadline=started_at + timeout)
        migration = self._start_airflow_db_migration() if migrate else None
        try:
            # The Spark Connect server registers with the master as it starts: the master must answer first.
            processes.wait_healthy(self.service("spark-master"), deadline=started_at + timeout)
            for service in connect:
                processes.start(service)
        finally:
            if migration is not None:
                self._finish_airflow_db_migration(migration)
        if with_airflow:
            self.start_airflow()
        self._wait_healthy([*others, *connect], started_at, timeout)
        if with_airflow:
            self.wait_for_airflow(timeout, started_at)

    def start_postgres(self) -> None:
        """Starts PostgreSQL, Airflow's metadata database, unless it runs; the first start initialises its cluster."""
        postgres.init_cluster(self.settings, self.run_dir / "postgres-initdb.log")
        processes.start(self.service("postgres"))

    def wait_for_postgres(self, deadline: float | None = None) -> None:
        """Waits until PostgreSQL answers, then makes sure Airflow's role and database exist: what the Airflow
        database migration needs."""
        postgres.wait_ready(self.service("postgres"), self.settings, deadline)

    @staticmethod
    def _airflow_services(services: list[Service]) -> list[Service]:
        return [svc for svc in services if svc.name.startswith("airflow-")]

    def start_airflow(self) -> None:
        """Starts the Airflow services that are not running (api-server, scheduler, dag-processor, triggerer)."""
        for service in self._airflow_services(self.services()):
            processes.start(service)

    def wait_for_airflow(self, timeout: float = 90.0, started_at: float | None = None) -> None:
        """Waits until the Airflow services are healthy, then makes sure the TMDB pool exists."""
        started_at = time.monotonic() if started_at is None else started_at
        self._wait_healthy(self._airflow_services(self.services()), started_at, timeout)
        self._ensure_tmdb_pool()
        log.info("embedded stack healthy in %.0f s", time.monotonic() - started_at)

    def _wait_healthy(self, services: list[Service], started_at: float, timeout: float) -> None:
        deadline = started_at + timeout
        for service in services:
            processes.wait_healthy(service, deadline=min(deadline, time.monotonic() + service.start_timeout))
            log.info("%s healthy after %.0f s", service.name, time.monotonic() - started_at)

    def _ensure_tmdb_pool(self) -> None:
        """One pool slot for TMDB extraction: overlapping runs never exceed the rate limit together."""
        from local_stack.airflow_api import connect, ensure_pool

        s = self.settings
        url, password = f"http://{HOST}:{s.airflow_api_port}", s.airflow_admin_password.get_secret_value()
        with connect(url, s.airflow_admin_username, password) as client:
            description = "TMDB API extraction: keeps TMDB_RATE_LIMIT global across runs"
            ensure_pool(client, s.tmdb_pool, s.tmdb_pool_slots, description)

    def _check_ports(self, services: list[Service]) -> None:
        """A port held by a process that is not ours stops `up` before anything starts."""
        for service in services:
            if processes.read_pid(service.pid_file) is not None:
                continue
            for port in service.ports:
                if processes.port_in_use(port):
                    raise ServiceError(
                        f"{service.name}: port {port} is already in use by another process; "
                        f"stop it or set another port in .env"
                    )

    def _start_airflow_db_migration(self) -> subprocess.Popen[bytes]:
        """`airflow db migrate`, in the background: the Spark services start meanwhile."""
        log_file = self.run_dir / "airflow-db-migrate.log"
        with log_file.open("ab") as stream:
            return subprocess.Popen(
                [str(VENV_BIN / "airflow"), "db", "migrate"],
                env={**_os_environ(), **airflow_env(self.settings)},
                stdout=stream,
                stderr=subprocess.STDOUT,
            )

    def _finish_airflow_db_migration(self, migration: subprocess.Popen[bytes]) -> None:
        if migration.wait() != 0:
            log_file = self.run_dir / "airflow-db-migrate.log"
            raise ServiceError(f"airflow db migrate failed; last lines of {log_file}:\n{processes.tail(log_file)}")

    def down(self) -> list[str]:
        """Stops every service, last started first; returns the names that were running."""
        stopped = []
        for service in reversed(self.services()):
            if processes.stop(service):
                stopped.append(service.name)
        return stopped

    def destroy_data(self) -> None:
        """Deletes the stack's data: the lake, MongoDB files, Airflow metadata and logs."""
        if self.running():
            raise ServiceError("stop the stack first (make down)")
        shutil.rmtree(self.settings.data_dir, ignore_errors=True)

    def running(self) -> list[str]:
        return [svc.name for svc in self.services() if processes.read_pid(svc.pid_file) is not None]

    def status(self) -> list[tuple[Service, int | None, bool]]:
        """(service, pid or None, healthy) for every service."""
        rows = []
        for service in self.services():
            pid = processes.read_pid(service.pid_file)
            rows.append((service, pid, pid is not None and service.health()))
        return rows

    def urls(self) -> list[tuple[str, str, str]]:
        s = self.settings
        rows = [
            ("Airflow UI", f"http://localhost:{s.airflow_api_port}", self._airflow_login()),
            ("PostgreSQL (Airflow metadata)", postgres.display_url(s), "password: POSTGRES_PASSWORD of .env"),
            ("HDFS NameNode UI", f"http://localhost:{s.hdfs_namenode_http_port}", "-"),
            ("HDFS NameNode", self.hdfs.uri, "no authentication (make hdfs-ls)"),
            ("Spark Master UI", f"http://localhost:{s.spark_master_ui_port}", "-"),
            ("Spark Worker UI", f"http://localhost:{SPARK_WORKER_UI_PORT}", "-"),
            ("Spark Connect", f"sc://localhost:{s.spark_connect_port}", "-"),
            ("MongoDB (nx-27017)", f"mongodb://localhost:{s.mongodb_port}/{s.mongodb_database}", "no authentication"),
            ("Mongo Express", f"http://localhost:{s.mongo_express_port}", self._mongo_express_login()),
            ("Lake", s.lake_root, "-"),
        ]
        if s.uses_simulator:
            rows.append(("TMDB simulator", f"http://localhost:{s.tmdb_simulator_port}/3", "any API key"))
        return rows

    def _airflow_login(self) -> str:
        user = self.settings.airflow_admin_username
        if self.settings.airflow_admin_password.get_secret_value() == "admin":
            return f"{user} / admin (the seed's local-only default)"
        return f"{user} / the AIRFLOW_ADMIN_PASSWORD of .env"

    def _mongo_express_login(self) -> str:
        user = self.settings.mongo_express_username
        if self.settings.mongo_express_password.get_secret_value() == "admin":
            return f"{user} / admin (the seed's local-only default)"
        return f"{user} / the MONGO_EXPRESS_PASSWORD of .env"

    def spark_workers(self) -> int:
        return alive_workers(self.settings.spark_master_ui_port)


def _os_environ() -> dict[str, str]:
    return dict(os.environ)


__all__ = ["HOST", "EmbeddedStack"]
