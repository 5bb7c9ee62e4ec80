# Damage to active segment files.
#
# A torn record at the end of a segment (what a crash during an append
# leaves) is not read, and is cut off, with a LOG message, before the
# segment is appended to again.  A complete record in the middle of a
# segment whose checksum fails is corruption: queries of that table fail
# with data_corrupted (XX001) naming the file, and nothing else is hurt.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $HEADER_SIZE = 64;
my $RECORD_HEADER_SIZE = 32;
my $TS = '2024-03-01 12:00:00+00';

my $node = PostgreSQL::Test::Cluster->new('torn_tail');
$node->init;
$node->append_conf('postgresql.conf', "shared_preload_libraries = 'segstore'");
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION segstore');

# Rows of one width: k in 1000..9999 packs as a uint16, ts as an int64,
# md5 text as a 32-byte str, so every record of these tables is as long.
sub load
{
	my ($table, $from, $to) = @_;
	$node->safe_psql('postgres',
		"INSERT INTO $table SELECT '$TS', k, md5(k::text) FROM generate_series($from, $to) k"
	);
}

sub segments
{
	my ($table) = @_;
	return $node->safe_psql('postgres',
		"SELECT segment_id, row_count, bytes, file FROM segstore.segments WHERE table_name = '$table'::regclass ORDER BY segment_id"
	);
}

for my $t (qw(tt tt_hdr tt_zero tc tok))
{
	$node->safe_psql('postgres',
		"CREATE TABLE $t (ts timestamptz NOT NULL, k int NOT NULL, v text NOT NULL) USING segstore"
	);
}
load('tt',      1000, 1099);
load('tt_hdr',  1000, 1009);
load('tt_zero', 1000, 1009);
load('tc',      2000, 2199);
load('tok',     3000, 3049);

