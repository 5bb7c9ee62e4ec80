#!/bin/bash
# segstore benchmark harness: heap vs segstore on the same scratch server.
#
#   test/bench/run.sh [SCALE]        (as root, from anywhere in the checkout)
#
# SCALE is millions of rows (default 10, decimals allowed, e.g. 0.2).  The
# script creates its own PostgreSQL 15 cluster as the postgres user in a
# temporary directory under /tmp (port 5577, unix socket only, segstore
# preloaded), generates a 30-day time-series CSV once with PostgreSQL itself,
# measures COPY, INSERT, size, aggregate, range query, lookup, eviction and
# backend memory for heap and segstore (each measurement 3 times, median
# reported), prints one results table and writes test/bench/out/results.csv,
# results.json, details.log, server.log and (with gnuplot) copy.png.  The
# cluster and the temporary directory are removed on exit, error, SIGINT or
# SIGTERM.
#
# Environment overrides (for quick runs of the harness itself):
#   BENCH_PGBENCH_SECONDS  duration of each pgbench run   (default 20)
#   BENCH_REPS             repetitions of each measurement (default 3)
# See test/bench/README.md for what every row of the table measures.
set -euo pipefail
shopt -s inherit_errexit     # failures inside $(...) stop the script too

PGBIN=/usr/lib/postgresql/15/bin
PORT=5577
SCALE=${1:-10}
REPS=${BENCH_REPS:-3}
PGBENCH_SECONDS=${BENCH_PGBENCH_SECONDS:-20}
PGBENCH_CLIENTS=8
DAYS=30
NOISY_SPREAD=1.5                      # runs of a row with max/min above this get a "*"
DATA_START='2024-01-01 00:00:00+00'   # day boundaries = segstore 1-day buckets

BENCH_DIR=$(cd "$(dirname "$0")" && pwd)
OUT_DIR=$BENCH_DIR/out
SCRATCH=""                             # set by create_scratch_dir
STARTED_AT=$(date +%s)

# ---------------------------------------------------------------------------
# small helpers
# ---------------------------------------------------------------------------

log() { printf '[%4ds] %s\n' "$(( $(date +%s) - STARTED_AT ))" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# details.log gets raw timings, plans and sanity checks
detail() { printf '%s\n' "$*" >> "$OUT_DIR/details.log"; }

as_postgres() { runuser -u postgres -- "$@"; }

# psql on the bench database: quiet, unaligned, stop at the first error
psql_bench() {
    as_postgres "$PGBIN/psql" -X -q -At -v ON_ERROR_STOP=1 \
        -h "$SCRATCH" -p "$PORT" -d bench "$@"
}

# one value from one query
sql_value() { psql_bench -c "$1"; }

# Run SETUP (untimed) then TIMED in ONE psql session; print the duration in
# ms of every statement of TIMED, one per line (psql's \timing, so psql
# startup and connection are never included).
timed_ms() {
    local setup=$1 timed=$2 out
    out=$(printf '%s\n\\o /dev/null\n\\timing on\n%s\n' "$setup" "$timed" |
          psql_bench -f -)
    printf '%s\n' "$out" | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p'
}

# median of a whitespace-separated list of numbers
median() {
    printf '%s\n' "$*" | tr -s ' ' '\n' | grep . | sort -g |
        awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2];
                                  else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}

# arithmetic on decimals: calc 'expression'
calc() { awk "BEGIN { printf \"%.10g\", $1 }"; }
fmt() { awk -v x="$1" -v d="${2:-1}" 'BEGIN { printf "%.*f", d, x }'; }

# whitespace-separated runs -> "a;b;c" for the CSV / JSON
join_runs() { printf '%s' "$*" | tr '\n' ' ' | tr -s ' ' | sed -e 's/^ *//' -e 's/ *$//' -e 's/ /;/g'; }

# ---------------------------------------------------------------------------
# results: one line per table row in $SCRATCH/results.tsv, fields separated
# by the ASCII unit separator (0x1f) so that empty fields survive `read`:
#   figure, unit, heap, segstore, ratio, target, met, heap runs, seg runs, note
# ---------------------------------------------------------------------------

add_result() {
    local IFS=$'\x1f'
    printf '%s\n' "$*" >> "$SCRATCH/results.tsv"
}

# ratio segstore/heap, 6 significant digits ("-" if either is not a number)
ratio_of() {
    awk -v s="$1" -v h="$2" 'BEGIN {
        if (s !~ /^[0-9]/ || h !~ /^[0-9]/ || h + 0 == 0) print "-";
        else printf "%.6g", s / h }'
}

# met_if RATIO OP LIMIT -> yes / no
met_if() {
    awk -v r="$1" -v op="$2" -v l="$3" 'BEGIN {
        if (r == "-") { print "-"; exit }
        ok = (op == ">=") ? (r >= l) : (op == "<=") ? (r <= l) : (r < l);
        print ok ? "yes" : "NO" }'
}

# ---------------------------------------------------------------------------
# scratch cluster
# ---------------------------------------------------------------------------

check_environment() {
    [ "$(id -u)" -eq 0 ] || die "run as root (the server runs as the postgres user)"
    if ! [[ $SCALE =~ ^[0-9]+([.][0-9]+)?$ ]] || ! awk -v s="$SCALE" 'BEGIN { exit !(s > 0) }'; then
        die "SCALE must be a positive number of millions of rows, got '$SCALE'"
    fi
    [[ $REPS =~ ^[1-9][0-9]*$ ]] || die "BENCH_REPS must be a positive integer"
    [[ $PGBENCH_SECONDS =~ ^[1-9][0-9]*$ ]] || die "BENCH_PGBENCH_SECONDS must be a positive integer"
    [ -x "$PGBIN/postgres" ] || die "no PostgreSQL 15 in $PGBIN"
    id postgres >/dev/null 2>&1 || die "no postgres user"
    [ -f "$("$PGBIN/pg_config" --pkglibdir)/segstore.so" ] ||
        die "segstore is not installed: run make install first"
    [ -f "$("$PGBIN/pg_config" --sharedir)/extension/file_fdw.control" ] ||
        die "file_fdw is not installed (postgresql-contrib)"
}

