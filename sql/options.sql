--
-- Table options: WITH (segstore.*), ALTER TABLE SET/RESET, set_options().
--
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS segstore;
RESET client_min_messages;
SET TimeZone = 'UTC';
\set VERBOSITY terse

-- all options at creation
CREATE TABLE o1 (id int, created date, ts timestamptz) USING segstore
  WITH (segstore.time_column = 'ts', segstore.segment_interval = '6 hours',
        segstore.max_segment_size = '1MB');
SELECT * FROM segstore.tables WHERE table_name = 'o1'::regclass;
INSERT INTO o1 SELECT g, '2024-01-01', '2024-01-01'::timestamptz + g * interval '1 hour'
FROM generate_series(0, 23) g;
SELECT bucket_start, bucket_end, row_count FROM segstore.segments
WHERE table_name = 'o1'::regclass ORDER BY segment_id;

-- a domain over a time type is a time column; the first one wins
CREATE DOMAIN my_ts AS timestamptz CHECK (VALUE > '2000-01-01');
CREATE TABLE o2 (id int, t my_ts, d date) USING segstore;
SELECT table_name, time_column FROM segstore.tables WHERE table_name = 'o2'::regclass;
-- a date or timestamp column works too
CREATE TABLE o3 (d date, v int) USING segstore WITH (segstore.segment_interval = '7 days');
INSERT INTO o3 SELECT '2024-01-01'::date + g, g FROM generate_series(0, 13) g;
SELECT bucket_start, row_count FROM segstore.segments
WHERE table_name = 'o3'::regclass ORDER BY segment_id;
CREATE TABLE o4 (t timestamp, v int) USING segstore WITH (segstore.segment_interval = '1 day');
INSERT INTO o4 VALUES ('2024-01-01 23:59:59.999999', 1), ('2024-01-02 00:00', 2),
  ('infinity', 3), ('-infinity', 4);
SELECT bucket_start, bucket_end, row_count FROM segstore.segments
WHERE table_name = 'o4'::regclass ORDER BY segment_id;
SELECT * FROM o4 ORDER BY v;

-- times before 2000 bucket correctly (floor, not truncation toward zero)
CREATE TABLE o5 (t timestamptz) USING segstore;
INSERT INTO o5 VALUES ('1999-12-31 23:00'), ('1970-01-01 00:00'), ('1969-12-31 12:00');
SELECT bucket_start, bucket_end, min_time FROM segstore.segments
WHERE table_name = 'o5'::regclass ORDER BY bucket_start;

-- changing options later
ALTER TABLE o1 SET (segstore.segment_interval = '1 day', segstore.max_segment_size = '64MB');
SELECT * FROM segstore.tables WHERE table_name = 'o1'::regclass;
ALTER TABLE o1 RESET (segstore.segment_interval, segstore.max_segment_size);
SELECT * FROM segstore.tables WHERE table_name = 'o1'::regclass;
-- the time column cannot change while the table has rows; it can once empty
ALTER TABLE o1 SET (segstore.time_column = 'created', fillfactor = 50);
SELECT segstore.set_options('o1', time_column => 'created');
CREATE TEMP TABLE o1_rows AS SELECT * FROM o1;
TRUNCATE o1;
ALTER TABLE o1 SET (segstore.time_column = 'created', fillfactor = 50);
SELECT * FROM segstore.tables WHERE table_name = 'o1'::regclass;
SELECT reloptions FROM pg_class WHERE oid = 'o1'::regclass;
SELECT segstore.set_options('o1', time_column => 'ts', segment_interval => '2 days');
SELECT * FROM segstore.tables WHERE table_name = 'o1'::regclass;
INSERT INTO o1 SELECT * FROM o1_rows;
SELECT segstore.set_options('o1', max_segment_size => '100MB');
SELECT * FROM segstore.tables WHERE table_name = 'o1'::regclass;
-- the rows put back and a new one: 2-day buckets by ts
INSERT INTO o1 VALUES (100, '2024-01-01', '2024-01-10 05:00');
SELECT bucket_start, bucket_end, row_count FROM segstore.segments
WHERE table_name = 'o1'::regclass ORDER BY segment_id;
-- renaming the time column keeps it
ALTER TABLE o1 RENAME COLUMN ts TO event_time;
SELECT table_name, time_column FROM segstore.tables WHERE table_name = 'o1'::regclass;

-- errors
CREATE TABLE e1 (ts timestamptz) USING segstore WITH (segstore.nope = 1);
CREATE TABLE e1 (ts timestamptz, x int) USING segstore WITH (segstore.time_column = 'x');
CREATE TABLE e1 (ts timestamptz, x int) USING segstore WITH (segstore.time_column = 'y');
CREATE TABLE e1 (ts timestamptz) USING segstore WITH (segstore.time_column = 'ctid');
CREATE TABLE e1 (ts timestamptz) USING segstore WITH (segstore.segment_interval = '1 month');
CREATE TABLE e1 (ts timestamptz) USING segstore WITH (segstore.segment_interval = 'abc');
CREATE TABLE e1 (ts timestamptz) USING segstore WITH (segstore.segment_interval = '-1 day');
CREATE TABLE e1 (ts timestamptz) USING segstore WITH (segstore.segment_interval = '0');
CREATE TABLE e1 (ts timestamptz) USING segstore WITH (segstore.segment_interval = '100000 days');
CREATE TABLE e1 (ts timestamptz) USING segstore WITH (segstore.max_segment_size = '1kB');
CREATE TABLE e1 (ts timestamptz) USING segstore WITH (segstore.max_segment_size = '2TB');
CREATE TABLE e1 (ts timestamptz) USING segstore WITH (segstore.max_segment_size = 'big');
CREATE TABLE e1 (ts timestamptz) WITH (segstore.max_segment_size = '1MB');
CREATE TABLE e1 (ts timestamptz) USING segstore WITH (nonsense.opt = 1);
CREATE TEMP TABLE e1 (ts timestamptz) USING segstore;
CREATE UNLOGGED TABLE e1 (ts timestamptz) USING segstore;
SELECT count(*) FROM pg_class WHERE relname = 'e1';
ALTER TABLE o1 SET (segstore.bogus = 1);
ALTER TABLE o1 SET (segstore.time_column = 'id');
CREATE TABLE h1 (ts timestamptz);
ALTER TABLE h1 SET (segstore.segment_interval = '1 day');
SELECT segstore.set_options('h1', segment_interval => '1 day');
SELECT segstore.set_options('o1', segment_interval => '1 year');
SELECT * FROM segstore.tables WHERE table_name = 'o1'::regclass;
-- the time column cannot be dropped or turned into a non-time type
ALTER TABLE o1 DROP COLUMN event_time;
ALTER TABLE o1 ALTER COLUMN event_time TYPE text;
-- only the owner may change options
CREATE ROLE segstore_other;
SET ROLE segstore_other;
SELECT segstore.set_options('o1', segment_interval => '3 days');
ALTER TABLE o1 SET (segstore.segment_interval = '3 days');
RESET ROLE;
DROP ROLE segstore_other;
-- the GUC prefix is reserved
SET segstore.no_such_setting = 1;
