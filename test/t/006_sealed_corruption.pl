# Damage to sealed segment files.
#
# A sealed file is header (CRC-32C at its end), zstd blocks, a block index
# of 56-byte entries and a 32-byte footer (src/format/seg_sealed.c).  One
# byte is flipped in the header, in a block's compressed bytes, in the
# block index and in the footer of one sealed file each (each in another
# table), and one file gets a newer format version with consistent
# checksums.  Queries of the damaged tables must fail with data_corrupted
# (XX001) naming the file (and the block), without hurting the server or
# other tables.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $INDEX_ENTRY_SIZE = 56;
my $FOOTER_SIZE = 32;
my $SEALED_MAGIC = 0x31534753;    # "SGS1"
my $FOOTER_MAGIC = 0x46534753;    # "SGSF"

# ---- CRC-32C (Castagnoli, reflected polynomial 0x82F63B78) ----
my @crc_table;
for my $i (0 .. 255)
{
	my $c = $i;
	$c = ($c & 1) ? (($c >> 1) ^ 0x82F63B78) : ($c >> 1) for 1 .. 8;
	push @crc_table, $c;
}

sub crc32c
{
	my ($data) = @_;
	my $crc = 0xFFFFFFFF;
	$crc = $crc_table[ ($crc ^ $_) & 0xFF ] ^ ($crc >> 8) for unpack('C*', $data);
	return $crc ^ 0xFFFFFFFF;
}
is(crc32c('123456789'), 0xE3069283, 'CRC-32C check value');

# ---- sealed files ----

sub slurp_bin
{
	my ($path) = @_;
	open(my $fh, '<', $path) or die "open $path: $!";
	binmode $fh;
	local $/;
	my $data = <$fh>;
	close $fh;
	return $data;
}

sub write_bin
{
	my ($path, $data) = @_;
	open(my $fh, '>', $path) or die "open $path: $!";
	binmode $fh;
	print $fh $data;
	close $fh or die "close $path: $!";
}

# Parse a sealed file: header fields, footer fields, index entries.
sub parse_sealed
{
	my ($data) = @_;
	my %f;
	my $size = length($data);
	@f{qw(magic version hsize)} = unpack('V v v', substr($data, 0, 8));
	@f{qw(index_offset nblocks index_crc header_crc fversion reserved1 reserved2 fmagic)} =
	  unpack('Q< V V V v v V V', substr($data, $size - $FOOTER_SIZE));
	$f{header_stored_crc} = unpack('V', substr($data, $f{hsize} - 4, 4));
	$f{blocks} = [];
	for my $i (0 .. $f{nblocks} - 1)
	{
		my %b;
		@b{qw(first_row last_row offset csize rsize nrows crc min_time max_time)} =
		  unpack('Q< Q< Q< V V V V q< q<',
			substr($data, $f{index_offset} + $i * $INDEX_ENTRY_SIZE, $INDEX_ENTRY_SIZE));
		push @{ $f{blocks} }, \%b;
	}
	return \%f;
}

sub flip_byte
{
	my ($path, $offset) = @_;
	my $data = slurp_bin($path);
	die "offset $offset beyond $path" if $offset >= length($data);
	substr($data, $offset, 1) = chr(ord(substr($data, $offset, 1)) ^ 0x01);
	write_bin($path, $data);
}

my $node = PostgreSQL::Test::Cluster->new('sealed_corruption');
$node->init;
$node->append_conf('postgresql.conf',
	"shared_preload_libraries = 'segstore'\nmax_parallel_workers_per_gather = 0\n");
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION segstore');

my @tables = qw(c_hdr c_blk c_idx c_ftr c_ver c_ok);
my $ROWS = 1800;    # 600 in each of three daily buckets
for my $t (@tables)
{
	$node->safe_psql('postgres',
		"CREATE TABLE $t (ts timestamptz NOT NULL, k int NOT NULL, v text NOT NULL) USING segstore "
		  . "WITH (segstore.block_size = '4kB')");
	$node->safe_psql('postgres',
		"INSERT INTO $t SELECT '2024-03-01 00:00:00+00'::timestamptz + (k % 3) * interval '1 day' + k * interval '1 second', "
		  . "k, md5(k::text) FROM generate_series(1, $ROWS) k");
	is( $node->safe_psql('postgres', "SELECT count(*) FROM segstore.seal('$t')"),
		'3', "$t: three segments sealed");
}
$node->safe_psql('postgres', 'SELECT * FROM segstore.run_maintenance()');
my $ok_content = $node->safe_psql('postgres', 'SELECT ctid, * FROM c_ok');

