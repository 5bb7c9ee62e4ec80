--
-- Retention: policies (segstore.set_policy, drop_policy, the
-- segstore.retention option, the segstore.policies view), eviction of whole
-- segments (segstore.evict, segstore.evict_before), removal of the evicted
-- segments' files, and run_maintenance applying retention policies.
-- Data is in 2024, so results do not depend on today's date, except where
-- a retention is relative to now() (a 1-day retention evicts all of 2024).
--
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS segstore;
RESET client_min_messages;
SET TimeZone = 'UTC';
CREATE SCHEMA retention_t;
SET search_path = retention_t, public;

-- Runs one statement and reports its error (SQLSTATE, message, detail)
-- without stopping the test, or 'no error'.
CREATE FUNCTION try(stmt text, OUT code text, OUT message text, OUT detail text)
LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE stmt;
  code := '00000';
  message := 'no error';
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS code = RETURNED_SQLSTATE, message = MESSAGE_TEXT,
                          detail = PG_EXCEPTION_DETAIL;
  detail := nullif(detail, '');
END $$;

--
-- 1. Policies.
--
-- A retention given at CREATE TABLE; a table without one keeps rows
-- forever (retention NULL).  segstore.policies shows retention and
-- seal_after, as segstore.tables does.
CREATE TABLE pol (ts timestamptz NOT NULL, id int) USING segstore
  WITH (segstore.retention = '7 days');
CREATE TABLE nopol (ts timestamptz NOT NULL, id int) USING segstore;
SELECT * FROM segstore.policies
WHERE table_name IN ('pol'::regclass, 'nopol'::regclass) ORDER BY table_name::text;
SELECT table_name, seal_after, retention FROM segstore.tables
WHERE table_name IN ('pol'::regclass, 'nopol'::regclass) ORDER BY table_name::text;
-- set_policy sets both; NULL arguments (explicit or defaulted) leave a
-- policy as it is
SELECT segstore.set_policy('pol', retention => '30 days', seal_after => '2 hours');
SELECT * FROM segstore.policies WHERE table_name = 'pol'::regclass;
SELECT segstore.set_policy('pol', retention => NULL, seal_after => NULL);
SELECT segstore.set_policy('pol');
SELECT * FROM segstore.policies WHERE table_name = 'pol'::regclass;
SELECT segstore.set_policy('pol', retention => '10 days');
SELECT * FROM segstore.policies WHERE table_name = 'pol'::regclass;
SELECT segstore.set_policy('pol', seal_after => '0');
SELECT * FROM segstore.policies WHERE table_name = 'pol'::regclass;
-- intervals are kept as days and time; the extremes are accepted
SELECT segstore.set_policy('pol', retention => '36 hours');
SELECT retention FROM segstore.policies WHERE table_name = 'pol'::regclass;
SELECT segstore.set_policy('pol', retention => '1 second');
SELECT retention FROM segstore.policies WHERE table_name = 'pol'::regclass;
SELECT segstore.set_policy('pol', retention => '36500 days');
SELECT retention FROM segstore.policies WHERE table_name = 'pol'::regclass;
-- the same option through ALTER TABLE SET / RESET; RESET keeps rows
-- forever again and leaves seal_after alone
ALTER TABLE pol SET (segstore.retention = '30 days');
SELECT * FROM segstore.policies WHERE table_name = 'pol'::regclass;
ALTER TABLE pol RESET (segstore.retention);
SELECT * FROM segstore.policies WHERE table_name = 'pol'::regclass;
SELECT table_name, retention FROM segstore.tables WHERE table_name = 'pol'::regclass;
-- drop_policy: keep rows forever and seal after the default hour
SELECT segstore.set_policy('pol', retention => '3 days', seal_after => '5 hours');
SELECT segstore.drop_policy('pol');
SELECT * FROM segstore.policies WHERE table_name = 'pol'::regclass;
SELECT segstore.drop_policy(NULL);
SELECT segstore.set_policy('pol', retention => '3 days', seal_after => '5 hours');

