#!/usr/bin/perl

# A store behind its Redis stream (docs/feed.md): the primary's store put
# back from an older copy (a restore) while Redis kept the stream.  Its
# next changes take numbers the stream holds already; Redis refuses them
# as replays ("equal or smaller"), which the publisher must count as
# acknowledged after a crash, so they were lost from the stream without a
# word and the outbox let them go.  The publisher now compares the
# stream's end with the store at each connection: beyond it, it publishes
# nothing and says why and what to do; once the streams are deleted, the
# outbox goes out.  With log=on, the replicas' log {prefix}:log is
# compared too.

use v5.36;
use utf8;

use lib 't/lib';

use Digest::SHA qw(sha256_hex);
use File::Copy ();
use JSON::PP;
use Test::More;
use Time::HiRes qw(sleep);

use Onestop::Resp;
use Onestop::Test;

plan skip_all => 'redis-server is not installed'
    unless system('command -v redis-server >/dev/null 2>&1') == 0;

local $SIG{ALRM} = sub { BAIL_OUT('redis_ahead.t did not finish') };
alarm 200;

my $json = JSON::PP->new->utf8->canonical;

my $t = Onestop::Test->new(today => '2024-06-15', workers => 2);
my $rport = $t->start_redis;
$t->spew('keys', sha256_hex('ahead-admin') . " * admin\n");
$t->write_conf($t->standard_conf(serve => [qw(lookup ingest metrics)],
    zone => '8m', redis => "127.0.0.1:$rport prefix=t interval=100"));
ok($t->start, 'nginx starts') or BAIL_OUT('nginx did not start');

my %admin = (Authorization => 'Bearer ahead-admin');
my $N = 0;

sub post() {
    $N++;
    my $r = $t->http('POST', '/api/v1/ingest/dossiers', headers => \%admin,
        body => $json->encode({
            code => sprintf('000.00.30.H36-240601-%04d', $N),
            version => 1, agency => '000.30.01.H36',
            procedure => '1.000894', channel => 'online',
            applicant => { name => 'Nguyễn Văn Ba' },
            received_at => '2024-06-01', due_at => '2024-06-20' }));
    is($r->{status}, 200, "dossier $N written") or diag($r->{content});
}

