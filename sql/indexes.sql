SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS segstore;
CREATE EXTENSION IF NOT EXISTS pageinspect;
CREATE EXTENSION IF NOT EXISTS pgstattuple;
CREATE EXTENSION IF NOT EXISTS amcheck;
RESET client_min_messages;
SET TimeZone='UTC';
\set VERBOSITY terse
--
-- Indexes on segstore tables, against heap: a segstore table "s" and a
-- heap table "h" receive the same rows and the same modifications.  Every
-- query is run on s through each kind of index scan the index supports
-- (forced with the enable_* settings), and with a plain scan, and must
-- return exactly the rows it returns on h.  Segments are small (16kB,
-- one-day buckets), so the rows span many segments, active and sealed.
--

-- The rows of a query, as text, sorted.  The sort is outside the query
-- and does not change its plan.
CREATE FUNCTION ix_rows(q text) RETURNS text[] LANGUAGE plpgsql AS $$
DECLARE
  result text[];
BEGIN
  EXECUTE format('SELECT coalesce(array_agg(x::text ORDER BY x::text COLLATE "C"), ''{}'') FROM (%s) x', q)
    INTO result;
  RETURN result;
END $$;

-- The plan of a query (COSTS OFF) as one string.
CREATE FUNCTION ix_plan(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  line text;
  result text := '';
BEGIN
  FOR line IN EXECUTE 'EXPLAIN (COSTS OFF) ' || q LOOP
    result := result || line || E'\n';
  END LOOP;
  RETURN result;
END $$;

-- Set the planner's scan methods: 'plain' (segstore scan node or seq
-- scan, no index), 'index' (index and index-only scans), 'indexonly'
-- (the same, but ix_check wants an index-only scan), 'bitmap' (bitmap
-- scans), 'default'.
CREATE FUNCTION ix_mode(mode text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  PERFORM set_config('enable_seqscan', (mode IN ('plain', 'default'))::text, false);
  PERFORM set_config('segstore.enable_segment_scan', (mode IN ('plain', 'default'))::text, false);
  PERFORM set_config('enable_indexscan', (mode IN ('index', 'indexonly', 'default'))::text, false);
  PERFORM set_config('enable_indexonlyscan', (mode IN ('index', 'indexonly', 'default'))::text, false);
  PERFORM set_config('enable_bitmapscan', (mode IN ('bitmap', 'default'))::text, false);
  RETURN mode;
END $$;

-- Run query q ("@T" stands for the table) on segstore table "tbl" with
-- each scan method in "modes", checking that the plan uses index "idx"
-- (or, for 'plain', no index at all), and on heap table "heap_tbl" with
-- the default settings.  Returns "ok, N rows" or what went wrong.  The
-- caller's settings are left as they were.
CREATE FUNCTION ix_check(q text, idx text, modes text[] DEFAULT '{index,bitmap}',
                         tbl text DEFAULT 's', heap_tbl text DEFAULT 'h')
RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  q_seg text := replace(q, '@T', tbl);
  names text[] := '{enable_seqscan,segstore.enable_segment_scan,enable_indexscan,enable_indexonlyscan,enable_bitmapscan}';
  saved text[];
  truth text[];
  r text[];
  plan text;
  m text;
  problems text := '';
BEGIN
  SELECT array_agg(current_setting(n) ORDER BY i) INTO saved FROM unnest(names) WITH ORDINALITY u(n, i);
  PERFORM ix_mode('default');
  truth := ix_rows(replace(q, '@T', heap_tbl));
  FOREACH m IN ARRAY array_prepend('plain', modes) LOOP
    PERFORM ix_mode(m);
    plan := ix_plan(q_seg);
    IF m = 'plain' AND plan ~ 'Index|Bitmap' THEN
      problems := problems || format(' [plain: index used: %s]', plan);
    ELSIF m = 'index' AND plan !~ ('Index (Only )?Scan( Backward)? using ' || idx || ' ') THEN
      problems := problems || format(' [index: %s not used: %s]', idx, plan);
    ELSIF m = 'indexonly' AND plan !~ ('Index Only Scan( Backward)? using ' || idx || ' ') THEN
      problems := problems || format(' [indexonly: %s not used: %s]', idx, plan);
    ELSIF m = 'bitmap' AND plan !~ ('Bitmap Index Scan on ' || idx || '\M') THEN
      problems := problems || format(' [bitmap: %s not used: %s]', idx, plan);
    END IF;
    r := ix_rows(q_seg);
    IF r IS DISTINCT FROM truth THEN
      problems := problems || format(' [%s: %s rows, heap %s rows; segstore only: %s; heap only: %s]',
        m, cardinality(r), cardinality(truth),
        (SELECT array_agg(x) FROM (SELECT unnest(r) EXCEPT ALL SELECT unnest(truth) LIMIT 3) s(x)),
        (SELECT array_agg(x) FROM (SELECT unnest(truth) EXCEPT ALL SELECT unnest(r) LIMIT 3) s(x)));
    END IF;
  END LOOP;
  FOR i IN 1 .. cardinality(names) LOOP
    PERFORM set_config(names[i], saved[i], false);
  END LOOP;
  IF problems <> '' THEN
    RETURN 'FAILED:' || problems;
  END IF;
  RETURN format('ok, %s rows', cardinality(truth));
END $$;

-- index entries (heap TIDs) on the leaf pages of a btree index,
-- posting lists counted by their TIDs, high keys left out
CREATE FUNCTION bt_tids(idx regclass) RETURNS bigint LANGUAGE sql AS $$
  SELECT coalesce(sum(coalesce(cardinality(i.tids), 1)), 0)
  FROM generate_series(1, pg_relation_size(idx) / current_setting('block_size')::int - 1) b,
       LATERAL bt_page_stats(idx::text, b::int) st,
       LATERAL bt_page_items(idx::text, b::int) i
  WHERE st.type = 'l' AND NOT (st.btpo_next <> 0 AND i.itemoffset = 1)
$$;

CREATE TABLE s (ts timestamptz NOT NULL, id int, dev int, v float8, p point, r int4range,
                j jsonb, tags int[], note text)
  USING segstore WITH (segstore.segment_interval = '1 day', segstore.max_segment_size = '16kB');
CREATE TABLE h (LIKE s) USING heap;
CREATE VIEW cmp AS
SELECT (SELECT count(*) FROM s) AS s_count,
       (SELECT count(*) FROM h) AS h_count,
       NOT EXISTS (SELECT ts, id, dev, v, p::text, r, j, tags, note FROM s
                   EXCEPT ALL SELECT ts, id, dev, v, p::text, r, j, tags, note FROM h)
   AND NOT EXISTS (SELECT ts, id, dev, v, p::text, r, j, tags, note FROM h
                   EXCEPT ALL SELECT ts, id, dev, v, p::text, r, j, tags, note FROM s) AS same;
CREATE FUNCTION rows_of(lo int, hi int)
RETURNS TABLE (ts timestamptz, id int, dev int, v float8, p point, r int4range, j jsonb, tags int[], note text)
LANGUAGE sql AS $$
  SELECT '2024-01-01'::timestamptz + i * interval '1 minute', i, i % 50, i / 8.0,
         point(i % 100, i / 100), int4range(i % 1000, i % 1000 + 1 + i % 7),
         jsonb_build_object('k', i % 13, 'g', i % 3), ARRAY[i % 11, i % 17], 'n' || (i % 5)
  FROM generate_series(lo, hi) i
$$;

-- 7000 rows before the indexes are built, 5000 more inserted through them
INSERT INTO s SELECT * FROM rows_of(1, 7000);
INSERT INTO h SELECT * FROM rows_of(1, 7000);
CREATE INDEX s_id ON s (id);
CREATE INDEX s_dev_hash ON s USING hash (dev);
CREATE INDEX s_ts_brin ON s USING brin (ts) WITH (pages_per_range = 256);
CREATE INDEX s_p_gist ON s USING gist (p);
CREATE INDEX s_r_gist ON s USING gist (r);
CREATE INDEX s_j_gin ON s USING gin (j);
CREATE INDEX s_tags_gin ON s USING gin (tags);
INSERT INTO s SELECT * FROM rows_of(7001, 7300);
INSERT INTO h SELECT * FROM rows_of(7001, 7300);
-- BRIN ranges of rows that came after the build are not summarized yet,
-- and match every query
SELECT ix_check('SELECT id, ts FROM @T WHERE ts >= ''2024-01-05 22:00'' AND ts < ''2024-01-05 23:00''', 's_ts_brin', '{bitmap}') AS brin_unsummarized;
INSERT INTO s SELECT * FROM rows_of(7301, 10500);
INSERT INTO h SELECT * FROM rows_of(7301, 10500);
COPY (SELECT * FROM rows_of(10501, 12000)) TO PROGRAM 'cat > indexes_copy.data';
COPY s FROM PROGRAM 'cat indexes_copy.data';
COPY h FROM PROGRAM 'cat indexes_copy.data';
COPY (SELECT 1) TO PROGRAM 'rm -f indexes_copy.data';
SELECT * FROM cmp;
SELECT count(*) > 100 AS many_segments FROM segstore.segments WHERE table_name = 's'::regclass;

-- every index kind, each way it can be scanned
-- (new BRIN ranges are summarized first: an unsummarized range matches
-- every query, and a segstore table's TID space grows by whole chunks)
CREATE FUNCTION ix_all() RETURNS TABLE (query text, result text) LANGUAGE plpgsql AS $$
BEGIN
  PERFORM brin_summarize_new_values('s_ts_brin');
  RETURN QUERY VALUES
  ('btree range', ix_check('SELECT id, v, note FROM @T WHERE id BETWEEN 1000 AND 1300', 's_id')),
  ('btree OR', ix_check('SELECT id FROM @T WHERE id < 50 OR id > 11950', 's_id')),
  ('btree = ANY', ix_check('SELECT id, ts FROM @T WHERE id = ANY (ARRAY[5, 500, 6999, 7000, 7001, 9000, 12000])', 's_id')),
  ('btree all rows', ix_check('SELECT id, dev FROM @T WHERE id > 0', 's_id')),
  ('hash', ix_check('SELECT id, dev FROM @T WHERE dev = 17', 's_dev_hash')),
  ('brin', ix_check('SELECT id, ts FROM @T WHERE ts >= ''2024-01-05'' AND ts < ''2024-01-05 06:00''', 's_ts_brin', '{bitmap}')),
  ('gist point', ix_check('SELECT id, p FROM @T WHERE p <@ box ''((10,10),(20,20))''', 's_p_gist')),
  ('gist range', ix_check('SELECT id, r FROM @T WHERE r && int4range(100, 103)', 's_r_gist')),
  ('gist range contains', ix_check('SELECT id FROM @T WHERE r @> 998', 's_r_gist')),
  ('gin jsonb', ix_check('SELECT id, j FROM @T WHERE j @> ''{"k": 5, "g": 1}''', 's_j_gin', '{bitmap}')),
  ('gin jsonb ?', ix_check('SELECT id FROM @T WHERE j ? ''k'' AND (j->>''k'')::int = 12', 's_j_gin', '{bitmap}')),
  ('gin array', ix_check('SELECT id, tags FROM @T WHERE tags @> ARRAY[3, 7]', 's_tags_gin', '{bitmap}')),
  ('gin array overlap', ix_check('SELECT id FROM @T WHERE tags && ARRAY[10, 16]', 's_tags_gin', '{bitmap}'));
END $$;
SELECT * FROM ix_all();

--
-- 1. Plans (once each)
--
SELECT ix_mode('index');
EXPLAIN (COSTS OFF) SELECT id, v FROM s WHERE id BETWEEN 1000 AND 1010;
EXPLAIN (COSTS OFF) SELECT id FROM s WHERE id BETWEEN 1000 AND 1010;
EXPLAIN (COSTS OFF) SELECT id, dev FROM s WHERE dev = 17;
EXPLAIN (COSTS OFF) SELECT id FROM s WHERE p <@ box '((10,10),(20,20))';
SELECT ix_mode('bitmap');
EXPLAIN (COSTS OFF) SELECT id, v FROM s WHERE id BETWEEN 1000 AND 1010;
EXPLAIN (COSTS OFF) SELECT id FROM s WHERE ts >= '2024-01-05' AND ts < '2024-01-05 06:00';
EXPLAIN (COSTS OFF) SELECT id FROM s WHERE r && int4range(100, 103);
EXPLAIN (COSTS OFF) SELECT id FROM s WHERE j @> '{"k": 5}';
EXPLAIN (COSTS OFF) SELECT id FROM s WHERE tags @> ARRAY[3, 7];
-- two indexes combined
EXPLAIN (COSTS OFF) SELECT id FROM s WHERE id < 3000 AND dev IN (3, 4);
SELECT ix_check('SELECT id, v FROM @T WHERE id < 3000 AND dev IN (3, 4)', 's_id', '{bitmap}') AS bitmap_and;
SELECT ix_check('SELECT id, v FROM @T WHERE id < 100 OR dev = 3', 's_id', '{bitmap}') AS bitmap_or;
SELECT ix_mode('default');

--
-- 2. Ordered index scans, forward and backward, index-only scans
--
SELECT ix_mode('index');
EXPLAIN (COSTS OFF) SELECT id, v FROM s WHERE id > 11990 ORDER BY id DESC;
SELECT id, v FROM s WHERE id > 11990 ORDER BY id DESC;
SELECT id, v FROM h WHERE id > 11990 ORDER BY id DESC;
SELECT id, note FROM s WHERE id BETWEEN 6995 AND 7005 ORDER BY id;
SELECT id, note FROM h WHERE id BETWEEN 6995 AND 7005 ORDER BY id;
SELECT id FROM s ORDER BY id LIMIT 5;
SELECT id FROM s ORDER BY id DESC LIMIT 5;
SELECT min(id), max(id) FROM s;
-- GiST nearest neighbours
EXPLAIN (COSTS OFF) SELECT id, p FROM s ORDER BY p <-> point(50.3, 50.71) LIMIT 5;
SELECT id, p FROM s ORDER BY p <-> point(50.3, 50.71) LIMIT 5;
SELECT id, p FROM h ORDER BY p <-> point(50.3, 50.71) LIMIT 5;
-- index-only scans: segstore keeps no visibility map, so every row is
-- fetched; the results are those of heap
EXPLAIN (COSTS OFF) SELECT id FROM s WHERE id BETWEEN 100 AND 200;
SELECT ix_check('SELECT id FROM @T WHERE id BETWEEN 100 AND 5000', 's_id', '{indexonly}') AS index_only;
EXPLAIN (COSTS OFF) SELECT p FROM s WHERE p <@ box '((1,1),(3,3))';
SELECT ix_check('SELECT p::text FROM @T WHERE p <@ box ''((1,1),(3,3))''', 's_p_gist', '{indexonly}') AS gist_index_only;
SELECT count(*) FROM s WHERE id BETWEEN 100 AND 5000;
SELECT ix_mode('default');

--
-- 3. Sealed segments
--
SELECT count(*) >= 0 FROM segstore.seal('s');
SELECT count(*) FILTER (WHERE state <> 'sealed') AS not_sealed FROM segstore.segments WHERE table_name = 's'::regclass;
SELECT * FROM cmp;
SELECT * FROM ix_all();
-- rows inserted into sealed buckets after the seal
INSERT INTO s SELECT ts, id + 100000, dev, v, p, r, j, tags, 'late' FROM rows_of(1, 12000) WHERE id % 20 = 0;
INSERT INTO h SELECT ts, id + 100000, dev, v, p, r, j, tags, 'late' FROM rows_of(1, 12000) WHERE id % 20 = 0;
SELECT ix_check('SELECT id, note FROM @T WHERE id > 100000 AND id < 101000', 's_id') AS late_rows;
SELECT ix_check('SELECT id, dev FROM @T WHERE dev = 17', 's_dev_hash') AS late_rows_hash;

--
-- 4. After DELETE and UPDATE: deleted rows and old versions are not
-- returned, new versions are (an UPDATE adds index entries for them)
--
DELETE FROM s WHERE id % 3 = 0;
DELETE FROM h WHERE id % 3 = 0;
UPDATE s SET v = -v, note = 'upd' WHERE id % 5 = 0;
UPDATE h SET v = -v, note = 'upd' WHERE id % 5 = 0;
-- indexed columns changed
UPDATE s SET dev = dev + 100, p = point(p[0] + 1000, p[1]), j = j || '{"u": 1}', tags = tags || 99 WHERE id % 7 = 0;
UPDATE h SET dev = dev + 100, p = point(p[0] + 1000, p[1]), j = j || '{"u": 1}', tags = tags || 99 WHERE id % 7 = 0;
-- the time column changed: the rows move to other segments
UPDATE s SET ts = ts + interval '20 days', r = int4range(5000, 5010) WHERE id % 11 = 0;
UPDATE h SET ts = ts + interval '20 days', r = int4range(5000, 5010) WHERE id % 11 = 0;
-- updated twice
UPDATE s SET id = id + 50000 WHERE id % 13 = 0 AND id < 100000;
UPDATE h SET id = id + 50000 WHERE id % 13 = 0 AND id < 100000;
-- modifications planned as index and bitmap scans: an index scan on id
-- meets the entries of the new versions its own UPDATE adds, and must not
-- update them again
SELECT ix_mode('index');
EXPLAIN (COSTS OFF) UPDATE s SET id = id + 1000 WHERE id BETWEEN 8000 AND 9000;
UPDATE s SET id = id + 1000 WHERE id BETWEEN 8000 AND 9000;
UPDATE h SET id = id + 1000 WHERE id BETWEEN 8000 AND 9000;
SELECT ix_mode('bitmap');
EXPLAIN (COSTS OFF) DELETE FROM s WHERE dev = 21;
DELETE FROM s WHERE dev = 21;
DELETE FROM h WHERE dev = 21;
SELECT ix_mode('default');
SELECT * FROM cmp;
SELECT * FROM ix_all();
SELECT ix_check('SELECT id, dev FROM @T WHERE dev = 117', 's_dev_hash') AS hash_new_key;
SELECT ix_check('SELECT id, p FROM @T WHERE p <@ box ''((1000,0),(1100,200))''', 's_p_gist') AS gist_new_key;
SELECT ix_check('SELECT id FROM @T WHERE j @> ''{"u": 1}''', 's_j_gin', '{bitmap}') AS gin_new_key;
SELECT ix_check('SELECT id FROM @T WHERE tags @> ARRAY[99]', 's_tags_gin', '{bitmap}') AS gin_array_new_key;
SELECT ix_check('SELECT id, ts FROM @T WHERE ts >= ''2024-01-21''', 's_ts_brin', '{bitmap}') AS brin_moved;
SELECT ix_check('SELECT id FROM @T WHERE ts < ''2024-01-01 06:00'' OR ts > ''2024-01-09 04:00''', 's_ts_brin', '{bitmap}') AS brin_or;
SELECT ix_check('SELECT id FROM @T WHERE r && int4range(5000, 5001)', 's_r_gist') AS gist_moved;
SELECT ix_check('SELECT id, v FROM @T WHERE id > 50000 AND id < 100000', 's_id') AS btree_new_key;
-- sealed again, with everything modified
SELECT count(*) >= 0 FROM segstore.seal('s');
SELECT * FROM cmp;
SELECT * FROM ix_all();
-- amcheck: every live row is in the btree index, the structure is sound
SELECT bt_index_check('s_id', true);
SELECT bt_index_parent_check('s_id', true);
-- in a transaction (on sealed rows now): own deletions and updates are
-- seen by index scans
BEGIN;
DELETE FROM s WHERE id BETWEEN 2000 AND 2999;
DELETE FROM h WHERE id BETWEEN 2000 AND 2999;
UPDATE s SET id = -id WHERE id BETWEEN 3000 AND 3099;
UPDATE h SET id = -id WHERE id BETWEEN 3000 AND 3099;
SELECT ix_check('SELECT id, v FROM @T WHERE id BETWEEN 1900 AND 3200', 's_id') AS own_changes;
SELECT ix_check('SELECT id FROM @T WHERE id < 0', 's_id') AS own_new_keys;
SELECT ix_check('SELECT id FROM @T WHERE dev = 10', 's_dev_hash') AS own_hash;
SELECT ix_mode('index');
SELECT count(*), sum(id) FROM (SELECT id FROM s WHERE id BETWEEN 1900 AND 3200 FOR UPDATE) x;
SELECT count(*), sum(id) FROM (SELECT id FROM h WHERE id BETWEEN 1900 AND 3200 FOR UPDATE) x;
SELECT ix_mode('default');
ROLLBACK;
SELECT ix_check('SELECT id, v FROM @T WHERE id BETWEEN 1900 AND 3200', 's_id') AS rolled_back;
SELECT ix_check('SELECT id FROM @T WHERE id < 0', 's_id') AS rolled_back_keys;
-- a cursor with an index scan, opened before a DELETE, sees the old rows
BEGIN;
SELECT ix_mode('index');
DECLARE c_s CURSOR FOR SELECT id FROM s WHERE id BETWEEN 4000 AND 4020 ORDER BY id;
DECLARE c_h CURSOR FOR SELECT id FROM h WHERE id BETWEEN 4000 AND 4020 ORDER BY id;
DELETE FROM s WHERE id BETWEEN 4000 AND 4020;
DELETE FROM h WHERE id BETWEEN 4000 AND 4020;
FETCH ALL FROM c_s;
FETCH ALL FROM c_h;
SELECT count(*) FROM s WHERE id BETWEEN 4000 AND 4020;
SELECT ix_mode('default');
ROLLBACK;
SELECT ix_mode('default');

--
-- 5. Lossy bitmap pages
--
-- BRIN always returns whole lossy pages (above); with work_mem at its
-- minimum a btree bitmap over many pages becomes lossy too.  "lb" has its
-- rows in more TID pages than a 64kB bitmap can hold exactly.
CREATE TABLE lb (ts timestamptz NOT NULL, id int, v int)
  USING segstore WITH (segstore.segment_interval = '1 day', segstore.max_segment_size = '32kB');
CREATE TABLE lb_h (ts timestamptz NOT NULL, id int, v int) USING heap;
INSERT INTO lb SELECT '2024-01-01'::timestamptz + i * interval '3 seconds', i, i % 97 FROM generate_series(1, 250000) i;
INSERT INTO lb_h SELECT '2024-01-01'::timestamptz + i * interval '3 seconds', i, i % 97 FROM generate_series(1, 250000) i;
CREATE INDEX lb_id ON lb (id);
DELETE FROM lb WHERE id % 20 = 0;
DELETE FROM lb_h WHERE id % 20 = 0;
CREATE FUNCTION heap_blocks(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  line text;
BEGIN
  FOR line IN EXECUTE 'EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) ' || q LOOP
    IF line ~ 'Heap Blocks' THEN
      RETURN CASE WHEN line ~ 'lossy=' THEN 'lossy' ELSE 'exact' END;
    END IF;
  END LOOP;
  RETURN 'no bitmap';
END $$;
SET work_mem = '64kB';
SELECT ix_mode('bitmap');
SELECT heap_blocks('SELECT count(*) FROM lb WHERE id BETWEEN 1 AND 240000') AS blocks;
SELECT ix_check('SELECT id, v FROM @T WHERE id BETWEEN 1 AND 240000 AND v % 7 = 0', 'lb_id', '{bitmap}', 'lb', 'lb_h') AS lossy;
SELECT count(*) >= 0 FROM segstore.seal('lb');
SELECT heap_blocks('SELECT count(*) FROM lb WHERE id BETWEEN 1 AND 240000') AS blocks;
SELECT ix_check('SELECT id, v FROM @T WHERE id BETWEEN 1 AND 240000 AND v % 7 = 0', 'lb_id', '{bitmap}', 'lb', 'lb_h') AS lossy_sealed;
RESET work_mem;
SELECT heap_blocks('SELECT count(*) FROM lb WHERE id BETWEEN 1 AND 240000') AS blocks;
SELECT ix_mode('default');
DROP TABLE lb, lb_h;

--
-- 6. VACUUM removes the index entries of dead rows
--
-- before VACUUM the btree still holds entries of deleted rows, old
-- versions and rolled-back rows
SELECT bt_tids('s_id') > (SELECT count(*) FROM s) AS has_dead_entries;
VACUUM s;
VACUUM h;
SELECT bt_tids('s_id') AS s_id_entries, (SELECT count(*) FROM s) AS live_rows;
SELECT (pgstathashindex('s_dev_hash')).live_items AS hash_items,
       (pgstattuple('s_p_gist')).tuple_count AS gist_p_items,
       (pgstattuple('s_r_gist')).tuple_count AS gist_r_items;
SELECT c.relname, c.reltuples::bigint AS reltuples
FROM pg_class c WHERE c.relname IN ('s', 'h', 's_id', 's_dev_hash', 's_p_gist', 's_r_gist') ORDER BY 1;
SELECT * FROM ix_all();
SELECT bt_index_parent_check('s_id', true);
-- rows of a rolled-back transaction got index entries; VACUUM removes them
BEGIN;
INSERT INTO s SELECT ts, id + 200000, dev, v, p, r, j, tags, 'aborted' FROM rows_of(1, 3000);
SELECT count(*) FROM s WHERE id > 200000;
ROLLBACK;
SELECT bt_tids('s_id') - (SELECT count(*) FROM s) AS extra_entries;
VACUUM s;
SELECT bt_tids('s_id') - (SELECT count(*) FROM s) AS extra_entries;
-- a deletion that rolled back keeps the entries
BEGIN;
DELETE FROM s WHERE id < 5000;
ROLLBACK;
VACUUM s;
SELECT bt_tids('s_id') - (SELECT count(*) FROM s) AS extra_entries;
SELECT * FROM cmp;
-- rows that are gone from the files: rolled back before a seal (which
-- drops them), and evicted with their segment
CREATE TABLE gone (ts timestamptz NOT NULL, k int) USING segstore;
CREATE INDEX gone_k ON gone (k);
INSERT INTO gone SELECT '2024-01-01'::timestamptz + i * interval '1 minute', i FROM generate_series(1, 300) i;
BEGIN;
INSERT INTO gone SELECT '2024-01-01'::timestamptz + i * interval '1 minute', 1000 + i FROM generate_series(1, 200) i;
ROLLBACK;
INSERT INTO gone SELECT '2024-01-03'::timestamptz + i * interval '1 minute', 2000 + i FROM generate_series(1, 100) i;
SELECT count(*) AS sealed FROM segstore.seal('gone');
SELECT bt_tids('gone_k') AS entries, (SELECT count(*) FROM gone) AS live_rows;
VACUUM gone;
SELECT bt_tids('gone_k') AS entries, (SELECT count(*) FROM gone) AS live_rows;
SELECT count(*) AS evicted FROM segstore.evict_before('gone', '2024-01-02');
SELECT bt_tids('gone_k') AS entries, (SELECT count(*) FROM gone) AS live_rows;
VACUUM gone;
SELECT bt_tids('gone_k') AS entries, (SELECT count(*) FROM gone) AS live_rows;
SELECT bt_index_parent_check('gone_k', true);
SELECT ix_check('SELECT k FROM @T WHERE k > 0', 'gone_k', '{index,bitmap}', 'gone', 'gone') AS gone_scan;
SELECT count(*), min(k), max(k), sum(k) FROM gone;
DROP TABLE gone;

--
-- 7. PRIMARY KEY and UNIQUE
--
CREATE TABLE pk (ts timestamptz NOT NULL, id int PRIMARY KEY, code text UNIQUE, v int)
  USING segstore WITH (segstore.segment_interval = '1 day', segstore.max_segment_size = '16kB');
CREATE TABLE pk_h (ts timestamptz NOT NULL, id int PRIMARY KEY, code text UNIQUE, v int) USING heap;
CREATE VIEW pk_cmp AS
SELECT (SELECT count(*) FROM pk) AS s_count, (SELECT count(*) FROM pk_h) AS h_count,
       NOT EXISTS (SELECT * FROM pk EXCEPT ALL SELECT * FROM pk_h)
   AND NOT EXISTS (SELECT * FROM pk_h EXCEPT ALL SELECT * FROM pk) AS same;
INSERT INTO pk SELECT '2024-01-01'::timestamptz + i * interval '10 minutes', i, 'c' || i, i FROM generate_series(1, 3000) i;
INSERT INTO pk_h SELECT '2024-01-01'::timestamptz + i * interval '10 minutes', i, 'c' || i, i FROM generate_series(1, 3000) i;
SELECT * FROM pk_cmp;
-- duplicates fail: in another bucket, in the same statement, in COPY
INSERT INTO pk VALUES ('2024-06-01', 5, 'new', 0);
INSERT INTO pk_h VALUES ('2024-06-01', 5, 'new', 0);
INSERT INTO pk VALUES ('2024-06-01', 5000, 'c7', 0);
INSERT INTO pk_h VALUES ('2024-06-01', 5000, 'c7', 0);
INSERT INTO pk VALUES ('2024-06-01', 5001, 'x1', 0), ('2024-06-02', 5001, 'x2', 0);
INSERT INTO pk_h VALUES ('2024-06-01', 5001, 'x1', 0), ('2024-06-02', 5001, 'x2', 0);
COPY pk FROM STDIN;
2024-06-01 00:00:00+00	6001	y1	1
2024-06-01 00:00:00+00	6002	y2	2
2024-06-01 00:00:00+00	6001	y3	3
\.
-- the error as a condition name
DO $$
BEGIN
  INSERT INTO pk VALUES ('2024-01-01', 1, 'dup', 0);
EXCEPTION WHEN unique_violation THEN
  RAISE NOTICE 'unique_violation caught';
END $$;
-- UPDATE to an existing key fails; nothing changes
UPDATE pk SET id = 10 WHERE id = 11;
UPDATE pk_h SET id = 10 WHERE id = 11;
UPDATE pk SET code = 'c1' WHERE id = 2;
UPDATE pk_h SET code = 'c1' WHERE id = 2;
SELECT * FROM pk_cmp;
-- updating other columns of a row keeps its key valid (old version dead)
UPDATE pk SET v = v + 1 WHERE id <= 100;
UPDATE pk_h SET v = v + 1 WHERE id <= 100;
UPDATE pk SET v = v + 1 WHERE id <= 100;
UPDATE pk_h SET v = v + 1 WHERE id <= 100;
UPDATE pk SET ts = ts + interval '30 days' WHERE id BETWEEN 50 AND 60;
UPDATE pk_h SET ts = ts + interval '30 days' WHERE id BETWEEN 50 AND 60;
SELECT * FROM pk_cmp;
-- shifting every key by one in one statement: needs a deferrable check
UPDATE pk SET id = id + 1 WHERE id <= 10;
UPDATE pk_h SET id = id + 1 WHERE id <= 10;
-- a duplicate after deleting the old row succeeds
DELETE FROM pk WHERE id = 7;
DELETE FROM pk_h WHERE id = 7;
INSERT INTO pk VALUES ('2024-05-01', 7, 'c7', -7);
INSERT INTO pk_h VALUES ('2024-05-01', 7, 'c7', -7);
-- ... in the same transaction; a deletion rolled back to a savepoint keeps
-- the key taken
BEGIN;
DELETE FROM pk WHERE id = 8;
DELETE FROM pk_h WHERE id = 8;
INSERT INTO pk VALUES ('2024-05-01', 8, 'c8', -8);
INSERT INTO pk_h VALUES ('2024-05-01', 8, 'c8', -8);
SAVEPOINT a;
DELETE FROM pk WHERE id = 9;
ROLLBACK TO SAVEPOINT a;
INSERT INTO pk VALUES ('2024-05-01', 9, 'c9', -9);
ROLLBACK TO SAVEPOINT a;
SAVEPOINT b;
DELETE FROM pk_h WHERE id = 9;
ROLLBACK TO SAVEPOINT b;
INSERT INTO pk_h VALUES ('2024-05-01', 9, 'c9', -9);
ROLLBACK TO SAVEPOINT b;
COMMIT;
SELECT id, code, v FROM pk WHERE id BETWEEN 6 AND 10 ORDER BY id;
SELECT id, code, v FROM pk_h WHERE id BETWEEN 6 AND 10 ORDER BY id;
-- the key of a row inserted by a rolled-back transaction is free
BEGIN;
INSERT INTO pk VALUES ('2024-05-01', 9000, 'c9000', 0);
ROLLBACK;
INSERT INTO pk VALUES ('2024-05-02', 9000, 'c9000', 1);
INSERT INTO pk_h VALUES ('2024-05-02', 9000, 'c9000', 1);
SELECT * FROM pk_cmp;
-- sealed rows are checked too
SELECT count(*) >= 0 FROM segstore.seal('pk');
INSERT INTO pk VALUES ('2024-07-01', 1500, 'n1500', 0);
INSERT INTO pk VALUES ('2024-07-01', 15000, 'c1500', 0);
DELETE FROM pk WHERE id = 1500;
DELETE FROM pk_h WHERE id = 1500;
INSERT INTO pk VALUES ('2024-07-01', 1500, 'c1500', 0);
INSERT INTO pk_h VALUES ('2024-07-01', 1500, 'c1500', 0);
SELECT * FROM pk_cmp;
SELECT ix_check('SELECT id, code FROM @T WHERE id BETWEEN 1400 AND 1600', 'pk_pkey', '{index,bitmap}', 'pk', 'pk_h') AS pk_scan;
SELECT ix_check('SELECT id, code FROM @T WHERE code = ''c1500''', 'pk_code_key', '{index,bitmap}', 'pk', 'pk_h') AS unique_scan;
-- a unique index built over existing rows: a duplicate fails the build,
-- a deleted duplicate does not
CREATE TABLE u (ts timestamptz NOT NULL, k int) USING segstore;
INSERT INTO u SELECT '2024-01-01'::timestamptz + i * interval '1 hour', i FROM generate_series(1, 100) i;
INSERT INTO u VALUES ('2024-02-01', 50);
CREATE UNIQUE INDEX u_k ON u (k);
DELETE FROM u WHERE ts = '2024-02-01';
CREATE UNIQUE INDEX u_k ON u (k);
INSERT INTO u VALUES ('2024-02-01', 50);
-- NULLs are not equal; NULLS NOT DISTINCT makes them so
INSERT INTO u VALUES ('2024-02-01', NULL), ('2024-02-02', NULL);
CREATE UNIQUE INDEX u_k2 ON u (k) NULLS NOT DISTINCT;
DELETE FROM u WHERE k IS NULL AND ts = '2024-02-01';
CREATE UNIQUE INDEX u_k2 ON u (k) NULLS NOT DISTINCT;
INSERT INTO u VALUES ('2024-02-03', NULL);
SELECT count(*), count(k) FROM u;
-- a deferrable unique constraint: checked at the end of the statement
CREATE TABLE du (ts timestamptz NOT NULL, k int UNIQUE DEFERRABLE) USING segstore;
CREATE TABLE du_h (ts timestamptz NOT NULL, k int UNIQUE DEFERRABLE) USING heap;
INSERT INTO du SELECT '2024-01-01'::timestamptz + i * interval '1 hour', i FROM generate_series(1, 50) i;
INSERT INTO du_h SELECT '2024-01-01'::timestamptz + i * interval '1 hour', i FROM generate_series(1, 50) i;
UPDATE du SET k = k + 1;
UPDATE du_h SET k = k + 1;
-- a non-deferrable one fails on the same statement
CREATE TABLE nd (ts timestamptz NOT NULL, k int UNIQUE) USING segstore;
CREATE TABLE nd_h (ts timestamptz NOT NULL, k int UNIQUE) USING heap;
INSERT INTO nd SELECT '2024-01-01'::timestamptz + i * interval '1 hour', i FROM generate_series(1, 50) i;
INSERT INTO nd_h SELECT '2024-01-01'::timestamptz + i * interval '1 hour', i FROM generate_series(1, 50) i;
UPDATE nd SET k = k + 1;
UPDATE nd_h SET k = k + 1;
-- (going down works row by row: each old key is already gone)
UPDATE nd SET k = k - 1;
UPDATE nd_h SET k = k - 1;
SELECT min(k), max(k), count(*) FROM nd;
SELECT min(k), max(k), count(*) FROM nd_h;
SELECT min(k), max(k), count(*) FROM du;
BEGIN;
SET CONSTRAINTS ALL DEFERRED;
UPDATE du SET k = 2 WHERE k = 3;
UPDATE du SET k = 3 WHERE k = 2 AND ts = '2024-01-01 01:00';
COMMIT;
BEGIN;
SET CONSTRAINTS ALL DEFERRED;
UPDATE du_h SET k = 2 WHERE k = 3;
UPDATE du_h SET k = 3 WHERE k = 2 AND ts = '2024-01-01 01:00';
COMMIT;
BEGIN;
SET CONSTRAINTS ALL DEFERRED;
UPDATE du SET k = 2 WHERE k = 3;
COMMIT;
BEGIN;
SET CONSTRAINTS ALL DEFERRED;
UPDATE du_h SET k = 2 WHERE k = 3;
COMMIT;
SELECT min(k), max(k), count(*) FROM du;
SELECT NOT EXISTS (SELECT * FROM du EXCEPT ALL SELECT * FROM du_h)
   AND NOT EXISTS (SELECT * FROM du_h EXCEPT ALL SELECT * FROM du) AS same;

--
-- 8. INSERT ... ON CONFLICT
--
CREATE TABLE oc (ts timestamptz NOT NULL, k int PRIMARY KEY, v int, note text)
  USING segstore WITH (segstore.segment_interval = '1 day', segstore.max_segment_size = '16kB');
CREATE TABLE oc_h (ts timestamptz NOT NULL, k int PRIMARY KEY, v int, note text) USING heap;
CREATE VIEW oc_cmp AS
SELECT (SELECT count(*) FROM oc) AS s_count, (SELECT count(*) FROM oc_h) AS h_count,
       NOT EXISTS (SELECT * FROM oc EXCEPT ALL SELECT * FROM oc_h)
   AND NOT EXISTS (SELECT * FROM oc_h EXCEPT ALL SELECT * FROM oc) AS same;
INSERT INTO oc SELECT '2024-01-01'::timestamptz + i * interval '15 minutes', i, i, 'orig' FROM generate_series(1, 1000) i;
INSERT INTO oc_h SELECT '2024-01-01'::timestamptz + i * interval '15 minutes', i, i, 'orig' FROM generate_series(1, 1000) i;
-- DO NOTHING
INSERT INTO oc VALUES ('2024-03-01', 5, 0, 'x'), ('2024-03-01', 5000, 0, 'new') ON CONFLICT DO NOTHING RETURNING k, v, note;
INSERT INTO oc_h VALUES ('2024-03-01', 5, 0, 'x'), ('2024-03-01', 5000, 0, 'new') ON CONFLICT DO NOTHING RETURNING k, v, note;
INSERT INTO oc SELECT '2024-03-02', i, 0, 'nothing' FROM generate_series(990, 1010) i ON CONFLICT (k) DO NOTHING;
INSERT INTO oc_h SELECT '2024-03-02', i, 0, 'nothing' FROM generate_series(990, 1010) i ON CONFLICT (k) DO NOTHING;
-- the same new key twice in one statement: the second is skipped
INSERT INTO oc VALUES ('2024-03-03', 6000, 1, 'first'), ('2024-03-03', 6000, 2, 'second') ON CONFLICT DO NOTHING;
INSERT INTO oc_h VALUES ('2024-03-03', 6000, 1, 'first'), ('2024-03-03', 6000, 2, 'second') ON CONFLICT DO NOTHING;
SELECT * FROM oc_cmp;
-- DO UPDATE with EXCLUDED and RETURNING
INSERT INTO oc VALUES ('2024-03-04', 10, 100, 'upsert'), ('2024-03-04', 7000, 100, 'upsert')
  ON CONFLICT (k) DO UPDATE SET v = oc.v + EXCLUDED.v, note = EXCLUDED.note || '_upd'
  RETURNING k, v, note, ts;
INSERT INTO oc_h VALUES ('2024-03-04', 10, 100, 'upsert'), ('2024-03-04', 7000, 100, 'upsert')
  ON CONFLICT (k) DO UPDATE SET v = oc_h.v + EXCLUDED.v, note = EXCLUDED.note || '_upd'
  RETURNING k, v, note, ts;
-- the conflicting row updated again, and its time (bucket) changed
INSERT INTO oc VALUES ('2024-03-05', 10, 1, 'again') ON CONFLICT (k) DO UPDATE SET v = oc.v + 1, ts = EXCLUDED.ts RETURNING k, v, ts;
INSERT INTO oc_h VALUES ('2024-03-05', 10, 1, 'again') ON CONFLICT (k) DO UPDATE SET v = oc_h.v + 1, ts = EXCLUDED.ts RETURNING k, v, ts;
-- DO UPDATE ... WHERE: a row that does not qualify is left alone
INSERT INTO oc VALUES ('2024-03-06', 11, 1, 'cond'), ('2024-03-06', 12, 1, 'cond')
  ON CONFLICT (k) DO UPDATE SET note = 'cond_upd' WHERE oc.k % 2 = 0 RETURNING k, note;
INSERT INTO oc_h VALUES ('2024-03-06', 11, 1, 'cond'), ('2024-03-06', 12, 1, 'cond')
  ON CONFLICT (k) DO UPDATE SET note = 'cond_upd' WHERE oc_h.k % 2 = 0 RETURNING k, note;
-- many rows at once, half of them conflicting
WITH u AS (
  INSERT INTO oc SELECT '2024-03-07'::timestamptz + i * interval '1 minute', i * 2, i, 'bulk' FROM generate_series(400, 700) i
  ON CONFLICT (k) DO UPDATE SET v = EXCLUDED.v * 10, note = 'bulk_upd' RETURNING note)
SELECT note, count(*) FROM u GROUP BY note ORDER BY note;
WITH u AS (
  INSERT INTO oc_h SELECT '2024-03-07'::timestamptz + i * interval '1 minute', i * 2, i, 'bulk' FROM generate_series(400, 700) i
  ON CONFLICT (k) DO UPDATE SET v = EXCLUDED.v * 10, note = 'bulk_upd' RETURNING note)
SELECT note, count(*) FROM u GROUP BY note ORDER BY note;
SELECT * FROM oc_cmp;
-- on sealed rows
SELECT count(*) >= 0 FROM segstore.seal('oc');
INSERT INTO oc VALUES ('2024-03-08', 20, 0, 'sealed') ON CONFLICT (k) DO UPDATE SET v = -oc.v, note = 'sealed_upd' RETURNING k, v, note;
INSERT INTO oc_h VALUES ('2024-03-08', 20, 0, 'sealed') ON CONFLICT (k) DO UPDATE SET v = -oc_h.v, note = 'sealed_upd' RETURNING k, v, note;
INSERT INTO oc SELECT '2024-03-08', i, 0, 'sealed2' FROM generate_series(1, 60) i ON CONFLICT DO NOTHING;
INSERT INTO oc_h SELECT '2024-03-08', i, 0, 'sealed2' FROM generate_series(1, 60) i ON CONFLICT DO NOTHING;
SELECT * FROM oc_cmp;
-- after the conflicting row was deleted, the row is inserted
DELETE FROM oc WHERE k = 30;
DELETE FROM oc_h WHERE k = 30;
INSERT INTO oc VALUES ('2024-03-09', 30, 30, 'reinserted') ON CONFLICT (k) DO UPDATE SET note = 'wrong' RETURNING k, v, note;
INSERT INTO oc_h VALUES ('2024-03-09', 30, 30, 'reinserted') ON CONFLICT (k) DO UPDATE SET note = 'wrong' RETURNING k, v, note;
-- in a transaction that updated and deleted the rows first
BEGIN;
UPDATE oc SET v = 0 WHERE k = 31;
UPDATE oc_h SET v = 0 WHERE k = 31;
DELETE FROM oc WHERE k = 32;
DELETE FROM oc_h WHERE k = 32;
INSERT INTO oc VALUES ('2024-03-10', 31, 1, 'x'), ('2024-03-10', 32, 1, 'x')
  ON CONFLICT (k) DO UPDATE SET v = oc.v + 100, note = 'x_upd' RETURNING k, v, note;
INSERT INTO oc_h VALUES ('2024-03-10', 31, 1, 'x'), ('2024-03-10', 32, 1, 'x')
  ON CONFLICT (k) DO UPDATE SET v = oc_h.v + 100, note = 'x_upd' RETURNING k, v, note;
COMMIT;
-- rolled back
BEGIN;
INSERT INTO oc SELECT '2024-03-11', i, 0, 'rb' FROM generate_series(1, 2000) i ON CONFLICT (k) DO UPDATE SET note = 'rb';
ROLLBACK;
SELECT * FROM oc_cmp;
-- ON CONFLICT ON CONSTRAINT, and an arbiter on a unique index
INSERT INTO oc VALUES ('2024-03-12', 40, 0, 'c') ON CONFLICT ON CONSTRAINT oc_pkey DO UPDATE SET note = 'on_constraint';
INSERT INTO oc_h VALUES ('2024-03-12', 40, 0, 'c') ON CONFLICT ON CONSTRAINT oc_h_pkey DO UPDATE SET note = 'on_constraint';
-- a partial unique index as the arbiter
CREATE UNIQUE INDEX oc_orig_v ON oc (v) WHERE note = 'orig';
CREATE UNIQUE INDEX oc_h_orig_v ON oc_h (v) WHERE note = 'orig';
INSERT INTO oc VALUES ('2024-03-12', 99999, 42, 'orig') ON CONFLICT (v) WHERE note = 'orig' DO UPDATE SET note = 'by_v' RETURNING k, v, note;
INSERT INTO oc_h VALUES ('2024-03-12', 99999, 42, 'orig') ON CONFLICT (v) WHERE note = 'orig' DO UPDATE SET note = 'by_v' RETURNING k, v, note;
INSERT INTO oc VALUES ('2024-03-12', 99999, 42, 'orig') ON CONFLICT (v) WHERE note = 'orig' DO UPDATE SET note = 'by_v' RETURNING k, v, note;
INSERT INTO oc_h VALUES ('2024-03-12', 99999, 42, 'orig') ON CONFLICT (v) WHERE note = 'orig' DO UPDATE SET note = 'by_v' RETURNING k, v, note;
-- a conflict on another unique index than the arbiter is an error
INSERT INTO oc VALUES ('2024-03-12', 99998, 43, 'orig') ON CONFLICT (k) DO NOTHING;
INSERT INTO oc_h VALUES ('2024-03-12', 99998, 43, 'orig') ON CONFLICT (k) DO NOTHING;
-- one key twice in one command: DO UPDATE cannot affect a row a second
-- time (the row this command inserted is invisible to it), DO NOTHING
-- keeps the first
INSERT INTO oc VALUES ('2024-03-13', 200001, 1, 'twice'), ('2024-03-13', 200001, 2, 'twice')
  ON CONFLICT (k) DO UPDATE SET v = EXCLUDED.v;
INSERT INTO oc_h VALUES ('2024-03-13', 200001, 1, 'twice'), ('2024-03-13', 200001, 2, 'twice')
  ON CONFLICT (k) DO UPDATE SET v = EXCLUDED.v;
INSERT INTO oc VALUES ('2024-03-13', 40, 1, 'twice'), ('2024-03-13', 40, 2, 'twice')
  ON CONFLICT (k) DO UPDATE SET v = EXCLUDED.v;
INSERT INTO oc_h VALUES ('2024-03-13', 40, 1, 'twice'), ('2024-03-13', 40, 2, 'twice')
  ON CONFLICT (k) DO UPDATE SET v = EXCLUDED.v;
INSERT INTO oc VALUES ('2024-03-13', 200002, 1, 'twice'), ('2024-03-13', 200002, 2, 'twice')
  ON CONFLICT (k) DO NOTHING RETURNING k, v;
INSERT INTO oc_h VALUES ('2024-03-13', 200002, 1, 'twice'), ('2024-03-13', 200002, 2, 'twice')
  ON CONFLICT (k) DO NOTHING RETURNING k, v;
SELECT * FROM oc_cmp;
SELECT ix_check('SELECT k, v, note FROM @T WHERE k BETWEEN 1 AND 100', 'oc_pkey', '{index,bitmap}', 'oc', 'oc_h') AS oc_scan;

--
-- 9. Foreign keys
--
-- segstore referencing heap
CREATE TABLE dev_h (dev int PRIMARY KEY, name text) USING heap;
INSERT INTO dev_h SELECT i, 'dev' || i FROM generate_series(1, 20) i;
CREATE TABLE reading (ts timestamptz NOT NULL, dev int REFERENCES dev_h ON DELETE CASCADE, v int)
  USING segstore WITH (segstore.segment_interval = '1 day', segstore.max_segment_size = '16kB');
INSERT INTO reading SELECT '2024-01-01'::timestamptz + i * interval '5 minutes', i % 20 + 1, i FROM generate_series(1, 2000) i;
INSERT INTO reading VALUES ('2024-01-01', 21, 0);
DELETE FROM dev_h WHERE dev IN (3, 4);
SELECT count(*), count(DISTINCT dev) FROM reading;
SELECT count(*) >= 0 FROM segstore.seal('reading');
DELETE FROM dev_h WHERE dev = 5;
SELECT count(*), count(DISTINCT dev) FROM reading;
-- referencing rows can be updated (the check reads the old row's xmin):
-- other columns, the key, and rows this transaction inserted
UPDATE reading SET v = v + 1 WHERE dev = 6;
UPDATE reading SET dev = 7 WHERE dev = 6 AND v < 100;
UPDATE reading SET dev = 99 WHERE dev = 7;
BEGIN;
INSERT INTO reading VALUES ('2024-01-02', 8, -1);
UPDATE reading SET v = -2 WHERE v = -1;
UPDATE reading SET dev = 98 WHERE v = -2;
ROLLBACK;
SELECT dev, count(*), sum(v) FROM reading WHERE dev IN (6, 7, 8) GROUP BY dev ORDER BY dev;
-- heap referencing segstore
CREATE TABLE sensor (ts timestamptz NOT NULL, id int PRIMARY KEY, name text)
  USING segstore WITH (segstore.segment_interval = '1 day', segstore.max_segment_size = '16kB');
INSERT INTO sensor SELECT '2024-01-01'::timestamptz + i * interval '1 hour', i, 's' || i FROM generate_series(1, 500) i;
CREATE TABLE sensor_cfg (id int REFERENCES sensor ON DELETE CASCADE ON UPDATE CASCADE, cfg text) USING heap;
CREATE TABLE sensor_ref (id int REFERENCES sensor, note text) USING heap;
INSERT INTO sensor_cfg SELECT i, 'cfg' || i FROM generate_series(1, 500, 3) i;
INSERT INTO sensor_ref VALUES (100, 'keep');
INSERT INTO sensor_cfg VALUES (501, 'missing');
-- a row referenced without a cascade cannot go, nor change its key
DELETE FROM sensor WHERE id = 100;
UPDATE sensor SET id = 10000 WHERE id = 100;
-- other columns can change
UPDATE sensor SET name = 'renamed', ts = ts + interval '1 day' WHERE id = 100;
-- a key change cascades into the heap table
UPDATE sensor SET id = id + 1000 WHERE id BETWEEN 101 AND 110;
SELECT count(*) AS moved_cfg FROM sensor_cfg WHERE id BETWEEN 1101 AND 1110;
SELECT count(*) AS moved_sensors FROM sensor WHERE id BETWEEN 1101 AND 1110;
-- cascade
DELETE FROM sensor WHERE id BETWEEN 1 AND 30;
SELECT count(*) FROM sensor_cfg;
SELECT count(*) >= 0 FROM segstore.seal('sensor');
DELETE FROM sensor WHERE id BETWEEN 31 AND 60;
SELECT count(*) FROM sensor_cfg;
-- a referencing row for a deleted parent fails, for a re-inserted one works
INSERT INTO sensor_cfg VALUES (10, 'gone');
INSERT INTO sensor VALUES ('2024-02-01', 10, 's10 again');
INSERT INTO sensor_cfg VALUES (10, 'back');
-- a parent deleted in the same transaction as the check
BEGIN;
DELETE FROM sensor WHERE id = 200;
INSERT INTO sensor_ref VALUES (200, 'x');
ROLLBACK;
BEGIN;
INSERT INTO sensor VALUES ('2024-02-02', 600, 'new');
INSERT INTO sensor_ref VALUES (600, 'same transaction');
COMMIT;
SELECT count(*) FROM sensor_ref;
-- segstore referencing segstore
CREATE TABLE event (ts timestamptz NOT NULL, sensor_id int REFERENCES sensor ON DELETE CASCADE, v int)
  USING segstore WITH (segstore.segment_interval = '1 day', segstore.max_segment_size = '16kB');
INSERT INTO event SELECT '2024-01-01'::timestamptz + i * interval '1 minute', 61 + i % 400, i FROM generate_series(1, 4000) i;
INSERT INTO event VALUES ('2024-01-01', 5, 0);
SELECT count(*), count(DISTINCT sensor_id) FROM event;
DELETE FROM sensor WHERE id BETWEEN 61 AND 70;
SELECT count(*), count(DISTINCT sensor_id) FROM event;
SELECT count(*) >= 0 FROM segstore.seal('event');
DELETE FROM sensor WHERE id BETWEEN 71 AND 80;
SELECT count(*), count(DISTINCT sensor_id) FROM event;
-- NO ACTION: deleting a referenced parent fails even with sealed children
ALTER TABLE event DROP CONSTRAINT event_sensor_id_fkey;
ALTER TABLE event ADD CONSTRAINT event_sensor_id_fkey FOREIGN KEY (sensor_id) REFERENCES sensor;
DELETE FROM sensor WHERE id = 90;
-- adding a constraint checks the existing rows
DELETE FROM event WHERE sensor_id = 91;
ALTER TABLE event DROP CONSTRAINT event_sensor_id_fkey;
DELETE FROM sensor WHERE id = 92;
ALTER TABLE event ADD CONSTRAINT event_sensor_id_fkey FOREIGN KEY (sensor_id) REFERENCES sensor;
DELETE FROM event WHERE sensor_id = 92;
ALTER TABLE event ADD CONSTRAINT event_sensor_id_fkey FOREIGN KEY (sensor_id) REFERENCES sensor;
DELETE FROM sensor WHERE id = 91;
SELECT count(*), count(DISTINCT sensor_id) FROM event;
-- ON UPDATE CASCADE into a segstore table
CREATE TABLE event_u (ts timestamptz NOT NULL, sensor_id int REFERENCES sensor ON UPDATE CASCADE, v int)
  USING segstore;
INSERT INTO event_u SELECT '2024-01-01'::timestamptz + i * interval '1 hour', 200 + i % 5, i FROM generate_series(1, 50) i;
SELECT count(*) >= 0 FROM segstore.seal('event_u');
UPDATE sensor SET id = id + 5000 WHERE id BETWEEN 200 AND 202;
SELECT sensor_id, count(*), sum(v) FROM event_u GROUP BY sensor_id ORDER BY sensor_id;

--
-- 10. CREATE INDEX CONCURRENTLY, REINDEX
--
CREATE INDEX CONCURRENTLY s_v ON s (v);
CREATE INDEX CONCURRENTLY s_note_id ON s (note, id);
SELECT indisvalid FROM pg_index WHERE indexrelid IN ('s_v'::regclass, 's_note_id'::regclass);
SELECT ix_check('SELECT id, v FROM @T WHERE v BETWEEN -100 AND 100', 's_v') AS cic_v;
SELECT ix_check('SELECT id, note FROM @T WHERE note = ''upd'' AND id < 3000', 's_note_id') AS cic_note;
SELECT bt_index_check('s_v', true);
DROP INDEX s_note_id;
CREATE UNIQUE INDEX CONCURRENTLY pk_v ON pk (id, v);
SELECT ix_check('SELECT id, v FROM @T WHERE id BETWEEN 1 AND 200', 'pk_v', '{index,bitmap}', 'pk', 'pk_h') AS cic_unique;
-- a unique index built concurrently over duplicates is left invalid
CREATE UNIQUE INDEX CONCURRENTLY s_dev_u ON s (dev);
SELECT indisvalid FROM pg_index WHERE indexrelid = 's_dev_u'::regclass;
DROP INDEX s_dev_u;
-- REINDEX
DELETE FROM s WHERE id % 17 = 0;
DELETE FROM h WHERE id % 17 = 0;
UPDATE s SET v = v + 1 WHERE id % 19 = 0;
UPDATE h SET v = v + 1 WHERE id % 19 = 0;
REINDEX INDEX s_id;
REINDEX TABLE s;
SELECT ix_check('SELECT id, v, note FROM @T WHERE id BETWEEN 1000 AND 1300', 's_id') AS reindexed;
SELECT bt_tids('s_id') AS s_id_entries, (SELECT count(*) FROM s) AS live_rows;
REINDEX INDEX CONCURRENTLY s_id;
REINDEX TABLE CONCURRENTLY s;
SELECT bt_tids('s_id') AS s_id_entries, (SELECT count(*) FROM s) AS live_rows;
SELECT * FROM ix_all();
SELECT ix_check('SELECT id, v FROM @T WHERE v BETWEEN -100 AND 100', 's_v') AS reindexed_v;
SELECT bt_index_parent_check('s_id', true);
SELECT count(*) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
WHERE i.indrelid = 's'::regclass AND NOT i.indisvalid;

--
-- 11. Partial and expression indexes
--
CREATE INDEX s_partial ON s (id) WHERE note = 'upd';
CREATE INDEX s_expr ON s ((lower(note) || '-' || (id % 100)));
CREATE INDEX s_expr_ts ON s (date_trunc('day', ts AT TIME ZONE 'UTC'));
SELECT ix_check('SELECT id, v FROM @T WHERE note = ''upd'' AND id BETWEEN 1000 AND 9000', 's_partial') AS partial;
SELECT ix_check('SELECT id FROM @T WHERE lower(note) || ''-'' || (id % 100) = ''n2-17''', 's_expr') AS expr;
SELECT ix_check('SELECT id FROM @T WHERE date_trunc(''day'', ts AT TIME ZONE ''UTC'') = ''2024-01-07''', 's_expr_ts') AS expr_ts;
-- rows entering and leaving the partial index by UPDATE
UPDATE s SET note = 'upd' WHERE id BETWEEN 1000 AND 1100;
UPDATE h SET note = 'upd' WHERE id BETWEEN 1000 AND 1100;
UPDATE s SET note = 'not_upd' WHERE id BETWEEN 5000 AND 5100 AND note = 'upd';
UPDATE h SET note = 'not_upd' WHERE id BETWEEN 5000 AND 5100 AND note = 'upd';
INSERT INTO s SELECT ts, id + 300000, dev, v, p, r, j, tags, 'upd' FROM rows_of(1, 500);
INSERT INTO h SELECT ts, id + 300000, dev, v, p, r, j, tags, 'upd' FROM rows_of(1, 500);
SELECT ix_check('SELECT id, v FROM @T WHERE note = ''upd'' AND id > 0', 's_partial') AS partial_after;
SELECT ix_check('SELECT id FROM @T WHERE lower(note) || ''-'' || (id % 100) = ''upd-17''', 's_expr') AS expr_after;
SELECT ix_check('SELECT id FROM @T WHERE date_trunc(''day'', ts AT TIME ZONE ''UTC'') = ''2024-01-07''', 's_expr_ts') AS expr_ts_after;
VACUUM s;
VACUUM h;
-- the partial index holds exactly the qualifying live rows
SELECT bt_tids('s_partial') AS partial_entries, (SELECT count(*) FROM s WHERE note = 'upd') AS qualifying;
SELECT bt_tids('s_expr') AS expr_entries, (SELECT count(*) FROM s) AS live_rows;
SELECT count(*) >= 0 FROM segstore.seal('s');
SELECT ix_check('SELECT id, v FROM @T WHERE note = ''upd'' AND id > 0', 's_partial') AS partial_sealed;
SELECT * FROM cmp;

DROP VIEW cmp, pk_cmp, oc_cmp;
DROP TABLE event, event_u, sensor_ref, sensor_cfg, sensor, reading, dev_h, oc, oc_h, du, du_h, nd, nd_h, u, pk, pk_h, s, h;
DROP FUNCTION ix_all(), ix_check(text, text, text[], text, text), ix_mode(text), ix_plan(text),
  ix_rows(text), bt_tids(regclass), rows_of(int, int), heap_blocks(text);
DROP EXTENSION amcheck, pgstattuple, pageinspect;
