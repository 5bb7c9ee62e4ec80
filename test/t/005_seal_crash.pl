# Crash safety of sealing.
#
# A seal writes <id>_<bucket>.seal.tmp, fsyncs it, renames it to .seal,
# then inserts the manifest row; the sealing transaction's commit switches
# readers from the active file to the sealed one.  For every step of that
# (segstore.pause_at makes the seal wait there) and right after the
# seal commits, the server is stopped with an immediate shutdown.  After
# the restart:
#   * the table returns exactly the same rows, with the same ctids, in the
#     same order as before the seal;
#   * segments are still active for a crash before the commit, and sealed
#     for a crash after it;
#   * segstore.run_maintenance() removes every orphan: .seal/.seal.tmp files
#     of seals that never committed, and active files superseded by a
#     committed seal once no snapshot needs them;
#   * the table can be appended to and sealed again.
use strict;
use warnings;
use File::Basename qw(basename dirname);
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('seal_crash');
$node->init;
$node->append_conf('postgresql.conf',
	"shared_preload_libraries = 'segstore'\n"
	  # scan order must be the stored order
	  . "max_parallel_workers_per_gather = 0\n");
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION segstore');

# Three daily buckets; rows of one statement interleave buckets.
sub ts_expr
{
	my ($k) = @_;
	return
	  "'2024-03-01 00:00:00+00'::timestamptz + ($k % 3) * interval '1 day' + $k * interval '1 second'";
}

sub insert_rows
{
	my ($s, $t, $from, $to, $ts) = @_;
	$ts //= ts_expr('k');
	my $sql =
	  "INSERT INTO $t SELECT $ts, k, md5(k::text) FROM generate_series($from, $to) k";
	return ref($s) ? $s->query_safe($sql) : $node->safe_psql('postgres', $sql);
}

sub content
{
	my ($t, $where) = @_;
	$where = $where ? "WHERE $where" : '';
	return $node->safe_psql('postgres', "SELECT ctid, * FROM $t $where");
}

# segment_id|state|row_count|file, one line per segment
sub segments
{
	my ($t) = @_;
	return $node->safe_psql('postgres',
		"SELECT segment_id, state, row_count, file FROM segstore.segments WHERE table_name = '$t'::regclass ORDER BY segment_id"
	);
}

sub segment_rows
{
	my ($t) = @_;
	return map { [ split /\|/ ] } split /\n/, segments($t);
}

sub dir_listing
{
	my ($dir) = @_;
	opendir(my $dh, $dir) or die "opendir $dir: $!";
	my @names = sort grep { $_ ne '.' && $_ ne '..' } readdir $dh;
	closedir $dh;
	return join(' ', @names);
}

# What the table's directory must hold: the chunk log, and for each
# segment exactly its current file (.act if active, .seal if sealed).
sub expected_listing
{
	my ($t) = @_;
	return join(' ', sort('chunks', 'creator', map { basename($_->[3]) } segment_rows($t)));
}

sub check_files_match_segments
{
	my ($t, $dir, $what) = @_;
	for my $seg (segment_rows($t))
	{
		my ($id, $state, $rows, $file) = @$seg;
		my $ext = $state eq 'sealed' ? 'seal' : 'act';
		like(basename($file), qr/^${id}_-?\d+\.$ext$/,
			"$what: segment $id ($state) is read from its .$ext file");
		is(dirname($file), dirname((segment_rows($t))[0][3]),
			"$what: segment $id lives in the table's directory");
	}
	is(dir_listing($dir), expected_listing($t),
		"$what: directory holds the chunk log and one file per segment, nothing else");
}

