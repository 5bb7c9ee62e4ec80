# Crash safety of DELETE, UPDATE, row locks and a primary key index.
#
# A segstore table with a primary key has rows in sealed segments (two
# buckets sealed, one of them with late rows in a new active segment) and
# in active segments.  For each of three ways of crashing (immediate
# shutdown, SIGKILL to the postmaster alone, SIGKILL to the postmaster and
# all its children; see crash_and_restart):
#   (a) committed DELETEs and UPDATEs (of v, of the time column, moving
#       rows between sealed and active buckets and to a new bucket, of the
#       key; single rows and ranges; several changes of one row in one
#       transaction; inserts deleted again) survive the crash exactly;
#   (b) the DELETEs, UPDATEs, upserts, inserts and row locks of a
#       transaction left open at the crash are gone: every row is there
#       unchanged, its key still taken, and new UPDATEs and DELETEs of
#       those rows neither wait nor fail;
#   (c) VACUUM after the restart works: the index keeps exactly the live
#       rows' entries, the row locks of the crashed transaction go.
# After every restart, VACUUM and change, the table's rows are compared
# with a model kept here, exactly, through four access paths: segment
# scan, plain sequential scan, index scan and bitmap scan of the primary
# key.
use strict;
use warnings;
use Time::HiRes qw(usleep);
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('modify_crash');
$node->init;
$node->append_conf('postgresql.conf',
	"shared_preload_libraries = 'segstore'\n"
	  . "autovacuum = off\n"
	  . "max_parallel_workers_per_gather = 0\n");
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION segstore');

# Buckets (default interval: one day), as epoch seconds (UTC midnight).
my $A = 1709251200;    # 2024-03-01
my $B = $A + 86400;    # 2024-03-02
my $C = $B + 86400;    # 2024-03-03

# The model: k => [epoch of ts, v].
my %model;

sub ts_sql { return "to_timestamp($_[0])"; }

sub load_rows
{
	my ($from, $to, $base) = @_;    # ts = base + (k - from + 1) minutes
	$node->safe_psql('postgres',
		"INSERT INTO t SELECT to_timestamp($base + (k - $from + 1) * 60), k, k * 10 "
		  . "FROM generate_series($from, $to) k");
	$model{$_} = [ $base + ($_ - $from + 1) * 60, $_ * 10 ] for $from .. $to;
}

$node->safe_psql('postgres',
	'CREATE TABLE t (ts timestamptz NOT NULL, k int PRIMARY KEY, v int) USING segstore');
load_rows(1,    1000, $A);
load_rows(1001, 2000, $B);
is($node->safe_psql('postgres', "SELECT count(*), sum(row_count) FROM segstore.seal('t')"),
	'2|2000', 'buckets A and B sealed');
load_rows(2001, 3000, $C);
# late rows of bucket A: a new active segment of a sealed bucket
load_rows(3001, 3100, $A + 20 * 3600);
is( $node->safe_psql('postgres',
		"SELECT string_agg(state || ':' || to_char(bucket_start AT TIME ZONE 'UTC', 'MM-DD'), ',' ORDER BY bucket_start, state) "
		  . "FROM segstore.table_segments('t')"),
	'active:03-01,sealed:03-01,sealed:03-02,active:03-03',
	'rows in sealed and active segments');

my $ROWS = "SELECT k, extract(epoch FROM ts)::bigint, v FROM t";
my %paths = (
	'segment scan' => 'SET enable_indexscan = off; SET enable_bitmapscan = off;',
	'sequential scan' =>
	  'SET segstore.enable_segment_scan = off; SET enable_indexscan = off; SET enable_bitmapscan = off;',
	'index scan' =>
	  'SET segstore.enable_segment_scan = off; SET enable_seqscan = off; SET enable_bitmapscan = off;',
	'bitmap scan' =>
	  'SET segstore.enable_segment_scan = off; SET enable_seqscan = off; SET enable_indexscan = off;');
my %plan_node = (
	'segment scan' => qr/Custom Scan/,
	'sequential scan' => qr/Seq Scan on t/,
	'index scan' => qr/Index Scan using t_pkey on t/,
	'bitmap scan' => qr/Bitmap Index Scan on t_pkey/);

sub model_rows
{
	return join("\n", map { "$_|$model{$_}[0]|$model{$_}[1]" } sort { $a <=> $b } keys %model);
}

