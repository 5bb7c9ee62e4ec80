SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS segstore;
RESET client_min_messages;
SET TimeZone='UTC';
\set VERBOSITY terse
--
-- DELETE, UPDATE and MERGE on segstore tables, against heap: a segstore
-- table "s" and a heap table "h" receive the same statements and must
-- always hold the same rows.  Segments are small (16kB, one-day buckets),
-- so the rows of every statement span many segments, active and sealed.
--
CREATE TABLE s (ts timestamptz NOT NULL, id int, dev int, v float8, note text)
  USING segstore WITH (segstore.segment_interval = '1 day', segstore.max_segment_size = '16kB');
CREATE TABLE h (ts timestamptz NOT NULL, id int, dev int, v float8, note text) USING heap;
-- s_count, h_count, and whether both tables hold the same multiset of rows
CREATE VIEW cmp AS
SELECT (SELECT count(*) FROM s) AS s_count,
       (SELECT count(*) FROM h) AS h_count,
       NOT EXISTS (SELECT * FROM s EXCEPT ALL SELECT * FROM h)
   AND NOT EXISTS (SELECT * FROM h EXCEPT ALL SELECT * FROM s) AS same;
-- rows per day, side by side, where the two tables differ (none expected)
CREATE VIEW day_diff AS
SELECT day, count(*) FILTER (WHERE src = 's') AS s_rows,
       count(*) FILTER (WHERE src = 'h') AS h_rows
FROM (SELECT 's' AS src, date_trunc('day', ts) AS day FROM s
      UNION ALL SELECT 'h', date_trunc('day', ts) FROM h) x
GROUP BY day
HAVING count(*) FILTER (WHERE src = 's') <> count(*) FILTER (WHERE src = 'h');
-- the segments of s
CREATE VIEW segs AS
SELECT count(*) AS segments,
       count(*) FILTER (WHERE state = 'sealed') AS sealed,
       count(*) FILTER (WHERE state IN ('active', 'full')) AS active,
       count(DISTINCT bucket_start) AS buckets
FROM segstore.segments WHERE table_name = 's'::regclass;
-- deletion records of s that are not aborted
CREATE VIEW del_records AS
SELECT count(*) AS deletion_records FROM segstore.deleted_rows
WHERE relfilenode = pg_relation_filenode('s');

-- ten days, one row every 5 minutes
INSERT INTO s SELECT '2024-01-01'::timestamptz + i * interval '5 minutes', i, i % 10, i, 'n' || (i % 7)
FROM generate_series(1, 2880) i;
INSERT INTO h SELECT '2024-01-01'::timestamptz + i * interval '5 minutes', i, i % 10, i, 'n' || (i % 7)
FROM generate_series(1, 2880) i;
SELECT * FROM cmp;
SELECT segments > 15 AS many_segments, buckets FROM segs;

--
-- 1. DELETE
--
DELETE FROM s WHERE id % 10 = 3;
DELETE FROM h WHERE id % 10 = 3;
SELECT * FROM cmp;
SELECT count(*) AS s_dev3 FROM s WHERE dev = 3;
SELECT * FROM del_records;
-- deleting rows that are already gone deletes nothing
DELETE FROM s WHERE id % 10 = 3;
DELETE FROM h WHERE id % 10 = 3;
SELECT * FROM del_records;
-- RETURNING: one row, then many rows (ordered by a CTE)
DELETE FROM s WHERE id = 100 RETURNING *;
DELETE FROM h WHERE id = 100 RETURNING *;
WITH d AS (DELETE FROM s WHERE ts >= '2024-01-04 10:00' AND ts < '2024-01-04 11:00' RETURNING id, dev, v, note)
SELECT * FROM d ORDER BY id;
WITH d AS (DELETE FROM h WHERE ts >= '2024-01-04 10:00' AND ts < '2024-01-04 11:00' RETURNING id, dev, v, note)
SELECT * FROM d ORDER BY id;
SELECT * FROM cmp;
-- RETURNING of an expression over the deleted rows
WITH d AS (DELETE FROM s WHERE dev = 7 AND id < 500 RETURNING v)
SELECT count(*), sum(v) FROM d;
WITH d AS (DELETE FROM h WHERE dev = 7 AND id < 500 RETURNING v)
SELECT count(*), sum(v) FROM d;
-- a DELETE in a CTE runs with the main query's snapshot: the main query
-- still sees the rows the CTE deletes
WITH d AS (DELETE FROM s WHERE dev = 5 AND id < 1000 RETURNING 1)
SELECT (SELECT count(*) FROM d) AS deleted,
       (SELECT count(*) FROM s WHERE dev = 5 AND id < 1000) AS still_seen;
WITH d AS (DELETE FROM h WHERE dev = 5 AND id < 1000 RETURNING 1)
SELECT (SELECT count(*) FROM d) AS deleted,
       (SELECT count(*) FROM h WHERE dev = 5 AND id < 1000) AS still_seen;
SELECT count(*) AS s_after FROM s WHERE dev = 5 AND id < 1000;
-- deleted rows moved into another table by a CTE
CREATE TABLE archive_s (LIKE s) USING segstore;
CREATE TABLE archive_h (LIKE h) USING heap;
WITH d AS (DELETE FROM s WHERE note = 'n4' AND dev = 4 RETURNING *)
INSERT INTO archive_s SELECT * FROM d;
WITH d AS (DELETE FROM h WHERE note = 'n4' AND dev = 4 RETURNING *)
INSERT INTO archive_h SELECT * FROM d;
SELECT (SELECT count(*) FROM archive_s) AS archived_s, (SELECT count(*) FROM archive_h) AS archived_h,
       NOT EXISTS (SELECT * FROM archive_s EXCEPT ALL SELECT * FROM archive_h)
   AND NOT EXISTS (SELECT * FROM archive_h EXCEPT ALL SELECT * FROM archive_s) AS same;
-- two CTEs deleting overlapping rows of the same table: each row once
WITH d1 AS (DELETE FROM s WHERE id BETWEEN 2000 AND 2010 RETURNING id),
     d2 AS (DELETE FROM s WHERE id BETWEEN 2005 AND 2015 RETURNING id)
SELECT (SELECT count(*) FROM d1) + (SELECT count(*) FROM d2) AS deleted;
WITH d1 AS (DELETE FROM h WHERE id BETWEEN 2000 AND 2010 RETURNING id),
     d2 AS (DELETE FROM h WHERE id BETWEEN 2005 AND 2015 RETURNING id)