for my $step (qw(partial written renamed manifest committed))
{
	my $t = "t_$step";
	my $committed_step = $step eq 'committed';

	note "---- crash at step $step ----";
	$node->safe_psql('postgres',
		"CREATE TABLE $t (ts timestamptz NOT NULL, k int NOT NULL, v text NOT NULL) USING segstore "
		  # maintenance must not seal by itself; small blocks: several per file
		  . "WITH (segstore.seal_after = '36500 days', segstore.block_size = '4kB')"
	);

	# rows in three buckets, one segment each
	insert_rows(undef, $t, 1, 900);
	# a second segment in the first bucket: an open transaction holds the
	# bucket's segment while another session inserts into it
	my $bg = $node->background_psql('postgres');
	$bg->query_safe('BEGIN');
	insert_rows($bg, $t, 901, 1200, "'2024-03-01 06:00:00+00'");
	insert_rows(undef, $t, 1201, 1500, "'2024-03-01 07:00:00+00'");
	insert_rows($bg, $t, 1501, 1600);
	$bg->query_safe('COMMIT');
	$bg->quit;
	# rolled-back inserts: rows of a savepoint rolled back in a transaction
	# that commits reach the files (never visible; sealing drops them), as
	# does the part of a large aborted transaction that overflowed its
	# write buffer
	$node->safe_psql('postgres',
		"BEGIN; SAVEPOINT s; INSERT INTO $t SELECT " . ts_expr('k')
		  . ", k, md5(k::text) FROM generate_series(50001, 50300) k; ROLLBACK TO s; "
		  . "INSERT INTO $t SELECT " . ts_expr('k') . ", k, md5(k::text) FROM generate_series(1601, 1700) k; COMMIT");
	$node->safe_psql('postgres',
		"BEGIN; INSERT INTO $t SELECT " . ts_expr('k')
		  . ", k, repeat(md5(k::text), 8) FROM generate_series(60001, 66000) k; ROLLBACK");
	insert_rows(undef, $t, 1701, 2000);

	my $committed = 2000;
	my $before = content($t);
	is($node->safe_psql('postgres', "SELECT count(*) FROM $t"),
		$committed, "$step: committed rows visible before the seal");
	my @segs_before = segment_rows($t);
	cmp_ok(scalar(@segs_before), '>=', 4, "$step: table has several segments");
	is( join(',', map { $_->[1] } @segs_before),
		join(',', ('active') x @segs_before),
		"$step: all segments active before the seal");
	my $stored = 0;
	$stored += $_->[2] for @segs_before;
	cmp_ok($stored, '>', $committed + 300,
		"$step: segments store committed and rolled-back rows");
	my $dir = $node->data_dir . '/' . dirname($segs_before[0][3]);
	my $first = basename($segs_before[0][3]);
	$first =~ s/\.act$//;
	is(dir_listing($dir), expected_listing($t), "$step: directory before the seal");

	my $offset = -s $node->logfile;
	my $sealer;
	if ($committed_step)
	{
		is( $node->safe_psql('postgres',
				"SELECT count(*), sum(row_count) FROM segstore.seal('$t')"),
			scalar(@segs_before) . "|$committed",
			"$step: seal sealed every segment, without the rolled-back rows");
		is( dir_listing($dir),
			join(' ', sort('chunks', 'creator', map { my $f = basename($_->[3]); $f =~ s/\.act$//; ("$f.act", "$f.seal") } @segs_before)),
			"$step: after the seal both active and sealed files exist (no cleanup yet)");
	}
	else
	{
		$sealer = $node->background_psql('postgres');
		$sealer->query_until(qr/seal_started/,
			"\\echo seal_started\nSET segstore.pause_at = '$step';\nSELECT * FROM segstore.seal('$t');\n");
		$node->wait_for_log(qr/paused at step "$step"/, $offset);
		my $listing = dir_listing($dir);
		if ($step eq 'partial' || $step eq 'written')
		{
			like($listing, qr/(^| )\Q$first\E\.seal\.tmp( |$)/,
				"$step: seal paused with a temporary file");
			unlike($listing, qr/(^| )\Q$first\E\.seal( |$)/,
				"$step: seal paused before the rename");
		}
		else
		{
			like($listing, qr/(^| )\Q$first\E\.seal( |$)/,
				"$step: seal paused after the rename");
			unlike($listing, qr/\.tmp/, "$step: no temporary file left after the rename");
		}
	}

	$node->stop('immediate');
	$sealer->{run}->kill_kill if $sealer;
	$node->start;

	is(content($t), $before,
		"$step: after the crash the table has the same rows, ctids and order");
	my @segs_after = segment_rows($t);
	is( join(',', map { $_->[0] } @segs_after),
		join(',', map { $_->[0] } @segs_before),
		"$step: after the crash the same segments");
	if ($committed_step)
	{
		is( join(',', map { $_->[1] } @segs_after),
			join(',', ('sealed') x @segs_before),
			"$step: after the crash every segment is sealed (new state)");
		my $rows = 0;
		$rows += $_->[2] for @segs_after;
		is($rows, $committed, "$step: sealed segments hold exactly the committed rows");
	}
	else
	{
		is( join("\n", map { join('|', @$_) } @segs_after),
			join("\n", map { join('|', @$_) } @segs_before),
			"$step: after the crash every segment is still active (old state)");
	}

	my $maint = $node->safe_psql('postgres',
		"SELECT table_name, action, row_count FROM segstore.run_maintenance() WHERE table_name = '$t'::regclass"
	);
	note "$step: maintenance did: $maint";
	unlike($maint, qr/\|seal\|/, "$step: maintenance sealed nothing (seal_after not reached)");
	# what the crash left: one .seal.tmp or .seal of the first segment, or
	# (committed) every superseded active file
	is($maint, "$t|remove files|" . ($committed_step ? scalar(@segs_before) : 1),
		"$step: maintenance removed what the crash left behind");
	check_files_match_segments($t, $dir, "$step: after maintenance");
	unlike(dir_listing($dir), $committed_step ? qr/\.act|\.tmp/ : qr/\.seal/,
		"$step: after maintenance no orphan or superseded file");
	is(content($t), $before, "$step: after maintenance the same rows, ctids and order");

	# The table keeps working: new rows, and a new seal of everything.
	insert_rows(undef, $t, 3001, 3600);
	is($node->safe_psql('postgres', "SELECT count(*) FROM $t"),
		$committed + 600, "$step: insert after the crash");
	is(content($t, 'k <= 2000'), $before, "$step: old rows unchanged by new inserts");
	my $all_before_reseal = content($t);

	# A snapshot taken before the new seal keeps the superseded active files.
	my $rr = $node->background_psql('postgres');
	$rr->query_safe('BEGIN ISOLATION LEVEL REPEATABLE READ');
	is($rr->query_safe("SELECT count(*) FROM $t"), $committed + 600,
		"$step: repeatable-read snapshot taken");

	my $nseal_expected = $node->safe_psql('postgres',
		"SELECT count(*) FROM segstore.segments WHERE table_name = '$t'::regclass AND state <> 'sealed'");
	cmp_ok($nseal_expected, '>', 0, "$step: there are segments to seal");
	is( $node->safe_psql('postgres', "SELECT count(*) FROM segstore.seal('$t')"),
		$nseal_expected, "$step: a new seal succeeds");
	is( $node->safe_psql('postgres',
			"SELECT count(*) FILTER (WHERE state <> 'sealed'), sum(row_count) FROM segstore.segments WHERE table_name = '$t'::regclass"),
		'0|' . ($committed + 600),
		"$step: every segment sealed, holding the committed rows");
	is(content($t), $all_before_reseal, "$step: same rows, ctids and order after the new seal");

	$node->safe_psql('postgres', 'SELECT * FROM segstore.run_maintenance()');
	like(dir_listing($dir), qr/\.act/,
		"$step: active files kept while an older snapshot may read them");
	is($rr->query_safe("SELECT ctid, * FROM $t"), $all_before_reseal,
		"$step: the older snapshot still reads every row");
	$rr->query_safe('COMMIT');
	$rr->quit;

	$node->safe_psql('postgres', 'SELECT * FROM segstore.run_maintenance()');
	check_files_match_segments($t, $dir, "$step: after the new seal and maintenance");
	unlike(dir_listing($dir), qr/\.act|\.tmp/,
		"$step: superseded active files removed once no snapshot needs them");
	is(content($t), $all_before_reseal, "$step: rows unchanged after cleanup");
}

# A clean restart changes nothing.
my %final;
$final{$_} = content("t_$_") for qw(partial written renamed manifest committed);
$node->restart;
for my $step (qw(partial written renamed manifest committed))
{
	is(content("t_$step"), $final{$step}, "$step: same rows after a clean restart");
}

$node->stop;
my $log = slurp_file($node->logfile);
unlike($log, qr/terminated by signal/, 'no backend was terminated by a signal');
unlike($log, qr/PANIC|TRAP:/, 'no PANIC or assertion failure');

done_testing();
