-- Every data type round-trips exactly through a segstore table.
--
-- ty_heap is filled first (VALUES and COPY); ty_seg gets the same rows,
-- partly through INSERT ... SELECT from ty_heap (so it also receives
-- compressed and TOASTed values), partly through the same VALUES / COPY
-- statements.  Then both tables are compared with EXCEPT in both
-- directions, typed and as text, and many values are printed.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS segstore;
RESET client_min_messages;
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, YMD';
SET IntervalStyle = 'postgres';
SET lc_monetary = 'C';
SET bytea_output = 'hex';
SELECT getdatabaseencoding();  -- the multibyte values below need UTF8
\set VERBOSITY terse

CREATE TYPE ty_mood AS ENUM ('sad', 'ok', 'happy');
CREATE TYPE ty_pair AS (a int, b text);
CREATE DOMAIN ty_posint AS int CHECK (VALUE > 0);

CREATE TABLE ty_seg (
    ts   timestamptz NOT NULL,      -- the time column (first time-typed column)
    id   int NOT NULL,
    i2   int2,
    i4   int4,
    i8   int8,
    num  numeric,
    f4   float4,
    f8   float8,
    t    text,
    vc   varchar(20),
    bc   char(20),
    ba   bytea,
    b    bool,
    d    date,
    tm   time,
    ttz  timetz,
    tsp  timestamp,
    tstz timestamptz,
    iv   interval,
    u    uuid,
    j    json,
    jb   jsonb,
    ip   inet,
    cn   cidr,
    mac  macaddr,
    mac8 macaddr8,
    m    money,
    bt   bit(8),
    vb   varbit,
    ia   int[],
    ta   text[],
    c    ty_pair,
    e    ty_mood,
    dm   ty_posint,
    r4   int4range,
    rtz  tstzrange,
    tv   tsvector,
    ch   "char",
    nm   name,
    o    oid,
    bigt text,
    bigb bytea
) USING segstore;
CREATE TABLE ty_heap (LIKE ty_seg) USING heap;
SELECT time_column FROM segstore.tables WHERE table_name = 'ty_seg'::regclass;

