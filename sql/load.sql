--
-- Loading segstore; the write and read paths; segments; DDL and files.
--
CREATE EXTENSION segstore;
SET TimeZone = 'UTC';

-- the extension's own tables are heap, whatever the default
SELECT c.relname, a.amname FROM pg_class c JOIN pg_am a ON a.oid = c.relam
WHERE c.relnamespace = 'segstore'::regnamespace AND c.relkind = 'r' ORDER BY 1;

-- how many segment directories of this database exist for a table
CREATE FUNCTION seg_dir_exists(filenode oid) RETURNS bool LANGUAGE sql AS $$
  SELECT count(*) = 1 FROM pg_ls_dir('pg_segstore/' ||
    (SELECT oid FROM pg_database WHERE datname = current_database())) d
  WHERE d = filenode::text $$;

-- no options: the first timestamptz column is the time column, 1-day buckets
CREATE TABLE ev (ts timestamptz NOT NULL, device int, v float8, tag text) USING segstore;
SELECT * FROM segstore.tables;
INSERT INTO ev SELECT '2024-01-01'::timestamptz + i * interval '1 hour', i % 10, i * 0.5, 'tag' || i
FROM generate_series(1, 100) i;
SELECT count(*), min(ts), max(ts), sum(v), count(DISTINCT tag) FROM ev;
SELECT ctid, * FROM ev ORDER BY ts LIMIT 3;
SELECT segment_id, state, bucket_start, bucket_end, min_time, max_time, row_count, bytes
FROM segstore.segments WHERE table_name = 'ev'::regclass ORDER BY segment_id;

-- single-row INSERT, multi-row VALUES, INSERT ... SELECT, RETURNING
INSERT INTO ev VALUES ('2024-02-01 12:00', 1, 1.5, 'one') RETURNING *;
INSERT INTO ev VALUES ('2024-02-01 13:00', 2, 2.5, 'two'), ('2024-02-02 01:00', 3, 3.5, 'three');
INSERT INTO ev SELECT ts + interval '100 days', device, v, tag FROM ev WHERE ts < '2024-01-02';
SELECT count(*) FROM ev;

-- COPY FROM goes through multi_insert
COPY ev FROM STDIN (FORMAT csv);
2024-03-01 00:00:00+00,7,7.5,copy1
2024-03-01 00:00:01+00,8,8.5,"copy,2"
2024-03-02 00:00:00+00,,,
\.
SELECT * FROM ev WHERE ts >= '2024-03-01' AND ts < '2024-03-03' ORDER BY ts;

-- CREATE TABLE AS and SELECT INTO, with and without options
CREATE TABLE ctas USING segstore WITH (segstore.segment_interval = '1 hour') AS
SELECT '2024-01-01'::timestamptz + i * interval '10 min' AS ts, i FROM generate_series(1, 20) i;
SELECT * FROM segstore.tables WHERE table_name = 'ctas'::regclass;
SELECT segment_id, bucket_start, row_count FROM segstore.segments
WHERE table_name = 'ctas'::regclass ORDER BY segment_id;
SET default_table_access_method = segstore;
SELECT i, '2024-05-05'::date AS d INTO sel_into FROM generate_series(1, 5) i;
SELECT * FROM segstore.tables WHERE table_name = 'sel_into'::regclass;
SELECT sum(i), min(d) FROM sel_into;

-- a table without a time column is partitioned by ingest time; under
-- default_table_access_method = segstore any CREATE TABLE uses segstore
CREATE TABLE plain (a int, b text);
INSERT INTO plain VALUES (1, 'a'), (2, 'b');
SELECT * FROM plain ORDER BY a;
SELECT table_name, time_column FROM segstore.tables WHERE table_name = 'plain'::regclass;
SELECT count(*), sum(row_count) FROM segstore.segments WHERE table_name = 'plain'::regclass;
RESET default_table_access_method;

-- segments close at max_segment_size and a new one opens for the bucket
CREATE TABLE rot (ts timestamptz, payload text) USING segstore
  WITH (segstore.max_segment_size = '16kB');
INSERT INTO rot SELECT '2024-01-01', repeat('x', 100) FROM generate_series(1, 500);
SELECT segment_id, state, row_count, bytes FROM segstore.segments
WHERE table_name = 'rot'::regclass ORDER BY segment_id;
SELECT count(*) FROM rot;

-- TRUNCATE is transactional
SELECT pg_relation_filenode('ev') AS ev_node \gset
BEGIN;
TRUNCATE ev;
SELECT count(*) FROM ev;
ROLLBACK;
SELECT count(*) FROM ev;
SELECT seg_dir_exists(:ev_node);
TRUNCATE ev;
SELECT count(*) FROM ev;
SELECT seg_dir_exists(:ev_node) AS old_dir_kept;
INSERT INTO ev VALUES ('2024-01-01', 1, 1, 'after truncate');
SELECT ts, tag FROM ev;

-- TRUNCATE of a table created in the same transaction
BEGIN;
CREATE TABLE fresh (ts timestamptz, v int) USING segstore;
INSERT INTO fresh SELECT '2024-01-01', g FROM generate_series(1, 10) g;
TRUNCATE fresh;
INSERT INTO fresh VALUES ('2024-01-02', 42);
SELECT ctid, * FROM fresh;
COMMIT;
SELECT ctid, * FROM fresh;

