# Transaction id wraparound cannot hide the rows of frozen segments.
#
# Every stored row carries the 32-bit xid of its inserting transaction.
# Once 2^31 more transactions have started, an old xid reads as one in the
# future and its rows would vanish, unless VACUUM froze them: a frozen
# sealed segment's rows count as inserted by FrozenTransactionId (or, for
# rows of transactions that aborted, listed in aborted_rows, by none)
# whatever their stored xid.
#
# Tables with the same rows:
#   frozen_t     segstore, sealed, then VACUUM FREEZE twice.  Also: a
#                prepared transaction that inserted a row before the seal
#                and is rolled back (ROLLBACK PREPARED) after it, another
#                one (with a rolled-back and a released savepoint)
#                committed (COMMIT PREPARED), deleted and updated rows,
#                rows in a bucket sealed later by VACUUM FREEZE itself;
#   heap_t       heap, the rows frozen_t must return;
#   unfrozen_t   segstore, sealed (plus an active segment), never
#                vacuumed: the control, whose rows must disappear;
#   rewritten_t, clustered_t
#                segstore, frozen, then rewritten by VACUUM FULL and
#                CLUSTER and never vacuumed again: the copies of frozen
#                rows must stay frozen, since the rewrite keeps the
#                table's relfrozenxid.
# Every other table of every database we can connect to is vacuum-frozen.
# Then the server is stopped, pg_resetwal moves the next xid a bit more
# than 2^31 past every xid used so far (and the oldest xid along, so that
# the server accepts commands), and after the restart frozen_t, heap_t,
# rewritten_t and clustered_t return exactly their rows by every access
# path while unfrozen_t returns none.  Rows changed after the jump, and
# frozen again, work too.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('freeze_wraparound');
$node->init;
$node->append_conf('postgresql.conf',
	"shared_preload_libraries = 'segstore'\n"
	  . "autovacuum = off\n"
	  . "max_prepared_transactions = 5\n"
	  . "max_parallel_workers_per_gather = 0\n"
	  . "timezone = 'UTC'\n");
$node->start;

sub query { return $node->safe_psql('postgres', $_[0]); }

query('CREATE EXTENSION segstore');
for my $t (qw(frozen_t unfrozen_t rewritten_t clustered_t))
{
	query("CREATE TABLE $t (ts timestamptz NOT NULL, id int PRIMARY KEY, v int, note text) USING segstore");
}
query('CREATE TABLE heap_t (ts timestamptz NOT NULL, id int PRIMARY KEY, v int, note text) USING heap');

# row number of a ctid "(block,offset)": block * 291 + offset - 1
sub row_number_of
{
	my ($ctid) = @_;
	$ctid =~ /^\((\d+),(\d+)\)$/ or die "bad ctid $ctid";
	return $1 * 291 + $2 - 1;
}

# the manifest rows of a table
sub manifest_sql
{
	my ($t, $what) = @_;
	return "SELECT $what FROM segstore.manifest m JOIN pg_class c ON c.relfilenode = m.relfilenode "
	  . "WHERE c.oid = '$t'::regclass";
}

# ---- the rows ----

# base rows: 100 per day over four days (03-01 .. 03-04)
my $BASE = "SELECT '2024-03-01 00:00+00'::timestamptz + (i - 1) * interval '864 seconds', i, i, 'n' || i "
  . "FROM generate_series(1, 400) i";
# more rows of bucket 03-02, committed after the PREPAREs
my $MORE = "SELECT '2024-03-02 06:00:00+00'::timestamptz + i * interval '1 second', i, i, 'more' "
  . "FROM generate_series(401, 420) i";
# rows of a new bucket (03-05), after the seal
my $LATER = "SELECT '2024-03-05 01:00:00+00'::timestamptz + i * interval '1 minute', i, i, 'later' "
  . "FROM generate_series(421, 430) i";

my $load_xid = query("BEGIN; INSERT INTO frozen_t $BASE; SELECT pg_current_xact_id(); COMMIT;");
query("INSERT INTO unfrozen_t $BASE");
query("INSERT INTO heap_t $BASE");

