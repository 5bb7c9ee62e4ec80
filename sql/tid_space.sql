SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS segstore;
RESET client_min_messages;
SET TimeZone='UTC';
\set VERBOSITY terse
--
-- A TID space past the first gigabyte of a main fork (131072 blocks).
-- Every segment starts a chunk of 65536 row numbers (225 TID blocks), so
-- 600 one-hour segments of two rows reach TID block 134775.  Bitmap heap
-- scans prefetch the blocks they visit from the empty main fork, which
-- fails past 131072 blocks unless segstore turns prefetching off
-- (seg_bitmap.c).
--
CREATE TABLE wide (ts timestamptz NOT NULL, id int NOT NULL, v text)
  USING segstore WITH (segstore.time_column = 'ts', segstore.segment_interval = '1 hour');
INSERT INTO wide
SELECT '2024-01-01'::timestamptz + (i / 2) * interval '1 hour', i, 'v' || i
FROM generate_series(0, 1199) i;
CREATE INDEX wide_id ON wide (id);
SELECT count(*) AS segments FROM segstore.segments WHERE table_name = 'wide'::regclass;
SELECT max((ctid::text::point)[0]) > 131072 AS past_first_gigabyte FROM wide;

SET enable_seqscan = off;
SET segstore.enable_segment_scan = off;
SET enable_indexscan = off;
SET effective_io_concurrency = 10;
EXPLAIN (COSTS OFF) SELECT id, v FROM wide WHERE id >= 1190 OR id < 3;
SELECT id, v, (ctid::text::point)[0] > 131072 AS far FROM wide WHERE id >= 1190 OR id < 3 ORDER BY id;
SELECT count(*), sum(id) FROM wide WHERE id >= 0;
-- parallel workers too
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
EXPLAIN (COSTS OFF) SELECT count(*), sum(id) FROM wide WHERE id >= 0;
SELECT count(*), sum(id) FROM wide WHERE id >= 0;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;

-- after sealing, the same
SELECT count(*) AS sealed FROM segstore.seal('wide');
SELECT id, v FROM wide WHERE id >= 1196 OR id < 2 ORDER BY id;

-- ANALYZE prefetches in core code segstore cannot reach: past 131072
-- blocks it needs maintenance_io_concurrency = 0 (README, limitations)
SET maintenance_io_concurrency = 0;
ANALYZE wide;
SELECT reltuples BETWEEN 800 AND 1600 AS estimate_near_1200 FROM pg_class WHERE oid = 'wide'::regclass;
RESET maintenance_io_concurrency;

RESET effective_io_concurrency;
RESET enable_indexscan;
RESET segstore.enable_segment_scan;
RESET enable_seqscan;
DROP TABLE wide;
