# pg_dump and restore of segstore tables with indexes and constraints.
#
# 010_pg_dump.pl covers tables, options and policies; this test covers
# what pg_dump writes after the rows: primary keys, unique and exclusion
# constraints, foreign keys in both directions, and indexes of every kind
# a segstore table supports.  It
#   * builds a database on one server: a segstore table "readings" with
#     non-default options, a PRIMARY KEY, a UNIQUE constraint, a CHECK
#     constraint, a plain btree (with fillfactor), a partial index, an
#     expression index, a hash index, a BRIN on the time column (with
#     pages_per_range), GIN indexes on jsonb and int[], GiST indexes on a
#     tsrange and a box; a segstore table "notes" with a composite UNIQUE
#     constraint and foreign keys to a heap table (devices) and to
#     readings; a segstore table "bookings" with a GiST exclusion
#     constraint; a heap table "alerts" with a foreign key to readings.
#     Rows are sealed, then more rows go to active segments, then rows
#     are DELETEd and UPDATEd (other columns, the time column, the key)
#     in sealed and in active segments;
#   * restores a plain dump with psql and a custom dump with pg_restore
#     (serial and -j 2) into fresh databases of a second, fresh server;
#   * compares each restored database with the source exactly: rows of
#     every table, pg_indexes.indexdef, index flags and reloptions,
#     pg_constraint definitions, table reloptions, segstore.tables, and a
#     schema-only dump; deleted rows and old row versions do not come back;
#   * runs a query through every index, forcing index scans and bitmap
#     scans: the plan uses that index and the rows equal the source's
#     (read there with a plain scan), with known row counts;
#   * checks the constraints after restore: duplicates of the primary key,
#     of the unique constraints and overlapping exclusion ranges are
#     refused, keys freed by DELETE and UPDATE in the source can be used,
#     foreign keys refuse orphans (also keys deleted in the source) and
#     the delete of a referenced row; CHECK refuses a bad value;
#   * runs amcheck's bt_index_check and bt_index_parent_check (with
#     heapallindexed) on every btree index, checking the number of table
#     rows amcheck found;
#   * seals the restored tables and does all of it again, then makes the
#     same DELETEs, UPDATEs and INSERTs in the source and the restored
#     databases and compares rows and index scans once more;
#   * finds no ERROR in the dump and restore output, exactly the expected
#     ERRORs (of the refused statements above) in the server logs, and no
#     crashed backend.
#
# UPDATEs of notes (a segstore table with foreign keys) go through
# RI_FKey_fk_upd_check_required, which reads the old row's xmin: before
# segstore's slots carried xmin, they failed with "cannot retrieve a
# system column in this context".
use strict;
use warnings;
use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $tmp = PostgreSQL::Test::Utils::tempdir;
my $logs = $PostgreSQL::Test::Utils::log_path;

sub new_node
{
	my ($name) = @_;
	my $node = PostgreSQL::Test::Cluster->new($name);
	$node->init;
	# autovacuum off: plans and index contents change only when the test
	# says so; UTC: the expected texts print times
	$node->append_conf('postgresql.conf',
		"shared_preload_libraries = 'segstore'\nautovacuum = off\ntimezone = 'UTC'\n");
	$node->start;
	return $node;
}

my $src = new_node('dump_ix_source');
my $dst = new_node('dump_ix_target');

# Run a client program; its output (stdout and stderr) goes to $log.
sub run_tool
{
	my ($name, $log, @cmd) = @_;
	my $out = '';
	my $ok = IPC::Run::run(\@cmd, '>&', \$out);
	open(my $fh, '>', $log) or die "open $log: $!";
	print $fh $out;
	close $fh;
	ok($ok, "$name: exit status 0") or diag("command: @cmd\noutput:\n$out");
	unlike($out, qr/^.*ERROR.*$/m, "$name: no ERROR in its output");
	return $out;
}

# ---- the source database ----

$src->safe_psql('postgres', 'CREATE DATABASE tsdb');
$src->safe_psql('tsdb', q{
CREATE EXTENSION segstore;
CREATE EXTENSION amcheck;

CREATE TABLE devices (id int PRIMARY KEY, name text NOT NULL);

CREATE TABLE readings (
  id      bigint NOT NULL,
  ts      timestamptz NOT NULL,
  device  int NOT NULL,
  code    text NOT NULL,
  kind    text,
  val     float8 CONSTRAINT readings_val_check CHECK (val >= 0),
  attrs   jsonb,
  tags    int[],
  during  tsrange,
  area    box,
  CONSTRAINT readings_pkey PRIMARY KEY (id),
  CONSTRAINT readings_code_key UNIQUE (code)
) USING segstore WITH (segstore.time_column = 'ts', segstore.segment_interval = '12 hours',
                       segstore.compression_level = 3, segstore.block_size = '16kB',
                       segstore.max_segment_size = '16kB', segstore.seal_after = '3 hours');
CREATE INDEX readings_device_ts ON readings (device, ts) WITH (fillfactor = 70);
CREATE INDEX readings_hot_val ON readings (val) WHERE val > 900;
CREATE INDEX readings_lower_code ON readings (lower(code));
CREATE INDEX readings_kind_hash ON readings USING hash (kind);
CREATE INDEX readings_ts_brin ON readings USING brin (ts) WITH (pages_per_range = 4);
CREATE INDEX readings_attrs_gin ON readings USING gin (attrs jsonb_path_ops);
CREATE INDEX readings_tags_gin ON readings USING gin (tags);
CREATE INDEX readings_during_gist ON readings USING gist (during);
CREATE INDEX readings_area_gist ON readings USING gist (area);

-- heap referencing segstore
CREATE TABLE alerts (id int PRIMARY KEY, reading bigint NOT NULL REFERENCES readings (id), note text);

-- segstore referencing heap and segstore
CREATE TABLE notes (ts date NOT NULL, reading bigint REFERENCES readings (id),
                    device int NOT NULL REFERENCES devices (id), seq int NOT NULL, body text,
                    UNIQUE (reading, seq))
  USING segstore WITH (segstore.time_column = 'ts', segstore.segment_interval = '2 days');

-- an exclusion constraint (GiST)
CREATE TABLE bookings (ts timestamptz NOT NULL, room int NOT NULL, during tstzrange NOT NULL,
                       CONSTRAINT bookings_no_overlap EXCLUDE USING gist (during WITH &&))
  USING segstore WITH (segstore.segment_interval = '12 hours', segstore.compression_level = 12);
});

