#!/usr/bin/env bash
# Healthcheck of the HDFS containers (mounted read-only by docker-compose.batch.yml).
#
#   hdfs-health.sh namenode   the namenode's web server (9870) answers and reports the namenode active
#   hdfs-health.sh datanode   the datanode's web server (9864) answers its JMX query
#
# Bash's /dev/tcp instead of curl: the apache/hadoop image is not guaranteed to ship curl. Readiness for writes
# (out of safe mode, enough live datanodes) is awaited by airflow-init, not here: a namenode that is still in
# safe mode is healthy, and must be, or its datanodes (which wait for it) could never end safe mode.
set -euo pipefail

http_get() {
    local port=$1 path=$2
    exec 3<>"/dev/tcp/127.0.0.1/${port}"
    printf 'GET %s HTTP/1.0\r\nHost: localhost\r\n\r\n' "$path" >&3
    cat <&3
    exec 3<&-
}

case "${1:-}" in
    namenode)
        response=$(http_get 9870 '/jmx?qry=Hadoop:service=NameNode,name=NameNodeStatus')
        pattern='"State"[[:space:]]*:[[:space:]]*"active"'
        ;;
    datanode)
        response=$(http_get 9864 '/jmx?qry=Hadoop:service=DataNode,name=DataNodeInfo')
        pattern='"name"[[:space:]]*:[[:space:]]*"Hadoop:service=DataNode,name=DataNodeInfo"'
        ;;
    *)
        echo "usage: $0 namenode|datanode" >&2
        exit 2
        ;;
esac

status_line=${response%%$'\r'*}
[[ "$status_line" == *" 200 "* ]] || {
    echo "unexpected answer: ${status_line}" >&2
    exit 1
}
grep -Eq "$pattern" <<<"$response" || {
    echo "the answer does not match ${pattern}" >&2
    exit 1
}
