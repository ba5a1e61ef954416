"""The one typed settings object of the batch layer.

Values come from, lowest precedence first: the field defaults, the YAML files in ``config/`` (the seed's three
files, read by pydantic-settings' YAML source), ``.env`` in the project root, environment variables, then keyword
arguments. A setting has one name everywhere: its field name is its YAML key and, in upper case, its environment
variable (``tmdb_rate_limit: 4.0`` <- ``TMDB_RATE_LIMIT=8``). A wrong value raises :class:`SettingsError`, whose
message names the variable and the value, so a bad setting stops a start instead of surfacing as a confusing
failure later.

Build it lazily with :func:`get_settings` inside a task or a job's ``main``, never at import time.
"""

from __future__ import annotations

import functools
import os
import re
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict, YamlConfigSettingsSource

PROJECT_ROOT = Path(__file__).resolve().parent.parent
CONFIG_DIR = PROJECT_ROOT / "config"

# Read in this order; a key in a later file wins, though each setting belongs in one of them.
CONFIG_FILES = ("spark_config.yaml", "hdfs_config.yaml", "airflow_config.yaml")

_SPARK_MASTER = re.compile(r"^(local(\[(\*|[1-9][0-9]*)(,[0-9]+)?\])?|spark://[A-Za-z0-9_.\-]+:[0-9]{1,5}|yarn)$")
_MEMORY = re.compile(r"^[1-9][0-9]*[kmgt]$", re.IGNORECASE)


class SettingsError(ValueError):
    """A setting has a value the batch layer cannot run with."""


