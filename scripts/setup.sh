#!/usr/bin/env bash
# Creates .venv from requirements.lock with uv (installed from PyPI into build/uv when missing), installs mongosh
# from npm into node_modules/ and Mongo Express into local_stack/mongo_express/ (scripts/setup_mongo_express.sh).
# Idempotent: a second run with unchanged lock files only re-checks the prerequisites.
set -euo pipefail
cd "$(dirname "$0")/.."

fail() { printf 'setup: %s\n' "$*" >&2; exit 1; }

# Prerequisites that cannot come from a package registry.
PYTHON=${PYTHON:-python3.11}
command -v "$PYTHON" >/dev/null 2>&1 \
  || fail "Python 3.11 is required ('$PYTHON' not found). Install it (Debian: apt-get install python3.11 python3.11-venv; or pyenv install 3.11) or set PYTHON=/path/to/python3.11."
"$PYTHON" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' \
  || fail "Python 3.11 is required, '$PYTHON' is $("$PYTHON" -V 2>&1). Set PYTHON=/path/to/python3.11."
command -v java >/dev/null 2>&1 \
  || fail "Java 17 or newer is required for Spark (java not found). Install it: apt-get install openjdk-17-jre-headless, and make sure java is on PATH or JAVA_HOME is set."
java_major=$(java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n 1)
[ "${java_major:-0}" -ge 17 ] \
  || fail "Java 17 or newer is required for Spark, found Java ${java_major:-unknown}. Install openjdk-17-jre-headless."
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  fail "Node.js and npm are required for mongosh (node or npm not found). Install Node 18+ (Debian: apt-get install nodejs npm)."
fi

# Debian's docker-compose checks docker-compose.batch.yml statically in `make test` (no engine needed).
if ! command -v docker-compose >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing Debian's docker-compose for the static compose check"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends docker-compose >/dev/null) \
      || fail "could not install docker-compose with apt-get; install it (apt-get install docker-compose) and re-run."
  else
    fail "docker-compose is required by the static compose check of make test. Install it: sudo apt-get install docker-compose."
  fi
fi

# PostgreSQL's server programs (initdb, postgres) for the embedded stack's Airflow metadata database: the stack runs
# a private cluster of its own under data/postgres (local_stack/postgres.py), never the system's service.
postgres_server_found() {
  if [ -n "${POSTGRES_BIN_DIR:-}" ]; then [ -x "$POSTGRES_BIN_DIR/initdb" ]; return; fi
  compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null && return 0
  command -v pg_config >/dev/null 2>&1 && [ -x "$(pg_config --bindir)/initdb" ] && return 0
  command -v initdb >/dev/null 2>&1
}
if ! postgres_server_found; then
  if [ -z "${POSTGRES_BIN_DIR:-}" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing Debian's postgresql-15 for the embedded stack's Airflow metadata database"
    # No system cluster: it would take port 5432 from the stack's own.
    mkdir -p /etc/postgresql-common/createcluster.d
    echo "create_main_cluster = false" > /etc/postgresql-common/createcluster.d/tmdb-batch-layer.conf
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql-15 >/dev/null) \
      || fail "could not install postgresql-15 with apt-get; install it (apt-get install postgresql-15) and re-run."
  else
    fail "PostgreSQL's server programs (initdb, postgres) are required by the embedded stack's Airflow metadata database${POSTGRES_BIN_DIR:+ (not in POSTGRES_BIN_DIR=$POSTGRES_BIN_DIR)}. Install them: sudo apt-get install postgresql-15 (other systems: the PostgreSQL 13+ server package), or set POSTGRES_BIN_DIR to the folder of initdb and postgres."
  fi
fi

# uv installs the lock about three times as fast as pip (from empty caches: 82 s against 257 s on two cores).
# Without a uv on PATH, setup installs one from PyPI with pip into build/uv (no install script from the internet);
# pip installs the lock only when that fails.
UV_VERSION=0.13.9
find_uv() {
  if command -v uv >/dev/null 2>&1; then command -v uv; return; fi
  if [ ! -x build/uv/bin/uv ]; then
    echo "setup: installing uv $UV_VERSION from PyPI into build/uv" >&2
    PIP_ROOT_USER_ACTION=ignore "$PYTHON" -m pip install --quiet --disable-pip-version-check --target build/uv \
      "uv==$UV_VERSION" >&2 || { rm -rf build/uv; return 1; }
  fi
  echo build/uv/bin/uv
}

