--
-- Sealing: segstore.seal(), segstore.run_maintenance() and the seal options.
-- A sealed segment must return exactly the rows, the row order and the TIDs
-- its active file returned; rows of rolled-back transactions go away.
--
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS segstore;
RESET client_min_messages;
SET TimeZone = 'UTC';
CREATE SCHEMA seal_t;
SET search_path = seal_t, public;

--
-- 1. Row values, row order and TIDs survive a seal.
--
-- Rows are inserted in several transactions, interleaving three one-day
-- buckets, with small segments so that one bucket gets several segments
-- (some of them full); some rows are rolled back (whole transaction and
-- savepoint).
CREATE TABLE ord (ts timestamptz NOT NULL, id int, note text) USING segstore
  WITH (segstore.max_segment_size = '16kB');
INSERT INTO ord SELECT '2024-01-01'::timestamptz + (g % 3) * interval '1 day' + g * interval '1 second',
  g, 'first ' || g FROM generate_series(1, 300) g;
BEGIN;
INSERT INTO ord SELECT '2024-01-01'::timestamptz + (g % 3) * interval '1 day' + g * interval '1 second',
  g, 'rolled back ' || g FROM generate_series(1001, 1100) g;
-- a scan writes this transaction's buffered rows to the files
SELECT count(*) FROM ord;
ROLLBACK;
BEGIN;
INSERT INTO ord SELECT '2024-01-02'::timestamptz + g * interval '1 second', g, 'second ' || g
  FROM generate_series(2001, 2050) g;
SAVEPOINT sp;
INSERT INTO ord SELECT '2024-01-02'::timestamptz + g * interval '1 second', g, 'savepoint ' || g
  FROM generate_series(3001, 3040) g;
ROLLBACK TO SAVEPOINT sp;
INSERT INTO ord SELECT '2024-01-03'::timestamptz - g * interval '1 second', g, 'third ' || g
  FROM generate_series(4001, 4700) g;
COMMIT;
SELECT count(*), sum(id) FROM ord;
-- stored rows per segment, rolled back ones included
SELECT segment_id, state, bucket_start, row_count FROM segstore.segments
WHERE table_name = 'ord'::regclass ORDER BY segment_id;
SELECT count(*) AS segments, sum(row_count) AS stored_rows,
       count(*) FILTER (WHERE state = 'full') > 0 AS some_full
FROM segstore.segments WHERE table_name = 'ord'::regclass;
-- the plain scan (no ORDER BY) before the seal, with positions and TIDs
CREATE TEMP TABLE ord_before AS SELECT row_number() OVER () AS pos, ctid AS tid, * FROM ord;
SELECT * FROM ord_before WHERE pos <= 5 OR pos % 250 = 0 ORDER BY pos;
SELECT segment_id, row_count FROM segstore.seal('ord') ORDER BY segment_id;
SELECT segment_id, state, bucket_start, row_count, bytes < raw_bytes AS compressed
FROM segstore.segments WHERE table_name = 'ord'::regclass ORDER BY segment_id;
-- same rows, same order, same TIDs
CREATE TEMP TABLE ord_after AS SELECT row_number() OVER () AS pos, ctid AS tid, * FROM ord;
SELECT (SELECT count(*) FROM ord_before) AS before_rows,
       (SELECT count(*) FROM ord_after) AS after_rows,
       (SELECT count(*) FROM (SELECT * FROM ord_before EXCEPT SELECT * FROM ord_after) x) AS missing,
       (SELECT count(*) FROM (SELECT * FROM ord_after EXCEPT SELECT * FROM ord_before) x) AS extra;
SELECT * FROM ord_after WHERE pos <= 5 OR pos % 250 = 0 ORDER BY pos;
-- rolled-back rows are gone from the sealed files and were never visible
SELECT count(*) FROM ord WHERE note LIKE 'rolled back%' OR note LIKE 'savepoint%';
SELECT sum(row_count) AS stored_rows FROM segstore.segments WHERE table_name = 'ord'::regclass;
SELECT count(*) FROM segstore.manifest
WHERE relfilenode = pg_relation_filenode('ord');
-- nothing left to seal
SELECT * FROM segstore.seal('ord');

