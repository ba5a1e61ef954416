"""PostgreSQL of the embedded stack: Airflow's metadata database, a private cluster under ``data/postgres``.

The server is the host's (Debian's ``postgresql-15``; ``make setup`` installs it), never its system service: the
cluster is initialised with ``initdb`` on the first start, and ``postgres`` runs in the foreground as a service of
the stack, on 127.0.0.1 and a Unix socket in the cluster's own folder. PostgreSQL refuses to run as root: when the
stack runs as root, the cluster belongs to the ``postgres`` system user and both programs run as that user
(``setpriv`` switches user and then executes the program, so the recorded PID is the server's, the leader of its
process group). Any other user runs it as themselves.

Authentication: the superuser (``postgres``, no password) connects through the Unix socket only, which nobody but
the cluster's owner (and root) can reach; over TCP every role needs its password. Once the server answers, the
role and database Airflow uses (``POSTGRES_USER``, ``POSTGRES_PASSWORD``, ``POSTGRES_DB``: the Docker stack's
names) are created, or the role's password set to the setting's, so a changed password takes effect at the next
start.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import pwd
import re
import shutil
import signal
import subprocess
import time
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

from config.settings import Settings
from local_stack import processes
from local_stack.processes import HOST, Service, ServiceError

if TYPE_CHECKING:
    from psycopg2.extensions import connection

log = logging.getLogger(__name__)

SUPERUSER = "postgres"
# The system user that owns the cluster and runs the server when the stack runs as root (Debian's packages
# create it).
SYSTEM_USER = "postgres"
DEBIAN_BIN_ROOT = Path("/usr/lib/postgresql")
SERVER_PROGRAMS = ("initdb", "postgres")
INSTALL_HINT = (
    "install Debian's PostgreSQL server (sudo apt-get install postgresql-15; make setup does it when run as root) "
    "or set POSTGRES_BIN_DIR to the folder of initdb and postgres"
)


def cluster_dir(settings: Settings) -> Path:
    """The cluster's data folder (PGDATA), which also holds the server's Unix socket."""
    return settings.data_dir / "postgres"


def runs_as_system_user() -> bool:
    """True when the stack runs as root: the server then runs as the ``postgres`` system user."""
    return os.geteuid() == 0


def _has_server(directory: Path) -> bool:
    return all(os.access(directory / program, os.X_OK) for program in SERVER_PROGRAMS)


def _debian_version(directory: Path) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", directory.parent.name)) or (0,)


@functools.lru_cache(maxsize=8)
def find_bin_dir(configured: Path | None, cluster_version: str | None = None) -> Path | None:
    """The folder of ``initdb`` and ``postgres``: ``configured`` (POSTGRES_BIN_DIR) when set; else Debian's folder
    of the cluster's major version when the cluster exists; else ``pg_config --bindir``, Debian's newest
    ``/usr/lib/postgresql/<version>/bin`` and the folder of an ``initdb`` on PATH, the first that holds both
    programs. None when there is none."""
    if configured is not None:
        return configured
    candidates: list[Path] = []
    if cluster_version:
        candidates.append(DEBIAN_BIN_ROOT / cluster_version / "bin")
    pg_config = shutil.which("pg_config")
    if pg_config:
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            found = subprocess.run(
                [pg_config, "--bindir"], capture_output=True, text=True, timeout=10, check=True
            ).stdout.strip()
            if found:
                candidates.append(Path(found))
    candidates.extend(sorted(DEBIAN_BIN_ROOT.glob("*/bin"), key=_debian_version, reverse=True))
    initdb = shutil.which("initdb")
    if initdb:
        candidates.append(Path(initdb).resolve().parent)
    return next((directory for directory in candidates if _has_server(directory)), None)


def bin_dir(settings: Settings) -> Path:
    """The folder of the server's programs; raises ServiceError saying how to install them when there is none."""
    version_file = cluster_dir(settings) / "PG_VERSION"
    cluster_version = version_file.read_text().strip() if version_file.exists() else None
    found = find_bin_dir(settings.postgres_bin_dir, cluster_version)
    if found is None:
        raise ServiceError(f"PostgreSQL's server programs (initdb, postgres) were not found: {INSTALL_HINT}")
    if not _has_server(found):
        raise ServiceError(f"POSTGRES_BIN_DIR={found} does not hold initdb and postgres: {INSTALL_HINT}")
    return found


