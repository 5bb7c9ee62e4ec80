# segstore maintenance scheduled with pg_cron.
#
# A server preloading pg_cron and segstore runs the README's job
#
#   SELECT cron.schedule('segstore', '* * * * *', 'SELECT segstore.run_maintenance()');
#
# on a table with a retention policy of one day and 2024 data, sealed
# into several segments (plus an active one).  The first scheduled run
# (pg_cron starts jobs on the minute), through pg_cron's default libpq
# connection, succeeds, seals the active segment and evicts every
# segment: the table is empty and has no segments left.  Their files
# stay until a later run (the run's caller may still read them).  The
# server is restarted with cron.use_background_workers = on; the second
# scheduled run, in pg_cron's own background worker, removes the files,
# leaving only the chunk log.  Skipped when pg_cron is not installed.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(usleep);

my $node = PostgreSQL::Test::Cluster->new('pg_cron');
my $sharedir = $node->config_data('--sharedir');
plan skip_all => "pg_cron is not installed ($sharedir/extension/pg_cron.control is missing)"
  unless -f "$sharedir/extension/pg_cron.control";

$node->init;
# pg_cron runs a job through a libpq connection to cron.host (default
# localhost); the test server listens on its Unix socket only.
$node->append_conf('postgresql.conf',
	"shared_preload_libraries = 'pg_cron,segstore'\n"
	  . "cron.database_name = 'postgres'\n"
	  . "cron.host = '" . $node->host . "'\n"
	  . "autovacuum = off\n"
	  . "timezone = 'UTC'\n");
$node->start;

sub sql
{
	my ($q) = @_;
	return $node->safe_psql('postgres', $q);
}

sql('CREATE EXTENSION pg_cron');
sql('CREATE EXTENSION segstore');
my $dboid = sql("SELECT oid FROM pg_database WHERE datname = 'postgres'");

# three daily buckets of 2024, sealed into three segments, plus a fourth
# segment, active, in a fourth bucket
sql("CREATE TABLE metrics (ts timestamptz NOT NULL, device int NOT NULL, v float8) USING segstore");
sql("INSERT INTO metrics SELECT '2024-06-01 00:00:00+00'::timestamptz + (k % 3) * interval '1 day' + k * interval '1 second', "
	  . "k % 10, k FROM generate_series(1, 3000) k");
is(sql("SELECT count(*), sum(row_count) FROM segstore.seal('metrics')"),
	'3|3000', 'three segments sealed');
sql("INSERT INTO metrics SELECT '2024-06-10 00:00:00+00'::timestamptz + k * interval '1 second', "
	  . "k % 10, k FROM generate_series(1, 500) k");
sql("SELECT segstore.set_policy('metrics', retention => '1 day')");
is( sql("SELECT string_agg(state || ':' || row_count, ',' ORDER BY segment_id) FROM segstore.segments WHERE table_name = 'metrics'::regclass"),
	'sealed:1000,sealed:1000,sealed:1000,active:500',
	'three sealed segments and one active one');
is(sql('SELECT count(*) FROM metrics'), '3500', '3500 rows');
my $relfilenode = sql("SELECT pg_relation_filenode('metrics')");
my $dir = $node->data_dir . "/pg_segstore/$dboid/$relfilenode";

sub dir_listing
{
	opendir(my $dh, $dir) or die "opendir $dir: $!";
	my @names = sort grep { $_ ne '.' && $_ ne '..' } readdir $dh;
	closedir $dh;
	return join(' ', @names);
}
like(dir_listing(), qr/\.seal .*\.act|\.act .*\.seal/, 'the table has sealed and active files');

my $jobid = sql(
	"SELECT cron.schedule('segstore', '* * * * *', 'SELECT segstore.run_maintenance()')");
like($jobid, qr/^\d+$/, 'maintenance job scheduled');

# Wait (at most $limit seconds) for the job's run number $n to finish;
# returns its status and return message.
sub wait_for_run
{
	my ($n, $limit) = @_;
	my $deadline = time + $limit;
	while (time < $deadline)
	{
		my $r = sql(
			"SELECT status, return_message FROM cron.job_run_details WHERE jobid = $jobid "
			  . "AND status IN ('succeeded', 'failed') ORDER BY runid OFFSET " . ($n - 1) . " LIMIT 1");
		return split /\|/, $r, 2 if $r ne '';
		usleep(500_000);
	}
	return;
}

my ($status, $message) = wait_for_run(1, 150);
ok(defined $status, 'the job ran within 150 seconds') or diag(sql('SELECT * FROM cron.job_run_details'));
is($status, 'succeeded', 'the first scheduled run succeeded');
# pg_cron 1.4 through libpq reports a statement returning rows as "<n> rows"
like($message, qr/^\d+ rows?$/, 'the first run\'s return message is a row count');
# the active segment sealed, then all four segments evicted
is($message, '5 rows', 'the first run reported one seal and four evictions');
is(sql('SELECT count(*) FROM metrics'), '0', 'after the first run the table is empty');
is(sql("SELECT count(*) FROM segstore.segments WHERE table_name = 'metrics'::regclass"),
	'0', 'after the first run the table has no segments');
is( sql("SELECT count(*) FROM segstore.manifest WHERE relfilenode = $relfilenode AND state = 'evicted'"),
	'4', 'after the first run four evicted manifest rows');
# (the eviction gave the manifest rows of the segments sealed earlier new
# versions, so their superseded active files wait for the next run too)
is( dir_listing() =~ s/\d+_-?\d+\.//gr, 'act seal act seal act seal act seal chunks creator',
	'after the first run the files of the evicted segments are still there (active and sealed)');

# pg_cron's other way of running jobs: in a background worker of its own
# (which then starts the maintenance worker)
$node->append_conf('postgresql.conf', "cron.use_background_workers = on\n");
$node->restart;
is(sql('SHOW cron.use_background_workers'), 'on', 'pg_cron now runs jobs in background workers');

($status, $message) = wait_for_run(2, 150);
ok(defined $status, 'the job ran a second time within 150 seconds');
is($status, 'succeeded', 'the second scheduled run succeeded');
# ... and in a background worker as the command tag
like($message, qr/^SELECT \d+$/, 'the second run\'s return message is a SELECT command tag');
is($message, 'SELECT 1', 'the second run reported one action (the removal of files)');
is(dir_listing(), 'chunks creator', 'after the second run only the chunk log (and the creator file) is left on disk');
is(sql("SELECT count(*) FROM segstore.manifest WHERE relfilenode = $relfilenode"),
	'0', 'after the second run no manifest row is left');

is(sql("SELECT count(*) FROM cron.job_run_details WHERE jobid = $jobid AND status = 'failed'"),
	'0', 'no run failed');
is(sql("SELECT cron.unschedule('segstore')"), 't', 'job unscheduled');
is(sql('SELECT count(*) FROM cron.job'), '0', 'no job left');

# the table keeps working
sql("INSERT INTO metrics SELECT now(), k, k FROM generate_series(1, 10) k");
is(sql('SELECT count(*) FROM metrics'), '10', 'new rows after the eviction are kept');

$node->stop;
my $log = slurp_file($node->logfile);
unlike($log, qr/terminated by signal/, 'no backend was terminated by a signal');
unlike($log, qr/PANIC|TRAP:/, 'no PANIC or assertion failure');

done_testing();
