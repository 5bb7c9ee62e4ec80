SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS segstore;
RESET client_min_messages;
SET TimeZone='UTC';
--
-- MVCC of inserts: a segstore table "s" and a heap table "h" receive the
-- same statements and must always show the same rows.  Segments are kept
-- small so that the larger statements span several buckets and segments.
--
CREATE TABLE s (ts timestamptz NOT NULL, dev int, v float8, note text)
  USING segstore WITH (segstore.segment_interval = '1 day', segstore.max_segment_size = '16kB');
CREATE TABLE h (ts timestamptz NOT NULL, dev int, v float8, note text) USING heap;
SELECT time_column, segment_interval, max_segment_size FROM segstore.tables WHERE table_name = 's'::regclass;
-- s_count, h_count, and whether both tables hold the same multiset of rows
CREATE VIEW cmp AS
SELECT (SELECT count(*) FROM s) AS s_count,
       (SELECT count(*) FROM h) AS h_count,
       NOT EXISTS (SELECT * FROM s EXCEPT ALL SELECT * FROM h)
   AND NOT EXISTS (SELECT * FROM h EXCEPT ALL SELECT * FROM s) AS same;
-- rows per note, side by side
CREATE VIEW notes AS
SELECT note, count(*) FILTER (WHERE src = 's') AS s_rows,
       count(*) FILTER (WHERE src = 'h') AS h_rows
FROM (SELECT 's' AS src, note FROM s UNION ALL SELECT 'h', note FROM h) x
GROUP BY note;
SELECT * FROM cmp;

--
-- 1. Rolled-back rows are never visible.
--
BEGIN;
INSERT INTO s SELECT '2024-01-01'::timestamptz + i * interval '1 hour', i % 10, i, 'rb1' FROM generate_series(1, 500) i;
INSERT INTO h SELECT '2024-01-01'::timestamptz + i * interval '1 hour', i % 10, i, 'rb1' FROM generate_series(1, 500) i;
SELECT * FROM cmp;
ROLLBACK;
SELECT * FROM cmp;
-- a committed transaction after the rolled-back one, same buckets
INSERT INTO s SELECT '2024-01-01'::timestamptz + i * interval '1 hour', i % 10, i, 'base' FROM generate_series(1, 100) i;
INSERT INTO h SELECT '2024-01-01'::timestamptz + i * interval '1 hour', i % 10, i, 'base' FROM generate_series(1, 100) i;
SELECT * FROM cmp;
-- rolled back again, in buckets that already hold committed rows
BEGIN;
INSERT INTO s SELECT '2024-01-01'::timestamptz + i * interval '1 hour', i % 10, i, 'rb2' FROM generate_series(1, 300) i;
INSERT INTO h SELECT '2024-01-01'::timestamptz + i * interval '1 hour', i % 10, i, 'rb2' FROM generate_series(1, 300) i;
SELECT * FROM cmp;
ROLLBACK;
SELECT * FROM cmp;
SELECT * FROM notes ORDER BY note;
SELECT count(*) AS s_rolled_back FROM s WHERE note LIKE 'rb%';
SELECT count(*) AS h_rolled_back FROM h WHERE note LIKE 'rb%';