$src->safe_psql('tsdb', q{
INSERT INTO devices SELECT g, 'device ' || g FROM generate_series(1, 10) g;
INSERT INTO readings
SELECT g, timestamptz '2024-03-01 00:00+00' + g * interval '7 minutes', g % 10 + 1,
       'C-' || lpad(g::text, 5, '0'),
       (ARRAY['cpu', 'mem', 'disk', NULL])[g % 4 + 1],
       CASE WHEN g % 13 = 0 THEN NULL ELSE (g * 37) % 1000 END,
       CASE WHEN g % 6 = 0 THEN NULL ELSE jsonb_build_object('k', g % 5, 'g', g) END,
       CASE WHEN g % 9 = 0 THEN NULL ELSE ARRAY[g % 7, g % 11, 100 + g % 3] END,
       tsrange(timestamp '2024-03-01' + g * interval '7 minutes',
               timestamp '2024-03-01' + g * interval '7 minutes' + (g % 5) * interval '10 minutes'),
       box(point(g % 50, g / 50), point(g % 50 + 1, g / 50 + 1))
FROM generate_series(1, 1500) g;
INSERT INTO alerts SELECT g, g * 10, 'alert ' || g FROM generate_series(1, 40) g;
INSERT INTO notes SELECT date '2024-03-01' + g % 5, g * 3, g % 10 + 1, g % 2, 'note ' || g
FROM generate_series(1, 100) g;
INSERT INTO bookings
SELECT t, g, tstzrange(t, t + interval '50 minutes')
FROM (SELECT g, timestamptz '2024-03-01 00:00+00' + g * interval '1 hour' AS t
      FROM generate_series(1, 100) g) s;
});

# seal everything there is; later rows land in new active segments
$src->safe_psql('tsdb', q{
SELECT count(*) FROM segstore.seal('readings');
SELECT count(*) FROM segstore.seal('notes');
SELECT count(*) FROM segstore.seal('bookings');
});

$src->safe_psql('tsdb', q{
INSERT INTO readings
SELECT g, timestamptz '2024-03-01 00:00+00' + (g - 1500) * interval '11 minutes', g % 10 + 1,
       'C-' || lpad(g::text, 5, '0'), 'late', (g * 37) % 1000,
       jsonb_build_object('k', 9, 'g', g), ARRAY[g % 7, 200],
       tsrange(timestamp '2024-03-01' + (g - 1500) * interval '11 minutes', NULL),
       box(point(100 + g % 10, 0), point(101 + g % 10, 1))
FROM generate_series(1501, 1800) g;
INSERT INTO bookings
SELECT t, g, tstzrange(t, t + interval '50 minutes')
FROM (SELECT g, timestamptz '2024-03-01 00:00+00' + g * interval '1 hour' AS t
      FROM generate_series(101, 130) g) s;

-- DELETE and UPDATE rows of sealed (id <= 1500) and active segments
DELETE FROM readings
WHERE id % 17 = 0 AND id NOT IN (SELECT reading FROM alerts)
  AND id NOT IN (SELECT reading FROM notes WHERE reading IS NOT NULL);
UPDATE readings SET val = 999.5, kind = 'upd', attrs = attrs || '{"upd": true}' WHERE id % 23 = 0;
-- the time column: the rows move to buckets ten days later
UPDATE readings SET ts = ts + interval '10 days', code = code || '-moved' WHERE id % 29 = 0;
-- the key
UPDATE readings SET id = id + 100000
WHERE id % 31 = 0 AND id NOT IN (SELECT reading FROM alerts)
  AND id NOT IN (SELECT reading FROM notes WHERE reading IS NOT NULL);
DELETE FROM notes WHERE seq = 1 AND reading % 5 = 0;
UPDATE notes SET body = body || ' (edited)', ts = ts + 7 WHERE reading % 5 = 0;
UPDATE notes SET device = 10 WHERE reading IN (6, 9);
DELETE FROM bookings WHERE room IN (5, 105);
UPDATE bookings SET during = tstzrange(lower(during), upper(during) + interval '5 minutes')
WHERE room % 7 = 0;
UPDATE bookings SET ts = ts + interval '3 days' WHERE room % 11 = 0;
});

# the source has what the test means to have
is( $src->safe_psql('tsdb', q{
SELECT table_name || ': ' || string_agg(DISTINCT state, ',' ORDER BY state)
FROM segstore.segments GROUP BY table_name ORDER BY table_name::text}),
	"bookings: active,sealed\nnotes: active,sealed\nreadings: active,sealed",	'source: sealed and active segments');
