#!/usr/bin/perl

# The change feed across a restart of nginx (not a reload): the zone is
# new, the store remembers what Redis acknowledged.  /metrics says so at
# once -- nothing waits, Redis has everything -- although nothing new is
# written after the restart.

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

local $SIG{ALRM} = sub { BAIL_OUT('redis_restart.t did not finish') };
alarm 120;

my $json = JSON::PP->new->utf8->canonical;

my $t = Onestop::Test->new(today => '2024-06-15', workers => 2);
my $rport = $t->start_redis;
my $redis = Onestop::Resp->new($rport);
$t->spew('keys', sha256_hex('rr-admin') . " * admin\n");

$t->write_conf($t->standard_conf(serve => [qw(lookup ingest metrics)],
    zone => '8m', redis => "127.0.0.1:$rport prefix=t interval=100"));
ok($t->start, 'nginx starts') or BAIL_OUT('nginx did not start');

my %admin = (Authorization => 'Bearer rr-admin');

sub metrics() { $t->metrics }
sub wait_for($timeout, $cond) { Onestop::Test::wait_for($timeout, $cond) }
sub caught_up() { $t->feed_caught_up(15) }

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
is(post()->{status}, 200, "dossier $_") for 1 .. 5;
my $seq = caught_up();
is($seq, 6, 'published: the catalog and 5 dossiers');
is($redis->cmd('XLEN', 't:changes'), 6, 'the stream holds them');

# the outbox trimmed by the store: what Redis has is recorded in it
sleep 1;

# ---------------------------------------------------------------------
# a restart: a new zone; nothing new is written

$t->stop;
ok($t->start, 'nginx starts again');
sleep 1.5;
my $m = metrics();
is($m->{onestop_redis_connected}, 1, 'connected again');
is($m->{onestop_redis_outbox_depth}, 0,
    'metrics after the restart: nothing waits');
is($m->{onestop_redis_published_seq}, $seq,
    'metrics after the restart: Redis has everything');
is($redis->cmd('XLEN', 't:changes'), 6, 'nothing sent twice');

is(post()->{status}, 200, 'a write after the restart');
is(caught_up(), 7, 'published');

$t->check_log;
$t->stop;
$t->stop_redis;

done_testing();