def _system_owner() -> pwd.struct_passwd:
    try:
        return pwd.getpwnam(SYSTEM_USER)
    except KeyError:
        raise ServiceError(
            f"PostgreSQL refuses to run as root and there is no {SYSTEM_USER!r} system user to run it as: "
            f"{INSTALL_HINT} (its package creates the user)"
        ) from None


def _as_cluster_owner(argv: list[str]) -> list[str]:
    """``argv`` run as the cluster's owner: as the ``postgres`` system user when this process is root."""
    if not runs_as_system_user():
        return argv
    _system_owner()
    setpriv = shutil.which("setpriv") or "/usr/bin/setpriv"
    # setpriv executes the program in its own place (no child process): the PID stays the server's.
    return [setpriv, f"--reuid={SYSTEM_USER}", f"--regid={SYSTEM_USER}", "--init-groups", "--", *argv]


def init_cluster(settings: Settings, log_file: Path) -> bool:
    """Initialises the cluster unless it exists (its ``PG_VERSION`` file says so); True when it did.

    The superuser is ``postgres``; the Unix socket admits it without a password (the folder is its owner's
    alone), TCP connections need SCRAM passwords. The output of ``initdb`` goes to ``log_file``."""
    data = cluster_dir(settings)
    if (data / "PG_VERSION").exists():
        return False
    programs = bin_dir(settings)
    data.mkdir(parents=True, exist_ok=True)
    data.chmod(0o700)
    if runs_as_system_user():
        owner = _system_owner()
        os.chown(data, owner.pw_uid, owner.pw_gid)
    argv = [
        str(programs / "initdb"),
        "--pgdata",
        str(data),
        "--username",
        SUPERUSER,
        "--auth-local=trust",
        "--auth-host=scram-sha-256",
        "--encoding=UTF8",
        "--no-locale",
        "--no-instructions",
    ]
    started = time.monotonic()
    log_file.parent.mkdir(parents=True, exist_ok=True)
    with log_file.open("ab") as stream:
        done = subprocess.run(
            _as_cluster_owner(argv), stdout=stream, stderr=subprocess.STDOUT, cwd="/", timeout=300, check=False
        )
    if done.returncode != 0:
        hint = (
            f" (the {SYSTEM_USER} user must be able to reach {data}: each folder above it needs o+x)"
            if runs_as_system_user()
            else ""
        )
        raise ServiceError(f"initdb failed for {data}{hint}; last lines of {log_file}:\n{processes.tail(log_file, 20)}")
    log.info("PostgreSQL cluster initialised in %s (%.1f s)", data, time.monotonic() - started)
    return True


def postgres_service(run_dir: Path, settings: Settings) -> Service:
    """The PostgreSQL server of the private cluster, in the foreground, on 127.0.0.1:POSTGRES_PORT.

    Healthy when Airflow's role logs in to its database over TCP. Stopped with SIGINT, PostgreSQL's fast
    shutdown (SIGTERM is its smart shutdown, which waits for every client to disconnect first). Call
    :func:`init_cluster` before starting it and :func:`wait_ready` after."""
    data = cluster_dir(settings)
    port = settings.postgres_port
    try:
        programs = bin_dir(settings)
    except ServiceError:
        # Listing, stopping and health checks need no server programs; init_cluster says what is missing.
        programs = DEBIAN_BIN_ROOT / "15" / "bin"
    server = [str(programs / "postgres"), "-D", str(data), "-h", HOST, "-p", str(port), "-k", str(data)]
    try:
        argv = _as_cluster_owner(server)
    except ServiceError:
        argv = server  # likewise: init_cluster, which runs first, says what is missing
    return Service(
        name="postgres",
        argv=argv,
        run_dir=run_dir,
        ports=[port],
        health=lambda: airflow_can_connect(settings),
        cwd=Path("/"),
        start_timeout=60,
        stop_signal=signal.SIGINT,
    )