--
-- 2. A seal skips segments claimed by a running transaction, including
-- the sealing transaction's own.
--
CREATE TABLE own (ts timestamptz NOT NULL, id int, note text) USING segstore;
INSERT INTO own SELECT '2024-02-01'::timestamptz + g * interval '1 hour', g, 'committed'
  FROM generate_series(0, 71) g;   -- three buckets: segments 1, 2, 3
SELECT segment_id, state, bucket_start, row_count FROM segstore.segments
WHERE table_name = 'own'::regclass ORDER BY segment_id;
BEGIN;
-- this transaction now owns the segment of 2024-02-02 (segment 2)
INSERT INTO own SELECT '2024-02-02'::timestamptz + g * interval '1 minute', 1000 + g, 'own'
  FROM generate_series(1, 10) g;
SELECT segment_id, row_count FROM segstore.seal('own') ORDER BY segment_id;
SELECT segment_id, state, row_count FROM segstore.segments
WHERE table_name = 'own'::regclass ORDER BY segment_id;
-- own rows stay visible, before and after more inserts
SELECT note, count(*) FROM own GROUP BY note ORDER BY note;
INSERT INTO own VALUES ('2024-02-02 12:00:30', 2000, 'own');
-- a row for a bucket sealed in this transaction goes to a new segment
INSERT INTO own VALUES ('2024-02-01 12:00:30', 2001, 'own');
SELECT segment_id, state, bucket_start, row_count FROM segstore.segments
WHERE table_name = 'own'::regclass ORDER BY segment_id;
SELECT note, count(*) FROM own GROUP BY note ORDER BY note;
COMMIT;
SELECT note, count(*) FROM own GROUP BY note ORDER BY note;
-- the later seal takes the segments that were claimed
SELECT segment_id, row_count FROM segstore.seal('own') ORDER BY segment_id;
SELECT segment_id, state, bucket_start, row_count FROM segstore.segments
WHERE table_name = 'own'::regclass ORDER BY segment_id;
SELECT note, count(*), sum(id) FROM own GROUP BY note ORDER BY note;

-- a seal rolled back leaves the active segments in place, readable and
-- writable
CREATE TABLE rb (ts timestamptz NOT NULL, id int) USING segstore;
INSERT INTO rb SELECT '2024-03-01'::timestamptz + g * interval '1 hour', g FROM generate_series(0, 47) g;
BEGIN;
SELECT segment_id, row_count FROM segstore.seal('rb') ORDER BY segment_id;
SELECT segment_id, state, row_count FROM segstore.segments
WHERE table_name = 'rb'::regclass ORDER BY segment_id;
SELECT count(*), sum(id) FROM rb;
ROLLBACK;
-- the sealed files written by the rolled-back seal are gone
SELECT segment_id, state, row_count,
       (pg_stat_file(replace(file, '.act', '.seal'), true)).size IS NULL AS no_seal_file
FROM segstore.segments WHERE table_name = 'rb'::regclass ORDER BY segment_id;
SELECT count(*), sum(id) FROM rb;
INSERT INTO rb VALUES ('2024-03-01 05:30', 100);
SELECT segment_id, state, row_count FROM segstore.segments
WHERE table_name = 'rb'::regclass ORDER BY segment_id;
SELECT segment_id, row_count FROM segstore.seal('rb') ORDER BY segment_id;
SELECT count(*), sum(id) FROM rb;

-- a segment whose rows all rolled back seals to an empty segment
CREATE TABLE allrb (ts timestamptz NOT NULL, id int) USING segstore;
BEGIN;
INSERT INTO allrb SELECT '2024-03-01'::timestamptz + g * interval '1 minute', g FROM generate_series(1, 100) g;
SELECT count(*) FROM allrb;
ROLLBACK;
SELECT segment_id, state, row_count FROM segstore.segments WHERE table_name = 'allrb'::regclass;
SELECT segment_id, row_count FROM segstore.seal('allrb');
SELECT segment_id, state, min_time, max_time, row_count FROM segstore.segments WHERE table_name = 'allrb'::regclass;
SELECT count(*) FROM allrb;
INSERT INTO allrb VALUES ('2024-03-01 10:00', 1);
SELECT * FROM allrb;