SELECT (SELECT count(*) FROM d1) + (SELECT count(*) FROM d2) AS deleted;
SELECT * FROM cmp;
-- DELETE ... USING another table
CREATE TABLE gone (id int) USING heap;
INSERT INTO gone SELECT i FROM generate_series(1, 2880, 37) i;
DELETE FROM s USING gone WHERE s.id = gone.id;
DELETE FROM h USING gone WHERE h.id = gone.id;
SELECT * FROM cmp;
SELECT * FROM day_diff;
-- inserting after deletes: the new rows are visible, the deleted ones stay gone
INSERT INTO s SELECT '2024-01-01'::timestamptz + i * interval '7 minutes', 10000 + i, i % 10, -i, 'late'
FROM generate_series(1, 500) i;
INSERT INTO h SELECT '2024-01-01'::timestamptz + i * interval '7 minutes', 10000 + i, i % 10, -i, 'late'
FROM generate_series(1, 500) i;
SELECT * FROM cmp;
-- re-inserting a deleted row's exact values gives one row again
INSERT INTO s VALUES ('2024-01-01'::timestamptz + 100 * interval '5 minutes', 100, 0, 100, 'n2');
INSERT INTO h VALUES ('2024-01-01'::timestamptz + 100 * interval '5 minutes', 100, 0, 100, 'n2');
SELECT count(*) AS s_id100 FROM s WHERE id = 100;
SELECT * FROM cmp;

--
-- 2. UPDATE
--
-- non-time columns
UPDATE s SET v = v * 2, note = 'u1' WHERE dev = 1;
UPDATE h SET v = v * 2, note = 'u1' WHERE dev = 1;
SELECT * FROM cmp;
SELECT count(*) AS s_u1, sum(v) AS s_sum FROM s WHERE note = 'u1';
SELECT count(*) AS h_u1, sum(v) AS h_sum FROM h WHERE note = 'u1';
-- updating rows already updated: the newest versions
UPDATE s SET v = v + 1 WHERE note = 'u1' AND id % 3 = 0;
UPDATE h SET v = v + 1 WHERE note = 'u1' AND id % 3 = 0;
SELECT * FROM cmp;
-- setting a column to NULL and back
UPDATE s SET note = NULL WHERE dev = 2;
UPDATE h SET note = NULL WHERE dev = 2;
SELECT count(*) FILTER (WHERE note IS NULL) AS s_nulls FROM s;
UPDATE s SET note = 'back' WHERE note IS NULL AND id % 2 = 0;
UPDATE h SET note = 'back' WHERE note IS NULL AND id % 2 = 0;
SELECT * FROM cmp;
-- an UPDATE changing nothing still writes new versions and keeps the rows
UPDATE s SET v = v WHERE dev = 6;
UPDATE h SET v = v WHERE dev = 6;
SELECT * FROM cmp;
-- UPDATE ... RETURNING: one row, then many rows (ordered by a CTE)
UPDATE s SET v = -1, note = 'ret' WHERE id = 1234 RETURNING id, dev, v, note, ts;
UPDATE h SET v = -1, note = 'ret' WHERE id = 1234 RETURNING id, dev, v, note, ts;
WITH u AS (UPDATE s SET v = v + 0.5 WHERE ts >= '2024-01-06 00:00' AND ts < '2024-01-06 01:00' RETURNING id, v, note)
SELECT * FROM u ORDER BY id;
WITH u AS (UPDATE h SET v = v + 0.5 WHERE ts >= '2024-01-06 00:00' AND ts < '2024-01-06 01:00' RETURNING id, v, note)
SELECT * FROM u ORDER BY id;
SELECT * FROM cmp;
-- an UPDATE in a CTE: the main query sees the old versions
WITH u AS (UPDATE s SET v = 0 WHERE dev = 8 AND id < 300 RETURNING 1)
SELECT (SELECT count(*) FROM u) AS updated, (SELECT count(*) FROM s WHERE dev = 8 AND id < 300 AND v = 0) AS seen_new;
WITH u AS (UPDATE h SET v = 0 WHERE dev = 8 AND id < 300 RETURNING 1)
SELECT (SELECT count(*) FROM u) AS updated, (SELECT count(*) FROM h WHERE dev = 8 AND id < 300 AND v = 0) AS seen_new;
SELECT count(*) AS s_zero FROM s WHERE dev = 8 AND id < 300 AND v = 0;
SELECT * FROM cmp;

-- the time column: rows move to other buckets (segments)
SELECT count(*) AS feb_segments FROM segstore.segments
WHERE table_name = 's'::regclass AND bucket_start >= '2024-02-01';
UPDATE s SET ts = ts + interval '31 days', note = 'moved' WHERE id % 50 = 0 AND id < 3000;
UPDATE h SET ts = ts + interval '31 days', note = 'moved' WHERE id % 50 = 0 AND id < 3000;
SELECT * FROM cmp;
SELECT * FROM day_diff;
SELECT count(DISTINCT bucket_start) AS feb_buckets FROM segstore.segments
WHERE table_name = 's'::regclass AND bucket_start >= '2024-02-01';
-- the moved rows are found by a time range (the scan node prunes by it)
SELECT count(*) AS s_feb, min(id), max(id) FROM s WHERE ts >= '2024-02-01';
SELECT count(*) AS h_feb, min(id), max(id) FROM h WHERE ts >= '2024-02-01';
SELECT count(*) AS s_jan_moved FROM s WHERE ts < '2024-02-01' AND note = 'moved';
SET segstore.enable_segment_scan = off;
SELECT count(*) AS s_feb_seqscan FROM s WHERE ts >= '2024-02-01';
RESET segstore.enable_segment_scan;
-- moved back, in one statement with other changes
UPDATE s SET ts = ts - interval '31 days', v = v + 1000 WHERE note = 'moved' AND id % 100 = 0;
UPDATE h SET ts = ts - interval '31 days', v = v + 1000 WHERE note = 'moved' AND id % 100 = 0;
SELECT * FROM cmp;
SELECT * FROM day_diff;
-- a move to a far bucket, one row, with RETURNING
UPDATE s SET ts = '2030-06-15 12:00' WHERE id = 777 RETURNING id, ts, v;
UPDATE h SET ts = '2030-06-15 12:00' WHERE id = 777 RETURNING id, ts, v;
SELECT bucket_start, row_count FROM segstore.segments
WHERE table_name = 's'::regclass AND bucket_start >= '2030-01-01';
SELECT * FROM cmp;
-- NULL is refused for the time column, as at INSERT; nothing changes
UPDATE s SET ts = NULL WHERE id = 779;
UPDATE h SET ts = NULL WHERE id = 779;
SELECT * FROM cmp;

