#!/usr/bin/perl

# A primary's commit reaches a follower whole (SPEC: a batch is atomic):
# a batch of 1,200 dossiers is one commit on the primary, which its
# publisher sends in rounds of at most 500 XADDs, and a follower reads
# the log 2,000 entries at a time, so a read can end inside a commit.
# Here the follower reads a copy of the primary's log that holds the
# catalog and the first 700 dossiers of the batch only (the rest not yet
# there, as between two rounds): it applies the catalog and none of the
# batch (no lookup finds a dossier of it, the statistics count none),
# and once the rest is there, the whole batch.  A commit whose end does
# not come (its primary gone while publishing) is taken in part after
# five seconds, as a failover needs.

use v5.36;
use utf8;

use lib 't/lib';

use Digest::SHA qw(sha256_hex);
use JSON::PP;
use Test::More;
use Time::HiRes qw(sleep time);

use Onestop::Resp;
use Onestop::Test;

binmode(Test::More->builder->$_, ':encoding(UTF-8)')
    for qw(output failure_output todo_output);

plan skip_all => 'redis-server is not installed'
    unless system('command -v redis-server >/dev/null 2>&1') == 0;

local $SIG{ALRM} = sub { BAIL_OUT('replica_whole.t did not finish in 120 s') };
alarm 120;

my $json = JSON::PP->new->utf8->canonical;

my $p = Onestop::Test->new(today => '2024-06-15', workers => 1);
my $f = Onestop::Test->new(today => '2024-06-15', workers => 1);
my $rport = $p->start_redis;

my $keys = sha256_hex('whole-admin-key') . " * admin\n";
$_->spew('keys', $keys) for $p, $f;
my %admin = (Authorization => 'Bearer whole-admin-key');

my @serve = qw(lookup stats ingest metrics);

$p->write_standard_conf(serve => \@serve, zone => '8m',
    redis => "127.0.0.1:$rport prefix=r interval=100 log=on");

# the follower reads w:log, the copy this test makes of r:log
$f->write_standard_conf(serve => \@serve, zone => '8m',
    http => "onestop_follow 127.0.0.1:$rport prefix=w;");

ok($p->start, 'the primary starts') or BAIL_OUT('no primary');

my $redis = Onestop::Resp->new($rport);

sub log_top() {
    my $r = $redis->cmd('XREVRANGE', 'r:log', '+', '-', 'COUNT', '1');
    return ref $r eq 'ARRAY' && @$r ? ($r->[0][0] =~ /^(\d+)-/)[0] : 0;
}

sub wait_for($what, $timeout, $cond) {
    my $t0 = time;
    while (time - $t0 < $timeout) {
        my $v = $cond->();
        return $v if $v;
        sleep 0.1;
    }
    diag("timed out waiting for $what");
    return;
}

sub metric($t, $name) {
    my $r = $t->get('/metrics');
    return $r->{content} =~ /^\Q$name\E (\S+)/m ? $1 : undef;
}

my $res = $p->http('POST', '/api/v1/ingest/catalog', headers => \%admin,
    body => Onestop::Test::catalog_json());
is($res->{status}, 200, 'catalog') or diag($res->{content});
ok(wait_for('the catalog in the log', 10, sub { log_top() >= 1 }),
   'the catalog is log entry 1');

my $N = 1200;
my @batch = map { {
    code => sprintf('000.00.30.H36-240601-%05d', $_),
    version => 1,
    agency => '000.30.01.H36',
    procedure => '1.000894',
    channel => 'online',
    applicant => { name => 'Nguyễn Văn Bí Mật' },
    contact => { phone => '0912345678' },
    received_at => '2024-06-01',
    due_at => '2024-06-20',
} } 1 .. $N;

$res = $p->http('POST', '/api/v1/ingest/dossiers', headers => \%admin,
    body => $json->encode(\@batch));
is($res->{status}, 200, "a batch of $N dossiers, one commit")
    or diag($res->{content});

my $last = $N + 1;
ok(wait_for('the batch in the log', 20, sub { log_top() >= $last }),
   "the primary's log holds 1 to $last");

