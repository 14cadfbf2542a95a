#!/usr/bin/env bash
# A throwaway PostgreSQL server for the test suite, on loopback, in a fresh directory.
#   scripts/postgres-test-server.sh start DIR   -> installs Debian's postgresql if needed, starts a server whose
#                                                  files live in DIR, prints its SQLAlchemy URL on stdout
#   scripts/postgres-test-server.sh stop DIR    -> stops it (DIR can then be deleted)
set -euo pipefail

action=${1:?usage: $0 start|stop DIR}
dir=${2:?usage: $0 start|stop DIR}

find_bin() {
  ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

as_server_user() {
  # PostgreSQL refuses to run as root; Debian's package creates the 'postgres' user.
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "$action" in
  start)
    bin=$(find_bin)
    if [ -z "$bin" ]; then
      if [ "$(id -u)" != 0 ]; then echo "postgresql is not installed and this user cannot install it" >&2; exit 1; fi
      echo "installing Debian's postgresql package" >&2
      DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql >/dev/null 2>&1 \
        || { apt-get update -q >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql >/dev/null; }
      bin=$(find_bin)
    fi
    mkdir -p "$dir"
    [ "$(id -u)" = 0 ] && chown postgres "$dir"
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    as_server_user "$bin/initdb" -D "$dir/data" -A trust -U watchkeeper -E UTF8 >/dev/null
    as_server_user "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
      -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null
    as_server_user "$bin/createdb" -h 127.0.0.1 -p "$port" -U watchkeeper watchkeeper_test
    echo "postgresql+psycopg://watchkeeper@127.0.0.1:$port/watchkeeper_test"
    ;;
  stop)
    bin=$(find_bin)
    as_server_user "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
    ;;
  *)
    echo "usage: $0 start|stop DIR" >&2; exit 2 ;;
esac