--
-- 2. Savepoints: ROLLBACK TO discards exactly the rows inserted after the
-- savepoint, RELEASE keeps them.
--
BEGIN;
INSERT INTO s SELECT '2024-02-01'::timestamptz + i * interval '1 minute', 1, i, 'sp_a' FROM generate_series(1, 10) i;
INSERT INTO h SELECT '2024-02-01'::timestamptz + i * interval '1 minute', 1, i, 'sp_a' FROM generate_series(1, 10) i;
SAVEPOINT sp1;
INSERT INTO s SELECT '2024-02-01'::timestamptz + i * interval '1 minute', 2, i, 'sp_b' FROM generate_series(1, 5) i;
INSERT INTO h SELECT '2024-02-01'::timestamptz + i * interval '1 minute', 2, i, 'sp_b' FROM generate_series(1, 5) i;
SAVEPOINT sp2;
INSERT INTO s SELECT '2024-02-01'::timestamptz + i * interval '1 minute', 3, i, 'sp_c' FROM generate_series(1, 3) i;
INSERT INTO h SELECT '2024-02-01'::timestamptz + i * interval '1 minute', 3, i, 'sp_c' FROM generate_series(1, 3) i;
SELECT * FROM cmp;
ROLLBACK TO SAVEPOINT sp2;
SELECT * FROM cmp;
SELECT * FROM notes WHERE note LIKE 'sp%' ORDER BY note;
INSERT INTO s SELECT '2024-02-01'::timestamptz + i * interval '1 minute', 4, i, 'sp_d' FROM generate_series(1, 4) i;
INSERT INTO h SELECT '2024-02-01'::timestamptz + i * interval '1 minute', 4, i, 'sp_d' FROM generate_series(1, 4) i;
RELEASE SAVEPOINT sp2;
SELECT * FROM cmp;
SAVEPOINT sp3;
INSERT INTO s SELECT '2024-02-01'::timestamptz + i * interval '1 minute', 5, i, 'sp_e' FROM generate_series(1, 7) i;
INSERT INTO h SELECT '2024-02-01'::timestamptz + i * interval '1 minute', 5, i, 'sp_e' FROM generate_series(1, 7) i;
RELEASE SAVEPOINT sp3;
SELECT * FROM cmp;
SELECT * FROM notes WHERE note LIKE 'sp%' ORDER BY note;
-- rolling back to the outer savepoint discards the released inner ones too
ROLLBACK TO SAVEPOINT sp1;
SELECT * FROM cmp;
SELECT * FROM notes WHERE note LIKE 'sp%' ORDER BY note;
SAVEPOINT sp4;
INSERT INTO s SELECT '2024-02-01'::timestamptz + i * interval '1 minute', 6, i, 'sp_f' FROM generate_series(1, 6) i;
INSERT INTO h SELECT '2024-02-01'::timestamptz + i * interval '1 minute', 6, i, 'sp_f' FROM generate_series(1, 6) i;
RELEASE SAVEPOINT sp4;
COMMIT;
SELECT * FROM cmp;
SELECT * FROM notes WHERE note LIKE 'sp%' ORDER BY note;

-- nested savepoints, rolled back from the inside out
BEGIN;
SAVEPOINT n1;
INSERT INTO s VALUES ('2024-02-02', 1, 1, 'n1');
INSERT INTO h VALUES ('2024-02-02', 1, 1, 'n1');
SAVEPOINT n2;
INSERT INTO s VALUES ('2024-02-02', 2, 2, 'n2'), ('2024-02-02', 2, 2, 'n2');
INSERT INTO h VALUES ('2024-02-02', 2, 2, 'n2'), ('2024-02-02', 2, 2, 'n2');
SAVEPOINT n3;
INSERT INTO s VALUES ('2024-02-02', 3, 3, 'n3'), ('2024-02-02', 3, 3, 'n3'), ('2024-02-02', 3, 3, 'n3');
INSERT INTO h VALUES ('2024-02-02', 3, 3, 'n3'), ('2024-02-02', 3, 3, 'n3'), ('2024-02-02', 3, 3, 'n3');
SELECT * FROM notes WHERE note LIKE 'n_' ORDER BY note;
ROLLBACK TO SAVEPOINT n3;
SELECT * FROM notes WHERE note LIKE 'n_' ORDER BY note;
ROLLBACK TO SAVEPOINT n2;
SELECT * FROM notes WHERE note LIKE 'n_' ORDER BY note;
-- the savepoint survives ROLLBACK TO: use it again
INSERT INTO s VALUES ('2024-02-02', 4, 4, 'n4');
INSERT INTO h VALUES ('2024-02-02', 4, 4, 'n4');
ROLLBACK TO SAVEPOINT n2;
INSERT INTO s VALUES ('2024-02-02', 5, 5, 'n5');
INSERT INTO h VALUES ('2024-02-02', 5, 5, 'n5');
RELEASE SAVEPOINT n2;
SELECT * FROM notes WHERE note LIKE 'n_' ORDER BY note;
COMMIT;
SELECT * FROM notes WHERE note LIKE 'n_' ORDER BY note;
SELECT * FROM cmp;

