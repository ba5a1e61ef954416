#!/usr/bin/env bash
# The Docker side of the Makefile's stack targets (STACK=docker): scripts/docker_stack.sh TARGET [ARGS]
#
#   up                     fill the generated secrets into .env, start the stack, wait until all is healthy
#   down | down-v          stop the stack | and delete its volumes (HDFS, PostgreSQL, MongoDB, Airflow logs)
#   ps | health | ui       compose ps | one line per service, non-zero exit unless all healthy | URLs and logins
#   logs [GROUP|SERVICE]   follow logs; groups: airflow, spark, hdfs, mongo
#   build | clean          (re)build the two images | remove containers, network and the built images
#   trigger-dag [DATE]     unpause and trigger the pipeline DAG (optional logical date)
#   backfill START END     queue the pipeline's runs between two dates (the scheduler runs them)
#   hdfs-ls                list the lake's folders (hdfs dfs -ls -R on the namenode), then each Delta table
#   quality-docs           where the Data Docs pages of each quality suite are (inside the stack's HDFS)
#   lake-cli ARGS          python -m spark_jobs.lake_cli ARGS in the scheduler (history, show, diff, ...)
#   hdfs-create-dirs       wait for HDFS to leave safe mode, create the lake's layer folders (hdfs dfs -mkdir)
#   hdfs dfs ARGS          Hadoop's shell on the namenode
#   mongo-query-views      run scripts/mongo_queries.js against moviedb
#   mongo-shell | airflow-shell | spark-master-shell    open a shell in the container
#
# Works with Compose v2 (`docker compose`) and v1 (`docker-compose` 1.29). The project name is fixed
# (COMPOSE_PROJECT_NAME, default movie_batch) so the named volumes are the same however the stack is started.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
COMPOSE_FILE="${ROOT}/docker-compose.batch.yml"
ENV_FILE="${ROOT}/.env"
UP_TIMEOUT=${UP_TIMEOUT:-600}

# service:container, in the seed's start order.
SERVICES=(
    postgres:batch_postgres
    namenode:batch_namenode
    datanode-1:batch_datanode_1
    datanode-2:batch_datanode_2
    datanode-3:batch_datanode_3
    spark-master:batch_spark_master
    spark-worker-1:batch_spark_worker_1
    spark-worker-2:batch_spark_worker_2
    spark-connect:batch_spark_connect
    mongo:batch_mongo
    airflow-init:batch_airflow_init
    airflow-apiserver:batch_airflow_webserver
    airflow-scheduler:batch_airflow_scheduler
    airflow-dag-processor:batch_airflow_dag_processor
    airflow-triggerer:batch_airflow_triggerer
    mongo-express:batch_mongo_express
)
ONE_SHOT=airflow-init
# Secrets `up` generates when .env leaves them empty.
GENERATED_SECRETS=(AIRFLOW__CORE__FERNET_KEY AIRFLOW_API_SECRET_KEY AIRFLOW_JWT_SECRET)
# Every ${VAR:?} of the compose file.
REQUIRED_VARS=("${GENERATED_SECRETS[@]}" POSTGRES_PASSWORD MONGO_ROOT_PASSWORD MONGO_EXPRESS_PASSWORD AIRFLOW_ADMIN_PASSWORD)

AIRFLOW_CONTAINER=batch_airflow_scheduler

die() {
    printf 'error: %s\n' "$*" >&2
    exit 1
}
info() { printf '%s\n' "$*"; }

