"""PostgreSQL of the embedded stack for real: the private cluster under a temporary data folder, on a free port."""

from __future__ import annotations

import contextlib
import os
import socket
import time
from pathlib import Path

import pytest
from pydantic import SecretStr

from config.settings import load_settings
from local_stack import postgres, processes
from local_stack.processes import ServiceError
from tests.conftest import free_port, postgres_base_dir, postgres_settings

pytestmark = pytest.mark.integration


def children_of(pid: int) -> list[int]:
    """The live child processes of ``pid`` (PostgreSQL's backends and workers each lead a session of their own,
    so a process-group listing does not show them)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            fields = stat[stat.rindex(")") + 2 :].split()
            if int(fields[1]) == pid and fields[0] != "Z":
                found.append(int(entry.name))
    return found


def as_airflow(port: int, *statements: str) -> list[tuple]:
    """Runs ``statements`` as Airflow's role over TCP in one committed transaction; returns the last one's rows."""
    import psycopg2

    connection = psycopg2.connect(host="127.0.0.1", port=port, user="airflow", password="airflow", dbname="airflow")
    with contextlib.closing(connection), connection, connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
        return cursor.fetchall() if cursor.description else []


def process_uid(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(next(line for line in status.splitlines() if line.startswith("Uid:")).split()[1])


def test_the_private_cluster_serves_airflows_role_keeps_its_data_across_restarts_and_stops_clean() -> None:
    import psycopg2

    port = free_port()
    with postgres_base_dir() as base:
        settings = postgres_settings(base, port)
        run_dir = base / "run"
        service = postgres.postgres_service(run_dir, settings)
        data = postgres.cluster_dir(settings)
        try:
            started = time.monotonic()
            assert postgres.init_cluster(settings, run_dir / "initdb.log") is True
            initdb_seconds = time.monotonic() - started
            version_file = (data / "PG_VERSION").stat()
            started = time.monotonic()
            pid = processes.start(service)
            postgres.wait_ready(service, settings)
            print(f"initdb {initdb_seconds:.1f} s, start to ready {time.monotonic() - started:.1f} s")
            if os.geteuid() == 0:
                # PostgreSQL refuses root: the cluster and the server are the postgres system user's.
                owner = postgres._system_owner()
                assert data.stat().st_uid == owner.pw_uid
                assert process_uid(pid) == owner.pw_uid
            # The recorded PID is the server's own, leading its process group (what processes.stop signals).
            assert os.getpgid(pid) == pid
            assert int((data / "postmaster.pid").read_text().split()[0]) == pid
            assert service.health()

            assert as_airflow(
                port,
                "CREATE TABLE kept (value int)",
                "INSERT INTO kept VALUES (42)",
                "SELECT current_user, current_database()",
            ) == [("airflow", "airflow")]
            # Over TCP a password is required, and it must be the right one.
            with pytest.raises(psycopg2.OperationalError, match="password authentication failed"):
                psycopg2.connect(host="127.0.0.1", port=port, user="airflow", password="wrong", dbname="airflow")

            workers = children_of(pid)
            assert workers, "the server has no background processes"
            assert processes.stop(service)
            assert not processes.pid_alive(pid)
            assert not any(processes.pid_alive(worker) for worker in workers)
            assert not processes.port_in_use(port)
            assert not (data / "postmaster.pid").exists()
            assert not service.health()
            # SIGINT is PostgreSQL's fast shutdown: it ended cleanly, with nothing to recover at the next start.
            assert "database system is shut down" in service.log_file.read_text()

            # The second start: no initdb, the same cluster, the table still there.
            assert postgres.init_cluster(settings, run_dir / "initdb.log") is False
            assert (data / "PG_VERSION").stat().st_mtime_ns == version_file.st_mtime_ns
            pid = processes.start(service)
            postgres.wait_ready(service, settings)
            assert as_airflow(port, "SELECT value FROM kept") == [(42,)]
            assert "automatic recovery" not in service.log_file.read_text()
        finally:
            processes.stop(service)
        assert not processes.pid_alive(pid)
        assert not processes.port_in_use(port)


def test_a_changed_password_takes_effect_at_the_next_start() -> None:
    import psycopg2

    port = free_port()
    with postgres_base_dir() as base:
        settings = postgres_settings(base, port)
        service = postgres.postgres_service(base / "run", settings)
        try:
            postgres.init_cluster(settings, base / "run" / "initdb.log")
            processes.start(service)
            postgres.wait_ready(service, settings)
            changed = settings.model_copy(update={"postgres_password": SecretStr("n@w:pw/1")})
            postgres.wait_ready(service, changed)
            assert postgres.airflow_can_connect(changed)
            assert not postgres.airflow_can_connect(settings)
            # The password reaches Airflow quoted in its connection URL, and SQLAlchemy reads it back.
            from sqlalchemy import create_engine, text

            engine = create_engine(postgres.sqlalchemy_url(changed))
            with engine.connect() as conn:
                assert conn.execute(text("SELECT current_user")).scalar() == "airflow"
            engine.dispose()
            with pytest.raises(psycopg2.OperationalError):
                psycopg2.connect(host="127.0.0.1", port=port, user="postgres", dbname="postgres", connect_timeout=5)
        finally:
            processes.stop(service)


def test_airflow_is_configured_for_the_clusters_database(tmp_path: Path) -> None:
    from local_stack.services import airflow_env
    from local_stack.stack import EmbeddedStack

    settings = load_settings(_env_file=None, data_dir=tmp_path, postgres_port=6543, postgres_password="p@ss:w/rd")
    env = airflow_env(settings)
    assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] == (
        "postgresql+psycopg2://airflow:p%40ss%3Aw%2Frd@127.0.0.1:6543/airflow"
    )
    stack = EmbeddedStack(settings)
    assert stack.services()[0].name == "postgres"
    assert ("PostgreSQL (Airflow metadata)", "postgresql://airflow@127.0.0.1:6543/airflow") in [
        row[:2] for row in stack.urls()
    ]
    assert "p@ss" not in repr(stack.urls())


def test_server_programs_that_are_missing_stop_the_start_saying_how_to_install_them(tmp_path: Path) -> None:
    settings = load_settings(_env_file=None, data_dir=tmp_path, postgres_bin_dir=tmp_path / "nowhere")
    with pytest.raises(ServiceError, match=r"POSTGRES_BIN_DIR=.*nowhere does not hold initdb .*apt-get install"):
        postgres.init_cluster(settings, tmp_path / "initdb.log")
    # Listing and stopping the stack still work without them.
    assert postgres.postgres_service(tmp_path / "run", settings).name == "postgres"


def test_the_server_programs_are_found_without_a_setting() -> None:
    found = postgres.find_bin_dir(None)
    assert found is not None and (found / "initdb").exists() and (found / "postgres").exists()


@pytest.mark.parametrize(("service", "setting"), [("postgres", "postgres_port"), ("mongo", "mongodb_port")])
def test_a_port_in_use_stops_make_up_naming_the_port(tmp_path: Path, monkeypatch, service: str, setting: str) -> None:
    """EmbeddedStack.up checks every port before it starts anything (PostgreSQL's first)."""
    from local_stack.stack import EmbeddedStack

    def must_not_start(*args: object, **kwargs: object) -> None:
        pytest.fail("a service started although a port was in use")

    monkeypatch.setattr(processes, "start", must_not_start)
    monkeypatch.setattr(postgres, "init_cluster", must_not_start)
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        busy = holder.getsockname()[1]
        stack = EmbeddedStack(load_settings(_env_file=None, data_dir=tmp_path, **{setting: busy}))
        with pytest.raises(ServiceError, match=f"^{service}: port {busy} is already in use"):
            stack.up()
