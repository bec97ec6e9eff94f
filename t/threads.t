#!/usr/bin/perl

# Statistics misses are computed on nginx's thread pool, not on the
# worker's event loop (DESIGN: "run the heavy ones as thread-pool tasks so
# that a worker's event loop never stalls on them").  With one worker and
# each miss held 1.5 s on its thread (ONESTOP_TEST_SLOW_MISS_MS, a hook for
# this test), lookups are answered while a miss is under way; the miss's
# answer is the engine's to the byte; more misses at once than the worker
# has readers are all answered, on threads, the last ones once a reader
# came back; identical misses share one computation;
# errors found on the thread come back as
# the same 400 object; a HEAD miss; and a reload while a miss is out lets
# the old worker answer it before it goes.

use v5.36;
use utf8;

use lib 't/lib';

use IO::Select;
use IO::Socket::INET;
use JSON::PP;
use Test::More;
use Time::HiRes qw(sleep time);

use Onestop::Test;

my $json = JSON::PP->new->utf8->canonical;
my $SLOW = 1500;

my $t = Onestop::Test->new(today => '2024-06-15', workers => 1);

my ($rc, $out, $err) = $t->cli('demo', '3000');
is($rc, 0, 'a demo store of 3,000 dossiers') or diag($err);

$t->write_standard_conf(serve => [qw(stats apologies lookup widget)],
    zone => '8m', keys => 0, main => "env ONESTOP_TEST_SLOW_MISS_MS=$SLOW;");
ok($t->start, 'nginx starts') or BAIL_OUT('nginx did not start');

# a dossier to look up: the first the apology list or the store names
my $any;
{
    my $r = $t->get('/api/v1/apologies?limit=1');
    # this first request is itself a miss: slow, but answered
    is($r->{status}, 200, 'a first miss (apologies) is answered');
    my $list = eval { $json->decode($r->{content}) } // {};
    $any = $list->{items}[0]{code};
}
ok(defined $any, 'a dossier code to look up') or BAIL_OUT('no code');

# a raw request whose answer we read later
sub send_req($path, $method = 'GET') {
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
        PeerPort => $t->port, Proto => 'tcp') or die "connect: $!";
    print $s "$method $path HTTP/1.1\r\nHost: localhost\r\n"
        . "Connection: close\r\n\r\n";
    return $s;
}