-- an error inside a savepoint, then ROLLBACK TO: the failed statement's
-- rows and the subtransaction's earlier rows are gone, the rest stays
BEGIN;
INSERT INTO s VALUES ('2024-02-03', 1, 1, 'e_keep');
INSERT INTO h VALUES ('2024-02-03', 1, 1, 'e_keep');
SAVEPOINT e1;
INSERT INTO s VALUES ('2024-02-03', 2, 2, 'e_lost');
INSERT INTO s SELECT '2024-02-03'::timestamptz + i * interval '1 minute', 3, 1.0 / (5 - i), 'e_lost' FROM generate_series(1, 10) i;
ROLLBACK TO SAVEPOINT e1;
SAVEPOINT e2;
INSERT INTO h VALUES ('2024-02-03', 2, 2, 'e_lost');
INSERT INTO h SELECT '2024-02-03'::timestamptz + i * interval '1 minute', 3, 1.0 / (5 - i), 'e_lost' FROM generate_series(1, 10) i;
ROLLBACK TO SAVEPOINT e2;
INSERT INTO s VALUES ('2024-02-03', 4, 4, 'e_keep');
INSERT INTO h VALUES ('2024-02-03', 4, 4, 'e_keep');
COMMIT;
SELECT * FROM notes WHERE note LIKE 'e\_%' ORDER BY note;
SELECT * FROM cmp;

-- many subtransactions (more than a backend caches), every other one
-- rolled back by an exception block
CREATE FUNCTION many_subxacts(n int) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  FOR i IN 1 .. n LOOP
    BEGIN
      INSERT INTO s VALUES ('2024-02-04'::timestamptz + i * interval '1 minute', i, i, 'subx');
      INSERT INTO h VALUES ('2024-02-04'::timestamptz + i * interval '1 minute', i, i, 'subx');
      IF i % 2 = 0 THEN
        RAISE EXCEPTION 'roll back %', i;
      END IF;
    EXCEPTION WHEN raise_exception THEN
      NULL;
    END;
  END LOOP;
END $$;
BEGIN;
SELECT many_subxacts(200);
SELECT * FROM notes WHERE note = 'subx';
SELECT count(*) FILTER (WHERE dev % 2 = 0) AS s_even, count(*) FILTER (WHERE dev % 2 = 1) AS s_odd FROM s WHERE note = 'subx';
COMMIT;
SELECT * FROM notes WHERE note = 'subx';
SELECT count(*) FILTER (WHERE dev % 2 = 0) AS s_even, count(*) FILTER (WHERE dev % 2 = 1) AS s_odd FROM s WHERE note = 'subx';
SELECT * FROM cmp;