def _connect(settings: Settings, *, superuser: bool = False, timeout: int = 2) -> connection:
    import psycopg2

    if superuser:
        return psycopg2.connect(
            host=str(cluster_dir(settings)),
            port=settings.postgres_port,
            user=SUPERUSER,
            dbname="postgres",
            connect_timeout=timeout,
        )
    return psycopg2.connect(
        host=HOST,
        port=settings.postgres_port,
        user=settings.postgres_user,
        password=settings.postgres_password.get_secret_value(),
        dbname=settings.postgres_db,
        connect_timeout=timeout,
    )


def _answers(settings: Settings, *, superuser: bool) -> bool:
    if not processes.port_in_use(settings.postgres_port, HOST):
        return False
    import psycopg2

    try:
        with contextlib.closing(_connect(settings, superuser=superuser)) as conn, conn.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except psycopg2.Error:
        return False


def airflow_can_connect(settings: Settings) -> bool:
    """Airflow's role logs in to its database over TCP with its password and runs a query."""
    return _answers(settings, superuser=False)


def server_answers(settings: Settings) -> bool:
    """The server accepts the superuser's connections (through the Unix socket)."""
    return _answers(settings, superuser=True)


def ensure_airflow_database(settings: Settings) -> None:
    """Creates Airflow's role and database unless they exist, and sets the role's password to the setting's."""
    from psycopg2 import sql

    user, database = sql.Identifier(settings.postgres_user), sql.Identifier(settings.postgres_db)
    password = sql.Literal(settings.postgres_password.get_secret_value())
    with contextlib.closing(_connect(settings, superuser=True, timeout=10)) as conn:
        conn.autocommit = True  # CREATE DATABASE runs outside a transaction
        with conn.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (settings.postgres_user,))
            if cursor.fetchone():
                cursor.execute(sql.SQL("ALTER ROLE {} WITH LOGIN PASSWORD {}").format(user, password))
            else:
                cursor.execute(sql.SQL("CREATE ROLE {} WITH LOGIN PASSWORD {}").format(user, password))
                log.info("PostgreSQL role %s created", settings.postgres_user)
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", (settings.postgres_db,))
            if not cursor.fetchone():
                cursor.execute(sql.SQL("CREATE DATABASE {} OWNER {} ENCODING 'UTF8'").format(database, user))
                log.info("PostgreSQL database %s created", settings.postgres_db)


def wait_ready(service: Service, settings: Settings, deadline: float | None = None) -> None:
    """Waits until the server answers (ServiceError with its log's tail when it exits or does not in time), then
    makes sure Airflow's role and database exist. Afterwards ``service.health()`` holds."""
    processes.wait_healthy(replace(service, health=lambda: server_answers(settings)), deadline)
    ensure_airflow_database(settings)


def sqlalchemy_url(settings: Settings) -> str:
    """Airflow's ``sql_alchemy_conn`` for the cluster (the password URL-quoted)."""
    password = quote(settings.postgres_password.get_secret_value(), safe="")
    return (
        f"postgresql+psycopg2://{quote(settings.postgres_user, safe='')}:{password}"
        f"@{HOST}:{settings.postgres_port}/{quote(settings.postgres_db, safe='')}"
    )


def display_url(settings: Settings) -> str:
    """The cluster's address for people: no password."""
    return f"postgresql://{settings.postgres_user}@{HOST}:{settings.postgres_port}/{settings.postgres_db}"
