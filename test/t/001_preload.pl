# segstore refuses to load unless it is in shared_preload_libraries, with a
# hint; once preloaded, CREATE EXTENSION works.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('preload');
$node->init;
$node->start;

my ($ret, $stdout, $stderr) = $node->psql('postgres', 'CREATE EXTENSION segstore');
isnt($ret, 0, 'CREATE EXTENSION fails without preloading');
like($stderr, qr/segstore must be loaded via shared_preload_libraries/, 'error says why');
like($stderr, qr/HINT:  Add segstore to shared_preload_libraries/, 'error has a hint');

$node->append_conf('postgresql.conf', "shared_preload_libraries = 'segstore'");
$node->restart;
$node->safe_psql('postgres', 'CREATE EXTENSION segstore');
$node->safe_psql('postgres',
	'CREATE TABLE t (ts timestamptz, v int) USING segstore; INSERT INTO t VALUES (now(), 1)');
is($node->safe_psql('postgres', 'SELECT count(*) FROM t'), '1', 'preloaded: table works');

$node->stop;
done_testing();
