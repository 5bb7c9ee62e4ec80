# pg_dump and restore of segstore tables, options and policies included.
#
# segstore keeps each table's options in segstore.table_options (an
# extension table pg_dump does not dump) and copies them into
# pg_class.reloptions as "segstore.name=value" entries, which pg_dump
# prints into CREATE TABLE ... WITH ("segstore.name"=value, ...); on
# restore the utility hook takes them out of the statement and stores
# them before any row is loaded.  This test:
#   * builds a database on one server: segstore tables with non-default
#     options (a time column that is not the first time-typed column,
#     6-hour buckets, compression level 9, retention and seal_after set by
#     set_policy and by ALTER TABLE ... SET), defaults, heap options
#     (fillfactor, parallel_workers) next to segstore ones, a table
#     partitioned by ingest time, quoted column names, segstore partitions
#     of a partitioned table, CREATE TABLE AS, a materialized view, and a
#     heap table; rows of many types with NULLs; sealed and active segments;
#   * restores a plain dump with psql and a custom dump with pg_restore
#     (serial and -j 2) into fresh databases of a second, fresh server;
#   * checks each restored database against the source exactly: rows,
#     segstore.tables, segstore.policies, pg_class.reloptions, the buckets
#     the rows landed in, and a schema-only dump of it;
#   * checks that ALTER TABLE ... SET ACCESS METHOD heap and back, and
#     SET/RESET (fillfactor), keep rows and segstore options;
#   * runs segstore.run_maintenance() everywhere: retention evicts the
#     2024 rows, and the databases still agree afterwards;
#   * finds no ERROR in the restore output or the server logs, and no
#     crashed backend.
use strict;
use warnings;
use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $tmp = PostgreSQL::Test::Utils::tempdir;
# output of pg_dump, psql and pg_restore, kept with the other logs
my $logs = $PostgreSQL::Test::Utils::log_path;

sub new_node
{
	my ($name) = @_;
	my $node = PostgreSQL::Test::Cluster->new($name);
	$node->init;
	$node->append_conf('postgresql.conf', "shared_preload_libraries = 'segstore'\n");
	$node->start;
	return $node;
}

my $src = new_node('dump_source');
my $dst = new_node('dump_target');

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

-- the time column is not the first time-typed column (created is a date)
CREATE TABLE metrics (id int, created date, ts timestamptz NOT NULL, host text,
                      payload jsonb, val numeric, tags text[])
  USING segstore WITH (segstore.time_column = 'ts', segstore.segment_interval = '6 hours',
                       segstore.compression_level = 9);
SELECT segstore.set_policy('metrics', retention => '30 days', seal_after => '2 hours');

-- default time column (of type timestamp), retention set by ALTER TABLE
CREATE TABLE logs (ts timestamp NOT NULL, id int, level text, msg text) USING segstore;
ALTER TABLE logs SET (segstore.retention = '7 days');

-- all defaults
CREATE TABLE readings (ts timestamptz, device int, v float8) USING segstore;

-- heap options next to segstore ones
CREATE TABLE tuned (ts timestamptz NOT NULL, id int, body text)
  USING segstore WITH (fillfactor = 70, segstore.max_segment_size = '64kB',
                       segstore.block_size = '8kB', segstore.seal_after = '0');
ALTER TABLE tuned SET (parallel_workers = 2);

-- no time column: partitioned by ingest time
CREATE TABLE ingest_log (id int, note text, amount numeric)
  USING segstore WITH (segstore.seal_after = '90 minutes');

-- names pg_dump has to quote
CREATE TABLE "Odd Names" (id int, "day" date, "Event Time" timestamptz NOT NULL, "time" timestamp)
  USING segstore WITH (segstore.time_column = 'Event Time', segstore.segment_interval = '90 minutes');

-- segstore partitions of a partitioned table
CREATE TABLE events (ts timestamptz NOT NULL, id int, v text) PARTITION BY RANGE (ts);
CREATE TABLE events_2024_01 PARTITION OF events
  FOR VALUES FROM ('2024-01-01 00:00+00') TO ('2024-02-01 00:00+00')
  USING segstore WITH (segstore.segment_interval = '2 hours');