# the follower's log: the catalog and the batch's first 700 dossiers
my $cut = 701;
is($redis->cmd('COPY', 'r:log', 'w:log'), 1, 'the log copied');
is($redis->cmd('XDEL', 'w:log', map { "$_-0" } $cut + 1 .. $last),
   $last - $cut, "... without entries past $cut");

ok($f->start, 'the follower starts (an empty store)') or BAIL_OUT('no f');

ok(wait_for('the follower reading', 10, sub {
       ($f->get('/metrics')->{content} // '') =~ /^onestop_log_seq $cut$/m }),
   "the follower has read to $cut");

# a few of its reads, at a tick every 250 ms
sleep 1.5;

my $applied = metric($f, 'onestop_replica_applied_seq') // -1;
is($applied, 1, 'it applied the catalog and no entry of the half batch '
   . "it read (applied: $applied)");

my $first = $f->get("/api/v1/dossiers/$batch[0]{code}");
is($first->{status}, 404, "... no lookup finds the batch's first dossier");

my $stats = $f->get('/api/v1/stats?period=all');
is($stats->{status}, 200, '... its statistics answer');
my $received = eval { $json->decode($stats->{content})->{totals}{received} };
ok(!$received, '... and count none of the batch ('
   . ($received // 'none') . ')') or diag($stats->{content});

is(metric($f, 'onestop_replica_state{state="following"}'), 1,
   '... and it is following');

# the rest of the commit arrives
is($redis->cmd('COPY', 'r:log', 'w:log', 'REPLACE'), 1, 'the whole log');

ok(wait_for('the whole batch', 20, sub {
       (metric($f, 'onestop_replica_applied_seq') // 0) == $last }),
   "the follower applies the whole batch, to $last");

is($f->get("/api/v1/dossiers/$batch[-1]{code}")->{status}, 200,
   "... its last dossier found");
is($f->get('/api/v1/stats?period=all')->{content},
   $p->get('/api/v1/stats?period=all')->{content},
   "... the primary's statistics");

# a primary gone while it published a commit: the part of it that the
# log holds is taken after a while, as before (the failover's follower
# must reach the log's end)
my @batch2 = map { { %{ $batch[0] },
    code => sprintf('000.00.30.H36-240602-%05d', $_) } } 1 .. $N;
$res = $p->http('POST', '/api/v1/ingest/dossiers', headers => \%admin,
    body => $json->encode(\@batch2));
is($res->{status}, 200, "a second batch of $N") or diag($res->{content});
my $last2 = $last + $N;
ok(wait_for('the second batch in the log', 20,
            sub { log_top() >= $last2 }), "the log holds it to $last2");
my $cut2 = $last + 700;
# at once, or the follower, blocked on w:log, reads the whole copy
$redis->cmd('MULTI');
$redis->cmd('COPY', 'r:log', 'w:log', 'REPLACE');
$redis->cmd('XDEL', 'w:log', map { "$_-0" } $cut2 + 1 .. $last2);
my $ex = $redis->cmd('EXEC');
is(ref $ex eq 'ARRAY' ? $ex->[1] : undef, $last2 - $cut2,
   "... the follower's log without entries past $cut2");

sleep 1;
is(metric($f, 'onestop_replica_applied_seq'), $last,
   'the follower waits for the end of the commit');
ok(wait_for('the part of the commit', 15, sub {
       (metric($f, 'onestop_replica_applied_seq') // 0) == $cut2 }),
   "... and takes the part the log holds when it does not come ($cut2)");

$redis->cmd('COPY', 'r:log', 'w:log', 'REPLACE');
ok(wait_for('the rest', 20, sub {
       (metric($f, 'onestop_replica_applied_seq') // 0) == $last2 }),
   "... then the rest, to $last2");

my ($rc, $out) = $f->cli('status');
my ($prc, $pout) = $p->cli('status');
my $fs = eval { $json->decode($out) } // {};
my $ps = eval { $json->decode($pout) } // {};
ok($fs->{seq} == $last2 && $fs->{digest} eq $ps->{digest},
   "... the primary's sequence and digest");

$f->check_log;
$p->check_log;

done_testing();
