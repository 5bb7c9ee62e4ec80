SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS segstore;
RESET client_min_messages;
SET TimeZone='UTC';
\set VERBOSITY terse
--
-- The backend's cache of sealed blocks decoded for fetches by TID
-- (segam_block_cache.c).  A segstore table "s" with small sealed blocks
-- and a heap twin "h" get the same rows and changes; rows fetched through
-- an index must match the heap twin however the cache is sized (0: one
-- block; 64kB: constant replacement; default: everything stays), from
-- statement to statement, and across changes made after the blocks were
-- cached: deletes, updates, added and dropped columns, freezing.
--
CREATE TABLE s (ts timestamptz NOT NULL, id int NOT NULL, dev int, v float8,
                tag text, j jsonb, n numeric, gone text)
  USING segstore WITH (segstore.time_column = 'ts', segstore.segment_interval = '1 day',
                       segstore.block_size = '4kB');
CREATE TABLE h (LIKE s);
INSERT INTO s
SELECT '2024-03-01'::timestamptz + i * interval '30 seconds', i, i % 17,
       CASE WHEN i % 11 = 0 THEN NULL ELSE i / 7.0 END,
       CASE WHEN i % 13 = 0 THEN NULL ELSE repeat(chr(97 + i % 26), 1 + i % 40) END,
       CASE WHEN i % 5 = 0 THEN NULL ELSE jsonb_build_object('i', i, 'odd', i % 2 = 1) END,
       i * 1.25, 'x' || i
FROM generate_series(1, 6000) i;
INSERT INTO h SELECT * FROM s;
CREATE UNIQUE INDEX s_id ON s (id);
CREATE UNIQUE INDEX h_id ON h (id);
SELECT count(*) AS sealed FROM segstore.seal('s');
SELECT count(*) AS segments, sum(raw_bytes) / 4096 > 100 AS over_100_blocks
FROM segstore.segments WHERE table_name = 's'::regclass AND state = 'sealed';

SET enable_seqscan = off;
SET enable_bitmapscan = off;
SET segstore.enable_segment_scan = off;
SET enable_hashjoin = off;
SET enable_mergejoin = off;

-- keys: every 7th row, in an order that jumps between blocks and segments
CREATE TABLE keys AS SELECT (i * 2719) % 6000 + 1 AS id FROM generate_series(0, 5999, 7) i;
ANALYZE keys;

-- Rows of s fetched one key at a time through the index, minus h's rows,
-- both ways: 0 and 0 means identical.
CREATE FUNCTION diff() RETURNS text LANGUAGE sql AS $$
  WITH sk AS (SELECT s.* FROM keys k CROSS JOIN LATERAL (SELECT * FROM s WHERE s.id = k.id) s),
       hk AS (SELECT h.* FROM keys k CROSS JOIN LATERAL (SELECT * FROM h WHERE h.id = k.id) h)
  SELECT format('%s rows, %s only in segstore, %s only in heap',
                (SELECT count(*) FROM sk),
                (SELECT count(*) FROM (SELECT * FROM sk EXCEPT ALL SELECT * FROM hk) x),
                (SELECT count(*) FROM (SELECT * FROM hk EXCEPT ALL SELECT * FROM sk) x))
$$;
EXPLAIN (COSTS OFF) SELECT s.* FROM keys k CROSS JOIN LATERAL (SELECT * FROM s WHERE s.id = k.id) s;

SET segstore.fetch_cache_size = 0;
SELECT diff() AS cache_0;
SELECT diff() AS cache_0_again;
SET segstore.fetch_cache_size = '64kB';
SELECT diff() AS cache_64kb;
SELECT diff() AS cache_64kb_again;
RESET segstore.fetch_cache_size;
SELECT diff() AS cache_default;
SELECT diff() AS cache_default_again;

-- changes after the blocks were cached
DELETE FROM s WHERE id % 3 = 0;
DELETE FROM h WHERE id % 3 = 0;
UPDATE s SET tag = 'updated', v = -v WHERE id % 4 = 1;
UPDATE h SET tag = 'updated', v = -v WHERE id % 4 = 1;
SELECT diff() AS after_delete_update;
BEGIN;
DELETE FROM s WHERE id % 5 = 2;
DELETE FROM h WHERE id % 5 = 2;
SELECT diff() AS own_deletes;
ROLLBACK;
SELECT diff() AS after_rollback;

-- a column added with a default (absent from the sealed rows) and one dropped
ALTER TABLE s ADD COLUMN added int DEFAULT 42, DROP COLUMN gone;
ALTER TABLE h ADD COLUMN added int DEFAULT 42, DROP COLUMN gone;
SELECT diff() AS after_alter;
SELECT added, count(*) FROM s WHERE id BETWEEN 100 AND 200 GROUP BY added;

-- frozen segments: the cached xmins give way to the frozen mark
VACUUM FREEZE s;
VACUUM FREEZE s;
SELECT count(*) > 0 AS frozen FROM segstore.manifest m
WHERE m.relfilenode = pg_relation_filenode('s') AND m.frozen;
SELECT diff() AS after_freeze;

-- a rewrite: a new relfilenode, nothing of the old one is served
VACUUM FULL s;
SELECT diff() AS after_vacuum_full;
TRUNCATE s;
SELECT count(*) AS after_truncate FROM keys k CROSS JOIN LATERAL (SELECT * FROM s WHERE s.id = k.id) s;

RESET enable_seqscan;
RESET enable_bitmapscan;
RESET segstore.enable_segment_scan;
RESET enable_hashjoin;
RESET enable_mergejoin;
DROP FUNCTION diff();
DROP TABLE s, h, keys;
