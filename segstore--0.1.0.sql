/* segstore--0.1.0.sql */

-- complain if script is sourced in psql, rather than via CREATE EXTENSION
\echo Use "CREATE EXTENSION segstore" to load this file. \quit

CREATE FUNCTION segstore.tableam_handler(internal)
RETURNS table_am_handler
AS 'MODULE_PATHNAME', 'segstore_tableam_handler'
LANGUAGE C;

CREATE ACCESS METHOD segstore TYPE TABLE HANDLER segstore.tableam_handler;
COMMENT ON ACCESS METHOD segstore IS 'time-partitioned segment storage';

-- Options of each segstore table (see src/tableam/segam_options.c).
-- Explicitly heap: a user may set default_table_access_method = segstore.
CREATE TABLE segstore.table_options (
    relid oid PRIMARY KEY,
    time_attnum int2 NOT NULL,          -- 0: partitioned by ingest time
    segment_interval interval NOT NULL,
    max_segment_size bigint NOT NULL,
    seal_after interval NOT NULL,
    compression_level int2 NOT NULL,
    block_size int4 NOT NULL,
    retention interval                  -- NULL: keep rows forever
) USING heap;

-- The segment manifest (see src/storage/seg_manifest.c): one row per
-- segment that is no longer a plain active file.  Sealing inserts a
-- 'sealed' row; eviction turns a row into 'evicted' (or inserts one for an
-- active segment), and cleanup deletes it once the files are gone.
CREATE TABLE segstore.manifest (
    relfilenode oid NOT NULL,
    segment_id bigint NOT NULL,
    state text NOT NULL CHECK (state IN ('sealed', 'evicted')),
    bucket_start timestamptz NOT NULL,
    bucket_end timestamptz NOT NULL,
    min_time timestamptz,
    max_time timestamptz,
    row_count bigint,                   -- NULL: an evicted active segment
    raw_bytes bigint NOT NULL,
    bytes bigint NOT NULL,
    quarantined bool NOT NULL DEFAULT false,
    -- sealed: the transactions of the rows kept, as 64-bit xids (NULL: no
    -- rows), and whether some were still running when the seal ran
    min_xid bigint,
    max_xid bigint,
    pending_rows bool NOT NULL DEFAULT false,
    -- set by VACUUM once every row's transaction is older than the freeze
    -- cutoff: the rows' stored xids are no longer looked at, and
    -- aborted_rows lists the rows whose transaction rolled back
    frozen bool NOT NULL DEFAULT false,
    aborted_rows bigint[],
    PRIMARY KEY (relfilenode, segment_id)
) USING heap;

-- Deleted and updated rows (see src/storage/seg_row_marks.c).  Segment
-- files are append-only or immutable, so DELETE and UPDATE record the old
-- row here, in the deleting transaction: a snapshot sees the row as long
-- as it does not see this record.  successor is the row number of the new
-- version (UPDATE), -1 for a DELETE, -2 for a row moved to another
-- partition.
CREATE TABLE segstore.deleted_rows (
    relfilenode oid NOT NULL,
    row_number bigint NOT NULL,
    successor bigint NOT NULL
) USING heap;
CREATE INDEX deleted_rows_row ON segstore.deleted_rows (relfilenode, row_number);

-- Row locks taken by SELECT ... FOR UPDATE / NO KEY UPDATE / SHARE / KEY
-- SHARE: one row per lock, meaningful only while the transaction that
-- inserted it runs (mode is a LockTupleMode).  VACUUM removes the rest.
CREATE TABLE segstore.row_locks (
    relfilenode oid NOT NULL,
    row_number bigint NOT NULL,
    mode int2 NOT NULL
) USING heap;
CREATE INDEX row_locks_row ON segstore.row_locks (relfilenode, row_number);

CREATE FUNCTION segstore.set_options(
    tbl regclass,
    time_column text DEFAULT NULL,
    segment_interval interval DEFAULT NULL,
    max_segment_size text DEFAULT NULL,
    seal_after interval DEFAULT NULL,
    compression_level int DEFAULT NULL,
    block_size text DEFAULT NULL)
RETURNS void
AS 'MODULE_PATHNAME', 'segstore_set_options'
LANGUAGE C;

