# Concurrent single-row inserts: pgbench with 8 clients for 30 seconds,
# one INSERT per transaction.  Every transaction pgbench reports as done
# must be there exactly once.
use strict;
use warnings;
use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('pgbench');
$node->init;
$node->append_conf('postgresql.conf', "shared_preload_libraries = 'segstore'");
$node->append_conf('postgresql.conf', "max_connections = 40");
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION segstore');
$node->safe_psql('postgres',
	'CREATE TABLE pb (ts timestamptz NOT NULL, client int NOT NULL, k bigint NOT NULL, v text NOT NULL) USING segstore'
);

my $script = $node->basedir . '/insert_one.sql';
append_to_file(
	$script, q{\set k random(1, 1000000000)
INSERT INTO pb VALUES (now(), :client_id, :k, md5(:k::text));
});

my @cmd = (
	'pgbench', '-n', '--no-vacuum',
	'-c', '8', '-j', '8', '-T', '30',
	'-f', $script,
	'-h', $node->host, '-p', $node->port, 'postgres');
note "running: @cmd";
my ($out, $err) = ('', '');
my $ok = IPC::Run::run(\@cmd, '>', \$out, '2>', \$err,
	IPC::Run::timeout(120));
note "pgbench stdout:\n$out";
note "pgbench stderr:\n$err";
ok($ok, 'pgbench exits with status 0');

my ($processed) = $out =~ /number of transactions actually processed: (\d+)/;
ok(defined $processed, 'pgbench reports the transactions processed');
$processed //= -1;
cmp_ok($processed, '>', 0, 'pgbench processed transactions');
my ($failed) = $out =~ /number of failed transactions: (\d+)/;
is($failed // 0, 0, 'no failed transactions');
unlike($err, qr/error|abort/i, 'no client errors');

is($node->safe_psql('postgres', 'SELECT count(*) FROM pb'),
	$processed, 'table holds exactly the transactions pgbench completed');
is( $node->safe_psql('postgres',
		'SELECT count(DISTINCT ctid) = count(*), count(*) FILTER (WHERE v <> md5(k::text)), count(DISTINCT client), min(client), max(client) FROM pb'
	),
	't|0|8|0|7',
	'ctids distinct, rows intact, all 8 clients inserted');
cmp_ok(
	$node->safe_psql('postgres',
		"SELECT count(*) FROM segstore.segments WHERE table_name = 'pb'::regclass"),
	'>=', 2, 'concurrent writers used several segments');
is( $node->safe_psql('postgres',
		"SELECT sum(row_count) FROM segstore.segments WHERE table_name = 'pb'::regclass"
	),
	$processed,
	'segments hold exactly the committed rows');

# the same after a restart
$node->restart;
is($node->safe_psql('postgres', 'SELECT count(*) FROM pb'),
	$processed, 'same count after a restart');

$node->stop;
my $log = slurp_file($node->logfile);
unlike($log, qr/terminated by signal/, 'no backend was terminated by a signal');
unlike($log, qr/PANIC|TRAP:/, 'no PANIC or assertion failure');

done_testing();