--
-- 3. A transaction sees its own rows.
--
BEGIN;
INSERT INTO s SELECT '2024-03-01'::timestamptz + i * interval '1 hour', 7, i, 'own' FROM generate_series(1, 50) i;
INSERT INTO h SELECT '2024-03-01'::timestamptz + i * interval '1 hour', 7, i, 'own' FROM generate_series(1, 50) i;
SELECT count(*) AS s_own FROM s WHERE note = 'own';
SELECT count(*) AS h_own FROM h WHERE note = 'own';
SELECT * FROM cmp;
INSERT INTO s VALUES ('2024-03-01', 7, 0, 'own');
INSERT INTO h VALUES ('2024-03-01', 7, 0, 'own');
SELECT * FROM notes WHERE note = 'own';
COMMIT;
SELECT * FROM notes WHERE note = 'own';
SELECT * FROM cmp;
-- a cursor does not see rows inserted after it was opened
BEGIN;
DECLARE cs CURSOR FOR SELECT count(*) FROM s WHERE note IN ('own', 'cur');
DECLARE ch CURSOR FOR SELECT count(*) FROM h WHERE note IN ('own', 'cur');
INSERT INTO s VALUES ('2024-03-01', 8, 0, 'cur'), ('2024-03-02', 8, 0, 'cur');
INSERT INTO h VALUES ('2024-03-01', 8, 0, 'cur'), ('2024-03-02', 8, 0, 'cur');
FETCH cs;
FETCH ch;
SELECT * FROM notes WHERE note IN ('own', 'cur') ORDER BY note;
COMMIT;
SELECT * FROM cmp;

--
-- 4. INSERT INTO t SELECT * FROM t reads only the rows that existed before
-- the statement: each run doubles the table exactly once.
--
CREATE TABLE s2 (ts timestamptz NOT NULL, dev int, v float8, note text)
  USING segstore WITH (segstore.segment_interval = '1 day', segstore.max_segment_size = '16kB');
CREATE TABLE h2 (ts timestamptz NOT NULL, dev int, v float8, note text) USING heap;
INSERT INTO s2 SELECT '2024-04-01'::timestamptz + i * interval '10 minutes', i % 7, i, 'dbl' FROM generate_series(1, 300) i;
INSERT INTO h2 SELECT '2024-04-01'::timestamptz + i * interval '10 minutes', i % 7, i, 'dbl' FROM generate_series(1, 300) i;
INSERT INTO s2 SELECT * FROM s2;
INSERT INTO h2 SELECT * FROM h2;
SELECT (SELECT count(*) FROM s2) AS s2_count, (SELECT count(*) FROM h2) AS h2_count;
INSERT INTO s2 SELECT * FROM s2;
INSERT INTO h2 SELECT * FROM h2;
SELECT (SELECT count(*) FROM s2) AS s2_count, (SELECT count(*) FROM h2) AS h2_count;
INSERT INTO s2 SELECT * FROM s2;
INSERT INTO h2 SELECT * FROM h2;
SELECT (SELECT count(*) FROM s2) AS s2_count, (SELECT count(*) FROM h2) AS h2_count;
SELECT count(DISTINCT v) AS distinct_v, min(c), max(c)
FROM (SELECT v, count(*) AS c FROM s2 GROUP BY v) x;
SELECT NOT EXISTS (SELECT * FROM s2 EXCEPT ALL SELECT * FROM h2)
   AND NOT EXISTS (SELECT * FROM h2 EXCEPT ALL SELECT * FROM s2) AS same;
-- the same inside one transaction, on rows the transaction inserted itself
BEGIN;
INSERT INTO s2 SELECT '2024-05-01'::timestamptz + i * interval '1 hour', 0, i, 'dbl_x' FROM generate_series(1, 100) i;
INSERT INTO h2 SELECT '2024-05-01'::timestamptz + i * interval '1 hour', 0, i, 'dbl_x' FROM generate_series(1, 100) i;
INSERT INTO s2 SELECT * FROM s2 WHERE note = 'dbl_x';
INSERT INTO h2 SELECT * FROM h2 WHERE note = 'dbl_x';
INSERT INTO s2 SELECT * FROM s2 WHERE note = 'dbl_x';
INSERT INTO h2 SELECT * FROM h2 WHERE note = 'dbl_x';
INSERT INTO s2 SELECT * FROM s2 WHERE note = 'dbl_x';
INSERT INTO h2 SELECT * FROM h2 WHERE note = 'dbl_x';
SELECT (SELECT count(*) FROM s2 WHERE note = 'dbl_x') AS s2_count,
       (SELECT count(*) FROM h2 WHERE note = 'dbl_x') AS h2_count;
