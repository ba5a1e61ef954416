# Airflow 3 image of the Docker stack: api-server, scheduler, dag-processor, triggerer and airflow-init.
#
# The official image of the locked Airflow (AIRFLOW_VERSION must equal the lock's apache-airflow) on the same
# Python as the Spark image (PYTHON_VERSION, see docker/spark.Dockerfile), plus Java 17 because tasks run
# spark-submit: a DAG task's `spark-submit --remote` starts a small client JVM, and a one-shot job on
# SPARK_MASTER_URL (or the lake CLI's local session) runs its driver here, with Delta Lake's jars (fetched below).
# The jobs' plain lake files go through hdfs-native, without a JVM. The locked dependencies are installed with
# apache-airflow pinned to the image's version, as the image's documentation asks, so the install cannot move
# Airflow itself; then the project, editable in /opt/batch (its root, as in the repository).
# Build context: the repository root (see .dockerignore).

ARG AIRFLOW_VERSION=3.3.2
ARG PYTHON_VERSION=3.11
FROM apache/airflow:${AIRFLOW_VERSION}-python${PYTHON_VERSION}

ARG AIRFLOW_VERSION
ARG PYTHON_VERSION

USER root
# The man1 folder works around the openjdk package's post-install step on slim Debian images.
RUN set -eux; \
    mkdir -p /usr/share/man/man1; \
    apt-get update; \
    apt-get install -y --no-install-recommends openjdk-17-jre-headless; \
    apt-get autoremove -yqq --purge; \
    apt-get clean; \
    rm -rf /var/lib/apt/lists/*; \
    ln -s "$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")" /usr/lib/jvm/java-17; \
    mkdir -p /opt/batch /opt/airflow/plugins /opt/airflow/dags-deploy; \
    chown -R airflow:0 /opt/batch /opt/airflow/plugins /opt/airflow/dags-deploy
ENV JAVA_HOME=/usr/lib/jvm/java-17

USER airflow
WORKDIR /opt/batch

COPY --chown=airflow:0 requirements.lock ./
RUN pip install --no-cache-dir "apache-airflow==${AIRFLOW_VERSION}" -r requirements.lock
# Delta Lake's jars, as in docker/spark.Dockerfile: a job's own session (a one-shot job on SPARK_MASTER_URL, the
# lake CLI's local session) loads them from build/jars/delta under the project root, and every session's
# configuration names them (spark_conf in spark_jobs/utils/spark_session.py fails without them).
ARG DELTA_VERSION=4.1.0
COPY --chown=airflow:0 docker/fetch-delta-jars.sh docker/
RUN DELTA_VERSION="${DELTA_VERSION}" bash docker/fetch-delta-jars.sh /opt/batch/build/jars/delta
COPY --chown=airflow:0 . .
RUN set -eux; \
    pip install --no-cache-dir --no-deps -e .; \
    python -c "import sys, airflow, pyspark; \
v = f'{sys.version_info.major}.{sys.version_info.minor}'; \
assert v == '${PYTHON_VERSION}', f'Python {v} is not ${PYTHON_VERSION}'; \
assert airflow.__version__ == '${AIRFLOW_VERSION}', f'Airflow {airflow.__version__} is not ${AIRFLOW_VERSION}'; \
import config.settings, spark_jobs; \
from spark_jobs.utils.spark_session import delta_jars; print(*delta_jars())"; \
    java -version; \
    spark-submit --version

# The jobs' Python (Spark Connect clients, or drivers) runs this image's Python; executors run `python3` of the
# Spark image (the same minor version).
ENV PYSPARK_PYTHON=python3 \
    PYSPARK_DRIVER_PYTHON=python

# Renders the SimpleAuthManager passwords file from .env, then hands over to the image's own entrypoint.
ENTRYPOINT ["/usr/bin/dumb-init", "--", "bash", "/opt/batch/docker/entrypoint-airflow.sh"]
CMD []
WORKDIR /opt/airflow