--
-- 3. Late data: a row for a bucket whose segment is sealed goes to a new
-- active segment of that bucket; the sealed file is never touched.
--
CREATE TABLE late (ts timestamptz NOT NULL, id int) USING segstore;
INSERT INTO late SELECT '2024-04-01'::timestamptz + g * interval '1 hour', g FROM generate_series(0, 23) g;
SELECT segment_id, row_count FROM segstore.seal('late');
CREATE TEMP TABLE late_file AS
SELECT s.segment_id, s.bytes, f.size, f.modification
FROM segstore.segments s, pg_stat_file(s.file) f
WHERE s.table_name = 'late'::regclass;
SELECT segment_id, bytes = size AS manifest_matches_file FROM late_file;
INSERT INTO late VALUES ('2024-04-01 12:30', 100), ('2024-04-01 13:30', 101);
SELECT segment_id, state, bucket_start, row_count FROM segstore.segments
WHERE table_name = 'late'::regclass ORDER BY segment_id;
SELECT l.segment_id, s.bytes = l.bytes AS same_bytes, f.size = l.size AS same_size,
       f.modification = l.modification AS same_mtime
FROM late_file l JOIN segstore.segments s ON s.table_name = 'late'::regclass AND s.segment_id = l.segment_id,
     pg_stat_file(s.file) f;
SELECT count(*), sum(id) FROM late;
SELECT * FROM late WHERE id >= 11 AND id <= 14 OR id >= 100;
-- the second seal seals the new segment
SELECT segment_id, row_count FROM segstore.seal('late');
SELECT segment_id, state, bucket_start, row_count FROM segstore.segments
WHERE table_name = 'late'::regclass ORDER BY segment_id;
SELECT count(*), sum(id) FROM late;

--
-- 4. older_than: only buckets that ended at least that long ago.
--
CREATE TABLE aged (ts timestamptz NOT NULL, label text) USING segstore;
INSERT INTO aged VALUES ('2000-01-05 10:00', 'y2000'), ('2000-01-05 11:00', 'y2000'),
  (now() - interval '10 days', 'ten days ago'), (now() + interval '2 hours', 'in two hours'),
  (now() + interval '2 days', 'in two days');
SELECT segment_id, state, label
FROM segstore.segments s JOIN (SELECT DISTINCT ON (label) label, ts FROM aged) a
  ON a.ts >= s.bucket_start AND a.ts < s.bucket_end
WHERE s.table_name = 'aged'::regclass ORDER BY segment_id;
-- sealing with older_than '30 days': only the 2000 bucket
SELECT segment_id, row_count FROM segstore.seal('aged', interval '30 days');
SELECT segment_id, row_count FROM segstore.seal('aged', interval '30 days');
-- '1 day' also seals the bucket of ten days ago
SELECT segment_id, row_count FROM segstore.seal('aged', interval '1 day');
SELECT segment_id, state, label
FROM segstore.segments s JOIN (SELECT DISTINCT ON (label) label, ts FROM aged) a
  ON a.ts >= s.bucket_start AND a.ts < s.bucket_end
WHERE s.table_name = 'aged'::regclass ORDER BY segment_id;
-- '0' seals nothing more: those buckets have not ended
SELECT segment_id, row_count FROM segstore.seal('aged', interval '0');
-- without older_than, every active segment is sealed
SELECT segment_id, row_count FROM segstore.seal('aged');
SELECT label, count(*) FROM aged GROUP BY label ORDER BY label;
SELECT count(*) FILTER (WHERE state = 'sealed') AS sealed, count(*) AS segments
FROM segstore.segments WHERE table_name = 'aged'::regclass;
-- full segments are sealed whatever their bucket's age
CREATE TABLE aged_full (ts timestamptz NOT NULL, id int, pad text) USING segstore
  WITH (segstore.max_segment_size = '16kB');
INSERT INTO aged_full SELECT now() + interval '1 day', g, repeat('x', 100) FROM generate_series(1, 400) g;
SELECT segment_id, state, row_count FROM segstore.segments
WHERE table_name = 'aged_full'::regclass ORDER BY segment_id;
SELECT segment_id, row_count FROM segstore.seal('aged_full', interval '1 day') ORDER BY segment_id;
SELECT segment_id, state, row_count FROM segstore.segments
WHERE table_name = 'aged_full'::regclass ORDER BY segment_id;
SELECT count(*), sum(id) FROM aged_full;

