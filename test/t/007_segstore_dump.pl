# tools/segstore_dump reads segment files the server wrote, active and
# sealed, without the server: header line, one JSON line per row, checksums
# verified (exit status 1 on damage).
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('dump');
$node->init;
$node->append_conf('postgresql.conf', "shared_preload_libraries = 'segstore'");
$node->start;
$node->safe_psql('postgres', q{
CREATE EXTENSION segstore;
CREATE TABLE d (ts timestamptz, id int, note text, raw bytea, f float8)
  USING segstore WITH (segstore.block_size = '4kB');
INSERT INTO d SELECT '2024-01-01'::timestamptz + g * interval '1 second', g,
  'row "' || g || E'"\n', '\x00ff'::bytea, g / 4.0
FROM generate_series(1, 500) g;
INSERT INTO d VALUES ('2024-01-02', 501, NULL, NULL, 'NaN');
});
my $dir = $node->data_dir;
my ($active) = $node->safe_psql('postgres',
	q{SELECT file FROM segstore.segments WHERE bucket_start = '2024-01-02'});

# an active segment
my ($stdout, $stderr);
my $ok = IPC::Run::run(['segstore_dump', "$dir/$active"], '>', \$stdout, '2>', \$stderr);
ok($ok, 'active segment dumps cleanly');
my @lines = split /\n/, $stdout;
is(scalar(@lines), 2, 'header line plus one row');
like($lines[0], qr/"kind": "active", "version": 1/, 'header describes an active segment');
like($lines[1], qr/"row": \d+, "xmin": \d+, "cmin": 0, "time": 757468800000000, "values": \[757468800000000, 501, null, null, "NaN"\]/,
	'row values as stored');

# seal and dump the sealed file
$node->safe_psql('postgres', q{SELECT count(*) FROM segstore.seal('d')});
my ($sealed) = $node->safe_psql('postgres',
	q{SELECT file FROM segstore.segments WHERE bucket_start = '2024-01-01'});
like($sealed, qr/\.seal$/, 'segment is sealed');
$ok = IPC::Run::run(['segstore_dump', "$dir/$sealed"], '>', \$stdout, '2>', \$stderr);
ok($ok, 'sealed segment dumps cleanly');
@lines = split /\n/, $stdout;
is(scalar(@lines), 501, 'header line plus 500 rows');
like($lines[0], qr/"kind": "sealed".*"codec": "zstd".*"rows": 500, "blocks": (\d+)/, 'header of the sealed file');
my ($blocks) = $lines[0] =~ /"blocks": (\d+)/;
cmp_ok($blocks, '>', 1, 'small block size gives several blocks');
like($lines[1], qr/"values": \[757382401000000, 1, "row \\"1\\"\\n", "\\\\x00ff", 0.25\]/,
	'first row: escaped string, bytea as hex, float');
like($lines[500], qr/"values": \[757382900000000, 500, /, 'last row in order');

# the rows the server returns are the rows the tool prints
my $server = $node->safe_psql('postgres', q{SELECT string_agg(id::text, ',' ORDER BY ctid) FROM d WHERE ts < '2024-01-02'});
my $tool = join(',', map { /"values": \[\d+, (\d+),/ ? $1 : () } @lines[1 .. 500]);
is($tool, $server, 'same rows in the same order as a scan');

# damage a block: exit status 1 and a message naming the block
$node->stop;
open(my $fh, '+<', "$dir/$sealed") or die $!;
binmode $fh;
seek($fh, 200, 0);
my $byte;
read($fh, $byte, 1);
seek($fh, 200, 0);
print $fh chr(ord($byte) ^ 0xff);
close $fh;
IPC::Run::run(['segstore_dump', "$dir/$sealed"], '>', \$stdout, '2>', \$stderr);
is($? >> 8, 1, 'damaged file: exit status 1');
like($stderr, qr/block 0: block checksum mismatch \(expected checksum [0-9A-F]{8}, computed [0-9A-F]{8}\)/,
	'message names the block and the checksums');

# not a segment file at all
IPC::Run::run(['segstore_dump', "$dir/postgresql.conf"], '>', \$stdout, '2>', \$stderr);
is($? >> 8, 1, 'not a segment file: exit status 1');
like($stderr, qr/not a segstore segment file/, 'and says so');
IPC::Run::run(['segstore_dump'], '>', \$stdout, '2>', \$stderr);
is($? >> 8, 2, 'usage error: exit status 2');

done_testing();