# the sealed file of the second segment of each table
my %file;
for my $t (@tables)
{
	my @segs = split /\n/,
	  $node->safe_psql('postgres',
		"SELECT state, file FROM segstore.segments WHERE table_name = '$t'::regclass ORDER BY segment_id"
	  );
	is(scalar(@segs), 3, "$t: three segments");
	my ($state, $file) = split /\|/, $segs[1];
	is($state, 'sealed', "$t: second segment is sealed");
	like($file, qr/\.seal$/, "$t: second segment is read from a .seal file");
	$file{$t} = $file;
}

$node->stop;

# Check our reading of the format on an intact file.
my %parsed;
for my $t (@tables)
{
	my $path = $node->data_dir . "/$file{$t}";
	my $data = slurp_bin($path);
	my $f = parse_sealed($data);
	$parsed{$t} = $f;
	is($f->{magic}, $SEALED_MAGIC, "$t: header magic");
	is($f->{fmagic}, $FOOTER_MAGIC, "$t: footer magic");
	is($f->{version}, 1, "$t: header format version 1");
	is($f->{fversion}, 1, "$t: footer format version 1");
	is($f->{header_stored_crc}, crc32c(substr($data, 0, $f->{hsize} - 4)),
		"$t: header CRC-32C matches");
	is($f->{header_crc}, $f->{header_stored_crc}, "$t: footer holds the header CRC");
	is( $f->{index_offset} + $f->{nblocks} * $INDEX_ENTRY_SIZE + $FOOTER_SIZE,
		length($data), "$t: block index ends at the footer");
	is($f->{index_crc},
		crc32c(substr($data, $f->{index_offset}, $f->{nblocks} * $INDEX_ENTRY_SIZE)),
		"$t: block index CRC-32C matches");
	cmp_ok($f->{nblocks}, '>=', 3, "$t: the file has several blocks");
	my $bad = 0;
	my $rows = 0;
	for my $b (@{ $f->{blocks} })
	{
		$bad++ if crc32c(substr($data, $b->{offset}, $b->{csize})) != $b->{crc};
		$rows += $b->{nrows};
	}
	is($bad, 0, "$t: every block CRC-32C matches");
	is($rows, $ROWS / 3, "$t: blocks hold the segment's rows");
}

# (a) header: a byte of the segment id
flip_byte($node->data_dir . "/$file{c_hdr}", 8);

# (b) block 2: a byte in the middle of its compressed bytes
my $BAD_BLOCK = 2;
my $blk = $parsed{c_blk}{blocks}[$BAD_BLOCK];
flip_byte($node->data_dir . "/$file{c_blk}", $blk->{offset} + int($blk->{csize} / 2));

# (c) block index: the file offset of entry 1
flip_byte($node->data_dir . "/$file{c_idx}",
	$parsed{c_idx}{index_offset} + 1 * $INDEX_ENTRY_SIZE + 16);

# (d) footer: the low byte of the index offset
{
	my $path = $node->data_dir . "/$file{c_ftr}";
	flip_byte($path, (-s $path) - $FOOTER_SIZE);
}

# (e) format version 2 in header and footer, checksums recomputed
{
	my $path = $node->data_dir . "/$file{c_ver}";
	my $data = slurp_bin($path);
	my $hsize = $parsed{c_ver}{hsize};
	my $fstart = length($data) - $FOOTER_SIZE;
	substr($data, 4, 2) = pack('v', 2);
	my $crc = crc32c(substr($data, 0, $hsize - 4));
	substr($data, $hsize - 4, 4) = pack('V', $crc);
	substr($data, $fstart + 16, 4) = pack('V', $crc);
	substr($data, $fstart + 20, 2) = pack('v', 2);
	write_bin($path, $data);
	my $f = parse_sealed($data);
	is($f->{version} . '|' . $f->{fversion}, '2|2', 'c_ver: version 2 written');
	is($f->{header_stored_crc}, crc32c(substr($data, 0, $hsize - 4)),
		'c_ver: header CRC recomputed');
	is($f->{header_crc}, $f->{header_stored_crc}, 'c_ver: footer copy of the header CRC recomputed');
}