is( $src->safe_psql('tsdb', q{
SELECT c.relname || ' ' || count(*) FROM segstore.deleted_rows d
JOIN pg_class c ON c.relfilenode = d.relfilenode
GROUP BY c.relname ORDER BY 1}),
	"bookings 30\nnotes 22\nreadings 282",
	'source: deletions recorded (DELETE and UPDATE)');
is( $src->safe_psql('tsdb', q{
SELECT (SELECT count(*) FROM readings) || ' ' || (SELECT count(*) FROM notes) || ' '
    || (SELECT count(*) FROM bookings) || ' ' || (SELECT count(*) FROM alerts)}),
	'1702 90 128 40', 'source: row counts');

# Rows whose fate the test knows: 17 and 34 (sealed) and 1513 (active)
# deleted; 23 (sealed) and 1518 (active) updated; 29 and 1508 moved ten
# days; 31 and 1519 renamed to 100031 and 101519; 1552 untouched.
my $known_rows_sql = q{
SET TimeZone = 'UTC';
SELECT id, ts, code, kind, val, attrs FROM readings
WHERE id IN (17, 34, 1513, 23, 1518, 29, 1508, 31, 1519, 100031, 101519, 1552) ORDER BY id};
my $known_rows = join("\n",
	'23|2024-03-01 02:41:00+00|C-00023|upd|999.5|{"g": 23, "k": 3, "upd": true}',
	'29|2024-03-11 03:23:00+00|C-00029-moved|mem|73|{"g": 29, "k": 4}',
	'1508|2024-03-11 01:28:00+00|C-01508-moved|late|796|{"g": 1508, "k": 9}',
	'1518|2024-03-01 03:18:00+00|C-01518|upd|999.5|{"g": 1518, "k": 9, "upd": true}',
	'1552|2024-03-01 09:32:00+00|C-01552|late|424|{"g": 1552, "k": 9}',
	'100031|2024-03-01 03:37:00+00|C-00031||147|{"g": 31, "k": 1}',
	'101519|2024-03-01 03:29:00+00|C-01519|late|203|{"g": 1519, "k": 9}');
is($src->safe_psql('tsdb', $known_rows_sql), $known_rows, 'source: known rows');
# rows deleted, and old versions of updated rows (the sealed rows end on
# 2024-03-08 07:00; later ones were moved there by UPDATE)
my $gone_sql = q{
SELECT count(*) FROM readings
WHERE id IN (17, 34, 1513, 31, 1519) OR code IN ('C-00017', 'C-00029', 'C-01508')
   OR (ts >= '2024-03-09 00:00+00' AND code NOT LIKE '%-moved')};
is($src->safe_psql('tsdb', $gone_sql), '0', 'source: deleted rows and old versions are not seen');

# ---- what is compared between databases ----

sub snapshot
{
	my ($node, $db) = @_;
	my %s;
	$s{indexes} = $node->safe_psql($db, q{
SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY indexname});
	$s{'index flags'} = $node->safe_psql($db, q{
SELECT c.relname, t.relname, am.amname, i.indisunique, i.indisprimary, i.indisexclusion,
       i.indimmediate, i.indisvalid, i.indisready, i.indislive, i.indnkeyatts, c.reloptions
FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_class t ON t.oid = i.indrelid
JOIN pg_am am ON am.oid = c.relam
WHERE c.relnamespace = 'public'::regnamespace ORDER BY c.relname});
	$s{constraints} = $node->safe_psql($db, q{
SELECT conrelid::regclass, conname, contype, pg_get_constraintdef(oid), condeferrable,
       convalidated, conindid::regclass
FROM pg_constraint WHERE connamespace = 'public'::regnamespace
ORDER BY conrelid::regclass::text, conname});
	$s{reloptions} = $node->safe_psql($db, q{
SELECT c.relname, c.relkind, am.amname, c.reloptions
FROM pg_class c LEFT JOIN pg_am am ON am.oid = c.relam
WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r'
ORDER BY c.relname});
	$s{'segstore.tables'} = $node->safe_psql($db,
		q{SELECT t::text FROM segstore.tables t ORDER BY table_name::text});
	for my $t (qw(readings notes bookings alerts devices))
	{
		$s{"rows of $t"} = $node->safe_psql($db, qq{
SELECT count(*), md5(coalesce(string_agg(r::text, E'\\n' ORDER BY r::text), '')) FROM $t r});
	}
	return \%s;
}

sub compare_snapshots
{
	my ($what, $got, $expected) = @_;
	is_deeply([ sort keys %$got ], [ sort keys %$expected ], "$what: same set of things compared");
	for my $k (sort keys %$expected)
	{
		is($got->{$k}, $expected->{$k}, "$what: $k");
	}
}

my $before = snapshot($src, 'tsdb');

is( $before->{indexes}, join("\n",
		'alerts_pkey|CREATE UNIQUE INDEX alerts_pkey ON public.alerts USING btree (id)',
		'bookings_no_overlap|CREATE INDEX bookings_no_overlap ON public.bookings USING gist (during)',
		'devices_pkey|CREATE UNIQUE INDEX devices_pkey ON public.devices USING btree (id)',
		'notes_reading_seq_key|CREATE UNIQUE INDEX notes_reading_seq_key ON public.notes USING btree (reading, seq)',
		'readings_area_gist|CREATE INDEX readings_area_gist ON public.readings USING gist (area)',
		'readings_attrs_gin|CREATE INDEX readings_attrs_gin ON public.readings USING gin (attrs jsonb_path_ops)',
		'readings_code_key|CREATE UNIQUE INDEX readings_code_key ON public.readings USING btree (code)',
		'readings_device_ts|CREATE INDEX readings_device_ts ON public.readings USING btree (device, ts) WITH (fillfactor=\'70\')',
		'readings_during_gist|CREATE INDEX readings_during_gist ON public.readings USING gist (during)',
		'readings_hot_val|CREATE INDEX readings_hot_val ON public.readings USING btree (val) WHERE (val > (900)::double precision)',
		'readings_kind_hash|CREATE INDEX readings_kind_hash ON public.readings USING hash (kind)',
		'readings_lower_code|CREATE INDEX readings_lower_code ON public.readings USING btree (lower(code))',
		'readings_pkey|CREATE UNIQUE INDEX readings_pkey ON public.readings USING btree (id)',
		'readings_tags_gin|CREATE INDEX readings_tags_gin ON public.readings USING gin (tags)',
		'readings_ts_brin|CREATE INDEX readings_ts_brin ON public.readings USING brin (ts) WITH (pages_per_range=\'4\')'),
	'source: indexes');
