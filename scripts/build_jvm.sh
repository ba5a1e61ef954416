#!/usr/bin/env bash
# Builds build/jvm/batch-layer-lakefs.jar (spark_jobs/jvm): the local lake's Hadoop file system, which sets
# permissions in-process instead of forking chmod for every file and folder. Needs javac (a JDK) and the venv's
# pyspark jars; without javac the lake keeps Hadoop's default local file system (correct, slower).
set -euo pipefail
cd "$(dirname "$0")/.."

jar=build/jvm/batch-layer-lakefs.jar
if [ -f "$jar" ] && [ -z "$(find spark_jobs/jvm/src -type f -newer "$jar")" ]; then
  exit 0
fi
if ! command -v javac >/dev/null 2>&1; then
  echo "setup: javac not found (install a JDK: apt-get install openjdk-17-jdk-headless); the local lake uses" \
    "Hadoop's default file system, which forks chmod for every file it writes" >&2
  exit 0
fi
spark_jars=$(.venv/bin/python -c 'import pyspark, pathlib; print(pathlib.Path(pyspark.__file__).parent / "jars")')
classes=$(mktemp -d)
trap 'rm -rf "$classes"' EXIT
mapfile -t java_sources < <(find spark_jobs/jvm/src/main/java -name '*.java')
javac --release 17 -nowarn -cp "$spark_jars/*" -d "$classes" "${java_sources[@]}"
cp -r spark_jobs/jvm/src/main/resources/. "$classes"/
mkdir -p "$(dirname "$jar")"
jar cf "$jar.tmp" -C "$classes" . && mv "$jar.tmp" "$jar"
echo "setup: built $jar"
