--
-- The SegstoreScan custom scan node: projection (only the needed columns
-- are decoded), parallel scans, rescans, plan shapes and row estimates,
-- partitioned and inheritance trees.  (Time-range pruning itself is
-- covered by the pruning test.)
--
-- Most queries are run three ways by sn_check(): with the node, with
-- segstore.enable_segment_scan = off (plain Seq Scan), and on a heap table
-- holding the same rows built by the same DDL history; all three must
-- return the same rows.  Many results are also printed in full.
--
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS segstore;
RESET client_min_messages;
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, YMD';
SET bytea_output = 'hex';
\set VERBOSITY terse
CREATE SCHEMA scan_node;
SET search_path = scan_node, public;

-- The rows of a query as text, in the order returned (a plpgsql FOR loop
-- runs the query as written; it is never parallel).
CREATE FUNCTION sn_rows(q text) RETURNS text[] LANGUAGE plpgsql AS $$
DECLARE
  rec record;
  result text[] := '{}';
BEGIN
  FOR rec IN EXECUTE q LOOP
    result := result || rec::text;
  END LOOP;
  RETURN result;
END $$;

-- The plan of a query (COSTS OFF) as one string.
CREATE FUNCTION sn_plan(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  line text;
  result text := '';
BEGIN
  FOR line IN EXECUTE 'EXPLAIN (COSTS OFF) ' || q LOOP
    result := result || line || E'\n';
  END LOOP;
  RETURN result;
END $$;

CREATE FUNCTION sn_sorted(a text[]) RETURNS text[] LANGUAGE sql AS
$$ SELECT coalesce(array_agg(x ORDER BY x COLLATE "C"), '{}') FROM unnest(a) x $$;

-- Run query q ("@T" stands for the table) on segstore table "tbl" with the
-- node, on it without the node, and (unless heap_tbl is NULL) on heap
-- table heap_tbl.  "ordered": the query's row order is deterministic and
-- must be the same too.  Returns "ok, N rows" or what went wrong.
CREATE FUNCTION sn_check(q text, ordered bool DEFAULT false,
                         tbl text DEFAULT 'wide', heap_tbl text DEFAULT 'wide_h')
RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  saved text := current_setting('segstore.enable_segment_scan');
  q_seg text := replace(q, '@T', tbl);
  plan_on text;
  plan_off text;
  r_on text[];
  r_off text[];
  r_heap text[];
  problems text := '';
BEGIN
  PERFORM set_config('segstore.enable_segment_scan', 'on', false);
  plan_on := sn_plan(q_seg);
  r_on := sn_rows(q_seg);
  PERFORM set_config('segstore.enable_segment_scan', 'off', false);
  plan_off := sn_plan(q_seg);
  r_off := sn_rows(q_seg);
  IF heap_tbl IS NOT NULL THEN
    r_heap := sn_rows(replace(q, '@T', heap_tbl));
  ELSE
    r_heap := r_off;
  END IF;
  PERFORM set_config('segstore.enable_segment_scan', saved, false);

  IF plan_on NOT LIKE '%Custom Scan (SegstoreScan)%' THEN
    problems := problems || ' node not used:' || E'\n' || plan_on;
  END IF;
  IF plan_off LIKE '%SegstoreScan%' THEN
    problems := problems || ' node used when off:' || E'\n' || plan_off;
  END IF;
  IF sn_sorted(r_on) <> sn_sorted(r_off) THEN
    problems := problems || format(' node on/off differ: on %s rows, off %s rows; on only: %s; off only: %s',
      cardinality(r_on), cardinality(r_off),
      (SELECT array_agg(x) FROM (SELECT unnest(r_on) EXCEPT ALL SELECT unnest(r_off) LIMIT 3) s(x)),
      (SELECT array_agg(x) FROM (SELECT unnest(r_off) EXCEPT ALL SELECT unnest(r_on) LIMIT 3) s(x)));
  ELSIF ordered AND r_on <> r_off THEN
    problems := problems || ' row order differs between node on and off';
  END IF;
  IF sn_sorted(r_on) <> sn_sorted(r_heap) THEN
    problems := problems || format(' segstore/heap differ: %s rows vs %s rows; segstore only: %s; heap only: %s',
      cardinality(r_on), cardinality(r_heap),
      (SELECT array_agg(x) FROM (SELECT unnest(r_on) EXCEPT ALL SELECT unnest(r_heap) LIMIT 3) s(x)),
      (SELECT array_agg(x) FROM (SELECT unnest(r_heap) EXCEPT ALL SELECT unnest(r_on) LIMIT 3) s(x)));
  ELSIF ordered AND r_on <> r_heap THEN
    problems := problems || ' row order differs between segstore and heap';
  END IF;
  IF problems <> '' THEN
    RETURN 'FAILED:' || problems;
  END IF;
  RETURN format('ok, %s rows', cardinality(r_on));
END $$;

-- Totals over the SegstoreScan nodes of EXPLAIN (ANALYZE, FORMAT JSON) q:
-- nodes, parallel-aware nodes, segments and sealed blocks scanned and
-- skipped (summed over all participants by the node), and whether some
-- Gather launched at least one worker.
CREATE FUNCTION sn_counts(q text, OUT nodes int, OUT parallel_nodes int,
                          OUT segs_scanned bigint, OUT segs_skipped bigint,
                          OUT blocks_scanned bigint, OUT blocks_skipped bigint,
                          OUT workers_launched bool)
LANGUAGE plpgsql AS $$
DECLARE
  js jsonb;
BEGIN
  EXECUTE 'EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF, FORMAT JSON) ' || q INTO js;
  SELECT count(*), count(*) FILTER (WHERE (n->>'Parallel Aware')::bool),
         sum((n->>'Segments Scanned')::bigint), sum((n->>'Segments Skipped')::bigint),
         sum((n->>'Sealed Blocks Scanned')::bigint), sum((n->>'Sealed Blocks Skipped')::bigint)
    INTO nodes, parallel_nodes, segs_scanned, segs_skipped, blocks_scanned, blocks_skipped
    FROM jsonb_path_query(js, 'strict $.**') n
   WHERE jsonb_typeof(n) = 'object' AND n->>'Custom Plan Provider' = 'SegstoreScan';
  SELECT coalesce(bool_or((w)::int > 0), false) INTO workers_launched
    FROM jsonb_path_query(js, 'strict $.**."Workers Launched"') w;
END $$;

--
-- 1. Projection.
--
-- "wide" (segstore) and "wide_h" (heap) get the same DDL and the same rows:
-- ten columns of mixed types with NULLs, a column dropped after rows
-- exist, columns added after rows exist with and without a DEFAULT.
--
CREATE TABLE wide (
    ts timestamptz NOT NULL,
    i int, b bigint, f float8, t text, gone text, j jsonb, n numeric,
    bo bool, u uuid, ia int[], by bytea
) USING segstore WITH (segstore.segment_interval = '1 day', segstore.block_size = 4096);
CREATE TABLE wide_h (LIKE wide) USING heap;
CREATE FUNCTION wide_rows(lo int, hi int)
RETURNS TABLE (ts timestamptz, i int, b bigint, f float8, t text, j jsonb, n numeric,
               bo bool, u uuid, ia int[], by bytea) LANGUAGE sql AS $$
  SELECT '2024-03-01'::timestamptz + g * interval '2 minutes',
         CASE WHEN g % 11 <> 0 THEN g END,
         g::bigint * 1000003,
         CASE WHEN g % 7 <> 0 THEN g / 8.0 END,
         CASE WHEN g % 13 <> 0 THEN 'text ' || g END,
         CASE WHEN g % 17 <> 0 THEN jsonb_build_object('g', g, 'odd', g % 2 = 1) END,
         g * 1.5,
         CASE WHEN g % 5 <> 0 THEN g % 3 = 0 END,
         CASE WHEN g % 23 <> 0 THEN md5(g::text)::uuid END,
         CASE WHEN g % 19 <> 0 THEN ARRAY[g, g % 10, NULL] END,
         CASE WHEN g % 29 <> 0 THEN decode(lpad(to_hex(g), 4, '0'), 'hex') END
  FROM generate_series(lo, hi) g $$;
INSERT INTO wide SELECT ts, i, b, f, t, 'gone ' || i, j, n, bo, u, ia, by FROM wide_rows(0, 1799);
INSERT INTO wide_h SELECT ts, i, b, f, t, 'gone ' || i, j, n, bo, u, ia, by FROM wide_rows(0, 1799);
ALTER TABLE wide DROP COLUMN gone;
ALTER TABLE wide_h DROP COLUMN gone;
ALTER TABLE wide ADD COLUMN a_def int DEFAULT 42;
ALTER TABLE wide_h ADD COLUMN a_def int DEFAULT 42;
ALTER TABLE wide ADD COLUMN a_null text;
ALTER TABLE wide_h ADD COLUMN a_null text;
ALTER TABLE wide ADD COLUMN x_drop int;     -- dropped again after the seal
ALTER TABLE wide_h ADD COLUMN x_drop int;
INSERT INTO wide SELECT ts, i, b, f, t, j, n, bo, u, ia, by,
  CASE WHEN i % 4 <> 0 THEN i % 4 END, 'new ' || i, i
  FROM wide_rows(1800, 2159);
INSERT INTO wide_h SELECT ts, i, b, f, t, j, n, bo, u, ia, by,
  CASE WHEN i % 4 <> 0 THEN i % 4 END, 'new ' || i, i
  FROM wide_rows(1800, 2159);
SELECT count(*), count(i), count(f), count(t), count(j), count(bo), count(u),
       count(ia), count(by), count(a_def), sum(a_def), count(a_null)
FROM wide;
SELECT segment_id, state, bucket_start, row_count FROM segstore.segments
WHERE table_name = 'wide'::regclass ORDER BY segment_id;

-- other tables the queries use
CREATE TABLE sn_dim (k int PRIMARY KEY, label text);
INSERT INTO sn_dim SELECT k, 'label ' || k FROM generate_series(0, 9) k;
CREATE TABLE sn_ev (ts timestamptz NOT NULL, k int, note text) USING segstore;
INSERT INTO sn_ev SELECT '2024-03-01'::timestamptz + g * interval '10 minutes', g % 5, 'ev ' || g
FROM generate_series(0, 431) g;
CREATE VIEW wide_v AS SELECT ts, i, n, a_def, a_null FROM wide WHERE bo IS NOT TRUE;
CREATE VIEW wide_h_v AS SELECT ts, i, n, a_def, a_null FROM wide_h WHERE bo IS NOT TRUE;
CREATE FUNCTION wide_between(lo timestamptz, hi timestamptz) RETURNS SETOF wide
LANGUAGE sql STABLE AS $$ SELECT * FROM wide WHERE ts >= lo AND ts < hi $$;
CREATE FUNCTION wide_h_between(lo timestamptz, hi timestamptz) RETURNS SETOF wide_h
LANGUAGE sql STABLE AS $$ SELECT * FROM wide_h WHERE ts >= lo AND ts < hi $$;
ANALYZE wide, wide_h, sn_dim, sn_ev;

-- The queries, run before and after the seal ("since": the phase that has
-- the columns they use).  "ordered": the row order is deterministic.
CREATE TABLE sn_queries (id int PRIMARY KEY, since int, ordered bool, heap bool, q text);
INSERT INTO sn_queries VALUES
 -- one column, two columns, every column alone
 (1, 1, false, true, 'SELECT i FROM @T'),
 (2, 1, false, true, 'SELECT t, n FROM @T'),
 (3, 1, false, true, 'SELECT ts FROM @T'),
 (4, 1, false, true, 'SELECT b FROM @T'),
 (5, 1, false, true, 'SELECT f FROM @T'),
 (6, 1, false, true, 'SELECT j FROM @T'),
 (7, 1, false, true, 'SELECT bo, u FROM @T'),
 (8, 1, false, true, 'SELECT ia, by FROM @T'),
 (9, 1, false, true, 'SELECT a_def FROM @T'),
 (10, 1, false, true, 'SELECT a_null FROM @T'),
 (11, 1, false, true, 'SELECT a_null, ts, a_def, by FROM @T'),
 (12, 1, false, true, 'SELECT n * 2 + i, upper(t), j->''g'', ia[2], length(by), a_def + 1 FROM @T'),
 -- columns only in WHERE
 (20, 1, false, true, 'SELECT i FROM @T WHERE bo AND j->>''odd'' = ''true'''),
 (21, 1, false, true, 'SELECT count(*) FROM @T WHERE a_def = 42'),
 (22, 1, false, true, 'SELECT ts FROM @T WHERE n > 3000 AND by <> ''\x0000''::bytea AND u::text LIKE ''a%'''),
 (23, 1, false, true, 'SELECT t FROM @T WHERE ia @> ARRAY[7] OR a_null LIKE ''%99'''),
 (24, 1, false, true, 'SELECT count(*) FROM @T WHERE f IS NULL AND i IS NOT NULL'),
 -- ORDER BY, GROUP BY, HAVING
 (30, 1, true, true, 'SELECT i FROM @T ORDER BY f DESC NULLS LAST, b LIMIT 40'),
 (31, 1, true, true, 'SELECT t FROM @T ORDER BY a_def NULLS FIRST, n DESC LIMIT 40'),
 (32, 1, true, true, 'SELECT bo, count(*), sum(n), count(a_null) FROM @T GROUP BY bo ORDER BY bo'),
 (33, 1, true, true, 'SELECT i % 7 AS k, count(*) FROM @T GROUP BY k HAVING sum(b) > 300000000000 AND min(t) < ''text 5'' ORDER BY k'),
 (34, 1, true, true, 'SELECT a_def, count(*) FROM @T GROUP BY a_def HAVING max(ts) > ''2024-03-03'' ORDER BY a_def'),
 (35, 1, true, true, 'SELECT j->>''odd'', min(f), max(length(by)) FROM @T GROUP BY 1 ORDER BY 1'),
 -- joins
 (40, 1, true, true, 'SELECT d.label, count(*), sum(w.n) FROM @T w JOIN sn_dim d ON d.k = w.i % 10 GROUP BY d.label ORDER BY 1'),
 (41, 1, false, true, 'SELECT w.t, e.note FROM @T w JOIN sn_ev e ON e.ts = w.ts AND e.k = w.b % 5'),
 (42, 1, false, true, 'SELECT w1.i, w2.t FROM @T w1 JOIN @T w2 ON w2.b = w1.b * 2 WHERE w1.bo'),
 (43, 1, false, true, 'SELECT d.k, w.u FROM sn_dim d LEFT JOIN @T w ON w.i = d.k * 100 AND w.a_def IS NOT NULL'),
 (44, 1, false, true, 'SELECT d.k, s.ct FROM sn_dim d LEFT JOIN (SELECT w.i, coalesce(w.t, ''x'') AS ct FROM @T w) s ON s.i = d.k * 3'),
 (45, 1, false, true, 'SELECT x.i, x.t FROM @T x JOIN @T y ON x = y'),
 -- subqueries
 (50, 1, false, true, 'SELECT i FROM @T WHERE b IN (SELECT b * 3 FROM @T WHERE bo)'),
 (51, 1, true, true, 'SELECT i, (SELECT max(n) FROM @T w2 WHERE w2.i = w.i + 1) FROM @T w WHERE w.i < 60 ORDER BY i'),
 (52, 1, false, true, 'SELECT t FROM @T w WHERE NOT EXISTS (SELECT 1 FROM sn_dim d WHERE d.k = w.i) AND i < 30'),
 (53, 1, false, true, 'SELECT max(x) FROM (SELECT n + a_def AS x FROM @T WHERE ia IS NULL) s'),
 (54, 1, false, true, 'SELECT (SELECT count(*) FROM sn_dim d WHERE d.label = w.t OR d.k = w.a_def) FROM @T w'),
 -- whole-row references
 (60, 1, false, true, 'SELECT w FROM @T w'),
 (61, 1, false, true, 'SELECT row_to_json(w) FROM @T w'),
 (62, 1, false, true, 'SELECT w.* FROM @T w'),
 (63, 1, false, true, 'SELECT count(w), count(*) FILTER (WHERE w IS NOT NULL) FROM @T w'),
 (64, 1, false, true, 'SELECT i, hashtext(w::text) FROM @T w WHERE i % 100 = 1'),
 (65, 1, false, true, 'SELECT to_jsonb(w) - ''ts'' FROM @T w WHERE bo'),
 -- system columns (the heap table has other TIDs and another oid)
 (70, 1, false, false, 'SELECT ctid, tableoid::regclass, i FROM @T'),
 (71, 1, false, false, 'SELECT ctid FROM @T WHERE a_null IS NOT NULL'),
 (72, 1, false, false, 'SELECT tableoid::regclass, count(*) FROM @T GROUP BY 1'),
 (73, 1, false, false, 'SELECT ctid FROM @T'),
 -- no columns at all
 (80, 1, false, true, 'SELECT count(*) FROM @T'),
 (81, 1, false, true, 'SELECT 1 FROM @T'),
 (82, 1, false, true, 'SELECT now() IS NOT NULL FROM @T LIMIT 3'),
 -- DISTINCT, windows, CTEs, UNION, a view, a function
 (90, 1, false, true, 'SELECT DISTINCT bo, a_def FROM @T'),
 (91, 1, true, true, 'SELECT DISTINCT ON (i % 5) i % 5, t FROM @T WHERE i IS NOT NULL ORDER BY i % 5, ts DESC'),
 (92, 1, false, true, 'SELECT i, sum(n) OVER (PARTITION BY bo ORDER BY ts ROWS 2 PRECEDING), rank() OVER (ORDER BY f NULLS FIRST, ts) FROM @T'),
 (93, 1, false, true, 'SELECT a_null, lag(t) OVER (ORDER BY b), count(*) OVER (PARTITION BY a_def) FROM @T'),
 (94, 1, false, true, 'WITH x AS (SELECT ts, n FROM @T WHERE i % 3 = 0) SELECT count(*), sum(n), min(ts) FROM x'),
 (95, 1, false, true, 'WITH x AS MATERIALIZED (SELECT * FROM @T) SELECT i, a_def, a_null FROM x WHERE u IS NOT NULL'),
 (96, 1, false, true, 'WITH RECURSIVE r(k) AS (SELECT min(i) FROM @T UNION ALL SELECT (SELECT min(i) FROM @T WHERE i > r.k * 2) FROM r WHERE k < 2000) SELECT * FROM r'),
 (97, 1, false, true, 'SELECT i FROM @T WHERE bo UNION SELECT (b % 1000)::int FROM @T'),
 (98, 1, false, true, 'SELECT ts, t FROM @T UNION ALL SELECT ts, note FROM sn_ev'),
 (99, 1, false, true, 'SELECT i FROM @T WHERE bo INTERSECT SELECT i FROM @T WHERE a_null IS NULL'),
 (100, 1, false, true, 'SELECT i, t FROM @T UNION ALL SELECT k, note FROM sn_ev'),
 (101, 1, false, true, 'SELECT w::text FROM @T w WHERE i < 20 UNION ALL SELECT e::text FROM sn_ev e WHERE k = 1'),
 (102, 1, false, true, 'SELECT bo, a_def, count(*), sum(n) FROM @T GROUP BY GROUPING SETS ((bo), (a_def), ())'),
 (103, 1, false, true, 'SELECT generate_series(1, i % 3), t FROM @T'),
 (104, 1, false, true, 'SELECT * FROM @T_v'),
 (105, 1, false, true, 'SELECT i, a_def FROM @T_v WHERE n < 100'),
 (106, 1, false, true, 'SELECT i, t, a_def FROM @T_between(''2024-03-02 10:00'', ''2024-03-02 11:00'')'),
 (107, 1, false, true, 'SELECT count(*), sum(n) FROM @T_between(''2024-03-01'', ''2024-03-04'') WHERE bo'),
 -- columns added after the seal
 (120, 2, false, true, 'SELECT a_late FROM @T'),
 (121, 2, false, true, 'SELECT i, a_late, a_def FROM @T WHERE a_late <> 7.5 OR a_def <> 42'),
 (122, 2, true, true, 'SELECT a_late, count(*) FROM @T GROUP BY a_late ORDER BY a_late');

SELECT id, sn_check(q, ordered, 'wide', CASE WHEN heap THEN 'wide_h' END)
FROM sn_queries WHERE since <= 1 ORDER BY id;

-- some results in full
SELECT i, t, n, a_def, a_null FROM wide WHERE i % 199 = 0 OR i IN (1799, 1800, 2158);
SELECT ts, b, f, bo FROM wide WHERE b % 97 = 0 AND ts < '2024-03-02';
SELECT j, u, ia, by FROM wide WHERE i BETWEEN 1798 AND 1803;
SELECT w FROM wide w WHERE i IN (0, 17, 1801) OR i IS NULL AND ts < '2024-03-01 01:00';
SELECT row_to_json(w) FROM wide w WHERE b = 2159::bigint * 1000003;
SELECT count(*), count(a_def), sum(a_def), count(a_null), sum(n), sum(f), sum(i), count(ia), sum(length(by))
FROM wide;
SELECT a_def, count(*) FROM wide GROUP BY a_def ORDER BY a_def;
SELECT ctid, tableoid::regclass, i FROM wide WHERE i IN (1, 2, 1800, 2000);
COPY (SELECT i, t, a_def, a_null FROM wide WHERE i % 300 = 1 ORDER BY ts) TO STDOUT;
SET segstore.enable_segment_scan = off;
COPY (SELECT i, t, a_def, a_null FROM wide WHERE i % 300 = 1 ORDER BY ts) TO STDOUT;
RESET segstore.enable_segment_scan;

-- a SQL function (not inlined) and a plpgsql function with a cursor
CREATE FUNCTION wide_sum(lo timestamptz, hi timestamptz) RETURNS numeric
LANGUAGE sql STABLE AS $$ SELECT sum(n) + count(a_def) FROM wide WHERE ts >= lo AND ts < hi $$;
CREATE FUNCTION wide_cursor(lim int) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  c CURSOR (k int) FOR SELECT i, t, a_def FROM wide WHERE i < k ORDER BY ts;
  r record;
  acc text := '';
BEGIN
  OPEN c(lim);
  LOOP
    FETCH c INTO r;
    EXIT WHEN NOT FOUND;
    acc := acc || r.i || ':' || coalesce(r.t, '-') || ':' || coalesce(r.a_def::text, '-') || ' ';
  END LOOP;
  CLOSE c;
  RETURN acc;
END $$;
SELECT d, wide_sum(d, d + interval '1 day') FROM generate_series('2024-03-01'::timestamptz, '2024-03-04', '1 day') d;
SELECT wide_cursor(16);
SET segstore.enable_segment_scan = off;
SELECT d, wide_sum(d, d + interval '1 day') FROM generate_series('2024-03-01'::timestamptz, '2024-03-04', '1 day') d;
SELECT wide_cursor(16);
RESET segstore.enable_segment_scan;

-- Seal; then a late row for a sealed bucket (into a new active segment),
-- a column dropped and one added after the seal.
SELECT count(*) FROM segstore.seal('wide');
INSERT INTO wide SELECT ts + interval '1 second', i + 10000, b + 1, f, 'late ' || t, j, n, bo, u, ia, by, 7, 'late', NULL
FROM wide WHERE i IN (1, 2, 1801);
INSERT INTO wide_h SELECT ts + interval '1 second', i + 10000, b + 1, f, 'late ' || t, j, n, bo, u, ia, by, 7, 'late', NULL
FROM wide_h WHERE i IN (1, 2, 1801);
ALTER TABLE wide DROP COLUMN x_drop;
ALTER TABLE wide_h DROP COLUMN x_drop;
ALTER TABLE wide ADD COLUMN a_late numeric DEFAULT 7.5;
ALTER TABLE wide_h ADD COLUMN a_late numeric DEFAULT 7.5;
INSERT INTO wide (ts, i, t, a_late) VALUES ('2024-03-02 12:00:01', 20000, 'after add', 1.25);
INSERT INTO wide_h (ts, i, t, a_late) VALUES ('2024-03-02 12:00:01', 20000, 'after add', 1.25);
SELECT segment_id, state, bucket_start, row_count FROM segstore.segments
WHERE table_name = 'wide'::regclass ORDER BY segment_id;

SELECT id, sn_check(q, ordered, 'wide', CASE WHEN heap THEN 'wide_h' END)
FROM sn_queries ORDER BY id;

SELECT i, t, a_def, a_null, a_late FROM wide WHERE i > 10000 OR i IN (1, 1801) ORDER BY ts, i;
SELECT w FROM wide w WHERE i IN (10001, 20000) OR i = 17;
SELECT a_late, count(*) FROM wide GROUP BY a_late ORDER BY a_late;
COPY (SELECT i, t, a_def, a_null, a_late FROM wide WHERE i > 10000 ORDER BY i) TO STDOUT;
SELECT d, wide_sum(d, d + interval '1 day') FROM generate_series('2024-03-01'::timestamptz, '2024-03-04', '1 day') d;
SELECT wide_cursor(16);
SET segstore.enable_segment_scan = off;
SELECT d, wide_sum(d, d + interval '1 day') FROM generate_series('2024-03-01'::timestamptz, '2024-03-04', '1 day') d;
SELECT wide_cursor(16);
RESET segstore.enable_segment_scan;

--
-- 2. Parallel scans.
--
-- "par": 5000 rows over ten one-day buckets, sealed, and a late row in a
-- new active segment: 11 segments.  "par_h" is the heap copy.
--
CREATE TABLE par (ts timestamptz NOT NULL, id int, v float8, tag text)
  USING segstore WITH (segstore.segment_interval = '1 day', segstore.block_size = 4096);
CREATE TABLE par_h (LIKE par) USING heap;
INSERT INTO par SELECT '2024-01-01'::timestamptz + (g % 10) * interval '1 day' + g * interval '1 second',
  g, g * 0.5, 'tag' || (g % 7) FROM generate_series(1, 5000) g;
SELECT count(*) FROM segstore.seal('par');
INSERT INTO par VALUES ('2024-01-03 12:00', 5001, 1.25, 'late');
INSERT INTO par_h SELECT * FROM par;
SELECT count(*) AS segments, count(*) FILTER (WHERE state = 'sealed') AS sealed,
       sum(row_count) AS rows
FROM segstore.segments WHERE table_name = 'par'::regclass;
ANALYZE par, par_h;

SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
EXPLAIN (COSTS OFF) SELECT count(*), sum(v) FROM par;
EXPLAIN (COSTS OFF) SELECT id, tag FROM par WHERE v > 100;
EXPLAIN (COSTS OFF) SELECT count(*) FROM par WHERE ts >= '2024-01-03' AND ts < '2024-01-05';
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) SELECT count(*), sum(v) FROM par;
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)
SELECT count(*), sum(v) FROM par WHERE ts >= '2024-01-03' AND ts < '2024-01-05';
-- segments scanned by all participants: every segment once, or the three
-- of 2024-01-03 (sealed and active) and 2024-01-04
SELECT * FROM sn_counts('SELECT count(*), sum(v) FROM par');
SELECT * FROM sn_counts('SELECT id, v FROM par WHERE tag = ''tag3''');
SELECT * FROM sn_counts('SELECT count(*) FROM par WHERE ts >= ''2024-01-03'' AND ts < ''2024-01-05''');
SELECT * FROM sn_counts('SELECT count(*) FROM par WHERE ts >= ''2024-01-09 12:00''');