is( $before->{constraints}, join("\n",
		'alerts|alerts_pkey|p|PRIMARY KEY (id)|f|t|alerts_pkey',
		'alerts|alerts_reading_fkey|f|FOREIGN KEY (reading) REFERENCES readings(id)|f|t|readings_pkey',
		'bookings|bookings_no_overlap|x|EXCLUDE USING gist (during WITH &&)|f|t|bookings_no_overlap',
		'devices|devices_pkey|p|PRIMARY KEY (id)|f|t|devices_pkey',
		'notes|notes_device_fkey|f|FOREIGN KEY (device) REFERENCES devices(id)|f|t|devices_pkey',
		'notes|notes_reading_fkey|f|FOREIGN KEY (reading) REFERENCES readings(id)|f|t|readings_pkey',
		'notes|notes_reading_seq_key|u|UNIQUE (reading, seq)|f|t|notes_reading_seq_key',
		'readings|readings_code_key|u|UNIQUE (code)|f|t|readings_code_key',
		'readings|readings_pkey|p|PRIMARY KEY (id)|f|t|readings_pkey',
		'readings|readings_val_check|c|CHECK ((val >= (0)::double precision))|f|t|-'),
	'source: constraints');
is( $before->{reloptions}, join("\n",
		'alerts|r|heap|',
		'bookings|r|segstore|{segstore.time_column=ts,"segstore.segment_interval=12 hours",segstore.compression_level=12}',
		'devices|r|heap|',
		'notes|r|segstore|{segstore.time_column=ts,"segstore.segment_interval=2 days"}',
		'readings|r|segstore|{segstore.time_column=ts,"segstore.segment_interval=12 hours",'
		  . 'segstore.max_segment_size=16384,"segstore.seal_after=3 hours",'
		  . 'segstore.compression_level=3,segstore.block_size=16384}'),
	'source: table reloptions');

# ---- queries through each index ----

# name => [table, condition, index, scan kinds, row count before the
# post-restore changes, row count after them]; a count of undef: the
# query is run only after the changes.
my @ix_queries = (
	[ 'pkey', 'readings', 'id IN (17, 34, 1513, 23, 1518, 29, 1508, 31, 1519, 100031, 101519, 1552, 999, 700, 805)',
		'readings_pkey', [qw(index bitmap)], 10, 10 ],
	[ 'unique code', 'readings',
		q{code IN ('C-00029-moved', 'C-00029', 'C-00017', 'C-01600', 'C-00023', 'C-00031', 'C-00900')},
		'readings_code_key', [qw(index bitmap)], 5, 4 ],
	[ 'btree (device, ts)', 'readings',
		q{device = 3 AND ts >= '2024-03-02 00:00+00' AND ts < '2024-03-03 00:00+00'},
		'readings_device_ts', [qw(index bitmap)], 29, 29 ],
	[ 'btree (device, ts), moved rows', 'readings', q{device = 10 AND ts >= '2024-03-10 00:00+00'},
		'readings_device_ts', [qw(index bitmap)], 6, 6 ],
	[ 'partial', 'readings', 'val > 950', 'readings_hot_val', [qw(index bitmap)], 148, 162 ],
	[ 'expression', 'readings', q{lower(code) BETWEEN 'c-00100' AND 'c-00130'},
		'readings_lower_code', [qw(index bitmap)], 30, 30 ],
	[ 'hash', 'readings', q{kind = 'upd'}, 'readings_kind_hash', [qw(index bitmap)], 74, 74 ],
	[ 'hash, late rows', 'readings', q{kind = 'late'}, 'readings_kind_hash', [qw(index bitmap)], 271, 271 ],
	[ 'brin, moved rows', 'readings', q{ts >= '2024-03-11 00:00+00' AND ts < '2024-03-12 00:00+00'},
		'readings_ts_brin', [qw(bitmap)], 12, 12 ],
	[ 'brin, first hours', 'readings', q{ts < '2024-03-01 03:00+00'},
		'readings_ts_brin', [qw(bitmap)], 38, 44 ],
	[ 'gin jsonb', 'readings', q{attrs @> '{"upd": true}'}, 'readings_attrs_gin', [qw(bitmap)], 64, 64 ],
	[ 'gin jsonb, late rows', 'readings', q{attrs @> '{"k": 9}'}, 'readings_attrs_gin', [qw(bitmap)], 283, 283 ],
	[ 'gin int[]', 'readings', 'tags @> ARRAY[200]', 'readings_tags_gin', [qw(bitmap)], 283, 283 ],
	[ 'gin int[] overlap', 'readings', 'tags && ARRAY[6, 102]', 'readings_tags_gin', [qw(bitmap)], 687, 674 ],
	[ 'gist tsrange', 'readings', q{during && tsrange('2024-03-02 10:00', '2024-03-02 11:00')},
		'readings_during_gist', [qw(index bitmap)], 188, 188 ],
	[ 'gist box', 'readings', q{area && box '((100,0),(102,1))'},
		'readings_area_gist', [qw(index bitmap)], 85, 85 ],
	[ 'gist box, sealed rows', 'readings', q{area <@ box '((10,10),(20,20))'},
		'readings_area_gist', [qw(index bitmap)], 90, 84 ],
	[ 'unique (reading, seq)', 'notes', 'reading IN (3, 51, 60, 90, 300, 17, 200001)',
		'notes_reading_seq_key', [qw(index bitmap)], 5, 3 ],
	[ 'exclusion gist', 'bookings',
		q{during && tstzrange('2024-03-01 03:30+00', '2024-03-01 09:30+00')},
		'bookings_no_overlap', [qw(index bitmap)], 6, 6 ],
	# run only after the changes below
	[ 'hash, new key', 'readings', q{kind = 'post'}, 'readings_kind_hash', [qw(index bitmap)], undef, 14 ],
	[ 'gin int[], new key', 'readings', 'tags @> ARRAY[300]', 'readings_tags_gin', [qw(bitmap)], undef, 7 ],
	[ 'brin, rows moved back', 'readings', q{ts < '2024-02-20 00:00+00'},
		'readings_ts_brin', [qw(bitmap)], undef, 6 ],
	[ 'gin jsonb, new key', 'readings', q{attrs @> '{"post": true}'},
		'readings_attrs_gin', [qw(bitmap)], undef, 14 ],
);