-- the same row updated twice in one transaction, and deleted after
BEGIN;
UPDATE s SET v = v + 1 WHERE id = 501;
UPDATE h SET v = v + 1 WHERE id = 501;
UPDATE s SET v = v + 1, ts = ts + interval '1 day' WHERE id = 501;
UPDATE h SET v = v + 1, ts = ts + interval '1 day' WHERE id = 501;
SELECT id, v, ts FROM s WHERE id = 501;
SELECT id, v, ts FROM h WHERE id = 501;
UPDATE s SET v = v + 1 WHERE id = 501;
UPDATE h SET v = v + 1 WHERE id = 501;
SELECT id, v, ts FROM s WHERE id = 501;
DELETE FROM s WHERE id = 502;
DELETE FROM h WHERE id = 502;
UPDATE s SET v = 0 WHERE id = 502;
UPDATE h SET v = 0 WHERE id = 502;
COMMIT;
SELECT id, v, ts FROM s WHERE id IN (501, 502);
SELECT id, v, ts FROM h WHERE id IN (501, 502);
SELECT * FROM cmp;
-- one statement reaching the same row twice (join with duplicates): the
-- row is updated once
UPDATE s SET v = s.v + o.x FROM (VALUES (506, 10), (506, 10), (509, 20)) o(id, x) WHERE s.id = o.id;
UPDATE h SET v = h.v + o.x FROM (VALUES (506, 10), (506, 10), (509, 20)) o(id, x) WHERE h.id = o.id;
SELECT id, v FROM s WHERE id IN (506, 509) ORDER BY id;
SELECT id, v FROM h WHERE id IN (506, 509) ORDER BY id;
SELECT * FROM cmp;

-- UPDATE with a join
CREATE TABLE devs (dev int, tag text, bump int) USING heap;
INSERT INTO devs VALUES (0, 'zero', 1), (3, 'three', 3), (4, 'four', 4), (9, 'nine', 9);
UPDATE s SET note = d.tag, v = s.v + d.bump FROM devs d WHERE s.dev = d.dev AND s.id % 4 = 1;
UPDATE h SET note = d.tag, v = h.v + d.bump FROM devs d WHERE h.dev = d.dev AND h.id % 4 = 1;
SELECT * FROM cmp;
-- a join with another segstore table
CREATE TABLE devs_s (dev int, tag text, bump int) USING segstore;
INSERT INTO devs_s SELECT * FROM devs;
UPDATE s SET v = s.v * d.bump FROM devs_s d WHERE s.dev = d.dev AND s.note = d.tag;
UPDATE h SET v = h.v * d.bump FROM devs d WHERE h.dev = d.dev AND h.note = d.tag;
SELECT * FROM cmp;
-- a correlated subquery reading the table being updated sees the old rows
UPDATE s SET v = (SELECT max(v) FROM s s2 WHERE s2.dev = s.dev) WHERE id BETWEEN 600 AND 620;
UPDATE h SET v = (SELECT max(v) FROM h h2 WHERE h2.dev = h.dev) WHERE id BETWEEN 600 AND 620;
SELECT * FROM cmp;

-- an error in the middle of an UPDATE or DELETE leaves nothing of it
UPDATE s SET v = 1 / (id - 1500) WHERE dev = 0;
UPDATE h SET v = 1 / (id - 1500) WHERE dev = 0;
DELETE FROM s WHERE dev = 0 AND 1 / (id - 1500) > -1;
DELETE FROM h WHERE dev = 0 AND 1 / (id - 1500) > -1;
SELECT * FROM cmp;

--
-- 3. Rolled-back transactions and savepoints
--
SELECT * FROM del_records \gset before_
BEGIN;
DELETE FROM s WHERE dev = 9;
DELETE FROM h WHERE dev = 9;
UPDATE s SET v = -v, ts = ts + interval '2 days' WHERE dev = 8;
UPDATE h SET v = -v, ts = ts + interval '2 days' WHERE dev = 8;
SELECT * FROM cmp;
SELECT count(*) AS s_dev9 FROM s WHERE dev = 9;
ROLLBACK;
SELECT * FROM cmp;
SELECT * FROM day_diff;
SELECT deletion_records - :before_deletion_records AS new_records FROM del_records;
SELECT count(*) AS s_dev9 FROM s WHERE dev = 9;
-- savepoints
BEGIN;
DELETE FROM s WHERE id BETWEEN 1 AND 100;
DELETE FROM h WHERE id BETWEEN 1 AND 100;
SAVEPOINT a;
DELETE FROM s WHERE id BETWEEN 101 AND 200;
DELETE FROM h WHERE id BETWEEN 101 AND 200;
UPDATE s SET note = 'sp_a' WHERE id BETWEEN 201 AND 300;
UPDATE h SET note = 'sp_a' WHERE id BETWEEN 201 AND 300;
SELECT * FROM cmp;
ROLLBACK TO SAVEPOINT a;
SELECT * FROM cmp;
SELECT count(*) AS s_101_200 FROM s WHERE id BETWEEN 101 AND 200;
SELECT count(*) AS s_sp_a FROM s WHERE note = 'sp_a';
-- the rows come back and can be deleted / updated again
SAVEPOINT b;
UPDATE s SET note = 'sp_b' WHERE id BETWEEN 101 AND 150;
UPDATE h SET note = 'sp_b' WHERE id BETWEEN 101 AND 150;
SAVEPOINT c;
DELETE FROM s WHERE note = 'sp_b' AND id % 2 = 0;
DELETE FROM h WHERE note = 'sp_b' AND id % 2 = 0;
SELECT count(*) AS s_sp_b FROM s WHERE note = 'sp_b';
ROLLBACK TO SAVEPOINT c;
SELECT count(*) AS s_sp_b FROM s WHERE note = 'sp_b';
RELEASE SAVEPOINT b;
SELECT * FROM cmp;
-- an error inside a savepoint, then ROLLBACK TO
SAVEPOINT d;
DELETE FROM s WHERE id BETWEEN 151 AND 170;
UPDATE s SET v = 1 / (id - 180) WHERE id BETWEEN 151 AND 200;
ROLLBACK TO SAVEPOINT d;
SAVEPOINT e;
DELETE FROM h WHERE id BETWEEN 151 AND 170;
UPDATE h SET v = 1 / (id - 180) WHERE id BETWEEN 151 AND 200;
ROLLBACK TO SAVEPOINT e;
SELECT count(*) AS s_151_200 FROM s WHERE id BETWEEN 151 AND 200;
COMMIT;
SELECT * FROM cmp;
SELECT count(*) AS s_1_100 FROM s WHERE id BETWEEN 1 AND 100;
SELECT count(*) FILTER (WHERE note = 'sp_b') AS s_sp_b, count(*) FILTER (WHERE note = 'sp_a') AS s_sp_a FROM s;
-- a row updated in a subtransaction that rolls back, then updated again
BEGIN;
SAVEPOINT f;
UPDATE s SET v = 111 WHERE id = 1001;
UPDATE h SET v = 111 WHERE id = 1001;
ROLLBACK TO SAVEPOINT f;
UPDATE s SET v = 222 WHERE id = 1001;
UPDATE h SET v = 222 WHERE id = 1001;
COMMIT;
SELECT id, v FROM s WHERE id = 1001;
SELECT * FROM cmp;
-- many subtransactions, every other one rolled back by an exception block
CREATE FUNCTION del_subxacts(lo int, hi int) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  FOR i IN lo .. hi LOOP
    BEGIN
      DELETE FROM s WHERE id = i;
      DELETE FROM h WHERE id = i;
      UPDATE s SET v = v + 0.25 WHERE id = i + 1;
      UPDATE h SET v = v + 0.25 WHERE id = i + 1;
      IF i % 2 = 0 THEN
        RAISE EXCEPTION 'roll back %', i;
      END IF;
    EXCEPTION WHEN raise_exception THEN
      NULL;
    END;
  END LOOP;