CREATE TABLE events_2024_02 PARTITION OF events
  FOR VALUES FROM ('2024-02-01 00:00+00') TO ('2024-03-01 00:00+00')
  USING segstore;

-- a heap table
CREATE TABLE devices (id int PRIMARY KEY, name text NOT NULL, meta jsonb);
});

$src->safe_psql('tsdb', q{
INSERT INTO devices
SELECT g, 'device ' || g,
       CASE WHEN g % 3 = 0 THEN NULL ELSE jsonb_build_object('rack', g % 4, 'tags', jsonb_build_array('a', g)) END
FROM generate_series(1, 20) g;

-- metrics, first batch: 2024-03-01 to 2024-03-06, sealed below
INSERT INTO metrics
SELECT g, date '2024-01-01' + g % 40,
       timestamptz '2024-03-01 00:00+00' + g * interval '37 minutes',
       CASE WHEN g % 5 = 0 THEN NULL WHEN g % 7 = 0 THEN E'tab\there\nnew line \\\\ back' ELSE 'host-' || g % 3 END,
       CASE WHEN g % 4 = 0 THEN NULL
            ELSE jsonb_build_object('k', g, 's', 'x' || g, 'nested', jsonb_build_object('f', g / 3.0, 'u', 'é✓')) END,
       CASE WHEN g % 6 = 0 THEN NULL WHEN g % 11 = 0 THEN 'NaN' ELSE g / 7.0 END,
       CASE WHEN g % 8 = 0 THEN NULL ELSE ARRAY['a' || g, NULL, 'c''q"uote{,}'] END
FROM generate_series(1, 200) g;

INSERT INTO logs
SELECT timestamp '2024-05-01 00:00' + g * interval '1 hour', g,
       (ARRAY['info', 'warn', NULL])[g % 3 + 1], 'message ' || g || E' é ✓\n' || repeat('z', g % 17)
FROM generate_series(1, 100) g;

INSERT INTO events
SELECT timestamptz '2024-01-01 00:00+00' + g * interval '1 hour', g, CASE WHEN g % 9 = 0 THEN NULL ELSE 'v' || g END
FROM generate_series(0, 999) g;
});

# seal what is there now; later rows land in new active segments
$src->safe_psql('tsdb', q{
SELECT count(*) FROM segstore.seal('metrics');
SELECT count(*) FROM segstore.seal('logs');
SELECT count(*) FROM segstore.seal('events_2024_01');
});

$src->safe_psql('tsdb', q{
-- metrics, second batch: into sealed buckets again, and recent rows
INSERT INTO metrics
SELECT g, NULL, timestamptz '2024-03-02 00:00+00' + (g - 200) * interval '53 minutes', 'late', '[1, "two", null]', -g, '{}'
FROM generate_series(201, 260) g;
INSERT INTO metrics
SELECT g, current_date, date_trunc('hour', now()) - interval '2 days' + (g - 260) * interval '17 minutes',
       'recent', jsonb_build_object('g', g), g * 1000000000000.000001, ARRAY['r']
FROM generate_series(261, 300) g;

INSERT INTO logs
SELECT date_trunc('hour', localtimestamp) - interval '1 day' + g * interval '10 minutes', 100 + g, 'info', 'recent ' || g
FROM generate_series(1, 20) g;

INSERT INTO readings
SELECT timestamptz '2024-02-10 00:00+00' + g * interval '20 minutes', g % 5,
       CASE WHEN g = 7 THEN 'NaN' WHEN g = 8 THEN '-Infinity' WHEN g % 10 = 0 THEN NULL ELSE g * 1.5 END
FROM generate_series(1, 100) g;

-- enough rows to fill several 64kB segments of one bucket
INSERT INTO tuned
SELECT timestamptz '2024-04-01 00:00+00' + g * interval '30 seconds', g, repeat('x', 100) || g
FROM generate_series(1, 2000) g;

INSERT INTO ingest_log
SELECT g, CASE WHEN g % 4 = 0 THEN NULL ELSE 'note ' || g END, g * 0.01
FROM generate_series(1, 30) g;

INSERT INTO "Odd Names"
SELECT g, date '2024-06-01' + g % 3, timestamptz '2024-06-01 00:00+00' + g * interval '25 minutes',
       timestamp '2024-06-01 00:00' + g * interval '1 day'
FROM generate_series(1, 50) g;

-- CREATE TABLE AS and a materialized view using segstore
CREATE TABLE metrics_daily USING segstore WITH (segstore.segment_interval = '7 days') AS
SELECT date_trunc('day', ts, 'UTC') AS day, count(*) AS n, sum(val) AS total
FROM metrics GROUP BY 1;
CREATE MATERIALIZED VIEW host_hours USING segstore WITH (segstore.segment_interval = '12 hours') AS
SELECT date_trunc('hour', ts, 'UTC') AS hour, host, count(*) AS n
FROM metrics GROUP BY 1, 2;
});