--
-- 5. run_maintenance() seals what seal_after says is due, then cleans up.
-- It goes through every segstore table of the database; only this test's
-- tables are shown.
--
CREATE TABLE m_now (ts timestamptz NOT NULL, id int) USING segstore
  WITH (segstore.seal_after = '0');
CREATE TABLE m_now2 (ts timestamptz NOT NULL, id int) USING segstore
  WITH (segstore.seal_after = '0');
CREATE TABLE m_never (ts timestamptz NOT NULL, id int) USING segstore
  WITH (segstore.seal_after = '36500 days');
INSERT INTO m_now SELECT '2024-05-01'::timestamptz + g * interval '1 hour', g FROM generate_series(0, 47) g;
INSERT INTO m_now VALUES (now() + interval '1 day', 1000);
INSERT INTO m_now2 SELECT '2024-05-03'::timestamptz + g * interval '1 hour', g FROM generate_series(0, 23) g;
INSERT INTO m_never SELECT '2024-05-01'::timestamptz + g * interval '1 hour', g FROM generate_series(0, 47) g;
SELECT table_name, seal_after FROM segstore.tables
WHERE table_name IN ('m_now'::regclass, 'm_now2'::regclass, 'm_never'::regclass) ORDER BY table_name::text;
SELECT table_name, segment_id, action, row_count FROM segstore.run_maintenance()
WHERE table_name IN ('m_now'::regclass, 'm_now2'::regclass, 'm_never'::regclass) ORDER BY table_name::text, segment_id;
SELECT table_name, segment_id, state, row_count FROM segstore.segments
WHERE table_name IN ('m_now'::regclass, 'm_now2'::regclass, 'm_never'::regclass) ORDER BY table_name::text, segment_id;
-- the next run removes the active files the seals replaced
SELECT table_name, segment_id, action, row_count FROM segstore.run_maintenance()
WHERE table_name IN ('m_now'::regclass, 'm_now2'::regclass, 'm_never'::regclass) ORDER BY table_name::text, segment_id;
SELECT table_name, segment_id, state,
       (pg_stat_file(replace(file, '.seal', '.act'), true)).size IS NULL AS act_removed
FROM segstore.segments
WHERE table_name IN ('m_now'::regclass, 'm_now2'::regclass) AND state = 'sealed' ORDER BY table_name::text, segment_id;
-- nothing left to do for these tables
SELECT table_name, segment_id, action, row_count FROM segstore.run_maintenance()
WHERE table_name IN ('m_now'::regclass, 'm_now2'::regclass, 'm_never'::regclass) ORDER BY table_name::text, segment_id;
SELECT count(*), sum(id) FROM m_now;
SELECT count(*), sum(id) FROM m_now2;
SELECT count(*), sum(id) FROM m_never;
-- lowering seal_after makes m_never due
SELECT segstore.set_options('m_never', seal_after => '1 day');
SELECT table_name, segment_id, action, row_count FROM segstore.run_maintenance()
WHERE table_name IN ('m_now'::regclass, 'm_now2'::regclass, 'm_never'::regclass) ORDER BY table_name::text, segment_id;
SELECT count(*), sum(id) FROM m_never;

--
-- 6. Seal options: validation, and a small block size round-trips.
--
\set VERBOSITY terse
CREATE TABLE opt (ts timestamptz NOT NULL, id int, payload text) USING segstore
  WITH (segstore.compression_level = 19, segstore.block_size = '4kB', segstore.seal_after = '2 hours');