COMMIT;
SELECT (SELECT count(*) FROM s2 WHERE note = 'dbl_x') AS s2_count,
       (SELECT count(*) FROM h2 WHERE note = 'dbl_x') AS h2_count;
-- cross-copy between the two kinds of table
INSERT INTO s SELECT * FROM h2 WHERE note = 'dbl' AND v <= 10;
INSERT INTO h SELECT * FROM s2 WHERE note = 'dbl' AND v <= 10;
SELECT * FROM notes WHERE note = 'dbl';
SELECT * FROM cmp;

--
-- 5. A data-modifying CTE runs with the same snapshot as the main query:
-- the main query does not see the CTE's rows.
--
WITH ins AS (
  INSERT INTO s SELECT '2024-06-01'::timestamptz + i * interval '1 hour', 1, i, 'cte' FROM generate_series(1, 40) i
  RETURNING *)
SELECT (SELECT count(*) FROM ins) AS inserted,
       (SELECT count(*) FROM s WHERE note = 'cte') AS seen_cte,
       (SELECT count(*) FROM s) AS seen_total;
WITH ins AS (
  INSERT INTO h SELECT '2024-06-01'::timestamptz + i * interval '1 hour', 1, i, 'cte' FROM generate_series(1, 40) i
  RETURNING *)
SELECT (SELECT count(*) FROM ins) AS inserted,
       (SELECT count(*) FROM h WHERE note = 'cte') AS seen_cte,
       (SELECT count(*) FROM h) AS seen_total;
SELECT * FROM notes WHERE note = 'cte';
-- a CTE inserting into both tables at once, and a CTE that reads the
-- table it inserts into
WITH ins_s AS (
  INSERT INTO s SELECT ts, dev, v, 'cte2' FROM s WHERE note = 'cte' RETURNING 1),
ins_h AS (
  INSERT INTO h SELECT ts, dev, v, 'cte2' FROM h WHERE note = 'cte' RETURNING 1)
SELECT (SELECT count(*) FROM ins_s) AS s_inserted,
       (SELECT count(*) FROM ins_h) AS h_inserted,
       (SELECT count(*) FROM s WHERE note = 'cte2') AS s_seen,
       (SELECT count(*) FROM h WHERE note = 'cte2') AS h_seen;
SELECT * FROM notes WHERE note IN ('cte', 'cte2') ORDER BY note;
-- inside a transaction: earlier rows of the transaction are seen, the
-- CTE's own rows are not
BEGIN;
INSERT INTO s VALUES ('2024-06-02', 1, 1, 'cte3');
INSERT INTO h VALUES ('2024-06-02', 1, 1, 'cte3');
WITH ins AS (INSERT INTO s VALUES ('2024-06-02', 2, 2, 'cte3'), ('2024-06-03', 2, 2, 'cte3') RETURNING *)
SELECT (SELECT count(*) FROM ins) AS inserted, (SELECT count(*) FROM s WHERE note = 'cte3') AS seen;
WITH ins AS (INSERT INTO h VALUES ('2024-06-02', 2, 2, 'cte3'), ('2024-06-03', 2, 2, 'cte3') RETURNING *)
SELECT (SELECT count(*) FROM ins) AS inserted, (SELECT count(*) FROM h WHERE note = 'cte3') AS seen;
SELECT * FROM notes WHERE note = 'cte3';
COMMIT;
SELECT * FROM cmp;

--
-- 6. Rows inserted by a plpgsql function in a loop: each statement of the
-- function sees the rows of the earlier ones.
--
CREATE FUNCTION insert_loop(n int, tag text)
RETURNS TABLE (i int, s_count bigint, h_count bigint) LANGUAGE plpgsql AS $$
BEGIN
  FOR k IN 1 .. n LOOP
    INSERT INTO s SELECT '2024-07-01'::timestamptz + (k * 10 + j) * interval '1 hour', k, j, tag FROM generate_series(1, k) j;
    INSERT INTO h SELECT '2024-07-01'::timestamptz + (k * 10 + j) * interval '1 hour', k, j, tag FROM generate_series(1, k) j;
    i := k;
    SELECT count(*) INTO s_count FROM s WHERE note = tag;
    SELECT count(*) INTO h_count FROM h WHERE note = tag;
    RETURN NEXT;
  END LOOP;