create_scratch_dir() {
    SCRATCH=$(mktemp -d /tmp/segstore-bench.XXXXXX)
    chown postgres "$SCRATCH"
    chmod 700 "$SCRATCH"
}

# statement_timeout bounds every statement: generous, grows with SCALE
statement_timeout_s() { awk -v s="$SCALE" 'BEGIN { t = 120 * s; printf "%d", (t < 300 ? 300 : t) }'; }

start_cluster() {
    log "initdb + start scratch cluster in $SCRATCH (port $PORT)"
    as_postgres "$PGBIN/initdb" -D "$SCRATCH/data" -A trust -E UTF8 --locale=C >/dev/null
    cat >> "$SCRATCH/data/postgresql.conf" <<CONF
# --- segstore bench ---
port = $PORT
listen_addresses = ''
unix_socket_directories = '$SCRATCH'
shared_preload_libraries = 'segstore'
shared_buffers = 1GB
max_wal_size = 4GB
synchronous_commit = on
fsync = on
timezone = 'UTC'
# reproducibility: no background vacuum/analyze during timings (done explicitly)
autovacuum = off
checkpoint_timeout = 30min
# JIT compiles when a plan's cost passes a threshold; the cost estimates of
# heap and segstore differ, so JIT would measure the planner, not the storage
# (and LLVM adds tens of MB to a backend's peak memory)
jit = off
statement_timeout = '$(statement_timeout_s)s'
CONF
    as_postgres "$PGBIN/pg_ctl" -D "$SCRATCH/data" -l "$SCRATCH/server.log" -w -t 60 start >/dev/null
    as_postgres "$PGBIN/psql" -X -q -h "$SCRATCH" -p "$PORT" -d postgres -c "CREATE DATABASE bench"
    psql_bench -c "CREATE EXTENSION segstore" -c "CREATE EXTENSION file_fdw"
}

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    if [ -n "$SCRATCH" ] && [ -d "$SCRATCH" ]; then
        if [ -f "$SCRATCH/data/postmaster.pid" ]; then
            as_postgres "$PGBIN/pg_ctl" -D "$SCRATCH/data" -m immediate -w -t 60 stop >/dev/null 2>&1 || true
        fi
        if [ -f "$SCRATCH/server.log" ]; then cp "$SCRATCH/server.log" "$OUT_DIR/server.log" || true; fi
        rm -rf "$SCRATCH"
    fi
    [ $rc -ne 0 ] && log "failed (exit $rc); server log: $OUT_DIR/server.log"
    exit $rc
}

# ---------------------------------------------------------------------------
# dataset and tables
# ---------------------------------------------------------------------------

ROWS=0           # SCALE million, set in main
CSV=""           # the dataset

generate_csv() {
    CSV=$SCRATCH/events.csv
    log "generating $ROWS rows over $DAYS days -> CSV"
    # ts: evenly spaced in time order over 30 days (unique, so usable as a key)
    # device 0..999 round robin, v a noisy per-device reading, tag one of 20,
    # attrs a small jsonb like {"fw": 3, "ok": true}
    psql_bench <<SQL
SELECT setseed(0.42) \\g /dev/null
COPY (
  SELECT '$DATA_START'::timestamptz + make_interval(secs => g * ($DAYS * 86400.0 / $ROWS)) AS ts,
         g % 1000 AS device,
         round((20 + 10 * sin((g % 1000) + g / 50000.0) + random() * 5)::numeric, 2)::float8 AS v,
         (ARRAY['temp','humidity','pressure','voltage','current','rpm','flow','level',
                'co2','pm25','lux','noise','vibration','torque','ph','speed','load',
                'door','battery','signal'])[1 + (g * 7) % 20] AS tag,
         jsonb_build_object('fw', 1 + (g % 1000) % 5, 'ok', random() > 0.01) AS attrs
  FROM generate_series(0, $ROWS - 1) g
) TO '$CSV' (FORMAT csv);
SQL
    detail "csv: $CSV $(stat -c %s "$CSV") bytes, $ROWS rows; first line: $(head -1 "$CSV")"
}

COLUMNS_DDL='ts timestamptz NOT NULL, device int NOT NULL, v float8, tag text, attrs jsonb'
SEG_OPTS="USING segstore WITH (segstore.time_column = 'ts', segstore.segment_interval = '1 day')"

create_tables() {
    psql_bench <<SQL
CREATE TABLE h  ($COLUMNS_DDL);
CREATE UNLOGGED TABLE hu ($COLUMNS_DDL);
CREATE TABLE s  ($COLUMNS_DDL) $SEG_OPTS;
CREATE TABLE ins_h ($COLUMNS_DDL);
CREATE TABLE ins_s ($COLUMNS_DDL) $SEG_OPTS;
CREATE SERVER csv_files FOREIGN DATA WRAPPER file_fdw;
CREATE FOREIGN TABLE f ($COLUMNS_DDL) SERVER csv_files
  OPTIONS (filename '$CSV', format 'csv');
SQL
}

# the full-scan expression touching (and so parsing / deforming) every column
ALL_COLUMNS_AGG='count(ts), count(device), count(v), count(tag), count(attrs)'

expect_rows() {   # expect_rows TABLE N
    local n
    n=$(sql_value "SELECT count(*) FROM $1")
    [ "$n" = "$2" ] || die "table $1 has $n rows, expected $2 (possible segstore bug)"
}

# ---------------------------------------------------------------------------
# measurements
# ---------------------------------------------------------------------------

declare -A SEG_AGG_MS=()     # workers -> median ms of the segstore GROUP BY
declare -A SEG_AGG_RUNS=()
declare -A COPY_RUNS=()      # variant -> space-separated rows/s
declare -A COPY_MEDIAN=()