# the source has what the test means to have
is( $src->safe_psql('tsdb', q{
SELECT string_agg(DISTINCT state, ',' ORDER BY state) FROM segstore.segments
WHERE table_name = 'metrics'::regclass}),
	'active,sealed', 'source: metrics has sealed and active segments');
is( $src->safe_psql('tsdb', q{
SELECT count(*) FROM (SELECT bucket_start FROM segstore.segments
                      WHERE table_name = 'metrics'::regclass
                      GROUP BY 1 HAVING count(DISTINCT state) = 2) b}),
	'9', 'source: nine metrics buckets have both a sealed and an active segment');
like( $src->safe_psql('tsdb', q{
SELECT string_agg(DISTINCT state, ',' ORDER BY state) FROM segstore.segments
WHERE table_name = 'tuned'::regclass}),
	qr/^active,full$|^full$/, 'source: tuned has full segments');
is( $src->safe_psql('tsdb', q{
SELECT string_agg(format('%s=%s', table_name, time_column), ' ' ORDER BY table_name::text COLLATE "C") FROM segstore.tables}),
	'"Odd Names"=Event Time events_2024_01=ts events_2024_02=ts host_hours=hour ingest_log= logs=ts '
	  . 'metrics=ts metrics_daily=day readings=ts tuned=ts',
	'source: time columns');
is( $src->safe_psql('tsdb', q{SELECT reloptions FROM pg_class WHERE oid = 'tuned'::regclass}),
	'{fillfactor=70,parallel_workers=2,segstore.time_column=ts,segstore.max_segment_size=65536,'
	  . '"segstore.seal_after=0 days",segstore.block_size=8192}',
	'source: heap and segstore reloptions side by side');

# ---- comparisons ----

# Everything compared between databases, as name => text.
sub snapshot
{
	my ($node, $db) = @_;
	my %s;

	$s{reloptions} = $node->safe_psql($db, q{
SELECT c.relname, c.relkind, am.amname, c.reloptions
FROM pg_class c LEFT JOIN pg_am am ON am.oid = c.relam
WHERE c.relnamespace = 'public'::regnamespace
ORDER BY c.relname});
	$s{'segstore.tables'} = $node->safe_psql($db,
		q{SELECT t::text FROM segstore.tables t ORDER BY table_name::text});
	$s{'segstore.policies'} = $node->safe_psql($db,
		q{SELECT p::text FROM segstore.policies p ORDER BY table_name::text});
	# rows per bucket of the tables that have a time column
	$s{buckets} = $node->safe_psql($db, q{
SELECT s.table_name, s.bucket_start, s.bucket_end, sum(s.row_count)
FROM segstore.segments s JOIN segstore.tables t USING (table_name)
WHERE t.time_column IS NOT NULL
GROUP BY 1, 2, 3 ORDER BY s.table_name::text, 2});
	# buckets that do not follow the table's options (none expected)
	$s{misaligned_buckets} = $node->safe_psql($db, q{
SELECT s.table_name, s.bucket_start, s.bucket_end
FROM segstore.segments s JOIN segstore.tables t USING (table_name)
WHERE s.bucket_end - s.bucket_start <> t.segment_interval
   OR (t.time_column IS NOT NULL AND
       (extract(epoch FROM s.bucket_start) - extract(epoch FROM timestamptz '2000-01-01 00:00+00'))
         % extract(epoch FROM t.segment_interval) <> 0)});
	# every table's rows
	my @tables = split /\n/, $node->safe_psql($db, q{
SELECT c.oid::regclass FROM pg_class c
WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p', 'm')
ORDER BY c.relname});
	for my $t (@tables)
	{
		$s{"rows of $t"} = $node->safe_psql($db, qq{
SELECT count(*), md5(coalesce(string_agg(r::text, E'\\n' ORDER BY r::text), '')) FROM $t r});
	}
	return \%s;
}

