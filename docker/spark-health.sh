#!/usr/bin/env bash
# Healthcheck of the Spark standalone containers (in the Spark image as /opt/batch/docker/spark-health.sh).
#
#   spark-health.sh master          the master's JSON API (UI port 8081) reports status ALIVE
#   spark-health.sh worker HOST     the master lists the worker registered as HOST, in state ALIVE
# SPARK_MASTER_UI_URL overrides the master's UI address (default: localhost in the master's container,
# spark-master from a worker's).
set -euo pipefail

role=${1:-}
worker_host=${2:-}

case "$role" in
    master) url="${SPARK_MASTER_UI_URL:-http://localhost:8081}/json/" ;;
    worker)
        [[ -n "$worker_host" ]] || {
            echo "usage: $0 worker HOST" >&2
            exit 2
        }
        url="${SPARK_MASTER_UI_URL:-http://spark-master:8081}/json/"
        ;;
    *)
        echo "usage: $0 master | worker HOST" >&2
        exit 2
        ;;
esac

exec python3 - "$role" "$url" "$worker_host" <<'PY'
import json
import sys
import urllib.request

role, url, host = sys.argv[1:4]
with urllib.request.urlopen(url, timeout=5) as response:
    state = json.load(response)
if role == "master":
    ok = state.get("status") == "ALIVE"
    print(f"master {state.get('status')}, {state.get('aliveworkers', 0)} alive worker(s)")
else:
    ok = any(w.get("host") == host and w.get("state") == "ALIVE" for w in state.get("workers", []))
    print(f"worker {host} {'ALIVE' if ok else 'not registered'} on {url}")
sys.exit(0 if ok else 1)
PY