END $$;
SELECT * FROM insert_loop(6, 'fn');
SELECT * FROM notes WHERE note = 'fn';
-- the calling statement's own snapshot does not see the function's rows
SELECT (SELECT count(*) FROM s WHERE note = 'fn2') AS s_before,
       (SELECT max(s_count) FROM insert_loop(4, 'fn2')) AS s_in_function;
SELECT * FROM notes WHERE note = 'fn2';
-- a function whose transaction rolls back leaves nothing
BEGIN;
SELECT * FROM insert_loop(3, 'fn3');
ROLLBACK;
SELECT count(*) AS fn3_rows FROM s WHERE note = 'fn3';
SELECT count(*) AS fn3_rows FROM h WHERE note = 'fn3';
-- a function that fails after inserting leaves nothing
CREATE FUNCTION insert_then_fail(n int) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  FOR k IN 1 .. n LOOP
    INSERT INTO s VALUES ('2024-07-02'::timestamptz + k * interval '1 hour', k, k, 'fn4');
    INSERT INTO h VALUES ('2024-07-02'::timestamptz + k * interval '1 hour', k, k, 'fn4');
  END LOOP;
  RAISE EXCEPTION 'fail after % rows', (SELECT count(*) FROM s WHERE note = 'fn4');
END $$;
SELECT insert_then_fail(25);
SELECT count(*) AS fn4_rows FROM s WHERE note = 'fn4';
SELECT count(*) AS fn4_rows FROM h WHERE note = 'fn4';
SELECT * FROM cmp;

--
-- 7. An error in the middle of a multi-row INSERT leaves none of its rows.
--
SELECT count(*) AS before FROM s;
INSERT INTO s VALUES
  ('2024-08-01 00:00', 1, 1, 'err'), ('2024-08-01 01:00', 1, 2, 'err'),
  ('2024-08-02 02:00', 1, 3, 'err'), ('2024-08-03 03:00', 1, 4, 'err'),
  (NULL, 1, 5, 'err'), ('2024-08-01 05:00', 1, 6, 'err');
INSERT INTO h VALUES
  ('2024-08-01 00:00', 1, 1, 'err'), ('2024-08-01 01:00', 1, 2, 'err'),
  ('2024-08-02 02:00', 1, 3, 'err'), ('2024-08-03 03:00', 1, 4, 'err'),
  (NULL, 1, 5, 'err'), ('2024-08-01 05:00', 1, 6, 'err');
