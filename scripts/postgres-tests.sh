#!/usr/bin/env bash
# The server's test suites (veldwerk-server and the end-to-end tests in tests/) once more, on
# PostgreSQL: every test server gets a scratch database of its own (VELDWERK_TEST_POSTGRES,
# see server/src/db/mod.rs) and drops it when done. The same tests as on the embedded store.
#
# Uses the PostgreSQL server at VELDWERK_TEST_POSTGRES (default
# postgres://postgres@127.0.0.1:5432/postgres). When nothing answers at 127.0.0.1:5432, installs
# Debian's postgresql, starts it and gives the postgres role a password. When PostgreSQL cannot
# be had, it says so and fails: the run never passes without these tests.
set -euo pipefail
cd "$(dirname "$0")/.."

URL="${VELDWERK_TEST_POSTGRES:-postgres://postgres@127.0.0.1:5432/postgres}"

port_open() { timeout 2 bash -c '</dev/tcp/127.0.0.1/5432' 2>/dev/null; }

if ! port_open; then
    echo "== no PostgreSQL at 127.0.0.1:5432: installing Debian's postgresql"
    SUDO=""
    [ "$(id -u)" = 0 ] || SUDO="sudo"
    export DEBIAN_FRONTEND=noninteractive
    { $SUDO apt-get install -y postgresql >/dev/null 2>&1 ||
        { $SUDO apt-get update >/dev/null && $SUDO apt-get install -y postgresql >/dev/null; }; } ||
        { echo "postgres-tests: PostgreSQL could not be installed" >&2; exit 1; }
    $SUDO service postgresql start >/dev/null 2>&1 || $SUDO pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -n | tail -1)" main start
    for _ in $(seq 1 50); do port_open && break; sleep 0.2; done
    port_open || { echo "postgres-tests: PostgreSQL did not start on 127.0.0.1:5432" >&2; exit 1; }
    # Debian asks TCP clients for a password: give the postgres role one for these tests.
    as_postgres() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else sudo -u postgres "$@"; fi; }
    as_postgres psql -q -c "ALTER ROLE postgres PASSWORD 'veldwerk-test'" ||
        { echo "postgres-tests: could not set a password for the postgres role" >&2; exit 1; }
    URL="postgres://postgres:veldwerk-test@127.0.0.1:5432/postgres"
fi

echo "== cargo test -p veldwerk-server -p veldwerk-tests on PostgreSQL (127.0.0.1:5432)"
VELDWERK_TEST_POSTGRES="$URL" cargo test -p veldwerk-server -p veldwerk-tests
