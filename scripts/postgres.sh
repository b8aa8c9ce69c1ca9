#!/usr/bin/env bash
# A throw-away PostgreSQL for the tests: a cluster in a temporary folder, Unix socket only, run as
# the `postgres` user (PostgreSQL refuses root), trust authentication for the `webprofiled` role.
#
#   dir=$(scripts/postgres.sh start)    # prints the folder; the socket is in $dir/sock
#   dir=$(scripts/postgres.sh start --durable)   # fsync on, as in production (the benchmarks)
#   scripts/postgres.sh stop "$dir"     # stops it and removes the folder
#
# Without --durable the server runs with fsync=off: the tests kill processes, never the machine,
# so what a commit acknowledged survives them all the same, faster.
set -euo pipefail
bin=/usr/lib/postgresql/15/bin
as_postgres() {
    if [[ $(id -un) == postgres ]]; then "$@"
    elif [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"
    else sudo -u postgres -- "$@"; fi
}

case "${1:-}" in
start)
    fsync=off
    [[ "${2:-}" == --durable ]] && fsync=on
    dir=$(mktemp -d /tmp/wp-postgres-XXXXXX)
    chmod 755 "$dir"
    mkdir -p "$dir/data" "$dir/sock"
    chown postgres: "$dir/data" "$dir/sock" 2>/dev/null || sudo chown postgres: "$dir/data" "$dir/sock"
    chmod 777 "$dir/sock"
    as_postgres "$bin/initdb" -D "$dir/data" --auth=trust -U webprofiled --no-sync -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1
    as_postgres "$bin/pg_ctl" -D "$dir/data" -w -l "$dir/data/server.log" \
        -o "-c listen_addresses='' -c unix_socket_directories=$dir/sock -c max_connections=200 -c fsync=$fsync -c track_commit_timestamp=on" start >/dev/null
    echo "$dir"
    ;;
stop)
    dir=${2:?usage: postgres.sh stop DIR}
    as_postgres "$bin/pg_ctl" -D "$dir/data" -m fast stop >/dev/null 2>&1 || true
    rm -rf "$dir"
    ;;
*)
    echo "usage: postgres.sh start | stop DIR" >&2
    exit 64
    ;;
esac