sub compare_snapshots
{
	my ($what, $got, $expected) = @_;
	is_deeply([ sort keys %$got ], [ sort keys %$expected ], "$what: same set of tables");
	for my $k (sort keys %$expected)
	{
		is($got->{$k}, $expected->{$k}, "$what: $k");
	}
}

my $before = snapshot($src, 'tsdb');
is($before->{misaligned_buckets}, '', 'source: buckets follow the options');
is($before->{'rows of metrics'}, '300|' . $src->safe_psql('tsdb',
	q{SELECT md5(string_agg(r::text, E'\n' ORDER BY r::text)) FROM metrics r}),
	'source: snapshot reads every row');

# ---- dumps ----

my $srcdb = $src->connstr('tsdb');
run_tool('pg_dump -Fp', "$logs/010_pg_dump_plain.log",
	'pg_dump', '-Fp', '-f', "$tmp/tsdb.sql", '-d', $srcdb);
run_tool('pg_dump -Fc', "$logs/010_pg_dump_custom.log",
	'pg_dump', '-Fc', '-f', "$tmp/tsdb.dump", '-d', $srcdb);

my $plain = slurp_file("$tmp/tsdb.sql");
my @with = $plain =~ /^(WITH \(.*)$/mg;
sub dumped_with
{
	my ($expected, $name) = @_;
	ok((grep { $_ eq $expected } @with), "plain dump: $name")
	  or diag("WITH lines of the dump:\n" . join("\n", @with));
}
dumped_with(q{WITH ("segstore.time_column"=ts, "segstore.segment_interval"='6 hours', "segstore.seal_after"='2 hours', "segstore.retention"='30 days', "segstore.compression_level"='9');},
	'metrics options in CREATE TABLE ... WITH');
dumped_with(q{WITH ("segstore.time_column"=ts, "segstore.retention"='7 days');}, 'logs options');
dumped_with(q{WITH (fillfactor='70', parallel_workers='2', "segstore.time_column"=ts, "segstore.max_segment_size"='65536', "segstore.seal_after"='0 days', "segstore.block_size"='8192');},
	'tuned options, heap ones first');
dumped_with(q{WITH ("segstore.time_column"='Event Time', "segstore.segment_interval"='90 minutes');},
	'a time column name that needs quoting');
dumped_with(q{WITH ("segstore.time_column"='', "segstore.seal_after"='90 minutes');}, 'ingest_log: empty time column (ingest time) written out');
dumped_with(q{WITH ("segstore.time_column"=hour, "segstore.segment_interval"='12 hours') AS},
	'materialized view options');
unlike($plain, qr/table_options/, 'plain dump: segstore.table_options is not dumped');

# ---- restores, on a second server ----

my %restored;

$dst->safe_psql('postgres', 'CREATE DATABASE r_plain');
run_tool('psql restore of the plain dump', "$logs/010_restore_plain.log",
	'psql', '-X', '-v', 'ON_ERROR_STOP=1', '-d', $dst->connstr('r_plain'),
	'-f', "$tmp/tsdb.sql");
$restored{r_plain} = 'plain dump, psql';

$dst->safe_psql('postgres', 'CREATE DATABASE r_custom');
run_tool('pg_restore of the custom dump', "$logs/010_restore_custom.log",
	'pg_restore', '--exit-on-error', '-d', $dst->connstr('r_custom'), "$tmp/tsdb.dump");
$restored{r_custom} = 'custom dump, pg_restore';

$dst->safe_psql('postgres', 'CREATE DATABASE r_parallel');
run_tool('pg_restore -j 2 of the custom dump', "$logs/010_restore_parallel.log",
	'pg_restore', '--exit-on-error', '-j', '2', '-d', $dst->connstr('r_parallel'),
	"$tmp/tsdb.dump");
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
	my $after = snapshot($dst, $db);

	compare_snapshots($what, $after, $before);
	is($after->{misaligned_buckets}, '', "$what: buckets follow the restored options");
	is( $dst->safe_psql($db, q{
SELECT count(DISTINCT bucket_start) || ' ' || min(bucket_end - bucket_start) || ' ' || max(bucket_end - bucket_start)
FROM segstore.segments WHERE table_name = 'metrics'::regclass}),
		$src->safe_psql('tsdb', q{SELECT count(DISTINCT bucket_start) FROM segstore.segments
		                          WHERE table_name = 'metrics'::regclass}) . ' 06:00:00 06:00:00',
		"$what: metrics rows in the source's 6-hour buckets");
	cmp_ok( $dst->safe_psql($db, q{
SELECT count(*) FROM segstore.segments
WHERE table_name = 'tuned'::regclass AND state = 'full'}),
		'>=', 3, "$what: max_segment_size of tuned applies to the restored rows");
	is( $dst->safe_psql($db, q{SELECT count(*) FROM segstore.table_options o
	                           JOIN pg_class c ON c.oid = o.relid}),
		'10', "$what: a stored options row per segstore table");
	is(schema_dump($dst, $db), $src_schema, "$what: schema-only dump equals the source's");
}