-- rows 1-7: every column, extremes and special values, one all-NULL row
INSERT INTO ty_heap VALUES
 ('2024-01-01 00:00:00+00', 1,
  32767, 2147483647, 9223372036854775807,
  123456789012345678901234567890.123456789, 3.4028235e38, 1.7976931348623157e308,
  'zürich ✓ 日本語 🎉', 'zürich ✓ 日本語 🎉', 'zürich ✓ 日本語 🎉',
  '\x00ff00', true,
  '2024-02-29', '23:59:59.999999', '12:34:56.789+05:30',
  '2024-01-01 12:00:00.123456', '2024-06-30 23:59:59.999999+02',
  '1 year 2 mons 3 days 04:05:06.789',
  'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
  '{"b": 1, "a": [1, 2.50, null],  "a": "dup"}',
  '{"b": 1, "a": [1, 2.50, null],  "a": "dup"}',
  '192.168.1.5/24', '10.0.0.0/8', '08:00:2b:01:02:03', '08:00:2b:01:02:03:04:05',
  '1234.56', B'10101010', B'1101',
  '{{1,2},{3,NULL}}', '{"a b",NULL,"",zürich,"NULL","{}"}',
  ROW(1, 'x y'), 'happy', 42,
  '[1,10)', '[2024-01-01 00:00+00,2024-02-01 00:00+00)',
  'a fat cat:1A sat:2,3 zürich', 'x', 'some_name', 4294967295,
  'small', '\xdeadbeef'),
 ('2024-01-02 00:00:00+00', 2,
  -32768, -2147483648, -9223372036854775808,
  -98765432109876543210.000000000000000000001, 1.4e-45, 4.9e-324,
  '', '', '',
  '\x', false,
  'infinity', '00:00:00', '00:00:00-15:59',
  'infinity', '-infinity',
  '-178000000 years -1 days -00:00:00.000001',
  '00000000-0000-0000-0000-000000000000',
  '[]', '{}',
  '::1/128', '2001:db8::/32', '00:00:00:00:00:00', 'ff:ff:ff:ff:ff:ff:ff:ff',
  '-92233720368547758.08', B'00000000', B'',
  '{}', '{}',
  ROW(NULL, NULL), 'sad', 1,
  'empty', '(,)',
  '', '', '', 0,
  '', '\x00'),
 ('2024-01-03 00:00:00+00', 3,
  0, 0, 0,
  'NaN', 'NaN', 'NaN',
  'tab	and
newline and \backslash and ''quote''', 'ab  ', 'ab  ',
  '\x000102030405060708090a0b0c0d0e0f00', true,
  '-infinity', '24:00:00', '24:00:00+15:59',
  '-infinity', 'infinity',
  '178000000 years 11 mons 30 days 23:59:59.999999',
  'ffffffff-ffff-ffff-ffff-ffffffffffff',
  '"just a string \u00e9"', '"just a string \u00e9"',
  '0.0.0.0/0', '0.0.0.0/0', 'ff:ff:ff:ff:ff:ff', '00:00:00:00:00:00:00:00',
  '92233720368547758.07', B'11111111', B'0000000000000000000000000000000000000000000000000000000000000000000000001',
  '[-2:-1][3:4]={{1,2},{3,4}}', '{NULL}',
  ROW(-1, ''), 'ok', 2147483647,
  '(,5]', '[2024-01-01 00:00+00,infinity)',
  'a:1 a:2 b:3C', 'z', repeat('n', 63), 1,
  NULL, NULL),
 ('2024-01-04 00:00:00+00', 4,
  1, -1, 1,
  'Infinity', 'Infinity', '-0',
  NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
  NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
  NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
 ('2024-01-05 00:00:00+00', 5,
  -1, 1, -1,
  '-Infinity', '-0', 'Infinity',
  NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
  NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
  NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
 ('2024-01-06 00:00:00+00', 6,
  NULL, NULL, NULL,
  1e-300, '-Infinity', '-Infinity',
  NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
  NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
  NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
 ('1999-12-31 23:59:59.999999+00', 7,
  NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
  NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
  NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
  NULL, NULL, NULL, NULL);
-- from heap: big values arrive compressed or TOASTed, numerics short, ...
INSERT INTO ty_seg SELECT * FROM ty_heap ORDER BY id;

-- rows 8-10: values of 1 MB and more, inserted directly into both tables
INSERT INTO ty_heap (ts, id, bigt, bigb) VALUES
 ('2024-02-01 00:00:00+00', 8, repeat('x', 1100000),
  (SELECT string_agg(decode(md5(g::text), 'hex'), ''::bytea ORDER BY g)
   FROM generate_series(1, 131072) g)),
 ('2024-02-01 01:00:00+00', 9, repeat('日本🎉', 300000),
  decode(repeat('00ff', 1100000), 'hex')),
 ('2024-02-02 00:00:00+00', 10,
  (SELECT string_agg(md5(g::text), '' ORDER BY g) FROM generate_series(1, 40000) g),
  NULL);
INSERT INTO ty_seg (ts, id, bigt, bigb) VALUES
 ('2024-02-01 00:00:00+00', 8, repeat('x', 1100000),
  (SELECT string_agg(decode(md5(g::text), 'hex'), ''::bytea ORDER BY g)
   FROM generate_series(1, 131072) g)),
 ('2024-02-01 01:00:00+00', 9, repeat('日本🎉', 300000),
  decode(repeat('00ff', 1100000), 'hex')),
 ('2024-02-02 00:00:00+00', 10,
  (SELECT string_agg(md5(g::text), '' ORDER BY g) FROM generate_series(1, 40000) g),
  NULL);

-- rows 13-14: big and TOASTed values (and infinite time column values)
-- that ty_seg receives from ty_heap as compressed or out-of-line datums
INSERT INTO ty_heap (ts, id, t, ta, jb, ia, vb, c, bigt, bigb) VALUES
 ('-infinity', 13, repeat('ab', 5000), ARRAY[repeat('é', 100000), NULL, 'z'],
  (SELECT jsonb_agg(g) FROM generate_series(1, 100000) g),
  (SELECT array_agg(g) FROM generate_series(1, 300000) g),
  repeat('10', 50000)::varbit, ROW(13, repeat('c', 300000)),
  repeat('y', 1200000),
  (SELECT string_agg(decode(md5((-g)::text), 'hex'), ''::bytea ORDER BY g)
   FROM generate_series(1, 131072) g)),
 ('infinity', 14, 'last', NULL, NULL, NULL, NULL, NULL, NULL, NULL);
-- premise: heap holds them compressed or out of line
SELECT id, pg_column_size(t) < octet_length(t) AS t_compressed,
  pg_column_size(bigt) < octet_length(bigt) AS bigt_compressed
FROM ty_heap WHERE id = 13;
INSERT INTO ty_seg SELECT * FROM ty_heap WHERE id >= 13;

-- rows 11-12: COPY (multi-insert) into both tables
COPY ty_heap (ts, id, num, f4, f8, t, ba, ia, ta, c, e, dm, jb, j, tv, iv) FROM stdin;
2024-03-01 00:00:00+00	11	0.1	0.1	0.1	copy ✓ 🎉	\\x00ff	{{1,NULL,3}}	{NULL,"\\"q\\""}	(7,"a,b")	happy	7	{"k": [true, false]}	{"k":  [true,false]}	'x':1	1 day
2024-03-02 00:00:00+00	12	-0.0	-0	-0	\N	\\x	{}	{}	(,)	sad	\N	null	null	\N	-1 mons
\.
COPY ty_seg (ts, id, num, f4, f8, t, ba, ia, ta, c, e, dm, jb, j, tv, iv) FROM stdin;
2024-03-01 00:00:00+00	11	0.1	0.1	0.1	copy ✓ 🎉	\\x00ff	{{1,NULL,3}}	{NULL,"\\"q\\""}	(7,"a,b")	happy	7	{"k": [true, false]}	{"k":  [true,false]}	'x':1	1 day
2024-03-02 00:00:00+00	12	-0.0	-0	-0	\N	\\x	{}	{}	(,)	sad	\N	null	null	\N	-1 mons
\.

SELECT count(*) FROM ty_seg;
SELECT count(*) FROM ty_heap;

-- typed comparison of every column (json has no equality: compare as text)
CREATE VIEW ty_seg_v AS SELECT ts, id, i2, i4, i8, num, f4, f8, t, vc, bc, ba, b,
  d, tm, ttz, tsp, tstz, iv, u, j::text AS j, jb, ip, cn, mac, mac8, m, bt, vb,
  ia, ta, c, e, dm, r4, rtz, tv, ch, nm, o, bigt, bigb FROM ty_seg;
CREATE VIEW ty_heap_v AS SELECT ts, id, i2, i4, i8, num, f4, f8, t, vc, bc, ba, b,
  d, tm, ttz, tsp, tstz, iv, u, j::text AS j, jb, ip, cn, mac, mac8, m, bt, vb,
  ia, ta, c, e, dm, r4, rtz, tv, ch, nm, o, bigt, bigb FROM ty_heap;
SELECT * FROM ty_seg_v EXCEPT SELECT * FROM ty_heap_v;
SELECT * FROM ty_heap_v EXCEPT SELECT * FROM ty_seg_v;
-- the same with duplicates counted
SELECT count(*) FROM (SELECT * FROM ty_seg_v EXCEPT ALL SELECT * FROM ty_heap_v) x;
SELECT count(*) FROM (SELECT * FROM ty_heap_v EXCEPT ALL SELECT * FROM ty_seg_v) x;
-- whole rows as text: also tells -0 from 0, and json text exactly
SELECT id FROM (SELECT id, s::text AS r FROM ty_seg s
                EXCEPT SELECT id, h::text FROM ty_heap h) x ORDER BY id;
SELECT id FROM (SELECT id, h::text AS r FROM ty_heap h
                EXCEPT SELECT id, s::text FROM ty_seg s) x ORDER BY id;
-- NULLs stay NULLs, per column (row 4 and 7 are NULL nearly everywhere)
SELECT id, num_nulls(i2, i4, i8, num, f4, f8, t, vc, bc, ba, b, d, tm, ttz, tsp,
  tstz, iv, u, j, jb, ip, cn, mac, mac8, m, bt, vb, ia, ta, c, e, dm, r4, rtz,
  tv, ch, nm, o, bigt, bigb) AS nulls FROM ty_seg ORDER BY id;
SELECT s.id FROM ty_seg s JOIN ty_heap h USING (id)
WHERE num_nulls(s.i2, s.i4, s.i8, s.num, s.f4, s.f8, s.t, s.vc, s.bc, s.ba, s.b,
  s.d, s.tm, s.ttz, s.tsp, s.tstz, s.iv, s.u, s.j, s.jb, s.ip, s.cn, s.mac,
  s.mac8, s.m, s.bt, s.vb, s.ia, s.ta, s.c, s.e, s.dm, s.r4, s.rtz, s.tv, s.ch,
  s.nm, s.o, s.bigt, s.bigb)
   <> num_nulls(h.i2, h.i4, h.i8, h.num, h.f4, h.f8, h.t, h.vc, h.bc, h.ba, h.b,
  h.d, h.tm, h.ttz, h.tsp, h.tstz, h.iv, h.u, h.j, h.jb, h.ip, h.cn, h.mac,
  h.mac8, h.m, h.bt, h.vb, h.ia, h.ta, h.c, h.e, h.dm, h.r4, h.rtz, h.tv, h.ch,
  h.nm, h.o, h.bigt, h.bigb);

-- the values themselves
SELECT id, ts, i2, i4, i8 FROM ty_seg ORDER BY id;
SELECT id, num, scale(num) FROM ty_seg WHERE id <> 6 ORDER BY id;
SELECT num = 1e-300 AS eq, scale(num), length(num::text), num * 1e300 AS one
FROM ty_seg WHERE id = 6;
SELECT id, f4, f8, f4::text AS f4_text, f8::text AS f8_text,
  CASE WHEN f4 = 0 THEN atan2(f4, -1) < 0 END AS f4_neg_zero,
  CASE WHEN f8 = 0 THEN atan2(f8, -1) < 0 END AS f8_neg_zero,
  float4send(f4) AS f4_bits, float8send(f8) AS f8_bits
FROM ty_seg ORDER BY id;
SELECT id, t, length(t) AS chars, octet_length(t) AS bytes,
  vc, length(vc) AS vc_chars, '[' || bc::text || ']' AS bc, octet_length(bc) AS bc_bytes
FROM ty_seg WHERE id <= 3 OR id = 11 ORDER BY id;
SELECT id, ba, length(ba), b FROM ty_seg WHERE ba IS NOT NULL OR b IS NOT NULL ORDER BY id;
SELECT id, d, tm, ttz, tsp, tstz, iv FROM ty_seg WHERE id <= 3 OR id BETWEEN 11 AND 12 ORDER BY id;
SELECT id, u, j, jb FROM ty_seg WHERE id <= 3 OR id BETWEEN 11 AND 12 ORDER BY id;
SELECT id, ip, cn, mac, mac8, m, bt, vb FROM ty_seg WHERE id <= 3 ORDER BY id;
SELECT id, ia, array_dims(ia), ta, array_length(ta, 1), ta[2] IS NULL AS ta2_null
FROM ty_seg WHERE id <= 3 OR id BETWEEN 11 AND 12 ORDER BY id;
SELECT id, c, (c).a, (c).b, (c).b IS NULL AS b_null, e, e > 'sad' AS e_gt_sad, dm,
  pg_typeof(dm) FROM ty_seg WHERE id <= 3 OR id BETWEEN 11 AND 12 ORDER BY id;
SELECT id, r4, rtz, tv, ch, nm, length(nm), o FROM ty_seg WHERE id <= 3 OR id BETWEEN 11 AND 12 ORDER BY id;
SELECT id, tv @@ 'cat & sat'::tsquery AS match FROM ty_seg WHERE id = 1;
SELECT id, 5 <@ r4 AS has5, '2024-01-15'::timestamptz <@ rtz AS has_jan15
FROM ty_seg WHERE id <= 3 ORDER BY id;

-- the big values: lengths and checksums, seg next to heap
SELECT s.id, length(s.bigt) AS chars, octet_length(s.bigt) AS bytes, md5(s.bigt),
  md5(s.bigt) = md5(h.bigt) AS t_same,
  length(s.bigb) AS bigb_len, md5(s.bigb), md5(s.bigb) = md5(h.bigb) AS b_same
FROM ty_seg s JOIN ty_heap h USING (id)
WHERE s.bigt IS NOT NULL OR s.bigb IS NOT NULL ORDER BY s.id;
SELECT left(bigt, 9), right(bigt, 9) FROM ty_seg WHERE id = 9;
SELECT id, ts, length(t), md5(t), length(ta[1]), ta[2] IS NULL AS ta2_null, ta[3],
  jsonb_array_length(jb), jb -> 99999 AS jb_last, array_length(ia, 1), ia[300000],
  length(vb), (c).a, length((c).b), md5(c::text)
FROM ty_seg WHERE id >= 13 ORDER BY id;
SELECT s.id, md5(s.t) = md5(h.t) AS t, md5(s.ta::text) = md5(h.ta::text) AS ta,
  md5(s.jb::text) = md5(h.jb::text) AS jb, md5(s.ia::text) = md5(h.ia::text) AS ia,
  md5(s.vb::text) = md5(h.vb::text) AS vb, md5(s.c::text) = md5(h.c::text) AS c
FROM ty_seg s JOIN ty_heap h USING (id) WHERE s.id = 13;
SELECT substring(bigb from 1 for 4), substring(bigb from 2199997 for 4)
FROM ty_seg WHERE id = 9;

-- values that must be rejected before reaching the table
INSERT INTO ty_seg (ts, id) VALUES (NULL, 100);
INSERT INTO ty_seg (ts, id, dm) VALUES ('2024-01-01', 100, 0);
INSERT INTO ty_seg (ts, id, vc) VALUES ('2024-01-01', 100, repeat('ü', 21));
INSERT INTO ty_seg (ts, id, e) VALUES ('2024-01-01', 100, 'angry');
SELECT count(*) FROM ty_seg WHERE id = 100;

-- ALTER TABLE: ADD COLUMN without default, old rows read NULL
ALTER TABLE ty_seg ADD COLUMN add_null int;
ALTER TABLE ty_heap ADD COLUMN add_null int;
INSERT INTO ty_seg (ts, id, add_null) VALUES ('2024-04-01', 20, 7);
INSERT INTO ty_heap (ts, id, add_null) VALUES ('2024-04-01', 20, 7);
SELECT id, add_null FROM ty_seg WHERE id IN (1, 7, 9, 12, 20) ORDER BY id;
SELECT count(*) FILTER (WHERE add_null IS NULL) AS nulls, count(add_null) AS set
FROM ty_seg;

-- ADD COLUMN with constant defaults: old rows show the "missing" value
ALTER TABLE ty_seg ADD COLUMN add_txt text DEFAULT 'dflt ✓',
  ADD COLUMN add_num numeric DEFAULT 1.5,
  ADD COLUMN add_arr int[] DEFAULT '{1,NULL,3}',
  ADD COLUMN add_i8 int8 DEFAULT -9223372036854775808,
  ADD COLUMN add_f8 float8 DEFAULT '-0',
  ADD COLUMN add_ts timestamptz DEFAULT '2030-01-01 00:00:00+00',
  ADD COLUMN add_uuid uuid DEFAULT 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
  ADD COLUMN add_null_dflt text DEFAULT NULL,
  ADD COLUMN add_pair ty_pair DEFAULT ROW(5, 'five');
ALTER TABLE ty_heap ADD COLUMN add_txt text DEFAULT 'dflt ✓',
  ADD COLUMN add_num numeric DEFAULT 1.5,
  ADD COLUMN add_arr int[] DEFAULT '{1,NULL,3}',
  ADD COLUMN add_i8 int8 DEFAULT -9223372036854775808,
  ADD COLUMN add_f8 float8 DEFAULT '-0',
  ADD COLUMN add_ts timestamptz DEFAULT '2030-01-01 00:00:00+00',
  ADD COLUMN add_uuid uuid DEFAULT 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
  ADD COLUMN add_null_dflt text DEFAULT NULL,
  ADD COLUMN add_pair ty_pair DEFAULT ROW(5, 'five');
-- no rewrite happened: the defaults are stored as missing values
SELECT attname, atthasmissing, attmissingval FROM pg_attribute
WHERE attrelid = 'ty_seg'::regclass AND attname LIKE 'add%' ORDER BY attnum;
INSERT INTO ty_seg (ts, id) VALUES ('2024-04-02', 21);
INSERT INTO ty_seg (ts, id, add_txt, add_num, add_arr, add_i8, add_f8, add_ts,
  add_uuid, add_null_dflt, add_pair)
VALUES ('2024-04-02', 22, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
       ('2024-04-02', 23, 'new', 2.5, '{9}', 9, 9, '2031-01-01', NULL, 'set', NULL);
INSERT INTO ty_heap (ts, id) VALUES ('2024-04-02', 21);
INSERT INTO ty_heap (ts, id, add_txt, add_num, add_arr, add_i8, add_f8, add_ts,
  add_uuid, add_null_dflt, add_pair)
VALUES ('2024-04-02', 22, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
       ('2024-04-02', 23, 'new', 2.5, '{9}', 9, 9, '2031-01-01', NULL, 'set', NULL);
SELECT id, add_null, add_txt, add_num, add_arr, add_i8, add_f8, add_f8::text AS f8_text,
  add_ts, add_uuid, add_null_dflt, add_pair
FROM ty_seg WHERE id IN (1, 7, 9, 12, 20, 21, 22, 23) ORDER BY id;
SELECT count(*) FILTER (WHERE add_txt = 'dflt ✓') AS dflt, count(*) AS all_rows
FROM ty_seg;
SELECT id FROM (SELECT id, s::text AS r FROM ty_seg s
                EXCEPT SELECT id, h::text FROM ty_heap h) x ORDER BY id;
SELECT id FROM (SELECT id, h::text AS r FROM ty_heap h
                EXCEPT SELECT id, s::text FROM ty_seg s) x ORDER BY id;

DROP VIEW ty_seg_v, ty_heap_v;

-- DROP COLUMN: old rows keep the right values in the columns that remain
ALTER TABLE ty_seg DROP COLUMN i4, DROP COLUMN t, DROP COLUMN add_num, DROP COLUMN bigb;
ALTER TABLE ty_heap DROP COLUMN i4, DROP COLUMN t, DROP COLUMN add_num, DROP COLUMN bigb;
ALTER TABLE ty_seg DROP COLUMN ts;
INSERT INTO ty_seg (ts, id, i2, i8, vc, bigt, add_txt, add_arr)
VALUES ('2024-05-01', 30, 30, 30, 'after drop', 'big after drop', 'x', '{30}');
INSERT INTO ty_heap (ts, id, i2, i8, vc, bigt, add_txt, add_arr)
VALUES ('2024-05-01', 30, 30, 30, 'after drop', 'big after drop', 'x', '{30}');
SELECT id, i2, i8, num, vc, ba, length(bigt), add_null, add_txt, add_arr, add_i8
FROM ty_seg WHERE id IN (1, 2, 3, 8, 9, 20, 21, 22, 23, 30) ORDER BY id;
SELECT * FROM ty_seg WHERE id = 1;

-- ADD COLUMN after DROP COLUMN, then another new row
ALTER TABLE ty_seg ADD COLUMN add_late bool DEFAULT true, ADD COLUMN add_late2 varchar(5);
ALTER TABLE ty_heap ADD COLUMN add_late bool DEFAULT true, ADD COLUMN add_late2 varchar(5);
INSERT INTO ty_seg (ts, id, add_late, add_late2) VALUES ('2024-05-02', 31, false, 'late');
INSERT INTO ty_heap (ts, id, add_late, add_late2) VALUES ('2024-05-02', 31, false, 'late');
SELECT id, i2, add_null, add_txt, add_late, add_late2
FROM ty_seg WHERE id IN (1, 7, 20, 21, 30, 31) ORDER BY id;

-- after all the changes both tables still hold exactly the same rows,
-- also when read by a new backend (fresh relcache and catalog state)
\c -
SET TimeZone = 'UTC';
SELECT count(*) FROM ty_seg;
SELECT count(*) FROM ty_heap;
SELECT id FROM (SELECT id, s::text AS r FROM ty_seg s
                EXCEPT SELECT id, h::text FROM ty_heap h) x ORDER BY id;
SELECT id FROM (SELECT id, h::text AS r FROM ty_heap h
                EXCEPT SELECT id, s::text FROM ty_seg s) x ORDER BY id;
SELECT count(*) FROM (
  SELECT ts, id, i2, i8, num, f4, f8, vc, bc, ba, b, d, tm, ttz, tsp, tstz, iv, u,
    j::text, jb, ip, cn, mac, mac8, m, bt, vb, ia, ta, c, e, dm, r4, rtz, tv, ch,
    nm, o, bigt, add_null, add_txt, add_arr, add_i8, add_f8, add_ts, add_uuid,
    add_null_dflt, add_pair, add_late, add_late2 FROM ty_seg
  EXCEPT
  SELECT ts, id, i2, i8, num, f4, f8, vc, bc, ba, b, d, tm, ttz, tsp, tstz, iv, u,
    j::text, jb, ip, cn, mac, mac8, m, bt, vb, ia, ta, c, e, dm, r4, rtz, tv, ch,
    nm, o, bigt, add_null, add_txt, add_arr, add_i8, add_f8, add_ts, add_uuid,
    add_null_dflt, add_pair, add_late, add_late2 FROM ty_heap) x;
SELECT count(*) FROM (
  SELECT ts, id, i2, i8, num, f4, f8, vc, bc, ba, b, d, tm, ttz, tsp, tstz, iv, u,
    j::text, jb, ip, cn, mac, mac8, m, bt, vb, ia, ta, c, e, dm, r4, rtz, tv, ch,
    nm, o, bigt, add_null, add_txt, add_arr, add_i8, add_f8, add_ts, add_uuid,
    add_null_dflt, add_pair, add_late, add_late2 FROM ty_heap
  EXCEPT
  SELECT ts, id, i2, i8, num, f4, f8, vc, bc, ba, b, d, tm, ttz, tsp, tstz, iv, u,
    j::text, jb, ip, cn, mac, mac8, m, bt, vb, ia, ta, c, e, dm, r4, rtz, tv, ch,
    nm, o, bigt, add_null, add_txt, add_arr, add_i8, add_f8, add_ts, add_uuid,
    add_null_dflt, add_pair, add_late, add_late2 FROM ty_seg) x;

DROP TABLE ty_seg, ty_heap;
DROP DOMAIN ty_posint;
DROP TYPE ty_mood, ty_pair;