measure_copy() {
    log "COPY: $REPS x {heap, unlogged heap, segstore, parse-only} x $ROWS rows"
    local rep variant table ms
    for rep in $(seq 1 "$REPS"); do
        for variant in heap unlogged segstore parse; do
            case $variant in
                heap) table=h ;; unlogged) table=hu ;; segstore) table=s ;; parse) table=f ;;
            esac
            if [ $variant = parse ]; then
                ms=$(timed_ms "" "SELECT $ALL_COLUMNS_AGG FROM f;")
            else
                ms=$(timed_ms "TRUNCATE $table; CHECKPOINT;" \
                              "COPY $table FROM '$CSV' (FORMAT csv);")
            fi
            [ -n "$ms" ] || die "no timing for COPY $variant"
            COPY_RUNS[$variant]+="$(calc "$ROWS / ($ms / 1000)") "
            log "  rep $rep $variant: $(fmt "$ms" 0) ms"
        done
    done
    for variant in heap unlogged segstore parse; do
        COPY_MEDIAN[$variant]=$(median "${COPY_RUNS[$variant]}")
        detail "copy rows/s $variant: ${COPY_RUNS[$variant]} -> median ${COPY_MEDIAN[$variant]}"
    done
    expect_rows h "$ROWS"; expect_rows s "$ROWS"
    psql_bench -c "DROP TABLE hu"        # frees disk; not needed any more

    local h=${COPY_MEDIAN[heap]} u=${COPY_MEDIAN[unlogged]} p=${COPY_MEDIAN[parse]} s=${COPY_MEDIAN[segstore]} r
    r=$(ratio_of "$s" "$h")
    add_result "COPY" "rows/s" "$(fmt "$h" 0)" "$(fmt "$s" 0)" "$r" ">= 1.3x" \
        "$(met_if "$r" '>=' 1.3)" "$(join_runs "${COPY_RUNS[heap]}")" "$(join_runs "${COPY_RUNS[segstore]}")" \
        "$ROWS rows from CSV; heap column = logged heap"
    r=$(ratio_of "$s" "$u")
    add_result "COPY vs UNLOGGED heap" "rows/s" "$(fmt "$u" 0)" "$(fmt "$s" 0)" "$r" "info" "-" \
        "$(join_runs "${COPY_RUNS[unlogged]}")" "$(join_runs "${COPY_RUNS[segstore]}")" \
        "heap column = UNLOGGED heap (no WAL)"
    r=$(ratio_of "$s" "$p")
    add_result "COPY vs parse-only (file_fdw)" "rows/s" "$(fmt "$p" 0)" "$(fmt "$s" 0)" "$r" "info" "-" \
        "$(join_runs "${COPY_RUNS[parse]}")" "$(join_runs "${COPY_RUNS[segstore]}")" \
        "heap column = file_fdw read of the same CSV with every column converted (no storage): the ceiling"
}

