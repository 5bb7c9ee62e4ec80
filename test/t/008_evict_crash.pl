# Crash safety of eviction, of its cleanup, of orphan-directory removal,
# and one maintenance run per database at a time.
#
# Eviction is a manifest change (a 'sealed' row becomes 'evicted', an
# active segment gets an 'evicted' row) in the evicting transaction;
# cleanup later unlinks the segment's files, fsyncs the directory and
# only then deletes the manifest rows.  segstore.pause_at makes a backend
# (or the maintenance worker) wait at a step; the server is then stopped
# with an immediate shutdown (a crash).
#
#   a) crash at "evict-marked" (the manifest is changed but not
#      committed): after the restart the table is exactly as before
#      (same rows, same segments, no 'evicted' rows); a real eviction then
#      gives exactly the rows newer than the cutoff;
#   b) crash at "evict-unlinked" (files of a committed eviction unlinked,
#      manifest rows not deleted yet): after the restart the table is the
#      post-eviction state; the next maintenance run deletes the leftover
#      'evicted' rows and no file of an evicted segment is left;
#   c) orphan directories: the directory of a CREATE TABLE that never
#      committed (crash while its transaction was open), of a DROP TABLE
#      that committed but whose directory survived, and a stray copy are
#      removed by run_maintenance (one 'remove orphan directories' row),
#      while the directory of every live table stays: committed tables,
#      a table whose DROP or TRUNCATE is still in progress, a table whose
#      CREATE is still in progress;
#   d) two maintenance runs at once: the second reports that maintenance
#      is already running and returns at once; cancelling the first (its
#      worker paused at "evict-marked") stops its worker and evicts
#      nothing; a third run evicts.
use strict;
use warnings;
use File::Basename qw(basename);
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::RecursiveCopy;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(time);

my $node = PostgreSQL::Test::Cluster->new('evict_crash');
$node->init;
$node->append_conf('postgresql.conf',
	"shared_preload_libraries = 'segstore'\n"
	  # no autoanalyze snapshot may hold back the removal horizon
	  . "autovacuum = off\n"
	  . "timezone = 'UTC'\n");
$node->start;

sub sql
{
	my ($q) = @_;
	return $node->safe_psql('postgres', $q);
}

sql('CREATE EXTENSION segstore');
my $dboid = sql("SELECT oid FROM pg_database WHERE datname = 'postgres'");
my $dbdir = $node->data_dir . "/pg_segstore/$dboid";

# Tables that maintenance must leave alone: never sealed by age, no
# retention.  Small blocks: several per sealed file.
my $opts = "WITH (segstore.seal_after = '36500 days', segstore.block_size = '4kB')";

sub create_table
{
	my ($t, $s) = @_;
	my $q = "CREATE TABLE $t (ts timestamptz NOT NULL, k int NOT NULL, v text NOT NULL) USING segstore $opts";
	return $s ? $s->query_safe($q) : sql($q);
}

sub insert_sql
{
	my ($t, $from, $to, $ts) = @_;
	return "INSERT INTO $t SELECT $ts, k, md5(k::text) FROM generate_series($from, $to) k";
}

# count, sum, min and max time, and an md5 over every row in a fixed order
sub content
{
	my ($t, $where) = @_;
	$where = $where ? "WHERE $where" : '';
	return sql(
		"SELECT count(*), coalesce(sum(k), 0), min(ts), max(ts), "
		  . "md5(coalesce(string_agg(ts::text || ',' || k || ',' || v, ';' ORDER BY ts, k), '')) "
		  . "FROM $t $where");
}

# segment_id|state|bucket_start|row_count|file, one line per segment
sub segments
{
	my ($t) = @_;
	return sql(
		"SELECT segment_id, state, bucket_start, row_count, file FROM segstore.segments "
		  . "WHERE table_name = '$t'::regclass ORDER BY segment_id");
}

sub segment_rows
{
	my ($t) = @_;
	return map { [ split /\|/ ] } split /\n/, segments($t);
}

# segment_id|state, one line per manifest row of the table's relfilenode
sub manifest
{
	my ($t) = @_;
	return sql(
		"SELECT segment_id, state FROM segstore.manifest "
		  . "WHERE relfilenode = pg_relation_filenode('$t') ORDER BY segment_id");
}

sub relfilenode
{
	my ($t) = @_;
	return sql("SELECT pg_relation_filenode('$t')");
}

