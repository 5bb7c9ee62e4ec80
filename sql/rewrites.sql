SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS segstore;
CREATE EXTENSION IF NOT EXISTS amcheck;
RESET client_min_messages;
SET TimeZone = 'UTC';
\set VERBOSITY terse
--
-- Table rewrites of segstore tables: ALTER TABLE ... ALTER COLUMN TYPE
-- (the time column's too), ADD COLUMN with a volatile default, VACUUM
-- FULL, CLUSTER, ALTER TABLE ... SET ACCESS METHOD heap and back, a heap
-- table converted to segstore, rewrites in the transaction that changed
-- the rows or created the table, and rewrites that roll back.  A segstore
-- table "s" with non-default options and a heap table "h" receive the same
-- rows and statements.  After every rewrite s must hold exactly the rows
-- of h (deleted, updated and evicted rows must not come back), have a new
-- relfilenode and nothing left of the old one, keep its options and its
-- indexes, store its rows in the buckets of their time, and go on taking
-- INSERT, UPDATE, DELETE and seal.
--
CREATE SCHEMA rewrite_t;
SET search_path = rewrite_t, public;

-- ids of the rows deleted so far: none of them may come back
CREATE TABLE deleted_ids (id bigint PRIMARY KEY) USING heap;

-- rows: ids lo..hi, one every "step" from t0; NULLs in every non-time column
CREATE FUNCTION gen(lo int, hi int, t0 timestamptz, step interval)
RETURNS TABLE (id int, created date, ts timestamptz, dev int, v float8, note text)
LANGUAGE sql AS $$
  SELECT g, CASE WHEN g % 4 = 0 THEN NULL ELSE date '2023-12-01' + g % 30 END,
         t0 + (g - lo) * step,
         CASE WHEN g % 7 = 0 THEN NULL ELSE g % 10 END,
         CASE WHEN g % 5 = 0 THEN NULL ELSE g * 1.25 END,
         CASE WHEN g % 6 = 0 THEN NULL ELSE 'n' || (g % 13) END
  FROM generate_series(lo, hi) g
$$;

-- run a statement on s and then on h ("@T" stands for the table): the
-- number of rows it processed in each
CREATE FUNCTION dml(q text, OUT s_rows bigint, OUT h_rows bigint) LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE replace(q, '@T', 's');
  GET DIAGNOSTICS s_rows = ROW_COUNT;
  EXECUTE replace(q, '@T', 'h');
  GET DIAGNOSTICS h_rows = ROW_COUNT;
END $$;

-- delete the rows matching "cond" from s and from h, remembering their ids
CREATE FUNCTION del(cond text, OUT s_rows bigint, OUT h_rows bigint) LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('WITH d AS (DELETE FROM s WHERE %s RETURNING id) INSERT INTO deleted_ids SELECT id FROM d', cond);
  GET DIAGNOSTICS s_rows = ROW_COUNT;
  EXECUTE format('DELETE FROM h WHERE %s', cond);
  GET DIAGNOSTICS h_rows = ROW_COUNT;
END $$;

-- Table t against table ref, on the columns "cols": row counts, rows of
-- each that the other lacks (EXCEPT ALL both ways), ids that occur more
-- than once in t, and (against h) rows of t whose id was deleted from s
-- and h.  (The functions run their queries with EXECUTE: views would keep
-- the column types from changing.)
CREATE FUNCTION cmp(t text DEFAULT 's', ref text DEFAULT 'h', cols text DEFAULT '*',
  OUT t_rows bigint, OUT ref_rows bigint, OUT t_only bigint, OUT ref_only bigint,
  OUT dup_ids bigint, OUT deleted_back bigint) LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('SELECT count(*) FROM %s', t) INTO t_rows;
  EXECUTE format('SELECT count(*) FROM %s', ref) INTO ref_rows;
  EXECUTE format('SELECT count(*) FROM (SELECT %3$s FROM %1$s EXCEPT ALL SELECT %3$s FROM %2$s) x', t, ref, cols)
    INTO t_only;
  EXECUTE format('SELECT count(*) FROM (SELECT %3$s FROM %2$s EXCEPT ALL SELECT %3$s FROM %1$s) x', t, ref, cols)
    INTO ref_only;
  EXECUTE format('SELECT count(*) - count(DISTINCT id) FROM %s', t) INTO dup_ids;
  IF ref = 'h' THEN
    EXECUTE format('SELECT count(*) FROM %s WHERE id IN (SELECT id FROM deleted_ids)', t) INTO deleted_back;
  END IF;
END $$;

-- Per bucket (of width "width" on column "col"): the segments of t, how
-- many are sealed, the rows they store (dead ones included), the rows of
-- t that a query for the bucket's time range finds ("in_range": the scan
-- skips the segments of other buckets, so a row stored in the wrong bucket
-- is not found), and the rows of ref in that range.
CREATE FUNCTION buckets(t text DEFAULT 's', ref text DEFAULT 'h',
                        col text DEFAULT 'ts', width interval DEFAULT '6 hours')
RETURNS TABLE (bucket timestamptz, segments bigint, sealed bigint, stored bigint,
               in_range bigint, ref_rows bigint)
LANGUAGE plpgsql AS $$
DECLARE
  b timestamptz;
  cond text;