END $$;
SELECT del_subxacts(1100, 1300);
SELECT * FROM cmp;

--
-- 4. Rows in sealed segments
--
SELECT count(*) >= 0 FROM segstore.seal('s');
SELECT active AS active_after_seal FROM segs;
SELECT * FROM cmp;
CREATE TABLE sealed_before AS
SELECT segment_id, row_count, bytes, md5(pg_read_binary_file(file)) AS md5
FROM segstore.segments WHERE table_name = 's'::regclass AND state = 'sealed';
DELETE FROM s WHERE dev = 2 AND id < 2000;
DELETE FROM h WHERE dev = 2 AND id < 2000;
UPDATE s SET v = v + 0.5, note = 'sealed_upd' WHERE dev = 6 AND id > 1000;
UPDATE h SET v = v + 0.5, note = 'sealed_upd' WHERE dev = 6 AND id > 1000;
UPDATE s SET ts = ts + interval '1 day' WHERE id % 97 = 0;
UPDATE h SET ts = ts + interval '1 day' WHERE id % 97 = 0;
SELECT * FROM cmp;
SELECT * FROM day_diff;
-- the updated versions went to new active segments of the sealed buckets
SELECT active > 0 AS new_active_segments FROM segs;
-- the sealed files did not change
SELECT count(*) AS sealed_segments,
       count(*) FILTER (WHERE b.row_count = a.row_count AND b.bytes = a.bytes AND b.md5 = a.md5) AS unchanged
FROM sealed_before b
LEFT JOIN (SELECT segment_id, row_count, bytes, md5(pg_read_binary_file(file)) AS md5
           FROM segstore.segments WHERE table_name = 's'::regclass) a USING (segment_id);
-- seal again: the deleted rows stay deleted, the updated rows updated
SELECT count(*) >= 0 FROM segstore.seal('s');
SELECT active AS active_after_seal FROM segs;
SELECT * FROM cmp;
SELECT count(*) AS sealed_segments,
       count(*) FILTER (WHERE b.row_count = a.row_count AND b.bytes = a.bytes AND b.md5 = a.md5) AS unchanged
FROM sealed_before b
LEFT JOIN (SELECT segment_id, row_count, bytes, md5(pg_read_binary_file(file)) AS md5
           FROM segstore.segments WHERE table_name = 's'::regclass) a USING (segment_id);
-- modify rows of the newly sealed segments too, then seal once more
UPDATE s SET v = v - 0.5 WHERE note = 'sealed_upd' AND id % 3 = 0;
UPDATE h SET v = v - 0.5 WHERE note = 'sealed_upd' AND id % 3 = 0;
DELETE FROM s WHERE note = 'sealed_upd' AND id % 3 = 1;
DELETE FROM h WHERE note = 'sealed_upd' AND id % 3 = 1;
SELECT * FROM cmp;
SELECT count(*) >= 0 FROM segstore.seal('s');
SELECT * FROM cmp;
SELECT * FROM day_diff;
-- rolled back on sealed rows
BEGIN;
DELETE FROM s WHERE id < 1500;
UPDATE s SET v = 0 WHERE id >= 1500;
SELECT count(*) AS s_in_xact FROM s WHERE v <> 0;
ROLLBACK;
SELECT * FROM cmp;
-- what a scan with the node, a sequential scan and the per-row time
-- pruning see is the same
SELECT count(*), sum(v) FROM s WHERE ts >= '2024-01-03' AND ts < '2024-01-05';
SET segstore.enable_segment_scan = off;
SELECT count(*), sum(v) FROM s WHERE ts >= '2024-01-03' AND ts < '2024-01-05';
RESET segstore.enable_segment_scan;
SELECT count(*), sum(v) FROM h WHERE ts >= '2024-01-03' AND ts < '2024-01-05';
-- segstore.verify still finds every file good
SELECT count(*) AS files, bool_and(ok) AS all_ok FROM segstore.verify('s');

--
-- 5. MERGE
--
CREATE TABLE src (id int, ts timestamptz, v float8, op text) USING heap;
INSERT INTO src
SELECT i, '2024-01-01'::timestamptz + i * interval '5 minutes', i * 10,
       CASE i % 3 WHEN 0 THEN 'del' WHEN 1 THEN 'upd' ELSE 'move' END