SELECT * FROM cmp;
-- division by zero on the 500th row of an INSERT ... SELECT
INSERT INTO s SELECT '2024-08-01'::timestamptz + i * interval '1 minute', i, 1.0 / (500 - i), 'err'
FROM generate_series(1, 1000) i;
INSERT INTO h SELECT '2024-08-01'::timestamptz + i * interval '1 minute', i, 1.0 / (500 - i), 'err'
FROM generate_series(1, 1000) i;
-- NULL time on the 900th row of an INSERT ... SELECT
INSERT INTO s SELECT CASE WHEN i = 900 THEN NULL ELSE '2024-08-01'::timestamptz + i * interval '1 hour' END, i, i, 'err'
FROM generate_series(1, 1000) i;
INSERT INTO h SELECT CASE WHEN i = 900 THEN NULL ELSE '2024-08-01'::timestamptz + i * interval '1 hour' END, i, i, 'err'
FROM generate_series(1, 1000) i;
SELECT count(*) AS err_rows FROM s WHERE note = 'err';
SELECT count(*) AS err_rows FROM h WHERE note = 'err';
SELECT * FROM cmp;
-- inside a transaction, the failed statement aborts it: nothing of the
-- transaction remains
BEGIN;
INSERT INTO s VALUES ('2024-08-05', 1, 1, 'err2');
INSERT INTO s VALUES ('2024-08-05', 1, 1, 'err2'), (NULL, 1, 1, 'err2');
ROLLBACK;
BEGIN;
INSERT INTO h VALUES ('2024-08-05', 1, 1, 'err2');
INSERT INTO h VALUES ('2024-08-05', 1, 1, 'err2'), (NULL, 1, 1, 'err2');
ROLLBACK;
SELECT count(*) AS err2_rows FROM s WHERE note = 'err2';
SELECT count(*) AS err2_rows FROM h WHERE note = 'err2';
-- the same rows inserted again without the error all arrive
INSERT INTO s VALUES
  ('2024-08-01 00:00', 1, 1, 'err'), ('2024-08-01 01:00', 1, 2, 'err'),
  ('2024-08-02 02:00', 1, 3, 'err'), ('2024-08-03 03:00', 1, 4, 'err'),
  ('2024-08-01 04:00', 1, 5, 'err'), ('2024-08-01 05:00', 1, 6, 'err');
INSERT INTO h VALUES
  ('2024-08-01 00:00', 1, 1, 'err'), ('2024-08-01 01:00', 1, 2, 'err'),
  ('2024-08-02 02:00', 1, 3, 'err'), ('2024-08-03 03:00', 1, 4, 'err'),
  ('2024-08-01 04:00', 1, 5, 'err'), ('2024-08-01 05:00', 1, 6, 'err');
SELECT * FROM notes WHERE note LIKE 'err%' ORDER BY note;
SELECT * FROM cmp;

--
-- 8. COPY FROM STDIN inside a transaction that rolls back leaves no rows.
--
BEGIN;
COPY s FROM STDIN;
2024-09-01 00:00:00+00	1	1.5	copy
2024-09-01 01:00:00+00	2	2.5	copy
2024-09-02 02:00:00+00	3	3.5	copy
\.
COPY h FROM STDIN;
2024-09-01 00:00:00+00	1	1.5	copy
2024-09-01 01:00:00+00	2	2.5	copy
2024-09-02 02:00:00+00	3	3.5	copy
\.
SELECT * FROM notes WHERE note = 'copy';
ROLLBACK;
SELECT count(*) AS copy_rows FROM s WHERE note = 'copy';
SELECT count(*) AS copy_rows FROM h WHERE note = 'copy';
SELECT * FROM cmp;
-- a large COPY (its rows are written in batches) rolled back
COPY (SELECT '2024-09-01'::timestamptz + i * interval '1 minute', i, i, 'copy2' FROM generate_series(1, 5000) i)
  TO PROGRAM 'cat > mvcc_copy2.data';
BEGIN;
COPY s FROM PROGRAM 'cat mvcc_copy2.data';
COPY h FROM PROGRAM 'cat mvcc_copy2.data';
SELECT * FROM notes WHERE note = 'copy2';
ROLLBACK;
SELECT count(*) AS copy2_rows FROM s WHERE note = 'copy2';
SELECT count(*) AS copy2_rows FROM h WHERE note = 'copy2';
-- a large COPY failing on its 3000th line, after whole batches were written
COPY (SELECT CASE WHEN i = 3000 THEN NULL ELSE '2024-09-01'::timestamptz + i * interval '1 minute' END, i, i, 'copy2'
      FROM generate_series(1, 5000) i)
  TO PROGRAM 'cat > mvcc_copy2.data';