sub table_dir
{
	my ($t) = @_;
	return "$dbdir/" . relfilenode($t);
}

sub dir_listing
{
	my ($dir) = @_;
	opendir(my $dh, $dir) or die "opendir $dir: $!";
	my @names = sort grep { $_ ne '.' && $_ ne '..' } readdir $dh;
	closedir $dh;
	return join(' ', @names);
}

# the chunk log and the current file of every segment, nothing else
sub expected_listing
{
	my ($t) = @_;
	return join(' ', sort('chunks', 'creator', map { basename($_->[4]) } segment_rows($t)));
}

# files of the given segment ids in a listing
sub files_of
{
	my ($listing, @ids) = @_;
	my %want = map { $_ => 1 } @ids;
	return join(' ', grep { /^(\d+)_/ && $want{$1} } split / /, $listing);
}

# Start $query in a new background session with segstore.pause_at = $step
# and wait until the server logs that it paused there.
sub start_paused
{
	my ($step, $query) = @_;
	my $offset = -s $node->logfile;
	my $s = $node->background_psql('postgres', on_error_stop => 0);
	$s->query_safe("SET segstore.pause_at = '$step'");
	my $pid = $s->query_safe('SELECT pg_backend_pid()');
	$s->query_until(qr/started/, "\\echo started\n$query;\n");
	$node->wait_for_log(qr/segstore: paused at step "\Q$step\E"/, $offset);
	return ($s, $pid);
}

sub crash_and_restart
{
	my (@sessions) = @_;
	$node->stop('immediate');
	$_->{run}->kill_kill for @sessions;
	$node->start;
}

# ======================================================================
note '---- a) crash while an eviction is marked but not committed ----';

create_table('ev');
# five daily buckets of 1000 rows each (2024-03-01 .. 2024-03-05), sealed
sql(insert_sql('ev', 1, 5000,
		"'2024-03-01 00:00:00+00'::timestamptz + (k % 5) * interval '1 day' + k * interval '1 second'"));
is(sql("SELECT count(*), sum(row_count) FROM segstore.seal('ev')"),
	'5|5000', 'a: five segments sealed');
# an active segment in a new bucket, then one in the first (sealed)
# bucket: the newest segment is one the eviction takes
sql(insert_sql('ev', 5201, 5500, "'2024-03-06 00:00:00+00'::timestamptz + k * interval '1 second'"));
sql(insert_sql('ev', 5001, 5200, "'2024-03-01 12:00:00+00'::timestamptz + k * interval '1 second'"));