-- Bad values: invalid_parameter_value (22023; text that is no interval at
-- all: invalid_datetime_format 22007), and nothing changes.  A retention
-- must be a fixed length of at least 1 second: zero, negative, sub-second,
-- months and years are refused.
SELECT * FROM try($$SELECT segstore.set_policy('pol', retention => '0')$$);
SELECT * FROM try($$SELECT segstore.set_policy('pol', retention => '-1 day')$$);
SELECT * FROM try($$SELECT segstore.set_policy('pol', retention => '0.5 seconds')$$);
SELECT * FROM try($$SELECT segstore.set_policy('pol', retention => '1 month')$$);
SELECT * FROM try($$SELECT segstore.set_policy('pol', retention => '1 year')$$);
SELECT * FROM try($$SELECT segstore.set_policy('pol', retention => '36501 days')$$);
SELECT * FROM try($$SELECT segstore.set_policy('pol', seal_after => '-1 hour')$$);
-- a bad value next to a good one changes neither
SELECT * FROM try($$SELECT segstore.set_policy('pol', retention => '1 day', seal_after => '-1 hour')$$);
SELECT * FROM try($$ALTER TABLE pol SET (segstore.retention = '0')$$);
SELECT * FROM try($$ALTER TABLE pol SET (segstore.retention = '-30 days')$$);
SELECT * FROM try($$ALTER TABLE pol SET (segstore.retention = '1 month')$$);
SELECT * FROM try($$ALTER TABLE pol SET (segstore.retention = 'forever')$$);
SELECT * FROM try($$CREATE TABLE bad (ts timestamptz) USING segstore WITH (segstore.retention = '1 mon')$$);
SELECT * FROM segstore.policies WHERE table_name = 'pol'::regclass;
SELECT count(*) FROM pg_class WHERE relname = 'bad' AND relnamespace = 'retention_t'::regnamespace;

-- Not a segstore table: wrong_object_type (42809), for each function.
CREATE TABLE plain (ts timestamptz NOT NULL, id int) USING heap;
CREATE VIEW plain_v AS SELECT * FROM plain;
SELECT * FROM try($$SELECT segstore.set_policy('plain', retention => '1 day')$$);
SELECT * FROM try($$SELECT segstore.set_policy('plain_v', retention => '1 day')$$);
SELECT * FROM try($$SELECT segstore.drop_policy('plain')$$);
SELECT * FROM try($$SELECT * FROM segstore.evict('plain', '1 day')$$);
SELECT * FROM try($$SELECT * FROM segstore.evict_before('plain', '2024-01-01')$$);
SELECT count(*) FROM segstore.policies WHERE table_name = 'plain'::regclass;

-- Only the owner may set policies or evict: insufficient_privilege
-- (42501), even with SELECT on the table, which lets one read the
-- policies.  A role's own table is fine.
CREATE ROLE regress_segstore_retention;
GRANT USAGE, CREATE ON SCHEMA retention_t TO regress_segstore_retention;
GRANT SELECT ON pol TO regress_segstore_retention;
INSERT INTO pol VALUES ('2024-01-01 10:00', 1), ('2024-01-02 10:00', 2);
SET ROLE regress_segstore_retention;
SELECT * FROM try($$SELECT segstore.set_policy('pol', retention => '1 day')$$);
SELECT * FROM try($$SELECT segstore.set_policy('pol', seal_after => '0')$$);
SELECT * FROM try($$SELECT segstore.drop_policy('pol')$$);
SELECT * FROM try($$ALTER TABLE pol SET (segstore.retention = '1 day')$$);
SELECT * FROM try($$ALTER TABLE pol RESET (segstore.retention)$$);
SELECT * FROM try($$SELECT * FROM segstore.evict('pol', '1 day')$$);
SELECT * FROM try($$SELECT * FROM segstore.evict_before('pol', '2025-01-01')$$);
-- not even told that a table it does not own is not a segstore table
SELECT * FROM try($$SELECT segstore.set_policy('plain', retention => '1 day')$$);
SELECT * FROM segstore.policies WHERE table_name = 'pol'::regclass;
CREATE TABLE mine (ts timestamptz NOT NULL, id int) USING segstore;
INSERT INTO mine VALUES ('2024-01-01 10:00', 1), ('2024-01-02 10:00', 2);
SELECT segstore.set_policy('mine', retention => '1 day', seal_after => '36500 days');
SELECT * FROM segstore.policies WHERE table_name = 'mine'::regclass;
-- maintenance as this role works on its own table only
SELECT table_name, segment_id, action, row_count FROM segstore.run_maintenance()
WHERE table_name IN ('pol'::regclass, 'mine'::regclass)
ORDER BY table_name::text, segment_id, action;
SELECT count(*) FROM mine;
SELECT count(*), sum(id) FROM pol;
RESET ROLE;
SELECT segment_id, state, row_count FROM segstore.segments
WHERE table_name = 'pol'::regclass ORDER BY segment_id;
SELECT * FROM segstore.policies WHERE table_name = 'pol'::regclass;
DROP TABLE mine;