FROM generate_series(2500, 2700) i;
INSERT INTO src SELECT 20000 + i, '2024-01-02'::timestamptz + i * interval '1 hour', i, 'new'
FROM generate_series(1, 40) i;
MERGE INTO s USING src ON s.id = src.id
WHEN MATCHED AND src.op = 'del' THEN DELETE
WHEN MATCHED AND src.op = 'upd' THEN UPDATE SET v = src.v, note = 'merged'
WHEN MATCHED THEN UPDATE SET ts = src.ts + interval '3 days', note = 'merged_move'
WHEN NOT MATCHED THEN INSERT VALUES (src.ts, src.id, 0, src.v, 'merge_ins');
MERGE INTO h USING src ON h.id = src.id
WHEN MATCHED AND src.op = 'del' THEN DELETE
WHEN MATCHED AND src.op = 'upd' THEN UPDATE SET v = src.v, note = 'merged'
WHEN MATCHED THEN UPDATE SET ts = src.ts + interval '3 days', note = 'merged_move'
WHEN NOT MATCHED THEN INSERT VALUES (src.ts, src.id, 0, src.v, 'merge_ins');
SELECT * FROM cmp;
SELECT note, count(*) FROM s WHERE note LIKE 'merge%' GROUP BY note ORDER BY note;
SELECT note, count(*) FROM h WHERE note LIKE 'merge%' GROUP BY note ORDER BY note;
-- MERGE again: the merged rows are matched now, deleted ones inserted
MERGE INTO s USING src ON s.id = src.id
WHEN MATCHED AND s.note = 'merge_ins' THEN DELETE
WHEN MATCHED THEN UPDATE SET v = s.v + 1
WHEN NOT MATCHED THEN INSERT VALUES (src.ts, src.id, 1, src.v, 'merge_ins2');
MERGE INTO h USING src ON h.id = src.id
WHEN MATCHED AND h.note = 'merge_ins' THEN DELETE
WHEN MATCHED THEN UPDATE SET v = h.v + 1
WHEN NOT MATCHED THEN INSERT VALUES (src.ts, src.id, 1, src.v, 'merge_ins2');
SELECT * FROM cmp;
-- a source with a duplicate: MERGE may not affect a row twice
MERGE INTO s USING (VALUES (2501), (2501)) d(id) ON s.id = d.id
WHEN MATCHED THEN UPDATE SET v = 0;
MERGE INTO h USING (VALUES (2501), (2501)) d(id) ON h.id = d.id
WHEN MATCHED THEN UPDATE SET v = 0;
SELECT * FROM cmp;
-- MERGE in a rolled-back transaction
BEGIN;
MERGE INTO s USING src ON s.id = src.id WHEN MATCHED THEN DELETE;
SELECT count(*) AS s_matched FROM s JOIN src USING (id);
ROLLBACK;
SELECT count(*) AS s_matched FROM s JOIN src USING (id);
SELECT count(*) AS h_matched FROM h JOIN src USING (id);
SELECT * FROM cmp;

--
-- 6. PREPARE TRANSACTION
--
BEGIN;
DELETE FROM s WHERE dev = 3 OR id BETWEEN 2800 AND 2810;
DELETE FROM h WHERE dev = 3 OR id BETWEEN 2800 AND 2810;
UPDATE s SET note = 'prepared' WHERE id BETWEEN 2811 AND 2820;
UPDATE h SET note = 'prepared' WHERE id BETWEEN 2811 AND 2820;
PREPARE TRANSACTION 'seg_modify_1';
-- not committed yet: everything still visible, nothing changed
SELECT * FROM cmp;
SELECT count(*) AS s_prepared FROM s WHERE note = 'prepared';
-- the rows are held: a NOWAIT lock or delete fails
SELECT id FROM s WHERE id = 2805 FOR UPDATE NOWAIT;
SELECT id FROM h WHERE id = 2805 FOR UPDATE NOWAIT;
-- sealing keeps the deletions pending
SELECT count(*) >= 0 FROM segstore.seal('s');
COMMIT PREPARED 'seg_modify_1';
SELECT * FROM cmp;
SELECT count(*) >= 0 FROM segstore.seal('s');
SELECT active AS active_after_seal FROM segs;
SELECT * FROM cmp;
SELECT count(*) AS s_prepared FROM s WHERE note = 'prepared';
SELECT count(*) AS s_2800_2810 FROM s WHERE id BETWEEN 2800 AND 2810;
-- a prepared transaction rolled back
BEGIN;
DELETE FROM s WHERE id BETWEEN 2821 AND 2840;
DELETE FROM h WHERE id BETWEEN 2821 AND 2840;
UPDATE s SET ts = ts + interval '5 days' WHERE id BETWEEN 2841 AND 2850;
UPDATE h SET ts = ts + interval '5 days' WHERE id BETWEEN 2841 AND 2850;
PREPARE TRANSACTION 'seg_modify_2';
ROLLBACK PREPARED 'seg_modify_2';
SELECT * FROM cmp;
SELECT count(*) AS s_2821_2850 FROM s WHERE id BETWEEN 2821 AND 2850;
-- the rows are free again
UPDATE s SET note = 'after_prepared' WHERE id BETWEEN 2821 AND 2850;
UPDATE h SET note = 'after_prepared' WHERE id BETWEEN 2821 AND 2850;
SELECT * FROM cmp;

--
-- 7. Cursors and command ids
--
-- a cursor opened before a DELETE (or UPDATE) in the same transaction
-- still sees the rows as they were when it was opened
BEGIN;
DECLARE cs CURSOR FOR SELECT id, v FROM s WHERE id BETWEEN 1400 AND 1420 ORDER BY id;
DECLARE ch CURSOR FOR SELECT id, v FROM h WHERE id BETWEEN 1400 AND 1420 ORDER BY id;
DECLARE cnt_s CURSOR FOR SELECT count(*), sum(v) FROM s;
DECLARE cnt_h CURSOR FOR SELECT count(*), sum(v) FROM h;
FETCH 2 FROM cs;
FETCH 2 FROM ch;
DELETE FROM s WHERE id BETWEEN 1400 AND 1420 AND id % 2 = 0;
DELETE FROM h WHERE id BETWEEN 1400 AND 1420 AND id % 2 = 0;
UPDATE s SET v = -1 WHERE id BETWEEN 1400 AND 1420;
UPDATE h SET v = -1 WHERE id BETWEEN 1400 AND 1420;
DELETE FROM s WHERE id > 1000;
DELETE FROM h WHERE id > 1000;
FETCH ALL FROM cs;
FETCH ALL FROM ch;
FETCH cnt_s;
FETCH cnt_h;
-- a new query sees the changes
SELECT count(*) AS s_now, sum(v) FROM s;
SELECT count(*) AS h_now, sum(v) FROM h;
ROLLBACK;
SELECT * FROM cmp;
-- a cursor reading rows deleted by an earlier command of the transaction
-- does not see them; one opened in between sees the rows of its time
BEGIN;
DELETE FROM s WHERE id BETWEEN 1500 AND 1510;
DELETE FROM h WHERE id BETWEEN 1500 AND 1510;
DECLARE c2s CURSOR FOR SELECT count(*) FROM s WHERE id BETWEEN 1500 AND 1520;
DECLARE c2h CURSOR FOR SELECT count(*) FROM h WHERE id BETWEEN 1500 AND 1520;
DELETE FROM s WHERE id BETWEEN 1511 AND 1520;
DELETE FROM h WHERE id BETWEEN 1511 AND 1520;
FETCH c2s;
FETCH c2h;
SELECT count(*) AS s_now FROM s WHERE id BETWEEN 1500 AND 1520;
COMMIT;
SELECT * FROM cmp;
-- DELETE / UPDATE ... WHERE CURRENT OF (on a table of its own, whose
-- rows both kinds of table return in the same order)
CREATE TABLE cur_s (ts timestamptz NOT NULL, id int, note text)
  USING segstore WITH (segstore.segment_interval = '1 day', segstore.max_segment_size = '16kB');