sub codes($redis) {
    return join ' ', map { my %f = @{ $_->[1] }; ($f{code} // '?') =~ /-(\d+)$/ ? $1 + 0 : '-' }
        grep { my %f = @{ $_->[1] }; defined $f{code} }
        @{ $redis->cmd('XRANGE', 't:changes', '-', '+') };
}

is($t->http('POST', '/api/v1/ingest/catalog', headers => \%admin,
    body => Onestop::Test::catalog_json())->{status}, 200, 'catalog');
post() for 1 .. 2;
is($t->feed_caught_up(15), 3, 'published: the catalog and 2 dossiers');

# the copy a restore will put back
$t->stop;
my $old = $t->dir . '/store.old';
mkdir $old;
File::Copy::copy($t->store . "/$_", "$old/$_") or die "copy $_: $!"
    for qw(data.mdb);
ok($t->start, 'nginx starts again');

post() for 3 .. 5;
is($t->feed_caught_up(15), 6, 'published: 3 dossiers more');
my $redis = Onestop::Resp->new($rport);
is(codes($redis), '1 2 3 4 5', 'the stream holds dossiers 1 to 5');

# ---------------------------------------------------------------------
# the store restored from the copy (at change 3); Redis keeps 1..6

$t->stop;
unlink $t->store . '/lock.mdb';
File::Copy::copy("$old/data.mdb", $t->store . '/data.mdb') or die $!;
ok($t->start, 'nginx starts on the restored store');

$N = 9;
post();                        # dossier 10: the store's change 4
ok(Onestop::Test::wait_for(10, sub {
    $t->error_log =~ /"t:changes" ends at change 6, beyond the last change of store "[^"]+" \([34]\)/ }),
    'the log says the stream ends beyond the store')
    or diag($t->error_log);
like($t->error_log, qr/redis-cli DEL t:changes\)/, '... and what to do');
sleep 1;
is(codes($redis), '1 2 3 4 5', 'dossier 10 is not given a number the stream holds');
cmp_ok($t->metrics->{onestop_redis_outbox_depth}, '>=', 1,
    'it waits in the outbox (onestop_redis_outbox_depth)');
is(() = $t->error_log =~ /ends at change 6/g, 1,
    'said once, though the publisher asks again each second');

# ---------------------------------------------------------------------
# the operator deletes the stream: the outbox goes out

is($redis->cmd('DEL', 't:changes'), 1, 'DEL t:changes');
# (with what the restored store had not seen acknowledged before it)
ok(Onestop::Test::wait_for(10, sub { codes($redis) =~ /(^| )10$/ }),
    'dossier 10 is published') or diag(codes($redis));
like($t->error_log, qr/"t:changes" no longer ends beyond the store: publishing/,
    'the log says publishing goes on');
is($t->feed_caught_up(15), 4, 'the outbox is empty: published up to the store\'s change 4');

$t->check_log;
$t->stop;
$t->stop_redis;

# ---------------------------------------------------------------------
# log=on: the changes stream deleted, the replicas' log kept.  The check
# read only the changes stream: the restored store's changes went out on
# it, were refused on the log as replays (counted acknowledged), and the
# followers read the old store's changes under those numbers.

sub log_codes($redis) {
    return join ' ', map { my %f = @{ $_->[1] }; ($f{code} // '?') =~ /-(\d+)$/ ? $1 + 0 : '-' }
        grep { my %f = @{ $_->[1] }; defined $f{code} }
        @{ $redis->cmd('XRANGE', 't:log', '-', '+') };
}

$t = Onestop::Test->new(today => '2024-06-15', workers => 2);
$rport = $t->start_redis;
$redis = Onestop::Resp->new($rport);
$t->spew('keys', sha256_hex('ahead-admin') . " * admin\n");
$t->write_conf($t->standard_conf(serve => [qw(lookup ingest metrics)],
    zone => '8m', redis => "127.0.0.1:$rport prefix=t interval=100 log=on"));
ok($t->start, 'log=on: nginx starts') or BAIL_OUT('nginx did not start');

is($t->http('POST', '/api/v1/ingest/catalog', headers => \%admin,
    body => Onestop::Test::catalog_json())->{status}, 200, 'catalog');
$N = 0;
post() for 1 .. 2;
is($t->feed_caught_up(15), 3, 'published: the catalog and 2 dossiers');
$t->stop;
$old = $t->dir . '/store.old';
mkdir $old;
File::Copy::copy($t->store . '/data.mdb', "$old/data.mdb") or die $!;
ok($t->start, 'nginx starts again');
post() for 3 .. 5;
is($t->feed_caught_up(15), 6, 'published: 3 dossiers more');
$t->stop;
is(log_codes($redis), '1 2 3 4 5', 'the log holds dossiers 1 to 5');

unlink $t->store . '/lock.mdb';
File::Copy::copy("$old/data.mdb", $t->store . '/data.mdb') or die $!;
is($redis->cmd('DEL', 't:changes'), 1, 'DEL t:changes (t:log forgotten)');
ok($t->start, 'nginx starts on the restored store');
$N = 9;
post();                        # dossier 10: the store's change 4

ok(Onestop::Test::wait_for(10, sub {
    $t->error_log =~ /"t:log" ends at change 6, beyond the last change of store "[^"]+" \([34]\)/ }),
    'the log says the replicas\' log ends beyond the store')
    or diag($t->error_log);
like($t->error_log, qr/redis-cli DEL t:changes t:log\)/, '... and what to do');
sleep 1.5;
is(log_codes($redis), '1 2 3 4 5', 'dossier 10 is not given a number the log holds');
is(codes($redis), '', 'nor published on the stream alone');

is($redis->cmd('DEL', 't:log'), 1, 'DEL t:log');
ok(Onestop::Test::wait_for(10, sub { log_codes($redis) =~ /(^| )10$/ }),
    'dossier 10 is in the log') or diag(log_codes($redis));
like(codes($redis), qr/(^| )10$/, '... and on the stream');
like($t->error_log, qr/"t:log" no longer ends beyond the store: publishing/,
    'the log says publishing goes on');
is($t->feed_caught_up(15), 4, 'the outbox is empty');

$t->check_log;
$t->stop;
$t->stop_redis;

done_testing();