# prepared transactions, inserting into buckets 03-02, 03-03 and 03-04
my $ctid_aborted = query(
	"BEGIN;
	 INSERT INTO frozen_t VALUES ('2024-03-02 12:00:30+00', 9001, 9001, 'prepared, rolled back');
	 SELECT ctid FROM frozen_t WHERE id = 9001;
	 PREPARE TRANSACTION 'p_abort';");
my $ctid_savepoint = query(
	"BEGIN;
	 INSERT INTO frozen_t VALUES ('2024-03-03 12:00:30+00', 9002, 9002, 'prepared, committed');
	 SAVEPOINT a;
	 INSERT INTO frozen_t VALUES ('2024-03-03 12:00:40+00', 9003, 9003, 'savepoint rolled back');
	 SELECT ctid FROM frozen_t WHERE id = 9003;
	 ROLLBACK TO SAVEPOINT a;
	 SAVEPOINT b;
	 INSERT INTO frozen_t VALUES ('2024-03-04 12:00:50+00', 9004, 9004, 'savepoint released');
	 RELEASE SAVEPOINT b;
	 PREPARE TRANSACTION 'p_commit';");
query("INSERT INTO heap_t VALUES ('2024-03-03 12:00:30+00', 9002, 9002, 'prepared, committed'), "
	  . "('2024-03-04 12:00:50+00', 9004, 9004, 'savepoint released')");
for my $t (qw(frozen_t unfrozen_t heap_t))
{
	query("INSERT INTO $t $MORE");
}

is(query("SELECT count(*), sum(row_count) FROM segstore.seal('frozen_t')"),
	'4|423', 'frozen_t: four buckets sealed, the prepared rows kept, the rolled-back savepoint\'s dropped');
is(query("SELECT count(*), sum(row_count) FROM segstore.seal('unfrozen_t')"),
	'4|420', 'unfrozen_t: four buckets sealed');
is( query(manifest_sql('frozen_t',
			"string_agg(to_char(bucket_start, 'MM-DD') || ':' || pending_rows, ',' ORDER BY bucket_start)")),
	'03-01:false,03-02:true,03-03:true,03-04:true',
	'frozen_t: the segments holding prepared rows have pending_rows');

# deletes and updates of sealed rows, new rows in an active segment
for my $t (qw(frozen_t heap_t))
{
	query("DELETE FROM $t WHERE id % 50 = 0");
	query("UPDATE $t SET v = -v, note = 'updated' WHERE id BETWEEN 201 AND 210");
	query("INSERT INTO $t $LATER");
}
query("INSERT INTO unfrozen_t $LATER");

# ---- VACUUM FREEZE while the prepared transactions run ----
query('VACUUM FREEZE frozen_t');
is( query(manifest_sql('frozen_t',
			"string_agg(to_char(bucket_start, 'MM-DD') || ':' || frozen, ',' ORDER BY bucket_start, segment_id)")),
	'03-01:true,03-02:false,03-03:false,03-04:false',
	'VACUUM FREEZE with prepared transactions running: their segments stay unfrozen, the other one is frozen');
is( query("SELECT count(*) FROM segstore.segments WHERE table_name = 'frozen_t'::regclass AND state <> 'sealed'"),
	'2', 'VACUUM FREEZE with prepared transactions running: rows newer than them stay in active segments');
is(query("SELECT relfrozenxid FROM pg_class WHERE oid = 'frozen_t'::regclass"),
	$load_xid, 'relfrozenxid stops at the oldest row of an unfrozen segment');

query("ROLLBACK PREPARED 'p_abort'");
query("COMMIT PREPARED 'p_commit'");
is(query('SELECT count(*) FROM pg_prepared_xacts'), '0', 'no prepared transaction left');

# ---- VACUUM FREEZE twice ----
query('VACUUM FREEZE frozen_t');
query('VACUUM FREEZE frozen_t');
query('VACUUM FREEZE heap_t');
is( query(manifest_sql('frozen_t',
			"count(*) FILTER (WHERE NOT frozen AND row_count > 0) || ':' || count(*) FILTER (WHERE frozen)")),
	'0:6', 'frozen_t: every segment with rows is frozen');
is( query("SELECT count(*) FROM segstore.segments WHERE table_name = 'frozen_t'::regclass AND state <> 'sealed'"),
	'0', 'frozen_t: no active segment left');
my $rn_aborted = row_number_of($ctid_aborted);
is( query(manifest_sql('frozen_t', "aborted_rows") . " AND to_char(bucket_start, 'MM-DD') = '03-02'"),
	"{$rn_aborted}", 'aborted_rows of bucket 03-02 lists the row of the rolled-back prepared transaction');
# the rolled-back savepoint's row was dropped by the seal or is listed
my $rn_savepoint = row_number_of($ctid_savepoint);
is( query(manifest_sql('frozen_t', "count(*)")
		  . " AND aborted_rows IS NOT NULL AND NOT (aborted_rows <@ ARRAY[$rn_aborted, $rn_savepoint]::bigint[])"),
	'0', 'aborted_rows lists only rows of aborted (sub)transactions');
is( query("SELECT s.relfrozenxid = h.relfrozenxid FROM pg_class s, pg_class h "
		  . "WHERE s.oid = 'frozen_t'::regclass AND h.oid = 'heap_t'::regclass"),
	't', 'frozen_t: relfrozenxid advanced as far as heap_t\'s');

# ---- rewritten copies ----
for my $t (qw(rewritten_t clustered_t))
{
	query("INSERT INTO $t SELECT * FROM heap_t");
	query("SELECT segstore.seal('$t')");
	query("VACUUM FREEZE $t");
	query("VACUUM FREEZE $t");
	is(query(manifest_sql($t, "count(*) FILTER (WHERE NOT frozen)")),
		'0', "$t: frozen before the rewrite");
}
query('VACUUM FULL rewritten_t');
query('CLUSTER clustered_t USING clustered_t_pkey');
for my $t (qw(rewritten_t clustered_t))
{
	is( query("SELECT count(*), sum(row_count) FROM segstore.segments WHERE table_name = '$t'::regclass "
			  . "AND state = 'active'"),
		query("SELECT count(DISTINCT date_trunc('day', ts)), count(*) FROM heap_t"),
		"$t: rewritten into active segments");
	is(query(manifest_sql($t, 'count(*)')), '0', "$t: no manifest row after the rewrite");
}

# ---- the rows, by every access path ----
my $ROWS = "SELECT id, extract(epoch FROM ts)::bigint, v, note FROM %s WHERE id >= -2147483648 ORDER BY id";
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
	'sequential scan' => qr/Seq Scan on/,
	'index scan' => qr/Index Scan using/,
	'bitmap scan' => qr/Bitmap Index Scan on/);

# the rows of table t by each access path, which must all be $expected
sub check_rows
{
	my ($what, $t, $expected) = @_;
	my $query = sprintf($ROWS, $t);
	for my $path (sort keys %paths)
	{
		like(query("$paths{$path} EXPLAIN (COSTS OFF) $query"), $plan_node{$path}, "$what: $t: $path plan");
		is(query("$paths{$path} $query"), $expected, "$what: $t: rows by $path");
	}
}

my $expected = query(sprintf($ROWS, 'heap_t'));
my $expected_aggs = query('SELECT count(*), sum(id), sum(v) FROM heap_t');
is($expected_aggs, '424|108871|104761', 'heap_t: the expected rows');
for my $t (qw(frozen_t rewritten_t clustered_t))
{
	check_rows('before the jump', $t, $expected);
}
is(query('SELECT count(*) FROM unfrozen_t'), '430', 'before the jump: unfrozen_t has its rows');

# ---- freeze everything else ----
# every table of this database but unfrozen_t, rewritten_t and
# clustered_t (their catalog and manifest rows are frozen with the
# catalogs: only their segments stay as they are); segstore tables first,
# then the manifest and catalogs their VACUUM wrote to
my $list = query(
	"SELECT string_agg(c.oid::regclass::text, ', ' ORDER BY a.amname = 'segstore' DESC, c.oid)
	 FROM pg_class c JOIN pg_am a ON a.oid = c.relam
	 WHERE c.relkind IN ('r', 'm')
	   AND c.oid NOT IN ('unfrozen_t'::regclass, 'rewritten_t'::regclass, 'clustered_t'::regclass)");
query("VACUUM (FREEZE) $list");
$node->safe_psql('template1', 'VACUUM (FREEZE)');
is( query("SELECT datallowconn FROM pg_database WHERE datname = 'template0'"),
	'f', 'template0 (frozen by initdb) does not accept connections');
is(query(manifest_sql('unfrozen_t', 'count(*) FILTER (WHERE frozen)')),
	'0', 'unfrozen_t: no segment frozen');
is( query("SELECT count(*), sum(row_count) FROM segstore.segments WHERE table_name = 'unfrozen_t'::regclass "
		  . "AND state = 'active'"),
	'1|10', 'unfrozen_t: one active segment');

# ---- the jump ----
my $next_xid = query('SELECT txid_current()');
# the next xid: a multiple of 2^20 (a pg_xact segment's transactions) a
# bit more than 2^31 past every xid used so far, so that each of them
# reads as "in the future", not too far (below 2^32) either
my $new_xid = (int(($next_xid + 2**31) / 2**20) + 1) * 2**20;
cmp_ok($new_xid - $next_xid, '>', 2**31, 'the new next xid is more than 2^31 past the old one');
cmp_ok($new_xid, '<', 2**32, 'the new next xid fits in 32 bits (same epoch)');
note "next xid $next_xid, moving it to $new_xid";
$node->stop;
# -u: the oldest xid moves along, so that the server does not stop
# assigning xids to prevent the wraparound we are simulating
command_ok([ 'pg_resetwal', '-x', $new_xid, '-u', $new_xid, $node->data_dir ],
	'pg_resetwal -x -u');
# the commit log segment of the new xids, zero-filled
my $clog = sprintf('%s/pg_xact/%04X', $node->data_dir, int($new_xid / 2**20));
open(my $fh, '>', $clog) or die "open $clog: $!";
binmode $fh;
print $fh "\0" x 262144;
close $fh;
$node->start;

# ---- after the jump ----
cmp_ok(query('SELECT txid_current()'), '>=', $new_xid, 'the server assigns xids past the jump');
is(query("SELECT age(relfrozenxid) < 0 FROM pg_class WHERE oid = 'unfrozen_t'::regclass"),
	't', 'unfrozen_t\'s relfrozenxid is now in the future');

is(query(sprintf($ROWS, 'heap_t')), $expected, 'after the jump: heap_t: rows');
for my $t (qw(frozen_t heap_t rewritten_t clustered_t))
{
	is(query("SELECT count(*), sum(id), sum(v) FROM $t"), $expected_aggs, "after the jump: $t: count and sums");
	check_rows('after the jump', $t, $expected) unless $t eq 'heap_t';
}
is( query("SELECT string_agg(id::text, ',' ORDER BY id) FROM frozen_t WHERE id > 9000 OR id % 50 = 0"),
	'9002,9004', 'after the jump: the committed prepared rows are there, the rolled-back and deleted ones not');
is(query("SELECT count(*), sum(v) FROM frozen_t WHERE note = 'updated'"),
	'10|-2055', 'after the jump: the updated rows have their new values');

# the control: without freezing, every row is gone
for my $path (sort keys %paths)
{
	is(query("$paths{$path} SELECT count(*) FROM unfrozen_t WHERE id >= -2147483648"),
		'0', "after the jump: unfrozen_t returns no row by $path");
}

# ---- changes after the jump, and freezing again ----
for my $t (qw(frozen_t heap_t))
{
	query("INSERT INTO $t SELECT '2024-03-01 00:01:00+00'::timestamptz + (i - 500) * interval '1 hour', i, i, 'after the jump' "
		  . "FROM generate_series(501, 520) i");
	query("DELETE FROM $t WHERE id IN (1, 222, 401, 505)");
	query("UPDATE $t SET v = v * 1000 WHERE id IN (2, 223, 402, 506)");
}
$expected = query(sprintf($ROWS, 'heap_t'));
check_rows('changed after the jump', 'frozen_t', $expected);
query('VACUUM FREEZE frozen_t');
query('VACUUM FREEZE frozen_t');
is( query(manifest_sql('frozen_t', "count(*) FILTER (WHERE NOT frozen AND row_count > 0)")),
	'0', 'frozen again after the jump: every segment with rows is frozen');
is( query("SELECT count(*) FROM segstore.segments WHERE table_name = 'frozen_t'::regclass AND state <> 'sealed'"),
	'0', 'frozen again after the jump: no active segment left');
check_rows('frozen again after the jump', 'frozen_t', $expected);
is(query("SELECT count(*) FROM segstore.verify('frozen_t') WHERE NOT ok"), '0',
	'segstore.verify finds no problem');

$node->stop;
my $log = slurp_file($node->logfile);
unlike($log, qr/PANIC|TRAP:/, 'no PANIC or assertion failure');
unlike($log, qr/terminated by signal/, 'no backend was terminated by a signal');

done_testing();
