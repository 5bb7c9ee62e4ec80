# Durability of COPY loads across a crash (immediate shutdown).
#
# Several sessions load one segstore table concurrently with COPY FROM
# STDIN.  Some commit, one aborts, one is left idle in an open transaction
# that has inserted rows, and one is left in the middle of a COPY.  After
# an immediate shutdown and restart exactly the committed rows must be
# visible, every one intact (v = md5(k::text)), and row numbers (TIDs)
# must never be handed out again: new rows continue in a fresh chunk past
# every chunk logged before the crash.
use strict;
use warnings;
use Digest::MD5 qw(md5_hex);
use File::Basename qw(dirname);
use Time::HiRes qw(usleep);
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $CHUNK_ROWS = 65536;
my $ROWS_PER_BLOCK = 291;
my $TS_A = '2024-03-01 12:00:00+00';    # bucket A (default interval: 1 day)
my $TS_B = '2024-03-02 12:00:00+00';    # bucket B

my $node = PostgreSQL::Test::Cluster->new('crash_copy');
$node->init;
$node->append_conf('postgresql.conf', "shared_preload_libraries = 'segstore'");
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION segstore');
$node->safe_psql('postgres',
	'CREATE TABLE t (ts timestamptz NOT NULL, k int NOT NULL, v text NOT NULL) USING segstore'
);

# row number of a row, from its ctid (n/291, n%291+1)
my $ROWNUM = "((ctid::text::point)[0] * $ROWS_PER_BLOCK + (ctid::text::point)[1] - 1)::bigint";

# COPY text input for keys $from..$to (no terminator)
sub copy_rows
{
	my ($from, $to, $ts) = @_;
	return join('', map { "$ts\t$_\t" . md5_hex($_) . "\n" } $from .. $to);
}

sub copy_cmd
{
	my ($from, $to, $ts) = @_;
	return "COPY t (ts, k, v) FROM STDIN;\n" . copy_rows($from, $to, $ts) . "\\.\n";
}

# (BackgroundPsql::query appends "\n;\n" to a query, and psql 15 stops
# executing -f - input after an empty query that follows COPY FROM STDIN,
# so COPYs go through run_parallel, which appends only "\echo".)
# Queue input on several background sessions at once and pump them all
# until each has echoed its tag; they run concurrently on the server.
my $tagno = 0;

sub run_parallel
{
	my @jobs = @_;    # [session, sql], ...
	my @pending;
	for my $job (@jobs)
	{
		my ($s, $sql) = @$job;
		my $tag = 'parallel_done_' . ++$tagno;
		$s->{stdout} = '';
		$s->{stderr} = '';
		$s->{stdin} .= "$sql\n\\echo '$tag'\n";
		push @pending, [ $s, $tag ];
	}
	my $deadline = time + $PostgreSQL::Test::Utils::timeout_default;
	my @all = @pending;
	while (@pending)
	{
		for my $p (@pending)
		{
			$p->[0]{run}->pump_nb;
			die "background psql exited: $p->[0]{stderr}"
			  unless $p->[0]{run}->pumpable;
		}
		@pending = grep { $_->[0]{stdout} !~ /$_->[1]\n/ } @pending;
		die "timed out waiting for parallel sessions" if time > $deadline;
		usleep(20_000) if @pending;
	}
	for my $p (@all)
	{
		is($p->[0]{stderr}, '', "no error in parallel session ($p->[1])");
		$p->[0]{stdout} = '';
	}
}

my @s = map { $node->background_psql('postgres') } 1 .. 4;

# Phase A: three autocommit COPYs at the same time into one bucket.
run_parallel(
	[ $s[0], copy_cmd(1,    4000,  $TS_A) ],
	[ $s[1], copy_cmd(4001, 8000,  $TS_A) ],
	[ $s[2], copy_cmd(8001, 12000, $TS_A) ]);

# Phase B: two transactions load concurrently (one into both buckets)
# while an autocommit COPY and a transaction that rolls back run too.
$_->query_safe('BEGIN') for ($s[0], $s[1], $s[3]);
run_parallel(
	[ $s[0], copy_cmd(12001, 15000, $TS_A) ],
	[ $s[1], copy_cmd(15001, 16500, $TS_A) . copy_cmd(16501, 18000, $TS_B) ],
	[ $s[2], copy_cmd(18001, 20000, $TS_B) ],
	[ $s[3], copy_cmd(20001, 21000, $TS_A) ]);
