--
-- Bad input and operations not built yet: clear errors, never a crash,
-- and the table stays usable afterwards.
--
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS segstore;
RESET client_min_messages;
SET TimeZone = 'UTC';
CREATE TABLE b (ts timestamptz, id int, note text) USING segstore;
INSERT INTO b VALUES ('2024-01-01', 1, 'kept');

-- NULL in the time column: not_null_violation naming the column
\set VERBOSITY default
INSERT INTO b VALUES (NULL, 2, 'no time');
\set VERBOSITY terse
INSERT INTO b SELECT CASE WHEN g = 3 THEN NULL ELSE '2024-01-02'::timestamptz END, g, 'batch'
FROM generate_series(1, 5) g;
COPY b FROM STDIN (FORMAT csv);
2024-01-03,10,ok
,11,null time
\.
DO $$
BEGIN
  INSERT INTO b VALUES (NULL, 3, 'x');
EXCEPTION WHEN not_null_violation THEN
  RAISE NOTICE 'caught not_null_violation (SQLSTATE %)', SQLSTATE;
END $$;

-- operations that are not built yet: feature_not_supported
\set VERBOSITY terse
SELECT * FROM b TABLESAMPLE SYSTEM (50);
BEGIN;
CREATE TABLE p (ts timestamptz) USING segstore;
PREPARE TRANSACTION 'segstore_p';
-- PREPARE of a transaction that only inserted rows works
BEGIN;
INSERT INTO b VALUES ('2024-01-05', 5, 'prepared');
PREPARE TRANSACTION 'segstore_ok';
SELECT count(*) FROM b;
COMMIT PREPARED 'segstore_ok';
SELECT count(*) FROM b;
-- xmin and cmin are the stored row's; xmax and cmax are not kept with it
SELECT id, xmin = (SELECT xmin FROM b WHERE id = 1) AS same_xmin, cmin FROM b ORDER BY id;
SELECT xmax FROM b;
SELECT cmax FROM b;
SELECT tableoid::regclass, ctid, id FROM b ORDER BY id;

-- the segments function only takes segstore tables
CREATE TABLE heap_t (ts timestamptz);
SELECT * FROM segstore.table_segments('heap_t');
SELECT * FROM segstore.table_segments(0);

-- VACUUM and ANALYZE are accepted; ANALYZE counts the rows
VACUUM b;
ANALYZE b;
SELECT reltuples FROM pg_class WHERE oid = 'b'::regclass;
SELECT attname, null_frac, n_distinct FROM pg_stats WHERE tablename = 'b' ORDER BY attname;

-- after all of that, the table still has exactly its committed rows
SELECT * FROM b ORDER BY id;