-- the same results in parallel, serial, without the node, and from heap
CREATE TEMP TABLE par_results (how text, query text, result text);
CREATE FUNCTION par_run(how text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO par_results
  SELECT how, 'count, sums', format('%s %s %s %s', count(*), sum(v), sum(id), count(DISTINCT tag)) FROM par;
  INSERT INTO par_results
  SELECT how, 'md5 of rows', md5(string_agg(p::text, ',' ORDER BY id)) FROM par p;
  INSERT INTO par_results
  SELECT how, 'md5 of two columns', md5(string_agg(tag || v, ',' ORDER BY tag, v)) FROM par;
  INSERT INTO par_results
  SELECT how, 'pruned', format('%s %s %s', count(*), sum(v), min(tag)) FROM par
  WHERE ts >= '2024-01-03' AND ts < '2024-01-05';
  INSERT INTO par_results
  SELECT how, 'group by', string_agg(format('%s:%s:%s', tag, c, s), ' ' ORDER BY tag)
  FROM (SELECT tag, count(*) c, sum(v) s FROM par WHERE id % 3 = 0 GROUP BY tag) x;
END $$;
EXPLAIN (COSTS OFF) SELECT md5(string_agg(p::text, ',' ORDER BY id)) FROM par p;
EXPLAIN (COSTS OFF) SELECT tag, count(*) c, sum(v) s FROM par WHERE id % 3 = 0 GROUP BY tag;
SELECT par_run('parallel');
SET segstore.enable_segment_scan = off;
EXPLAIN (COSTS OFF) SELECT count(*), sum(v) FROM par;
SELECT par_run('parallel, node off');
RESET segstore.enable_segment_scan;
SET max_parallel_workers_per_gather = 0;
EXPLAIN (COSTS OFF) SELECT count(*), sum(v) FROM par;
SELECT par_run('serial');
SET max_parallel_workers_per_gather = 2;
ALTER TABLE par_results RENAME TO par_results_seg;
CREATE TEMP TABLE par_results (how text, query text, result text);
ALTER TABLE par RENAME TO par_s;
ALTER TABLE par_h RENAME TO par;
SELECT par_run('heap');
ALTER TABLE par RENAME TO par_h;
ALTER TABLE par_s RENAME TO par;
INSERT INTO par_results SELECT * FROM par_results_seg;
SELECT query, result, string_agg(how, ', ' ORDER BY how) FROM par_results
GROUP BY query, result ORDER BY query, result;

-- a parallel scan sees the rows its transaction inserted before it, in a
-- new bucket and in a bucket with a sealed segment (in a table of its own:
-- the rolled-back rows stay in segment files)
CREATE TABLE ptx (ts timestamptz NOT NULL, id int, v float8, tag text)
  USING segstore WITH (segstore.segment_interval = '1 day');
INSERT INTO ptx SELECT ts, id, v, tag FROM par;
SELECT count(*) FROM segstore.seal('ptx');
BEGIN;
INSERT INTO ptx SELECT '2024-01-20'::timestamptz + g * interval '1 minute', 10000 + g, 1, 'tx'
FROM generate_series(1, 300) g;
INSERT INTO ptx VALUES ('2024-01-05 06:00', 20000, 2, 'tx');
EXPLAIN (COSTS OFF) SELECT count(*), sum(v) FROM ptx WHERE tag = 'tx';
SELECT count(*), sum(v), sum(id) FROM ptx WHERE tag = 'tx';
SELECT count(*), sum(v) FROM ptx;
-- sealed 2024-01-05 to 2024-01-10 and the two new active segments
SELECT segs_scanned, segs_skipped, parallel_nodes FROM sn_counts('SELECT count(*) FROM ptx WHERE ts >= ''2024-01-05''');
SET LOCAL segstore.enable_segment_scan = off;
SELECT count(*), sum(v), sum(id) FROM ptx WHERE tag = 'tx';
SELECT count(*), sum(v) FROM ptx;
ROLLBACK;
SELECT count(*), sum(v) FROM ptx;

-- a Gather rescanned as the inner side of a nested loop: each rescan
-- scans all 11 segments again
CREATE TABLE days (d timestamptz, g int) WITH (parallel_workers = 0);
INSERT INTO days SELECT '2024-01-01'::timestamptz + g * interval '1 day', g FROM generate_series(0, 11) g;
ANALYZE days;
SET enable_hashjoin = off;
SET enable_mergejoin = off;
SET enable_material = off;
EXPLAIN (COSTS OFF)
SELECT days.g, count(*), sum(par.v) FROM days JOIN par ON par.ts >= days.d AND par.ts < days.d + interval '1 day'
WHERE days.g < 4 GROUP BY days.g ORDER BY 1;
SELECT days.g, count(*), sum(par.v) FROM days JOIN par ON par.ts >= days.d AND par.ts < days.d + interval '1 day'
WHERE days.g < 4 GROUP BY days.g ORDER BY 1;
SELECT * FROM sn_counts($$SELECT days.g, count(*), sum(par.v) FROM days JOIN par ON par.ts >= days.d
  AND par.ts < days.d + interval '1 day' WHERE days.g < 4 GROUP BY days.g ORDER BY 1$$);
SET segstore.enable_segment_scan = off;
SELECT days.g, count(*), sum(par.v) FROM days JOIN par ON par.ts >= days.d AND par.ts < days.d + interval '1 day'
WHERE days.g < 4 GROUP BY days.g ORDER BY 1;
RESET segstore.enable_segment_scan;
RESET enable_hashjoin;
RESET enable_mergejoin;
RESET enable_material;

--
-- 3. Rescans.
--
SET max_parallel_workers_per_gather = 0;
-- a correlated subquery: the scan is rescanned for each day with new
-- pruning values; the three segments of 2024-01-03 and one of each
-- other day are read once, the others skipped
EXPLAIN (COSTS OFF)
SELECT g, (SELECT count(*) FROM par WHERE ts >= days.d AND ts < days.d + interval '1 day') FROM days;
SELECT g, (SELECT count(*) FROM par WHERE ts >= days.d AND ts < days.d + interval '1 day'),
       (SELECT sum(v) FROM par WHERE ts >= days.d AND ts < days.d + interval '1 day') FROM days ORDER BY g;
SELECT * FROM sn_counts('SELECT g, (SELECT count(*) FROM par WHERE ts >= days.d AND ts < days.d + interval ''1 day'') FROM days');
-- without pruning: every rescan reads all segments
EXPLAIN (COSTS OFF)
SELECT g, (SELECT count(*) FROM par WHERE id % 12 = days.g) FROM days;
SELECT * FROM sn_counts('SELECT g, (SELECT count(*) FROM par WHERE id % 12 = days.g) FROM days');
SELECT sn_check('SELECT g, (SELECT count(*) FROM @T WHERE id % 12 = days.g), (SELECT max(tag) FROM @T WHERE id % 12 = days.g AND v < 50) FROM days', false, 'par', 'par_h');
SELECT sn_check('SELECT g, (SELECT sum(v) FROM @T WHERE ts >= days.d AND ts < days.d + interval ''1 day''), (SELECT count(*) FROM @T p WHERE p.ts < days.d AND p.id % 1000 = days.g) FROM days', false, 'par', 'par_h');
-- the scan as the inner side of a nested loop, rescanned for each outer row
SET enable_hashjoin = off;
SET enable_mergejoin = off;
SET enable_material = off;
EXPLAIN (COSTS OFF)
SELECT days.g, count(*), sum(par.v) FROM days JOIN par ON par.id % 12 = days.g GROUP BY days.g;
SELECT sn_check('SELECT days.g, count(*), sum(p.v), min(p.tag) FROM days JOIN @T p ON p.id % 12 = days.g GROUP BY days.g', false, 'par', 'par_h');
SELECT sn_check('SELECT days.g, p.id FROM days LEFT JOIN @T p ON p.ts >= days.d AND p.ts < days.d + interval ''1 hour'' AND p.tag = ''tag2''', false, 'par', 'par_h');
SELECT * FROM sn_counts('SELECT days.g, count(*) FROM days JOIN par ON par.id % 12 = days.g GROUP BY days.g');
RESET enable_hashjoin;
RESET enable_mergejoin;
RESET enable_material;
-- LATERAL, rescanned with new pruning values for each day
EXPLAIN (COSTS OFF)
SELECT days.g, x.* FROM days, LATERAL (SELECT id, v FROM par WHERE ts >= days.d AND ts < days.d + interval '1 day'
  ORDER BY id LIMIT 2) x;
SELECT days.g, x.* FROM days, LATERAL (SELECT id, v, tag FROM par WHERE ts >= days.d AND ts < days.d + interval '1 day'
  ORDER BY id LIMIT 2) x ORDER BY 1, 2;
SELECT sn_check('SELECT days.g, x.* FROM days, LATERAL (SELECT id, v, tag FROM @T WHERE ts >= days.d AND ts < days.d + interval ''1 day'' ORDER BY id DESC LIMIT 3) x', false, 'par', 'par_h');
SELECT sn_check('SELECT days.g, x.* FROM days LEFT JOIN LATERAL (SELECT count(*) AS c, max(p.v) AS m FROM @T p WHERE p.id % 100 = days.g + 1) x ON true', false, 'par', 'par_h');
-- EXISTS kept as a correlated subplan (under an OR)
-- (rows of day k have ids k, k + 10, ... and are id seconds into the day;
-- in the window, ids 1000 + k, 1010 + k, 1020 + k: tag3 for k = 1, 4, 5, 8.
-- Segments are read in id order: 2024-01-02 to 2024-01-10, 2024-01-01, the
-- active 2024-01-03; the scan stops at a match, so for day 8 seven segments
-- were skipped before the match and the rest never looked at; the window
-- lies in the first of the four blocks of a day.)
EXPLAIN (COSTS OFF)
SELECT g FROM days WHERE g = 100 OR EXISTS (SELECT 1 FROM par WHERE ts >= days.d + interval '1000 seconds'
  AND ts < days.d + interval '1030 seconds' AND tag = 'tag3');
SELECT g FROM days WHERE g = 100 OR EXISTS (SELECT 1 FROM par WHERE ts >= days.d + interval '1000 seconds'
  AND ts < days.d + interval '1030 seconds' AND tag = 'tag3') ORDER BY g;
SELECT * FROM sn_counts($$SELECT g FROM days WHERE g = 100 OR EXISTS (SELECT 1 FROM par WHERE ts >= days.d + interval '1000 seconds'
  AND ts < days.d + interval '1030 seconds' AND tag = 'tag3')$$);
SELECT sn_check('SELECT g FROM days WHERE g = 100 OR EXISTS (SELECT 1 FROM @T WHERE ts >= days.d + interval ''1000 seconds'' AND ts < days.d + interval ''1030 seconds'' AND tag = ''tag3'')', false, 'par', 'par_h');
SELECT sn_check('SELECT g FROM days WHERE NOT EXISTS (SELECT 1 FROM @T p WHERE p.id = days.g * 400)', false, 'par', 'par_h');
-- prepared statements: parameters in the pruning filter, custom and generic plans
PREPARE day_rows(timestamptz) AS
  SELECT count(*), sum(v), min(id) FROM par WHERE ts >= $1 AND ts < $1 + interval '1 day';
EXECUTE day_rows('2024-01-03');
EXECUTE day_rows('2024-01-04');
SET plan_cache_mode = force_generic_plan;
EXPLAIN (COSTS OFF) EXECUTE day_rows('2024-01-03');
EXECUTE day_rows('2024-01-03');
EXECUTE day_rows('2024-01-04');
EXECUTE day_rows('2024-02-04');
RESET plan_cache_mode;
DEALLOCATE day_rows;

-- cursors: the node does not scan backward, so a cursor over it is
-- NO SCROLL unless declared SCROLL (the planner then adds a Materialize)
BEGIN;
DECLARE c SCROLL CURSOR FOR SELECT id, tag FROM par WHERE id <= 6;
FETCH 4 FROM c;
FETCH BACKWARD 2 FROM c;
MOVE ABSOLUTE 0 IN c;
FETCH 3 FROM c;
FETCH ALL FROM c;
MOVE ABSOLUTE 0 IN c;
FETCH ALL FROM c;
FETCH BACKWARD ALL FROM c;
CLOSE c;
DECLARE c2 CURSOR FOR SELECT id, tag FROM par WHERE id <= 6;
FETCH 2 FROM c2;
FETCH BACKWARD 1 FROM c2;
ROLLBACK;
BEGIN;
DECLARE c3 NO SCROLL CURSOR FOR SELECT id FROM par WHERE id <= 6;
FETCH 2 FROM c3;
MOVE ABSOLUTE 0 IN c3;
ROLLBACK;
-- cursors kept past their transaction
BEGIN;
DECLARE c5 CURSOR WITH HOLD FOR SELECT id, v FROM par WHERE id % 1000 = 7;
DECLARE c6 SCROLL CURSOR WITH HOLD FOR SELECT id, tag FROM par WHERE id % 1000 = 9;
FETCH 2 FROM c5;
FETCH 2 FROM c6;
COMMIT;
FETCH ALL FROM c5;
FETCH ALL FROM c6;
FETCH ABSOLUTE 1 FROM c6;
CLOSE c5;
CLOSE c6;
-- without the node, an implicitly scrollable cursor reaches the table
-- access method, which cannot scan backward
SET segstore.enable_segment_scan = off;
BEGIN;
DECLARE c4 CURSOR FOR SELECT id FROM par WHERE id <= 6;
FETCH 2 FROM c4;
FETCH BACKWARD 1 FROM c4;
ROLLBACK;
RESET segstore.enable_segment_scan;
RESET max_parallel_workers_per_gather;

--
-- 4. Plans and row estimates.
--
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
SET max_parallel_workers_per_gather = 0;
EXPLAIN (COSTS OFF) SELECT * FROM par;
EXPLAIN (COSTS OFF) SELECT id FROM par WHERE ts >= '2024-01-03' AND ts < '2024-01-04';
EXPLAIN (COSTS OFF) SELECT id FROM par WHERE tag = 'tag1' AND v > 10;
EXPLAIN (COSTS OFF) SELECT id FROM par WHERE ts > now() - interval '1 day' OR ts IN ('2024-01-01', '2024-01-02');
EXPLAIN (VERBOSE, COSTS OFF) SELECT id, tag FROM par WHERE v < 3;
EXPLAIN (COSTS OFF) SELECT d.label, p.v FROM par p JOIN sn_dim d ON d.k = p.id % 10 WHERE p.tag = 'tag1';
EXPLAIN (COSTS OFF) SELECT p.id, w.t FROM par p JOIN wide w ON w.ts = p.ts;
SET segstore.enable_segment_scan = off;
EXPLAIN (COSTS OFF) SELECT * FROM par;
EXPLAIN (COSTS OFF) SELECT id FROM par WHERE ts >= '2024-01-03' AND ts < '2024-01-04';
RESET segstore.enable_segment_scan;
-- TABLESAMPLE keeps the sample scan (which segstore does not support)
EXPLAIN (COSTS OFF) SELECT * FROM par TABLESAMPLE system (10);
RESET max_parallel_workers_per_gather;

-- row estimates: 10000 rows over ten days
CREATE TABLE est (ts timestamptz NOT NULL, k int, v float8) USING segstore;
INSERT INTO est SELECT '2024-04-01'::timestamptz + g * interval '86.4 seconds', g % 10, g
FROM generate_series(0, 9999) g;
ANALYZE est;
CREATE FUNCTION plan_rows(q text) RETURNS float8 LANGUAGE plpgsql AS $$
DECLARE
  js json;
BEGIN
  EXECUTE 'EXPLAIN (FORMAT JSON) ' || q INTO js;
  RETURN (js->0->'Plan'->>'Plan Rows')::float8;
END $$;
SELECT count(*) AS true_rows,
       plan_rows($$SELECT * FROM est WHERE ts >= '2024-04-03' AND ts < '2024-04-04'$$) BETWEEN 700 AND 1400 AS one_day_ok
FROM est WHERE ts >= '2024-04-03' AND ts < '2024-04-04';
SELECT count(*) AS true_rows,
       plan_rows($$SELECT * FROM est WHERE ts >= '2024-04-03 06:00' AND ts < '2024-04-03 12:00'$$) BETWEEN 150 AND 350 AS six_hours_ok
FROM est WHERE ts >= '2024-04-03 06:00' AND ts < '2024-04-03 12:00';
SELECT plan_rows('SELECT * FROM est') BETWEEN 9500 AND 10500 AS all_rows_ok,
       plan_rows('SELECT * FROM est WHERE k = 3') BETWEEN 700 AND 1400 AS k_ok,
       plan_rows($$SELECT * FROM est WHERE ts < '2024-04-01'$$) < 50 AS before_ok;
-- the time-range scan costs less than the full scan
CREATE FUNCTION plan_cost(q text) RETURNS float8 LANGUAGE plpgsql AS $$
DECLARE
  js json;
BEGIN
  EXECUTE 'EXPLAIN (FORMAT JSON) ' || q INTO js;
  RETURN (js->0->'Plan'->>'Total Cost')::float8;
END $$;
SELECT plan_cost($$SELECT * FROM est WHERE ts >= '2024-04-03' AND ts < '2024-04-04'$$)
     < plan_cost($$SELECT * FROM est WHERE k >= 0$$) AS range_cheaper;

--
-- 5. Partitioned and inheritance trees.
--
SET max_parallel_workers_per_gather = 0;
-- pt_2 has another column order and a dropped column; pt_def is heap.
CREATE TABLE pt (ts timestamptz NOT NULL, dev int, val float8, note text) PARTITION BY RANGE (ts);
CREATE TABLE pt_1 PARTITION OF pt FOR VALUES FROM ('2024-01-01') TO ('2024-01-04')
  USING segstore WITH (segstore.segment_interval = '1 day', segstore.block_size = 4096);
CREATE TABLE pt_2 (note text, junk int, val float8, dev int, ts timestamptz NOT NULL)
  USING segstore WITH (segstore.segment_interval = '1 day');
ALTER TABLE pt_2 DROP COLUMN junk;
ALTER TABLE pt ATTACH PARTITION pt_2 FOR VALUES FROM ('2024-01-04') TO ('2024-01-07');
CREATE TABLE pt_3 PARTITION OF pt FOR VALUES FROM ('2024-01-07') TO ('2024-01-10') USING segstore;
CREATE TABLE pt_def PARTITION OF pt DEFAULT USING heap;
CREATE TABLE pt_h (LIKE pt) USING heap;
INSERT INTO pt SELECT '2024-01-01'::timestamptz + g * interval '5 minutes', g % 5,
  CASE WHEN g % 9 <> 0 THEN g END, 'n' || g FROM generate_series(0, 2591) g;
INSERT INTO pt VALUES ('2023-12-31 23:00', 9, 9.5, 'default');
SELECT count(*) FROM segstore.seal('pt_2');
INSERT INTO pt VALUES ('2024-01-05 00:00:30', 7, 0.5, 'late');
INSERT INTO pt_h SELECT * FROM pt;
ANALYZE pt, pt_h;
SELECT tableoid::regclass, count(*), count(val), sum(val), min(ts), max(ts) FROM pt GROUP BY 1 ORDER BY 1;
EXPLAIN (COSTS OFF) SELECT dev, sum(val) FROM pt GROUP BY dev;
EXPLAIN (COSTS OFF) SELECT note FROM pt WHERE ts >= '2024-01-03' AND ts < '2024-01-05';
SELECT * FROM sn_counts($$SELECT note FROM pt WHERE ts >= '2024-01-03 12:00' AND ts < '2024-01-05'$$);
SELECT pt FROM pt WHERE ts IN ('2023-12-31 23:00', '2024-01-03 23:55', '2024-01-04 00:00', '2024-01-05 00:00:30', '2024-01-07 00:00')
ORDER BY ts;
SELECT row_to_json(pt), tableoid::regclass FROM pt
WHERE ts IN ('2024-01-03 23:55', '2024-01-04 00:00', '2024-01-05 00:00:30', '2024-01-07 00:00') ORDER BY ts;
SELECT sn_check('SELECT dev, count(*), sum(val), max(note) FROM @T GROUP BY dev', false, 'pt', 'pt_h');
SELECT sn_check('SELECT x FROM @T x', false, 'pt', 'pt_h');
SELECT sn_check('SELECT note FROM @T WHERE val > 1000 AND dev = 2', false, 'pt', 'pt_h');
SELECT sn_check('SELECT val, note FROM @T WHERE ts >= ''2024-01-03 12:00'' AND ts < ''2024-01-05''', false, 'pt', 'pt_h');
SELECT sn_check('SELECT a.note, b.note FROM @T a JOIN @T b ON b.ts = a.ts + interval ''3 days'' WHERE a.dev = 1', false, 'pt', 'pt_h');
SELECT sn_check('SELECT count(*) FROM @T', false, 'pt', 'pt_h');
SELECT sn_check('SELECT days.g, (SELECT count(val) FROM @T WHERE ts >= days.d AND ts < days.d + interval ''1 day'') FROM days', false, 'pt', 'pt_h');
-- in parallel (Parallel Append over the partitions)
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
EXPLAIN (COSTS OFF) SELECT dev, count(*), sum(val) FROM pt GROUP BY dev;
SELECT dev, count(*), sum(val), md5(string_agg(note, ',' ORDER BY note)) FROM pt GROUP BY dev ORDER BY dev;
SELECT nodes, parallel_nodes, segs_scanned, segs_skipped FROM sn_counts('SELECT dev, count(*), sum(val) FROM pt GROUP BY dev');
SELECT dev, count(*), sum(val), md5(string_agg(note, ',' ORDER BY note)) FROM pt_h GROUP BY dev ORDER BY dev;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
SET max_parallel_workers_per_gather = 0;

-- traditional inheritance: a segstore parent with a segstore child (one
-- more column) and a heap child
CREATE TABLE ih (ts timestamptz NOT NULL, a int, b text) USING segstore;
CREATE TABLE ih_seg (extra numeric) INHERITS (ih) USING segstore;
CREATE TABLE ih_heap () INHERITS (ih) USING heap;
INSERT INTO ih SELECT '2024-02-01'::timestamptz + g * interval '1 hour', g, 'parent ' || g FROM generate_series(1, 50) g;
INSERT INTO ih_seg SELECT '2024-02-01'::timestamptz + g * interval '1 hour', g, 'seg ' || g, g / 4.0 FROM generate_series(1, 40) g;
INSERT INTO ih_heap SELECT '2024-02-01'::timestamptz + g * interval '1 hour', g, 'heap ' || g FROM generate_series(1, 30) g;
ANALYZE ih, ih_seg, ih_heap;
EXPLAIN (COSTS OFF) SELECT b FROM ih WHERE a < 5;
EXPLAIN (COSTS OFF) SELECT * FROM ONLY ih WHERE ts < '2024-02-02';
SELECT tableoid::regclass, count(*), sum(a), min(b), max(ts) FROM ih GROUP BY 1 ORDER BY 1;
SELECT ih, tableoid::regclass FROM ih WHERE a IN (3, 45) ORDER BY tableoid::regclass::text, a;
SELECT count(*), sum(a) FROM ONLY ih;
SELECT i.b, s.extra FROM ih i JOIN ih_seg s ON s.a = i.a * 8 WHERE i.ts < '2024-02-01 06:00' ORDER BY 1;
SELECT sn_check('SELECT b, a FROM @T WHERE a % 7 = 0', false, 'ih', NULL);
SELECT sn_check('SELECT x FROM @T x WHERE ts > ''2024-02-02 12:00''', false, 'ih', NULL);
SELECT sn_check('SELECT count(*) FROM ONLY @T', false, 'ih', NULL);
RESET max_parallel_workers_per_gather;

--
-- 6. A lateral reference evaluated at the scan: in a LEFT JOIN LATERAL,
-- "a.x" of the outer table becomes a PlaceHolderVar computed by the scan of
-- t, which must then be parameterized by a (the rel has lateral_relids).
--
CREATE TABLE lat_a (id int, x int, y text);
INSERT INTO lat_a VALUES (1, 10, 'p'), (2, 20, 'q'), (3, NULL, 'r');
CREATE TABLE lat_t (ts timestamptz NOT NULL, id int, v int) USING segstore;
CREATE TABLE lat_t_h (LIKE lat_t) USING heap;
INSERT INTO lat_t SELECT '2024-01-01'::timestamptz + g * interval '1 hour', g % 4, g FROM generate_series(1, 100) g;
INSERT INTO lat_t_h SELECT * FROM lat_t;
ANALYZE lat_a, lat_t, lat_t_h;
SELECT lat_a.id, ss.* FROM lat_a LEFT JOIN LATERAL (SELECT lat_a.x AS ax, t.v FROM lat_t t WHERE t.id = lat_a.id) ss ON true
WHERE v < 8 ORDER BY 1, 3;
SELECT count(*), count(ax), sum(ax), sum(v) FROM lat_a
LEFT JOIN LATERAL (SELECT coalesce(lat_a.x, 0) + t.v AS ax, t.v FROM lat_t t) ss ON true;
SELECT sn_check('SELECT lat_a.id, ss.* FROM lat_a LEFT JOIN LATERAL (SELECT lat_a.x AS ax, t.v FROM @T t WHERE t.id = lat_a.id) ss ON true',
                false, 'lat_t', 'lat_t_h');
SELECT sn_check('SELECT lat_a.id, ss.* FROM lat_a LEFT JOIN LATERAL (SELECT lat_a.y AS ay, t.v FROM @T t WHERE t.id = lat_a.id) ss ON true',
                false, 'lat_t', 'lat_t_h');
SELECT sn_check('SELECT lat_a.id, ss.* FROM lat_a LEFT JOIN LATERAL (SELECT coalesce(lat_a.x, 0) + t.v AS ax, t.v FROM @T t) ss ON true',
                false, 'lat_t', 'lat_t_h');
