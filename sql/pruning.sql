--
-- Time-range pruning by the SegstoreScan custom scan node: which segments
-- and sealed blocks a scan skips (exact counts in EXPLAIN ANALYZE), and
-- that pruning never changes a result.  Queries are run with the node
-- (segstore.enable_segment_scan = on), with a plain Seq Scan (off) and
-- most also on a heap copy of the same rows; the results (count, sum of
-- ids and an md5 of the ordered rows) must be equal, and many are printed
-- so that a result wrong both ways would show too.  Covered:
-- every comparison operator, commuted and cross-type, BETWEEN, IN / ANY /
-- ALL, NULLs and empty arrays, infinities, bucket and block edges,
-- timestamptz, timestamp and date time columns, DST gaps and overlaps,
-- parameters (generic plans), stable expressions, initplans, rescans with
-- changing parameters, parallel scans, and the plans that prune or not.
-- Data is in 2011 and 2024 (plus rows placed relative to now() where
-- now() is the subject), so no result depends on today's date.
-- Sections 6 and 7 hold cases that were wrong when this test was written
-- (marked KNOWN BUG); their expected output is the right result.
--
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS segstore;
RESET client_min_messages;
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, YMD';
SET IntervalStyle = 'postgres';
SET max_parallel_workers_per_gather = 0;
SET plan_cache_mode = auto;
\set VERBOSITY terse
CREATE SCHEMA prune_t;
SET search_path = prune_t, public;

