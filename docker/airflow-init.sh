#!/usr/bin/env bash
# airflow-init: runs once per `make up`, before the Airflow services start (they wait for it to succeed).
#
#   1. checks the settings: a TMDB credential, a valid Fernet key, the batch layer's own settings;
#   2. waits for HDFS to leave safe mode with enough live datanodes, then creates the lake's layer folders
#      (so no job starts while the namenode would refuse writes);
#   3. migrates the Airflow metadata database;
#   4. checks the spark_connect_default connection (AIRFLOW_CONN_SPARK_CONNECT_DEFAULT): the Spark Connect server the DAGs'
#      Spark tasks submit to answers; then creates the TMDB pool;
#   5. refreshes the deployed DAG folder (the airflow_dags volume) from the image.
# Users: Airflow 3's SimpleAuthManager keeps no users in the database; the api-server's entrypoint renders the
# login of .env (AIRFLOW_ADMIN_USERNAME / AIRFLOW_ADMIN_PASSWORD).
set -euo pipefail

HDFS_WAIT_SECONDS=${HDFS_WAIT_SECONDS:-300}
NAMENODE_HTTP=${NAMENODE_HTTP:-http://namenode:9870}
DAGS_SOURCE=/opt/batch/dags
DAGS_DEPLOY=/opt/airflow/dags-deploy

log() { printf '[airflow-init] %s\n' "$*"; }
fail() {
    printf '[airflow-init] ERROR: %s\n' "$*" >&2
    exit 1
}

check_settings() {
    if [[ -z "${TMDB_API_KEY:-}${TMDB_READ_ACCESS_TOKEN:-}" ]]; then
        fail "TMDB_API_KEY (or TMDB_READ_ACCESS_TOKEN) is empty in .env: the Docker stack calls the real TMDB API" \
            "(https://www.themoviedb.org/settings/api); only the embedded stack (STACK=local) has the simulator"
    fi
    python - <<'PY' || fail "fix the setting above in .env, then run make up again"
import os
import sys

from cryptography.fernet import Fernet

from config.settings import SettingsError, load_settings

try:
    Fernet(os.environ["AIRFLOW__CORE__FERNET_KEY"].encode())
except (KeyError, ValueError):
    sys.exit(
        "AIRFLOW__CORE__FERNET_KEY is not a Fernet key (32 url-safe base64-encoded bytes); empty it in .env and "
        "`make up` generates one"
    )
try:
    settings = load_settings()
except SettingsError as error:
    sys.exit(str(error))
print(f"[airflow-init] settings ok: lake {settings.lake_root}, Spark {settings.spark_master_url}, "
      f"MongoDB {settings.mongodb_host_label}/{settings.mongodb_database}")
PY
}

wait_for_hdfs() {
    log "waiting for HDFS: out of safe mode with ${HDFS_REPLICATION:-3} live datanodes (at most ${HDFS_WAIT_SECONDS} s)"
    python - "$NAMENODE_HTTP" "${HDFS_REPLICATION:-3}" "$HDFS_WAIT_SECONDS" <<'PY' || fail "HDFS is not ready"
import json
import sys
import time
import urllib.request

base, replication, timeout = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
url = f"{base}/jmx?qry=Hadoop:service=NameNode,name=FSNamesystemState"
deadline = time.monotonic() + timeout
state = "no answer"
while time.monotonic() < deadline:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            bean = json.load(response)["beans"][0]
        live, fs_state = int(bean["NumLiveDataNodes"]), bean["FSState"]
        state = f"{fs_state}, {live} live datanode(s)"
        if fs_state == "Operational" and live >= replication:
            print(f"[airflow-init] HDFS ready: {state}")
            sys.exit(0)
    except (OSError, ValueError, KeyError, IndexError) as error:
        state = f"no answer ({error})"
    time.sleep(3)
sys.exit(f"HDFS not ready after {timeout:.0f} s: {state}; see `make logs-hdfs`")
PY
    log "creating the lake's layer folders under ${LAKE_ROOT}"
    python -m spark_jobs.lake_cli create-dirs 2>/tmp/lake_cli.err || {
        tail -n 40 /tmp/lake_cli.err >&2
        fail "could not create the layer folders on HDFS"
    }
}

migrate_db() {
    log "migrating the metadata database"
    airflow db migrate
}

connections_and_pools() {
    python - <<'PY' || fail "AIRFLOW_CONN_SPARK_CONNECT_DEFAULT: no Spark Connect server answers there (make logs-spark)"
import json
import os
import socket
import sys

conn = json.loads(os.environ["AIRFLOW_CONN_SPARK_CONNECT_DEFAULT"])
if conn.get("conn_type") != "spark_connect" or not conn.get("host") or not conn.get("port"):
    sys.exit(f"[airflow-init] spark_connect_default is not a Spark Connect server (host and port): {conn}")
address = (conn["host"], int(conn["port"]))
# compose starts this container once spark-connect is healthy: a refusal here means it has stopped since.
try:
    socket.create_connection(address, timeout=10).close()
except OSError as error:
    sys.exit(f"[airflow-init] {conn['host']}:{conn['port']} does not answer: {error}")
print(f"[airflow-init] connection spark_connect_default: {conn['host']}:{conn['port']} (Spark Connect server) answers")
PY
    local pool slots
    read -r pool slots < <(python -c "from config.settings import get_settings; s = get_settings(); \
print(s.tmdb_pool, s.tmdb_pool_slots)") || true
    [[ -n "${pool:-}" && -n "${slots:-}" ]] || fail "could not read the TMDB pool from the settings"
    airflow pools set "$pool" "$slots" "TMDB API: one slot per concurrent extraction" >/dev/null
    log "pool ${pool}: ${slots} slot(s)"
}

deploy_dags() {
    [[ -d "$DAGS_DEPLOY" ]] || fail "${DAGS_DEPLOY} is not mounted (the airflow_dags volume)"
    mkdir -p "$DAGS_SOURCE"
    cp -R "${DAGS_SOURCE}/." "${DAGS_DEPLOY}/"
    # Files deleted from the repository leave the deployed folder too.
    local deployed
    while IFS= read -r -d '' deployed; do
        [[ -e "${DAGS_SOURCE}/${deployed#"${DAGS_DEPLOY}"/}" ]] || rm -rf "$deployed"
    done < <(find "$DAGS_DEPLOY" -mindepth 1 -depth -print0)
    log "DAG folder refreshed: $(find "$DAGS_DEPLOY" -name '*.py' | wc -l) Python file(s)"
}

check_settings
wait_for_hdfs
migrate_db
connections_and_pools
deploy_dags
log "done; Airflow UI login: ${AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS%%:*} / the AIRFLOW_ADMIN_PASSWORD of .env"
