#!/bin/bash
# Set up and run the segstore demo on a fresh Debian 12 machine (as root):
# installs the packages, builds and installs segstore, starts a local
# PostgreSQL 15 with segstore preloaded (data in /var/lib/segstore-demo,
# port 5544), and loads a demo table whose segments it then shows.
#
# Afterwards:  psql -h /var/lib/segstore-demo -p 5544 segstore_demo
# Stop with:   runuser -u postgres -- /usr/lib/postgresql/15/bin/pg_ctl -D /var/lib/segstore-demo/data stop
set -euo pipefail

cd "$(dirname "$0")/.."
PGBIN=/usr/lib/postgresql/15/bin
DEMO=/var/lib/segstore-demo
PORT=5544

bash test/install_deps.sh
make >/dev/null
make install >/dev/null

as_postgres() { runuser -u postgres -- "$@"; }
psql_demo() { as_postgres "$PGBIN/psql" -X -h "$DEMO" -p "$PORT" "$@"; }

mkdir -p "$DEMO"
chown postgres "$DEMO"
if [ ! -f "$DEMO/data/PG_VERSION" ]; then
    as_postgres "$PGBIN/initdb" -D "$DEMO/data" >/dev/null
    cat >> "$DEMO/data/postgresql.conf" <<CONF
port = $PORT
unix_socket_directories = '$DEMO'
listen_addresses = ''
shared_preload_libraries = 'segstore'
CONF
fi
if ! as_postgres "$PGBIN/pg_ctl" -D "$DEMO/data" status >/dev/null 2>&1; then
    as_postgres "$PGBIN/pg_ctl" -D "$DEMO/data" -l "$DEMO/server.log" -w start >/dev/null
fi

psql_demo -d postgres -qc "DROP DATABASE IF EXISTS segstore_demo" -c "CREATE DATABASE segstore_demo"
psql_demo -d segstore_demo -v ON_ERROR_STOP=1 <<'SQL'
\set QUIET on
CREATE EXTENSION segstore;
-- three days of readings from 50 devices, one row every 10 seconds,
-- in 6-hour segments
CREATE TABLE readings (ts timestamptz NOT NULL, device int, value float8, tag text)
  USING segstore WITH (segstore.segment_interval = '6 hours');
INSERT INTO readings
SELECT '2026-11-18'::timestamptz + (g / 50) * interval '10 seconds',
       g % 50, random() * 100, 'sensor-' || (g % 7)
FROM generate_series(0, 3 * 8640 * 50 - 1) g;
\set QUIET off
\echo
\echo 'Segments of table readings (one per 6-hour bucket):'
SELECT segment_id, state, bucket_start, bucket_end, row_count,
       pg_size_pretty(bytes) AS size
FROM segstore.segments WHERE table_name = 'readings'::regclass ORDER BY segment_id;
\echo 'A query over the table:'
SELECT date_trunc('day', ts) AS day, count(*), round(avg(value)::numeric, 2) AS avg_value
FROM readings GROUP BY 1 ORDER BY 1;
SQL
echo
echo "segstore demo is running: psql -h $DEMO -p $PORT segstore_demo"