sub read_res($s) {
    my $res = '';
    while (sysread($s, my $buf, 65536)) { $res .= $buf }
    close $s;
    my ($head, $body) = split /\r\n\r\n/, $res, 2;
    my ($status) = ($head // '') =~ m{^HTTP/1\.1 (\d+)};
    return ($status // 0, $body // '', $head // '');
}

sub ready($s) { scalar IO::Select->new($s)->can_read(0) }

# ---------------------------------------------------------------------
# a miss under way does not hold up the worker

my $q = '/api/v1/stats?period=all&group=agency,procedure';
my $t0 = time;
my $slow = send_req($q);
sleep 0.2;                                  # the miss is on its thread

my @looked;
for (1 .. 5) {
    my $r = $t->get("/api/v1/dossiers/$any");
    push @looked, $r->{status};
}
my $during = !ready($slow);
is_deeply(\@looked, [(200) x 5], 'five lookups answered');
ok($during, 'while the statistics miss was still being computed '
    . '(one worker: its event loop was free)');

my ($st, $body) = read_res($slow);
my $took = time - $t0;
is($st, 200, 'the miss is answered');
cmp_ok($took, '>=', $SLOW / 1000 - 0.05, 'after its thread\'s delay')
    or diag("took $took s");

($rc, $out) = $t->cli('stats', '--period', 'all', '--group',
    'agency,procedure');
is($body, $out, 'the thread\'s answer is the engine\'s to the byte');

# now a hit: from the zone, at once
my $h0 = time;
my $r = $t->get($q);
is($r->{status}, 200, 'the same query again');
is($r->{content}, $body, 'the same body');
ok(time - $h0 < $SLOW / 1000, 'from the zone (no thread, no delay)');

# ---------------------------------------------------------------------
# more misses at once than a worker has readers (4): every one answered,
# each on a thread (the delay is the thread's: one computed on the event
# loop would come at once and stall the worker), the ones past the readers
# once a reader came back (they were computed on the loop)

my @periods = map { sprintf('from=2023-%02d-01&to=2023-%02d-28', $_, $_) }
    1 .. 7;
$t0 = time;
my @socks = map { send_req("/api/v1/stats?$_&group=agency") } @periods;
my @took;
my @got = map { my @r = read_res($_); push @took, time - $t0; \@r } @socks;
is_deeply([map { $_->[0] } @got], [(200) x 7], 'seven misses at once: all 200');
is(scalar(grep { $_ >= $SLOW / 1000 - 0.05 } @took), 7,
    'each computed on a thread, none on the event loop') or diag("@took");
my @late = sort { $a <=> $b } @took;
cmp_ok($late[-1], '>=', 2 * $SLOW / 1000 - 0.1,
    'the ones past the four readers waited for one') or diag("@took");
my $same = 0;
for my $i (0 .. $#periods) {
    my ($m) = $i + 1;
    my (undef, $want) = $t->cli('stats', '--from', sprintf('2023-%02d-01', $m),
        '--to', sprintf('2023-%02d-28', $m), '--group', 'agency');
    $same++ if $got[$i][1] eq $want;
}
is($same, 7, 'each the engine\'s answer for its own period');

# ---------------------------------------------------------------------
# ten clients missing the same answer at once (a dashboard after a
# change) share one computation: none is computed apart on the event loop
# (that would be at once: the delay is the thread's), all get the same

my $same_q = '/api/v1/stats?period=year&group=agency';
$t0 = time;
@socks = map { send_req($same_q) } 1 .. 10;
my @waited;
@got = map { my @r = read_res($_); push @waited, time - $t0; \@r } @socks;
is_deeply([map { $_->[0] } @got], [(200) x 10], 'ten at once: all 200');
is(scalar(grep { $_->[1] eq $got[0][1] } @got), 10, 'the same answer');
my $first = (sort { $a <=> $b } @waited)[0];
cmp_ok($first, '>=', $SLOW / 1000 - 0.05,
    'none computed apart (each waited for the one thread)')
    or diag("first answer after $first s");
(undef, $out) = $t->cli('stats', '--period', 'year', '--group', 'agency');
is($got[0][1], $out, 'and it is the engine\'s');

# ---------------------------------------------------------------------
# an error found on the thread, and a HEAD miss

($st, $body) = read_res(send_req('/api/v1/stats?group=nothing'));
is($st, 400, 'a bad group: 400 from the thread');
my $e = eval { $json->decode($body) } // {};
is($e->{error}{code}, 'bad_request', 'the error object');
like($e->{error}{message} // '', qr/group/, 'its message names the argument');

my $head;
($st, $body, $head) = read_res(send_req('/api/v1/stats?period=year&group=field',
    'HEAD'));
is($st, 200, 'a HEAD miss: 200');
is($body, '', 'and no body');
like($head, qr/^Content-Length: [1-9]\d*\r?$/mi, 'the answer\'s length');

($st, $body) = read_res(send_req('/widget/province.svg?v=1'));
is($st, 200, 'a widget miss');
like($body, qr/^<svg/, 'an SVG');

# ---------------------------------------------------------------------
# a reload while a miss is on its thread: the old worker answers it, then
# goes

my @old = $t->worker_pids;
$slow = send_req('/api/v1/stats?period=all&group=field,channel');
sleep 0.2;
$t->reload;
my %now = map { $_ => 1 } $t->worker_pids;
ok(!grep({ $now{$_} } @old), 'the old worker went');
($st, $body) = read_res($slow);
is($st, 200, 'but answered the miss it had out first');
(undef, $out) = $t->cli('stats', '--period', 'all', '--group',
    'field,channel');
is($body, $out, 'with the right figures');

$t->stop;
$t->check_log;
unlike($t->error_log, qr/exited on signal|open socket .* left in connection/,
    'no crash, no connection left behind');

done_testing();
