"""The settings object: precedence yaml < .env < environment, and errors that name the setting and the value."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from config.settings import CONFIG_DIR, CONFIG_FILES, Settings, SettingsError, load_settings


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in (
        "TMDB_RATE_LIMIT",
        "SPARK_MASTER_URL",
        "BRONZE_RETENTION_DAYS",
        "LAKE_ROOT",
        "TMDB_PAGES",
        "MONGODB_CONNECTION_STRING",
        "TMDB_API_KEY",
        "TMDB_FILES_BASE_URL",
        "BATCH_CONFIG_DIR",
    ):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def write_config(directory: Path, rate_limit: float, pages: int) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "airflow_config.yaml").write_text(f"tmdb_rate_limit: {rate_limit}\ntmdb_pages: {pages}\n")
    return directory


def test_yaml_values_apply_when_nothing_overrides_them(tmp_path: Path, clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("BATCH_CONFIG_DIR", str(write_config(tmp_path / "cfg", 7.5, 3)))
    settings = load_settings(_env_file=None)
    assert settings.tmdb_rate_limit == 7.5
    assert settings.tmdb_pages == 3


def test_dotenv_overrides_yaml_and_environment_overrides_dotenv(tmp_path: Path, clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("BATCH_CONFIG_DIR", str(write_config(tmp_path / "cfg", 7.5, 3)))
    dotenv = tmp_path / ".env"
    dotenv.write_text("TMDB_RATE_LIMIT=9\nTMDB_PAGES=4\n")
    from_dotenv = load_settings(_env_file=dotenv)
    assert (from_dotenv.tmdb_rate_limit, from_dotenv.tmdb_pages) == (9.0, 4)

    clean_env.setenv("TMDB_PAGES", "5")
    from_environment = load_settings(_env_file=dotenv)
    assert (from_environment.tmdb_rate_limit, from_environment.tmdb_pages) == (9.0, 5)


def test_the_project_yaml_files_give_the_seed_values(clean_env: pytest.MonkeyPatch) -> None:
    settings = load_settings(_env_file=None)
    assert settings.tmdb_rate_limit == 4.0
    assert settings.tmdb_pages == 20
    assert settings.spark_serializer == "org.apache.spark.serializer.KryoSerializer"
    assert settings.spark_broadcast_timeout == 300
    assert (settings.bronze_retention_days, settings.silver_retention_days, settings.gold_retention_days) == (
        90,
        730,
        1825,
    )


def test_every_key_of_the_project_yaml_files_is_a_setting() -> None:
    for name in CONFIG_FILES:
        keys = set(yaml.safe_load((CONFIG_DIR / name).read_text()))
        assert keys and not keys - set(Settings.model_fields), f"{name}: {sorted(keys - set(Settings.model_fields))}"


def test_a_wrong_yaml_value_names_the_setting(tmp_path: Path, clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("BATCH_CONFIG_DIR", str(write_config(tmp_path / "cfg", 7.5, 501)))
    with pytest.raises(SettingsError, match="TMDB_PAGES=501"):
        load_settings(_env_file=None)


def test_the_lake_follows_the_namenode_unless_lake_root_says_otherwise(clean_env: pytest.MonkeyPatch) -> None:
    assert load_settings(_env_file=None, hdfs_namenode="hdfs://namenode:8020").lake_root == "hdfs://namenode:8020/data"
    local = load_settings(_env_file=None, lake_root="file:///srv/lake/")
    assert local.lake_root == "file:///srv/lake"


def test_embedded_stack_defaults_need_no_env_file(clean_env: pytest.MonkeyPatch) -> None:
    settings = load_settings(_env_file=None)
    assert settings.stack == "local"
    assert settings.lake_root == "hdfs://127.0.0.1:8020/data"
    assert settings.uses_simulator
    assert settings.tmdb_effective_base_url == f"http://127.0.0.1:{settings.tmdb_simulator_port}/3"
    assert settings.tmdb_effective_files_base_url == f"http://127.0.0.1:{settings.tmdb_simulator_port}/files"
    assert settings.tmdb_api_key is None


def test_the_export_file_host_is_tmdbs_with_a_key_and_can_be_set(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("TMDB_API_KEY", "0123456789abcdef0123456789abcdef")
    assert load_settings(_env_file=None).tmdb_effective_files_base_url == "https://files.tmdb.org"
    clean_env.delenv("TMDB_API_KEY")
    clean_env.setenv("TMDB_FILES_BASE_URL", "http://mirror.example:8000/tmdb/")
    assert load_settings(_env_file=None).tmdb_effective_files_base_url == "http://mirror.example:8000/tmdb"
    clean_env.setenv("TMDB_FILES_BASE_URL", "files.tmdb.org")
    with pytest.raises(SettingsError) as raised:
        load_settings(_env_file=None)
    assert "TMDB_FILES_BASE_URL='files.tmdb.org'" in str(raised.value)


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("TMDB_RATE_LIMIT", "abc", "TMDB_RATE_LIMIT='abc'"),
        ("SPARK_MASTER_URL", "foo", "SPARK_MASTER_URL='foo'"),
        ("BRONZE_RETENTION_DAYS", "-1", "BRONZE_RETENTION_DAYS='-1'"),
        ("TMDB_PAGES", "501", "TMDB_PAGES='501'"),
        ("LAKE_ROOT", "/tmp/lake", "LAKE_ROOT='/tmp/lake'"),
        ("HDFS_NAMENODE", "namenode", "HDFS_NAMENODE='namenode'"),
    ],
)
def test_a_wrong_value_names_the_setting_and_the_value(
    clean_env: pytest.MonkeyPatch, variable: str, value: str, message: str
) -> None:
    clean_env.setenv(variable, value)
    with pytest.raises(SettingsError) as raised:
        load_settings(_env_file=None)
    assert message in str(raised.value)


def test_a_wrong_secret_is_named_but_never_shown(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("MONGODB_CONNECTION_STRING", "http://admin:s3cret-pw@mongo:27017")
    with pytest.raises(SettingsError) as raised:
        load_settings(_env_file=None)
    assert "MONGODB_CONNECTION_STRING" in str(raised.value)
    assert "s3cret-pw" not in str(raised.value)


def test_secrets_are_hidden_in_the_settings_repr(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("TMDB_API_KEY", "0123456789abcdef0123456789abcdef")
    clean_env.setenv("MONGODB_CONNECTION_STRING", "mongodb://admin:s3cret-pw@mongo:27017/moviedb")
    settings = load_settings(_env_file=None)
    assert "0123456789abcdef" not in repr(settings)
    assert "s3cret-pw" not in repr(settings)
    assert settings.mongodb_host_label == "mongo:27017"
    assert not settings.uses_simulator


@pytest.mark.parametrize(
    "master", ["local", "local[2]", "local[*]", "spark://127.0.0.1:7077", "spark://spark-master:7077"]
)
def test_spark_master_accepts_local_and_standalone_urls(clean_env: pytest.MonkeyPatch, master: str) -> None:
    assert Settings(_env_file=None, spark_master_url=master).spark_master_url == master


def test_env_example_as_copied_runs_the_embedded_stack(clean_env: pytest.MonkeyPatch) -> None:
    from config.settings import PROJECT_ROOT

    settings = load_settings(_env_file=PROJECT_ROOT / ".env.example")
    assert settings.uses_simulator
    assert settings.lake_root == "hdfs://127.0.0.1:8020/data"
    assert settings.tmdb_rate_limit == 4.0