CREATE TABLE cur_h (ts timestamptz NOT NULL, id int, note text) USING heap;
INSERT INTO cur_s SELECT '2024-01-01'::timestamptz + i * interval '1 minute', i, 'c' FROM generate_series(1, 30) i;
INSERT INTO cur_h SELECT '2024-01-01'::timestamptz + i * interval '1 minute', i, 'c' FROM generate_series(1, 30) i;
BEGIN;
DECLARE c_s CURSOR FOR SELECT id FROM cur_s WHERE id > 5;
DECLARE c_h CURSOR FOR SELECT id FROM cur_h WHERE id > 5;
FETCH 3 FROM c_s;
FETCH 3 FROM c_h;
DELETE FROM cur_s WHERE CURRENT OF c_s RETURNING id;
DELETE FROM cur_h WHERE CURRENT OF c_h RETURNING id;
FETCH 1 FROM c_s;
FETCH 1 FROM c_h;
UPDATE cur_s SET note = 'current' WHERE CURRENT OF c_s RETURNING id, note;
UPDATE cur_h SET note = 'current' WHERE CURRENT OF c_h RETURNING id, note;
-- the cursor's row was just deleted: WHERE CURRENT OF finds nothing
FETCH 1 FROM c_s;
FETCH 1 FROM c_h;
DELETE FROM cur_s WHERE id = 10;
DELETE FROM cur_h WHERE id = 10;
UPDATE cur_s SET note = 'none' WHERE CURRENT OF c_s;
UPDATE cur_h SET note = 'none' WHERE CURRENT OF c_h;
COMMIT;
SELECT id, note FROM cur_s WHERE id <= 12 ORDER BY id;
SELECT id, note FROM cur_h WHERE id <= 12 ORDER BY id;
-- the same on sealed rows
SELECT count(*) >= 0 FROM segstore.seal('cur_s');
BEGIN;
DECLARE c_s CURSOR FOR SELECT id FROM cur_s WHERE id > 20;
DECLARE c_h CURSOR FOR SELECT id FROM cur_h WHERE id > 20;
FETCH 2 FROM c_s;
FETCH 2 FROM c_h;
UPDATE cur_s SET note = 'sealed_current' WHERE CURRENT OF c_s RETURNING id, note;
UPDATE cur_h SET note = 'sealed_current' WHERE CURRENT OF c_h RETURNING id, note;
FETCH 1 FROM c_s;
FETCH 1 FROM c_h;
DELETE FROM cur_s WHERE CURRENT OF c_s RETURNING id;
DELETE FROM cur_h WHERE CURRENT OF c_h RETURNING id;
COMMIT;
SELECT (SELECT count(*) FROM cur_s) AS s_count, (SELECT count(*) FROM cur_h) AS h_count,
       NOT EXISTS (SELECT * FROM cur_s EXCEPT ALL SELECT * FROM cur_h)
   AND NOT EXISTS (SELECT * FROM cur_h EXCEPT ALL SELECT * FROM cur_s) AS same;
-- a plpgsql function: each statement sees the earlier ones' changes
CREATE FUNCTION modify_loop(n int) RETURNS TABLE (step int, s_count bigint, h_count bigint) LANGUAGE plpgsql AS $$
BEGIN
  FOR k IN 1 .. n LOOP
    DELETE FROM s WHERE id BETWEEN 1700 + k * 10 AND 1700 + k * 10 + k;
    DELETE FROM h WHERE id BETWEEN 1700 + k * 10 AND 1700 + k * 10 + k;
    UPDATE s SET v = v + k WHERE id BETWEEN 1700 AND 1800;
    UPDATE h SET v = v + k WHERE id BETWEEN 1700 AND 1800;
    step := k;
    SELECT count(*) INTO s_count FROM s WHERE id BETWEEN 1700 AND 1800;
    SELECT count(*) INTO h_count FROM h WHERE id BETWEEN 1700 AND 1800;
    RETURN NEXT;
  END LOOP;
END $$;
SELECT * FROM modify_loop(5);
SELECT * FROM cmp;

--
-- 8. Row locks before modifications
--
BEGIN;
SELECT count(*) FROM (SELECT id FROM s WHERE dev = 4 FOR UPDATE) x;
SELECT count(*) FROM (SELECT id FROM h WHERE dev = 4 FOR UPDATE) x;
UPDATE s SET note = 'locked_upd' WHERE dev = 4 AND id % 2 = 0;
UPDATE h SET note = 'locked_upd' WHERE dev = 4 AND id % 2 = 0;
SELECT count(*) FROM (SELECT id FROM s WHERE dev = 6 FOR SHARE) x;
SELECT count(*) FROM (SELECT id FROM h WHERE dev = 6 FOR SHARE) x;
DELETE FROM s WHERE dev = 6 AND id % 2 = 0;
DELETE FROM h WHERE dev = 6 AND id % 2 = 0;
-- FOR UPDATE of rows this transaction updated or deleted: the new versions only
SELECT count(*) FROM (SELECT id FROM s WHERE dev IN (4, 6) FOR UPDATE) x;
SELECT count(*) FROM (SELECT id FROM h WHERE dev IN (4, 6) FOR UPDATE) x;
COMMIT;
SELECT * FROM cmp;

--
-- 9. ANALYZE and VACUUM count the live rows
--
ANALYZE s;
ANALYZE h;
SELECT c.relname, c.reltuples::bigint AS reltuples,
       CASE c.relname WHEN 's' THEN (SELECT count(*) FROM s) ELSE (SELECT count(*) FROM h) END AS live