run_parallel([ $s[0], 'COMMIT;' ], [ $s[1], 'COMMIT;' ],
	[ $s[3], 'ROLLBACK;' ]);

my $committed = 20000;
is($node->safe_psql('postgres', 'SELECT count(*) FROM t'),
	$committed, 'committed rows visible before the crash');

# An open transaction that inserted rows (by COPY and INSERT) and is idle.
my $u1 = $node->background_psql('postgres');
$u1->query_safe('BEGIN');
run_parallel([ $u1, copy_cmd(100001, 103000, $TS_A) ]);
$u1->query_safe(
	"INSERT INTO t SELECT '$TS_B', k, md5(k::text) FROM generate_series(103001, 104000) k"
);
is($u1->query_safe('SELECT count(*) FROM t'),
	$committed + 4000, 'open transaction sees its own rows');

# A COPY in progress: the data is sent but never terminated.
my $u2 = $node->background_psql('postgres');
$u2->{stdin} .= "COPY t (ts, k, v) FROM STDIN;\n" . copy_rows(200001, 205000, $TS_A);
my $processed = 0;
my $deadline = time + $PostgreSQL::Test::Utils::timeout_default;
while (1)
{
	$u2->{run}->pump_nb;
	$processed = $node->safe_psql('postgres',
		"SELECT coalesce(max(tuples_processed), 0) FROM pg_stat_progress_copy WHERE relid = 't'::regclass"
	);
	last if $u2->{stdin} eq '' && $processed >= 4000;
	die "COPY in progress did not get going (processed $processed)"
	  if time > $deadline;
	usleep(50_000);
}
note "COPY in progress has processed $processed rows";
is($node->safe_psql('postgres', 'SELECT count(*) FROM t'),
	$committed, 'rows of unfinished transactions are invisible to others');

# State before the crash: the largest committed row number and how many
# row-number chunks the table has handed out (committed or not).
my $max_committed_rownum =
  $node->safe_psql('postgres', "SELECT max($ROWNUM) FROM t");
my @files = split /\n/,
  $node->safe_psql('postgres',
	"SELECT file FROM segstore.segments WHERE table_name = 't'::regclass ORDER BY segment_id"
  );
cmp_ok(scalar(@files), '>=', 3, 'concurrent writers used several segments');
my $table_dir = $node->data_dir . '/' . dirname($files[0]);
my $chunk_log_size = -s "$table_dir/chunks";
is($chunk_log_size % 16, 0, 'chunk log holds whole entries');
my $chunks_before = $chunk_log_size / 16;
note "before crash: $chunks_before chunks, max committed row number $max_committed_rownum";
cmp_ok($max_committed_rownum, '<', $chunks_before * $CHUNK_ROWS,
	'committed row numbers lie in logged chunks');

$node->stop('immediate');
$_->{run}->kill_kill for (@s, $u1, $u2);
$node->start;

is($node->safe_psql('postgres', 'SELECT count(*) FROM t'),
	$committed, 'after crash: exactly the committed rows');
is( $node->safe_psql('postgres',
		'SELECT count(*), count(DISTINCT k), min(k), max(k), sum(k) FROM t'),
	join('|', $committed, $committed, 1, $committed, $committed * ($committed + 1) / 2),
	'after crash: exactly the committed keys, each once');
is($node->safe_psql('postgres', 'SELECT count(*) FROM t WHERE v <> md5(k::text)'),
	'0', 'after crash: no partial or damaged row');
is( $node->safe_psql('postgres',
		"SELECT count(*) FILTER (WHERE ts = '$TS_A'), count(*) FILTER (WHERE ts = '$TS_B') FROM t"
	),
	'16500|3500',
	'after crash: rows per bucket');
is($node->safe_psql('postgres', 'SELECT count(DISTINCT ctid) = count(*) FROM t'),
	't', 'after crash: ctids distinct');