COPY s FROM PROGRAM 'cat mvcc_copy2.data';
COPY h FROM PROGRAM 'cat mvcc_copy2.data';
SELECT count(*) AS copy2_rows FROM s WHERE note = 'copy2';
SELECT count(*) AS copy2_rows FROM h WHERE note = 'copy2';
-- the same data without the bad line, committed: all of it arrives
COPY (SELECT '2024-09-01'::timestamptz + i * interval '1 minute', i, i, 'copy2' FROM generate_series(1, 5000) i)
  TO PROGRAM 'cat > mvcc_copy2.data';
COPY s FROM PROGRAM 'cat mvcc_copy2.data';
COPY h FROM PROGRAM 'cat mvcc_copy2.data';
SELECT * FROM notes WHERE note = 'copy2';
COPY (SELECT 1) TO PROGRAM 'rm -f mvcc_copy2.data';
SELECT * FROM cmp;
-- COPY failing on its 5th line, or on a bad value, leaves no rows
COPY s FROM STDIN;
2024-09-03 00:00:00+00	1	1	copy3
2024-09-03 01:00:00+00	2	2	copy3
2024-09-04 02:00:00+00	3	3	copy3
2024-09-04 03:00:00+00	4	4	copy3
\N	5	5	copy3
2024-09-04 05:00:00+00	6	6	copy3
\.
COPY h FROM STDIN;
2024-09-03 00:00:00+00	1	1	copy3
2024-09-03 01:00:00+00	2	2	copy3
2024-09-04 02:00:00+00	3	3	copy3
2024-09-04 03:00:00+00	4	4	copy3
\N	5	5	copy3
2024-09-04 05:00:00+00	6	6	copy3
\.
COPY s FROM STDIN;
2024-09-03 00:00:00+00	1	1	copy3
2024-09-03 01:00:00+00	2	2	copy3
2024-09-04 02:00:00+00	3	notanumber	copy3
\.
COPY h FROM STDIN;
2024-09-03 00:00:00+00	1	1	copy3
2024-09-03 01:00:00+00	2	2	copy3
2024-09-04 02:00:00+00	3	notanumber	copy3
\.
SELECT count(*) AS copy3_rows FROM s WHERE note = 'copy3';
SELECT count(*) AS copy3_rows FROM h WHERE note = 'copy3';
-- COPY committed inside a transaction, then one rolled back to a savepoint
BEGIN;
COPY s FROM STDIN;
2024-09-05 00:00:00+00	1	1	copy4
2024-09-05 01:00:00+00	2	2	copy4
\.
COPY h FROM STDIN;
2024-09-05 00:00:00+00	1	1	copy4
2024-09-05 01:00:00+00	2	2	copy4
\.
SAVEPOINT c1;
COPY s FROM STDIN;
2024-09-05 02:00:00+00	3	3	copy5
2024-09-06 03:00:00+00	4	4	copy5
\.
COPY h FROM STDIN;
2024-09-05 02:00:00+00	3	3	copy5
2024-09-06 03:00:00+00	4	4	copy5
\.
SELECT * FROM notes WHERE note LIKE 'copy%' ORDER BY note;
ROLLBACK TO SAVEPOINT c1;
COMMIT;
SELECT * FROM notes WHERE note LIKE 'copy%' ORDER BY note;
SELECT * FROM cmp;

--
-- Final state, both tables.
--
SELECT * FROM notes ORDER BY note;
SELECT * FROM cmp;
SELECT NOT EXISTS (SELECT * FROM s2 EXCEPT ALL SELECT * FROM h2)
   AND NOT EXISTS (SELECT * FROM h2 EXCEPT ALL SELECT * FROM s2) AS same2;
-- the rows above were spread over many buckets and segments
SELECT count(DISTINCT bucket_start) > 20 AS many_buckets, count(*) > 40 AS many_segments
FROM segstore.segments WHERE table_name = 's'::regclass;

DROP FUNCTION insert_then_fail(int);
DROP FUNCTION insert_loop(int, text);
DROP FUNCTION many_subxacts(int);
DROP VIEW notes;
DROP VIEW cmp;
DROP TABLE s, h, s2, h2;