-- DROP TABLE removes the files at commit, keeps them on rollback
SELECT pg_relation_filenode('rot') AS rot_node \gset
BEGIN;
DROP TABLE rot;
ROLLBACK;
SELECT seg_dir_exists(:rot_node), count(*) FROM rot;
DROP TABLE rot;
SELECT seg_dir_exists(:rot_node);
SELECT count(*) FROM segstore.table_options o
WHERE NOT EXISTS (SELECT FROM pg_class c WHERE c.oid = o.relid);

-- CREATE TABLE rolled back: no directory left
BEGIN;
CREATE TABLE gone (ts timestamptz) USING segstore;
SELECT pg_relation_filenode('gone') AS gone_node \gset
INSERT INTO gone VALUES (now());
ROLLBACK;
SELECT seg_dir_exists(:gone_node);

-- savepoint rolled back after creating a table
BEGIN;
SAVEPOINT s1;
CREATE TABLE gone2 (ts timestamptz) USING segstore;
SELECT pg_relation_filenode('gone2') AS gone2_node \gset
ROLLBACK TO SAVEPOINT s1;
SELECT seg_dir_exists(:gone2_node);
COMMIT;

-- DROP DATABASE and DROP EXTENSION leave no files behind
CREATE DATABASE segstore_dropme;
\c segstore_dropme
CREATE EXTENSION segstore;
CREATE TABLE t1 (ts timestamptz, v int) USING segstore;
INSERT INTO t1 SELECT '2024-01-01', g FROM generate_series(1, 10) g;
CREATE TABLE t2 (ts timestamptz, v int) USING segstore;
INSERT INTO t2 SELECT '2024-01-01', g FROM generate_series(1, 10) g;
SELECT count(*) FROM pg_ls_dir('pg_segstore/' ||
  (SELECT oid FROM pg_database WHERE datname = current_database()));
DROP EXTENSION segstore;
DROP EXTENSION segstore CASCADE;
SELECT count(*) FROM pg_ls_dir('pg_segstore/' ||
  (SELECT oid FROM pg_database WHERE datname = current_database()));
CREATE EXTENSION segstore;
CREATE TABLE t3 (ts timestamptz, v int) USING segstore;
INSERT INTO t3 VALUES ('2024-01-01', 1);
SELECT oid AS dropme_oid FROM pg_database WHERE datname = current_database() \gset
\c contrib_regression
DROP DATABASE segstore_dropme;
SELECT count(*) FROM pg_ls_dir('pg_segstore') d WHERE d = :'dropme_oid';

SET TimeZone = 'UTC';
-- parallel sequential scans hand whole segments to the workers
CREATE TABLE par (ts timestamptz, v int) USING segstore WITH (segstore.segment_interval = '1 hour');
INSERT INTO par SELECT '2024-01-01'::timestamptz + g * interval '1 second', g
FROM generate_series(1, 50000) g;
SET max_parallel_workers_per_gather = 2;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
EXPLAIN (COSTS OFF) SELECT count(*), sum(v) FROM par;
SELECT count(*), sum(v), count(DISTINCT ctid) FROM par;
RESET max_parallel_workers_per_gather;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
SELECT count(*), sum(v) FROM par;

-- rewrites keep the rows and the options
CREATE TABLE rw (id int, ts timestamptz, v int) USING segstore
  WITH (segstore.segment_interval = '1 hour', segstore.time_column = 'ts');
INSERT INTO rw SELECT g, '2024-01-01'::timestamptz + g * interval '20 min', g
FROM generate_series(1, 9) g;
ALTER TABLE rw ADD COLUMN r float8 DEFAULT random();
ALTER TABLE rw ALTER COLUMN v TYPE bigint;
SELECT id, ts, v, r IS NOT NULL AS has_r FROM rw ORDER BY id;
SELECT * FROM segstore.tables WHERE table_name = 'rw'::regclass;
SELECT segment_id, bucket_start, row_count FROM segstore.segments
WHERE table_name = 'rw'::regclass ORDER BY segment_id;
ALTER TABLE rw SET ACCESS METHOD heap;
SELECT count(*), sum(v) FROM rw;
ALTER TABLE rw SET ACCESS METHOD segstore;
SELECT count(*), sum(v) FROM rw;
SELECT * FROM segstore.tables WHERE table_name = 'rw'::regclass;

-- a rewrite reads old rows with the old descriptor: NULLs and types survive
CREATE TABLE rw2 (ts timestamptz NOT NULL, a int, b int, t text) USING segstore;
INSERT INTO rw2 VALUES ('2024-01-01', 1, NULL, NULL), ('2024-01-01', NULL, 2, 'abc');
ALTER TABLE rw2 ADD COLUMN r float8 DEFAULT random();
SELECT a, b, t, r IS NOT NULL AS has_r FROM rw2 ORDER BY a NULLS LAST;
ALTER TABLE rw2 ALTER COLUMN t TYPE int USING length(t);
SELECT a, b, t FROM rw2 ORDER BY a NULLS LAST;