my %scan_settings = (
	plain => 'SET enable_indexscan = off; SET enable_indexonlyscan = off; SET enable_bitmapscan = off;',
	index => 'SET enable_seqscan = off; SET segstore.enable_segment_scan = off; SET enable_bitmapscan = off;',
	bitmap => 'SET enable_seqscan = off; SET segstore.enable_segment_scan = off; '
	  . 'SET enable_indexscan = off; SET enable_indexonlyscan = off;',
);

# The plan and the result ("count|md5 of the sorted rows") of one query.
sub run_ix_query
{
	my ($node, $db, $q, $kind) = @_;
	my ($name, $table, $cond) = @$q;
	my $sql = "SELECT count(*) || '|' || coalesce(md5(string_agg(x::text, E'\\n' ORDER BY x::text)), '') "
	  . "FROM (SELECT * FROM $table WHERE $cond) x";
	my $out = $node->safe_psql($db, "$scan_settings{$kind}\nEXPLAIN (COSTS OFF) $sql;\n$sql;");
	my @lines = split /\n/, $out;
	my $result = pop @lines;
	return (join("\n", @lines), $result);
}

# The results of every query with a plain scan of the source.
sub source_truth
{
	my ($phase) = @_;
	my %truth;
	for my $q (@ix_queries)
	{
		my ($name, $table, $cond, $idx, $kinds, $pre, $post) = @$q;
		my $count = $phase eq 'pre' ? $pre : $post;
		next unless defined $count;
		my ($plan, $result) = run_ix_query($src, 'tsdb', $q, 'plain');
		unlike($plan, qr/Index|Bitmap/, "source $phase: $name: plain scan without index")
		  or diag($plan);
		is((split /\|/, $result)[0], $count, "source $phase: $name: $count rows");
		$truth{$name} = $result;
	}
	return \%truth;
}

# Every query through its index on one database, against the source's truth.
sub check_ix_queries
{
	my ($node, $db, $what, $truth) = @_;
	for my $q (@ix_queries)
	{
		my ($name, $table, $cond, $idx, $kinds) = @$q;
		next unless defined $truth->{$name};
		for my $kind (@$kinds)
		{
			my ($plan, $result) = run_ix_query($node, $db, $q, $kind);
			my $re = $kind eq 'index'
			  ? qr/Index Scan using \Q$idx\E on \Q$table\E\b/
			  : qr/Bitmap Heap Scan on \Q$table\E\b(?s:.*)Bitmap Index Scan on \Q$idx\E\n/;
			like($plan, $re, "$what: $name: $kind scan of $idx") or diag($plan);
			is($result, $truth->{$name}, "$what: $name: $kind scan returns the source's rows");
		}
	}
}

# ---- amcheck ----

my @btree_indexes = qw(alerts_pkey devices_pkey notes_reading_seq_key readings_code_key
  readings_device_ts readings_hot_val readings_lower_code readings_pkey);

sub check_btrees
{
	my ($node, $db, $what) = @_;
	is( $node->safe_psql($db, q{
SELECT string_agg(c.relname, ' ' ORDER BY c.relname) FROM pg_class c JOIN pg_am am ON am.oid = c.relam
WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'i' AND am.amname = 'btree'}),
		join(' ', @btree_indexes), "$what: the btree indexes");
	for my $idx (@btree_indexes)
	{
		# the rows the index must have: amcheck counts them, with the
		# index's predicate
		my $rows = $node->safe_psql($db, qq{
SELECT 'SELECT count(*) FROM ' || i.indrelid::regclass
       || coalesce(' WHERE ' || pg_get_expr(i.indpred, i.indrelid), '')
FROM pg_index i WHERE i.indexrelid = '$idx'::regclass});
		my $nrows = $node->safe_psql($db, $rows);
		for my $check ("bt_index_check('$idx', true)", "bt_index_parent_check('$idx', true, true)")
		{
			my ($out, $err) = ('', '');
			my $ret = $node->psql($db, "SET client_min_messages = debug1; SELECT $check;",
				stdout => \$out, stderr => \$err);
			is($ret, 0, "$what: $check succeeds");
			unlike($err, qr/ERROR|WARNING/, "$what: $check: no ERROR or WARNING");
			my ($n) = $err =~ /finished verifying presence of (\d+) tuples from table/;
			is($n, $nrows, "$what: $check found all $nrows rows of the table in the index");
		}
	}
}

