#!/usr/bin/env bash
# Build step of both images (docker/spark.Dockerfile, docker/airflow.Dockerfile): Delta Lake's jars from Maven
# Central into DEST, where spark_jobs/utils/spark_session.py (DELTA_JARS_DIR, delta_jars()) looks for them.
#
#   DELTA_VERSION=4.1.0 fetch-delta-jars.sh DEST        e.g. DEST=/opt/batch/build/jars/delta
#
# The same two artifacts `make setup` fetches with Maven (scripts/setup.sh): io.delta:delta-spark_<spark>_2.13
# and io.delta:delta-storage, at DELTA_VERSION, which must equal the delta-spark Python package the image installed
# from requirements.lock; <spark> is the installed pyspark's major.minor (Delta's artifacts carry the Spark version
# from Delta 4.1 on). Each jar is checked against the SHA-1 Maven Central publishes beside it. MAVEN_REPOSITORY
# points at a mirror. Needs curl, sha1sum and the image's python (with pyspark and delta-spark installed).
set -euo pipefail

dest=${1:-}
[[ -n "$dest" && $# -eq 1 ]] || {
    echo "usage: DELTA_VERSION=X.Y.Z $0 DEST" >&2
    exit 2
}
delta_version=${DELTA_VERSION:-}
[[ "$delta_version" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || {
    echo "DELTA_VERSION (${delta_version:-unset}) must be a release such as 4.1.0" >&2
    exit 2
}
repository=${MAVEN_REPOSITORY:-https://repo1.maven.org/maven2}
python_bin=${PYTHON:-python}

installed=$("$python_bin" -c 'from importlib.metadata import version; print(version("delta-spark"))')
[[ "$installed" == "$delta_version" ]] || {
    echo "DELTA_VERSION=${delta_version}, but the image installed delta-spark ${installed} from requirements.lock:" \
        "set the build argument DELTA_VERSION=${installed}" >&2
    exit 1
}
spark_minor=$("$python_bin" -c 'import pyspark; print(".".join(pyspark.__version__.split(".")[:2]))')

mkdir -p "$dest"
for artifact in "delta-spark_${spark_minor}_2.13" "delta-storage"; do
    jar="${artifact}-${delta_version}.jar"
    url="${repository}/io/delta/${artifact}/${delta_version}/${jar}"
    echo "fetching ${url}"
    curl --fail --silent --show-error --location --retry 3 --output "${dest}/${jar}" "$url"
    expected=$(curl --fail --silent --show-error --location --retry 3 "${url}.sha1" | cut -c1-40)
    actual=$(sha1sum "${dest}/${jar}" | cut -d' ' -f1)
    if [[ "$actual" != "$expected" ]]; then
        rm -f "${dest}/${jar}"
        echo "${jar}: SHA-1 ${actual} is not the ${expected:-(none)} Maven Central publishes" >&2
        exit 1
    fi
done
ls -l "$dest"