stamp=.venv/.installed-from
wanted="$(cat requirements.lock pyproject.toml | sha256sum | cut -d' ' -f1)"
if [ ! -x .venv/bin/python ] || [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]; then
  if uv=$(find_uv); then
    echo "setup: installing requirements.lock with uv ($uv)"
    [ -x .venv/bin/python ] || "$uv" venv --quiet --seed --python "$PYTHON" .venv
    # Compiled at install, as pip does: a process then loads the packages' bytecode instead of their sources.
    "$uv" pip sync --compile-bytecode --python .venv/bin/python requirements.lock
    "$uv" pip install --compile-bytecode --python .venv/bin/python --no-deps -e .
  else
    echo "setup: installing requirements.lock with pip (uv could not be installed from PyPI, see above)"
    [ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
    .venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
    .venv/bin/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
  fi
  echo "$wanted" > "$stamp"
fi

# HDFS server classes for the embedded stack's NameNode and DataNodes, from Maven Central at the Hadoop version
# pyspark bundles (its hadoop-client-api/-runtime jars are the client side): hadoop-client-minicluster has the
# server classes, hadoop-hdfs's tests jar the NameNode's web UI. Fetched once; nothing is downloaded at run time.
spark_jars="$(.venv/bin/python -c 'import pyspark, pathlib; print(pathlib.Path(pyspark.__file__).parent / "jars")')"
hadoop_version=$(find "$spark_jars" -name 'hadoop-client-api-*.jar' -printf '%f\n' | sed 's/hadoop-client-api-\(.*\)\.jar/\1/')
[ -n "$hadoop_version" ] || fail "pyspark's hadoop-client-api jar was not found under $spark_jars"
hadoop_lib=local_stack/hadoop/lib
if [ ! -f "$hadoop_lib/hadoop-client-minicluster-$hadoop_version.jar" ] \
    || [ ! -f "$hadoop_lib/hadoop-hdfs-$hadoop_version-tests.jar" ]; then
  if ! command -v mvn >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
      echo "setup: installing Debian's Maven to fetch the HDFS server jars"
      (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends maven >/dev/null) \
        || fail "could not install Maven with apt-get; install it (apt-get install maven) and re-run."
    else
      fail "Maven is required to fetch the HDFS server jars (mvn not found). Install it: sudo apt-get install maven."
    fi
  fi
  echo "setup: fetching Hadoop $hadoop_version's HDFS server jars from Maven Central into $hadoop_lib"
  mkdir -p "$hadoop_lib"
  for artifact in "hadoop-client-minicluster:$hadoop_version" "hadoop-hdfs:$hadoop_version:jar:tests"; do
    mvn -q -B dependency:copy "-Dartifact=org.apache.hadoop:$artifact" "-DoutputDirectory=$hadoop_lib" \
      || fail "could not fetch org.apache.hadoop:$artifact from Maven Central (see the Maven output above)"
  done
fi

# Delta Lake's jars, at the release of the delta-spark Python package in the lock (its Maven artifact carries the
# Spark version it is built for). Spark sessions, the Spark Connect server and the tests load them from here.
delta_version="$(.venv/bin/python -c 'from importlib.metadata import version; print(version("delta-spark"))')"
spark_minor="$(.venv/bin/python -c 'import pyspark; print(".".join(pyspark.__version__.split(".")[:2]))')"
delta_lib=build/jars/delta
if [ ! -f "$delta_lib/delta-spark_${spark_minor}_2.13-$delta_version.jar" ] \
    || [ ! -f "$delta_lib/delta-storage-$delta_version.jar" ]; then
  command -v mvn >/dev/null 2>&1 \
    || fail "Maven is required to fetch Delta Lake's jars (mvn not found). Install it: sudo apt-get install maven."
  echo "setup: fetching Delta Lake $delta_version's jars for Spark $spark_minor from Maven Central into $delta_lib"
  rm -rf "$delta_lib" && mkdir -p "$delta_lib"
  for artifact in "delta-spark_${spark_minor}_2.13:$delta_version" "delta-storage:$delta_version"; do
    mvn -q -B dependency:copy "-Dartifact=io.delta:$artifact" "-DoutputDirectory=$delta_lib" \
      || fail "could not fetch io.delta:$artifact from Maven Central (see the Maven output above)"
  done
fi

node_stamp=node_modules/.installed-from
node_wanted="$(sha256sum package-lock.json | cut -d' ' -f1)"
npm_pid=
if [ ! -x node_modules/.bin/mongosh ] || [ "$(cat "$node_stamp" 2>/dev/null)" != "$node_wanted" ]; then
  # npm mostly waits on the registry: it installs in the background meanwhile.
  echo "setup: installing mongosh from npm"
  npm ci --no-audit --no-fund --loglevel=error &
  npm_pid=$!
fi

if [ -n "$npm_pid" ]; then
  wait "$npm_pid" || fail "npm ci failed: mongosh is not installed (see the npm output above)"
  echo "$node_wanted" > "$node_stamp"
fi
bash scripts/setup_mongo_express.sh
# Make compares the stamp's time with its inputs' (the jar's sources among them).
touch "$stamp"
echo "setup: ready (.venv with $(.venv/bin/python -V), Java $java_major, Node $(node --version), mongosh $(node_modules/.bin/mongosh --version))"
