# Spark standalone master and workers of the Docker stack (docker-compose.batch.yml), and its Spark Connect
# server (the spark-connect service: docker/spark-connect.sh), which runs the DAG tasks' jobs on them.
#
# The Spark release *is* the locked pyspark wheel: requirements.lock is installed into python:3.11 and the
# daemons run the wheel's own spark-class (jars included, the Spark Connect server's among them). So the
# cluster's Spark equals the driver's and the Spark Connect server's equals its clients' in the Airflow image
# (SPARK_VERSION below must equal the lock's pyspark; tests/test_docker_stack.py and this build check it), and
# its Python equals the driver's: docker/airflow.Dockerfile uses the same PYTHON_VERSION. PySpark refuses a
# job whose driver and worker Python minor versions differ, the most reported failure of such stacks.
# Delta Lake's jars (DELTA_VERSION, the lock's delta-spark) come from Maven Central at build time, into the place
# the project's Spark sessions load them from, as in the Airflow image.
#
# Not bitnami/spark (withdrawn upstream) and not apache/spark:*-python3 (its 4.x tags ship Ubuntu's Python 3.10).
# Build context: the repository root (see .dockerignore).

ARG PYTHON_VERSION=3.11
FROM python:${PYTHON_VERSION}-slim-bookworm

ARG PYTHON_VERSION
ARG SPARK_VERSION=4.1.3

ENV DEBIAN_FRONTEND=noninteractive \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1

# Java 17 for the JVM; procps and curl for the daemons' scripts and for debugging. The man1 folder works around
# the openjdk package's post-install step on slim images.
RUN set -eux; \
    mkdir -p /usr/share/man/man1; \
    apt-get update; \
    apt-get install -y --no-install-recommends openjdk-17-jre-headless procps curl; \
    rm -rf /var/lib/apt/lists/*; \
    ln -s "$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")" /usr/lib/jvm/java-17
ENV JAVA_HOME=/usr/lib/jvm/java-17

WORKDIR /opt/batch

# The locked dependencies first (a cached layer as long as the lock does not change), then the project.
COPY requirements.lock ./
RUN pip install -r requirements.lock
# Delta Lake's jars from Maven Central, at the delta-spark release of the lock (the script checks the two agree),
# where the project's Spark sessions look for them: build/jars/delta under the project root (DELTA_JARS_DIR in
# spark_jobs/utils/spark_session.py). The Spark Connect server loads them from there (spark.jars in
# docker-compose.batch.yml) and ships them to the executors. .dockerignore keeps the host's build/ out.
ARG DELTA_VERSION=4.1.0
COPY docker/fetch-delta-jars.sh docker/
RUN DELTA_VERSION="${DELTA_VERSION}" bash docker/fetch-delta-jars.sh /opt/batch/build/jars/delta
COPY . .
RUN set -eux; \
    pip install --no-deps -e .; \
    python -c "import sys, pyspark; \
v = f'{sys.version_info.major}.{sys.version_info.minor}'; \
assert v == '${PYTHON_VERSION}', f'Python {v} is not ${PYTHON_VERSION}'; \
assert pyspark.__version__ == '${SPARK_VERSION}', f'pyspark {pyspark.__version__} is not ${SPARK_VERSION}'; \
from spark_jobs.utils.spark_session import delta_jars; print(*delta_jars())"; \
    ln -s "$(python -c 'import os, pyspark; print(os.path.dirname(pyspark.__file__))')" /opt/spark

# SPARK_HOME is the wheel's folder (bin/, jars/); spark-class, spark-submit and pyspark are on PATH.
ENV SPARK_HOME=/opt/spark \
    SPARK_WORKER_DIR=/var/lib/spark/work \
    PYSPARK_PYTHON=python3

# Executors start the Python the driver names. A one-shot job's driver runs in the Airflow image, and the DAG
# tasks there (Spark Connect clients) name their interpreter too; its paths are /home/airflow/.local/bin (its
# venv) and /usr/python/bin: the same paths exist here and lead to this image's Python 3.11 with the same locked
# packages, so even a job that names its own absolute interpreter path (spark.pyspark.python) starts a matching
# worker Python.
RUN set -eux; \
    for dir in /home/airflow/.local/bin /usr/python/bin; do \
        mkdir -p "$dir"; \
        for name in python python3 "python${PYTHON_VERSION}"; do ln -sf /usr/local/bin/python3 "$dir/$name"; done; \
    done; \
    groupadd --system --gid 185 spark; \
    useradd --system --uid 185 --gid spark --home-dir /home/spark --create-home spark; \
    mkdir -p /var/lib/spark/work; \
    chown -R spark:spark /var/lib/spark

USER spark
EXPOSE 7077 8081 15002
CMD ["spark-class", "org.apache.spark.deploy.master.Master", "--host", "0.0.0.0", "--port", "7077", "--webui-port", "8081"]
