--
-- Freezing: VACUUM seals the active segments whose rows all precede the
-- freeze cutoff, marks the sealed segments whose rows all precede it as
-- frozen (segstore.manifest.frozen) and advances the table's relfrozenxid
-- to the oldest xid still stored where it is looked at (an active file,
-- an unfrozen sealed segment).  A segstore table "s" and a heap table "h"
-- receive the same statements and must always hold the same rows;
-- freezing changes no row, no TID and no visibility.
-- (Prepared transactions, rows kept as pending_rows and the aborted_rows
-- of a frozen segment are covered by test/t/013_freeze_wraparound.pl: this
-- suite's server has no max_prepared_transactions.)
--
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS segstore;
RESET client_min_messages;
SET TimeZone = 'UTC';
\set VERBOSITY terse
CREATE SCHEMA freeze_t;
SET search_path = freeze_t, public;

CREATE TABLE s (ts timestamptz NOT NULL, id int PRIMARY KEY, v int, note text) USING segstore;
CREATE TABLE h (ts timestamptz NOT NULL, id int PRIMARY KEY, v int, note text) USING heap;
CREATE INDEX s_v ON s (v);
CREATE INDEX h_v ON h (v);

-- counts, sums and the rows only one of the two tables holds (none expected)
CREATE VIEW cmp AS
SELECT (SELECT count(*) FROM s) AS s_count, (SELECT count(*) FROM h) AS h_count,
       (SELECT sum(v) FROM s) AS s_sum, (SELECT sum(v) FROM h) AS h_sum,
       (SELECT count(*) FROM (SELECT * FROM s EXCEPT ALL SELECT * FROM h) x) AS only_s,
       (SELECT count(*) FROM (SELECT * FROM h EXCEPT ALL SELECT * FROM s) x) AS only_h;
-- the segments of s, with their manifest row if sealed
CREATE VIEW segs AS
SELECT g.segment_id, g.state, g.bucket_start::date AS bucket, g.row_count,
       m.frozen, m.pending_rows, m.aborted_rows
FROM segstore.segments g
LEFT JOIN (segstore.manifest m JOIN pg_class c
           ON c.relfilenode = m.relfilenode AND c.oid = 'freeze_t.s'::regclass)
  ON m.segment_id = g.segment_id
WHERE g.table_name = 'freeze_t.s'::regclass;
-- the manifest rows of s: sealed, frozen, sealed with rows but not frozen;
-- and the active segments (segstore.segments)
CREATE VIEW frz AS
SELECT count(*) AS sealed,
       count(*) FILTER (WHERE m.frozen) AS frozen,
       count(*) FILTER (WHERE m.row_count > 0 AND NOT m.frozen) AS unfrozen_with_rows,
       (SELECT count(*) FROM segstore.segments
        WHERE table_name = 'freeze_t.s'::regclass AND state IN ('active', 'full')) AS active
FROM segstore.manifest m JOIN pg_class c ON c.relfilenode = m.relfilenode
WHERE c.oid = 'freeze_t.s'::regclass AND m.state = 'sealed';
-- xids of chosen transactions (their rows' stored xid), to tell which one
-- relfrozenxid is
CREATE TABLE xids (label text PRIMARY KEY, x xid) USING heap;
CREATE VIEW rfx AS
SELECT coalesce((SELECT string_agg(label, ',' ORDER BY label) FROM xids
                 WHERE x = c.relfrozenxid), 'other') AS s_relfrozenxid_is,
       age(c.relfrozenxid) = 0 AS s_fully_advanced
FROM pg_class c WHERE c.oid = 'freeze_t.s'::regclass;

--
-- 1. A fresh table: plain VACUUM (vacuum_freeze_min_age 50 million) seals
--    and freezes nothing; relfrozenxid becomes the oldest stored xid.
--
SHOW vacuum_freeze_min_age;
-- five one-day buckets, one row per hour
BEGIN;
INSERT INTO s SELECT '2024-01-01 00:30'::timestamptz + (i - 1) * interval '1 hour', i, i * 10, 'r' || i % 5
FROM generate_series(1, 120) i;
INSERT INTO xids VALUES ('load', xid(pg_current_xact_id()));
COMMIT;
INSERT INTO h SELECT '2024-01-01 00:30'::timestamptz + (i - 1) * interval '1 hour', i, i * 10, 'r' || i % 5
FROM generate_series(1, 120) i;
SELECT * FROM cmp;
SELECT * FROM segs ORDER BY segment_id, state;
SELECT * FROM rfx;
VACUUM s;
VACUUM h;
SELECT * FROM segs ORDER BY segment_id, state;
SELECT * FROM frz;
SELECT count(*) AS manifest_rows FROM segstore.manifest m JOIN pg_class c
  ON c.relfilenode = m.relfilenode WHERE c.oid = 's'::regclass;
SELECT * FROM rfx;
SELECT * FROM cmp;

--
-- 2. Rolled-back rows, sealed and active segments, deletes and updates.
--
-- a rolled-back insert into bucket 01-02, and a rolled-back savepoint
BEGIN;
INSERT INTO s SELECT '2024-01-02 12:00'::timestamptz + i * interval '1 minute', 1000 + i, -1, 'rolled back'
FROM generate_series(1, 10) i;
SELECT count(*) AS own_rows FROM s WHERE id > 1000;
ROLLBACK;
BEGIN;
INSERT INTO s VALUES ('2024-01-03 12:01', 2001, 20010, 'kept');
SAVEPOINT sp;
INSERT INTO s VALUES ('2024-01-03 12:02', 2002, 20020, 'savepoint');
ROLLBACK TO SAVEPOINT sp;
COMMIT;
INSERT INTO h VALUES ('2024-01-03 12:01', 2001, 20010, 'kept');
-- a bucket (01-09) that only a rolled-back transaction wrote to
BEGIN;
INSERT INTO s VALUES ('2024-01-09 01:00', 3001, -1, 'rolled back'), ('2024-01-09 02:00', 3002, -1, 'rolled back');
SELECT count(*) AS own_rows FROM s WHERE id > 3000;
ROLLBACK;
SELECT * FROM segs ORDER BY segment_id, state;
-- the seal drops the rolled-back rows
SELECT segment_id, row_count FROM segstore.seal('s') ORDER BY segment_id;
SELECT * FROM segs ORDER BY segment_id, state;
-- late rows of sealed bucket 01-01 (a new active segment) and bucket 01-06
BEGIN;
INSERT INTO s SELECT '2024-01-01 00:45'::timestamptz + (i - 121) * interval '1 hour', i, i * 10, 'late'
FROM generate_series(121, 130) i;
INSERT INTO s SELECT '2024-01-06 00:30'::timestamptz + (i - 131) * interval '1 hour', i, i * 10, 'day 6'
FROM generate_series(131, 150) i;
INSERT INTO xids VALUES ('late', xid(pg_current_xact_id()));
COMMIT;
INSERT INTO h SELECT '2024-01-01 00:45'::timestamptz + (i - 121) * interval '1 hour', i, i * 10, 'late'
FROM generate_series(121, 130) i;
INSERT INTO h SELECT '2024-01-06 00:30'::timestamptz + (i - 131) * interval '1 hour', i, i * 10, 'day 6'
FROM generate_series(131, 150) i;
-- deletes of sealed and active rows
DELETE FROM s WHERE (id % 10 = 7 AND id <= 60) OR id IN (125, 135);
DELETE FROM h WHERE (id % 10 = 7 AND id <= 60) OR id IN (125, 135);
-- updates: in place (sealed 01-02, active 01-06), moving a sealed row
-- to a new bucket (01-07), changing a key
UPDATE s SET v = -v, note = 'updated' WHERE id BETWEEN 30 AND 35 OR id = 140;
UPDATE h SET v = -v, note = 'updated' WHERE id BETWEEN 30 AND 35 OR id = 140;
UPDATE s SET ts = ts + interval '3 days', note = 'moved' WHERE id = 100;
UPDATE h SET ts = ts + interval '3 days', note = 'moved' WHERE id = 100;
UPDATE s SET id = 5000 WHERE id = 50;
UPDATE h SET id = 5000 WHERE id = 50;
-- a rolled-back insert into the active bucket 01-06, a rolled-back delete
-- and update of sealed rows
BEGIN;
INSERT INTO s VALUES ('2024-01-06 12:34', 4001, -1, 'rolled back');
DELETE FROM s WHERE id BETWEEN 61 AND 70;
UPDATE s SET v = 0 WHERE id BETWEEN 71 AND 80;
ROLLBACK;
SELECT * FROM cmp;
SELECT * FROM segs ORDER BY segment_id, state;
SELECT * FROM frz;
-- (A plain VACUUM here should leave segments 1-5 sealed but unfrozen and
-- relfrozenxid at "load".  Not checked: while the cluster has used fewer
-- xids than vacuum_freeze_min_age, the freeze cutoff wraps below xid 0 and
-- its 64-bit form in seg_freeze.c full_xid() underflows, so a plain VACUUM
-- freezes every sealed segment.)

--
-- 3. VACUUM FREEZE.
--
-- rows and TIDs before
CREATE TABLE before_freeze AS SELECT ctid AS tid, * FROM s;
SELECT count(*) AS rows_before FROM before_freeze;
-- the first run seals the active segments (dropping the rolled-back row)
-- and freezes every sealed segment with rows; the active files the seal
-- superseded stay until the next cleanup, and their rows (the oldest ones
-- the "late" transaction inserted) hold relfrozenxid back
VACUUM FREEZE s;
SELECT * FROM segs ORDER BY segment_id, state;
SELECT * FROM frz;
SELECT age(c.relfrozenxid) >= (SELECT age(x) FROM xids WHERE label = 'late') AS s_not_past_late,
       age(c.relfrozenxid) = 0 AS s_fully_advanced
FROM pg_class c WHERE c.oid = 's'::regclass;
-- the second run removes those files: relfrozenxid advances fully, as
-- heap's does
VACUUM FREEZE s;
VACUUM FREEZE h;
SELECT * FROM segs ORDER BY segment_id, state;
SELECT * FROM frz;
SELECT * FROM rfx;
SELECT s.relfrozenxid = h.relfrozenxid AS same_relfrozenxid,
       age(s.relfrozenxid) = age(h.relfrozenxid) AS same_age
FROM pg_class s, pg_class h WHERE s.oid = 's'::regclass AND h.oid = 'h'::regclass;
-- the same rows as heap, the same TIDs as before
SELECT * FROM cmp;
SELECT (SELECT count(*) FROM (SELECT ctid AS tid, * FROM s EXCEPT SELECT * FROM before_freeze) x) AS new_tids,
       (SELECT count(*) FROM (SELECT * FROM before_freeze EXCEPT SELECT ctid AS tid, * FROM s) x) AS lost_tids;
-- deleted rows stay deleted, updated rows keep their new values,
-- rolled-back rows stay invisible
SELECT count(*) AS deleted_seen FROM s WHERE (id % 10 = 7 AND id <= 60) OR id IN (50, 125, 135);
SELECT id, v, note FROM s WHERE note IN ('updated', 'moved') OR id = 5000 ORDER BY id;
SELECT count(*) AS rolled_back_seen FROM s WHERE v = -1 OR id BETWEEN 1001 AND 1010 OR id IN (2002, 3001, 3002, 4001);
SELECT * FROM s WHERE id = 100;
-- the indexes return the same rows as heap's, by index and bitmap scans
SET enable_seqscan = off;
SET segstore.enable_segment_scan = off;
SET enable_bitmapscan = off;
EXPLAIN (COSTS OFF) SELECT * FROM s WHERE id BETWEEN 25 AND 40;
SELECT * FROM s WHERE id BETWEEN 25 AND 40 ORDER BY id;
EXPLAIN (COSTS OFF) SELECT * FROM s WHERE id > 0;
SELECT (SELECT count(*) FROM (SELECT * FROM s WHERE id > 0 EXCEPT ALL SELECT * FROM h) x) AS only_s,
       (SELECT count(*) FROM (SELECT * FROM h EXCEPT ALL SELECT * FROM s WHERE id > 0) x) AS only_h;
SELECT id, v FROM s WHERE v < 0 ORDER BY v;
SET enable_indexscan = off;
SET enable_bitmapscan = on;
EXPLAIN (COSTS OFF) SELECT * FROM s WHERE v BETWEEN 250 AND 400;
SELECT id, v, note FROM s WHERE v BETWEEN 250 AND 400 ORDER BY v;
EXPLAIN (COSTS OFF) SELECT * FROM s WHERE v > -100000;
SELECT (SELECT count(*) FROM (SELECT * FROM s WHERE v > -100000 EXCEPT ALL SELECT * FROM h) x) AS only_s,
       (SELECT count(*) FROM (SELECT * FROM h EXCEPT ALL SELECT * FROM s WHERE v > -100000) x) AS only_h;
RESET enable_seqscan;
RESET segstore.enable_segment_scan;
RESET enable_bitmapscan;
RESET enable_indexscan;
SELECT count(*) AS problems FROM segstore.verify('s') WHERE NOT ok;

--
-- 4. Changes after freezing work, and freeze again.
--
-- a key deleted before freezing can be taken again, a present one cannot
BEGIN;
INSERT INTO s VALUES ('2024-01-01 06:06', 7, 70, 'again');
INSERT INTO xids VALUES ('again', xid(pg_current_xact_id()));
COMMIT;
INSERT INTO h VALUES ('2024-01-01 06:06', 7, 70, 'again');
-- (the failed row stays in the active file, as a rolled-back row)
INSERT INTO s VALUES ('2024-01-01 06:06', 8, 80, 'duplicate');
BEGIN;
INSERT INTO s SELECT '2024-01-02 00:50'::timestamptz + (i - 151) * interval '1 hour', i, i * 10, 'after'
FROM generate_series(151, 160) i;
INSERT INTO xids VALUES ('after', xid(pg_current_xact_id()));
COMMIT;
INSERT INTO h SELECT '2024-01-02 00:50'::timestamptz + (i - 151) * interval '1 hour', i, i * 10, 'after'
FROM generate_series(151, 160) i;
-- rows of frozen segments: deleted, updated (in place and moved), and a
-- rolled-back delete
DELETE FROM s WHERE id IN (1, 24, 49, 131, 152);
DELETE FROM h WHERE id IN (1, 24, 49, 131, 152);
UPDATE s SET v = v + 1, note = 'after update' WHERE id IN (2, 26, 101, 132, 153);
UPDATE h SET v = v + 1, note = 'after update' WHERE id IN (2, 26, 101, 132, 153);
UPDATE s SET ts = ts - interval '10 days' WHERE id = 3;
UPDATE h SET ts = ts - interval '10 days' WHERE id = 3;
BEGIN;
DELETE FROM s WHERE id BETWEEN 81 AND 90;
ROLLBACK;
SELECT * FROM cmp;
SELECT id, v, note FROM s WHERE note LIKE 'after%' OR id IN (1, 3, 24, 49, 131, 152) ORDER BY id;
SELECT * FROM segs ORDER BY segment_id, state;
-- plain VACUUM (vacuum_freeze_min_age 50 million) leaves the frozen
-- segments frozen and the new active ones active; relfrozenxid stops at
-- the oldest row in an active file ("again")
VACUUM s;
SELECT * FROM frz;
SELECT * FROM rfx;
SELECT * FROM cmp;

--
-- 5. vacuum_freeze_min_age = 0: plain VACUUM freezes as VACUUM FREEZE does.
--
CREATE TABLE before_freeze2 AS SELECT ctid AS tid, * FROM s;
SET vacuum_freeze_min_age = 0;
VACUUM s;
SELECT * FROM frz;
VACUUM s;
VACUUM h;
RESET vacuum_freeze_min_age;
SELECT * FROM segs ORDER BY segment_id, state;
SELECT (SELECT count(*) FROM (SELECT ctid AS tid, * FROM s EXCEPT SELECT * FROM before_freeze2) x) AS new_tids,
       (SELECT count(*) FROM (SELECT * FROM before_freeze2 EXCEPT SELECT ctid AS tid, * FROM s) x) AS lost_tids;
SELECT * FROM frz;
SELECT * FROM rfx;
SELECT s.relfrozenxid = h.relfrozenxid AS same_relfrozenxid
FROM pg_class s, pg_class h WHERE s.oid = 's'::regclass AND h.oid = 'h'::regclass;
SELECT * FROM cmp;
SELECT id, v, note FROM s WHERE note LIKE 'after%' OR id IN (1, 3, 24, 49, 131, 152) ORDER BY id;
SET enable_seqscan = off;
SET segstore.enable_segment_scan = off;
SET enable_bitmapscan = off;
SELECT (SELECT count(*) FROM (SELECT * FROM s WHERE id > 0 EXCEPT ALL SELECT * FROM h) x) AS only_s,
       (SELECT count(*) FROM (SELECT * FROM h EXCEPT ALL SELECT * FROM s WHERE id > 0) x) AS only_h;
RESET enable_seqscan;
RESET segstore.enable_segment_scan;
RESET enable_bitmapscan;
-- a third VACUUM FREEZE changes nothing
VACUUM FREEZE s;
SELECT * FROM frz;
SELECT * FROM cmp;

DROP SCHEMA freeze_t CASCADE;