is($node->safe_psql('postgres', "SELECT max($ROWNUM) FROM t"),
	$max_committed_rownum, 'after crash: committed rows keep their ctids');
cmp_ok(
	$node->safe_psql('postgres',
		"SELECT sum(row_count) FROM segstore.segments WHERE table_name = 't'::regclass"
	),
	'>=', $committed,
	'segments hold at least the committed rows');

# New rows after the restart: one writer first, so its first row number is
# the first of the first chunk after every chunk logged before the crash.
$node->safe_psql('postgres',
	"INSERT INTO t SELECT '$TS_A', k, md5(k::text) FROM generate_series(30001, 31000) k"
);
is($node->safe_psql('postgres', 'SELECT count(*) FROM t'),
	$committed + 1000, 'count after insert following the crash');
is($node->safe_psql('postgres', 'SELECT count(*) FROM t WHERE k > 100000'),
	'0', 'crashed transactions stay invisible after a new commit');
my $first_new = $node->safe_psql('postgres',
	"SELECT min($ROWNUM) FROM t WHERE k BETWEEN 30001 AND 31000");
is($first_new, $chunks_before * $CHUNK_ROWS,
	'first row after the crash starts a fresh chunk past all logged chunks');
is($first_new % $CHUNK_ROWS, 0, 'first new row number is a chunk start');
cmp_ok($first_new, '>', $max_committed_rownum,
	'new row numbers are beyond all committed ones');
is( $node->safe_psql('postgres',
		"SELECT max($ROWNUM) - min($ROWNUM), count(DISTINCT ctid) FROM t WHERE k BETWEEN 30001 AND 31000"
	),
	'999|1000',
	'one writer numbers its rows consecutively');

# Then several concurrent writers into both buckets.
@s = map { $node->background_psql('postgres') } 1 .. 3;
run_parallel(
	[ $s[0], copy_cmd(40001, 42000, $TS_A) ],
	[ $s[1], copy_cmd(42001, 44000, $TS_A) ],
	[ $s[2], copy_cmd(44001, 45000, $TS_A) . copy_cmd(45001, 46000, $TS_B) ]);
$_->quit for @s;

my $total = $committed + 1000 + 6000;
is($node->safe_psql('postgres', 'SELECT count(*) FROM t'),
	$total, 'count after concurrent loads following the crash');
is($node->safe_psql('postgres', 'SELECT count(DISTINCT ctid) = count(*) FROM t'),
	't', 'all ctids distinct');
is( $node->safe_psql('postgres',
		"SELECT count(*) FROM t WHERE k BETWEEN 30001 AND 46000 AND $ROWNUM < $chunks_before * $CHUNK_ROWS"
	),
	'0',
	'no new row reuses a row number of before the crash');
my $chunks_now = (-s "$table_dir/chunks") / 16;
is( $node->safe_psql('postgres',
		"SELECT count(*) FROM t WHERE $ROWNUM >= $chunks_now * $CHUNK_ROWS"),
	'0',
	'every row number lies in a logged chunk');
is($node->safe_psql('postgres', 'SELECT count(*) FROM t WHERE v <> md5(k::text)'),
	'0', 'no damaged row');

# A clean restart changes nothing.
$node->restart;
is( $node->safe_psql('postgres',
		'SELECT count(*), count(DISTINCT ctid), count(*) FILTER (WHERE v <> md5(k::text)), sum(k) FROM t'
	),
	join('|',
		$total, $total, 0,
		$committed * ($committed + 1) / 2 +
		  (30001 + 31000) * 1000 / 2 +
		  (40001 + 46000) * 6000 / 2),
	'after a clean restart: same rows');
# The crashed transactions' xids were never WAL-logged by segstore; if the
# server hands them out again after the restart, a new transaction that
# commits with the same xid would make the crashed rows visible.
is( $node->safe_psql('postgres',
		'SELECT count(*) FROM t WHERE k > 100000'),
	'0', 'rows of the crashed transactions never appear');

$node->stop;
my $log = slurp_file($node->logfile);
unlike($log, qr/terminated by signal/, 'no backend was terminated by a signal');
unlike($log, qr/PANIC|TRAP:/, 'no PANIC or assertion failure');

done_testing();
