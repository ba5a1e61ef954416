# Airflow 3 image of the Docker stack: api-server, scheduler, dag-processor, triggerer and airflow-init.
#
# The official image of the locked Airflow (AIRFLOW_VERSION must equal the lock's apache-airflow) on the same
# Python as the Spark image (PYTHON_VERSION, see docker/spark.Dockerfile), plus Java 17 because tasks run
# spark-submit: a DAG task's `spark-submit --remote` starts a small client JVM (the jobs' lake operations use its
# HDFS client), and a one-shot job on SPARK_MASTER_URL runs its driver here. The locked dependencies are
# installed with apache-airflow pinned to the image's version, as the image's documentation asks, so the
# install cannot move Airflow itself; then the project, editable in /opt/batch (its root, as in the repository).
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
COPY --chown=airflow:0 . .
RUN set -eux; \
    pip install --no-cache-dir --no-deps -e .; \
    python -c "import sys, airflow, pyspark; \
v = f'{sys.version_info.major}.{sys.version_info.minor}'; \
assert v == '${PYTHON_VERSION}', f'Python {v} is not ${PYTHON_VERSION}'; \
assert airflow.__version__ == '${AIRFLOW_VERSION}', f'Airflow {airflow.__version__} is not ${AIRFLOW_VERSION}'; \
import config.settings, spark_jobs"; \
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