# ---- ALTER TABLE on restored tables keeps the options ----

my $db = 'r_plain';
sub one
{
	my ($sql) = @_;
	return $dst->safe_psql($db, $sql);
}

for my $t (qw(metrics tuned))
{
	my $opts = one(qq{SELECT t::text FROM segstore.tables t WHERE table_name = '$t'::regclass});
	my $relopts = one(qq{SELECT reloptions FROM pg_class WHERE oid = '$t'::regclass});
	my $rows = $before->{"rows of $t"};

	one(qq{ALTER TABLE $t SET ACCESS METHOD heap});
	is(one(qq{SELECT amname FROM pg_class c JOIN pg_am am ON am.oid = c.relam WHERE c.oid = '$t'::regclass}),
		'heap', "$t: now heap");
	is( one(qq{SELECT count(*), md5(string_agg(r::text, E'\\n' ORDER BY r::text)) FROM $t r}),
		$rows, "$t: heap has the same rows");
	is(one(qq{SELECT count(*) FROM segstore.tables WHERE table_name = '$t'::regclass}),
		'0', "$t: not listed in segstore.tables as heap");
	is( one(qq{SELECT reloptions FROM pg_class WHERE oid = '$t'::regclass}),
		$t eq 'tuned' ? '{fillfactor=70,parallel_workers=2}' : '',
		"$t: heap keeps only the heap reloptions");

	one(qq{ALTER TABLE $t SET ACCESS METHOD segstore});
	is(one(qq{SELECT t::text FROM segstore.tables t WHERE table_name = '$t'::regclass}),
		$opts, "$t: segstore options back after heap and back");
	is(one(qq{SELECT reloptions FROM pg_class WHERE oid = '$t'::regclass}),
		$relopts, "$t: reloptions back after heap and back");
	is( one(qq{SELECT count(*), md5(string_agg(r::text, E'\\n' ORDER BY r::text)) FROM $t r}),
		$rows, "$t: same rows after heap and back");
}
is( one(q{
SELECT s.table_name, s.bucket_start, s.bucket_end, sum(s.row_count)
FROM segstore.segments s WHERE table_name = 'metrics'::regclass
GROUP BY 1, 2, 3 ORDER BY 2}),
	join("\n", grep { /^metrics\|/ } split /\n/, $before->{buckets}),
	'metrics: rows rewritten into the same 6-hour buckets');

my $metrics_opts = one(q{SELECT t::text FROM segstore.tables t WHERE table_name = 'metrics'::regclass});
one(q{ALTER TABLE metrics SET (fillfactor = 50)});
is( one(q{SELECT reloptions FROM pg_class WHERE oid = 'metrics'::regclass}),
	'{fillfactor=50,segstore.time_column=ts,"segstore.segment_interval=6 hours",'
	  . '"segstore.seal_after=2 hours","segstore.retention=30 days",segstore.compression_level=9}',
	'SET (fillfactor) adds to the segstore reloptions');