CREATE FUNCTION segstore.table_segments(
    tbl regclass,
    OUT segment_id bigint,
    OUT state text,
    OUT bucket_start timestamptz,
    OUT bucket_end timestamptz,
    OUT min_time timestamptz,
    OUT max_time timestamptz,
    OUT row_count bigint,
    OUT raw_bytes bigint,
    OUT bytes bigint,
    OUT file text)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'segstore_table_segments'
LANGUAGE C STRICT;

CREATE VIEW segstore.segments AS
SELECT c.oid::regclass AS table_name, s.*
FROM pg_catalog.pg_class c
CROSS JOIN LATERAL segstore.table_segments(c.oid) s
WHERE c.relam = (SELECT oid FROM pg_catalog.pg_am WHERE amname = 'segstore')
  AND c.relkind IN ('r', 'm')
  AND pg_catalog.has_table_privilege(c.oid, 'SELECT');

CREATE VIEW segstore.tables AS
SELECT c.oid::regclass AS table_name,
       CASE WHEN coalesce(o.time_attnum, 0) = 0 THEN NULL
            ELSE a.attname END AS time_column,
       coalesce(o.segment_interval, interval '1 day') AS segment_interval,
       coalesce(o.max_segment_size, 256 * 1024 * 1024) AS max_segment_size,
       coalesce(o.seal_after, interval '1 hour') AS seal_after,
       coalesce(o.compression_level, 6) AS compression_level,
       coalesce(o.block_size, 256 * 1024) AS block_size,
       o.retention
FROM pg_catalog.pg_class c
LEFT JOIN segstore.table_options o ON o.relid = c.oid
LEFT JOIN pg_catalog.pg_attribute a
       ON a.attrelid = c.oid AND a.attnum = o.time_attnum
WHERE c.relam = (SELECT oid FROM pg_catalog.pg_am WHERE amname = 'segstore')
  AND c.relkind IN ('r', 'm');

CREATE FUNCTION segstore.seal(
    tbl regclass,
    older_than interval DEFAULT NULL,
    OUT segment_id bigint,
    OUT row_count bigint,
    OUT raw_bytes bigint,
    OUT bytes bigint,
    OUT milliseconds float8)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'segstore_seal'
LANGUAGE C CALLED ON NULL INPUT;

CREATE FUNCTION segstore.run_maintenance(
    OUT table_name regclass,
    OUT segment_id bigint,
    OUT action text,
    OUT row_count bigint,
    OUT bytes bigint,
    OUT milliseconds float8)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'segstore_run_maintenance'
LANGUAGE C;

CREATE FUNCTION segstore.set_policy(
    tbl regclass,
    retention interval DEFAULT NULL,
    seal_after interval DEFAULT NULL)
RETURNS void
AS 'MODULE_PATHNAME', 'segstore_set_policy'
LANGUAGE C;

CREATE FUNCTION segstore.drop_policy(tbl regclass)
RETURNS void
AS 'MODULE_PATHNAME', 'segstore_drop_policy'
LANGUAGE C STRICT;

CREATE VIEW segstore.policies AS
SELECT table_name, retention, seal_after
FROM segstore.tables;

CREATE FUNCTION segstore.evict(
    tbl regclass,
    older_than interval,
    OUT segment_id bigint,
    OUT state text,
    OUT row_count bigint,
    OUT bytes bigint)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'segstore_evict'
LANGUAGE C STRICT;

CREATE FUNCTION segstore.evict_before(
    tbl regclass,
    cutoff timestamptz,
    OUT segment_id bigint,
    OUT state text,
    OUT row_count bigint,
    OUT bytes bigint)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'segstore_evict_before'
LANGUAGE C STRICT;

CREATE FUNCTION segstore.verify(
    tbl regclass,
    OUT segment_id bigint,
    OUT state text,
    OUT file text,
    OUT ok bool,
    OUT problem text)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'segstore_verify'
LANGUAGE C STRICT;

CREATE FUNCTION segstore.quarantine(tbl regclass, segment_id bigint, quarantined bool DEFAULT true)
RETURNS void
AS 'MODULE_PATHNAME', 'segstore_quarantine'
LANGUAGE C STRICT;

GRANT USAGE ON SCHEMA segstore TO PUBLIC;
GRANT SELECT ON segstore.segments, segstore.tables, segstore.policies TO PUBLIC;
