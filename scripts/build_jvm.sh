#!/usr/bin/env bash
# Builds build/jvm/connect-client.jsa, the class-data-sharing archive of a Spark Connect client's JVM
# (spark-submit --remote, as the DAG tasks run), from spark_jobs/jvm/connect_client_classes.py. It starts that
# JVM about 0.7 s sooner; without it the JVM starts as usual.
set -euo pipefail
cd "$(dirname "$0")/.."

client_archive=build/jvm/connect-client.jsa

archive_key() {
  # An archive is only valid for the JDK and the classpath it was made with: made again when they, or the
  # program that made it, change.
  echo "$(java -version 2>&1 | head -1); pyspark $(.venv/bin/python -c 'import pyspark; print(pyspark.__version__)');" \
    "$(cat "$@" 2>/dev/null | sha256sum | cut -c1-16)"
}

# build_archive ARCHIVE TRAINING_PROGRAM COMMAND...: runs COMMAND, which makes ARCHIVE as its JVM exits.
build_archive() {
  local archive=$1 program=$2 key log
  shift 2
  key=$(archive_key "$program" spark_jobs/utils/spark_session.py)
  log="${archive%.jsa}-archive.log"
  if [ -f "$archive" ] && [ "$(cat "$archive.key" 2>/dev/null)" = "$key" ]; then
    return 0
  fi
  rm -f "$archive" "$archive.key"
  mkdir -p "$(dirname "$archive")"
  if PATH="$PWD/.venv/bin:$PATH" PYTHONPATH="$PWD" "$@" >"$log" 2>&1 && [ -f "$archive" ]; then
    echo "$key" >"$archive.key"
    echo "setup: built $archive"
  else
    rm -f "$archive"
    echo "setup: could not build $archive (see $log); Spark starts without it" >&2
  fi
}

client_flags=$(PYTHONPATH="$PWD" .venv/bin/python -c \
  'from spark_jobs.utils.spark_session import CONNECT_CLIENT_JVM_FLAGS; print(CONNECT_CLIENT_JVM_FLAGS)')

# --remote needs no server here: the application never opens a Spark Connect session.
build_archive "$client_archive" spark_jobs/jvm/connect_client_classes.py \
  .venv/bin/spark-submit --remote sc://127.0.0.1:1 \
  --conf "spark.driver.extraJavaOptions=$client_flags -XX:ArchiveClassesAtExit=$PWD/$client_archive" \
  spark_jobs/jvm/connect_client_classes.py
