#!/usr/bin/perl

# A Redis restarted from an older snapshot (RDB, docs/feed.md "Redis
# durability"): it comes back with the stream and the figures' hash as
# they were at its last SAVE.  The stream continues from the next change
# (the jump consumers are told to watch for), and the snapshot hash must
# not stay behind: a consumer that sees the jump re-reads the hash, and
# one that stayed old would send it round again.  So every agency's
# figures are published again, as after a Redis that lost everything.

use v5.36;
use utf8;

use lib 't/lib';

use Digest::SHA qw(sha256_hex);
use JSON::PP;
use Test::More;
use Time::HiRes qw(sleep time);

use Onestop::Resp;
use Onestop::Test;

plan skip_all => 'redis-server is not installed'
    unless system('command -v redis-server >/dev/null 2>&1') == 0;

local $SIG{ALRM} = sub { BAIL_OUT('redis_rdb.t did not finish') };
alarm 120;

my $json = JSON::PP->new->utf8->canonical;

my $t = Onestop::Test->new(today => '2024-06-15', workers => 2);
my $rport = $t->start_redis;
$t->spew('keys', sha256_hex('rdb-admin') . " * admin\n");

$t->write_conf($t->standard_conf(serve => [qw(lookup ingest metrics)],
    zone => '8m', redis => "127.0.0.1:$rport prefix=t interval=100"));
ok($t->start, 'nginx starts') or BAIL_OUT('nginx did not start');

my %admin = (Authorization => 'Bearer rdb-admin');

sub metrics() { $t->metrics }
sub wait_for($timeout, $cond) { Onestop::Test::wait_for($timeout, $cond) }
sub caught_up() { $t->feed_caught_up(15) }

# the province's figures in the hash: [seq, received]
sub province($redis) {
    my $v = eval { $redis->cmd('HGET', 't:stats:live', 'province') };
    my $j = defined $v && !ref $v ? eval { $json->decode($v) } : undef;
    return $j ? [$j->{seq}, $j->{all}{received}] : [0, 0];
}

my $N = 0;

sub post() {
    $N++;
    return $t->http('POST', '/api/v1/ingest/dossiers', headers => \%admin,
        body => $json->encode({
            code => sprintf('000.00.30.H36-240601-%04d', $N),
            version => 1, agency => '000.30.01.H36',
            procedure => '1.000894', channel => 'online',
            applicant => { name => 'Nguyễn Văn Ba' },
            received_at => '2024-06-01', due_at => '2024-06-20' }));
}

is($t->http('POST', '/api/v1/ingest/catalog', headers => \%admin,
    body => Onestop::Test::catalog_json())->{status}, 200, 'catalog');
is(post()->{status}, 200, "dossier $_") for 1 .. 3;
is(caught_up(), 4, 'published: the catalog and 3 dossiers');

my $redis = Onestop::Resp->new($rport);
ok(wait_for(5, sub { province($redis)->[1] == 3 }),
    'the province: 3 received');
is($redis->cmd('SAVE'), 'OK', 'Redis saves its snapshot (dump.rdb)');

is(post()->{status}, 200, "dossier $_") for 4 .. 6;
is(caught_up(), 7, 'published: 3 more');
ok(wait_for(5, sub { province($redis)->[1] == 6 }),
    'the province: 6 received');

# ---------------------------------------------------------------------
# Redis dies without saving and comes back from dump.rdb

eval { $redis->cmd('SHUTDOWN', 'NOSAVE') };
$t->stop_redis;
$t->start_redis(port => $rport);
$redis = Onestop::Resp->new($rport);
is($redis->cmd('XLEN', 't:changes'), 4, 'Redis is back with 4 entries');

ok(wait_for(10, sub { province($redis)->[1] == 6 }),
    'the province\'s figures are published again: 6 received')
    or diag(explain(province($redis)));
cmp_ok(province($redis)->[0], '>=', 7, '... as of seq 7 at least');

is(post()->{status}, 200, 'a write');
is(caught_up(), 8, 'published');
my @ids = map { $_->[0] } @{ $redis->cmd('XRANGE', 't:changes', '-', '+') };
is("@ids", '1-0 2-0 3-0 4-0 8-0',
    'the stream: what Redis kept, then the next change (the jump)');

$t->check_log;
$t->stop;
$t->stop_redis;

done_testing();