FROM pg_class c WHERE c.oid IN ('s'::regclass, 'h'::regclass) ORDER BY 1;
-- rows deleted and inserted in the transaction doing the ANALYZE
BEGIN;
DELETE FROM s WHERE dev = 7;
DELETE FROM h WHERE dev = 7;
INSERT INTO s SELECT ts, id + 100000, dev, v, note FROM s WHERE dev = 8;
INSERT INTO h SELECT ts, id + 100000, dev, v, note FROM h WHERE dev = 8;
ANALYZE s;
ANALYZE h;
SELECT c.relname, c.reltuples::bigint AS reltuples,
       CASE c.relname WHEN 's' THEN (SELECT count(*) FROM s) ELSE (SELECT count(*) FROM h) END AS live
FROM pg_class c WHERE c.oid IN ('s'::regclass, 'h'::regclass) ORDER BY 1;
COMMIT;
VACUUM s;
VACUUM h;
SELECT c.relname, c.reltuples::bigint AS reltuples,
       CASE c.relname WHEN 's' THEN (SELECT count(*) FROM s) ELSE (SELECT count(*) FROM h) END AS live
FROM pg_class c WHERE c.oid IN ('s'::regclass, 'h'::regclass) ORDER BY 1;
-- statistics of a column after deletes: the deleted values are gone
SELECT tablename, n_distinct, (SELECT array_agg(x ORDER BY x) FROM unnest(most_common_vals::text::int[]) x) AS mcv
FROM pg_stats WHERE tablename IN ('s', 'h') AND attname = 'dev' ORDER BY tablename;
SELECT * FROM cmp;

--
-- 10. DELETE without WHERE, TRUNCATE
--
SELECT pg_relation_filenode('s') AS old_filenode \gset
BEGIN;
DELETE FROM s;
DELETE FROM h;
SELECT * FROM cmp;
ROLLBACK;
SELECT * FROM cmp;
DELETE FROM s;
DELETE FROM h;
SELECT * FROM cmp;
SELECT deletion_records > 0 AS has_records FROM del_records;
-- rows inserted after the DELETE, into buckets that hold deleted rows
INSERT INTO s SELECT '2024-01-01'::timestamptz + i * interval '13 minutes', i, i % 10, i, 'again'
FROM generate_series(1, 1000) i;
INSERT INTO h SELECT '2024-01-01'::timestamptz + i * interval '13 minutes', i, i % 10, i, 'again'
FROM generate_series(1, 1000) i;
SELECT * FROM cmp;
DELETE FROM s WHERE id % 2 = 0;
DELETE FROM h WHERE id % 2 = 0;
UPDATE s SET v = v * 3 WHERE id % 3 = 0;
UPDATE h SET v = v * 3 WHERE id % 3 = 0;
SELECT * FROM cmp;
-- TRUNCATE after deletes: a new relfilenode, the old one's records are gone
TRUNCATE s;
TRUNCATE h;
SELECT * FROM cmp;
SELECT pg_relation_filenode('s') <> :old_filenode AS new_filenode;
SELECT count(*) AS old_records FROM segstore.deleted_rows WHERE relfilenode = :old_filenode;
SELECT * FROM del_records;
SELECT * FROM segs;
INSERT INTO s SELECT '2024-01-01'::timestamptz + i * interval '1 hour', i, i % 10, i, 'after_truncate'
FROM generate_series(1, 100) i;
INSERT INTO h SELECT '2024-01-01'::timestamptz + i * interval '1 hour', i, i % 10, i, 'after_truncate'
FROM generate_series(1, 100) i;
DELETE FROM s WHERE id <= 10;
DELETE FROM h WHERE id <= 10;
SELECT * FROM cmp;
-- TRUNCATE rolled back: the rows and their deletions come back
BEGIN;
TRUNCATE s;
TRUNCATE h;
SELECT * FROM cmp;
ROLLBACK;
SELECT * FROM cmp;
SELECT count(*) AS s_deleted_back FROM s WHERE id <= 10;
-- a table created, filled, modified and truncated in one transaction
BEGIN;
CREATE TABLE s3 (ts timestamptz NOT NULL, id int) USING segstore;
INSERT INTO s3 SELECT '2024-01-01'::timestamptz + i * interval '1 hour', i FROM generate_series(1, 50) i;
DELETE FROM s3 WHERE id % 2 = 0;
UPDATE s3 SET id = -id WHERE id % 5 = 0;
SELECT count(*), sum(id) FROM s3;
TRUNCATE s3;
INSERT INTO s3 VALUES ('2024-01-01', 1);
DELETE FROM s3 WHERE id = 1 RETURNING id;
SELECT count(*) FROM s3;
COMMIT;
SELECT count(*) FROM s3;

--
-- 11. Partitions, triggers, large values
--
-- UPDATE moving rows between partitions (segstore and heap ones)
CREATE TABLE ps (ts timestamptz NOT NULL, id int, v int) PARTITION BY RANGE (id);
CREATE TABLE ps1 PARTITION OF ps FOR VALUES FROM (0) TO (100) USING segstore;
CREATE TABLE ps2 PARTITION OF ps FOR VALUES FROM (100) TO (200) USING segstore;
CREATE TABLE ps3 PARTITION OF ps FOR VALUES FROM (200) TO (300) USING heap;
CREATE TABLE ph (ts timestamptz NOT NULL, id int, v int) PARTITION BY RANGE (id);
CREATE TABLE ph1 PARTITION OF ph FOR VALUES FROM (0) TO (100);
CREATE TABLE ph2 PARTITION OF ph FOR VALUES FROM (100) TO (200);
CREATE TABLE ph3 PARTITION OF ph FOR VALUES FROM (200) TO (300);
INSERT INTO ps SELECT '2024-01-01'::timestamptz + i * interval '1 hour', i, i FROM generate_series(0, 299) i;
INSERT INTO ph SELECT '2024-01-01'::timestamptz + i * interval '1 hour', i, i FROM generate_series(0, 299) i;
WITH u AS (UPDATE ps SET id = id + 100 WHERE id % 10 = 0 AND id < 200 RETURNING tableoid::regclass AS part, id, v)
SELECT part, count(*), sum(id), sum(v) FROM u GROUP BY part ORDER BY part;
WITH u AS (UPDATE ph SET id = id + 100 WHERE id % 10 = 0 AND id < 200 RETURNING tableoid::regclass AS part, id, v)
SELECT part, count(*), sum(id), sum(v) FROM u GROUP BY part ORDER BY part;
SELECT tableoid::regclass, count(*), sum(id), sum(v) FROM ps GROUP BY 1 ORDER BY 1;
SELECT tableoid::regclass, count(*), sum(id), sum(v) FROM ph GROUP BY 1 ORDER BY 1;
SELECT count(*) >= 0 FROM segstore.seal('ps2');
UPDATE ps SET id = id - 200 WHERE id % 10 = 0 AND id >= 200;
UPDATE ph SET id = id - 200 WHERE id % 10 = 0 AND id >= 200;
UPDATE ps SET id = id + 100 WHERE id BETWEEN 150 AND 160;
UPDATE ph SET id = id + 100 WHERE id BETWEEN 150 AND 160;
SELECT tableoid::regclass, count(*), sum(id), sum(v) FROM ps GROUP BY 1 ORDER BY 1;
SELECT tableoid::regclass, count(*), sum(id), sum(v) FROM ph GROUP BY 1 ORDER BY 1;
-- row triggers see the old and new versions, statement triggers the
-- transition tables
CREATE TABLE tlog (tbl text, op text, old_id int, old_v int, new_id int, new_v int) USING heap;
CREATE FUNCTION log_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO tlog VALUES (TG_TABLE_NAME, TG_OP, OLD.id, OLD.v, NEW.id, NEW.v);
  RETURN NULL;