BEGIN
  FOR b IN EXECUTE format(
      'SELECT bucket_start FROM segstore.table_segments(%1$L)
       UNION SELECT date_bin(%3$L, %2$I, ''2000-01-01'')::timestamptz FROM %1$s
       UNION SELECT date_bin(%3$L, %2$I, ''2000-01-01'')::timestamptz FROM %4$s
       ORDER BY 1', t, col, width, ref)
  LOOP
    bucket := b;
    SELECT count(*), count(*) FILTER (WHERE state = 'sealed'), coalesce(sum(row_count), 0)
      INTO segments, sealed, stored
      FROM segstore.table_segments(t::regclass) s WHERE s.bucket_start = b;
    IF isfinite(b) THEN
      cond := format('%I >= %L AND %I < %L', col, b, col, b + width);
    ELSE
      cond := format('%I = %L', col, b);   -- -infinity and infinity have buckets of their own
    END IF;
    EXECUTE format('SELECT count(*) FROM %s WHERE %s', t, cond) INTO in_range;
    EXECUTE format('SELECT count(*) FROM %s WHERE %s', ref, cond) INTO ref_rows;
    RETURN NEXT;
  END LOOP;
END $$;

-- buckets() in one row: buckets whose rows differ from ref's, segments
-- (sealed, active or full), rows stored and rows in range, and sealed
-- segments holding a time outside their bucket
CREATE FUNCTION bucket_summary(t text DEFAULT 's', ref text DEFAULT 'h',
                               col text DEFAULT 'ts', width interval DEFAULT '6 hours',
  OUT buckets bigint, OUT wrong_buckets bigint, OUT segments bigint, OUT sealed bigint,
  OUT stored bigint, OUT in_range bigint, OUT sealed_out_of_bucket bigint) LANGUAGE sql AS $$
  SELECT count(*), count(*) FILTER (WHERE b.in_range <> b.ref_rows),
         sum(b.segments), sum(b.sealed), sum(b.stored), sum(b.in_range),
         (SELECT count(*) FROM segstore.table_segments(t::regclass) s
          WHERE s.state = 'sealed' AND (s.min_time < s.bucket_start OR s.max_time >= s.bucket_end))
  FROM buckets(t, ref, col, width) b
$$;

-- relfilenode directories under pg_segstore of this database
CREATE FUNCTION seg_dirs() RETURNS SETOF text LANGUAGE sql AS $$
  SELECT pg_ls_dir('pg_segstore/' || (SELECT oid FROM pg_database WHERE datname = current_database()))
$$;

-- What rewrite_check() compares with: a table's relfilenode, its row in
-- segstore.tables and its reloptions, as last remembered.
CREATE TABLE saved (tbl regclass PRIMARY KEY, filenode oid, opts text, relopts text[]) USING heap;
-- every relfilenode a table had
CREATE TABLE filenodes (tbl regclass, filenode oid, UNIQUE (tbl, filenode)) USING heap;
CREATE FUNCTION remember(t regclass) RETURNS void LANGUAGE sql AS $$
  INSERT INTO filenodes VALUES (t, pg_relation_filenode(t)) ON CONFLICT DO NOTHING;
  INSERT INTO saved
  SELECT t, pg_relation_filenode(t), (SELECT x::text FROM segstore.tables x WHERE x.table_name = t),
         (SELECT reloptions FROM pg_class WHERE oid = t)
  ON CONFLICT (tbl) DO UPDATE SET filenode = EXCLUDED.filenode, opts = EXCLUDED.opts,
                                  relopts = EXCLUDED.relopts
$$;
-- Since the last remember(t): was t rewritten (new relfilenode), are the
-- segment files of its old relfilenode gone, how many manifest, deletion
-- and lock records name the old relfilenode (if t was rewritten), are its
-- options (row of segstore.tables) and reloptions the same, and how many
-- deletion records has its relfilenode.  Then remembers t's state for the
-- next call.
CREATE FUNCTION rewrite_check(tbl text DEFAULT 's', OUT rewritten bool, OUT old_files_gone bool,
  OUT old_records bigint, OUT options_kept bool, OUT reloptions_kept bool, OUT deletion_records bigint)
LANGUAGE plpgsql AS $$
DECLARE
  t regclass := tbl::regclass;
  sv saved;
BEGIN
  SELECT * INTO STRICT sv FROM saved s WHERE s.tbl = t;
  rewritten := pg_relation_filenode(t) <> sv.filenode;
  old_files_gone := sv.filenode::text NOT IN (SELECT seg_dirs());
  IF rewritten THEN
    old_records := (SELECT count(*) FROM segstore.manifest WHERE relfilenode = sv.filenode)
      + (SELECT count(*) FROM segstore.deleted_rows WHERE relfilenode = sv.filenode)
      + (SELECT count(*) FROM segstore.row_locks WHERE relfilenode = sv.filenode);
  END IF;
  options_kept := (SELECT x::text FROM segstore.tables x WHERE x.table_name = t) IS NOT DISTINCT FROM sv.opts;
  reloptions_kept := (SELECT reloptions FROM pg_class WHERE oid = t) IS NOT DISTINCT FROM sv.relopts;
  deletion_records := (SELECT count(*) FROM segstore.deleted_rows WHERE relfilenode = pg_relation_filenode(t));
  PERFORM remember(t);
END $$;

-- The indexes of t: how many, how many valid and ready, and how many
-- btree indexes pass bt_index_check with heapallindexed (every live row
-- has its entry; an error otherwise)
CREATE FUNCTION index_check(t text DEFAULT 's', OUT indexes bigint, OUT valid bigint,
  OUT btree_checked bigint) LANGUAGE plpgsql AS $$
DECLARE
  i regclass;
BEGIN
  SELECT count(*), count(*) FILTER (WHERE indisvalid AND indisready AND indislive)
    INTO indexes, valid FROM pg_index WHERE indrelid = t::regclass;
  btree_checked := 0;
  FOR i IN SELECT indexrelid FROM pg_index x JOIN pg_class c ON c.oid = x.indexrelid
           JOIN pg_am a ON a.oid = c.relam WHERE x.indrelid = t::regclass AND a.amname = 'btree' ORDER BY 1 LOOP
    PERFORM bt_index_check(i, true);
    btree_checked := btree_checked + 1;
  END LOOP;
END $$;

-- Every row of t by its ctid: distinct ctids, and rows found again by a
-- TID scan of their ctids
CREATE FUNCTION tid_check(t text DEFAULT 's', OUT t_rows bigint, OUT distinct_ctids bigint,
  OUT found_by_ctid bigint) LANGUAGE plpgsql
SET enable_seqscan = off SET segstore.enable_segment_scan = off AS $$
BEGIN
  EXECUTE format('SELECT count(*), count(DISTINCT ctid) FROM %s', t) INTO t_rows, distinct_ctids;
  EXECUTE format('SELECT count(*) FROM %1$s WHERE ctid = ANY (ARRAY(SELECT ctid FROM %1$s))', t)
    INTO found_by_ctid;
END $$;

-- The rows of a query, as text, sorted (outside the query: its plan is
-- not changed)
CREATE FUNCTION ix_rows(q text) RETURNS text[] LANGUAGE plpgsql AS $$
DECLARE
  result text[];
BEGIN
  EXECUTE format('SELECT coalesce(array_agg(x::text ORDER BY x::text COLLATE "C"), ''{}'') FROM (%s) x', q)
    INTO result;
  RETURN result;
END $$;

-- Run query q ("@T" stands for the table) on t by an index scan and by a
-- bitmap scan (sequential and segment scans off), checking that each plan
-- uses index idx, and compare the rows with those of q on ref.  Returns
-- "ok, N rows" or what went wrong.  The caller's settings stay as they were.
CREATE FUNCTION ix_check(q text, idx text, t text DEFAULT 's', ref text DEFAULT 'h')
RETURNS text LANGUAGE plpgsql
SET enable_seqscan = off SET segstore.enable_segment_scan = off
SET enable_indexscan = on SET enable_bitmapscan = on AS $$
DECLARE
  truth text[] := ix_rows(replace(q, '@T', ref));
  r text[];
  plan text;
  line text;
  m text;
  problems text := '';
BEGIN
  FOREACH m IN ARRAY ARRAY['index', 'bitmap'] LOOP
    PERFORM set_config('enable_indexscan', (m = 'index')::text, true);
    PERFORM set_config('enable_bitmapscan', (m = 'bitmap')::text, true);
    plan := '';
    FOR line IN EXECUTE 'EXPLAIN (COSTS OFF) ' || replace(q, '@T', t) LOOP
      plan := plan || line || E'\n';
    END LOOP;
    IF m = 'index' AND plan !~ ('Index (Only )?Scan( Backward)? using ' || idx || ' ') THEN
      problems := problems || format(' [index: %s not used: %s]', idx, plan);
    ELSIF m = 'bitmap' AND plan !~ ('Bitmap Index Scan on ' || idx || '\M') THEN
      problems := problems || format(' [bitmap: %s not used: %s]', idx, plan);
    END IF;
    r := ix_rows(replace(q, '@T', t));
    IF r IS DISTINCT FROM truth THEN
      problems := problems || format(' [%s: %s rows, %s has %s]', m, cardinality(r), ref, cardinality(truth));
    END IF;
  END LOOP;
  IF problems <> '' THEN
    RETURN 'FAILED:' || problems;
  END IF;
  RETURN format('ok, %s rows', cardinality(truth));
END $$;

-- the three index checks run after every rewrite
CREATE FUNCTION ix_all(t text DEFAULT 's', ref text DEFAULT 'h')
RETURNS TABLE (idx text, result text) LANGUAGE sql AS $$
  VALUES (t || '_pkey', ix_check('SELECT * FROM @T WHERE id BETWEEN 300 AND 420', t || '_pkey', t, ref)),
         (t || '_dev_ts', ix_check('SELECT id, dev, ts FROM @T WHERE dev = 3 AND ts < ''2024-01-03''', t || '_dev_ts', t, ref)),
         (t || '_note', ix_check('SELECT id, note FROM @T WHERE note = ''n5''', t || '_note', t, ref))
$$;

-- the query whose plan and rows are shown after every rewrite
\set ixq 'SELECT id, dev, v, note FROM s WHERE id BETWEEN 398 AND 406 ORDER BY id'

--
-- 1. The tables
--
CREATE TABLE s (id int PRIMARY KEY, created date, ts timestamptz NOT NULL, dev int, v float8, note text)
  USING segstore WITH (segstore.time_column = 'ts', segstore.segment_interval = '6 hours',
    segstore.max_segment_size = '1MB', segstore.seal_after = '2 hours',
    segstore.compression_level = 3, segstore.block_size = '8kB');
SELECT segstore.set_policy('s', retention => '3650 days');
CREATE TABLE h (id int PRIMARY KEY, created date, ts timestamptz NOT NULL, dev int, v float8, note text)
  USING heap;
-- the options: time column "ts" although "created" is the first time column
SELECT * FROM segstore.tables WHERE table_name = 's'::regclass;
SELECT reloptions FROM pg_class WHERE oid = 's'::regclass;
SELECT remember('s');

-- 2.5 days of rows, one every 3 minutes, a rolled-back insert, then sealed
SELECT * FROM dml($$INSERT INTO @T SELECT * FROM gen(1, 1200, '2024-01-01 00:03', '3 minutes')$$);
BEGIN;
INSERT INTO s SELECT * FROM gen(90001, 90100, '2024-01-01 00:01', '10 minutes');
ROLLBACK;
SELECT count(*) AS sealed_segments, sum(row_count) AS sealed_rows FROM segstore.seal('s');
-- late rows into the sealed buckets, rows in new buckets, and another
-- rolled-back insert, into active segments
SELECT * FROM dml($$INSERT INTO @T SELECT * FROM gen(1201, 1260, '2024-01-01 00:01:30', '50 minutes')$$);
SELECT * FROM dml($$INSERT INTO @T SELECT * FROM gen(1261, 1400, '2024-01-04 00:00', '17 minutes')$$);
BEGIN;
INSERT INTO s SELECT * FROM gen(90101, 90200, '2024-01-01 00:02', '20 minutes');
ROLLBACK;
CREATE INDEX s_dev_ts ON s (dev, ts);
CREATE INDEX h_dev_ts ON h (dev, ts);
CREATE INDEX s_note ON s USING hash (note);
CREATE INDEX h_note ON h USING hash (note);
-- deletes: scattered (sealed and active rows), a range of sealed rows, and
-- every row of one bucket
SELECT * FROM del('id % 11 = 0');
SELECT * FROM del('id BETWEEN 200 AND 260');
SELECT * FROM del($$ts >= '2024-01-03 06:00' AND ts < '2024-01-03 12:00'$$);
-- updates: other columns, columns set to NULL, the time column (rows move
-- to other buckets), a row updated twice
SELECT * FROM dml($$UPDATE @T SET v = v * 2, note = 'upd' WHERE id % 7 = 3$$);
SELECT * FROM dml($$UPDATE @T SET dev = NULL, created = NULL, note = NULL WHERE id % 13 = 5$$);
SELECT * FROM dml($$UPDATE @T SET ts = ts + interval '3 days', note = 'moved' WHERE id % 50 = 1$$);
SELECT * FROM dml($$UPDATE @T SET v = -1 WHERE id IN (401, 402)$$);
SELECT * FROM dml($$UPDATE @T SET v = -2, ts = ts + interval '1 hour' WHERE id IN (401, 402)$$);
-- seal again (the late rows, the new buckets, the new row versions)
SELECT count(*) AS sealed_segments FROM segstore.seal('s');
-- in one transaction: rows inserted, some of them deleted and updated;
-- older rows deleted and updated
BEGIN;
SELECT * FROM dml($$INSERT INTO @T SELECT * FROM gen(1401, 1440, '2024-01-01 02:00', '71 minutes')$$);
SELECT * FROM del('id BETWEEN 1401 AND 1410');
SELECT * FROM dml($$UPDATE @T SET note = 'same_txn', ts = ts + interval '6 hours' WHERE id BETWEEN 1411 AND 1420$$);
SELECT * FROM del('id BETWEEN 500 AND 505');
SELECT * FROM dml($$UPDATE @T SET note = 'same_txn' WHERE id BETWEEN 506 AND 510$$);
COMMIT;
-- rows inserted and deleted in the same transaction, rolled back
BEGIN;
SELECT * FROM dml($$INSERT INTO @T SELECT * FROM gen(90201, 90220, '2024-01-02 00:00', '1 minute')$$);
SELECT * FROM dml($$DELETE FROM @T WHERE id BETWEEN 90201 AND 90210$$);
ROLLBACK;
-- late rows again, left active
SELECT * FROM dml($$INSERT INTO @T SELECT * FROM gen(1441, 1460, '2024-01-01 00:00:45', '2 hours')$$);
SELECT * FROM cmp();
-- sealed and active segments, rows stored that are not live any more
SELECT * FROM buckets();
SELECT * FROM bucket_summary();
SELECT * FROM index_check();
SELECT * FROM tid_check();
SELECT * FROM ix_all();
SELECT count(*) > 0 AS has_deletion_records FROM segstore.deleted_rows
WHERE relfilenode = pg_relation_filenode('s');

--
-- 2. ALTER COLUMN TYPE: int -> bigint
--
ALTER TABLE s ALTER COLUMN id TYPE bigint;
ALTER TABLE h ALTER COLUMN id TYPE bigint;
SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 's'::regclass AND attname = 'id';
SELECT * FROM rewrite_check();
SELECT * FROM segstore.tables WHERE table_name = 's'::regclass;
SELECT * FROM cmp();
-- only live rows were written, one active segment per bucket
SELECT * FROM buckets();
SELECT * FROM bucket_summary();
SELECT * FROM index_check();
SELECT * FROM tid_check();
SELECT * FROM ix_all();
SET enable_seqscan = off;
SET segstore.enable_segment_scan = off;
SET enable_bitmapscan = off;
EXPLAIN (COSTS OFF) :ixq;
:ixq;
RESET enable_seqscan;
RESET segstore.enable_segment_scan;
RESET enable_bitmapscan;
SELECT id, dev, v, note FROM h WHERE id BETWEEN 398 AND 406 ORDER BY id;
-- the table takes new rows, updates, deletes and seals
SELECT * FROM dml($$INSERT INTO @T SELECT * FROM gen(1461, 1500, '2024-01-01 00:02:10', '97 minutes')$$);
SELECT * FROM dml($$UPDATE @T SET v = v + 100, note = 'after_bigint' WHERE id % 9 = 4$$);
SELECT * FROM del('id % 19 = 7');
SELECT count(*) AS sealed_segments FROM segstore.seal('s');
SELECT * FROM dml($$INSERT INTO @T SELECT * FROM gen(1501, 1520, '2024-01-02 00:30', '3 hours')$$);
SELECT * FROM del('id BETWEEN 1501 AND 1505');
SELECT * FROM cmp();
SELECT * FROM bucket_summary();

--
-- 3. ALTER COLUMN TYPE: float8 -> numeric and text -> varchar, in one statement
--
ALTER TABLE s ALTER COLUMN v TYPE numeric, ALTER COLUMN note TYPE varchar(20);
ALTER TABLE h ALTER COLUMN v TYPE numeric, ALTER COLUMN note TYPE varchar(20);
SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute
WHERE attrelid = 's'::regclass AND attnum > 0 ORDER BY attnum;
SELECT * FROM rewrite_check();
SELECT * FROM cmp();
SELECT * FROM bucket_summary();
SELECT * FROM index_check();
SELECT * FROM tid_check();
SELECT * FROM ix_all();
SET enable_seqscan = off;
SET segstore.enable_segment_scan = off;
SET enable_bitmapscan = off;
EXPLAIN (COSTS OFF) :ixq;
:ixq;
RESET enable_seqscan;
RESET segstore.enable_segment_scan;
RESET enable_bitmapscan;
-- a varchar too long is refused, as in h
UPDATE s SET note = repeat('x', 21) WHERE id = 1;
UPDATE h SET note = repeat('x', 21) WHERE id = 1;
SELECT * FROM dml($$UPDATE @T SET v = v / 3, note = 'numeric' WHERE id % 8 = 1$$);
SELECT * FROM del('id % 23 = 2');
SELECT * FROM dml($$INSERT INTO @T SELECT * FROM gen(1521, 1560, '2024-01-01 01:11', '70 minutes')$$);
SELECT count(*) AS sealed_segments FROM segstore.seal('s');
SELECT * FROM cmp();
SELECT * FROM bucket_summary();

--
-- 4. ADD COLUMN: a constant default is no rewrite; a volatile one is;
--    DROP COLUMN then a rewrite
--
ALTER TABLE s ADD COLUMN extra int DEFAULT 42;
ALTER TABLE h ADD COLUMN extra int DEFAULT 42;
SELECT * FROM rewrite_check();
SELECT count(*) FILTER (WHERE extra = 42) AS extra_42, count(*) AS all_rows FROM s;
SELECT * FROM cmp();
SELECT * FROM dml($$INSERT INTO @T (id, created, ts, dev, v, note, extra) SELECT *, 7 FROM gen(1561, 1580, '2024-01-03 01:00', '20 minutes')$$);
SELECT * FROM dml($$UPDATE @T SET extra = NULL WHERE id % 10 = 6$$);
-- random() * 0 is volatile: every row is rewritten with its value, 0
ALTER TABLE s ADD COLUMN vol int DEFAULT (random() * 0)::int;
ALTER TABLE h ADD COLUMN vol int DEFAULT (random() * 0)::int;
SELECT * FROM rewrite_check();
SELECT count(*) FILTER (WHERE vol = 0) AS vol_0, count(*) FILTER (WHERE extra = 42) AS extra_42,
       count(*) FILTER (WHERE extra = 7) AS extra_7, count(*) FILTER (WHERE extra IS NULL) AS extra_null FROM s;
SELECT * FROM cmp();
SELECT * FROM bucket_summary();
SELECT * FROM index_check();
SELECT * FROM ix_all();
-- a dropped column, then a rewrite: the rows keep the other columns
SELECT * FROM dml($$UPDATE @T SET vol = id % 3 WHERE id % 4 = 1$$);
ALTER TABLE s DROP COLUMN created;
ALTER TABLE h DROP COLUMN created;
SELECT * FROM rewrite_check();
ALTER TABLE s ALTER COLUMN extra TYPE bigint;
ALTER TABLE h ALTER COLUMN extra TYPE bigint;
SELECT * FROM rewrite_check();
SELECT * FROM segstore.tables WHERE table_name = 's'::regclass;
SELECT * FROM cmp();
SELECT * FROM bucket_summary();
SELECT * FROM index_check();
SELECT * FROM tid_check();
SELECT * FROM ix_all();
SELECT * FROM dml($$INSERT INTO @T (id, ts, dev, v, note) SELECT id, ts, dev, v, note FROM gen(1581, 1600, '2024-01-01 03:03', '2 hours')$$);
SELECT * FROM del('id % 29 = 3');
SELECT count(*) AS sealed_segments FROM segstore.seal('s');
SELECT * FROM dml($$UPDATE @T SET note = 'after_drop' WHERE id % 31 = 0$$);
SELECT * FROM cmp();

--
-- 5. VACUUM FULL, after an eviction
--
-- evicting the segments older than 2024-01-01 06:00 removes their rows as a
-- DELETE of them from h does
SELECT segment_id, state, row_count FROM segstore.evict_before('s', '2024-01-01 06:00') ORDER BY segment_id;
WITH d AS (DELETE FROM h WHERE ts < '2024-01-01 06:00' RETURNING id),
     i AS (INSERT INTO deleted_ids SELECT id FROM d RETURNING id)
SELECT count(*) AS h_deleted FROM i;
SELECT * FROM cmp();
SELECT count(*) > 0 AS has_deletion_records FROM segstore.deleted_rows
WHERE relfilenode = pg_relation_filenode('s');
VACUUM FULL s;
VACUUM FULL h;
SELECT * FROM rewrite_check();
SELECT * FROM cmp();
SELECT * FROM buckets();
SELECT * FROM bucket_summary();
SELECT * FROM index_check();
SELECT * FROM tid_check();
SELECT * FROM ix_all();
SET enable_seqscan = off;
SET segstore.enable_segment_scan = off;
SET enable_bitmapscan = off;
EXPLAIN (COSTS OFF) :ixq;
:ixq;
RESET enable_seqscan;
RESET segstore.enable_segment_scan;
RESET enable_bitmapscan;
-- VACUUM FULL of a fully sealed table, then of a table without changes
SELECT count(*) AS sealed_segments FROM segstore.seal('s');
VACUUM FULL s;
SELECT * FROM rewrite_check();
SELECT * FROM bucket_summary();
VACUUM FULL s;
SELECT * FROM rewrite_check();
SELECT * FROM cmp();
SELECT * FROM dml($$INSERT INTO @T (id, ts, dev, v, note) SELECT id, ts, dev, v, note FROM gen(1601, 1640, '2024-01-02 05:05', '1 hour')$$);
SELECT * FROM dml($$UPDATE @T SET v = 0, ts = ts - interval '12 hours' WHERE id % 17 = 9$$);
SELECT * FROM del('id % 37 = 5');
SELECT * FROM cmp();
SELECT * FROM bucket_summary();

--
-- 6. CLUSTER
--
CLUSTER s USING s_dev_ts;
CLUSTER h USING h_dev_ts;
SELECT * FROM rewrite_check();
SELECT indexrelid::regclass FROM pg_index WHERE indrelid = 's'::regclass AND indisclustered;
SELECT * FROM cmp();
SELECT * FROM bucket_summary();
SELECT * FROM index_check();
SELECT * FROM tid_check();
SELECT * FROM ix_all();
-- CLUSTER again, by the index remembered, after changes
SELECT * FROM dml($$UPDATE @T SET dev = 9 - dev WHERE id % 5 = 2$$);
SELECT count(*) AS sealed_segments FROM segstore.seal('s');
SELECT * FROM del('id % 41 = 6');
CLUSTER s;
CLUSTER h;
SELECT * FROM rewrite_check();
SELECT * FROM cmp();
SELECT * FROM bucket_summary();
SELECT * FROM index_check();
-- CLUSTER in a transaction that inserted, deleted and updated rows first
-- (some of the rows it inserted among them), then changed rows again
BEGIN;
SELECT * FROM dml($$INSERT INTO @T (id, ts, dev, v, note) SELECT id, ts, dev, v, note FROM gen(1641, 1680, '2024-01-01 04:04', '88 minutes')$$);
SELECT * FROM del('id BETWEEN 1641 AND 1650');
SELECT * FROM dml($$UPDATE @T SET note = 'in_txn', v = v + 1 WHERE id BETWEEN 1651 AND 1660$$);
SELECT * FROM del('id BETWEEN 600 AND 610');
SELECT * FROM dml($$UPDATE @T SET note = 'in_txn', ts = ts + interval '1 day' WHERE id BETWEEN 611 AND 620$$);
-- a deletion and an update in a subtransaction rolled back: the rows stay
SAVEPOINT x;
SELECT * FROM del('id BETWEEN 700 AND 710');
SELECT * FROM dml($$UPDATE @T SET note = 'rolled_back', ts = ts + interval '2 days' WHERE id BETWEEN 711 AND 720$$);
ROLLBACK TO SAVEPOINT x;
SELECT count(*) AS rows_700_720 FROM s WHERE id BETWEEN 700 AND 720 AND note IS DISTINCT FROM 'rolled_back';
CLUSTER s USING s_pkey;
CLUSTER h USING h_pkey;
SELECT * FROM cmp();
SELECT count(*) AS rows_700_720 FROM s WHERE id BETWEEN 700 AND 720 AND note IS DISTINCT FROM 'rolled_back';
SELECT * FROM tid_check();
SELECT * FROM ix_all();
SELECT * FROM dml($$UPDATE @T SET v = -v WHERE id BETWEEN 1655 AND 1665$$);
SELECT * FROM del('id IN (1661, 1662, 612, 621)');
SELECT * FROM dml($$INSERT INTO @T (id, ts, dev, v, note) VALUES (1681, '2024-01-02 02:02', 1, 1.5, 'after_cluster')$$);
SELECT * FROM cmp();
COMMIT;
SELECT * FROM rewrite_check();
SELECT indexrelid::regclass FROM pg_index WHERE indrelid = 's'::regclass AND indisclustered;
SELECT * FROM cmp();
SELECT * FROM bucket_summary();
SELECT * FROM index_check();
SELECT * FROM tid_check();
SELECT * FROM ix_all();
SELECT count(*) AS sealed_segments FROM segstore.seal('s');
SELECT * FROM bucket_summary();

--
-- 7. SET ACCESS METHOD heap, then back to segstore
--
SELECT * FROM dml($$INSERT INTO @T (id, ts, dev, v, note) SELECT id, ts, dev, v, note FROM gen(1701, 1720, '2024-01-01 00:05', '3 hours')$$);
SELECT * FROM del('id % 43 = 8');
SELECT * FROM dml($$UPDATE @T SET note = 'before_heap' WHERE id % 47 = 1$$);
ALTER TABLE s SET ACCESS METHOD heap;
SELECT amname FROM pg_class c JOIN pg_am a ON a.oid = c.relam WHERE c.oid = 's'::regclass;
SELECT pg_relation_filenode('s') <> filenode AS rewritten,
       filenode::text NOT IN (SELECT seg_dirs()) AS old_files_gone,
       (SELECT count(*) FROM segstore.manifest m WHERE m.relfilenode = filenode)
     + (SELECT count(*) FROM segstore.deleted_rows d WHERE d.relfilenode = filenode) AS old_records
FROM saved WHERE tbl = 's'::regclass;
-- heap has no segstore options, segments or deletion records
SELECT count(*) AS segstore_tables FROM segstore.tables WHERE table_name = 's'::regclass;
SELECT count(*) AS segments FROM segstore.segments WHERE table_name = 's'::regclass;
SELECT reloptions FROM pg_class WHERE oid = 's'::regclass;
SELECT * FROM cmp();
SELECT * FROM index_check();
SELECT * FROM tid_check();
SELECT * FROM ix_all();
SET enable_seqscan = off;
SET enable_bitmapscan = off;
EXPLAIN (COSTS OFF) :ixq;
:ixq;
RESET enable_seqscan;
RESET enable_bitmapscan;
-- changes while it is heap
SELECT * FROM dml($$INSERT INTO @T (id, ts, dev, v, note) SELECT id, ts, dev, v, note FROM gen(1721, 1740, '2024-01-05 00:00', '45 minutes')$$);
SELECT * FROM del('id % 53 = 9');
SELECT * FROM dml($$UPDATE @T SET note = 'as_heap' WHERE id % 59 = 2$$);
ALTER TABLE s SET ACCESS METHOD segstore;
SELECT amname FROM pg_class c JOIN pg_am a ON a.oid = c.relam WHERE c.oid = 's'::regclass;
-- the options are back, as they were before heap
SELECT * FROM rewrite_check();
SELECT * FROM segstore.tables WHERE table_name = 's'::regclass;
SELECT reloptions FROM pg_class WHERE oid = 's'::regclass;
SELECT * FROM cmp();
SELECT * FROM buckets();
SELECT * FROM bucket_summary();
SELECT * FROM index_check();
SELECT * FROM tid_check();
SELECT * FROM ix_all();
SET enable_seqscan = off;
SET segstore.enable_segment_scan = off;
SET enable_bitmapscan = off;
EXPLAIN (COSTS OFF) :ixq;
:ixq;
RESET enable_seqscan;
RESET segstore.enable_segment_scan;
RESET enable_bitmapscan;
SELECT * FROM dml($$INSERT INTO @T (id, ts, dev, v, note) SELECT id, ts, dev, v, note FROM gen(1741, 1760, '2024-01-01 00:00:15', '4 hours')$$);
SELECT * FROM dml($$UPDATE @T SET v = 7, ts = ts + interval '2 days' WHERE id % 61 = 3$$);
SELECT * FROM del('id % 67 = 4');
SELECT count(*) AS sealed_segments FROM segstore.seal('s');
SELECT * FROM cmp();
SELECT * FROM bucket_summary();
-- both in one transaction, with changes between
BEGIN;
ALTER TABLE s SET ACCESS METHOD heap;
SELECT * FROM del('id % 71 = 5');
ALTER TABLE s SET ACCESS METHOD segstore;
SELECT * FROM dml($$UPDATE @T SET note = 'round_trip' WHERE id % 73 = 6$$);
COMMIT;
SELECT * FROM rewrite_check();
SELECT * FROM cmp();
SELECT * FROM bucket_summary();
SELECT * FROM index_check();

--
-- 8. A heap table converted to segstore
--
-- its first time column, created, holds NULLs: it cannot be the time column
-- (not_null_violation; the message names a temporary relation)
CREATE TABLE hn USING heap AS SELECT id, date '2024-01-01' + (id % 3)::int AS created, ts FROM h;
UPDATE hn SET created = NULL WHERE id % 10 = 0;
\set VERBOSITY sqlstate
ALTER TABLE hn SET ACCESS METHOD segstore;
\set VERBOSITY terse
SELECT amname FROM pg_class c JOIN pg_am a ON a.oid = c.relam WHERE c.oid = 'hn'::regclass;
DROP TABLE hn;
-- a heap table whose first time column is ts, with an index and reloptions
CREATE TABLE hx (id bigint PRIMARY KEY, ts timestamptz NOT NULL, dev int, v numeric, note varchar(20),
                 extra bigint DEFAULT 42, vol int DEFAULT (random() * 0)::int) USING heap WITH (fillfactor = 80);
INSERT INTO hx SELECT id, ts, dev, v, note, extra, vol FROM h;
CREATE INDEX hx_dev_ts ON hx (dev, ts);
CREATE INDEX hx_note ON hx USING hash (note);
SELECT remember('hx');
ALTER TABLE hx SET ACCESS METHOD segstore;
SELECT amname FROM pg_class c JOIN pg_am a ON a.oid = c.relam WHERE c.oid = 'hx'::regclass;
-- default options, time column ts
SELECT * FROM segstore.tables WHERE table_name = 'hx'::regclass;
SELECT reloptions FROM pg_class WHERE oid = 'hx'::regclass;
SELECT pg_relation_filenode('hx') <> filenode AS rewritten FROM saved WHERE tbl = 'hx'::regclass;
SELECT remember('hx');
SELECT * FROM cmp('hx', 'h', 'id, ts, dev, v, note, extra, vol');
SELECT * FROM buckets('hx', 'h', 'ts', '1 day');
SELECT * FROM bucket_summary('hx', 'h', 'ts', '1 day');
SELECT * FROM index_check('hx');
SELECT * FROM tid_check('hx');
SELECT * FROM ix_all('hx', 'h');
-- options set now are kept by the next rewrites
SELECT segstore.set_options('hx', segment_interval => '12 hours', compression_level => 1, block_size => '64kB');
SELECT segstore.set_policy('hx', seal_after => '5 hours');
SELECT remember('hx');
SELECT count(*) AS sealed_segments FROM segstore.seal('hx');
-- the same changes to hx, s and h
DELETE FROM hx WHERE id % 79 = 1;
SELECT * FROM del('id % 79 = 1');
UPDATE hx SET v = 3 WHERE id % 83 = 2;
SELECT * FROM dml($$UPDATE @T SET v = 3 WHERE id % 83 = 2$$);
INSERT INTO hx (id, ts, dev, v, note) SELECT id, ts, dev, v, note FROM gen(1801, 1820, '2024-01-03 00:10', '2 hours');
SELECT * FROM dml($$INSERT INTO @T (id, ts, dev, v, note) SELECT id, ts, dev, v, note FROM gen(1801, 1820, '2024-01-03 00:10', '2 hours')$$);
VACUUM FULL hx;
SELECT * FROM rewrite_check('hx');
SELECT * FROM segstore.tables WHERE table_name = 'hx'::regclass;
SELECT reloptions FROM pg_class WHERE oid = 'hx'::regclass;
SELECT * FROM cmp('hx', 'h', 'id, ts, dev, v, note, extra, vol');
SELECT * FROM bucket_summary('hx', 'h', 'ts', '12 hours');
SELECT * FROM index_check('hx');
-- the rewrite wrote every row into the 12-hour buckets set since
SELECT bucket_end - bucket_start AS width, count(*) FROM segstore.segments
WHERE table_name = 'hx'::regclass GROUP BY 1 ORDER BY 1;
ALTER TABLE hx ALTER COLUMN dev TYPE bigint;
SELECT * FROM rewrite_check('hx');
SELECT * FROM cmp('hx', 'h', 'id, ts, dev, v, note, extra, vol');
SELECT * FROM bucket_summary('hx', 'h', 'ts', '12 hours');
SELECT * FROM ix_all('hx', 'h');
-- and it goes back to heap with its rows
ALTER TABLE hx SET ACCESS METHOD heap;
SELECT reloptions FROM pg_class WHERE oid = 'hx'::regclass;
SELECT * FROM cmp('hx', 'h', 'id, ts, dev, v, note, extra, vol');
DROP TABLE hx;
SELECT * FROM cmp();

--
-- 9. Rewrites in a transaction that rolls back: nothing changes
--
SELECT count(*) AS sealed_segments FROM segstore.seal('s');
SELECT * FROM dml($$INSERT INTO @T (id, ts, dev, v, note) SELECT id, ts, dev, v, note FROM gen(1821, 1840, '2024-01-02 07:00', '1 hour')$$);
SELECT * FROM del('id % 89 = 7');
SELECT * FROM rewrite_check();
CREATE TABLE before_rb AS SELECT * FROM s;
CREATE TABLE segs_before AS SELECT segment_id, state, bucket_start, row_count FROM segstore.table_segments('s');
SELECT count(*) AS dirs_before FROM seg_dirs() \gset
BEGIN;
SELECT * FROM del('id % 97 = 8');
SELECT * FROM dml($$UPDATE @T SET note = 'rolled_back' WHERE id % 101 = 9$$);
SELECT * FROM dml($$INSERT INTO @T (id, ts, dev, v, note) SELECT id, ts, dev, v, note FROM gen(1841, 1860, '2024-01-01 06:00', '1 hour')$$);
ALTER TABLE s ALTER COLUMN dev TYPE bigint;
ALTER TABLE h ALTER COLUMN dev TYPE bigint;
SELECT * FROM cmp();
CLUSTER s USING s_dev_ts;
SELECT * FROM cmp();
ALTER TABLE s SET ACCESS METHOD heap;
SELECT * FROM cmp();
ALTER TABLE s SET ACCESS METHOD segstore;
ALTER TABLE s ADD COLUMN rb int DEFAULT (random() * 0)::int;
SELECT * FROM cmp('s', 'h', 'id, ts, dev, v, note, extra, vol');
SELECT count(*) > :dirs_before AS more_dirs FROM seg_dirs();
ROLLBACK;
SELECT * FROM rewrite_check();
SELECT count(*) = :dirs_before AS same_dirs FROM seg_dirs();
SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute
WHERE attrelid = 's'::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum;
SELECT * FROM cmp();
SELECT * FROM cmp('s', 'before_rb');
-- the segments are those of before: none gone, none changed state or
-- bucket, sealed ones hold the same rows; the rows the transaction wrote
-- before its first rewrite stay in active segments (some of them new), as
-- rows of a rolled-back transaction, never visible
SELECT count(*) AS segments_before, count(*) FILTER (WHERE n.segment_id IS NULL) AS gone,
       count(*) FILTER (WHERE n.state <> b.state OR n.bucket_start <> b.bucket_start) AS changed,
       count(*) FILTER (WHERE b.state = 'sealed' AND n.row_count <> b.row_count) AS sealed_changed
FROM segs_before b LEFT JOIN segstore.table_segments('s') n USING (segment_id);
SELECT count(*) AS new_segments, sum(row_count) AS rolled_back_rows FROM segstore.table_segments('s')
WHERE segment_id NOT IN (SELECT segment_id FROM segs_before);
SELECT * FROM bucket_summary();
SELECT * FROM index_check();
SELECT * FROM ix_all();
SELECT * FROM dml($$INSERT INTO @T (id, ts, dev, v, note) SELECT id, ts, dev, v, note FROM gen(1861, 1880, '2024-01-03 03:00', '30 minutes')$$);
SELECT * FROM del('id % 103 = 10');
SELECT * FROM cmp();
-- a rewrite in a subtransaction rolled back, then one that commits
BEGIN;
SELECT * FROM del('id % 107 = 11');
SELECT * FROM dml($$UPDATE @T SET note = 'sub' WHERE id % 109 = 12$$);
SAVEPOINT a;
ALTER TABLE s ALTER COLUMN v TYPE float8;
CLUSTER s USING s_dev_ts;
SELECT * FROM dml($$UPDATE @T SET note = 'sub_rb' WHERE id % 113 = 13$$);
ROLLBACK TO SAVEPOINT a;
SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 's'::regclass AND attname = 'v';
SELECT * FROM cmp();
SELECT * FROM tid_check();
SAVEPOINT b;
CLUSTER s USING s_pkey;
CLUSTER h USING h_pkey;
RELEASE SAVEPOINT b;
SELECT * FROM del('id % 127 = 14');
SELECT * FROM cmp();
COMMIT;
SELECT * FROM rewrite_check();
SELECT * FROM cmp();
SELECT * FROM bucket_summary();
SELECT * FROM index_check();
SELECT * FROM tid_check();
SELECT * FROM ix_all();

-- a table created, filled, changed and rewritten in one transaction
BEGIN;
CREATE TABLE c (id int PRIMARY KEY, ts timestamptz NOT NULL, v int)
  USING segstore WITH (segstore.segment_interval = '6 hours', segstore.compression_level = 4);
CREATE TABLE ch (id int PRIMARY KEY, ts timestamptz NOT NULL, v int) USING heap;
INSERT INTO c SELECT g, '2024-01-01'::timestamptz + g * interval '1 hour', g FROM generate_series(1, 48) g;
INSERT INTO ch SELECT * FROM c;
DELETE FROM c WHERE id % 5 = 0;
DELETE FROM ch WHERE id % 5 = 0;
UPDATE c SET v = -v, ts = ts + interval '1 day' WHERE id % 7 = 0;
UPDATE ch SET v = -v, ts = ts + interval '1 day' WHERE id % 7 = 0;
ALTER TABLE c ALTER COLUMN v TYPE bigint;
ALTER TABLE ch ALTER COLUMN v TYPE bigint;
CLUSTER c USING c_pkey;
ALTER TABLE c SET ACCESS METHOD heap;
ALTER TABLE c SET ACCESS METHOD segstore;
SELECT * FROM cmp('c', 'ch');
COMMIT;
SELECT * FROM cmp('c', 'ch');
SELECT table_name, segment_interval, compression_level FROM segstore.tables WHERE table_name = 'c'::regclass;
SELECT * FROM buckets('c', 'ch');
DROP TABLE c, ch;
-- and rolled back: no files left
SELECT count(*) AS dirs_before FROM seg_dirs() \gset
BEGIN;
CREATE TABLE c (id int PRIMARY KEY, ts timestamptz NOT NULL, v int) USING segstore;
INSERT INTO c SELECT g, '2024-01-01'::timestamptz + g * interval '1 hour', g FROM generate_series(1, 48) g;
ALTER TABLE c ALTER COLUMN v TYPE bigint;
CLUSTER c USING c_pkey;
ROLLBACK;
SELECT count(*) = :dirs_before AS same_dirs FROM seg_dirs();

--
-- 10. The time column's type.  In UTC, timestamptz <-> timestamp keeps the
--     stored values and PostgreSQL does not rewrite the table; in another
--     time zone it rewrites it, and the rows move to the buckets of their
--     new values.
--
ALTER TABLE s ALTER COLUMN ts TYPE timestamp;
ALTER TABLE h ALTER COLUMN ts TYPE timestamp;
SELECT * FROM rewrite_check();
SELECT table_name, time_column, segment_interval FROM segstore.tables WHERE table_name = 's'::regclass;
SELECT * FROM cmp();
SELECT * FROM bucket_summary();
SELECT * FROM index_check();
SELECT * FROM ix_all();
SELECT * FROM dml($$INSERT INTO @T (id, ts, dev, v, note) SELECT id, ts, dev, v, note FROM gen(1881, 1900, '2024-01-04 04:00', '1 hour')$$);
SELECT * FROM del('id % 131 = 15');
SELECT count(*) AS sealed_segments FROM segstore.seal('s');
SELECT min(ts), max(ts) FROM s;
-- timestamp -> timestamptz in Asia/Kolkata (+05:30): 5.5 hours earlier
SET TimeZone = 'Asia/Kolkata';
ALTER TABLE s ALTER COLUMN ts TYPE timestamptz;
ALTER TABLE h ALTER COLUMN ts TYPE timestamptz;
SET TimeZone = 'UTC';
SELECT * FROM rewrite_check();
SELECT min(ts), max(ts) FROM s;
SELECT * FROM cmp();
SELECT * FROM buckets();
SELECT * FROM bucket_summary();
SELECT * FROM index_check();
SELECT * FROM tid_check();
SELECT * FROM ix_all();
SELECT * FROM dml($$UPDATE @T SET ts = ts + interval '30 minutes', note = 'tz' WHERE id % 11 = 1$$);
SELECT * FROM del('id % 149 = 18');
-- and back to timestamp there: the values of before
SET TimeZone = 'Asia/Kolkata';
ALTER TABLE s ALTER COLUMN ts TYPE timestamp;
ALTER TABLE h ALTER COLUMN ts TYPE timestamp;
SET TimeZone = 'UTC';
SELECT * FROM rewrite_check();
SELECT min(ts), max(ts) FROM s;
SELECT * FROM cmp();
SELECT * FROM bucket_summary();
SELECT * FROM index_check();
ALTER TABLE s ALTER COLUMN ts TYPE timestamptz;
ALTER TABLE h ALTER COLUMN ts TYPE timestamptz;
SELECT * FROM rewrite_check();
SELECT * FROM cmp();
SELECT * FROM bucket_summary();
SELECT * FROM index_check();

--
-- 11. Large values, full segments, infinite times, and the time column
--     turned into a date and back (the rows change buckets)
--
CREATE TABLE l (ts timestamptz NOT NULL, id int, big text)
  USING segstore WITH (segstore.segment_interval = '1 day', segstore.max_segment_size = '16kB');
CREATE TABLE lh (ts timestamptz NOT NULL, id int, big text) USING heap;
INSERT INTO l SELECT '2024-01-01'::timestamptz + g * interval '7 minutes', g,
  CASE WHEN g % 100 = 0 THEN repeat(md5(g::text), 1000) WHEN g % 9 = 0 THEN NULL ELSE 'x' || g END
FROM generate_series(1, 3000) g;
INSERT INTO l VALUES ('infinity', -1, 'inf'), ('-infinity', -2, NULL);
INSERT INTO lh SELECT * FROM l;
SELECT count(*) AS sealed_segments FROM segstore.seal('l');
DELETE FROM l WHERE id % 3 = 0;
DELETE FROM lh WHERE id % 3 = 0;
UPDATE l SET big = big || 'u' WHERE id % 200 = 100;
UPDATE lh SET big = big || 'u' WHERE id % 200 = 100;
SELECT remember('l');
VACUUM FULL l;
SELECT * FROM rewrite_check('l');
SELECT * FROM cmp('l', 'lh', 'ts, id, md5(big)');
-- several full segments in a bucket
SELECT state, count(*) AS segments, count(DISTINCT bucket_start) AS buckets, sum(row_count) AS rows
FROM segstore.segments WHERE table_name = 'l'::regclass GROUP BY 1 ORDER BY 1;
ALTER TABLE l ALTER COLUMN ts TYPE date;
ALTER TABLE lh ALTER COLUMN ts TYPE date;
SELECT * FROM rewrite_check('l');
SELECT * FROM cmp('l', 'lh', 'ts, id, md5(big)');
SELECT bucket_start, count(*) AS segments, sum(row_count) AS rows FROM segstore.segments
WHERE table_name = 'l'::regclass GROUP BY 1 ORDER BY 1;
SELECT ts, count(*) FROM lh GROUP BY 1 ORDER BY 1;
ALTER TABLE l ALTER COLUMN ts TYPE timestamptz USING ts + interval '1 year 6 hours';
ALTER TABLE lh ALTER COLUMN ts TYPE timestamptz USING ts + interval '1 year 6 hours';
SELECT * FROM rewrite_check('l');
SELECT * FROM cmp('l', 'lh', 'ts, id, md5(big)');
SELECT * FROM bucket_summary('l', 'lh', 'ts', '1 day');
ALTER TABLE l SET ACCESS METHOD heap;
SELECT * FROM cmp('l', 'lh', 'ts, id, md5(big)');
ALTER TABLE l SET ACCESS METHOD segstore;
SELECT * FROM rewrite_check('l');
SELECT * FROM cmp('l', 'lh', 'ts, id, md5(big)');
SELECT * FROM bucket_summary('l', 'lh', 'ts', '1 day');
SELECT count(*) AS sealed_segments FROM segstore.seal('l');
SELECT count(*) AS segments, count(*) FILTER (WHERE ok) AS ok FROM segstore.verify('l');
SELECT * FROM cmp('l', 'lh', 'ts, id, md5(big)');
DROP TABLE l, lh;

--
-- 12. After all of it
--
SELECT * FROM dml($$INSERT INTO @T (id, ts, dev, v, note) SELECT id, ts, dev, v, note FROM gen(1901, 1940, '2024-01-01 00:00', '90 minutes')$$);
SELECT * FROM dml($$UPDATE @T SET v = v + 1, ts = ts + interval '5 hours' WHERE id % 137 = 16$$);
SELECT * FROM del('id % 139 = 17');
SELECT count(*) AS sealed_segments FROM segstore.seal('s');
SELECT count(*) AS segments, count(*) FILTER (WHERE ok) AS ok FROM segstore.verify('s');
SELECT * FROM rewrite_check();
SELECT * FROM segstore.tables WHERE table_name = 's'::regclass;
SELECT * FROM cmp();
SELECT * FROM buckets();
SELECT * FROM bucket_summary();
SELECT * FROM index_check();
SELECT * FROM tid_check();
SELECT * FROM ix_all();
-- nothing is left of the relfilenodes s had before, nor of those of the
-- dropped hx: no files, no manifest, deletion or lock records
WITH old AS (SELECT filenode FROM filenodes WHERE filenode <> pg_relation_filenode('s'))
SELECT (SELECT count(*) FROM old) AS old_filenodes,
       (SELECT count(*) FROM old WHERE filenode::text IN (SELECT seg_dirs())) AS with_files,
       (SELECT count(*) FROM segstore.manifest WHERE relfilenode IN (SELECT filenode FROM old))
     + (SELECT count(*) FROM segstore.deleted_rows WHERE relfilenode IN (SELECT filenode FROM old))
     + (SELECT count(*) FROM segstore.row_locks WHERE relfilenode IN (SELECT filenode FROM old))
       AS records;

--
-- 13. A quarantined segment blocks rewrites and index builds (its rows
-- would be lost); a type change PostgreSQL would do in place (a relabel
-- to a domain) but that segstore stores differently is refused
--
CREATE TABLE rq (ts timestamptz NOT NULL, v int) USING segstore WITH (segstore.segment_interval = '6 hours');
INSERT INTO rq SELECT '2024-01-01'::timestamptz + g * interval '1 hour', g FROM generate_series(0, 23) g;
SELECT count(*) AS sealed FROM segstore.seal('rq');
CREATE INDEX rq_v ON rq (v);
SELECT segstore.quarantine('rq', 1);
VACUUM FULL rq;
CLUSTER rq USING rq_v;
CREATE INDEX rq_v2 ON rq (v);
REINDEX TABLE rq;
ALTER TABLE rq ALTER COLUMN v TYPE bigint;
ALTER TABLE rq SET ACCESS METHOD heap;
ALTER TABLE rq ADD COLUMN w int DEFAULT 7;
ALTER TABLE rq ADD COLUMN w2 int;
SELECT segstore.quarantine('rq', 1, false);
VACUUM FULL rq;
SELECT count(*), sum(v) FROM rq;
CREATE DOMAIN d_oid AS oid;
ALTER TABLE rq ALTER COLUMN v TYPE d_oid;
SELECT count(*), sum(v::int8) FROM rq;
ALTER TABLE rq ALTER COLUMN v TYPE bigint USING v::bigint;
SELECT count(*), sum(v) FROM rq;
DROP TABLE rq;
DROP DOMAIN d_oid;

RESET search_path;
SET client_min_messages = warning;
DROP SCHEMA rewrite_t CASCADE;
RESET client_min_messages;
DROP EXTENSION amcheck;