SELECT compression_level, block_size, seal_after FROM segstore.tables WHERE table_name = 'opt'::regclass;
CREATE TABLE bad (ts timestamptz) USING segstore WITH (segstore.compression_level = 0);
CREATE TABLE bad (ts timestamptz) USING segstore WITH (segstore.compression_level = 20);
CREATE TABLE bad (ts timestamptz) USING segstore WITH (segstore.compression_level = 'high');
CREATE TABLE bad (ts timestamptz) USING segstore WITH (segstore.block_size = '4095');
CREATE TABLE bad (ts timestamptz) USING segstore WITH (segstore.block_size = '32MB');
CREATE TABLE bad (ts timestamptz) USING segstore WITH (segstore.block_size = 'big');
CREATE TABLE bad (ts timestamptz) USING segstore WITH (segstore.seal_after = '-1 hour');
CREATE TABLE bad (ts timestamptz) USING segstore WITH (segstore.seal_after = '1 month');
ALTER TABLE opt SET (segstore.compression_level = -1);
ALTER TABLE opt SET (segstore.block_size = '0');
SELECT segstore.set_options('opt', compression_level => 100);
SELECT segstore.set_options('opt', block_size => '17MB');
SELECT segstore.set_options('opt', block_size => '1 parsec');
-- nothing changed
SELECT compression_level, block_size, seal_after FROM segstore.tables WHERE table_name = 'opt'::regclass;
-- the extremes are accepted
ALTER TABLE opt SET (segstore.compression_level = 1, segstore.block_size = '16MB');
SELECT compression_level, block_size FROM segstore.tables WHERE table_name = 'opt'::regclass;
SELECT segstore.set_options('opt', compression_level => 19, block_size => '4kB');
SELECT compression_level, block_size FROM segstore.tables WHERE table_name = 'opt'::regclass;
ALTER TABLE opt RESET (segstore.compression_level, segstore.block_size);
SELECT compression_level, block_size FROM segstore.tables WHERE table_name = 'opt'::regclass;
ALTER TABLE opt SET (segstore.block_size = '4kB');
\set VERBOSITY default
-- 20000 rows, about 1.5MB: hundreds of 4kB blocks
CREATE TABLE opt_heap (LIKE opt) USING heap;
INSERT INTO opt_heap SELECT '2024-06-01'::timestamptz + g * interval '1 second', g, md5(g::text) || repeat('x', g % 50)
  FROM generate_series(1, 20000) g;
INSERT INTO opt SELECT * FROM opt_heap;
SELECT segment_id, row_count FROM segstore.seal('opt');
SELECT raw_bytes > 300 * 4096 AS many_blocks, bytes < raw_bytes AS compressed
FROM segstore.segments WHERE table_name = 'opt'::regclass;
SELECT count(*), sum(id), sum(length(payload)) FROM opt;
SELECT (SELECT count(*) FROM (SELECT * FROM opt EXCEPT ALL SELECT * FROM opt_heap) x) AS missing_in_heap,
       (SELECT count(*) FROM (SELECT * FROM opt_heap EXCEPT ALL SELECT * FROM opt) x) AS missing_in_opt;
-- TIDs are consecutive across block boundaries
SELECT count(*) FROM (SELECT ctid, lag(ctid) OVER () AS prev FROM opt) x
WHERE prev IS NOT NULL AND
  ((ctid::text::point)[0] * 291 + (ctid::text::point)[1]) - ((prev::text::point)[0] * 291 + (prev::text::point)[1]) <> 1;
-- the same rows at the lowest level and the largest block size
CREATE TABLE opt2 (LIKE opt) USING segstore
  WITH (segstore.compression_level = 1, segstore.block_size = '16MB');
INSERT INTO opt2 SELECT * FROM opt_heap;
SELECT segment_id, row_count FROM segstore.seal('opt2');
SELECT (SELECT count(*) FROM (SELECT * FROM opt2 EXCEPT ALL SELECT * FROM opt_heap) x) AS missing_in_heap,
       (SELECT count(*) FROM (SELECT * FROM opt_heap EXCEPT ALL SELECT * FROM opt2) x) AS missing_in_opt2;

--
-- 7. ALTER TABLE after sealing: sealed rows keep their values.
--
CREATE TABLE alt (ts timestamptz NOT NULL, id int, gone text, keep text) USING segstore;
INSERT INTO alt SELECT '2024-07-01'::timestamptz + g * interval '1 hour', g, 'gone ' || g, 'keep ' || g
  FROM generate_series(1, 30) g;
SELECT segment_id, row_count FROM segstore.seal('alt') ORDER BY segment_id;
ALTER TABLE alt ADD COLUMN plain int;
ALTER TABLE alt ADD COLUMN dflt text DEFAULT 'the default';
ALTER TABLE alt DROP COLUMN gone;
SELECT * FROM alt WHERE id IN (1, 23, 24, 30);
-- new rows next to the sealed ones, then sealed too
INSERT INTO alt VALUES ('2024-07-01 05:30', 101, 'keep 101', 7, 'explicit'),
  ('2024-07-02 05:30', 102, 'keep 102', NULL, NULL);