measure_insert_tps() {
    log "INSERT: pgbench $PGBENCH_CLIENTS clients, 1 row/txn, ${PGBENCH_SECONDS}s, $REPS x {heap, segstore}"
    local rep table out tps processed failed stored
    local -A runs=()
    for rep in $(seq 1 "$REPS"); do
        for table in ins_h ins_s; do
            cat > "$SCRATCH/insert_$table.sql" <<SQL
\set dev random(0, 999)
INSERT INTO $table (ts, device, v, tag, attrs) VALUES (now(), :dev, random() * 100, 'tag-' || (:dev % 20), '{"fw": 3, "ok": true}');
SQL
            chown postgres "$SCRATCH/insert_$table.sql"
            psql_bench -c "TRUNCATE $table" -c "CHECKPOINT"
            out=$(timeout $((PGBENCH_SECONDS + 120)) runuser -u postgres -- "$PGBIN/pgbench" -n \
                    -h "$SCRATCH" -p "$PORT" -c "$PGBENCH_CLIENTS" -j 2 -T "$PGBENCH_SECONDS" \
                    -f "$SCRATCH/insert_$table.sql" bench 2>&1) ||
                { printf '%s\n' "$out" >&2; die "pgbench on $table failed"; }
            tps=$(printf '%s\n' "$out" | sed -n 's/^tps = \([0-9.]*\) .*/\1/p')
            processed=$(printf '%s\n' "$out" | sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p')
            failed=$(printf '%s\n' "$out" | sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p')
            [ -n "$tps" ] || { printf '%s\n' "$out" >&2; die "no tps from pgbench on $table"; }
            stored=$(sql_value "SELECT count(*) FROM $table")
            [ "$stored" = "$processed" ] ||
                die "$table holds $stored rows after $processed committed INSERTs (possible segstore bug)"
            [ "${failed:-0}" = 0 ] || log "  WARNING: $failed failed transactions on $table"
            detail "pgbench $table rep $rep: $tps tps, $processed rows"
            if [ "$table" = ins_s ]; then
                detail "  segments of ins_s: $(sql_value "SELECT count(*) || ', states ' || string_agg(DISTINCT state, ',') || ', bytes ' || sum(bytes) FROM segstore.segments WHERE table_name = 'ins_s'::regclass")"
            fi
            runs[$table]+="$tps "
            log "  rep $rep $table: $(fmt "$tps" 0) tps"
        done
    done
    local h s r
    h=$(median "${runs[ins_h]}"); s=$(median "${runs[ins_s]}"); r=$(ratio_of "$s" "$h")
    detail "insert tps heap: ${runs[ins_h]} segstore: ${runs[ins_s]}"
    add_result "INSERT, 8 clients, 1 row/txn" "txn/s" "$(fmt "$h" 0)" "$(fmt "$s" 0)" "$r" ">= 1.0x" \
        "$(met_if "$r" '>=' 1.0)" "$(join_runs "${runs[ins_h]}")" "$(join_runs "${runs[ins_s]}")" \
        "pgbench -T $PGBENCH_SECONDS, synchronous_commit on"
    psql_bench -c "DROP TABLE ins_h" -c "DROP TABLE ins_s"
}

prepare_for_reads() {
    log "VACUUM ANALYZE heap, ANALYZE segstore (untimed)"
    psql_bench -c "VACUUM (ANALYZE) h" -c "ANALYZE s"
}

measure_bytes() {
    log "bytes on disk"
    local h s sealed r met
    h=$(sql_value "SELECT pg_total_relation_size('h')")
    s=$(sql_value "SELECT coalesce(sum(bytes), 0) FROM segstore.segments WHERE table_name = 's'::regclass")
    sealed=$(sql_value "SELECT count(*) FILTER (WHERE state NOT IN ('active', 'full')) FROM segstore.segments WHERE table_name = 's'::regclass")
    detail "segments of s: $(sql_value "SELECT count(*) || ' segments, states ' || string_agg(DISTINCT state, ',') FROM segstore.segments WHERE table_name = 's'::regclass")"
    detail "bytes heap $h (pg_total_relation_size), segstore $s (sum of segments.bytes), csv $(stat -c %s "$CSV")"
    r=$(ratio_of "$s" "$h")
    if [ "$sealed" = 0 ]; then met="not yet (no seal)"; else met=$(met_if "$r" '<=' 0.20); fi
    add_result "bytes on disk" "MB" "$(fmt "$(calc "$h / 1048576")" 1)" \
        "$(fmt "$(calc "$s / 1048576")" 1)" "$r" "<= 0.20x after seal" "$met" "$h" "$s" \
        "sum of segments.bytes after segstore.seal and cleanup"
}

# Seal every segment of s (then clean up the superseded active files), so
# the size, scan and memory figures below are over sealed data.
measure_seal() {
    log "seal segstore table"
    local out raw ms
    out=$(sql_value "SELECT sum(raw_bytes) || ' ' || sum(milliseconds) FROM segstore.seal('s')")
    raw=${out%% *}
    ms=${out##* }
    psql_bench -c "SELECT count(*) FROM segstore.run_maintenance()" >/dev/null
    detail "seal: $raw raw bytes in $ms ms; segments: $(sql_value "SELECT string_agg(DISTINCT state, ',') FROM segstore.segments WHERE table_name = 's'::regclass")"
    add_result "seal throughput (raw MB/s)" "MB/s" "-" \
        "$(fmt "$(calc "$raw / 1048576 / ($ms / 1000)")" 1)" "-" "report" "-" "" "" \
        "zstd level and block size: table defaults"
}

AGG_QUERY='SELECT device, count(*), avg(v) FROM TBL GROUP BY device;'
agg_query() { echo "${AGG_QUERY//TBL/$1}"; }

measure_aggregate() {
    local workers table ms
    # sanity: same answer from both tables
    local sum_h sum_s
    sum_h=$(sql_value "SELECT md5(string_agg(device || ':' || c || ':' || round(a::numeric, 6), ',' ORDER BY device)) FROM (SELECT device, count(*) c, avg(v) a FROM h GROUP BY device) x")
    sum_s=$(sql_value "SELECT md5(string_agg(device || ':' || c || ':' || round(a::numeric, 6), ',' ORDER BY device)) FROM (SELECT device, count(*) c, avg(v) a FROM s GROUP BY device) x")
    [ "$sum_h" = "$sum_s" ] || die "GROUP BY device differs between heap and segstore (possible segstore bug)"
    for workers in 0 2; do
        log "aggregate GROUP BY device, max_parallel_workers_per_gather = $workers, warm + $REPS runs"
        local -A runs=()
        for table in h s; do
                    ms=$(timed_ms "SET max_parallel_workers_per_gather = $workers; $(agg_query "$table")" \
                          "$(for _ in $(seq 1 "$REPS"); do agg_query "$table"; done)")
            runs[$table]=$ms
            detail "aggregate workers=$workers $table ms: $(join_runs "${runs[$table]}")"
            detail "$(printf 'SET max_parallel_workers_per_gather = %s;\nEXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) %s' \
                     "$workers" "$(agg_query "$table")" | psql_bench -f - | grep -E 'Workers|Scan|Aggregate|Execution' || true)"
        done
        local h s r
        h=$(median "${runs[h]}"); s=$(median "${runs[s]}"); r=$(ratio_of "$s" "$h")
        add_result "GROUP BY device, $workers workers" "ms" "$(fmt "$h")" "$(fmt "$s")" "$r" \
            "<= 1.0x" "$(met_if "$r" '<=' 1.0)" "$(join_runs "${runs[h]}")" "$(join_runs "${runs[s]}")" \
            "warm cache, max_parallel_workers_per_gather = $workers"
        SEG_AGG_MS[$workers]=$s
        SEG_AGG_RUNS[$workers]=${runs[s]}
    done
    # speedup of the segstore scan with 2 workers: time(0) / time(2)
    local speedup
    speedup=$(ratio_of "${SEG_AGG_MS[0]}" "${SEG_AGG_MS[2]}")
    add_result "segstore GROUP BY: 0 vs 2 workers" "ms" "$(fmt "${SEG_AGG_MS[0]}")" "$(fmt "${SEG_AGG_MS[2]}")" \
        "$speedup" ">= 1.6x faster" "$(met_if "$speedup" '>=' 1.6)" \
        "$(join_runs "${SEG_AGG_RUNS[0]}")" "$(join_runs "${SEG_AGG_RUNS[2]}")" \
        "both columns segstore: heap column = no workers, segstore column = 2 workers; ratio = speedup"
}

# Projection: decoding one column of five against decoding all of them.
measure_projection() {
    log "projection: avg(v) vs all five columns, no workers, warm + $REPS runs"
    local one all q_one q_all
    q_one="SELECT avg(v) FROM s;"
    q_all="SELECT $ALL_COLUMNS_AGG FROM s;"
    one=$(timed_ms "SET max_parallel_workers_per_gather = 0; $q_one" "$(for _ in $(seq 1 "$REPS"); do echo "$q_one"; done)")
    all=$(timed_ms "SET max_parallel_workers_per_gather = 0; $q_all" "$(for _ in $(seq 1 "$REPS"); do echo "$q_all"; done)")
    detail "projection segstore ms: avg(v) $(join_runs "$one"); all columns $(join_runs "$all")"
    local m_one m_all r
    m_one=$(median "$one"); m_all=$(median "$all"); r=$(ratio_of "$m_one" "$m_all")
    add_result "segstore avg(v) vs all 5 columns" "ms" "$(fmt "$m_all")" "$(fmt "$m_one")" "$r" \
        "<= 0.8x" "$(met_if "$r" '<=' 0.8)" "$(join_runs "$all")" "$(join_runs "$one")" \
        "both columns segstore: heap column = all five columns decoded, segstore column = avg(v) only"
}

# the hour in the middle of the 30 days
RANGE_FROM="('$DATA_START'::timestamptz + interval '15 days 7 hours')"
RANGE_QUERY="SELECT count(*), avg(v) FROM TBL WHERE ts >= $RANGE_FROM AND ts < $RANGE_FROM + interval '1 hour';"

range_query() { echo "${RANGE_QUERY//TBL/$1}"; }

# time the 1-hour query on TABLE (warm once, then REPS runs); prints the ms values
time_range_query() {
    local table=$1 setup=${2:-}
    timed_ms "$setup $(range_query "$table")" \
             "$(for _ in $(seq 1 "$REPS"); do range_query "$table"; done)"
}

measure_range_and_lookup() {
    log "1-hour range query: heap seq scan, segstore, heap + btree"
    local c_h c_s seq seg idx
    c_h=$(sql_value "$(range_query h | sed 's/avg(v)/round(sum(v)::numeric, 4)/')")
    c_s=$(sql_value "$(range_query s | sed 's/avg(v)/round(sum(v)::numeric, 4)/')")
    [ "$c_h" = "$c_s" ] || die "1-hour query differs: heap '$c_h' segstore '$c_s' (possible segstore bug)"
    detail "1-hour query rows|sum: $c_h"
    seq=$(time_range_query h "SET enable_indexscan = off; SET enable_bitmapscan = off;")
    seg=$(time_range_query s)
    log "  building btree on heap ts (untimed)"
    psql_bench -c "CREATE UNIQUE INDEX h_ts ON h (ts)" -c "VACUUM (ANALYZE) h"
    idx=$(time_range_query h)
    detail "range plan heap+btree: $(echo "EXPLAIN (COSTS OFF) $(range_query h)" | psql_bench -f - | tr '\n' ' ')"
    detail "range plan segstore: $(echo "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) $(range_query s)" | psql_bench -f - | tr '\n' ' ')"
    detail "range ms heap seq: $(join_runs "$seq"); heap btree: $(join_runs "$idx"); segstore: $(join_runs "$seg")"
    local m_seq m_seg m_idx r
    m_seq=$(median "$seq"); m_seg=$(median "$seg"); m_idx=$(median "$idx")
    r=$(ratio_of "$m_seg" "$m_seq")
    add_result "1-hour range vs heap seq scan" "ms" "$(fmt "$m_seq" 2)" "$(fmt "$m_seg" 2)" "$r" \
        "<= 0.02x" "$(met_if "$r" '<=' 0.02)" "$(join_runs "$seq")" "$(join_runs "$seg")" \
        "heap: seq scan (indexes off); segstore: segments and blocks outside the hour skipped"
    r=$(ratio_of "$m_seg" "$m_idx")
    add_result "1-hour range vs heap + btree" "ms" "$(fmt "$m_idx" 2)" "$(fmt "$m_seg" 2)" "$r" \
        "<= 2x" "$(met_if "$r" '<=' 2)" "$(join_runs "$idx")" "$(join_runs "$seg")" \
        "heap column = heap with a btree on ts"

    log "primary-key lookup: unique btree on ts in both tables"
    # 1000 point lookups by the unique key ts inside one statement
    local lookup_h lookup_s runs_h runs_s per_h per_s ms m_h m_s
    # count(v) needs each row's v: heap would otherwise answer from an
    # index-only scan and never read a row
    lookup_h="SELECT count(v) FROM generate_series(1, 1000) i CROSS JOIN LATERAL (SELECT v FROM h WHERE ts = '$DATA_START'::timestamptz + make_interval(secs => ((i::bigint * 7919) % $ROWS) * ($DAYS * 86400.0 / $ROWS))) x;"
    lookup_s=${lookup_h//FROM h WHERE/FROM s WHERE}
    log "  building unique btree on segstore ts (untimed)"
    psql_bench -c "CREATE UNIQUE INDEX s_ts ON s (ts)" -c "ANALYZE s"
    [ "$(sql_value "$lookup_h")" = 1000 ] || die "heap key lookups did not find 1000 rows"
    [ "$(sql_value "$lookup_s")" = 1000 ] || die "segstore key lookups did not find 1000 rows (possible segstore bug)"
    detail "lookup plan segstore: $(echo "EXPLAIN (COSTS OFF) $lookup_s" | psql_bench -f - | tr '\n' ' ')"
    runs_h=$(timed_ms "$lookup_h" "$(for _ in $(seq 1 "$REPS"); do echo "$lookup_h"; done)")
    # segstore keeps decoded sealed blocks in a per-backend cache; give it
    # the memory heap gets as shared_buffers (the untimed warm-up fills it)
    runs_s=$(timed_ms "SET segstore.fetch_cache_size = '1GB'; $lookup_s" \
                      "$(for _ in $(seq 1 "$REPS"); do echo "$lookup_s"; done)")
    per_h=""; per_s=""
    for ms in $runs_h; do per_h+="$(calc "$ms") "; done   # ms per 1000 lookups = us per lookup
    for ms in $runs_s; do per_s+="$(calc "$ms") "; done
    m_h=$(median "$per_h"); m_s=$(median "$per_s")
    r=$(ratio_of "$m_s" "$m_h")
    add_result "PK lookup on sealed data" "us/lookup" "$(fmt "$m_h" 2)" "$(fmt "$m_s" 2)" "$r" \
        "<= 2x" "$(met_if "$r" '<=' 2)" "$(join_runs "$per_h")" "$(join_runs "$per_s")" \
        "unique btree on ts in both; 1000 lookups per statement, keys spread over the 30 days; segstore.fetch_cache_size = 1GB (heap: shared_buffers = 1GB)"
}

# fresh connection: full scan without parallel workers, then VmHWM etc. of
# that backend, read by the backend itself from /proc/self/status.
# prints "vmhwm_kB rss_anon_kB rss_shmem_kB"
backend_memory_after_scan() {
    local table=$1
    printf '%s\n' \
        "SET max_parallel_workers_per_gather = 0;" \
        "SELECT $ALL_COLUMNS_AGG FROM $table \\g /dev/null" \
        "SELECT (regexp_match(st, 'VmHWM:\\s+(\\d+) kB'))[1] || ' ' || (regexp_match(st, 'RssAnon:\\s+(\\d+) kB'))[1] || ' ' || (regexp_match(st, 'RssShmem:\\s+(\\d+) kB'))[1] FROM pg_read_file('/proc/self/status') st;" |
        psql_bench -f -
}

declare -A MEM=()    # "<heap|segstore> <1x|2x>" -> median VmHWM kB; "... runs" -> "a;b;c"

measure_memory() {    # measure_memory SIZE_LABEL HEAP_TABLE SEG_TABLE
    local size=$1 heap=$2 seg=$3 rep kind table m
    log "backend peak memory after a full scan, $size rows ($REPS fresh connections each)"
    local -A hwm=()
    for rep in $(seq 1 "$REPS"); do
        for kind in heap segstore; do
            if [ $kind = heap ]; then table=$heap; else table=$seg; fi
            m=$(backend_memory_after_scan "$table")
            detail "memory $size $kind ($table) rep $rep: VmHWM RssAnon RssShmem kB = $m"
            hwm[$kind]+="${m%% *} "
        done
    done
    for kind in heap segstore; do
        MEM["$kind $size"]=$(median "${hwm[$kind]}")
        MEM["$kind $size runs"]=$(join_runs "${hwm[$kind]}")
    done
}

# Time one statement REPS times, each inside a transaction that is rolled
# back, so every run evicts the same segments; prints the ms values.
timed_rolled_back() {
    local stmt=$1 rep out=""
    for rep in $(seq 1 "$REPS"); do
        out+="$(timed_ms "BEGIN;" "$stmt" | head -1) "
        # (psql's session ends with the open transaction: it rolls back)
    done
    echo "$out"
}

# lock modes a statement's transaction holds on TABLE while it runs
locks_taken() {   # locks_taken TABLE STATEMENT
    printf '%s\n' "BEGIN;" "\\o /dev/null" "$2" "\\o" \
        "SELECT string_agg(DISTINCT mode, '+') FROM pg_locks WHERE pid = pg_backend_pid() AND relation = '$1'::regclass;" \
        "ROLLBACK;" | psql_bench -f -
}

measure_eviction() {
    log "drop the oldest day: segstore.evict, heap DELETE + VACUUM, partitioned heap DROP TABLE partition"
    local rep day_from ms del vac
    local runs="" del_runs="" vac_runs="" seg_runs="" seg_locks day_rows

    day_rows=$(sql_value "SELECT count(*) FROM s WHERE ts < '$DATA_START'::timestamptz + interval '1 day'")
    seg_locks=$(locks_taken s "SELECT * FROM segstore.evict_before('s', '$DATA_START'::timestamptz + interval '1 day');")
    for rep in $(seq 1 "$REPS"); do
        day_from="('$DATA_START'::timestamptz + interval '$((rep - 1)) days')"
        ms=$(timed_ms "CHECKPOINT;" "SELECT count(*) FROM segstore.evict_before('s', $day_from + interval '1 day');")
        [ -n "$ms" ] || die "no timing for segstore.evict_before"
        seg_runs+="$ms "
        log "  rep $rep: segstore.evict_before $(fmt "$ms" 1) ms"
    done
    [ "$(sql_value "SELECT count(*) FROM s WHERE ts < '$DATA_START'::timestamptz + interval '$REPS days'")" = 0 ] ||
        die "rows of evicted days are still visible in s (possible segstore bug)"
    detail "segstore evict ms: $seg_runs (day = $day_rows rows; locks: $seg_locks)"

    for rep in $(seq 1 "$REPS"); do
        day_from="('$DATA_START'::timestamptz + interval '$((rep - 1)) days')"
        ms=$(timed_ms "CHECKPOINT;" "DELETE FROM h WHERE ts >= $day_from AND ts < $day_from + interval '1 day'; VACUUM h;")
        del=$(echo "$ms" | sed -n 1p); vac=$(echo "$ms" | sed -n 2p)
        [ -n "$vac" ] || die "no timing for DELETE/VACUUM"
        runs+="$(calc "$del + $vac") "; del_runs+="$del "; vac_runs+="$vac "
        log "  rep $rep: DELETE $(fmt "$del" 0) ms + VACUUM $(fmt "$vac" 0) ms"
    done
    detail "heap delete ms: $del_runs vacuum ms: $vac_runs"
    local r
    r=$(ratio_of "$(median "$seg_runs")" "$(median "$runs")")
    add_result "drop oldest day vs DELETE+VACUUM" "ms" "$(fmt "$(median "$runs")" 0)" \
        "$(fmt "$(median "$seg_runs")" 2)" "$r" "< 50 ms flat" \
        "$(met_if "$(median "$seg_runs")" '<' 50)" "$(join_runs "$runs")" "$(join_runs "$seg_runs")" \
        "day = $day_rows rows; locks: segstore.evict_before $seg_locks; heap DELETE RowExclusiveLock, VACUUM ShareUpdateExclusiveLock"

    log "  loading a partitioned heap table, one partition per day (untimed)"
    psql_bench <<SQL
CREATE TABLE hp ($COLUMNS_DDL) PARTITION BY RANGE (ts);
DO \$\$
BEGIN
  FOR d IN 0..$((DAYS - 1)) LOOP
    EXECUTE format('CREATE TABLE hp_d%s PARTITION OF hp FOR VALUES FROM (%L) TO (%L)',
                   lpad(d::text, 2, '0'),
                   '$DATA_START'::timestamptz + d * interval '1 day',
                   '$DATA_START'::timestamptz + (d + 1) * interval '1 day');
  END LOOP;
END \$\$;
COPY hp FROM '$CSV' (FORMAT csv);
SQL
    runs=""
    for rep in $(seq 1 "$REPS"); do
        ms=$(timed_ms "CHECKPOINT;" "DROP TABLE hp_d$(printf '%02d' $((rep - 1)));")
        runs+="$ms "
    done
    detail "partition drop ms: $runs"
    psql_bench -c "DROP TABLE hp"
    r=$(ratio_of "$(median "$seg_runs")" "$(median "$runs")")
    add_result "drop oldest day vs DROP partition" "ms" "$(fmt "$(median "$runs")" 1)" \
        "$(fmt "$(median "$seg_runs")" 2)" "$r" "info" "-" "$(join_runs "$runs")" "$(join_runs "$seg_runs")" \
        "DROP TABLE of a day partition: AccessExclusiveLock on the partition and the parent (PG docs)"

    # flat in rows: one sealed segment of 10 rows vs one of up to 5M rows,
    # each evicted REPS times inside a rolled-back transaction
    local big_rows small big
    big_rows=$(( ROWS < 5000000 ? ROWS : 5000000 ))
    log "  evicting a 10-row and a $big_rows-row sealed segment (loading untimed)"
    psql_bench <<SQL
CREATE TABLE ev_small ($COLUMNS_DDL) USING segstore
  WITH (segstore.segment_interval = '30 days', segstore.max_segment_size = '1TB');
CREATE TABLE ev_big ($COLUMNS_DDL) USING segstore
  WITH (segstore.segment_interval = '30 days', segstore.max_segment_size = '1TB');
INSERT INTO ev_small SELECT * FROM f LIMIT 10;
INSERT INTO ev_big SELECT * FROM f LIMIT $big_rows;
SELECT count(*) FROM segstore.seal('ev_small') \\g /dev/null
SELECT count(*) FROM segstore.seal('ev_big') \\g /dev/null
SQL
    detail "ev_small / ev_big segments: $(sql_value "SELECT string_agg(table_name || ':' || segment_id || ':' || state || ':' || row_count, ' ') FROM segstore.segments WHERE table_name IN ('ev_small'::regclass, 'ev_big'::regclass)")"
    small=$(timed_rolled_back "SELECT count(*) FROM segstore.evict_before('ev_small', '2100-01-01');")
    big=$(timed_rolled_back "SELECT count(*) FROM segstore.evict_before('ev_big', '2100-01-01');")
    detail "evict 10-row segment ms: $small; $big_rows-row segment ms: $big"
    add_result "evict a 10-row segment" "ms" "-" "$(fmt "$(median "$small")" 2)" "-" "< 50 ms" \
        "$(met_if "$(median "$small")" '<' 50)" "" "$(join_runs "$small")" \
        "one sealed segment, evict_before in a transaction rolled back after each run"
    add_result "evict a $big_rows-row segment" "ms" "-" "$(fmt "$(median "$big")" 2)" "-" "< 50 ms, flat" \
        "$(met_if "$(median "$big")" '<' 50)" "" "$(join_runs "$big")" \
        "same, $(sql_value "SELECT pg_size_pretty(sum(bytes)) FROM segstore.segments WHERE table_name = 'ev_big'::regclass") sealed"
    psql_bench -c "DROP TABLE ev_small" -c "DROP TABLE ev_big"
}

measure_memory_growth() {
    log "growing to 2x rows: new heap table with 2 loads, segstore +1 load (untimed)"
    local s_rows
    s_rows=$(sql_value "SELECT count(*) FROM s")    # the eviction took some days
    # the same rows again: the unique key of the lookup measurement must go
    psql_bench -c "DROP TABLE h" -c "DROP INDEX s_ts" -c "CREATE TABLE h2 ($COLUMNS_DDL)" \
               -c "COPY h2 FROM '$CSV' (FORMAT csv)" -c "COPY h2 FROM '$CSV' (FORMAT csv)" \
               -c "COPY s FROM '$CSV' (FORMAT csv)"
    expect_rows h2 $((2 * ROWS)); expect_rows s $((s_rows + ROWS))
    measure_memory 2x h2 s
}

report_memory() {
    local size h s gh gs
    for size in 1x 2x; do
        h=${MEM["heap $size"]}; s=${MEM["segstore $size"]}
        add_result "scan peak memory, $size rows" "MB VmHWM" "$(fmt "$(calc "$h / 1024")")" \
            "$(fmt "$(calc "$s / 1024")")" "$(ratio_of "$s" "$h")" "flat" "see growth" \
            "${MEM["heap $size runs"]}" "${MEM["segstore $size runs"]}" \
            "VmHWM (kB in runs) of a fresh backend after one SELECT over all columns, no parallel workers; includes touched shared_buffers pages"
    done
    gh=$(calc "${MEM["heap 2x"]} / ${MEM["heap 1x"]}")
    gs=$(calc "${MEM["segstore 2x"]} / ${MEM["segstore 1x"]}")
    add_result "scan memory growth 2x/1x" "factor" "$(fmt "$gh" 2)" "$(fmt "$gs" 2)" "-" \
        "flat (<= 1.10)" "$(met_if "$gs" '<=' 1.10)" "" "" \
        "median VmHWM at 2x rows / median VmHWM at 1x rows"
}

# ---------------------------------------------------------------------------
# report
# ---------------------------------------------------------------------------

print_table() {
    local elapsed=$1
    echo
    echo "segstore benchmark: SCALE=$SCALE ($ROWS rows over $DAYS days), $(nproc) cores, median of $REPS, ${elapsed}s"
    awk -F'\x1f' -v NOISY="$NOISY_SPREAD" '
        function ratio(x) { if (x !~ /^[0-9]/) return x
                            return sprintf(x >= 100 ? "%.0fx" : x >= 1 ? "%.2fx" : "%.3fx", x) }
        function spread(runs,   n, i, v, lo, hi) {    # max/min of "a;b;c"
            n = split(runs, v, ";"); lo = hi = v[1] + 0
            for (i = 2; i <= n; i++) { if (v[i] + 0 < lo) lo = v[i] + 0; if (v[i] + 0 > hi) hi = v[i] + 0 }
            return (n > 1 && lo > 0) ? hi / lo : 1 }
        { noisy = (spread($8) > NOISY || spread($9) > NOISY)
          if (noisy) n_noisy++
          fig[NR] = $1 " (" $2 ")" (noisy ? " *" : ""); h[NR] = $3; s[NR] = $4; r[NR] = ratio($5); t[NR] = $6; m[NR] = $7
          w1 = max(w1, length(fig[NR])); w2 = max(w2, length($3)); w3 = max(w3, length($4))
          w4 = max(w4, length(r[NR])); w5 = max(w5, length($6)); w6 = max(w6, length($7)) }
        function max(a, b) { return a > b ? a : b }
        function line() { printf "+-%s-+-%s-+-%s-+-%s-+-%s-+-%s-+\n", d(w1), d(w2), d(w3), d(w4), d(w5), d(w6) }
        function d(n,   s) { s = sprintf("%*s", n, ""); gsub(/ /, "-", s); return s }
        END {
            w1 = max(w1, 6); w2 = max(w2, 4); w3 = max(w3, 8); w4 = max(w4, 5); w5 = max(w5, 6); w6 = max(w6, 4)
            line()
            printf "| %-*s | %*s | %*s | %*s | %-*s | %-*s |\n", w1, "figure", w2, "heap", w3, "segstore", w4, "ratio", w5, "target", w6, "met?"
            line()
            for (i = 1; i <= NR; i++)
                printf "| %-*s | %*s | %*s | %*s | %-*s | %-*s |\n", w1, fig[i], w2, h[i], w3, s[i], w4, r[i], w5, t[i], w6, m[i]
            line()
            if (n_noisy)
                printf "* runs of this row differ by more than %.0f%% (max/min): other load on the machine; rerun before trusting it\n", (NOISY - 1) * 100
        }' "$SCRATCH/results.tsv"
    cat <<'NOTES'
ratio = segstore / heap column.  "heap" in the UNLOGGED and parse-only rows is
that variant; in the range row vs btree it is heap with a btree on ts.
Locks (PostgreSQL docs): DELETE RowExclusiveLock, VACUUM ShareUpdateExclusiveLock,
DROP TABLE of a partition AccessExclusiveLock on the partition and its parent.
Scan memory is VmHWM: it includes the shared_buffers pages the backend touched
(heap tables under shared_buffers/4 are read through shared_buffers, larger
ones through a 256kB ring); details.log has RssAnon and RssShmem.
NOTES
    echo "details: $OUT_DIR/results.csv results.json details.log"
}

json_escape() { printf '%s' "$1" | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/\t/ /g' | tr '\n' ' '; }

# "a;b;c" -> [a,b,c] (numbers) ; "" -> []
json_array() { local a=$1; [ -z "$a" ] && { echo '[]'; return; }; echo "[${a//;/,}]"; }

json_value() {   # a number stays a number, anything else becomes a string
    if [[ $1 =~ ^-?[0-9]+([.][0-9]+)?([eE][-+]?[0-9]+)?$ ]]; then echo "$1"; else echo "\"$(json_escape "$1")\""; fi
}

write_outputs() {
    local elapsed=$1 csv=$OUT_DIR/results.csv json=$OUT_DIR/results.json
    {
        echo "figure,unit,heap,segstore,ratio,target,met,heap_runs,segstore_runs,note"
        awk -F'\x1f' -v OFS=',' '{ for (i = 1; i <= NF; i++) { gsub(/"/, "\"\"", $i); $i = "\"" $i "\"" } print }' \
            "$SCRATCH/results.tsv"
    } > "$csv"
    {
        printf '{\n  "scale": %s,\n  "rows": %s,\n  "days": %s,\n  "reps": %s,\n' "$SCALE" "$ROWS" "$DAYS" "$REPS"
        printf '  "cores": %s,\n  "elapsed_seconds": %s,\n' "$(nproc)" "$elapsed"
        printf '  "date": "%s",\n  "postgres": "%s",\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
            "$(json_escape "$("$PGBIN/postgres" --version)")"
        printf '  "git_commit": "%s",\n  "results": [\n' \
            "$(git -C "$BENCH_DIR" rev-parse --short HEAD 2>/dev/null || echo unknown)"
        local first=1 fig unit h s r t m hr sr note
        while IFS=$'\x1f' read -r fig unit h s r t m hr sr note; do
            [ $first = 1 ] || printf ',\n'
            first=0
            printf '    {"figure": "%s", "unit": "%s", "heap": %s, "segstore": %s, "ratio": %s, "target": "%s", "met": "%s", "heap_runs": %s, "segstore_runs": %s, "note": "%s"}' \
                "$(json_escape "$fig")" "$(json_escape "$unit")" "$(json_value "$h")" "$(json_value "$s")" \
                "$(json_value "$r")" "$(json_escape "$t")" "$(json_escape "$m")" \
                "$(json_array "$hr")" "$(json_array "$sr")" "$(json_escape "$note")"
        done < "$SCRATCH/results.tsv"
        printf '\n  ]\n}\n'
    } > "$json"
}

plot_copy() {
    command -v gnuplot >/dev/null || { log "gnuplot not installed: no PNG (apt-get install gnuplot-nox)"; return 0; }
    local dat=$SCRATCH/copy.dat top
    top=$(printf '%s\n' "${COPY_MEDIAN[@]}" | sort -g | tail -1)
    printf '"heap" %s\n"unlogged heap" %s\n"segstore" %s\n"parse-only" %s\n' \
        "${COPY_MEDIAN[heap]}" "${COPY_MEDIAN[unlogged]}" "${COPY_MEDIAN[segstore]}" "${COPY_MEDIAN[parse]}" > "$dat"
    gnuplot <<GP || log "gnuplot failed: no PNG"
set terminal png size 800,500
set output '$OUT_DIR/copy.png'
set title 'COPY of $ROWS rows (median of $REPS), rows/s'
set style data histograms
set style fill solid 0.8 border -1
set boxwidth 0.6
set yrange [0:$(calc "1.15 * $top")]
set grid ytics
set format y '%.0f'
unset key
plot '$dat' using 2:xtic(1) lc rgb '#4477aa', '' using 0:2:(sprintf('%.0f', \$2)) with labels offset 0,1
GP
}

# ---------------------------------------------------------------------------

main() {
    check_environment
    ROWS=$(awk -v s="$SCALE" 'BEGIN { printf "%d", s * 1000000 + 0.5 }')
    [ "$ROWS" -ge $((DAYS * 1000)) ] || die "SCALE too small (need at least $((DAYS * 1000)) rows)"
    mkdir -p "$OUT_DIR"
    rm -f "$OUT_DIR"/results.csv "$OUT_DIR"/results.json "$OUT_DIR"/copy.png "$OUT_DIR"/server.log
    : > "$OUT_DIR/details.log"
    create_scratch_dir
    trap cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    : > "$SCRATCH/results.tsv"
    detail "segstore bench SCALE=$SCALE rows=$ROWS reps=$REPS started $(date -u +%FT%TZ)"

    start_cluster
    generate_csv
    create_tables
    measure_copy
    measure_insert_tps
    prepare_for_reads
    measure_seal
    measure_bytes
    measure_aggregate
    measure_projection
    measure_range_and_lookup
    measure_memory 1x h s
    measure_eviction
    measure_memory_growth
    report_memory

    local elapsed=$(( $(date +%s) - STARTED_AT ))
    write_outputs "$elapsed"
    plot_copy
    print_table "$elapsed"
}

main "$@"