sub model_aggregates
{
	my ($sum_k, $sum_v) = (0, 0);
	for (keys %model)
	{
		$sum_k += $_;
		$sum_v += $model{$_}[1];
	}
	return join('|', scalar(keys %model), $sum_k, $sum_v);
}

# Every access path returns exactly the model's rows.
sub check_table
{
	my ($what) = @_;
	is($node->safe_psql('postgres', 'SELECT count(*), sum(k), sum(v) FROM t'),
		model_aggregates(), "$what: count, sum(k), sum(v)");
	my $expected = model_rows();
	for my $path (sort keys %paths)
	{
		my $query = "$ROWS WHERE k >= -2147483648 ORDER BY k";
		like($node->safe_psql('postgres', "$paths{$path} EXPLAIN (COSTS OFF) $query"),
			$plan_node{$path}, "$what: $path plan");
		my $got = $node->safe_psql('postgres', "$paths{$path} $query");
		is($got, $expected, "$what: rows by $path");
	}
}

# Specific rows through the index (absent ones as "k|-").
sub check_keys
{
	my ($what, @keys) = @_;
	my $got = $node->safe_psql('postgres',
		"$paths{'index scan'} SELECT x, coalesce(extract(epoch FROM ts)::bigint || '|' || v, '-') "
		  . "FROM unnest(ARRAY[" . join(',', @keys) . "]) x LEFT JOIN t ON t.k = x ORDER BY x");
	my $expected = join("\n",
		map { "$_|" . (exists $model{$_} ? "$model{$_}[0]|$model{$_}[1]" : '-') }
		  sort { $a <=> $b } @keys);
	is($got, $expected, "$what: specific rows by the index");
}

# pids of the postmaster's children
sub child_pids
{
	my ($ppid) = @_;
	my @pids;
	opendir(my $dh, '/proc') or die "opendir /proc: $!";
	for my $pid (grep { /^\d+$/ } readdir $dh)
	{
		open(my $fh, '<', "/proc/$pid/stat") or next;
		my $stat = <$fh>;
		close $fh;
		next unless defined $stat && $stat =~ /\)\s+\S+\s+(\d+)/;
		push @pids, $pid if $1 == $ppid;
	}
	closedir $dh;
	return @pids;
}

sub postmaster_pid
{
	open(my $fh, '<', $node->data_dir . '/postmaster.pid') or die "postmaster.pid: $!";
	my $pid = <$fh>;
	close $fh;
	chomp $pid;
	return $pid;
}