--
-- 2. Eviction of a timestamptz table.
--
-- Five one-day buckets of 24 hourly rows (ids 0..119): the first three
-- sealed, the last two active.
CREATE TABLE ev (ts timestamptz NOT NULL, id int) USING segstore;
INSERT INTO ev SELECT '2024-01-01'::timestamptz + g * interval '1 hour', g FROM generate_series(0, 71) g;
SELECT segment_id, row_count FROM segstore.seal('ev') ORDER BY segment_id;
INSERT INTO ev SELECT '2024-01-01'::timestamptz + g * interval '1 hour', g FROM generate_series(72, 119) g;
SELECT segment_id, state, bucket_start, bucket_end, min_time, max_time, row_count
FROM segstore.segments WHERE table_name = 'ev'::regclass ORDER BY segment_id;
SELECT count(*), sum(id) FROM ev;
-- what each segment was, and the paths of its files: the active file
-- (a sealed segment's stays until a later cleanup), the sealed file, and
-- the marker that keeps writers off an evicted active segment
CREATE TEMP TABLE ev_seg AS
SELECT segment_id, state, bytes, file FROM segstore.segments WHERE table_name = 'ev'::regclass;
CREATE TEMP TABLE ev_files AS
SELECT segment_id, 'act' AS kind, replace(file, '.seal', '.act') AS path FROM ev_seg
UNION ALL
SELECT segment_id, 'seal', file FROM ev_seg WHERE state = 'sealed'
UNION ALL
SELECT segment_id, 'evict', replace(file, '.act', '.evict') FROM ev_seg WHERE state = 'active';
CREATE TEMP VIEW ev_files_now AS
SELECT f.segment_id, string_agg(f.kind, ',' ORDER BY f.kind)
         FILTER (WHERE (pg_stat_file(f.path, true)).size IS NOT NULL) AS files_present,
       m.state AS manifest_state
FROM ev_files f
LEFT JOIN segstore.manifest m
  ON m.relfilenode = pg_relation_filenode('ev') AND m.segment_id = f.segment_id
GROUP BY f.segment_id, m.state ORDER BY f.segment_id;
SELECT * FROM ev_files_now;

-- An eviction is transactional: the evicting transaction no longer sees
-- the rows, and a ROLLBACK keeps every row and segment.  Sealed segments
-- report their rows, active ones NULL (their rows are not counted).
BEGIN;
SELECT e.segment_id, e.state, e.row_count, e.bytes = s.bytes AS bytes_match
FROM segstore.evict_before('ev', '2024-01-06') e JOIN ev_seg s USING (segment_id)
ORDER BY e.segment_id;
SELECT count(*), sum(id) FROM ev;
SELECT count(*) FROM segstore.segments WHERE table_name = 'ev'::regclass;
ROLLBACK;
SELECT count(*), sum(id) FROM ev;
SELECT segment_id, state, row_count FROM segstore.segments
WHERE table_name = 'ev'::regclass ORDER BY segment_id;
-- no eviction markers are left behind
SELECT * FROM ev_files_now;
-- the same in REPEATABLE READ: the transaction's own eviction counts
BEGIN ISOLATION LEVEL REPEATABLE READ;
SELECT count(*) FROM ev;
SELECT segment_id, state FROM segstore.evict_before('ev', '2024-01-03') ORDER BY segment_id;
SELECT count(*), sum(id) FROM ev;
ROLLBACK;
SELECT count(*), sum(id) FROM ev;
-- the active segments stay writable after the rolled-back eviction
INSERT INTO ev VALUES ('2024-01-05 12:30', 500);
SELECT segment_id, state, row_count FROM segstore.segments
WHERE table_name = 'ev'::regclass ORDER BY segment_id;
SELECT count(*), sum(id) FROM ev;

-- Sealed segments go when their newest row is older than the cutoff:
-- max_time equal to the cutoff is kept, one microsecond below it goes.
SELECT * FROM segstore.evict_before('ev', '2024-01-01 23:00');
SELECT segment_id, state, row_count FROM segstore.evict_before('ev', '2024-01-01 23:00:00.000001');
SELECT count(*), sum(id) FROM ev;
SELECT segment_id, state, min_time, max_time FROM segstore.segments
WHERE table_name = 'ev'::regclass ORDER BY segment_id;
-- committed: the manifest row says evicted, the sealed file is still there
-- (snapshots taken before the eviction may read it)
SELECT * FROM ev_files_now;

-- Active segments go when their whole bucket ended at or before the
-- cutoff: segment 4 (bucket ending 2024-01-05) stays at a cutoff after all
-- its rows, while sealed segments 2 and 3 go; it goes at 2024-01-05.
SELECT segment_id, state, row_count FROM segstore.evict_before('ev', '2024-01-04 23:59:59.999999')
ORDER BY segment_id;
SELECT count(*), sum(id) FROM ev;
-- this call removed segment 1's files and then its manifest row
SELECT * FROM ev_files_now;
-- evict(older_than) cuts at now() - older_than: here exactly 2024-01-05
SELECT e.segment_id, e.state, e.row_count, e.bytes = s.bytes AS bytes_match
FROM segstore.evict('ev', now() - '2024-01-05'::timestamptz) e JOIN ev_seg s USING (segment_id);
SELECT count(*), sum(id) FROM ev;
SELECT segment_id, state, bucket_start, bucket_end, row_count FROM segstore.segments
WHERE table_name = 'ev'::regclass ORDER BY segment_id;
SELECT * FROM ev_files_now;

-- older_than: negative is an error; NULL arguments evict nothing
SELECT * FROM try($$SELECT * FROM segstore.evict('ev', '-1 day')$$);
SELECT * FROM try($$SELECT * FROM segstore.evict('ev', '-1 microsecond')$$);
SELECT * FROM segstore.evict('ev', NULL);
SELECT * FROM segstore.evict_before('ev', NULL);
SELECT * FROM segstore.evict(NULL, '1 day');
SELECT count(*), sum(id) FROM ev;

-- older_than '0' cuts at now(): the last 2024 bucket ended long ago.
-- Evicted in a transaction that goes on and commits.
BEGIN;
SELECT segment_id, state, row_count FROM segstore.evict('ev', '0');
SELECT count(*), sum(id) FROM ev;
COMMIT;
SELECT count(*), sum(id) FROM ev;
SELECT count(*) FROM segstore.segments WHERE table_name = 'ev'::regclass;

-- Late rows for evicted buckets (a sealed one whose files are gone, and
-- an active one evicted just now) are kept and visible: each goes to a new
-- active segment.
INSERT INTO ev VALUES ('2024-01-01 12:00', 1000), ('2024-01-05 12:00', 1001);
SELECT * FROM ev ORDER BY id;
SELECT segment_id, state, bucket_start, row_count FROM segstore.segments
WHERE table_name = 'ev'::regclass ORDER BY segment_id;
-- the next call cleans up segment 5, and the late rows survive it
SELECT * FROM segstore.evict_before('ev', '2000-01-01');
SELECT * FROM ev ORDER BY id;
-- every file of every evicted segment is gone, and so are the manifest rows
SELECT * FROM ev_files_now;
SELECT count(*) FROM segstore.manifest WHERE relfilenode = pg_relation_filenode('ev');

-- A row inserted after an eviction in the same transaction, into the
-- bucket just evicted, is visible and stays.
CREATE TABLE ev2 (ts timestamptz NOT NULL, id int) USING segstore;
INSERT INTO ev2 SELECT '2024-01-01'::timestamptz + g * interval '1 hour', g FROM generate_series(0, 47) g;
BEGIN;
SELECT segment_id, state, row_count FROM segstore.evict_before('ev2', '2024-01-02');
INSERT INTO ev2 VALUES ('2024-01-01 12:00', 1000);
SELECT count(*), sum(id) FROM ev2;
COMMIT;
SELECT count(*), sum(id) FROM ev2;
SELECT segment_id, state, bucket_start, row_count FROM segstore.segments
WHERE table_name = 'ev2'::regclass ORDER BY segment_id;
-- the next call cleans up segment 1; the late row survives it
SELECT * FROM segstore.evict_before('ev2', '2000-01-01');
SELECT count(*), sum(id) FROM ev2;

-- A sealed segment without rows (its only transaction rolled back) goes
-- by its bucket, like an active one.
CREATE TABLE empty_seg (ts timestamptz NOT NULL, id int) USING segstore;
BEGIN;
INSERT INTO empty_seg VALUES ('2024-01-01 10:00', 1);
ROLLBACK;
SELECT segment_id, row_count FROM segstore.seal('empty_seg');
SELECT * FROM segstore.evict_before('empty_seg', '2024-01-01 23:59:59');
SELECT segment_id, state, row_count FROM segstore.evict_before('empty_seg', '2024-01-02');

-- A segment this very transaction is appending to is skipped, with a
-- NOTICE, and evicted by a later call; the other buckets' segments go.
CREATE TABLE ev_busy (ts timestamptz NOT NULL, id int) USING segstore;
INSERT INTO ev_busy SELECT '2024-01-01'::timestamptz + g * interval '1 hour', g FROM generate_series(0, 47) g;
BEGIN;
INSERT INTO ev_busy VALUES ('2024-01-01 10:30', 100);
SELECT segment_id, state, row_count FROM segstore.evict_before('ev_busy', '2024-01-03');
SELECT count(*), sum(id) FROM ev_busy;
COMMIT;
SELECT segment_id, state, row_count FROM segstore.segments
WHERE table_name = 'ev_busy'::regclass ORDER BY segment_id;
SELECT segment_id, state, row_count FROM segstore.evict_before('ev_busy', '2024-01-03');
SELECT count(*) FROM ev_busy;

--
-- 3. Time columns of type timestamp and date, and ingest time.
--
-- timestamp: values are taken as UTC for buckets, and the cutoff is read
-- in the session's time zone, as a comparison ts < cutoff would read it.
CREATE TABLE ev_ts (ts timestamp NOT NULL, id int) USING segstore;
INSERT INTO ev_ts SELECT '2024-03-01'::timestamp + g * interval '1 hour', g FROM generate_series(0, 71) g;
SELECT segment_id, state, bucket_start, bucket_end, row_count FROM segstore.segments
WHERE table_name = 'ev_ts'::regclass ORDER BY segment_id;
-- 2024-03-02 00:00+01 is 2024-03-01 23:00 in UTC: segment 1's bucket has
-- not ended there ...
BEGIN;
SELECT * FROM segstore.evict_before('ev_ts', '2024-03-02 00:00+01');
SELECT count(*), count(*) FILTER (WHERE ts < '2024-03-02 00:00+01'::timestamptz) AS older FROM ev_ts;
ROLLBACK;
-- ... but it has at UTC+1, where the same moment is 2024-03-02 00:00
SET TimeZone = 'Etc/GMT-1';
BEGIN;
SELECT segment_id, state, row_count FROM segstore.evict_before('ev_ts', '2024-03-02 00:00+01');
SELECT count(*), min(ts), count(*) FILTER (WHERE ts < '2024-03-02 00:00+01'::timestamptz) AS older FROM ev_ts;
ROLLBACK;
SET TimeZone = 'UTC';
-- sealed: the max_time boundary, as for timestamptz
SELECT segment_id, row_count FROM segstore.seal('ev_ts') ORDER BY segment_id;
CREATE TEMP TABLE ev_ts_seg1 AS
SELECT file FROM segstore.segments WHERE table_name = 'ev_ts'::regclass AND segment_id = 1;
SELECT * FROM segstore.evict_before('ev_ts', '2024-03-01 23:00');
SELECT segment_id, state, row_count FROM segstore.evict_before('ev_ts', '2024-03-01 23:00:00.000001');
SELECT count(*), sum(id), min(ts) FROM ev_ts;
SELECT segment_id, state FROM segstore.manifest
WHERE relfilenode = pg_relation_filenode('ev_ts') ORDER BY segment_id;
SELECT (pg_stat_file(file, true)).size IS NOT NULL AS seal_file_present FROM ev_ts_seg1;
-- a later seal, with nothing to seal, removes segment 1's file and then
-- its manifest row
SELECT * FROM segstore.seal('ev_ts');
SELECT segment_id, state FROM segstore.manifest
WHERE relfilenode = pg_relation_filenode('ev_ts') ORDER BY segment_id;
SELECT (pg_stat_file(file, true)).size IS NOT NULL AS seal_file_present FROM ev_ts_seg1;

-- date: a day is its midnight
CREATE TABLE ev_d (d date NOT NULL, id int) USING segstore;
INSERT INTO ev_d SELECT '2024-03-01'::date + g, g FROM generate_series(0, 5) g;
-- active: the buckets of 03-01 and 03-02 ended by 03-03
SELECT segment_id, state, row_count FROM segstore.evict_before('ev_d', '2024-03-03') ORDER BY segment_id;
SELECT * FROM ev_d ORDER BY d;
SELECT segment_id, row_count FROM segstore.seal('ev_d') ORDER BY segment_id;
-- sealed: 03-03 and 03-04 are older than 03-05; 03-05 is not
SELECT segment_id, state, row_count FROM segstore.evict_before('ev_d', '2024-03-05') ORDER BY segment_id;
SELECT * FROM ev_d ORDER BY d;

-- no time column: rows are bucketed by ingest time, which is "now"
CREATE TABLE ev_ing (id int, v text) USING segstore;
SELECT table_name, time_column FROM segstore.tables WHERE table_name = 'ev_ing'::regclass;
INSERT INTO ev_ing SELECT g, 'row ' || g FROM generate_series(1, 10) g;
SELECT segment_id, state, row_count FROM segstore.segments WHERE table_name = 'ev_ing'::regclass;
-- today's bucket has not ended; the rows are not older than an hour ago
SELECT * FROM segstore.evict('ev_ing', '0');
SELECT * FROM segstore.evict_before('ev_ing', now() - interval '1 hour');
-- a cutoff a day ahead is after the end of today's bucket
BEGIN;
SELECT segment_id, state, row_count FROM segstore.evict_before('ev_ing', now() + interval '1 day');
SELECT count(*) FROM ev_ing;
ROLLBACK;
SELECT count(*), sum(id) FROM ev_ing;
-- sealed, the rows are older than now(): older_than '0' evicts them,
-- older_than '1 hour' does not
SELECT segment_id, row_count FROM segstore.seal('ev_ing');
SELECT * FROM segstore.evict('ev_ing', '1 hour');
SELECT segment_id, state, row_count FROM segstore.evict('ev_ing', '0');
SELECT count(*) FROM ev_ing;
-- new rows go to a new segment
INSERT INTO ev_ing VALUES (11, 'late');
SELECT * FROM ev_ing;
SELECT segment_id, state, row_count FROM segstore.segments WHERE table_name = 'ev_ing'::regclass;

--
-- 4. run_maintenance applies retention policies: it seals what is due,
-- evicts what expired, and removes files.  It works in a background worker
-- that commits per table, while this session's snapshot is still open, so
-- files of segments evicted in a run are removed by the next run.  It goes
-- through every segstore table of the database; only this test's tables
-- are shown.
--
-- m_all: 2024 rows, 1-day retention: sealed, then evicted
-- m_active: the same, never sealed: its active segments are evicted
-- m_recent: rows of ten days ago go, today's stay
-- m_keep: no retention: only sealed
CREATE TABLE m_all (ts timestamptz NOT NULL, id int) USING segstore
  WITH (segstore.retention = '1 day');
CREATE TABLE m_active (ts timestamptz NOT NULL, id int) USING segstore;
ALTER TABLE m_active SET (segstore.retention = '1 day', segstore.seal_after = '36500 days');
CREATE TABLE m_recent (ts timestamptz NOT NULL, id int) USING segstore;
SELECT segstore.set_policy('m_recent', retention => '5 days', seal_after => '1 day');
CREATE TABLE m_keep (ts timestamptz NOT NULL, id int) USING segstore;
SELECT * FROM segstore.policies
WHERE table_name IN ('m_all'::regclass, 'm_active'::regclass, 'm_recent'::regclass, 'm_keep'::regclass)
ORDER BY table_name::text;
INSERT INTO m_all SELECT '2024-06-01'::timestamptz + g * interval '1 hour', g FROM generate_series(0, 47) g;
INSERT INTO m_active SELECT '2024-06-01'::timestamptz + g * interval '1 hour', g FROM generate_series(0, 47) g;
INSERT INTO m_keep SELECT '2024-06-01'::timestamptz + g * interval '1 hour', g FROM generate_series(0, 47) g;
INSERT INTO m_recent SELECT date_trunc('day', now()) - interval '10 days' + g * interval '1 minute', g
  FROM generate_series(1, 10) g;
INSERT INTO m_recent SELECT date_trunc('day', now()) + g * interval '1 minute', 100 + g
  FROM generate_series(1, 10) g;
SELECT table_name, segment_id, state, row_count FROM segstore.segments
WHERE table_name IN ('m_all'::regclass, 'm_active'::regclass, 'm_recent'::regclass, 'm_keep'::regclass)
ORDER BY table_name::text, segment_id;
CREATE TEMP VIEW m_report AS
SELECT table_name, segment_id, action, row_count, bytes > 0 AS has_bytes
FROM segstore.run_maintenance()
WHERE table_name IN ('m_all'::regclass, 'm_active'::regclass, 'm_recent'::regclass, 'm_keep'::regclass)
ORDER BY table_name::text, segment_id, array_position(ARRAY['seal', 'evict', 'remove files'], action);
-- the files each segment has or will have
CREATE TEMP TABLE m_files AS
SELECT table_name::text AS name, segment_id, 'act' AS kind, file AS path FROM segstore.segments
WHERE table_name IN ('m_all'::regclass, 'm_active'::regclass, 'm_recent'::regclass, 'm_keep'::regclass)
UNION ALL
SELECT table_name::text, segment_id, 'seal', replace(file, '.act', '.seal') FROM segstore.segments
WHERE table_name IN ('m_all'::regclass, 'm_active'::regclass, 'm_recent'::regclass, 'm_keep'::regclass)
UNION ALL
SELECT table_name::text, segment_id, 'evict', replace(file, '.act', '.evict') FROM segstore.segments
WHERE table_name IN ('m_all'::regclass, 'm_active'::regclass, 'm_recent'::regclass, 'm_keep'::regclass);
CREATE TEMP VIEW m_files_now AS
SELECT name, segment_id, string_agg(kind, ',' ORDER BY kind)
         FILTER (WHERE (pg_stat_file(path, true)).size IS NOT NULL) AS files_present
FROM m_files GROUP BY name, segment_id ORDER BY name, segment_id;
SELECT * FROM m_files_now;
CREATE TEMP VIEW m_manifest AS
SELECT t.name, m.segment_id, m.state, m.row_count
FROM (VALUES ('m_all'), ('m_active'), ('m_recent'), ('m_keep')) t(name)
JOIN segstore.manifest m ON m.relfilenode = pg_relation_filenode(t.name::regclass)
ORDER BY t.name, m.segment_id;
-- first run: seal and evict
SELECT * FROM m_report;
SELECT table_name, segment_id, state, row_count FROM segstore.segments
WHERE table_name IN ('m_all'::regclass, 'm_active'::regclass, 'm_recent'::regclass, 'm_keep'::regclass)
ORDER BY table_name::text, segment_id;
SELECT * FROM m_manifest;
SELECT * FROM m_files_now;
SELECT count(*), sum(id) FROM m_all;
SELECT count(*), sum(id) FROM m_active;
SELECT count(*), sum(id) FROM m_recent;
SELECT count(*), sum(id) FROM m_keep;
-- second run: the files go (an evicted segment's active and sealed file,
-- and the active files the seals replaced), and the evicted segments'
-- manifest rows with them
SELECT * FROM m_report;
SELECT * FROM m_manifest;
SELECT * FROM m_files_now;
-- third run: nothing left to do
SELECT * FROM m_report;
SELECT count(*), sum(id) FROM m_recent;
SELECT count(*), sum(id) FROM m_keep;

-- A segment a running transaction (here this session's) is appending to
-- is neither sealed nor evicted, and is reported as skipped; the next run
-- after that transaction ends takes it.
CREATE TABLE m_busy (ts timestamptz NOT NULL, id int) USING segstore
  WITH (segstore.retention = '1 day');
INSERT INTO m_busy SELECT '2024-06-01'::timestamptz + g * interval '1 hour', g FROM generate_series(0, 47) g;
CREATE TEMP VIEW m_busy_report AS
SELECT segment_id, action, row_count FROM segstore.run_maintenance()
WHERE table_name = 'm_busy'::regclass
ORDER BY segment_id, array_position(ARRAY['seal', 'evict', 'remove files'], action);
BEGIN;
INSERT INTO m_busy VALUES ('2024-06-01 10:30', 100);
SELECT * FROM m_busy_report;
-- the run committed: segment 2 is gone, segment 1 and this transaction's row stay
SELECT count(*), sum(id) FROM m_busy;
COMMIT;
SELECT segment_id, state, row_count FROM segstore.segments
WHERE table_name = 'm_busy'::regclass ORDER BY segment_id;
SELECT * FROM m_busy_report;
SELECT count(*) FROM m_busy;
SELECT * FROM m_busy_report;
SELECT count(*) FROM segstore.manifest WHERE relfilenode = pg_relation_filenode('m_busy');

-- The -infinity and infinity buckets hold just their own value: an
-- eviction takes them only when that value is older than the cutoff,
-- active or sealed.
CREATE TABLE inf (ts timestamptz NOT NULL, id int) USING segstore;
INSERT INTO inf VALUES ('infinity', 1), ('-infinity', 2), ('2024-01-01', 3);
BEGIN;
SELECT segment_id, state FROM segstore.evict_before('inf', 'infinity') ORDER BY 1;
SELECT id FROM inf ORDER BY id;
ROLLBACK;
BEGIN;
SELECT segment_id, state FROM segstore.evict_before('inf', '-infinity') ORDER BY 1;
SELECT id FROM inf ORDER BY id;
ROLLBACK;
SELECT count(*) FROM segstore.seal('inf');
BEGIN;
SELECT segment_id, state FROM segstore.evict_before('inf', 'infinity') ORDER BY 1;
SELECT id FROM inf ORDER BY id;
ROLLBACK;

-- a NULL table is an error for the functions that take other NULLs
SELECT * FROM try($$SELECT segstore.set_policy(NULL, '1 day')$$);
SELECT * FROM try($$SELECT segstore.set_options(NULL, segment_interval => '1 day')$$);
SELECT * FROM try($$SELECT * FROM segstore.seal(NULL)$$);

-- cleanup
DROP OWNED BY regress_segstore_retention;
DROP ROLE regress_segstore_retention;
SET client_min_messages = warning;
DROP SCHEMA retention_t CASCADE;
RESET client_min_messages;
