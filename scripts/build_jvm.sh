#!/usr/bin/env bash
# Builds, from spark_jobs/jvm:
# - build/jvm/batch-layer-lakefs.jar: the local lake's Hadoop file system, which sets permissions in-process
#   instead of forking chmod for every file and folder. Needs javac (a JDK) and the venv's pyspark jars; without
#   javac the lake keeps Hadoop's default local file system (correct, slower).
# - build/jvm/connect-client.jsa: the class-data-sharing archive of a Spark Connect client's JVM (spark-submit
#   --remote, as the DAG tasks run), which starts it about 0.7 s sooner. Without it the JVM starts as usual.
# - build/jvm/spark-driver.jsa: the same for the JVMs that run Spark (a job's classic session, the Spark Connect
#   server, the standalone worker's executors), made by running Silver on a small synthetic lake (about a
#   minute): a job starts and runs its first queries about ten seconds sooner.
set -euo pipefail
cd "$(dirname "$0")/.."

jar=build/jvm/batch-layer-lakefs.jar
client_archive=build/jvm/connect-client.jsa
driver_archive=build/jvm/spark-driver.jsa

build_jar() {
  if [ -f "$jar" ] && [ -z "$(find spark_jobs/jvm/src -type f -newer "$jar")" ]; then
    return 0
  fi
  if ! command -v javac >/dev/null 2>&1; then
    echo "setup: javac not found (install a JDK: apt-get install openjdk-17-jdk-headless); the local lake uses" \
      "Hadoop's default file system, which forks chmod for every file it writes" >&2
    return 0
  fi
  local spark_jars classes
  spark_jars=$(.venv/bin/python -c 'import pyspark, pathlib; print(pathlib.Path(pyspark.__file__).parent / "jars")')
  classes=$(mktemp -d)
  mapfile -t java_sources < <(find spark_jobs/jvm/src/main/java -name '*.java')
  javac --release 17 -nowarn -cp "$spark_jars/*" -d "$classes" "${java_sources[@]}"
  cp -r spark_jobs/jvm/src/main/resources/. "$classes"/
  mkdir -p "$(dirname "$jar")"
  jar cf "$jar.tmp" -C "$classes" . && mv "$jar.tmp" "$jar"
  rm -rf "$classes"
  echo "setup: built $jar"
}

archive_key() {
  # An archive is only valid for the JDK and the classpath it was made with: made again when they, or the
  # program that made it, change.
  echo "$(java -version 2>&1 | head -1); pyspark $(.venv/bin/python -c 'import pyspark; print(pyspark.__version__)');" \
    "$(cat "$jar" "$@" 2>/dev/null | sha256sum | cut -c1-16)"
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

build_jar
# --remote needs no server here: the application never opens a Spark Connect session.
build_archive "$client_archive" spark_jobs/jvm/connect_client_classes.py \
  .venv/bin/spark-submit --remote sc://127.0.0.1:1 \
  --conf "spark.driver.extraClassPath=$PWD/$jar" \
  --conf "spark.driver.extraJavaOptions=$client_flags -XX:ArchiveClassesAtExit=$PWD/$client_archive" \
  spark_jobs/jvm/connect_client_classes.py
build_archive "$driver_archive" spark_jobs/jvm/spark_driver_classes.py \
  .venv/bin/python spark_jobs/jvm/spark_driver_classes.py "$PWD/$driver_archive"
