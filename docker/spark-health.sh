#!/usr/bin/env bash
# Healthcheck of the Spark standalone containers (in the Spark image as /opt/batch/docker/spark-health.sh).
#
#   spark-health.sh master          the master's JSON API (UI port 8081) reports status ALIVE
#   spark-health.sh worker HOST     the master lists the worker registered as HOST, in state ALIVE
#   spark-health.sh connect         the Spark Connect server's gRPC port (15002) accepts connections; it opens
#                                   only once the server's SparkContext has registered with the master
# SPARK_MASTER_UI_URL overrides the master's UI address (default: localhost in the master's container,
# spark-master from a worker's); SPARK_CONNECT_ADDRESS the server's HOST:PORT (default localhost:15002).
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
    connect) url="${SPARK_CONNECT_ADDRESS:-localhost:15002}" ;;
    *)
        echo "usage: $0 master | worker HOST | connect" >&2
        exit 2
        ;;
esac

exec python3 - "$role" "$url" "$worker_host" <<'PY'
import json
import socket
import sys
import urllib.request

role, url, host = sys.argv[1:4]
if role == "connect":
    # A TCP connection, not a Spark Connect session: a session would start work on the cluster every check.
    address, _, port = url.rpartition(":")
    try:
        with socket.create_connection((address, int(port)), timeout=5):
            pass
    except OSError as error:
        print(f"spark connect not answering on {url}: {error}")
        sys.exit(1)
    print(f"spark connect answers on {url}")
    sys.exit(0)
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