-- Result of "SELECT ... FROM tbl WHERE cond": count, sum of ids and an md5
-- of the matching rows (id and time value), ordered by id; or the error
-- (a value out of range in the session's zone, say).
CREATE FUNCTION res(tbl text, cond text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE r text;
BEGIN
  EXECUTE format('SELECT count(*) || '' '' || coalesce(sum(id), 0) || '' '' || '
                 'md5(coalesce(string_agg(id || ''@'' || ts, '','' ORDER BY id), '''')) '
                 'FROM %I WHERE %s', tbl, cond) INTO r;
  RETURN r;
EXCEPTION WHEN OTHERS THEN
  RETURN 'ERROR: ' || SQLERRM;
END $$;
-- What the plan of that query reads tbl with: 'prune' (SegstoreScan with a
-- Pruning Filter), 'scan' (SegstoreScan without), 'seq' (Seq Scan) or
-- 'none' (the planner proved the result empty).
CREATE FUNCTION plan_kind(tbl text, cond text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE line text; kind text := 'none';
BEGIN
  FOR line IN EXECUTE format('EXPLAIN (COSTS OFF) SELECT id FROM %I WHERE %s', tbl, cond) LOOP
    IF line ~ ('Custom Scan \(SegstoreScan\) on ' || tbl || '\M') THEN kind := 'scan';
    ELSIF line ~ ('Seq Scan on ' || tbl || '\M') THEN kind := 'seq';
    ELSIF line ~ '^\s*Pruning Filter:' AND kind = 'scan' THEN kind := 'prune';
    END IF;
  END LOOP;
  RETURN kind;
EXCEPTION WHEN OTHERS THEN
  RETURN 'error';
END $$;
CREATE FUNCTION res_on(tbl text, cond text, with_plan bool, OUT r text, OUT plan text)
LANGUAGE plpgsql SET segstore.enable_segment_scan = on AS $$
BEGIN
  r := res(tbl, cond);
  IF with_plan THEN plan := plan_kind(tbl, cond); END IF;
END $$;
-- with the node off; the plan must then be a Seq Scan (or nothing)
CREATE FUNCTION res_off(tbl text, cond text, with_plan bool) RETURNS text
LANGUAGE plpgsql SET segstore.enable_segment_scan = off AS $$
BEGIN
  IF with_plan AND plan_kind(tbl, cond) NOT IN ('seq', 'none', 'error') THEN
    RETURN 'node used with segstore.enable_segment_scan = off';
  END IF;
  RETURN res(tbl, cond);
END $$;

-- Cases are (tbl, cond) pairs; tbl_h is the heap copy of tbl.
-- check_cases() runs those of a group in the session's time zone, with
-- the node on and off, optionally on the heap copy too and with the plans;
-- the view mismatches lists every case whose results differ.
CREATE TABLE cases (grp text, ord int, tbl text, cond text);
CREATE TABLE results (zone text, grp text, ord int, tbl text, cond text,
                      r_on text, plan text, r_off text, r_heap text);
CREATE FUNCTION check_cases(which text, with_plan bool, with_heap bool,
                            tables text DEFAULT '%') RETURNS bigint LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM results WHERE zone = current_setting('TimeZone') AND grp LIKE which AND tbl LIKE tables;
  INSERT INTO results
  SELECT current_setting('TimeZone'), c.grp, c.ord, c.tbl, c.cond, o.r, o.plan,
         res_off(c.tbl, c.cond, with_plan),
         CASE WHEN with_heap THEN res(c.tbl || '_h', c.cond) END
  FROM cases c, LATERAL res_on(c.tbl, c.cond, with_plan) o
  WHERE c.grp LIKE which AND c.tbl LIKE tables;
  RETURN (SELECT count(*) FROM results
          WHERE zone = current_setting('TimeZone') AND grp LIKE which AND tbl LIKE tables);
END $$;
CREATE VIEW mismatches AS
  SELECT zone, grp, tbl, cond, r_on, r_off, r_heap FROM results
  WHERE r_on IS DISTINCT FROM r_off OR (r_heap IS NOT NULL AND r_on <> r_heap)
     OR plan = 'error' OR (r_on LIKE 'ERROR%' AND zone = 'UTC');

-- EXPLAIN ANALYZE lines that do not depend on how many parallel workers
-- were launched: the scan node (without its row counts), its filters and
-- its segment and block counts.
CREATE FUNCTION scan_lines(query text) RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE line text;
BEGIN
  FOR line IN EXECUTE 'EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) ' || query LOOP
    IF line ~ 'SegstoreScan|Pruning Filter|Segments:|Sealed Blocks:' THEN
      RETURN NEXT regexp_replace(line, ' \(actual .*\)$', '');
    END IF;
  END LOOP;
END $$;

--
-- 1. Pruning happens: exact segment and block counts.
--
-- ev: 5 sealed one-day segments (2024-01-01 .. 2024-01-05), a row every
-- 10 minutes.  A row's payload is about 534 bytes, so a 4096-byte block
-- closes after its 8th row: 18 blocks per day, block k of a day holding
-- minutes 80k .. 80k + 70.
CREATE TABLE ev (ts timestamptz NOT NULL, id int, pad text) USING segstore
  WITH (segstore.segment_interval = '1 day', segstore.block_size = 4096);
INSERT INTO ev SELECT '2024-01-01'::timestamptz + g * interval '10 minutes', g + 1, repeat('x', 520)
  FROM generate_series(0, 719) g;
SELECT count(*) FROM segstore.seal('ev');
SELECT segment_id, state, bucket_start, bucket_end, min_time, max_time, row_count
FROM segstore.segments WHERE table_name = 'ev'::regclass ORDER BY segment_id;
CREATE TABLE ev_h AS SELECT * FROM ev;
-- no time clause: everything is read
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) SELECT count(*) FROM ev;
-- one hour of 2024-01-03: 1 segment, blocks 7 (560-630 min) and 8 (640-710)
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT count(*) FROM ev WHERE ts >= '2024-01-03 10:00' AND ts < '2024-01-03 11:00';
SELECT count(*), sum(id) FROM ev WHERE ts >= '2024-01-03 10:00' AND ts < '2024-01-03 11:00';
-- the same range, commuted and as BETWEEN (11:00 itself is a row)
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT count(*) FROM ev WHERE '2024-01-03 10:00' <= ts AND '2024-01-03 11:00' > ts;
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT count(*) FROM ev WHERE ts BETWEEN '2024-01-03 10:00' AND '2024-01-03 11:00';
-- an IN list hitting two segments, one block in each
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT count(*) FROM ev WHERE ts IN ('2024-01-02 05:00', '2024-01-04 23:50');
-- bucket edges: the last microsecond of 01-02 and the first of 01-03
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT count(*) FROM ev WHERE ts > '2024-01-02 23:59:59.999999' AND ts <= '2024-01-03 00:00:00';
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT count(*) FROM ev WHERE ts >= '2024-01-02 23:50:00.000001' AND ts < '2024-01-03 00:00:00';
-- block edges: minute 70 ends block 0 of 01-01, minute 80 starts block 1
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT count(*) FROM ev WHERE ts > '2024-01-01 01:10' AND ts < '2024-01-01 01:20';
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT count(*) FROM ev WHERE ts >= '2024-01-01 01:10' AND ts <= '2024-01-01 01:20';
-- OR of two ranges; NOT BETWEEN (an OR of two open ranges)
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT count(*) FROM ev WHERE ts < '2024-01-01 00:30' OR ts > '2024-01-05 23:30';
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT count(*) FROM ev WHERE ts NOT BETWEEN '2024-01-01 01:20' AND '2024-01-05 22:30';
-- a time clause AND a clause on another column: only the time part prunes
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT count(*) FROM ev WHERE ts >= '2024-01-05 00:00' AND id % 2 = 0;
-- cross-type constants: a date, a timestamp
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT count(*) FROM ev WHERE ts >= '2024-01-04'::date AND ts < '2024-01-04 01:20'::timestamp;
-- nothing can match: every segment skipped without being opened
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT count(*) FROM ev WHERE ts > '2024-01-06';
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT count(*) FROM ev WHERE ts = ANY ('{}'::timestamptz[]);

-- A prepared statement with a generic plan: the parameters are read at
-- execution.
SET plan_cache_mode = force_generic_plan;
PREPARE ev_range(timestamptz, timestamptz) AS
  SELECT count(*), sum(id) FROM ev WHERE ts >= $1 AND ts < $2;
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) EXECUTE ev_range('2024-01-05 00:00', '2024-01-05 01:20');
EXECUTE ev_range('2024-01-05 00:00', '2024-01-05 01:20');
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) EXECUTE ev_range('2024-01-01 23:00', '2024-01-02 01:00');
EXECUTE ev_range('2024-01-01 23:00', '2024-01-02 01:00');
-- a NULL parameter matches nothing: nothing is read
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) EXECUTE ev_range(NULL, '2024-01-02 01:00');
EXECUTE ev_range(NULL, '2024-01-02 01:00');
EXECUTE ev_range('-infinity', 'infinity');
PREPARE ev_any(timestamptz[]) AS SELECT count(*), sum(id) FROM ev WHERE ts = ANY ($1);
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
EXECUTE ev_any(ARRAY['2024-01-02 00:00', NULL, '2024-01-02 00:10']::timestamptz[]);
EXECUTE ev_any(ARRAY['2024-01-02 00:00', NULL, '2024-01-02 00:10']::timestamptz[]);
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) EXECUTE ev_any(ARRAY[NULL]::timestamptz[]);
EXECUTE ev_any(ARRAY[NULL]::timestamptz[]);
EXECUTE ev_any('{}');
EXECUTE ev_any(NULL);
PREPARE ev_all(timestamptz[]) AS SELECT count(*), sum(id) FROM ev WHERE ts < ALL ($1);
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
EXECUTE ev_all(ARRAY['2024-01-03 00:00', '2024-01-01 02:00']::timestamptz[]);
EXECUTE ev_all(ARRAY['2024-01-03 00:00', '2024-01-01 02:00']::timestamptz[]);
EXECUTE ev_all(ARRAY['2024-01-03 00:00', NULL]::timestamptz[]);
EXECUTE ev_all('{}');
DEALLOCATE ev_range;
DEALLOCATE ev_any;
DEALLOCATE ev_all;
RESET plan_cache_mode;

-- An initplan's result prunes too: 22:00 of the last day is in block 16
-- (minutes 1280 .. 1350) of segment 5.
CREATE TABLE marks (m timestamptz);
INSERT INTO marks VALUES ('2024-01-05 22:00'), ('2024-01-02 12:00');
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT count(*) FROM ev WHERE ts >= (SELECT max(m) FROM marks);
SELECT count(*), sum(id) FROM ev WHERE ts >= (SELECT max(m) FROM marks);
-- an initplan returning NULL: nothing matches, nothing is read
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT count(*) FROM ev WHERE ts >= (SELECT max(m) FROM marks WHERE false);

-- Late rows for a sealed bucket go to a new active segment, which is
-- pruned by its bucket's bounds.
INSERT INTO ev VALUES ('2024-01-03 10:30', 9001, 'late'), ('2024-01-03 10:35', 9002, 'late');
INSERT INTO ev_h VALUES ('2024-01-03 10:30', 9001, 'late'), ('2024-01-03 10:35', 9002, 'late');
SELECT segment_id, state, bucket_start, bucket_end FROM segstore.segments
WHERE table_name = 'ev'::regclass AND state <> 'sealed';
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT count(*) FROM ev WHERE ts >= '2024-01-03 10:00' AND ts < '2024-01-03 11:00';
SELECT count(*), sum(id) FROM ev WHERE ts >= '2024-01-03 10:00' AND ts < '2024-01-03 11:00';
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT count(*) FROM ev WHERE ts >= '2024-01-05 00:00' AND ts < '2024-01-05 01:00';
-- the active segment's bucket ends at 2024-01-04 00:00 (exclusive)
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT count(*) FROM ev WHERE ts >= '2024-01-04 00:00' AND ts < '2024-01-04 01:00';
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT count(*) FROM ev WHERE ts > '2024-01-03 23:59:59.999999' AND ts < '2024-01-04 00:10';
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT count(*) FROM ev WHERE ts >= '2024-01-03 23:59:59.999999' AND ts < '2024-01-04 00:10';

-- Rescans with a new parameter value each time (a correlated subquery):
-- the counts add up over the three loops.
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT o.s, (SELECT count(*) FROM ev WHERE ts >= o.s AND ts < o.s + interval '1 hour')
FROM (VALUES ('2024-01-01 00:00'::timestamptz), ('2024-01-03 10:00'), ('2024-01-05 23:00')) o(s);
SELECT o.s, (SELECT count(*) FROM ev WHERE ts >= o.s AND ts < o.s + interval '1 hour') AS n,
       (SELECT count(*) FROM ev_h WHERE ts >= o.s AND ts < o.s + interval '1 hour') AS heap_n
FROM (VALUES ('2024-01-01 00:00'::timestamptz), ('2024-01-03 10:00'), ('2024-01-05 23:00'),
             ('2024-01-01 00:00'), ('2024-01-02 23:30'), ('infinity'), ('-infinity'), (NULL)) o(s);

-- An active-only table: segments are pruned by their buckets, no blocks.
CREATE TABLE act (ts timestamptz NOT NULL, id int) USING segstore
  WITH (segstore.segment_interval = '1 day');
INSERT INTO act SELECT '2024-01-01'::timestamptz + g * interval '1 hour', g FROM generate_series(0, 71) g;
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT count(*) FROM act WHERE ts >= '2024-01-02 06:00' AND ts < '2024-01-02 12:00';
SELECT count(*), sum(id) FROM act WHERE ts >= '2024-01-02 06:00' AND ts < '2024-01-02 12:00';
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT count(*) FROM act WHERE ts < '2024-01-02';
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT count(*) FROM act WHERE ts <= '2024-01-02';

-- now()-based ranges.  One bucket of 36500 days (2000-01-01 to 2099-12-07)
-- holds rows 0 .. 47 hours before the inserting transaction's now(),
-- oldest first, so 6 blocks of 8 hours; -infinity and infinity have
-- buckets of their own.  The query's now() is a little later, so
-- "ts > now() - 10 hours" matches the rows of hours 0 .. 9 (blocks 4 and
-- 5) and infinity.
CREATE TABLE recent (ts timestamptz NOT NULL, id int, pad text) USING segstore
  WITH (segstore.segment_interval = '36500 days', segstore.block_size = 4096);
INSERT INTO recent SELECT now() - k * interval '1 hour', k, repeat('x', 520)
  FROM generate_series(47, 0, -1) k;
INSERT INTO recent VALUES ('infinity', 100, 'x'), ('-infinity', 101, 'x');
SELECT count(*) FROM segstore.seal('recent');
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT count(*) FROM recent WHERE ts > now() - interval '10 hours';
SELECT count(*), sum(id) FROM recent WHERE ts > now() - interval '10 hours';
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT count(*) FROM recent WHERE ts BETWEEN now() - interval '30.5 hours' AND now() - interval '19.5 hours';
SELECT count(*), sum(id) FROM recent WHERE ts BETWEEN now() - interval '30.5 hours' AND now() - interval '19.5 hours';
SELECT count(*), sum(id) FROM recent WHERE ts < now() - interval '40.5 hours';
SET segstore.enable_segment_scan = off;
SELECT count(*), sum(id) FROM recent WHERE ts > now() - interval '10 hours';
SELECT count(*), sum(id) FROM recent WHERE ts BETWEEN now() - interval '30.5 hours' AND now() - interval '19.5 hours';
SELECT count(*), sum(id) FROM recent WHERE ts < now() - interval '40.5 hours';
RESET segstore.enable_segment_scan;

-- Parallel scans: workers take whole segments; the counts are the sums
-- over all participants, however many workers were launched.
SET max_parallel_workers_per_gather = 2;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SELECT scan_lines($$SELECT count(*) FROM ev WHERE ts >= '2024-01-03 10:00' AND ts < '2024-01-03 11:00'$$);
SELECT count(*), sum(id) FROM ev WHERE ts >= '2024-01-03 10:00' AND ts < '2024-01-03 11:00';
SELECT scan_lines($$SELECT count(*) FROM ev WHERE ts >= (SELECT max(m) FROM marks)$$);
SELECT count(*), sum(id) FROM ev WHERE ts >= (SELECT max(m) FROM marks);
SELECT count(*), sum(id) FROM ev WHERE ts < '2024-01-01 06:00' OR ts >= '2024-01-05 18:00';
SELECT count(*), sum(id) FROM ev_h WHERE ts < '2024-01-01 06:00' OR ts >= '2024-01-05 18:00';
SELECT o.s, (SELECT count(*) FROM ev WHERE ts >= o.s AND ts < o.s + interval '1 hour') AS n
FROM (VALUES ('2024-01-01 00:00'::timestamptz), ('2024-01-03 10:00'), ('2024-01-05 23:00')) o(s);
RESET max_parallel_workers_per_gather;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
SET max_parallel_workers_per_gather = 0;

--
-- 2. Results never change: the same rows in three time column types.
--
-- The rows, as wall-clock values: three days (2024-02-28, leap day
-- 02-29, 03-01) every 10 minutes (ids 1 .. 432); rows one microsecond
-- either side of each bucket edge; infinities; the first and last
-- timestamp; the edges of 2000-01-01 (where bucket numbers change sign).
-- The first day is stored in time order (narrow blocks), the second in
-- reverse, the third shuffled (wide, overlapping blocks).
CREATE TABLE src (id int, t timestamp, late bool);
INSERT INTO src SELECT g + 1, '2024-02-28'::timestamp + g * interval '10 min', false
  FROM generate_series(0, 431) g;
INSERT INTO src SELECT 1000 + n, v, false FROM unnest(ARRAY[
  '2024-02-27 23:59:59.999999', '2024-02-28 00:00:00.000001', '2024-02-28 23:59:59.999999',
  '2024-02-29 00:00:00.000001', '2024-02-29 23:59:59.999999', '2024-03-01 00:00:00.000001',
  '2024-03-01 23:59:59.999999', '2024-03-02 00:00:00', '2024-03-02 00:00:00.000001',
  'infinity', '-infinity', '4714-11-24 00:00:00 BC', '294276-12-31 23:59:59.999999',
  '1999-12-31 23:59:59.999999', '2000-01-01 00:00:00']::timestamp[]) WITH ORDINALITY AS u(v, n);
CREATE VIEW src_ordered AS SELECT * FROM src WHERE NOT late ORDER BY
  CASE WHEN t >= '2024-02-29' AND t < '2024-03-01' THEN 1
       WHEN t >= '2024-03-01' AND t < '2024-03-02' THEN 2 ELSE 0 END,
  CASE WHEN t >= '2024-02-29' AND t < '2024-03-01' THEN -id
       WHEN t >= '2024-03-01' AND t < '2024-03-02' THEN (id * 7919) % 1009
       ELSE 0 END, t;
CREATE TABLE tz_t (ts timestamptz NOT NULL, id int, pad text) USING segstore
  WITH (segstore.segment_interval = '1 day', segstore.block_size = 4096);
CREATE TABLE ts_t (ts timestamp NOT NULL, id int, pad text) USING segstore
  WITH (segstore.segment_interval = '1 day', segstore.block_size = 4096);
INSERT INTO tz_t SELECT t AT TIME ZONE 'UTC', id, repeat('p', 520) FROM src_ordered;
INSERT INTO ts_t SELECT t, id, repeat('p', 520) FROM src_ordered;
SELECT count(*) FROM segstore.seal('tz_t');
SELECT count(*) FROM segstore.seal('ts_t');
-- late rows: into sealed buckets, a new bucket and the infinities
INSERT INTO src VALUES (2001, '2024-02-29 12:05', true), (2002, '2024-02-28 00:00', true),
  (2003, '2024-03-05 08:00', true), (2004, 'infinity', true), (2005, '-infinity', true),
  (2006, '2024-03-01 23:59:59.999999', true);
INSERT INTO tz_t SELECT t AT TIME ZONE 'UTC', id, 'late' FROM src WHERE late;
INSERT INTO ts_t SELECT t, id, 'late' FROM src WHERE late;
CREATE TABLE tz_t_h AS SELECT * FROM tz_t;
CREATE TABLE ts_t_h AS SELECT * FROM ts_t;
SELECT table_name::text, state, count(*) AS segments, sum(row_count) AS rows
FROM segstore.segments WHERE table_name IN ('tz_t'::regclass, 'ts_t'::regclass)
GROUP BY 1, 2 ORDER BY 1, 2;
SELECT scan_lines('SELECT * FROM tz_t');
-- dates: 2024-01-01 .. 2024-03-31, 3 rows a day (8 rows, about 3 days, a
-- block), 7-day buckets (starting on Saturdays: 2024-01-06, 01-13, ...),
-- infinities, the first and last date, the last timestamp's date and a
-- date just before 2000-01-01.
CREATE TABLE d_t (ts date NOT NULL, id int, pad text) USING segstore
  WITH (segstore.segment_interval = '7 days', segstore.block_size = 4096);
INSERT INTO d_t SELECT '2024-01-01'::date + (g / 3), g + 1, repeat('p', 520) FROM generate_series(0, 272) g;
INSERT INTO d_t VALUES ('infinity', 5001, 'x'), ('-infinity', 5002, 'x'), ('4714-11-24 BC', 5003, 'x'),
  ('294276-12-31', 5004, 'x'), ('1999-12-31', 5005, 'x'), ('2000-01-01', 5006, 'x');
SELECT count(*) FROM segstore.seal('d_t');
INSERT INTO d_t VALUES ('2024-01-10', 6001, 'late'), ('2024-04-10', 6002, 'late'), ('infinity', 6003, 'late');
CREATE TABLE d_t_h AS SELECT * FROM d_t;
SELECT state, count(*) AS segments, sum(row_count) AS rows
FROM segstore.segments WHERE table_name = 'd_t'::regclass GROUP BY 1 ORDER BY 1;

-- 2a. Operators and clause shapes, each printed with its result.
INSERT INTO cases SELECT 'shapes', n, t, c FROM unnest(ARRAY['tz_t', 'ts_t']) t,
unnest(ARRAY[
 $$ts < '2024-02-28 01:00'$$,
 $$ts <= '2024-02-28 01:00'$$,
 $$ts = '2024-02-28 01:00'$$,
 $$ts >= '2024-03-01 23:00'$$,
 $$ts > '2024-03-01 23:00'$$,
 $$ts <> '2024-02-29 00:00'$$,
 $$'2024-02-28 01:00' > ts$$,
 $$'2024-02-28 01:00' >= ts$$,
 $$'2024-02-28 01:00' = ts$$,
 $$'2024-03-01 23:00' <= ts$$,
 $$'2024-03-01 23:00' < ts$$,
 $$ts BETWEEN '2024-02-28 23:59:59.999999' AND '2024-02-29 00:00:00.000001'$$,
 $$ts NOT BETWEEN '2024-02-28 00:00:00.000001' AND '2024-03-01 23:59:59.999999'$$,
 $$ts BETWEEN SYMMETRIC '2024-03-01 00:00' AND '2024-02-29 12:00'$$,
 $$ts BETWEEN '2024-03-01 00:00' AND '2024-02-29 12:00'$$,
 $$ts IN ('2024-02-29 00:00', '2024-03-01 23:59:59.999999', 'infinity')$$,
 $$ts IN ('2024-02-28 00:10', '2024-02-28 00:20', '2024-02-28 00:30', '2024-02-28 00:40', '2024-02-28 00:50',
          '2024-02-29 00:10', '2024-02-29 00:20', '2024-02-29 00:30', '2024-02-29 00:40', '2024-02-29 00:50',
          '2024-03-01 00:10', '2024-03-01 00:20')$$,
 $$ts NOT IN ('2024-02-29 00:00', '2024-03-01 23:59:59.999999', 'infinity')$$,
 $$ts IN ('2024-02-29 00:00', NULL)$$,
 $$ts NOT IN ('2024-02-29 00:00', NULL)$$,
 $$ts = ANY (ARRAY['-infinity', 'infinity']::timestamptz[])$$,
 $$ts = ANY ('{{2024-02-28 12:00, 2024-02-29 12:00}, {2024-03-01 12:00, 2024-03-05 08:00}}'::timestamptz[])$$,
 $$ts = ANY (ARRAY[NULL]::timestamptz[])$$,
 $$ts = ANY (ARRAY[NULL, '2024-02-29 00:00']::timestamptz[])$$,
 $$ts = ANY ('{}'::timestamptz[])$$,
 $$ts > ANY (ARRAY['2024-03-01 23:00', '2024-03-01 23:30']::timestamptz[])$$,
 $$ts > ANY (ARRAY[NULL, NULL]::timestamptz[])$$,
 $$ts <= ANY (ARRAY['2024-02-28 00:00:00.000001', NULL]::timestamptz[])$$,
 $$ts < ALL (ARRAY['2024-03-01', '2024-02-28 01:00']::timestamptz[])$$,
 $$ts < ALL (ARRAY[NULL, '2024-02-29 00:00']::timestamptz[])$$,
 $$ts < ALL (ARRAY[NULL]::timestamptz[])$$,
 $$ts < ALL ('{}'::timestamptz[])$$,
 $$ts >= ALL (ARRAY['2024-03-01 23:00', '2024-03-01 23:59:59.999999']::timestamptz[])$$,
 $$ts = ALL (ARRAY['2024-02-29 12:00', '2024-02-29 12:00']::timestamptz[])$$,
 $$ts <> ALL ('{}'::timestamptz[])$$,
 $$ts IS NULL$$,
 $$ts IS NOT NULL$$,
 $$NOT (ts < '2024-03-01 23:00')$$,
 $$NOT (ts >= '2024-02-28 01:00' AND ts <= '2024-03-01 23:00')$$,
 $$NOT (ts IN ('2024-02-29 00:00'))$$,
 $$ts < '2024-02-28 01:00' OR ts >= '2024-03-01 23:00' OR ts = '2024-02-29 12:05'$$,
 $$(ts < '2024-02-28 01:00' AND id > 3) OR ts > '2024-03-01 23:00'$$,
 $$ts < '2024-02-28 01:00' OR id = 200$$,
 $$ts >= '2024-02-29' AND ts < '2024-03-01' AND id % 2 = 0$$,
 $$ts >= '2024-02-29' AND ts < '2024-02-29'$$,
 $$(ts, id) > ('2024-03-01 23:50', 0)$$,
 $$ts < NULL$$,
 $$ts > 'infinity'$$,
 $$ts >= 'infinity'$$,
 $$ts < 'infinity'$$,
 $$ts < '-infinity'$$,
 $$ts <= '-infinity'$$,
 $$ts > '-infinity'$$,
 $$ts > '-infinity' AND ts < '2000-01-01'$$,
 $$ts >= '1999-12-31 23:59:59.999999' AND ts < '2000-01-01 00:00:00.000001'$$,
 $$ts > '294276-12-31 23:59:59.999998'$$,
 $$ts < '4714-11-24 00:00:00.000001 BC'$$,
 $$ts >= '2024-02-29'::date AND ts < '2024-03-01'::date$$,
 $$ts = ANY (ARRAY['2024-02-29', '2024-03-01', NULL]::date[])$$,
 $$ts >= 'infinity'::date$$,
 $$ts > '-infinity'::date$$,
 $$ts >= '2024-02-29 06:00+00'::timestamptz AND ts < '2024-02-29 07:00+00'::timestamptz$$,
 $$ts <= '2024-02-28 00:00:00.000001+00'::timestamptz$$,
 $$ts = ANY (ARRAY['2024-02-28 12:00+00', '2024-03-02 00:00:00.000001+00', NULL]::timestamptz[])$$,
 $$ts = '2024-02-29 00:00:00'::timestamp$$,
 $$ts > 'infinity'::timestamptz$$,
 $$ts = '-infinity'::timestamptz$$,
 $$ts < (SELECT max(ts) FROM tz_t_h WHERE id < 10)$$,
 $$ts > (SELECT max(ts) FROM tz_t_h WHERE false)$$,
 $$ts = ANY ((SELECT array_agg(t) FROM src WHERE id % 50 = 0)::timestamptz[])$$,
 $$ts IN (SELECT t FROM src WHERE id % 50 = 0)$$,
 $$ts > now() - interval '1000 years' AND ts < now() + interval '1000 years'$$,
 $$ts::date = '2024-02-29'$$,
 $$date_trunc('hour', ts) = '2024-02-29 01:00'$$
]) WITH ORDINALITY AS u(c, n);
-- the same shapes on the date column
INSERT INTO cases SELECT 'shapes', n, 'd_t', c FROM unnest(ARRAY[
 $$ts < '2024-01-06'$$,
 $$ts <= '2024-01-05'$$,
 $$ts = '2024-01-12'$$,
 $$ts >= '2024-03-29'$$,
 $$ts > '2024-03-29'$$,
 $$ts <> '2024-01-06'$$,
 $$'2024-01-13' > ts$$,
 $$'2024-01-13' <= ts$$,
 $$ts BETWEEN '2024-01-12' AND '2024-01-13'$$,
 $$ts NOT BETWEEN '2024-01-06' AND '2024-03-29'$$,
 $$ts IN ('2024-01-05', '2024-01-06', '2024-03-31', 'infinity')$$,
 $$ts NOT IN ('2024-01-05', '2024-01-06')$$,
 $$ts = ANY (ARRAY[NULL]::date[])$$,
 $$ts = ANY (ARRAY[NULL, '2024-01-06']::date[])$$,
 $$ts = ANY ('{}'::date[])$$,
 $$ts <= ALL ('{}'::date[])$$,
 $$ts < ALL (ARRAY['2024-01-13', NULL]::date[])$$,
 $$ts < ALL (ARRAY['2024-01-13', '2024-01-03']::date[])$$,
 $$ts > ANY (ARRAY['2024-03-29', '2024-03-30']::date[])$$,
 $$ts IS NULL$$,
 $$NOT (ts >= '2024-01-06')$$,
 $$ts < '2024-01-06' OR ts > '2024-03-29'$$,
 $$ts < '2024-01-06' OR ts > '2024-03-29' OR id = 100$$,
 $$ts < NULL$$,
 $$ts > 'infinity'$$,
 $$ts >= 'infinity'$$,
 $$ts <= '-infinity'$$,
 $$ts < '2000-01-01' AND ts > '-infinity'$$,
 $$ts > '294276-12-30'$$,
 $$ts = ANY (ARRAY['2024-01-06 00:00', '2024-01-12 23:59:59.999999']::timestamp[])$$,
 $$ts > '2024-01-12 23:59:59.999999'::timestamp AND ts <= '2024-01-13 00:00'::timestamp$$,
 $$ts >= '2024-01-12 00:00:00.000001'::timestamp AND ts < '2024-01-13 00:00:00.000001'::timestamp$$,
 $$ts >= '2024-01-06 00:00+00'::timestamptz AND ts < '2024-01-07 00:00+00'::timestamptz$$,
 $$ts = ANY (ARRAY['2024-01-06 00:00+00', '2024-01-12 23:59:59.999999+00']::timestamptz[])$$,
 $$ts > 'infinity'::timestamptz$$,
 $$ts >= 'infinity'::timestamp$$,
 $$ts <= '-infinity'::timestamptz$$,
 $$ts < 'infinity'::timestamptz$$,
 $$ts > '294276-12-30 12:00'::timestamp$$,
 $$ts < (SELECT min(ts) + 3 FROM d_t_h WHERE ts > '2024-01-01')$$
]) WITH ORDINALITY AS u(c, n);
SELECT check_cases('shapes', true, true);
SELECT * FROM mismatches;
-- every result, with the plan the node made (r_on is count, sum of ids, md5)
SELECT tbl, ord, cond, plan, split_part(r_on, ' ', 1) AS n, split_part(r_on, ' ', 2) AS sum_id
FROM results WHERE grp = 'shapes' ORDER BY tbl DESC, ord;

-- The timestamp and date columns compared with timestamptz values again,
-- the values now read in other zones.
SET TimeZone = 'America/New_York';
SELECT check_cases('shapes', false, true);
SET TimeZone = 'Asia/Kolkata';
SELECT check_cases('shapes', false, false, 'ts_t');
SELECT check_cases('shapes', false, false, 'd_t');
SELECT * FROM mismatches;
-- (values out of range in the zone are errors, the same ones each way)
SELECT zone, count(*) AS cases, count(*) FILTER (WHERE r_on LIKE 'ERROR%') AS errors
FROM results GROUP BY zone ORDER BY zone;
SET TimeZone = 'UTC';

-- 2b. Edges: every operator against values at and one microsecond either
-- side of bucket edges and block edges of the time-ordered day, and the
-- special values: as the column's type, as timestamptz and as date
-- (group edges_tz: the cases whose values or comparisons depend on the
-- session's zone).
CREATE TABLE edge_vals (v timestamp);
INSERT INTO edge_vals
SELECT e + d FROM unnest(ARRAY['2024-02-28 00:00', '2024-02-29 00:00', '2024-03-01 00:00',
    '2024-03-02 00:00', '2000-01-01 00:00', '2024-02-28 01:10', '2024-02-28 01:20']::timestamp[]) e,
  unnest(ARRAY[interval '-1 microsecond', interval '0', interval '1 microsecond']) d
UNION ALL SELECT unnest(ARRAY['infinity', '-infinity', '4714-11-24 00:00:00 BC',
                              '294276-12-31 23:59:59.999999']::timestamp[]);
INSERT INTO cases
SELECT CASE WHEN (t = 'ts_t') = (cast_ = '::timestamptz') OR (t = 'tz_t' AND cast_ = '::date')
            THEN 'edges_tz' ELSE 'edges' END,
       row_number() OVER (), t, format('ts %s %L%s', op, v, cast_)
FROM edge_vals, unnest(ARRAY['tz_t', 'ts_t']) t, unnest(ARRAY['<', '<=', '=', '>=', '>']) op,
     unnest(ARRAY['', '::timestamptz', '::date']) cast_
WHERE (cast_ <> '::date' OR v::text ~ '00:00:00$|infinity')
  AND (cast_ = '' OR v::text !~ 'BC|294276') AND NOT (t = 'tz_t' AND v::text ~ '294276')
  AND NOT (t = 'tz_t' AND cast_ = '::timestamptz');
-- date column: days either side of the 7-day buckets' edges (Saturdays)
-- and of the data, as dates; midnights and one microsecond either side as
-- timestamp and timestamptz
INSERT INTO cases
SELECT CASE WHEN cast_ = '::timestamptz' THEN 'edges_tz' ELSE 'edges' END,
       row_number() OVER (), 'd_t', format('ts %s %L%s', op, v, cast_)
FROM (SELECT (d + x)::text AS v, '::date' AS cast_
      FROM unnest(ARRAY['2024-01-06', '2024-01-13', '2024-03-31', '2024-04-10']::date[]) d,
           unnest(ARRAY[-1, 0, 1]) x
      UNION ALL SELECT unnest(ARRAY['infinity', '-infinity']), '::date'
      UNION ALL SELECT (d + x)::text, cast_
      FROM unnest(ARRAY['2024-01-06', '2024-01-13']::timestamp[]) d,
           unnest(ARRAY[interval '-1 microsecond', interval '0', interval '1 microsecond']) x,
           unnest(ARRAY['::timestamp', '::timestamptz']) cast_
      UNION ALL SELECT v, c FROM unnest(ARRAY['infinity', '-infinity']) v,
                                 unnest(ARRAY['::timestamp', '::timestamptz']) c
     ) vals, unnest(ARRAY['<', '<=', '=', '>=', '>']) op;
SELECT grp, tbl, count(*) FROM cases WHERE grp LIKE 'edges%' GROUP BY 1, 2 ORDER BY 1, 2;
SELECT check_cases('edges%', false, false);
SELECT * FROM mismatches;
-- a few of them by hand: the three edge rows around 2024-02-29 00:00
-- (ids 1003, 145 and 1004)
SELECT cond, split_part(r_on, ' ', 1) AS n, split_part(r_on, ' ', 2) AS sum_id
FROM results WHERE grp LIKE 'edges%' AND tbl = 'ts_t'
  AND cond ~ '^ts (<=|=|>=) ''2024-02-2(8 23:59:59.999999|9 00:00:00|9 00:00:00.000001)''$'
ORDER BY cond;
-- the timestamptz and date values in a zone with a large negative offset
SET TimeZone = 'Pacific/Pago_Pago';
SELECT check_cases('edges_tz', false, false);
SELECT * FROM mismatches;
SET TimeZone = 'UTC';

--
-- 3. Time zones: a timestamp (and a date) column compared with
-- timestamptz values around DST changes.  A timestamp is converted with
-- the offset the session's zone has at that local time; in a spring-
-- forward gap (2024-03-10 02:00-03:00 in New York) the local times that
-- do not exist are read with the offset before the change, so 02:30
-- becomes 07:30 UTC, the same instant as 03:30 EDT; in the fall-back
-- overlap (2024-11-03 01:00-02:00) a local time is taken once.
--
-- A row every 2 minutes (every 20 minutes around Apia's skipped day),
-- 8 rows (16 minutes) a block, 1-hour buckets.
CREATE TABLE dst (ts timestamp NOT NULL, id int, pad text) USING segstore
  WITH (segstore.segment_interval = '1 hour', segstore.block_size = 4096);
INSERT INTO dst SELECT s + g * step, row_number() OVER (ORDER BY s + g * step), repeat('d', 520)
FROM (VALUES ('2024-03-10 00:00'::timestamp, 150, interval '2 minutes'),  -- New York, spring
             ('2024-11-03 00:00', 120, interval '2 minutes'),             -- New York, fall
             ('2024-03-31 01:00', 90, interval '2 minutes'),              -- Berlin, spring
             ('2024-10-27 01:00', 90, interval '2 minutes'),              -- Berlin, fall
             ('2011-12-29 20:00', 96, interval '20 minutes')              -- Apia skips 12-30
     ) w(s, n, step), generate_series(0, n - 1) g
ORDER BY 1;
SELECT count(*) FROM segstore.seal('dst');
INSERT INTO dst VALUES ('2024-03-10 02:30', 9001, 'late'), ('2024-11-03 01:30', 9002, 'late'),
  ('2011-12-30 12:00', 9003, 'late'), ('2024-03-31 02:30', 9004, 'late');
CREATE TABLE dst_h AS SELECT * FROM dst;
-- the same instants in a timestamptz column (local times read in New
-- York), compared with timestamp values
CREATE TABLE dst_tz (ts timestamptz NOT NULL, id int, pad text) USING segstore
  WITH (segstore.segment_interval = '1 hour', segstore.block_size = 4096);
INSERT INTO dst_tz SELECT ts AT TIME ZONE 'America/New_York', id, pad FROM dst
  WHERE ts >= '2024-03-10' AND ts < '2024-11-04' AND pad <> 'late' ORDER BY id;
SELECT count(*) FROM segstore.seal('dst_tz');
CREATE TABLE dst_tz_h AS SELECT * FROM dst_tz;
-- dates around Apia's skipped 2011-12-30 and Santiago's midnight change
-- (2024-09-08 00:00 became 01:00), 2 rows a day, 1-day buckets
CREATE TABLE dd (ts date NOT NULL, id int, pad text) USING segstore
  WITH (segstore.segment_interval = '1 day', segstore.block_size = 4096);
INSERT INTO dd SELECT s + g / 2, row_number() OVER (ORDER BY s, g), repeat('d', 1500)
FROM unnest(ARRAY['2011-12-26', '2024-09-04']::date[]) s, generate_series(0, 15) g ORDER BY 2;
SELECT count(*) FROM segstore.seal('dd');
CREATE TABLE dd_h AS SELECT * FROM dd;

-- Each group of cases runs in its zone.
INSERT INTO cases
SELECT 'dst_ny', row_number() OVER (), 'dst', format('ts %s %L::timestamptz', op, c)
FROM (SELECT s + g * interval '15 minutes' AS c
      FROM unnest(ARRAY['2024-03-10 05:00+00', '2024-11-03 04:00+00']::timestamptz[]) s,
           generate_series(0, 16) g) x,
     unnest(ARRAY['<', '<=', '=', '>=', '>']) op
UNION ALL
SELECT 'dst_ny', row_number() OVER (), 'dst',
       format('ts >= %L::timestamptz AND ts < %L::timestamptz', c, c + interval '1 hour')
FROM (SELECT s + g * interval '30 minutes' AS c
      FROM unnest(ARRAY['2024-03-10 05:00+00', '2024-11-03 04:00+00']::timestamptz[]) s,
           generate_series(0, 8) g) x
UNION ALL
SELECT 'dst_ny', row_number() OVER (), 'dst_tz', format('ts %s %L::timestamp', op, c)
FROM (SELECT s + g * interval '20 minutes' AS c
      FROM unnest(ARRAY['2024-03-10 01:00', '2024-11-03 00:00']::timestamp[]) s,
           generate_series(0, 9) g) x,
     unnest(ARRAY['<', '=', '>=']) op;
INSERT INTO cases
SELECT 'dst_berlin', row_number() OVER (), 'dst', format('ts %s %L::timestamptz', op, c)
FROM (SELECT s + g * interval '20 minutes' AS c
      FROM unnest(ARRAY['2024-03-30 23:30+00', '2024-10-26 23:30+00']::timestamptz[]) s,
           generate_series(0, 9) g) x,
     unnest(ARRAY['<', '=', '>=']) op;
INSERT INTO cases
SELECT 'dst_apia', row_number() OVER (), 'dst', format('ts %s %L::timestamptz', op, c)
FROM (SELECT '2011-12-30 04:00+00'::timestamptz + g * interval '2 hours' AS c
      FROM generate_series(0, 11) g) x,
     unnest(ARRAY['<', '=', '>=']) op
UNION ALL
SELECT 'dst_apia', row_number() OVER (), 'dd', format('ts %s %L::timestamptz', op, c)
FROM (SELECT '2011-12-28 02:00+00'::timestamptz + g * interval '8 hours' AS c
      FROM generate_series(0, 14) g) x,
     unnest(ARRAY['<', '<=', '>=', '>']) op;
INSERT INTO cases
SELECT 'dst_santiago', row_number() OVER (), 'dd', format('ts %s %L::timestamptz', op, c)
FROM (SELECT '2024-09-06 00:00+00'::timestamptz + g * interval '4 hours' AS c
      FROM generate_series(0, 24) g) x,
     unnest(ARRAY['<', '>=']) op;

SET TimeZone = 'America/New_York';
-- The hour after the gap opened, 07:00-08:00 UTC, holds local 03:00-03:58
-- EDT and the nonexistent 02:00-02:58 (read as EST): 60 rows, and the
-- late 02:30 row.
SELECT count(*), min(ts), max(ts) FROM dst
WHERE ts >= '2024-03-10 07:00+00'::timestamptz AND ts < '2024-03-10 08:00+00'::timestamptz;
SELECT count(*), min(ts), max(ts) FROM dst_h
WHERE ts >= '2024-03-10 07:00+00'::timestamptz AND ts < '2024-03-10 08:00+00'::timestamptz;
-- the hour before, 06:00-07:00 UTC: local 01:00-01:58 EST
SELECT count(*), min(ts), max(ts) FROM dst
WHERE ts >= '2024-03-10 06:00+00'::timestamptz AND ts < '2024-03-10 07:00+00'::timestamptz;
-- 07:20-07:40 UTC: local 02:20-02:38 and 03:20-03:38, and 02:30 again (the
-- late row).  Bounds widened by the zone's two offsets (-5 and -4 hours)
-- keep the local segments 02:00 and 03:00 and the active one, and skip
-- the blocks 02:00-02:14 (07:14 UTC at the latest) and 03:48-03:58 (07:48
-- UTC at the earliest).
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT count(*) FROM dst WHERE ts >= '2024-03-10 07:20+00'::timestamptz AND ts < '2024-03-10 07:40+00'::timestamptz;
SELECT count(*), sum(id) FROM dst
WHERE ts >= '2024-03-10 07:20+00'::timestamptz AND ts < '2024-03-10 07:40+00'::timestamptz;
SELECT count(*), sum(id) FROM dst_h
WHERE ts >= '2024-03-10 07:20+00'::timestamptz AND ts < '2024-03-10 07:40+00'::timestamptz;
-- fall back: 05:00-06:00 UTC is 01:00-01:59 EDT, 06:00-07:00 UTC is
-- 01:00-01:59 EST; an ambiguous local time is read as EST, the offset
-- after the change
SELECT count(*), min(ts), max(ts) FROM dst
WHERE ts >= '2024-11-03 05:00+00'::timestamptz AND ts < '2024-11-03 06:00+00'::timestamptz;
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT count(*) FROM dst WHERE ts >= '2024-11-03 06:00+00'::timestamptz AND ts < '2024-11-03 07:00+00'::timestamptz;
SELECT count(*), min(ts), max(ts) FROM dst
WHERE ts >= '2024-11-03 06:00+00'::timestamptz AND ts < '2024-11-03 07:00+00'::timestamptz;
SELECT count(*), min(ts), max(ts) FROM dst_h
WHERE ts >= '2024-11-03 06:00+00'::timestamptz AND ts < '2024-11-03 07:00+00'::timestamptz;
SELECT check_cases('dst_ny', false, true);
SET TimeZone = 'Europe/Berlin';
SELECT check_cases('dst_berlin', false, true);
SET TimeZone = 'Pacific/Apia';
-- local 2011-12-30 did not exist: its rows are read with the offset of
-- 12-29 (-10:00), so 12-30 00:00-23:40 become 12-30 10:00 UTC onwards,
-- the same instants as 12-31 00:00 (+14:00) onwards
SELECT count(*), min(ts), max(ts) FROM dst
WHERE ts >= '2011-12-30 10:00+00'::timestamptz AND ts < '2011-12-30 14:00+00'::timestamptz;
SELECT count(*), min(ts), max(ts) FROM dst_h
WHERE ts >= '2011-12-30 10:00+00'::timestamptz AND ts < '2011-12-30 14:00+00'::timestamptz;
SELECT count(*), min(ts), max(ts) FROM dd
WHERE ts >= '2011-12-30 10:00+00'::timestamptz AND ts < '2011-12-31 10:00+00'::timestamptz;
SELECT count(*), min(ts), max(ts) FROM dd_h
WHERE ts >= '2011-12-30 10:00+00'::timestamptz AND ts < '2011-12-31 10:00+00'::timestamptz;
SELECT check_cases('dst_apia', false, true);
SET TimeZone = 'America/Santiago';
SELECT check_cases('dst_santiago', false, true);
SELECT * FROM mismatches;
SELECT zone, grp, count(*) AS cases, count(DISTINCT r_on) AS distinct_results
FROM results WHERE grp LIKE 'dst_%' GROUP BY 1, 2 ORDER BY 1, 2;
SET TimeZone = 'UTC';

--
-- 4. Rescans with new parameter values: correlated subqueries and
-- LATERAL, for all three column types, against the node off and heap.
--
-- For each start s, the rows of [s, s + 1 hour) counted by a correlated
-- subquery: with the node, without it, and on the heap copy.
CREATE FUNCTION rescan_counts(tbl text, starts text)
RETURNS TABLE (s text, n_on bigint, n_off bigint, n_heap bigint) LANGUAGE plpgsql AS $$
DECLARE q text;
BEGIN
  q := 'SELECT o.i, o.s::text, (SELECT count(*) FROM %I WHERE ts >= o.s AND ts < o.s + interval ''1 hour'') '
       'FROM unnest(%L::timestamptz[]) WITH ORDINALITY o(s, i)';
  CREATE TEMP TABLE r_on (i bigint, s text, n bigint);
  CREATE TEMP TABLE r_off (i bigint, s text, n bigint);
  CREATE TEMP TABLE r_heap (i bigint, s text, n bigint);
  EXECUTE 'INSERT INTO r_on ' || format(q, tbl, starts);
  PERFORM set_config('segstore.enable_segment_scan', 'off', true);
  EXECUTE 'INSERT INTO r_off ' || format(q, tbl, starts);
  PERFORM set_config('segstore.enable_segment_scan', 'on', true);
  EXECUTE 'INSERT INTO r_heap ' || format(q, tbl || '_h', starts);
  RETURN QUERY SELECT a.s, a.n, b.n, c.n FROM r_on a JOIN r_off b USING (i) JOIN r_heap c USING (i)
    ORDER BY a.i;
  DROP TABLE r_on, r_off, r_heap;
END $$;
SELECT * FROM rescan_counts('tz_t', '{2024-02-28 00:00, 2024-02-29 23:30, 2024-03-01 12:00, 2024-03-01 23:30, 2024-03-05 07:30, 2024-02-28 00:00, infinity, -infinity, NULL, 2024-02-27 23:30}');
SELECT * FROM rescan_counts('ts_t', '{2024-02-28 00:00, 2024-02-29 23:30, 2024-03-01 12:00, 2024-03-01 23:30, 2024-03-05 07:30, 2024-02-28 00:00, infinity, -infinity, NULL, 2024-02-27 23:30}');
SELECT * FROM rescan_counts('d_t', '{2024-01-05 23:30, 2024-01-06 00:00, 2024-01-12 23:30, 2024-04-09 23:30, infinity}');
SET TimeZone = 'America/New_York';
SELECT * FROM rescan_counts('dst', '{2024-03-10 06:30+00, 2024-03-10 07:00+00, 2024-03-10 07:30+00, 2024-11-03 05:00+00, 2024-11-03 05:30+00, 2024-11-03 06:00+00, 2024-11-03 06:30+00}');
SET TimeZone = 'UTC';
-- LATERAL (kept a subquery by OFFSET 0): a nested loop rescans the node
-- with the outer row's values
EXPLAIN (COSTS OFF)
SELECT o.s, count(x.id) FROM (VALUES ('2024-02-28 00:00'::timestamptz), ('2024-02-29 23:00')) o(s)
  LEFT JOIN LATERAL (SELECT id FROM tz_t WHERE ts >= o.s AND ts < o.s + interval '1 hour' OFFSET 0) x ON true
GROUP BY 1 ORDER BY 1;
SELECT o.s, count(x.id), sum(x.id) FROM (VALUES ('2024-02-28 00:00'::timestamptz), ('2024-02-29 23:00'), ('2024-03-01 12:00'), ('2024-03-05 07:30')) o(s)
  LEFT JOIN LATERAL (SELECT id FROM tz_t WHERE ts >= o.s AND ts < o.s + interval '1 hour' OFFSET 0) x ON true
GROUP BY 1 ORDER BY 1;
SELECT o.s, count(x.id), sum(x.id) FROM (VALUES ('2024-02-28 00:00'::timestamptz), ('2024-02-29 23:00'), ('2024-03-01 12:00'), ('2024-03-05 07:30')) o(s)
  LEFT JOIN LATERAL (SELECT id FROM tz_t_h WHERE ts >= o.s AND ts < o.s + interval '1 hour' OFFSET 0) x ON true
GROUP BY 1 ORDER BY 1;

-- Generic plans of prepared statements on the timestamp column: the
-- parameters are timestamptz values, converted in the session's zone at
-- execution.
SET plan_cache_mode = force_generic_plan;
PREPARE ts_range(timestamptz, timestamptz) AS SELECT count(*), sum(id) FROM ts_t WHERE ts >= $1 AND ts < $2;
PREPARE ts_range_h(timestamptz, timestamptz) AS SELECT count(*), sum(id) FROM ts_t_h WHERE ts >= $1 AND ts < $2;
EXPLAIN (COSTS OFF) EXECUTE ts_range('2024-02-29 00:00', '2024-02-29 06:00');
EXECUTE ts_range('2024-02-29 00:00', '2024-02-29 06:00');
EXECUTE ts_range_h('2024-02-29 00:00', '2024-02-29 06:00');
SET TimeZone = 'Asia/Tokyo';
EXECUTE ts_range('2024-02-29 00:00+00', '2024-02-29 06:00+00');
EXECUTE ts_range_h('2024-02-29 00:00+00', '2024-02-29 06:00+00');
SET TimeZone = 'UTC';
EXECUTE ts_range(NULL, '2024-02-29 06:00');
EXECUTE ts_range('-infinity', 'infinity');
EXECUTE ts_range_h('-infinity', 'infinity');
PREPARE d_in(date[]) AS SELECT count(*), sum(id) FROM d_t WHERE ts = ANY ($1);
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) EXECUTE d_in('{2024-01-06, 2024-03-31, NULL}');
EXECUTE d_in('{2024-01-06, 2024-03-31, NULL}');
EXECUTE d_in('{infinity, -infinity}');
EXECUTE d_in('{}');
DEALLOCATE ts_range;
DEALLOCATE ts_range_h;
DEALLOCATE d_in;
RESET plan_cache_mode;

--
-- 5. Plans: what gets a Pruning Filter.
--
-- time clauses, with a clause on another column: only the former prune
EXPLAIN (COSTS OFF) SELECT * FROM ev WHERE ts >= '2024-01-03' AND ts < '2024-01-04' AND id > 10;
-- no time clause, an OR with a non-time arm, <>, NOT IN, an expression
-- over the column: no Pruning Filter
EXPLAIN (COSTS OFF) SELECT * FROM ev WHERE id < 10;
EXPLAIN (COSTS OFF) SELECT * FROM ev WHERE ts < '2024-01-02' OR id < 10;
EXPLAIN (COSTS OFF) SELECT * FROM ev WHERE ts <> '2024-01-02';
EXPLAIN (COSTS OFF) SELECT * FROM ev WHERE ts NOT IN ('2024-01-02', '2024-01-03');
EXPLAIN (COSTS OFF) SELECT * FROM ev WHERE ts::date = '2024-01-02';
-- volatile values cannot prune; stable ones can
EXPLAIN (COSTS OFF) SELECT * FROM ev WHERE ts > now() - random() * interval '1 day';
EXPLAIN (COSTS OFF) SELECT * FROM ev WHERE ts > clock_timestamp() - interval '1 day';
EXPLAIN (COSTS OFF) SELECT * FROM ev WHERE ts > now() - interval '1 day';
-- a correlated value (a parameter of the outer row)
EXPLAIN (COSTS OFF)
SELECT (SELECT count(*) FROM ev WHERE ts >= o.s AND ts < o.s + interval '1 hour')
FROM (VALUES ('2024-01-01 00:00'::timestamptz), ('2024-01-02 00:00')) o(s);
-- cross-type: timestamp column against timestamptz, date column against
-- timestamp, an IN list, an OR of ranges
EXPLAIN (COSTS OFF) SELECT * FROM ts_t WHERE ts < '2024-02-29 00:00+00'::timestamptz;
EXPLAIN (COSTS OFF) SELECT * FROM d_t WHERE ts >= '2024-01-06 12:00'::timestamp;
EXPLAIN (COSTS OFF) SELECT * FROM d_t WHERE ts IN ('2024-01-06', '2024-01-07');
EXPLAIN (COSTS OFF) SELECT * FROM d_t WHERE ts < '2024-01-06' OR (ts > '2024-03-01' AND id > 5);
-- the node off: a plain Seq Scan
SET segstore.enable_segment_scan = off;
EXPLAIN (COSTS OFF) SELECT * FROM ev WHERE ts >= '2024-01-03' AND ts < '2024-01-04';
RESET segstore.enable_segment_scan;
-- ingest-time tables (time_column '' or no time column at all) and one
-- whose time column is the second timestamptz column: clauses on the
-- other columns do not prune
CREATE TABLE ing2 (created timestamptz NOT NULL, id int) USING segstore WITH (segstore.time_column = '');
CREATE TABLE two (a timestamptz NOT NULL, b timestamptz NOT NULL, id int) USING segstore
  WITH (segstore.time_column = 'b', segstore.segment_interval = '1 day');
SELECT table_name, time_column FROM segstore.tables
WHERE table_name IN ('ing2'::regclass, 'two'::regclass) ORDER BY table_name::text;
EXPLAIN (COSTS OFF) SELECT * FROM ing2 WHERE created > '2024-01-01';
EXPLAIN (COSTS OFF) SELECT * FROM two WHERE a > '2024-01-01';
EXPLAIN (COSTS OFF) SELECT * FROM two WHERE b > '2024-01-01';
CREATE TABLE noclock (id int, note text) USING segstore;
EXPLAIN (COSTS OFF) SELECT * FROM noclock WHERE id > 1;
-- ... and the results are right: a's values are 6 years after b's
INSERT INTO two SELECT '2030-01-01'::timestamptz + g * interval '1 hour',
  '2024-01-01'::timestamptz + g * interval '1 hour', g FROM generate_series(0, 47) g;
INSERT INTO ing2 SELECT '2024-01-01'::timestamptz + g * interval '1 hour', g FROM generate_series(0, 47) g;
SELECT count(*) FROM segstore.seal('two');
SELECT count(*) FROM segstore.seal('ing2');
SELECT count(*), sum(id) FROM two WHERE a >= '2030-01-02';
SELECT count(*), sum(id) FROM two WHERE b >= '2024-01-02';
SELECT count(*), sum(id) FROM ing2 WHERE created >= '2024-01-02';
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) SELECT count(*) FROM two WHERE b >= '2024-01-02';

--
-- 6. The time column cannot change while the table has rows: existing
-- segments' time ranges are those of the old column (or of ingest time),
-- and pruning and retention would judge them by the new one.  Each pair
-- below stays equal; after TRUNCATE the change is allowed.
--
ALTER TABLE two SET (segstore.time_column = 'a');
SELECT segstore.set_options('two', time_column => 'a');
SELECT count(*), sum(id) FROM two WHERE a >= '2030-01-02';
SET segstore.enable_segment_scan = off;
SELECT count(*), sum(id) FROM two WHERE a >= '2030-01-02';
RESET segstore.enable_segment_scan;
ALTER TABLE ing2 SET (segstore.time_column = 'created');
SELECT count(*), sum(id) FROM ing2 WHERE created < '2024-01-02';
SET segstore.enable_segment_scan = off;
SELECT count(*), sum(id) FROM ing2 WHERE created < '2024-01-02';
RESET segstore.enable_segment_scan;
TRUNCATE ing2;
ALTER TABLE ing2 SET (segstore.time_column = 'created');
INSERT INTO ing2 SELECT '2024-01-01'::timestamptz + g * interval '1 hour', g FROM generate_series(0, 47) g;
SELECT count(*), sum(id) FROM ing2 WHERE created < '2024-01-02';
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) SELECT count(*) FROM ing2 WHERE created < '2024-01-02';

--
-- 7. Dates beyond the timestamp range (valid date values).
--
-- A date past 294276 AD does not fit a microsecond time value: all such
-- dates share the value just past the last date that fits, so their
-- segments are never pruned by a later bound; each pair below must be equal.
CREATE TABLE bigd (ts date NOT NULL, id int) USING segstore;
INSERT INTO bigd VALUES ('2024-01-01', 1), ('300000-01-01', 2), ('5874897-12-31', 3);
SELECT count(*), sum(id) FROM bigd WHERE ts > '2024-06-01';
SET segstore.enable_segment_scan = off;
SELECT count(*), sum(id) FROM bigd WHERE ts > '2024-06-01';
RESET segstore.enable_segment_scan;

SET client_min_messages = warning;
DROP SCHEMA prune_t CASCADE;