# The value a variable has for compose: the environment first, then .env, then the default.
env_value() {
    local name=$1 default=${2:-} value=""
    if [[ -n "${!name:-}" ]]; then
        value=${!name}
    elif [[ -f "$ENV_FILE" ]]; then
        value=$(grep -E "^${name}=" "$ENV_FILE" | tail -n 1 | cut -d= -f2-) || true
        value=${value%\"}
        value=${value#\"}
        value=${value%\'}
        value=${value#\'}
    fi
    printf '%s' "${value:-$default}"
}

COMPOSE=()
compose() {
    if [[ ${#COMPOSE[@]} -eq 0 ]]; then
        if docker compose version >/dev/null 2>&1; then
            COMPOSE=(docker compose)
        elif command -v docker-compose >/dev/null 2>&1; then
            COMPOSE=(docker-compose)
        else
            die "neither 'docker compose' (Compose v2) nor 'docker-compose' is installed"
        fi
    fi
    "${COMPOSE[@]}" -p "$(env_value COMPOSE_PROJECT_NAME movie_batch)" -f "$COMPOSE_FILE" "$@"
}

require_engine() {
    docker info >/dev/null 2>&1 ||
        die "no Docker engine answers ('docker info' failed): start Docker (or check your user may use it), or use STACK=local"
}

random_secret() {
    # 32 random bytes, url-safe base64: a valid Fernet key, and a strong JWT / session secret.
    if command -v python3 >/dev/null 2>&1; then
        python3 -c 'import base64, os; print(base64.urlsafe_b64encode(os.urandom(32)).decode())'
    elif command -v openssl >/dev/null 2>&1; then
        openssl rand -base64 32 | tr '+/' '-_'
    else
        die "python3 or openssl is needed to generate the Airflow secrets"
    fi
}

set_env_var() {
    local name=$1 value=$2 tmp
    if grep -qE "^${name}=" "$ENV_FILE"; then
        tmp=$(mktemp)
        awk -v name="$name" -v value="$value" \
            'index($0, name "=") == 1 { print name "=" value; next } { print }' "$ENV_FILE" >"$tmp"
        cat "$tmp" >"$ENV_FILE"
        rm -f "$tmp"
    else
        [[ -z "$(tail -c 1 "$ENV_FILE")" ]] || printf '\n' >>"$ENV_FILE"
        printf '%s=%s\n' "$name" "$value" >>"$ENV_FILE"
    fi
}

# Before anything starts: .env exists, has a TMDB credential, and has the generated secrets.
prepare_env() {
    [[ -f "$ENV_FILE" ]] ||
        die "no .env: run 'cp .env.example .env' and set TMDB_API_KEY (the Docker stack calls the real TMDB API)"
    if [[ -z "$(env_value TMDB_API_KEY)$(env_value TMDB_READ_ACCESS_TOKEN)" ]]; then
        die "TMDB_API_KEY is empty in .env: the Docker stack calls the real TMDB API (key from" \
            "https://www.themoviedb.org/settings/api); the TMDB simulator runs on the embedded stack only (STACK=local)"
    fi
    local name
    for name in "${GENERATED_SECRETS[@]}"; do
        if [[ -z "$(env_value "$name")" ]]; then
            set_env_var "$name" "$(random_secret)"
            info "generated ${name} into .env"
        fi
    done
}

# Commands that build, stop or inspect the stack must work even without .env or with a secret missing from it.
allow_missing_secrets() {
    local name
    for name in "${REQUIRED_VARS[@]}"; do
        [[ -n "$(env_value "$name")" ]] || export "${name}=unset"
    done
}

# "healthy", "completed" (the one-shot exited 0), or what is wrong: starting, unhealthy, exited (N), missing.
container_state() {
    local service=$1 container=$2 status exit_code health
    read -r status exit_code health < <(docker inspect \
        --format '{{.State.Status}} {{.State.ExitCode}} {{if .State.Health}}{{.State.Health.Status}}{{end}}' \
        "$container" 2>/dev/null) || {
        echo "missing"
        return
    }
    if [[ "$service" == "$ONE_SHOT" ]]; then
        case "$status" in
            exited) [[ "$exit_code" == 0 ]] && echo "completed" || echo "FAILED (exit ${exit_code})" ;;
            *) echo "$status" ;;
        esac
    elif [[ "$status" != running ]]; then
        echo "${status} (exit ${exit_code})"
    else
        echo "${health:-running}"
    fi
}

state_ok() { [[ "$1" == healthy || "$1" == completed ]]; }

health() {
    require_engine
    local entry service container state detail failures=0
    for entry in "${SERVICES[@]}"; do
        service=${entry%%:*}
        container=${entry#*:}
        state=$(container_state "$service" "$container")
        detail=""
        if [[ "$service" == spark-master ]] && state_ok "$state"; then
            detail=" ($(docker exec "$container" bash /opt/batch/docker/spark-health.sh master 2>/dev/null || true))"
        fi
        state_ok "$state" || failures=$((failures + 1))
        printf '%-24s %-30s %s%s\n' "$service" "$container" "$state" "$detail"
    done
    return $((failures > 0))
}

wait_healthy() {
    local deadline=$((SECONDS + UP_TIMEOUT)) entry service container state pending next_report=0
    info "waiting for every service to be healthy (at most ${UP_TIMEOUT} s; first start takes a few minutes)"
    while true; do
        pending=()
        for entry in "${SERVICES[@]}"; do
            service=${entry%%:*}
            container=${entry#*:}
            state=$(container_state "$service" "$container")
            if [[ "$service" == "$ONE_SHOT" && "$state" == FAILED* ]]; then
                docker logs --tail 60 "$container" >&2 || true
                die "airflow-init failed (its last log lines above); fix the cause, then run make up again"
            fi
            state_ok "$state" || pending+=("${service}: ${state}")
        done
        if [[ ${#pending[@]} -eq 0 ]]; then
            info "all services healthy after $((SECONDS - deadline + UP_TIMEOUT)) s"
            return 0
        fi
        if ((SECONDS >= deadline)); then
            health || true
            die "not healthy after ${UP_TIMEOUT} s; see make logs (or raise UP_TIMEOUT)"
        fi
        if ((SECONDS >= next_report)); then
            info "  waiting for: ${pending[*]}"
            next_report=$((SECONDS + 20))
        fi
        sleep 5
    done
}

ui() {
    local airflow_user mongo_user express_user
    airflow_user=$(env_value AIRFLOW_ADMIN_USERNAME admin)
    mongo_user=$(env_value MONGO_ROOT_USERNAME admin)
    express_user=$(env_value MONGO_EXPRESS_USERNAME admin)
    login() { # USER VAR SEED_DEFAULT
        if [[ "$(env_value "$2")" == "$3" ]]; then
            printf '%s / %s (the seed'"'"'s local-only default)' "$1" "$3"
        else
            printf '%s / the %s of .env' "$1" "$2"
        fi
    }
    printf '%-18s %-52s %s\n' \
        "Airflow UI" "http://localhost:$(env_value AIRFLOW_API_PORT 8080)" \
        "$(login "$airflow_user" AIRFLOW_ADMIN_PASSWORD admin)" \
        "Spark Master UI" "http://localhost:$(env_value SPARK_MASTER_UI_PORT 8081)" "-" \
        "Spark Connect" "sc://localhost:$(env_value SPARK_CONNECT_PORT 15002)" "-" \
        "HDFS Namenode UI" "http://localhost:9870" "-" \
        "Mongo Express" "http://localhost:8082" "$(login "$express_user" MONGO_EXPRESS_PASSWORD admin)" \
        "MongoDB" "mongodb://localhost:$(env_value MONGODB_PORT 27017)/?authSource=admin" \
        "$(login "$mongo_user" MONGO_ROOT_PASSWORD password)" \
        "Lake" "hdfs://namenode:8020/data (inside the stack; make hdfs-ls)" "-"
}

logs() {
    local services=()
    case "${1:-}" in
        "") ;;
        airflow) services=(airflow-init airflow-apiserver airflow-scheduler airflow-dag-processor airflow-triggerer) ;;
        spark) services=(spark-master spark-worker-1 spark-worker-2 spark-connect) ;;
        hdfs) services=(namenode datanode-1 datanode-2 datanode-3) ;;
        mongo) services=(mongo mongo-express) ;;
        *) services=("$@") ;;
    esac
    allow_missing_secrets
    compose logs -f --tail=100 "${services[@]}"
}

exec_flags() {
    if [[ -t 0 && -t 1 ]]; then echo "-it"; else echo "-i"; fi
}

# Runs a command in the Airflow scheduler container: the Airflow CLI, and the lake CLI (it has Java and Spark).
in_airflow() {
    require_engine
    [[ "$(container_state airflow-scheduler "$AIRFLOW_CONTAINER")" != missing ]] ||
        die "${AIRFLOW_CONTAINER} does not exist: start the stack with make up"
    docker exec "$AIRFLOW_CONTAINER" "$@"
}

pipeline_dag() { env_value PIPELINE_DAG_ID tmdb_batch_pipeline; }

# A DAG can be unpaused once the dag-processor has parsed it (shortly after the first start).
unpause_dag() {
    local dag=$1 attempt
    for attempt in $(seq 1 24); do
        if in_airflow airflow dags unpause "$dag" >/dev/null 2>&1; then
            info "DAG ${dag} unpaused"
            return 0
        fi
        ((attempt == 1)) && info "waiting for the dag-processor to load ${dag} ..."
        sleep 5
    done
    in_airflow airflow dags list-import-errors || true
    die "DAG ${dag} is not loaded after 2 minutes (import errors above, if any)"
}

trigger_dag() {
    local dag args
    dag=$(pipeline_dag)
    unpause_dag "$dag"
    args=(airflow dags trigger "$dag")
    [[ -z "${1:-}" ]] || args+=(--logical-date "$1")
    in_airflow "${args[@]}"
    info "triggered ${dag}: follow it at http://localhost:$(env_value AIRFLOW_API_PORT 8080) or with make logs-airflow"
}

backfill() {
    [[ $# -eq 2 && -n "$1" && -n "$2" ]] || die "usage: backfill START END (dates, e.g. 2024-01-01 2024-01-31)"
    local dag
    dag=$(pipeline_dag)
    unpause_dag "$dag"
    in_airflow airflow backfill create --dag-id "$dag" --from-date "$1" --to-date "$2"
    info "backfill of ${dag} from $1 to $2 queued: the scheduler runs it (make logs-airflow, or the UI)"
}

lake_cli() {
    local err status=0
    err=$(mktemp)
    in_airflow python -m spark_jobs.lake_cli "$@" 2>"$err" || status=$?
    if ((status != 0)); then
        tail -n 30 "$err" >&2
        rm -f "$err"
        die "the lake CLI failed (its last lines above)"
    fi
    rm -f "$err"
}

hdfs_create_dirs() {
    require_engine
    info "waiting for HDFS to leave safe mode ..."
    docker exec batch_namenode hdfs dfsadmin -safemode wait
    docker exec batch_namenode hdfs dfs -mkdir -p /data/bronze /data/silver /data/gold /data/quarantine \
        /data/quality /data/staging /data/metadata
}

hdfs_ls() {
    require_engine
    docker exec batch_namenode hdfs dfs -ls -R /data | awk '/^d/ {print $NF}'
    lake_cli tables
}

mongo_query_views() {
    local queries="${ROOT}/scripts/mongo_queries.js"
    [[ -f "$queries" ]] || die "${queries} is missing"
    require_engine
    docker cp "$queries" batch_mongo:/tmp/mongo_queries.js >/dev/null
    # The credentials stay inside the container: the mongo image's own MONGO_INITDB_* variables.
    # shellcheck disable=SC2016
    docker exec batch_mongo sh -c 'exec mongosh --quiet -u "$MONGO_INITDB_ROOT_USERNAME" \
        -p "$MONGO_INITDB_ROOT_PASSWORD" --authenticationDatabase admin "$MONGO_INITDB_DATABASE" \
        --file /tmp/mongo_queries.js'
}

mongo_shell() {
    require_engine
    # shellcheck disable=SC2016
    docker exec "$(exec_flags)" batch_mongo sh -c 'exec mongosh -u "$MONGO_INITDB_ROOT_USERNAME" \
        -p "$MONGO_INITDB_ROOT_PASSWORD" --authenticationDatabase admin "$MONGO_INITDB_DATABASE"'
}

usage() {
    sed -n '2,18p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

main() {
    local target=${1:-}
    [[ $# -eq 0 ]] || shift
    case "$target" in
        up)
            require_engine
            prepare_env
            compose up -d --remove-orphans
            wait_healthy
            ui
            ;;
        down)
            require_engine
            allow_missing_secrets
            compose down --remove-orphans
            ;;
        down-v)
            require_engine
            allow_missing_secrets
            compose down -v --remove-orphans
            ;;
        ps)
            require_engine
            allow_missing_secrets
            compose ps
            ;;
        health) health ;;
        ui) ui ;;
        logs)
            require_engine
            logs "$@"
            ;;
        build)
            require_engine
            allow_missing_secrets # building needs no secret
            compose build --pull
            ;;
        clean)
            require_engine
            allow_missing_secrets
            compose down --remove-orphans --rmi local
            info "removed the containers, the network and the built images; data volumes kept (make down-v deletes them)"
            ;;
        trigger-dag) trigger_dag "$@" ;;
        backfill) backfill "$@" ;;
        hdfs-ls) hdfs_ls ;;
        quality-docs) lake_cli quality-docs ;;
        lake-cli) lake_cli "$@" ;;
        hdfs-create-dirs) hdfs_create_dirs ;;
        hdfs)
            require_engine
            docker exec "$(exec_flags)" batch_namenode hdfs "$@"
            ;;
        mongo-query-views) mongo_query_views ;;
        mongo-shell) mongo_shell ;;
        airflow-shell)
            require_engine
            docker exec "$(exec_flags)" "$AIRFLOW_CONTAINER" bash
            ;;
        spark-master-shell)
            require_engine
            docker exec "$(exec_flags)" batch_spark_master bash
            ;;
        "" | -h | --help | help) usage ;;
        *)
            usage >&2
            die "unknown target: ${target}"
            ;;
    esac
}

main "$@"
