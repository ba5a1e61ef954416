#!/usr/bin/env bash
# Command of the spark-connect service (docker-compose.batch.yml; in the Spark image as
# /opt/batch/docker/spark-connect.sh): the Spark Connect server, one long-running application on the standalone
# cluster that runs the jobs of the DAG tasks, which are its clients (sc://spark-connect:15002).
#
#   spark-connect.sh SPARK-SUBMIT-OPTIONS...    e.g. --master spark://spark-master:7077 --conf KEY=VALUE ...
#
# The options come from the compose file. This adds the cores the server takes, which compose cannot compute:
# every core of the workers, SPARK_WORKER_COUNT x SPARK_WORKER_CORES, as on the embedded stack. They are
# spark.cores.max and also spark.default.parallelism: a Spark Connect client has no SparkContext to ask, so the
# jobs read the cores from that setting (default_parallelism in spark_jobs/utils/spark_session.py).
set -euo pipefail

workers=${SPARK_WORKER_COUNT:-}
cores_each=${SPARK_WORKER_CORES:-}
if ! [[ "$workers" =~ ^[1-9][0-9]*$ && "$cores_each" =~ ^[1-9][0-9]*$ ]]; then
    echo "SPARK_WORKER_COUNT (${workers:-unset}) and SPARK_WORKER_CORES (${cores_each:-unset}) must be" \
        "positive integers" >&2
    exit 2
fi
[[ $# -gt 0 ]] || {
    echo "usage: $0 SPARK-SUBMIT-OPTIONS... (at least --master)" >&2
    exit 2
}
cores=$((workers * cores_each))

echo "starting the Spark Connect server with ${cores} core(s): ${workers} worker(s) x ${cores_each}"
exec spark-submit --class org.apache.spark.sql.connect.service.SparkConnectServer "$@" \
    --conf "spark.cores.max=${cores}" --conf "spark.default.parallelism=${cores}" spark-internal