# ---- constraints ----

# [name, SQL, expected stderr (a string, or a pattern; '': the SQL succeeds),
#  expected stdout]
my @constraint_checks = (
	[ 'primary key refuses a duplicate',
		q{INSERT INTO readings (id, ts, device, code) VALUES (1, '2024-03-05 00:00+00', 1, 'X-1')},
		qq{ERROR:  duplicate key value violates unique constraint "readings_pkey"\nDETAIL:  Key (id)=(1) already exists.} ],
	[ 'primary key refuses the new key of an updated row',
		q{INSERT INTO readings (id, ts, device, code) VALUES (100031, '2024-03-05 00:00+00', 1, 'X-1')},
		qq{ERROR:  duplicate key value violates unique constraint "readings_pkey"\nDETAIL:  Key (id)=(100031) already exists.} ],
	[ 'unique refuses a duplicate (value set by UPDATE)',
		q{INSERT INTO readings (id, ts, device, code) VALUES (500000, '2024-03-05 00:00+00', 1, 'C-00029-moved')},
		qq{ERROR:  duplicate key value violates unique constraint "readings_code_key"\nDETAIL:  Key (code)=(C-00029-moved) already exists.} ],
	[ 'check constraint',
		q{INSERT INTO readings (id, ts, device, code, val) VALUES (500000, '2024-03-05 00:00+00', 1, 'X-1', -1)},
		qr/^ERROR:  new row for relation "readings" violates check constraint "readings_val_check"\nDETAIL:  Failing row contains \(500000, .*\)\.$/ ],
	[ 'composite unique refuses a duplicate',
		q{INSERT INTO notes VALUES ('2024-03-02', 51, 1, 1, 'dup')},
		qq{ERROR:  duplicate key value violates unique constraint "notes_reading_seq_key"\nDETAIL:  Key (reading, seq)=(51, 1) already exists.} ],
	[ 'exclusion constraint refuses an overlap',
		q{INSERT INTO bookings VALUES ('2024-03-01 07:10+00', 500, tstzrange('2024-03-01 07:10+00', '2024-03-01 07:20+00'))},
		qq{ERROR:  conflicting key value violates exclusion constraint "bookings_no_overlap"\n}
		  . q{DETAIL:  Key (during)=(["2024-03-01 07:10:00+00","2024-03-01 07:20:00+00")) conflicts with existing key (during)=(["2024-03-01 07:00:00+00","2024-03-01 07:55:00+00")).} ],
	[ 'foreign key segstore -> heap refuses an orphan',
		q{INSERT INTO notes VALUES ('2024-03-02', 51, 99, 7, 'orphan')},
		qq{ERROR:  insert or update on table "notes" violates foreign key constraint "notes_device_fkey"\nDETAIL:  Key (device)=(99) is not present in table "devices".} ],
	[ 'foreign key segstore -> heap refuses an orphan (UPDATE)',
		q{UPDATE notes SET device = 99 WHERE reading = 51},
		qq{ERROR:  insert or update on table "notes" violates foreign key constraint "notes_device_fkey"\nDETAIL:  Key (device)=(99) is not present in table "devices".} ],
	[ 'foreign key segstore -> segstore refuses a deleted key (UPDATE)',
		q{UPDATE notes SET reading = 1513 WHERE reading = 51},
		qq{ERROR:  insert or update on table "notes" violates foreign key constraint "notes_reading_fkey"\nDETAIL:  Key (reading)=(1513) is not present in table "readings".} ],
	[ 'foreign key segstore -> segstore refuses a deleted key',
		q{INSERT INTO notes VALUES ('2024-03-02', 17, 1, 7, 'orphan')},
		qq{ERROR:  insert or update on table "notes" violates foreign key constraint "notes_reading_fkey"\nDETAIL:  Key (reading)=(17) is not present in table "readings".} ],
	[ 'foreign key heap -> segstore refuses a deleted key',
		q{INSERT INTO alerts VALUES (1000, 1513, 'orphan')},
		qq{ERROR:  insert or update on table "alerts" violates foreign key constraint "alerts_reading_fkey"\nDETAIL:  Key (reading)=(1513) is not present in table "readings".} ],
	[ 'foreign key heap -> segstore refuses the old key of an updated row',
		q{INSERT INTO alerts VALUES (1000, 31, 'orphan')},
		qq{ERROR:  insert or update on table "alerts" violates foreign key constraint "alerts_reading_fkey"\nDETAIL:  Key (reading)=(31) is not present in table "readings".} ],
	[ 'a segstore row referenced by a heap row cannot be deleted',
		q{DELETE FROM readings WHERE id = 10},
		qq{ERROR:  update or delete on table "readings" violates foreign key constraint "alerts_reading_fkey" on table "alerts"\nDETAIL:  Key (id)=(10) is still referenced from table "alerts".} ],
	[ 'a segstore row referenced by a segstore row cannot be deleted',
		q{DELETE FROM readings WHERE id = 51},
		qq{ERROR:  update or delete on table "readings" violates foreign key constraint "notes_reading_fkey" on table "notes"\nDETAIL:  Key (id)=(51) is still referenced from table "notes".} ],
	[ 'a heap row referenced by a segstore row cannot be deleted',
		q{DELETE FROM devices WHERE id = 4},
		qq{ERROR:  update or delete on table "devices" violates foreign key constraint "notes_device_fkey" on table "notes"\nDETAIL:  Key (id)=(4) is still referenced from table "notes".} ],
	[ 'keys freed by DELETE and UPDATE can be used, existing keys referenced',
		q{BEGIN;
INSERT INTO readings (id, ts, device, code) VALUES (17, '2024-03-05 00:00+00', 1, 'C-00017'),
  (31, '2024-03-01 00:00+00', 2, 'C-00029'), (1513, '2024-03-20 00:00+00', 3, 'C-01513') RETURNING id, code;
INSERT INTO notes VALUES ('2024-03-02', 100031, 10, 1, 'ok'), ('2024-03-02', 17, 1, 1, 'ok') RETURNING reading;
INSERT INTO alerts VALUES (1000, 101519, 'ok'), (1001, 31, 'ok') RETURNING id;
UPDATE notes SET reading = 100031, device = 2 WHERE reading = 6 RETURNING reading, device;
INSERT INTO bookings VALUES ('2024-03-01 05:10+00', 500, tstzrange('2024-03-01 05:10+00', '2024-03-01 05:40+00'))
  RETURNING room;
ROLLBACK;},
		'', "17|C-00017\n31|C-00029\n1513|C-01513\n100031\n17\n1000\n1001\n100031|2\n500" ],
);