# Crash the server, end the given background sessions, start again.
#   immediate: immediate shutdown (pg_ctl -m immediate: SIGQUIT to all);
#   sigkill-postmaster: SIGKILL to the postmaster; its children notice and
#     exit by themselves (a backend in a transaction aborts it on exit);
#   sigkill-all: SIGKILL to the postmaster and at once to all its
#     children: nobody runs any exit code.
sub crash_and_restart
{
	my ($how, @sessions) = @_;
	if ($how eq 'immediate')
	{
		$node->stop('immediate');
	}
	else
	{
		my $pm = postmaster_pid();
		my @pids = ($pm, child_pids($pm));
		note "SIGKILL to postmaster $pm (children: @pids[1 .. $#pids])";
		$node->kill9;
		# sigkill-all: the children too, before they notice and exit
		# (aborting their transactions) on their own
		if ($how eq 'sigkill-all')
		{
			note "SIGKILL to children @pids[1 .. $#pids]";
			kill('KILL', @pids[1 .. $#pids]);
		}
		my $deadline = time + $PostgreSQL::Test::Utils::timeout_default;
		# (until they are gone: even a zombie postmaster makes a new one
		# refuse to start)
		while (grep { kill(0, $_) } @pids)
		{
			die "processes of the killed server do not exit" if time > $deadline;
			usleep(50_000);
		}
	}
	$_->{run}->kill_kill for @sessions;
	$node->start;
}

check_table('initial');

my $round = 0;
for my $how (qw(immediate sigkill-postmaster sigkill-all))
{
	$round++;
	# keys of this round: 100 further per round in buckets A, B, C (single
	# keys 11 .. 84, ranges from 600 and 2600), 33 further in the late
	# rows of A (3011 .. 3031)
	my $o = ($round - 1) * 100;
	my $lo = ($round - 1) * 33;
	my $r = "$how";

	# ---- (a) committed changes, then a crash ----
	note "---- ($how) committed DELETE / UPDATE ----";
	# autocommit: single rows in sealed A, sealed B, active C, active late A
	my @del = (11 + $o, 1011 + $o, 2011 + $o, 3011 + $lo);
	is( $node->safe_psql('postgres',
			"WITH d AS (DELETE FROM t WHERE k IN (" . join(',', @del) . ") RETURNING k) "
			  . "SELECT string_agg(k::text, ',' ORDER BY k) FROM d"),
		join(',', @del), "$r (a): DELETE of single rows");
	delete $model{$_} for @del;
	my @upd = (21 + $o, 1021 + $o, 2021 + $o, 3021 + $lo);
	$node->safe_psql('postgres',
		"UPDATE t SET v = v + 7 WHERE k IN (" . join(',', @upd) . ")");
	$model{$_}[1] += 7 for @upd;
	# ranges, in sealed A and active C
	$node->safe_psql('postgres',
		"UPDATE t SET v = -v WHERE k BETWEEN " . (600 + $o) . " AND " . (649 + $o)
		  . " OR k BETWEEN " . (2600 + $o) . " AND " . (2649 + $o));
	$model{$_}[1] = -$model{$_}[1]
	  for grep { exists $model{$_} } (600 + $o .. 649 + $o, 2600 + $o .. 2649 + $o);
	$node->safe_psql('postgres',
		"DELETE FROM t WHERE k BETWEEN " . (700 + $o) . " AND " . (719 + $o)
		  . " OR k BETWEEN " . (2700 + $o) . " AND " . (2719 + $o));
	delete $model{$_} for (700 + $o .. 719 + $o, 2700 + $o .. 2719 + $o);

	# one transaction: moves between buckets, a key change, a chain of
	# updates, update then delete, insert then delete, a new row
	my $t31 = $model{ 31 + $o }[0] + 2 * 86400;        # A (sealed) -> C (active)
	my $t2031 = $model{ 2031 + $o }[0] - 86400;        # C (active) -> B (sealed bucket)
	my $t1031 = $model{ 1031 + $o }[0] - 86400;        # B (sealed) -> A (late, active)
	my $t3031 = $model{ 3031 + $lo }[0] + 4 * 86400;    # A late -> 03-05 (new bucket)
	$node->safe_psql('postgres', qq{
		BEGIN;
		UPDATE t SET ts = @{[ ts_sql($t31) ]} WHERE k = @{[ 31 + $o ]};
		UPDATE t SET ts = @{[ ts_sql($t2031) ]}, v = v + 1 WHERE k = @{[ 2031 + $o ]};
		UPDATE t SET ts = @{[ ts_sql($t1031) ]} WHERE k = @{[ 1031 + $o ]};
		UPDATE t SET ts = @{[ ts_sql($t3031) ]} WHERE k = @{[ 3031 + $lo ]};
		UPDATE t SET k = k + 100000 WHERE k IN (@{[ 41 + $o ]}, @{[ 2041 + $o ]});
		UPDATE t SET v = v + 1 WHERE k = @{[ 51 + $o ]};
		UPDATE t SET v = v + 1 WHERE k = @{[ 51 + $o ]};
		UPDATE t SET ts = ts + interval '1 day', v = v + 1 WHERE k = @{[ 1051 + $o ]};
		UPDATE t SET v = v + 1 WHERE k = @{[ 1051 + $o ]};
		UPDATE t SET v = v + 1 WHERE k = @{[ 61 + $o ]};
		DELETE FROM t WHERE k = @{[ 61 + $o ]};
		INSERT INTO t VALUES (@{[ ts_sql($C + 3600) ]}, @{[ 500000 + $round ]}, 1);
		DELETE FROM t WHERE k = @{[ 500000 + $round ]};
		INSERT INTO t VALUES (@{[ ts_sql($B + 3600) ]}, @{[ 600000 + $round ]}, 2);
		UPDATE t SET v = v + 1 WHERE k = @{[ 600000 + $round ]};
		COMMIT;
	});
	$model{ 31 + $o }[0] = $t31;
	$model{ 2031 + $o } = [ $t2031, $model{ 2031 + $o }[1] + 1 ];
	$model{ 1031 + $o }[0] = $t1031;
	$model{ 3031 + $lo }[0] = $t3031;
	for my $k (41 + $o, 2041 + $o)
	{
		$model{ $k + 100000 } = delete $model{$k};
	}
	$model{ 51 + $o }[1] += 2;
	$model{ 1051 + $o } = [ $model{ 1051 + $o }[0] + 86400, $model{ 1051 + $o }[1] + 2 ];
	delete $model{ 61 + $o };
	$model{ 600000 + $round } = [ $B + 3600, 3 ];
	# and a rolled-back transaction
	$node->safe_psql('postgres', qq{
		BEGIN;
		DELETE FROM t WHERE k = @{[ 71 + $o ]};
		UPDATE t SET v = 0, ts = ts + interval '3 days' WHERE k = @{[ 2071 + $o ]};
		ROLLBACK;
	});
	my @touched_a = (@del, @upd, 31 + $o, 2031 + $o, 1031 + $o, 3031 + $lo,
		41 + $o, 2041 + $o, 100041 + $o, 102041 + $o, 51 + $o, 1051 + $o,
		61 + $o, 71 + $o, 2071 + $o, 500000 + $round, 600000 + $round);
	check_table("$r (a): before the crash");

	crash_and_restart($how);

	check_table("$r (a): after the crash");
	check_keys("$r (a): after the crash", @touched_a);
	is( $node->safe_psql('postgres',
			"SELECT count(*) FROM segstore.table_segments('t') WHERE state = 'sealed'"),
		'2', "$r (a): the sealed segments are still sealed");

	# ---- (b) an open transaction at the crash ----
	note "---- ($how) uncommitted DELETE / UPDATE ----";
	my @b_del = (81 + $o, 1081 + $o, 2081 + $o, 3012 + $lo);
	my @b_upd = (82 + $o, 1082 + $o, 2082 + $o, 3022 + $lo);
	my @b_range = (800 + $o .. 809 + $o, 2800 + $o .. 2809 + $o);
	my $b_ts = 83 + $o;
	my $b_key = 2083 + $o;
	my $b_upsert = 1083 + $o;
	my $b_locked = 84 + $o;
	my $b_keyshare = 2084 + $o;
	my $b_new = 700000 + $round;
	my $s = $node->background_psql('postgres');
	$s->query_safe('BEGIN');
	$s->query_safe("DELETE FROM t WHERE k IN (" . join(',', @b_del) . ")");
	$s->query_safe("UPDATE t SET v = v + 5 WHERE k IN (" . join(',', @b_upd) . ")");
	$s->query_safe("UPDATE t SET v = 0 WHERE k BETWEEN " . (800 + $o) . " AND " . (809 + $o)
		  . " OR k BETWEEN " . (2800 + $o) . " AND " . (2809 + $o));
	$s->query_safe("UPDATE t SET ts = ts + interval '2 days' WHERE k = $b_ts");
	$s->query_safe("UPDATE t SET k = 800000 + $round WHERE k = $b_key");
	$s->query_safe("INSERT INTO t VALUES (" . ts_sql($B + 60) . ", $b_upsert, 0) "
		  . "ON CONFLICT (k) DO UPDATE SET v = t.v + 1000");
	$s->query_safe("INSERT INTO t VALUES (" . ts_sql($C + 60) . ", $b_new, 0)");
	$s->query_safe("SELECT k FROM t WHERE k = $b_locked FOR UPDATE");
	$s->query_safe("SELECT k FROM t WHERE k = $b_keyshare FOR KEY SHARE");
	is($s->query_safe("SELECT count(*) FROM t WHERE k IN (" . join(',', @b_del) . ")"),
		'0', "$r (b): the open transaction sees its deletions");
	is($s->query_safe("SELECT v FROM t WHERE k = $b_upsert"),
		$model{$b_upsert}[1] + 1000, "$r (b): the open transaction sees its upsert");
	my @touched_b = (@b_del, @b_upd, @b_range, $b_ts, $b_key, 800000 + $round,
		$b_upsert, $b_locked, $b_keyshare, $b_new);
	check_table("$r (b): others do not see the open transaction's changes");

	crash_and_restart($how, $s);

	check_table("$r (b): after the crash, every row unchanged");
	check_keys("$r (b): after the crash", @touched_b);

	# (c) VACUUM right after the restart
	$node->safe_psql('postgres', 'VACUUM t');
	check_table("$r (c): after VACUUM");
	is( $node->safe_psql('postgres',
			"SELECT count(*) FROM segstore.row_locks WHERE relfilenode = pg_relation_filenode('t')"),
		'0', "$r (c): VACUUM removed the crashed transaction's row locks");
	is( $node->safe_psql('postgres',
			"SELECT reltuples::bigint FROM pg_class WHERE relname = 't_pkey'"),
		scalar(keys %model), "$r (c): the index has one entry per live row");

	# the rows the crashed transaction had changed can be changed now,
	# without waiting (lock_timeout) for anything it left
	my $lt = "SET lock_timeout = '10s';";
	is( $node->safe_psql('postgres',
			"$lt WITH u AS (UPDATE t SET v = v + 3 WHERE k IN ("
			  . join(',', @b_del, @b_upd, $b_ts, $b_key, $b_upsert, $b_keyshare)
			  . ") RETURNING k) SELECT string_agg(k::text, ',' ORDER BY k) FROM u"),
		join(',', sort { $a <=> $b } @b_del, @b_upd, $b_ts, $b_key, $b_upsert, $b_keyshare),
		"$r (b): UPDATE of the rows the crashed transaction changed");
	$model{$_}[1] += 3 for (@b_del, @b_upd, $b_ts, $b_key, $b_upsert, $b_keyshare);
	is( $node->safe_psql('postgres',
			"$lt WITH u AS (UPDATE t SET ts = ts + interval '1 day', v = v + 1 WHERE k BETWEEN "
			  . (800 + $o) . " AND " . (809 + $o) . " OR k BETWEEN " . (2800 + $o) . " AND "
			  . (2809 + $o) . " RETURNING k) SELECT count(*) FROM u"),
		'20', "$r (b): UPDATE moving the range the crashed transaction changed");
	$model{$_} = [ $model{$_}[0] + 86400, $model{$_}[1] + 1 ] for @b_range;
	is( $node->safe_psql('postgres', "$lt DELETE FROM t WHERE k = $b_locked RETURNING k, v"),
		"$b_locked|$model{$b_locked}[1]",
		"$r (b): DELETE of the row the crashed transaction had locked");
	delete $model{$b_locked};
	# the crashed transaction's deletion did not free its keys, its
	# inserts and key change took none
	my ($ret, $stdout, $stderr) = $node->psql('postgres',
		"INSERT INTO t VALUES (" . ts_sql($C) . ", $b_del[0], 1)");
	like($stderr, qr/duplicate key value violates unique constraint "t_pkey"/,
		"$r (b): a key the crashed transaction deleted is still taken");
	$node->safe_psql('postgres',
		"INSERT INTO t VALUES (" . ts_sql($C + 120) . ", $b_new, 1), (" . ts_sql($C + 180) . ", " . (800000 + $round) . ", 2)");
	$model{$b_new} = [ $C + 120, 1 ];
	$model{ 800000 + $round } = [ $C + 180, 2 ];
	check_table("$r (b): after changing the rows again");
	check_keys("$r (b): after changing the rows again", @touched_b);
}

# ---- (c) VACUUM after everything, and once more after new changes ----
$node->safe_psql('postgres', 'VACUUM t');
check_table('(c) VACUUM at the end');
is($node->safe_psql('postgres', "SELECT reltuples::bigint FROM pg_class WHERE relname = 't_pkey'"),
	scalar(keys %model), '(c) the index has one entry per live row');
# keys deleted earlier can be inserted again; the deleted rows' index
# entries are gone or not counted
$node->safe_psql('postgres',
	"INSERT INTO t VALUES (" . ts_sql($A + 60) . ", 11, 1), (" . ts_sql($C + 60) . ", 2011, 2), "
	  . "(" . ts_sql($B + 60) . ", 41, 3)");
$model{11} = [ $A + 60, 1 ];
$model{2011} = [ $C + 60, 2 ];
$model{41} = [ $B + 60, 3 ];
$node->safe_psql('postgres', 'DELETE FROM t WHERE k BETWEEN 900 AND 949');
delete $model{$_} for 900 .. 949;
$node->safe_psql('postgres', 'VACUUM t');
check_table('(c) second VACUUM');
is($node->safe_psql('postgres', "SELECT reltuples::bigint FROM pg_class WHERE relname = 't_pkey'"),
	scalar(keys %model), '(c) second VACUUM: one index entry per live row');
is($node->safe_psql('postgres', "SELECT count(*) FROM segstore.verify('t') WHERE NOT ok"),
	'0', 'segstore.verify finds no problem');

# A clean restart changes nothing.
$node->restart;
check_table('after a clean restart');

$node->stop;
my $log = slurp_file($node->logfile);
unlike($log, qr/PANIC|TRAP:/, 'no PANIC or assertion failure');
unlike($log, qr/terminated by signal/, 'no backend was terminated by a signal');

done_testing();