INSERT INTO alt (ts, id, keep) VALUES ('2024-07-03 05:30', 103, 'keep 103');
SELECT * FROM alt WHERE id IN (1, 30) OR id > 100;
SELECT segment_id, row_count FROM segstore.seal('alt') ORDER BY segment_id;
SELECT * FROM alt WHERE id IN (1, 30) OR id > 100;
SELECT count(*), count(plain), count(dflt), count(*) FILTER (WHERE dflt = 'the default') FROM alt;
-- a second default on a later column, after both seals
ALTER TABLE alt ADD COLUMN later int DEFAULT 42;
SELECT id, plain, dflt, later FROM alt WHERE id IN (1, 30) OR id > 100;
--
-- 8. TRUNCATE and DROP of a table with sealed segments.
--
CREATE TABLE tr (ts timestamptz NOT NULL, id int) USING segstore;
INSERT INTO tr SELECT '2024-08-01'::timestamptz + g * interval '1 hour', g FROM generate_series(1, 50) g;
SELECT segment_id, row_count FROM segstore.seal('tr') ORDER BY segment_id;
CREATE TEMP TABLE tr_node AS SELECT pg_relation_filenode('tr') AS node;
SELECT count(*) AS manifest_rows FROM segstore.manifest, tr_node WHERE relfilenode = node;
BEGIN;
TRUNCATE tr;
SELECT count(*) FROM tr;
SELECT count(*) FROM segstore.segments WHERE table_name = 'tr'::regclass;
ROLLBACK;
-- the rolled-back TRUNCATE left the sealed segments in place
SELECT pg_relation_filenode('tr') = node AS same_node FROM tr_node;
SELECT count(*) AS manifest_rows FROM segstore.manifest, tr_node WHERE relfilenode = node;
SELECT count(*), sum(id) FROM tr;
SELECT segment_id, state, row_count FROM segstore.segments WHERE table_name = 'tr'::regclass ORDER BY segment_id;
-- a TRUNCATE in a subtransaction rolled back, then one committed
BEGIN;
SAVEPOINT a;
TRUNCATE tr;
ROLLBACK TO SAVEPOINT a;
SELECT count(*), sum(id) FROM tr;
COMMIT;
SELECT count(*), sum(id) FROM tr;
TRUNCATE tr;
SELECT count(*) FROM tr;
SELECT count(*) FROM segstore.segments WHERE table_name = 'tr'::regclass;
SELECT count(*) AS old_manifest_rows FROM segstore.manifest, tr_node WHERE relfilenode = node;
-- new rows after the TRUNCATE, sealed again
INSERT INTO tr VALUES ('2024-08-01 10:00', 1000);
SELECT segment_id, row_count FROM segstore.seal('tr');
SELECT * FROM tr;
UPDATE tr_node SET node = pg_relation_filenode('tr');
SELECT count(*) AS manifest_rows FROM segstore.manifest, tr_node WHERE relfilenode = node;
DROP TABLE tr;
SELECT count(*) AS manifest_rows FROM segstore.manifest, tr_node WHERE relfilenode = node;
-- DROP rolled back keeps everything
CREATE TABLE dr (ts timestamptz NOT NULL, id int) USING segstore;
INSERT INTO dr SELECT '2024-08-01'::timestamptz + g * interval '1 hour', g FROM generate_series(1, 50) g;
SELECT segment_id, row_count FROM segstore.seal('dr') ORDER BY segment_id;
BEGIN;
DROP TABLE dr;
ROLLBACK;
SELECT count(*), sum(id) FROM dr;
UPDATE tr_node SET node = pg_relation_filenode('dr');
DROP TABLE dr;
SELECT count(*) AS manifest_rows FROM segstore.manifest, tr_node WHERE relfilenode = node;

--
-- 9. Values of many types round-trip through a seal.
--
SET extra_float_digits = 3;
SET bytea_output = 'hex';
CREATE TYPE seal_pair AS (a int, b text, c float8[]);
CREATE TABLE ty (ts timestamptz NOT NULL, id int, num numeric, f4 float4, f8 float8,
  t text, vc varchar(10), ba bytea, jb jsonb, js json, ia int[], ta text[], na numeric[],
  c seal_pair, d date, iv interval, u uuid, b bool, big text) USING segstore;
