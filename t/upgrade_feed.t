#!/usr/bin/perl

# The change feed across nginx's binary upgrade (USR2, WINCH, QUIT:
# docs/operators-guide.md, "Upgrading"): the new master's workers have a
# zone of their own, so for a while two publishers run on one store, each
# with its lease.  Changes the old generation published, and its writes
# then trimmed from the outbox, are in Redis: the new generation's
# publisher finds them gone from the outbox and must not report them as
# dropped before Redis had them (a warning that tells the operator to
# have every consumer read everything again), nor put a "gap" in the
# stream.
#
# Which generation publishes first is made certain, not timed: the new
# generation's workers are stopped (SIGSTOP) while the old one takes the
# writes, publishes them and trims them from the outbox, then go on.

use v5.36;
use utf8;

use lib 't/lib';

use Digest::SHA qw(sha256_hex);
use JSON::PP;
use Test::More;
use Time::HiRes qw(sleep);

use Onestop::Resp;
use Onestop::Test;

plan skip_all => 'redis-server is not installed'
    unless system('command -v redis-server >/dev/null 2>&1') == 0;

local $SIG{ALRM} = sub { BAIL_OUT('upgrade_feed.t did not finish') };
alarm 120;

my $json = JSON::PP->new->utf8->canonical;

my $t = Onestop::Test->new(today => '2024-06-15', workers => 1);
my $rport = $t->start_redis;
my $redis = Onestop::Resp->new($rport);
$t->spew('keys', sha256_hex('uf-admin') . " * admin\n");

$t->write_conf($t->standard_conf(serve => [qw(lookup ingest metrics)],
    zone => '8m', redis => "127.0.0.1:$rport prefix=t interval=100"));
ok($t->start, 'nginx starts') or BAIL_OUT('nginx did not start');

my %admin = (Authorization => 'Bearer uf-admin');
my $dir = $t->dir;

sub wait_for($timeout, $cond) { Onestop::Test::wait_for($timeout, $cond) }

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

sub outbox_entries() {
    my $out = `mdb_stat -s outbox $dir/store 2>&1`;
    return $out =~ /Entries: (\d+)/ ? $1 : -1;
}

sub children($pid) {
    return map { /^\s*(\d+)/ ? $1 : () } `ps -o pid= --ppid $pid 2>/dev/null`;
}

is($t->http('POST', '/api/v1/ingest/catalog', headers => \%admin,
    body => Onestop::Test::catalog_json())->{status}, 200, 'catalog');
is(post()->{status}, 200, "dossier $_") for 1 .. 3;
is($t->feed_caught_up(15), 4, 'published: the catalog and 3 dossiers');

# ---------------------------------------------------------------------
# USR2: a new master with the same binary, its workers, its zone

my $old = $t->pid;
kill 'USR2', $old;
my $new = wait_for(10, sub {
    my $p = $t->pid;
    -e "$dir/nginx.pid.oldbin" && $p && $p != $old ? $p : 0 });
ok($new, 'USR2: a new master') or BAIL_OUT('no new master');
my @newer = @{ wait_for(10, sub { my @c = children($new); @c ? \@c : 0 })
    // [] };
ok(@newer, "the new master's worker");

# its publisher has said hello to Redis (the log line of each publisher)
ok(wait_for(15, sub {
    my @l = $t->error_log =~ /publishing changes to Redis/g; @l >= 2 }),
    "the new generation's publisher is connected");

# the new generation paused; the old takes the writes, publishes them
# and trims them from the outbox (the paused workers go on whatever
# happens: a stopped worker would outlive the test)
our @stopped = @newer;
END { kill 'CONT', @stopped if @stopped }
kill 'STOP', @newer;
is(post()->{status}, 200, "dossier $_ (the old generation)") for 4 .. 8;
is($t->feed_caught_up(15), 9, 'the old generation published them');
ok(wait_for(15, sub { outbox_entries() == 0 }),
    'and trimmed them from the outbox');

# the new generation goes on, the old one's workers leave (WINCH)
kill 'CONT', @newer;
@stopped = ();
my @older = grep { $_ != $new } children($old);
kill 'WINCH', $old;
ok(wait_for(15, sub { !grep { kill 0, $_ } @older }),
    "the old generation's workers are gone");

my $m = wait_for(15, sub {
    my $m = $t->metrics;
    ($m->{onestop_redis_published_seq} // 0) == 9 ? $m : 0 });
ok($m, "the new generation's /metrics: Redis has everything");

# one more write, published by the new generation
is(post()->{status}, 200, 'dossier 9 (the new generation)');
is($t->feed_caught_up(15), 10, 'published');

unlike($t->error_log, qr/were dropped from the outbox/,
    'no change said to be dropped before Redis had it');
my $kinds = join ',', map { my %f = @{ $_->[1] }; $f{kind} }
    @{ $redis->cmd('XRANGE', 't:changes', '-', '+') };
is($kinds, 'catalog,' . join(',', ('dossier') x 9),
    'the stream: every change once, no gap');

kill 'QUIT', $old;
ok(wait_for(15, sub { !kill 0, $old }), 'the old master quits');

$t->check_log;
$t->stop;
$t->stop_redis;

done_testing();