$node->start;
my $start_time = $node->safe_psql('postgres', 'SELECT pg_postmaster_start_time()');

my %expect = (
	c_hdr => qr/invalid sealed segment file "\Q$file{c_hdr}\E": header checksum mismatch/,
	c_blk => qr/corrupted block $BAD_BLOCK of sealed segment file "\Q$file{c_blk}\E": block checksum mismatch/,
	c_idx => qr/invalid sealed segment file "\Q$file{c_idx}\E": block index checksum mismatch/,
	c_ftr => qr/invalid sealed segment file "\Q$file{c_ftr}\E": bad block index position/,
	c_ver => qr/invalid sealed segment file "\Q$file{c_ver}\E": sealed segment format version is newer than this segstore understands/,
);

for my $t (qw(c_hdr c_blk c_idx c_ftr c_ver))
{
	my ($ret, $stdout, $stderr) =
	  $node->psql('postgres', "\\set VERBOSITY verbose\nSELECT count(*) FROM $t");
	isnt($ret, 0, "$t: count(*) fails");
	is($stdout, '', "$t: no result");
	like($stderr, qr/ERROR:  XX001: /, "$t: SQLSTATE XX001 (data_corrupted)");
	like($stderr, $expect{$t}, "$t: error names the file and the problem");

	($ret, $stdout, $stderr) =
	  $node->psql('postgres', "\\set VERBOSITY verbose\nSELECT ctid, * FROM $t WHERE k = 2");
	isnt($ret, 0, "$t: a filtered scan fails too");
	like($stderr, qr/ERROR:  XX001: /, "$t: filtered scan: SQLSTATE XX001");
	like($stderr, $expect{$t}, "$t: filtered scan: error names the file and the problem");

	($ret, $stdout, $stderr) = $node->psql('postgres',
		"DO \$\$ BEGIN PERFORM count(*) FROM $t; EXCEPTION WHEN data_corrupted THEN RAISE NOTICE 'caught %', SQLSTATE; END \$\$"
	);
	is($ret, 0, "$t: error can be caught as data_corrupted");
	like($stderr, qr/NOTICE:  caught XX001/, "$t: caught error has SQLSTATE XX001");

	is($node->safe_psql('postgres', 'SELECT 1'), '1', "$t: server still answers");
}

# the block error also reports the checksums
{
	my ($ret, $stdout, $stderr) =
	  $node->psql('postgres', "SELECT count(*) FROM c_blk");
	my $expected_crc = sprintf('%08X', $parsed{c_blk}{blocks}[$BAD_BLOCK]{crc});
	like($stderr, qr/DETAIL:  Expected checksum $expected_crc, computed [0-9A-F]{8}\./,
		'c_blk: detail gives the expected and computed block checksums');
}

is($node->safe_psql('postgres', 'SELECT pg_postmaster_start_time()'),
	$start_time, 'server did not restart');
is($node->safe_psql('postgres', 'SELECT ctid, * FROM c_ok'),
	$ok_content, 'intact table reads the same rows as before');
is( $node->safe_psql('postgres',
		'SELECT count(*), count(DISTINCT k), sum(k), count(*) FILTER (WHERE v <> md5(k::text)) FROM c_ok'),
	join('|', $ROWS, $ROWS, $ROWS * ($ROWS + 1) / 2, 0),
	'intact table: every row intact');
is( $node->safe_psql('postgres',
		"SELECT count(*) FILTER (WHERE state = 'sealed') FROM segstore.segments WHERE table_name::text LIKE 'c\\_%'"),
	scalar(@tables) * 3,
	'segments view still lists every sealed segment');

$node->stop;
my $log = slurp_file($node->logfile);
unlike($log, qr/terminated by signal/, 'no backend was terminated by a signal');
unlike($log, qr/PANIC|TRAP:/, 'no PANIC or assertion failure');

done_testing();