my %seg;
for my $t (qw(tt tt_hdr tt_zero tc))
{
	my ($id, $rows, $bytes, $file) = split /\|/, segments($t);
	$seg{$t} = { id => $id, rows => $rows, bytes => $bytes, file => $file };
}
is(segments('tt') =~ tr/\n//, 0, 'tt has one segment');
is($seg{tt}{rows}, 100, 'tt segment holds 100 rows');
my $reclen = ($seg{tt}{bytes} - $HEADER_SIZE) / 100;
is($reclen, int($reclen), 'records of tt have one length');
note "record length $reclen";

$node->stop('immediate');

sub append_bytes
{
	my ($file, $bytes) = @_;
	open(my $fh, '>>', $node->data_dir . "/$file") or die "open $file: $!";
	binmode $fh;
	print $fh $bytes;
	close $fh or die "close $file: $!";
}

# tt: a record header claiming a 1000-byte payload, followed by only 100
# bytes of it.
my $torn = pack('V V Q< V V q<', 1000, 0x5a5a5a5a, 9999, 12345, 0,
	764_510_400_000_000) . ('x' x 100);
is(length($torn), $RECORD_HEADER_SIZE + 100, 'torn record is 132 bytes');
append_bytes($seg{tt}{file}, $torn);
# tt_hdr: only 20 bytes of a record header
append_bytes($seg{tt_hdr}{file}, pack('V V Q< V', 60, 0x12345678, 1, 2));
# tt_zero: zeros an OS crash may leave after extending a file
append_bytes($seg{tt_zero}{file}, "\0" x 5000);

# tc: damage one byte in the payload of its 101st record
my $tc_path = $node->data_dir . "/$seg{tc}{file}";
open(my $fh, '+<', $tc_path) or die "open $tc_path: $!";
binmode $fh;
my $offset = $HEADER_SIZE;
for (1 .. 100)
{
	my $len;
	seek($fh, $offset, 0);
	read($fh, $len, 4) == 4 or die "short read";
	$offset += $RECORD_HEADER_SIZE + unpack('V', $len);
}
my $byte;
seek($fh, $offset + $RECORD_HEADER_SIZE + 5, 0);
read($fh, $byte, 1);
seek($fh, $offset + $RECORD_HEADER_SIZE + 5, 0);
print $fh chr(ord($byte) ^ 0x01);
close $fh;
cmp_ok($offset, '<', $seg{tc}{bytes} - $RECORD_HEADER_SIZE,
	'damaged record is in the middle of the file');
note "damaged record of tc at offset $offset";

$node->start;

# ---- torn tails ----

is($node->safe_psql('postgres', 'SELECT count(*) FROM tt'),
	'100', 'torn record is not read');
is( $node->safe_psql('postgres',
		"SELECT row_count, bytes FROM segstore.segments WHERE table_name = 'tt'::regclass"),
	"100|" . ($seg{tt}{bytes} + 132),
	'segments view: torn record not counted, not yet cut');
is($node->safe_psql('postgres', 'SELECT count(*) FROM tt_hdr'),
	'10', 'torn record header is not read');
is($node->safe_psql('postgres', 'SELECT count(*) FROM tt_zero'),
	'10', 'zero tail is not read');

my $log_offset = -s $node->logfile;
load('tt',      1100, 1149);
load('tt_hdr',  1010, 1019);
load('tt_zero', 1010, 1019);

ok( $node->log_contains(
		qr/segstore: cut a torn record of 132 bytes from the end of "\Q$seg{tt}{file}\E"/,
		$log_offset),
	'log reports cutting the torn record of tt');
ok( $node->log_contains(
		qr/segstore: cut a torn record of 20 bytes from the end of "\Q$seg{tt_hdr}{file}\E"/,
		$log_offset),
	'log reports cutting the torn header of tt_hdr');
ok( $node->log_contains(
		qr/segstore: cut a torn record of 5000 bytes from the end of "\Q$seg{tt_zero}{file}\E"/,
		$log_offset),
	'log reports cutting the zero tail of tt_zero');

is( $node->safe_psql('postgres',
		'SELECT count(*), count(DISTINCT k), min(k), max(k), count(DISTINCT ctid) FROM tt'),
	'150|150|1000|1149|150',
	'tt: old and new rows readable after the cut');
is($node->safe_psql('postgres', 'SELECT count(*) FROM tt WHERE v <> md5(k::text)'),
	'0', 'tt: every row intact');
# row numbers: the first 100 rows used chunk 0; after the cut the segment
# continues in a fresh chunk (row numbers 65536..), see seg_active.c
is( $node->safe_psql('postgres',
		"SELECT min(n), max(n) FROM (SELECT ((ctid::text::point)[0] * 291 + (ctid::text::point)[1] - 1)::bigint AS n, k FROM tt) s GROUP BY k >= 1100 ORDER BY 1"
	),
	"0|99\n65536|65585",
	'tt: rows after the cut continue in a fresh row-number chunk');
is( segments('tt'),
	join('|', $seg{tt}{id}, 150, $HEADER_SIZE + 150 * $reclen, $seg{tt}{file}),
	'tt: new rows appended to the same segment right after the last whole record'
);
is( $node->safe_psql('postgres',
		'SELECT count(*), count(DISTINCT ctid), count(*) FILTER (WHERE v <> md5(k::text)) FROM tt_hdr'),
	'20|20|0',
	'tt_hdr: old and new rows readable after the cut');
is( segments('tt_hdr'),
	join('|', $seg{tt_hdr}{id}, 20, $HEADER_SIZE + 20 * $reclen, $seg{tt_hdr}{file}),
	'tt_hdr: appended right after the last whole record');
is( $node->safe_psql('postgres',
		'SELECT count(*), count(DISTINCT ctid), count(*) FILTER (WHERE v <> md5(k::text)) FROM tt_zero'),
	'20|20|0',
	'tt_zero: old and new rows readable after the cut');
is( segments('tt_zero'),
	join('|', $seg{tt_zero}{id}, 20, $HEADER_SIZE + 20 * $reclen, $seg{tt_zero}{file}),
	'tt_zero: appended right after the last whole record');

# ---- a damaged record in the middle ----

my $start_time =
  $node->safe_psql('postgres', 'SELECT pg_postmaster_start_time()');
my ($ret, $stdout, $stderr) = $node->psql('postgres', 'SELECT count(*) FROM tc');
isnt($ret, 0, 'query of the damaged table fails');
is($stdout, '', 'query of the damaged table returns no rows');
like($stderr, qr/checksum mismatch in segment file/, 'error reports a checksum mismatch');
like(
	$stderr,
	qr/ERROR:  checksum mismatch in segment file "\Q$seg{tc}{file}\E" at offset $offset\b/,
	'error names the file and the offset of the damaged record');

($ret, $stdout, $stderr) = $node->psql('postgres',
	"\\set VERBOSITY verbose\nSELECT k FROM tc WHERE k = 2000");
isnt($ret, 0, 'any scan of the damaged table fails');
like($stderr, qr/ERROR:  XX001: checksum mismatch in segment file "\Q$seg{tc}{file}\E"/,
	'SQLSTATE is XX001 (data_corrupted)');

($ret, $stdout, $stderr) = $node->psql('postgres',
	"DO \$\$ BEGIN PERFORM count(*) FROM tc; EXCEPTION WHEN data_corrupted THEN RAISE NOTICE 'caught %', SQLSTATE; END \$\$"
);
is($ret, 0, 'error can be caught as data_corrupted');
like($stderr, qr/NOTICE:  caught XX001/, 'caught error has SQLSTATE XX001');

is($node->safe_psql('postgres', 'SELECT 1'), '1', 'server is still up');
is($node->safe_psql('postgres', 'SELECT pg_postmaster_start_time()'),
	$start_time, 'server did not restart');
is($node->safe_psql('postgres', 'SELECT count(*), sum(k) FROM tok'),
	'50|' . (3000 + 3049) * 25, 'other tables stay readable');
is($node->safe_psql('postgres', 'SELECT count(*) FROM tt'),
	'150', 'tt stays readable');

$node->stop;
my $log = slurp_file($node->logfile);
unlike($log, qr/terminated by signal/, 'no backend was terminated by a signal');
unlike($log, qr/PANIC|TRAP:/, 'no PANIC or assertion failure');

done_testing();