is(one(q{SELECT t::text FROM segstore.tables t WHERE table_name = 'metrics'::regclass}),
	$metrics_opts, 'SET (fillfactor) keeps the segstore options');
one(q{ALTER TABLE metrics RESET (fillfactor)});
is( one(q{SELECT reloptions FROM pg_class WHERE oid = 'metrics'::regclass}),
	'{segstore.time_column=ts,"segstore.segment_interval=6 hours",'
	  . '"segstore.seal_after=2 hours","segstore.retention=30 days",segstore.compression_level=9}',
	'RESET (fillfactor) leaves the segstore reloptions');
is(one(q{SELECT t::text FROM segstore.tables t WHERE table_name = 'metrics'::regclass}),
	$metrics_opts, 'RESET (fillfactor) keeps the segstore options');
one(q{ALTER TABLE readings SET (fillfactor = 50, segstore.compression_level = 3)});
is( one(q{SELECT reloptions FROM pg_class WHERE oid = 'readings'::regclass}),
	'{fillfactor=50,segstore.time_column=ts,segstore.compression_level=3}',
	'heap and segstore options set in one ALTER TABLE');
one(q{ALTER TABLE readings RESET (fillfactor, segstore.compression_level)});
is( one(q{SELECT reloptions FROM pg_class WHERE oid = 'readings'::regclass}),
	'{segstore.time_column=ts}', 'and reset in one ALTER TABLE');
is(one(q{SELECT count(*) FROM tuned}), '2000', 'tuned still readable');
is(snapshot($dst, $db)->{'rows of metrics'}, $before->{'rows of metrics'},
	'metrics rows unchanged by the ALTER TABLEs');

# ---- maintenance: retention evicts the 2024 rows everywhere ----

my %after_maintenance;
for my $pair ([ $src, 'tsdb' ], map { [ $dst, $_ ] } sort keys %restored)
{
	my ($node, $d) = @$pair;
	# wait for a table autovacuum may be analyzing rather than skip it
	my $report = $node->safe_psql($d, q{
SET lock_timeout = '5min';
CREATE TEMP TABLE m AS SELECT * FROM segstore.run_maintenance();
SELECT (SELECT count(*) FROM m WHERE action LIKE 'error%' OR action LIKE 'skipped%') || ' '
    || (SELECT count(*) > 0 FROM m WHERE action = 'evict' AND table_name = 'metrics'::regclass) || ' '
    || (SELECT count(*) > 0 FROM m WHERE action = 'evict' AND table_name = 'logs'::regclass) || ' '
    || (SELECT count(*) FROM m WHERE action = 'evict'
        AND table_name NOT IN ('metrics'::regclass, 'logs'::regclass));
});
	is($report, '0 true true 0',
		"$d: run_maintenance evicts from metrics and logs only, without errors");
	is( $node->safe_psql($d, q{
SELECT (SELECT count(*) FROM metrics) || ' ' || (SELECT count(*) FROM metrics WHERE ts < now() - interval '30 days')
    || ' ' || (SELECT count(*) FROM logs) || ' ' || (SELECT count(*) FROM logs WHERE ts < localtimestamp - interval '7 days')
    || ' ' || (SELECT count(*) FROM readings) || ' ' || (SELECT count(*) FROM events)}),
		'40 0 20 0 100 1000', "$d: expired rows are gone, the rest stays");
	$after_maintenance{$d} = snapshot($node, $d);
}
for my $d (sort keys %restored)
{
	my %got = %{ $after_maintenance{$d} };
	my %expected = %{ $after_maintenance{tsdb} };
	# segment lists differ now (sealed and evicted at different moments)
	delete $got{buckets};
	delete $expected{buckets};
	compare_snapshots("$d after maintenance", \%got, \%expected);
}

# ---- logs ----

for my $node ($src, $dst)
{
	my $contents = slurp_file($node->logfile);
	unlike($contents, qr/terminated by signal/, $node->name . ': no backend crashed');
	unlike($contents, qr/^.*ERROR:.*$/m, $node->name . ': no ERROR in the server log');
}

$src->stop;
$dst->stop;
done_testing();