class Settings(BaseSettings):
    """Every setting of the batch layer, typed and validated."""

    model_config = SettingsConfigDict(
        env_file=str(PROJECT_ROOT / ".env"),
        env_file_encoding="utf-8",
        extra="ignore",
        case_sensitive=False,
        validate_default=True,
    )

    # Stack
    stack: Literal["local", "docker"] = "local"
    bind_host: str = "127.0.0.1"
    data_dir: Path = PROJECT_ROOT / "data"

    # TMDB
    tmdb_api_key: SecretStr | None = None
    tmdb_read_access_token: SecretStr | None = None
    tmdb_base_url: str = "https://api.themoviedb.org/3"
    # TMDB's file host, where the daily ID exports are (/p/exports/movie_ids_MM_DD_YYYY.json.gz).
    tmdb_files_base_url: str = "https://files.tmdb.org"
    tmdb_rate_limit: float = Field(4.0, gt=0, le=1000)
    tmdb_pages: int = Field(20, ge=1, le=500)
    tmdb_concurrency: int = Field(16, ge=1, le=256)
    tmdb_timeout_seconds: float = Field(10.0, gt=0)
    tmdb_max_retries: int = Field(5, ge=0, le=20)
    tmdb_details_max_age_hours: int = Field(168, ge=0)
    tmdb_people_max_age_hours: int = Field(720, ge=0)
    tmdb_top_cast: int = Field(5, ge=0, le=100)
    tmdb_review_pages_cap: int = Field(3, ge=1, le=500)
    tmdb_failure_share: float = Field(0.05, ge=0, le=1)
    tmdb_connect_timeout_seconds: float = Field(5.0, gt=0)
    # Retries on 5xx, timeouts and connection errors: exponential backoff from this base, with jitter, capped.
    tmdb_backoff_seconds: float = Field(0.5, ge=0)
    tmdb_backoff_max_seconds: float = Field(30.0, ge=0)
    # 429s have their own, larger budget: the client slows down and waits rather than losing the request.
    tmdb_max_rate_limited_retries: int = Field(30, ge=0, le=1000)
    tmdb_progress_interval_seconds: float = Field(10.0, gt=0)
    # lists: each run reads the popular, top rated and now playing lists (the seed's behaviour). full: the run
    # that first sees a day's ID export also loads it into bronze/catalogue and fetches the details of every
    # movie never seen and of those in the change feed since the previous export (see master_dataset/README.md).
    tmdb_catalogue: Literal["lists", "full"] = "lists"
    tmdb_catalogue_include_adult: bool = False

    # TMDB simulator (used whenever no TMDB key or token is set)
    tmdb_simulator_port: int = Field(8765, ge=1, le=65535)
    tmdb_simulator_seed: int = 42
    tmdb_simulator_movies: int = Field(20000, ge=10)
    tmdb_simulator_people: int = Field(50000, ge=100)
    tmdb_simulator_rate_limit: float = Field(50.0, gt=0)
    tmdb_simulator_latency_ms: float = Field(0.0, ge=0)
    tmdb_simulator_error_rate: float = Field(0.0, ge=0, le=1)
    tmdb_simulator_timeout_rate: float = Field(0.0, ge=0, le=1)
    tmdb_simulator_malformed_rate: float = Field(0.0, ge=0, le=1)
    tmdb_simulator_truncated_rate: float = Field(0.0, ge=0, le=1)
    tmdb_simulator_drop_rate: float = Field(0.0, ge=0, le=1)
    tmdb_simulator_review_page_size: int = Field(5, ge=1, le=20)
    # ISO-8601 start of the simulated clock (it then advances with real time); empty means real time.
    tmdb_simulator_clock: str | None = None

    # Lake
    # Empty: the NameNode's /data (HDFS_NAMENODE). file:///abs/path puts the lake in a local folder instead.
    lake_root: str = ""
    # The lake's NameNode. The embedded stack runs it on this URI's port (the Docker stack: hdfs://namenode:8020).
    hdfs_namenode: str = "hdfs://127.0.0.1:8020"
    hdfs_namenode_http_port: int = Field(9870, ge=1, le=65535)
    # The embedded stack's DataNodes: DataNode N listens on BASE+10*(N-1) (data), +1 (web), +2 (IPC).
    hdfs_datanodes: int = Field(3, ge=1, le=9)
    hdfs_datanode_base_port: int = Field(9866, ge=1, le=65400)
    hdfs_replication: int = Field(3, ge=1, le=10)
    hdfs_block_size: str = "128m"
    bronze_retention_days: int = Field(90, ge=1)
    silver_retention_days: int = Field(730, ge=1)
    gold_retention_days: int = Field(1825, ge=1)
    # Hours of table history VACUUM keeps (the retention job): time travel reaches the versions of the last N hours.
    # Below 168 (Delta's safe minimum) the job turns Delta's retention-duration check off for its session.
    delta_vacuum_retention_hours: int = Field(168, ge=0)

    # Spark
    spark_app_name: str = "batch_layer_processing"
    spark_master_url: str = "local[*]"
    spark_executor_memory: str = "2g"
    spark_executor_cores: int = Field(2, ge=1)
    spark_executor_instances: int = Field(1, ge=1)
    spark_driver_memory: str = "2g"
    spark_driver_cores: int = Field(1, ge=1)
    spark_adaptive_enabled: bool = True
    spark_coalesce_partitions_enabled: bool = True
    spark_broadcast_timeout: int = Field(300, ge=1)
    spark_shuffle_partitions: int = Field(8, ge=1)
    spark_serializer: str = "org.apache.spark.serializer.KryoSerializer"
    spark_master_port: int = Field(7077, ge=1, le=65535)
    spark_master_ui_port: int = Field(8081, ge=1, le=65535)
    spark_worker_cores: int = Field(2, ge=1)
    spark_worker_memory: str = "4g"
    spark_connect_port: int = Field(15002, ge=1, le=65535)
    # Extra JVM options of the embedded stack's Spark Connect server and of its executors; empty: the JVM's
    # defaults (docs/performance.md: a C1-only profile measured no faster).
    spark_connect_java_options: str = ""

    # MongoDB
    mongodb_connection_string: SecretStr = SecretStr("mongodb://127.0.0.1:27017/moviedb")
    mongodb_database: str = Field("moviedb", min_length=1)
    mongodb_port: int = Field(27017, ge=1, le=65535)
    mongo_export_batch_size: int = Field(1000, ge=1, le=100000)
    # Mongo Express, the web UI of the serving database (basic auth; the seed's admin/admin is local-only)
    mongo_express_port: int = Field(8082, ge=1, le=65535)
    mongo_express_username: str = "admin"
    mongo_express_password: SecretStr = SecretStr("admin")

    # Gold views
    gold_top_cast: int = Field(5, ge=2, le=50)
    gold_top_collaborators: int = Field(5, ge=1, le=100)

    # Airflow and scheduling
    pipeline_dag_id: str = "tmdb_batch_pipeline"
    pipeline_schedule: str = "0 */4 * * *"
    batch_interval_hours: int = Field(4, ge=1, le=24)
    airflow_task_retries: int = Field(2, ge=0)
    airflow_retry_delay_minutes: float = Field(2, gt=0)
    airflow_parallelism: int = Field(4, ge=1)
    airflow_api_port: int = Field(8080, ge=1, le=65535)
    airflow_admin_username: str = "admin"
    airflow_admin_password: SecretStr = SecretStr("admin")
    tmdb_pool: str = "tmdb_api"
    tmdb_pool_slots: int = Field(1, ge=1)

    # PostgreSQL (Airflow metadata, embedded stack)
    # The role, password and database are the Docker stack's POSTGRES_USER, POSTGRES_PASSWORD and POSTGRES_DB.
    postgres_port: int = Field(5432, ge=1, le=65535)
    postgres_user: str = Field("airflow", pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    postgres_password: SecretStr = SecretStr("airflow")
    postgres_db: str = Field("airflow", pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    # Folder of initdb and postgres; unset: pg_config --bindir, Debian's /usr/lib/postgresql/<version>/bin, PATH.
    postgres_bin_dir: Path | None = None

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        config_dir = Path(os.environ.get("BATCH_CONFIG_DIR", CONFIG_DIR))
        yaml_settings = YamlConfigSettingsSource(settings_cls, yaml_file=[config_dir / name for name in CONFIG_FILES])
        return init_settings, env_settings, dotenv_settings, yaml_settings

    @field_validator("tmdb_api_key", "tmdb_read_access_token", mode="before")
    @classmethod
    def _empty_secret_is_unset(cls, value: object) -> object:
        # `TMDB_API_KEY=` as copied from .env.example means "no key": use the simulator.
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("postgres_bin_dir", mode="before")
    @classmethod
    def _empty_path_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("postgres_password")
    @classmethod
    def _password_is_set(cls, value: SecretStr) -> SecretStr:
        if not value.get_secret_value():
            raise ValueError("must not be empty")
        return value

    @field_validator("spark_master_url")
    @classmethod
    def _spark_master_is_known(cls, value: str) -> str:
        if not _SPARK_MASTER.match(value):
            raise ValueError("expected local, local[N], local[*], spark://HOST:PORT or yarn")
        return value

    @field_validator("spark_executor_memory", "spark_driver_memory", "spark_worker_memory")
    @classmethod
    def _memory_has_unit(cls, value: str) -> str:
        if not _MEMORY.match(value):
            raise ValueError("expected a size such as 512m or 4g")
        return value

    @field_validator("tmdb_base_url", "tmdb_files_base_url")
    @classmethod
    def _base_url_is_http(cls, value: str) -> str:
        if not re.match(r"^https?://[^/\s]+", value):
            raise ValueError("expected an http:// or https:// URL")
        return value.rstrip("/")

    @field_validator("lake_root")
    @classmethod
    def _lake_root_is_a_filesystem_uri(cls, value: str) -> str:
        if value and not re.match(r"^(file|hdfs)://", value):
            raise ValueError("expected a file:// or hdfs:// URI")
        return value.rstrip("/")

    @field_validator("hdfs_namenode")
    @classmethod
    def _namenode_is_host_and_port(cls, value: str) -> str:
        if not re.match(r"^hdfs://[A-Za-z0-9_.\-]+:[0-9]{1,5}$", value.rstrip("/")):
            raise ValueError("expected hdfs://HOST:PORT")
        return value.rstrip("/")

    @field_validator("mongodb_connection_string")
    @classmethod
    def _mongo_uri_scheme(cls, value: SecretStr) -> SecretStr:
        if not value.get_secret_value().startswith(("mongodb://", "mongodb+srv://")):
            raise ValueError("expected a mongodb:// or mongodb+srv:// URI")
        return value

    @model_validator(mode="after")
    def _default_lake_root(self) -> Settings:
        if not self.lake_root:
            self.lake_root = f"{self.hdfs_namenode}/data"
        return self

    @property
    def uses_simulator(self) -> bool:
        """True when no TMDB credential is configured: ingestion then talks to the TMDB simulator."""
        return self.tmdb_api_key is None and self.tmdb_read_access_token is None

    @property
    def tmdb_effective_base_url(self) -> str:
        if self.uses_simulator and self.tmdb_base_url == "https://api.themoviedb.org/3":
            return f"http://127.0.0.1:{self.tmdb_simulator_port}/3"
        return self.tmdb_base_url

    @property
    def tmdb_effective_files_base_url(self) -> str:
        """The file host of the daily exports: the simulator's ``/files`` when it stands in for TMDB."""
        if self.uses_simulator and self.tmdb_files_base_url == "https://files.tmdb.org":
            return f"http://127.0.0.1:{self.tmdb_simulator_port}/files"
        return self.tmdb_files_base_url

    @property
    def mongodb_host_label(self) -> str:
        """The servers of the connection string without credentials, safe to print."""
        uri = self.mongodb_connection_string.get_secret_value()
        without_scheme = uri.split("://", 1)[1]
        hosts = without_scheme.rsplit("@", 1)[-1].split("/", 1)[0]
        return hosts


_SECRET_FIELDS = frozenset(
    {
        "tmdb_api_key",
        "tmdb_read_access_token",
        "mongodb_connection_string",
        "airflow_admin_password",
        "mongo_express_password",
        "postgres_password",
    }
)


def _describe(error: dict[str, Any]) -> str:
    name = ".".join(str(part) for part in error.get("loc", ())) or "settings"
    value = error.get("input")
    shown = "'***'" if name in _SECRET_FIELDS or isinstance(value, SecretStr) else repr(value)
    return f"{name.upper()}={shown}: {error.get('msg')}"


def load_settings(**overrides: Any) -> Settings:
    """Build and validate the settings; a bad value raises SettingsError naming the variable and the value."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        problems = "; ".join(_describe(error) for error in exc.errors())
        raise SettingsError(f"Invalid setting {problems}") from None


@functools.lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, built on first use."""
    return load_settings()
