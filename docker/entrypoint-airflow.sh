#!/usr/bin/env bash
# Entrypoint of the Airflow containers (docker/airflow.Dockerfile).
#
# Airflow 3's SimpleAuthManager reads its users' passwords from a JSON file. When AIRFLOW_ADMIN_PASSWORD is set
# (the api-server container, from .env), this writes that file, then runs the official image's /entrypoint,
# which waits for the metadata database and starts the Airflow command.
set -euo pipefail

passwords_file=${AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE:-/opt/airflow/simple_auth_manager_passwords.json}

if [[ -n "${AIRFLOW_ADMIN_PASSWORD:-}" ]]; then
    (
        umask 077
        python - "$passwords_file" <<'PY'
import json
import os
import sys

user = os.environ.get("AIRFLOW_ADMIN_USERNAME") or "admin"
with open(sys.argv[1], "w", encoding="utf-8") as handle:
    json.dump({user: os.environ["AIRFLOW_ADMIN_PASSWORD"]}, handle)
PY
    )
fi

exec /entrypoint "$@"