CREATE TABLE ty_heap (LIKE ty) USING heap;
INSERT INTO ty_heap VALUES
 ('2024-09-01 00:00', 1, 'NaN', 'NaN', 'NaN', 'zürich ✓ 日本語 🎉', 'ÄÖÜ€', '\x00000100ff00',
  '{"a": [1, 2.50, null], "b": {"ü": "✓"}, "c": ""}', '{ "keep":  "spacing" }',
  '{1,NULL,3}', '{"a b",NULL,"","NULL"}', '{1.5,NULL,NaN}', ROW(1, 'x', '{-0,NaN,Infinity}'),
  '2024-02-29', '1 year 2 mons 3 days 04:05:06.789', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', true, NULL),
 ('2024-09-01 01:00', 2, '-0.000000000000000000000000001', '-0', '-0', '', '', '\x',
  '[]', '[]', '{}', '{}', '{}', ROW(NULL, NULL, NULL), 'infinity', '-178000000 years', NULL, false, ''),
 ('2024-09-01 02:00', 3, 'Infinity', 'Infinity', '-Infinity', E'tab\tnew\nline\\back', 'a''b', '\x00',
  '"string"', 'null', '{{1,2},{3,NULL}}', '{{"x"},{NULL}}', '{-Infinity}', NULL, '-infinity', '0', NULL, NULL, NULL),
 ('2024-09-01 03:00', 4, '123456789012345678901234567890.123456789', 1.17549435e-38, 2.2250738585072014e-308,
  repeat('ab', 5000), NULL, decode(repeat('00ff', 5000), 'hex'), '{"n": 1e100, "m": -0}', NULL,
  NULL, NULL, NULL, ROW(-2147483648, repeat('é', 1000), '{}'), '4713-01-01 BC', '-1 day +1 second', NULL, NULL, NULL),
 ('2024-09-01 04:00', 5, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
  (SELECT string_agg(md5(g::text), '') FROM generate_series(1, 32768) g));
INSERT INTO ty SELECT * FROM ty_heap;
SELECT id, length(big) FROM ty_heap WHERE big IS NOT NULL ORDER BY id;
SELECT segment_id, row_count FROM segstore.seal('ty');
SELECT state, row_count FROM segstore.segments WHERE table_name = 'ty'::regclass;
-- typed comparison (json has no equality) and text comparison (text tells
-- -0 from 0, and keeps json's spacing)
CREATE VIEW ty_cols AS SELECT ts, id, num, f4, f8, t, vc, ba, jb, ia, ta, na, c, d, iv, u, b, big FROM ty;
CREATE VIEW ty_heap_cols AS SELECT ts, id, num, f4, f8, t, vc, ba, jb, ia, ta, na, c, d, iv, u, b, big FROM ty_heap;
SELECT (SELECT count(*) FROM (SELECT * FROM ty_cols EXCEPT ALL SELECT * FROM ty_heap_cols) x) AS only_in_ty,
       (SELECT count(*) FROM (SELECT * FROM ty_heap_cols EXCEPT ALL SELECT * FROM ty_cols) x) AS only_in_heap,
       (SELECT count(*) FROM (SELECT x::text FROM ty x EXCEPT ALL SELECT y::text FROM ty_heap y) z) AS text_only_in_ty,
       (SELECT count(*) FROM (SELECT y::text FROM ty_heap y EXCEPT ALL SELECT x::text FROM ty x) z) AS text_only_in_heap;
SELECT id, num, f4, f8, t, vc, ba, jb, js, ia, ta, na, c, d, iv, u, b FROM ty WHERE id <> 4 ORDER BY id;
SELECT id, md5(t) AS t, md5(ba) AS ba, md5(c::text) AS c, num, f4, f8, jb, d, iv FROM ty WHERE id = 4;
SELECT id, length(big), md5(big) = (SELECT md5(big) FROM ty_heap WHERE id = 5) AS same_big FROM ty WHERE id = 5;
RESET extra_float_digits;
RESET bytea_output;

--
-- 10. Parallel scans read sealed segments (and active ones) like serial ones.
--
CREATE TABLE par (ts timestamptz NOT NULL, id int, v text) USING segstore
  WITH (segstore.segment_interval = '1 hour');
CREATE TABLE par_heap (ts timestamptz NOT NULL, id int, v text) USING heap;
INSERT INTO par_heap SELECT '2024-10-01'::timestamptz + (g % 40) * interval '1 hour' + g * interval '1 millisecond',
  g, repeat(chr(65 + g % 26), g % 100) FROM generate_series(1, 20000) g;
INSERT INTO par SELECT * FROM par_heap;
-- seal the 30 buckets that ended by 2024-10-02 06:00, leave 10 active
SELECT count(*) AS sealed, sum(row_count) AS rows
FROM segstore.seal('par', now() - '2024-10-02 06:00'::timestamptz);
SELECT state, count(*) AS segments, sum(row_count) AS rows FROM segstore.segments
WHERE table_name = 'par'::regclass GROUP BY state ORDER BY state;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
EXPLAIN (COSTS OFF) SELECT count(*), sum(id) FROM par;
SELECT count(*), sum(id), sum(length(v)) FROM par;
EXPLAIN (COSTS OFF) SELECT * FROM par;
SELECT (SELECT count(*) FROM (SELECT * FROM par EXCEPT ALL SELECT * FROM par_heap) x) AS only_in_par,
       (SELECT count(*) FROM (SELECT * FROM par_heap EXCEPT ALL SELECT * FROM par) x) AS only_in_heap;
-- ... and every row once: TIDs are unique
SELECT count(DISTINCT ctid) FROM par;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;

--
-- 11. ALTER TABLE statements that scan the table to validate or rewrite it
-- read sealed segments (and active ones) correctly.  They fetch rows in a
-- per-tuple memory context, and a rewrite reads them into slots of the
-- table's old descriptor (before ADD COLUMN or a type change).
--
\set VERBOSITY terse
CREATE TABLE rw (ts timestamptz NOT NULL, id int, n int, t text) USING segstore;
INSERT INTO rw SELECT '2024-11-01'::timestamptz + g * interval '1 minute', g,
  CASE WHEN g % 3 = 0 THEN NULL ELSE g END, CASE WHEN g % 5 = 0 THEN NULL ELSE 't' || g END
  FROM generate_series(1, 3000) g;
SELECT segment_id, row_count FROM segstore.seal('rw') ORDER BY segment_id;
INSERT INTO rw VALUES ('2024-11-01 01:00:30', 5001, NULL, NULL), ('2024-11-05', 5002, 7, 'active');
SELECT state, count(*), sum(row_count) FROM segstore.segments WHERE table_name = 'rw'::regclass
GROUP BY state ORDER BY state;
ALTER TABLE rw ADD CONSTRAINT rw_id_positive CHECK (id > 0);
ALTER TABLE rw ADD CONSTRAINT rw_id_small CHECK (id < 5000);
ALTER TABLE rw ALTER COLUMN id SET NOT NULL;
ALTER TABLE rw ALTER COLUMN n SET NOT NULL;
SELECT count(*), count(n), sum(n), count(t) FROM rw;
-- a volatile default rewrites the table
CREATE SEQUENCE rw_seq;
ALTER TABLE rw ADD COLUMN seq int DEFAULT nextval('rw_seq');
SELECT count(*), count(n), sum(n), count(t), count(DISTINCT seq), min(seq), max(seq) FROM rw;
SELECT * FROM rw WHERE id IN (1, 2, 3, 5, 2999, 3000, 5001, 5002) ORDER BY id;
SELECT state, count(*), sum(row_count) FROM segstore.segments WHERE table_name = 'rw'::regclass
GROUP BY state ORDER BY state;
SELECT count(*) FROM segstore.seal('rw');
-- so does a type change
ALTER TABLE rw ALTER COLUMN id TYPE bigint;
SELECT count(*), sum(id), count(n), sum(n), count(t), count(DISTINCT seq), min(seq), max(seq) FROM rw;
SELECT * FROM rw WHERE id IN (1, 2, 3, 5, 2999, 3000, 5001, 5002) ORDER BY id;
-- a type change whose USING expression reads the old type
SELECT count(*) FROM segstore.seal('rw');
ALTER TABLE rw ALTER COLUMN t TYPE int USING length(t);
SELECT count(*), count(t), sum(t) FROM rw;
SELECT id, t FROM rw WHERE id IN (1, 5, 10, 2999, 5001, 5002) ORDER BY id;
\set VERBOSITY default

SET client_min_messages = warning;
DROP SCHEMA seal_t CASCADE;
RESET client_min_messages;