END $$;
CREATE FUNCTION log_stmt() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO tlog SELECT TG_TABLE_NAME, TG_OP || ' stmt', o.id, o.v, n.id, n.v
  FROM old_rows o FULL JOIN new_rows n ON o.ts = n.ts;
  RETURN NULL;
END $$;
CREATE TRIGGER a AFTER UPDATE OR DELETE ON ps1 FOR EACH ROW EXECUTE FUNCTION log_row();
CREATE TRIGGER a AFTER UPDATE OR DELETE ON ph1 FOR EACH ROW EXECUTE FUNCTION log_row();
CREATE TRIGGER b AFTER UPDATE ON ps1 REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION log_stmt();
CREATE TRIGGER b AFTER UPDATE ON ph1 REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION log_stmt();
UPDATE ps1 SET v = v * 100 WHERE id BETWEEN 1 AND 5;
UPDATE ph1 SET v = v * 100 WHERE id BETWEEN 1 AND 5;
SELECT count(*) >= 0 FROM segstore.seal('ps1');
DELETE FROM ps1 WHERE id BETWEEN 4 AND 7;
DELETE FROM ph1 WHERE id BETWEEN 4 AND 7;
SELECT op, old_id, old_v, new_id, new_v,
       count(*) FILTER (WHERE tbl = 'ps1') AS s, count(*) FILTER (WHERE tbl = 'ph1') AS h
FROM tlog GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5;
-- a BEFORE trigger changing the new version (and its time), one skipping
-- deletions
CREATE FUNCTION bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.v := NEW.v + 1000;
  NEW.ts := NEW.ts + interval '10 days';
  RETURN NEW;
END $$;
CREATE FUNCTION skip_odd() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.id % 2 = 1 THEN
    RETURN NULL;
  END IF;
  RETURN OLD;
END $$;
CREATE TRIGGER c BEFORE UPDATE ON ps2 FOR EACH ROW EXECUTE FUNCTION bump();
CREATE TRIGGER c BEFORE UPDATE ON ph2 FOR EACH ROW EXECUTE FUNCTION bump();
CREATE TRIGGER d BEFORE DELETE ON ps2 FOR EACH ROW EXECUTE FUNCTION skip_odd();
CREATE TRIGGER d BEFORE DELETE ON ph2 FOR EACH ROW EXECUTE FUNCTION skip_odd();
WITH u AS (UPDATE ps2 SET v = 0 WHERE id BETWEEN 130 AND 132 RETURNING id, v, ts)
SELECT * FROM u ORDER BY id;
WITH u AS (UPDATE ph2 SET v = 0 WHERE id BETWEEN 130 AND 132 RETURNING id, v, ts)
SELECT * FROM u ORDER BY id;
DELETE FROM ps2 WHERE id BETWEEN 160 AND 169;
DELETE FROM ph2 WHERE id BETWEEN 160 AND 169;
SELECT (SELECT count(*) FROM ps) AS s_count, (SELECT count(*) FROM ph) AS h_count,
       NOT EXISTS (SELECT * FROM ps EXCEPT ALL SELECT * FROM ph)
   AND NOT EXISTS (SELECT * FROM ph EXCEPT ALL SELECT * FROM ps) AS same;
-- large values: updating another column keeps them whole
CREATE TABLE big_s (ts timestamptz NOT NULL, id int, t text) USING segstore;
CREATE TABLE big_h (ts timestamptz NOT NULL, id int, t text) USING heap;
INSERT INTO big_s SELECT '2024-01-01', i, repeat(md5(i::text), 10000) FROM generate_series(1, 5) i;
INSERT INTO big_h SELECT '2024-01-01', i, repeat(md5(i::text), 10000) FROM generate_series(1, 5) i;
UPDATE big_s SET id = id * 10 WHERE id < 3;
UPDATE big_h SET id = id * 10 WHERE id < 3;
UPDATE big_s SET t = t || 'x' WHERE id = 3 RETURNING id, length(t);
UPDATE big_h SET t = t || 'x' WHERE id = 3 RETURNING id, length(t);
DELETE FROM big_s WHERE id = 4 RETURNING id, length(t), md5(t);
DELETE FROM big_h WHERE id = 4 RETURNING id, length(t), md5(t);
SELECT id, length(t), md5(t) FROM big_s ORDER BY id;
SELECT (SELECT count(*) FROM big_s) AS s_count,
       NOT EXISTS (SELECT * FROM big_s EXCEPT ALL SELECT * FROM big_h)
   AND NOT EXISTS (SELECT * FROM big_h EXCEPT ALL SELECT * FROM big_s) AS same;

DROP TABLE ps, ph, tlog, big_s, big_h;
DROP FUNCTION log_row(), log_stmt(), bump(), skip_odd();
DROP FUNCTION modify_loop(int);
DROP FUNCTION del_subxacts(int, int);
DROP VIEW cmp, day_diff, segs, del_records;
DROP TABLE s, h, s3, cur_s, cur_h, archive_s, archive_h, gone, devs, devs_s, src, sealed_before;