my $cutoff = '2024-03-04 00:00:00+00';
my $ev_dir = table_dir('ev');
my $ev_before = content('ev');
my $ev_newer = content('ev', "ts >= '$cutoff'");
my $ev_segments = segments('ev');
my $ev_manifest = manifest('ev');
my $ev_listing = dir_listing($ev_dir);
is($ev_before =~ s/\|.*//r, '5500', 'a: 5500 rows before the eviction');
is($ev_newer =~ s/\|.*//r, '2300', 'a: 2300 of them are newer than the cutoff');
is( sql("SELECT string_agg(state || ':' || row_count, ',' ORDER BY segment_id) FROM segstore.segments WHERE table_name = 'ev'::regclass"),
	'sealed:1000,sealed:1000,sealed:1000,sealed:1000,sealed:1000,active:300,active:200',
	'a: five sealed segments and two active ones');
is(scalar(my @m = split /\n/, $ev_manifest), 5, 'a: five manifest rows');
unlike($ev_manifest, qr/evicted/, 'a: no evicted manifest row');

# the segments the eviction takes: every one of a bucket before the cutoff
my @ev_gone = map { $_->[0] } grep { $_->[2] lt '2024-03-04' } segment_rows('ev');
is(scalar(@ev_gone), 4, 'a: four segments (three sealed, one active) are older than the cutoff');
is( $ev_gone[3],
	sql("SELECT max(segment_id) FROM segstore.segments WHERE table_name = 'ev'::regclass"),
	'a: the newest segment is the active one to be evicted');

{
	my ($evictor) = start_paused('evict-marked',
		"SELECT * FROM segstore.evict_before('ev', '$cutoff')");
	# the uncommitted eviction is invisible to others
	is(content('ev'), $ev_before, 'a: while paused other sessions see every row');
	is(manifest('ev'), $ev_manifest, 'a: while paused the committed manifest is unchanged');
	crash_and_restart($evictor);
}

is(content('ev'), $ev_before, 'a: after the crash the same rows (old state)');
is(segments('ev'), $ev_segments, 'a: after the crash the same segments');
is(manifest('ev'), $ev_manifest, 'a: after the crash the same manifest rows');
is(sql("SELECT count(*) FROM segstore.manifest WHERE state = 'evicted'"),
	'0', 'a: after the crash no evicted manifest row at all');
# the crashed eviction's durable marker on the active segment it took
# (it keeps writers off the segment) is left until cleanup
my ($ev_marker) = map { basename($_->[4]) =~ s/\.act$/.evict/r }
  grep { $_->[0] == $ev_gone[3] } segment_rows('ev');
is( dir_listing($ev_dir),
	join(' ', sort(split(/ /, $ev_listing), $ev_marker)),
	'a: after the crash the same files, plus the eviction marker of the active segment');

# now for real
is( sql("SELECT string_agg(segment_id || ':' || state || ':' || coalesce(row_count::text, '-'), ',' ORDER BY segment_id) "
		  . "FROM segstore.evict_before('ev', '$cutoff')"),
	join(',', map { $_ . ':' . ($_ == $ev_gone[3] ? 'active:-' : 'sealed:1000') } @ev_gone),
	'a: the eviction evicts the three sealed segments and the active one of old buckets');
is(content('ev'), $ev_newer, 'a: after the eviction exactly the rows newer than the cutoff');
is( sql("SELECT string_agg(state || ':' || row_count, ',' ORDER BY segment_id) FROM segstore.segments WHERE table_name = 'ev'::regclass"),
	'sealed:1000,sealed:1000,active:300',
	'a: after the eviction two sealed segments and one active one');
my $ev_evicted_manifest = manifest('ev');
is( sql("SELECT string_agg(segment_id::text, ',' ORDER BY segment_id) FROM segstore.manifest "
		  . "WHERE relfilenode = pg_relation_filenode('ev') AND state = 'evicted'"),
	join(',', @ev_gone),
	'a: the evicted segments have evicted manifest rows');
my $ev_after = content('ev');
my $ev_after_segments = segments('ev');

# ======================================================================
note '---- b) crash during the cleanup after a committed eviction ----';

# snapshots older than the eviction may still have read them: the files
# of the evicted segments stay until a later cleanup
my $listing = dir_listing($ev_dir);
for my $id (@ev_gone)
{
	like($listing, qr/(^| )${id}_/, "b: a file of evicted segment $id is still there");
}

{
	# an eviction that evicts nothing, then cleans up
	my ($cleaner) = start_paused('evict-unlinked',
		"SELECT * FROM segstore.evict_before('ev', '2000-01-01 00:00:00+00')");
	is(files_of(dir_listing($ev_dir), @ev_gone), '',
		'b: paused after unlinking every file of the evicted segments');
	is(manifest('ev'), $ev_evicted_manifest,
		'b: paused before deleting the manifest rows');
	crash_and_restart($cleaner);
}

is(content('ev'), $ev_after, 'b: after the crash the post-eviction rows');
is(segments('ev'), $ev_after_segments, 'b: after the crash the post-eviction segments');
is(manifest('ev'), $ev_evicted_manifest,
	'b: after the crash the evicted manifest rows are still there');
is(files_of(dir_listing($ev_dir), @ev_gone), '',
	'b: after the crash no file of an evicted segment');

# Before any cleanup: rows for an evicted bucket need a new segment, whose
# id must not be one of the evicted segments' (their 'evicted' rows are
# still there, and the newest of them has no file left).
sql(insert_sql('ev', 6001, 6100, "'2024-03-01 18:00:00+00'::timestamptz + k * interval '1 second'"));
sql(insert_sql('ev', 6101, 6150, "'2024-03-06 18:00:00+00'::timestamptz + k * interval '1 second'"));
my $ev_new = '150|' . (6001 + 6150) * 150 / 2;
is(sql('SELECT count(*), sum(k) FROM ev WHERE k > 6000'), $ev_new,
	'b: rows inserted after the crash are visible');
is(content('ev', 'k <= 6000'), $ev_after, 'b: older rows unchanged by the new rows');
my $ev_new_seg = sql(
	"SELECT segment_id FROM segstore.segments WHERE table_name = 'ev'::regclass AND bucket_start = '2024-03-01 00:00:00+00'");
cmp_ok($ev_new_seg, '>', $ev_gone[-1],
	'b: the new segment of an evicted bucket has a new segment id');
my $ev_final = content('ev');
my $ev_final_segments = segments('ev');

my $maint = sql(
	"SELECT action, row_count FROM segstore.run_maintenance() WHERE table_name = 'ev'::regclass");
note "b: maintenance did: $maint";
unlike($maint, qr/seal|evict|error/, 'b: maintenance neither sealed nor evicted anything');
is( sql("SELECT count(*) FROM segstore.manifest WHERE relfilenode = pg_relation_filenode('ev') AND state = 'evicted'"),
	'0', 'b: maintenance deleted the leftover evicted manifest rows');
is( sql("SELECT count(*) FROM segstore.manifest WHERE state = 'evicted'"),
	'0', 'b: no evicted manifest row left at all');
is(dir_listing($ev_dir), expected_listing('ev'),
	'b: the directory holds the chunk log and the files of the surviving segments only');
is( sql("SELECT string_agg(state || ':' || row_count, ',' ORDER BY segment_id) FROM segstore.segments WHERE table_name = 'ev'::regclass"),
	'sealed:1000,sealed:1000,active:350,active:100',
	'b: the surviving segments: two sealed, one active with the new rows, one new');
is(content('ev'), $ev_final, 'b: rows unchanged by maintenance');
is(segments('ev'), $ev_final_segments, 'b: segments unchanged by maintenance');
is(content('ev') =~ s/\|.*//r, '2450', 'b: 2300 rows left by the eviction and 150 new ones');

# ======================================================================
note '---- c) orphan directories ----';

create_table('c_live');
sql(insert_sql('c_live', 1, 3000,
		"'2024-04-01 00:00:00+00'::timestamptz + (k % 3) * interval '1 day' + k * interval '1 second'"));
is(sql("SELECT count(*) FROM segstore.seal('c_live', '2 days')"), '3', 'c: three segments sealed');
sql(insert_sql('c_live', 3001, 3300, "'2024-04-01 06:00:00+00'::timestamptz + k * interval '1 second'"));
create_table('c_drop_live');    # its DROP will be in progress
sql(insert_sql('c_drop_live', 1, 500, "'2024-04-01 00:00:00+00'::timestamptz + k * interval '1 second'"));
create_table('c_trunc_live');   # its TRUNCATE will be in progress
sql(insert_sql('c_trunc_live', 1, 700, "'2024-04-01 00:00:00+00'::timestamptz + k * interval '1 second'"));
create_table('c_dropped');      # dropped, but its directory survives
sql(insert_sql('c_dropped', 1, 400, "'2024-04-01 00:00:00+00'::timestamptz + k * interval '1 second'"));

# superseded active files go now, so that nothing below changes live directories
sql('SELECT * FROM segstore.run_maintenance()');
my %c_content = map { $_ => content($_) } qw(ev c_live c_drop_live c_trunc_live);
my $dropped_rfn = relfilenode('c_dropped');
my $dropped_dir = "$dbdir/$dropped_rfn";
my $saved = PostgreSQL::Test::Utils::tempdir() . '/saved_dir';
PostgreSQL::Test::RecursiveCopy::copypath($dropped_dir, $saved);
sql('DROP TABLE c_dropped');
ok(!-e $dropped_dir, 'c: DROP TABLE removed the directory at commit');
# as if the server had crashed right after the commit
PostgreSQL::Test::RecursiveCopy::copypath($saved, $dropped_dir);

# a CREATE TABLE that never commits
my $creator = $node->background_psql('postgres');
$creator->query_safe('BEGIN');
create_table('c_never', $creator);
$creator->query_safe(insert_sql('c_never', 1, 600, "'2024-04-01 00:00:00+00'::timestamptz + k * interval '1 second'"));
my $never_rfn = $creator->query_safe("SELECT pg_relation_filenode('c_never')");
my $never_dir = "$dbdir/$never_rfn";
like(dir_listing($never_dir), qr/\.act/, 'c: the uncommitted table has written a segment file');
crash_and_restart($creator);
# The crashed transaction's xid may never have reached the WAL, so the
# server can hand it out again after the restart; the sessions below must
# not get it, or its directory would look like that of a table still being
# created (and rightly be kept).  Use up a few xids first.
sql('SELECT txid_current()') for 1 .. 10;

ok(-d $never_dir, 'c: after the crash the directory of the never-committed table is still there');
is(sql("SELECT to_regclass('c_never') IS NULL"), 't', 'c: the never-committed table does not exist');
ok(-d $dropped_dir, 'c: after the crash the directory of the dropped table is still there');

# a stray directory under an unused relfilenode number
my $stray_dir = "$dbdir/999999";
ok(!-e $node->data_dir . "/base/$dboid/999999", 'c: relfilenode 999999 is unused');
PostgreSQL::Test::RecursiveCopy::copypath(table_dir('c_live'), $stray_dir);

# live tables whose DROP, TRUNCATE or CREATE is in progress right now
my $dropper = $node->background_psql('postgres');
$dropper->query_safe('BEGIN');
$dropper->query_safe('DROP TABLE c_drop_live');
my $truncater = $node->background_psql('postgres');
$truncater->query_safe('BEGIN');
my $trunc_old_rfn = relfilenode('c_trunc_live');
$truncater->query_safe('TRUNCATE c_trunc_live');
$truncater->query_safe(insert_sql('c_trunc_live', 9001, 9010, "'2024-04-02 00:00:00+00'"));
my $trunc_new_rfn = $truncater->query_safe("SELECT pg_relation_filenode('c_trunc_live')");
isnt($trunc_new_rfn, $trunc_old_rfn, 'c: the truncate gave the table a new relfilenode');
my $pending = $node->background_psql('postgres');
$pending->query_safe('BEGIN');
create_table('c_pending', $pending);
$pending->query_safe(insert_sql('c_pending', 1, 800, "'2024-04-01 00:00:00+00'::timestamptz + k * interval '1 second'"));
my $pending_rfn = $pending->query_safe("SELECT pg_relation_filenode('c_pending')");

my %live_dirs = (
	ev => $ev_dir,
	c_live => table_dir('c_live'),
	c_drop_live => "$dbdir/" . relfilenode('c_drop_live'),
	c_trunc_live_old => "$dbdir/$trunc_old_rfn",
	c_trunc_live_new => "$dbdir/$trunc_new_rfn",
	c_pending => "$dbdir/$pending_rfn");
my %live_listing = map { $_ => dir_listing($live_dirs{$_}) } keys %live_dirs;

is( sql("SELECT coalesce(table_name::text, '-'), coalesce(segment_id::text, '-'), action, row_count "
		  . "FROM segstore.run_maintenance() ORDER BY action, table_name"),
	"-|-|remove orphan directories|3\n"
	  . "c_drop_live|-|skipped: table is busy|\n"
	  . "c_trunc_live|-|skipped: table is busy|",
	'c: maintenance removed three orphan directories (tables busy with DDL skipped)');
ok(!-e $never_dir, 'c: the directory of the never-committed table is gone');
ok(!-e $dropped_dir, 'c: the directory of the dropped table is gone');
ok(!-e $stray_dir, 'c: the stray directory is gone');
for my $k (sort keys %live_dirs)
{
	is(dir_listing($live_dirs{$k}), $live_listing{$k},
		"c: the directory of live table $k is untouched");
}

$dropper->query_safe('ROLLBACK');
$dropper->quit;
$truncater->query_safe('ROLLBACK');
$truncater->quit;
$pending->query_safe('COMMIT');
$pending->quit;
ok(!-e $live_dirs{c_trunc_live_new}, 'c: the rolled-back truncate removed its new directory');
is(relfilenode('c_trunc_live'), $trunc_old_rfn, 'c: the table is back on its old relfilenode');
for my $t (sort keys %c_content)
{
	is(content($t), $c_content{$t}, "c: table $t has all its rows");
}
is(sql('SELECT count(*), sum(k) FROM c_pending'), '800|320400',
	'c: the table created while maintenance ran has its rows');

is( sql("SELECT count(*) FROM segstore.run_maintenance() WHERE action <> 'remove files' OR table_name IS NULL"),
	'0', 'c: a second maintenance run finds no orphan directory');
is( dir_listing($dbdir),
	join(' ', sort { $a cmp $b } map { relfilenode($_) } qw(c_drop_live c_live c_pending c_trunc_live ev)),
	'c: the database directory holds exactly the directories of the live tables');
for my $t (sort keys %c_content)
{
	is(content($t), $c_content{$t}, "c: table $t still has all its rows");
}

# ======================================================================
note '---- d) two maintenance runs at the same time ----';

sql("CREATE TABLE d_ret (ts timestamptz NOT NULL, k int NOT NULL, v text NOT NULL) USING segstore");
sql(insert_sql('d_ret', 1, 3000,
		"'2024-05-01 00:00:00+00'::timestamptz + (k % 3) * interval '1 day' + k * interval '1 second'"));
sql("SELECT segstore.set_policy('d_ret', retention => '1 day')");
is(sql("SELECT retention FROM segstore.policies WHERE table_name = 'd_ret'::regclass"),
	'1 day', 'd: retention policy set');
my $d_before = content('d_ret');
my $d_segments = segments('d_ret');
my $d_dir = table_dir('d_ret');
is( sql("SELECT string_agg(state || ':' || row_count, ',' ORDER BY segment_id) FROM segstore.segments WHERE table_name = 'd_ret'::regclass"),
	'active:1000,active:1000,active:1000', 'd: three active segments of 2024');

my ($first, $first_pid) = start_paused('evict-marked', 'SELECT * FROM segstore.run_maintenance()');
is( sql("SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'segstore maintenance'"),
	'1', 'd: the first run\'s worker is running (paused)');

my $t0 = time;
is( sql("SELECT coalesce(table_name::text, '-'), coalesce(segment_id::text, '-'), action, coalesce(row_count::text, '-') "
		  . "FROM segstore.run_maintenance()"),
	'-|-|skipped: maintenance is already running in this database|-',
	'd: a second run says maintenance is already running');
my $elapsed = time - $t0;
cmp_ok($elapsed, '<', 30, 'd: the second run returned at once, without waiting for the first');
note "d: the second run took $elapsed s";
is(content('d_ret'), $d_before, 'd: while the first run is paused every row is visible');

my $offset = -s $node->logfile;
is(sql("SELECT pg_cancel_backend($first_pid)"), 't', 'd: cancel the first run');
$node->poll_query_until('postgres',
	"SELECT count(*) = 0 FROM pg_stat_activity WHERE backend_type = 'segstore maintenance'")
  or die 'the maintenance worker did not stop';
pass('d: cancelling the caller stopped its worker');
$first->quit;
like($first->{stderr}, qr/canceling statement due to user request/,
	'd: the first run was cancelled');
$node->wait_for_log(qr/terminating background worker "segstore maintenance" due to administrator command/,
	$offset);
pass('d: the worker was terminated');

is(content('d_ret'), $d_before, 'd: after the cancel every row is there');
is(segments('d_ret'), $d_segments, 'd: after the cancel the same segments (the run\'s seals rolled back too)');
is(manifest('d_ret'), '', 'd: after the cancel no manifest row for the table');

my @ids = map { $_->[0] } segment_rows('d_ret');
is( sql("SELECT coalesce(table_name::text, '-'), segment_id, action, row_count FROM segstore.run_maintenance() "
		  . "ORDER BY action DESC, segment_id"),
	join("\n", (map { "d_ret|$_|seal|1000" } @ids), (map { "d_ret|$_|evict|1000" } @ids)),
	'd: a third run seals and evicts the three segments');
is(content('d_ret') =~ s/\|.*//r, '0', 'd: after the third run no row is left');
is(segments('d_ret'), '', 'd: after the third run no segment is left');
is(manifest('d_ret'), join("\n", map { "$_|evicted" } @ids), 'd: the manifest says evicted');

is( sql("SELECT coalesce(table_name::text, '-'), action, row_count FROM segstore.run_maintenance()"),
	'd_ret|remove files|6', 'd: a fourth run removes the evicted files (three .act, three .seal)');
is(dir_listing($d_dir), 'chunks creator', 'd: only the chunk log and the creator file are left');
is(manifest('d_ret'), '', 'd: no manifest row left');
for my $t (sort keys %c_content)
{
	is(content($t), $c_content{$t}, "d: table $t is untouched by the maintenance runs");
}

$node->stop;
my $log = slurp_file($node->logfile);
unlike($log, qr/terminated by signal/, 'no backend was terminated by a signal');
unlike($log, qr/PANIC|TRAP:/, 'no PANIC or assertion failure');

done_testing();