# every ERROR the checks above cause, in the order they run
my @expected_errors = map { my $e = $_->[2]; defined $e && $e ne '' ? ($_) : () } @constraint_checks;

sub check_constraints
{
	my ($node, $db, $what) = @_;
	for my $c (@constraint_checks)
	{
		my ($name, $sql, $err_expected, $out_expected) = @$c;
		my ($out, $err) = ('', '');
		$node->psql($db, $sql, stdout => \$out, stderr => \$err);
		$err =~ s/^psql:<stdin>:\d+: //mg;
		if (ref $err_expected eq 'Regexp')
		{
			like($err, $err_expected, "$what: $name");
		}
		else
		{
			is($err, $err_expected, "$what: $name");
		}
		is($out, $out_expected // '', "$what: $name: output");
	}
	is($node->safe_psql($db, $known_rows_sql), $known_rows, "$what: known rows unchanged");
}

# ---- checks on the source ----

my $truth_pre = source_truth('pre');
check_ix_queries($src, 'tsdb', 'source', $truth_pre);
check_btrees($src, 'tsdb', 'source');
check_constraints($src, 'tsdb', 'source');

# ---- dumps ----

my $srcdb = $src->connstr('tsdb');
run_tool('pg_dump -Fp', "$logs/012_pg_dump_plain.log",
	'pg_dump', '-Fp', '-f', "$tmp/tsdb.sql", '-d', $srcdb);
run_tool('pg_dump -Fc', "$logs/012_pg_dump_custom.log",
	'pg_dump', '-Fc', '-f', "$tmp/tsdb.dump", '-d', $srcdb);

my $plain = slurp_file("$tmp/tsdb.sql");
for my $line (split /\n/, $before->{indexes})
{
	my ($name, $def) = split /\|/, $line, 2;
	next if $def =~ /UNIQUE/ || $name eq 'bookings_no_overlap';    # constraints
	like($plain, qr/^\Q$def\E;$/m, "plain dump: CREATE INDEX $name");
}
like($plain, qr/^    ADD CONSTRAINT bookings_no_overlap EXCLUDE USING gist \(during WITH &&\);$/m,
	'plain dump: exclusion constraint');
like( $plain,
	qr/^WITH \("segstore.time_column"=ts, "segstore.segment_interval"='12 hours', "segstore.max_segment_size"='16384', "segstore.seal_after"='3 hours', "segstore.compression_level"='3', "segstore.block_size"='16384'\);$/m,
	'plain dump: readings options');
is(scalar(() = $plain =~ /^COPY public\.readings \(/mg), 1, 'plain dump: one COPY of readings');

# ---- restores, on a second server ----

my %restored;

$dst->safe_psql('postgres', 'CREATE DATABASE r_plain');
run_tool('psql restore of the plain dump', "$logs/012_restore_plain.log",
	'psql', '-X', '-v', 'ON_ERROR_STOP=1', '-d', $dst->connstr('r_plain'), '-f', "$tmp/tsdb.sql");
$restored{r_plain} = 'plain dump, psql';

$dst->safe_psql('postgres', 'CREATE DATABASE r_custom');
run_tool('pg_restore of the custom dump', "$logs/012_restore_custom.log",
	'pg_restore', '--exit-on-error', '-d', $dst->connstr('r_custom'), "$tmp/tsdb.dump");
$restored{r_custom} = 'custom dump, pg_restore';

$dst->safe_psql('postgres', 'CREATE DATABASE r_parallel');
run_tool('pg_restore -j 2 of the custom dump', "$logs/012_restore_parallel.log",
	'pg_restore', '--exit-on-error', '-j', '2', '-d', $dst->connstr('r_parallel'), "$tmp/tsdb.dump");
$restored{r_parallel} = 'custom dump, pg_restore -j 2';

# a schema-only dump with the \restrict lines (random keys) taken out
sub schema_dump
{
	my ($node, $db) = @_;
	my $out = '';
	IPC::Run::run([ 'pg_dump', '-s', '-d', $node->connstr($db) ], '>', \$out)
	  or die "pg_dump -s of $db failed";
	$out =~ s/^\\(?:un)?restrict .*$//mg;
	return $out;
}
my $src_schema = schema_dump($src, 'tsdb');

for my $db (sort keys %restored)
{
	my $what = "$db ($restored{$db})";

	compare_snapshots($what, snapshot($dst, $db), $before);
	is(schema_dump($dst, $db), $src_schema, "$what: schema-only dump equals the source's");
	is($dst->safe_psql($db, $known_rows_sql), $known_rows, "$what: known rows");
	is( $dst->safe_psql($db, $gone_sql), '0', "$what: deleted rows and old versions of updated rows did not come back");
	is( $dst->safe_psql($db, q{
SELECT count(*) FROM segstore.deleted_rows d JOIN pg_class c ON c.relfilenode = d.relfilenode}),
		'0', "$what: no deletion records: only live rows were restored");
	is( $dst->safe_psql($db, q{
SELECT table_name || ': ' || string_agg(DISTINCT state, ',' ORDER BY state)
FROM segstore.segments GROUP BY table_name ORDER BY table_name::text}),
		"bookings: active\nnotes: active\nreadings: active,full",
		"$what: restored rows are in active segments");

	check_ix_queries($dst, $db, "$what, restored", $truth_pre);
	check_btrees($dst, $db, "$what, restored");
	check_constraints($dst, $db, "$what, restored");

	# seal the restored rows and look again
	$dst->safe_psql($db, q{
SELECT count(*) FROM segstore.seal('readings');
SELECT count(*) FROM segstore.seal('notes');
SELECT count(*) FROM segstore.seal('bookings');
});
	is( $dst->safe_psql($db, q{
SELECT table_name || ': ' || string_agg(DISTINCT state, ',' ORDER BY state)
FROM segstore.segments GROUP BY table_name ORDER BY table_name::text}),
		"bookings: sealed\nnotes: sealed\nreadings: sealed",
		"$what: restored rows sealed");
	compare_snapshots("$what, sealed", snapshot($dst, $db), $before);
	check_ix_queries($dst, $db, "$what, sealed", $truth_pre);
	check_btrees($dst, $db, "$what, sealed");
	check_constraints($dst, $db, "$what, sealed");
}

# ---- the same changes everywhere, then compare again ----

my $changes = q{
DELETE FROM readings WHERE id BETWEEN 601 AND 640 AND id % 3 <> 0 AND id % 10 <> 0;
UPDATE readings SET val = 975, kind = 'post', attrs = '{"post": true}' WHERE id BETWEEN 700 AND 712;
UPDATE readings SET ts = ts - interval '20 days', tags = coalesce(tags, '{}') || 300
WHERE id BETWEEN 800 AND 806;
UPDATE readings SET code = 'C-renamed-' || id WHERE id BETWEEN 900 AND 903;
INSERT INTO readings VALUES (200001, '2024-03-20 00:00+00', 1, 'C-post-1', 'post', 960,
  '{"post": true}', '{300}', tsrange('2024-03-20', '2024-03-21'), box '((5,5),(6,6))');
DELETE FROM notes WHERE reading IN (60, 90);
UPDATE notes SET device = device % 10 + 1, body = 'changed' WHERE reading BETWEEN 30 AND 45;
UPDATE notes SET reading = 200001 WHERE reading = 300;
DELETE FROM bookings WHERE room BETWEEN 20 AND 22;
INSERT INTO bookings VALUES ('2024-03-01 21:00+00', 521, tstzrange('2024-03-01 21:00+00', '2024-03-01 21:30+00'));
INSERT INTO alerts VALUES (41, 200001, 'post');
};
$src->safe_psql('tsdb', $changes);
$dst->safe_psql($_, $changes) for sort keys %restored;

my $after = snapshot($src, 'tsdb');
is( $src->safe_psql('tsdb', q{
SELECT (SELECT count(*) FROM readings) || ' ' || (SELECT count(*) FROM notes) || ' '
    || (SELECT count(*) FROM bookings) || ' ' || (SELECT count(*) FROM alerts)}),
	'1680 88 126 41', 'source after the changes: row counts');
my $truth_post = source_truth('post');
check_ix_queries($src, 'tsdb', 'source, changed', $truth_post);
check_btrees($src, 'tsdb', 'source, changed');
for my $db (sort keys %restored)
{
	my $what = "$db ($restored{$db}), changed";
	compare_snapshots($what, snapshot($dst, $db), $after);
	check_ix_queries($dst, $db, $what, $truth_post);
	check_btrees($dst, $db, $what);
}

# ---- logs ----

# the ERRORs in a server log, with the number of times each occurs
sub log_errors
{
	my ($node) = @_;
	my %n;
	$n{$_}++ for slurp_file($node->logfile) =~ /^.*?ERROR:  (.*)$/mg;
	return \%n;
}
sub expected_log_errors
{
	my ($times) = @_;
	my %n;
	for my $c (@expected_errors)
	{
		my $e = $c->[2];
		my $msg = ref $e eq 'Regexp'
		  ? 'new row for relation "readings" violates check constraint "readings_val_check"'
		  : ($e =~ /^ERROR:  (.*)$/m)[0];
		$n{$msg} += $times;
	}
	return \%n;
}
is_deeply(log_errors($src), expected_log_errors(1),
	'source server log: exactly the ERRORs of the refused statements');
is_deeply(log_errors($dst), expected_log_errors(6),
	'target server log: exactly the ERRORs of the refused statements');
for my $node ($src, $dst)
{
	unlike(slurp_file($node->logfile), qr/terminated by signal/, $node->name . ': no backend crashed');
}

$src->stop;
$dst->stop;
done_testing();
