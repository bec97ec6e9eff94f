#!/usr/bin/perl

# A worker's statistics misses beyond its readers wait for one, and beyond
# its queue are refused, never computed on the event loop (DESIGN: the
# event loop never stalls on heavy work): with one worker, its four
# readers and its 64 places in the queue taken by distinct misses (each
# held 600 ms on its thread by ONESTOP_TEST_SLOW_MISS_MS), lookups are
# answered at once, two misses more are answered 503 "unavailable" with
# Retry-After, and the 68 that were taken are all answered, each the
# engine's answer. Before, every miss past the readers was computed on the
# loop, one after the other, with the lookups waiting behind them.  And
# clients that send misses and close at once do not hold the queue's
# places: a full queue gives up those whose clients left.

use v5.36;
use utf8;

use lib 't/lib';

use Encode ();
use IO::Select;
use IO::Socket::INET;
use JSON::PP;
use Test::More;
use Time::HiRes qw(sleep time);

use Onestop::Test;

local $SIG{ALRM} = sub { BAIL_OUT('offloop_queue.t did not finish in 120 s') };
alarm 120;

my $json = JSON::PP->new->utf8->canonical;
my $SLOW = 600;
my $TAKEN = 4 + 64;

my $t = Onestop::Test->new(today => '2024-06-15', workers => 1);
my ($rc, $out, $err) = $t->cli('demo', '2000');
is($rc, 0, 'a demo store of 2,000 dossiers') or diag($err);

$t->write_standard_conf(serve => [qw(stats lookup widget)], zone => '8m',
    keys => 0,
    main => "env ONESTOP_TEST_SLOW_MISS_MS=$SLOW;");
ok($t->start, 'nginx starts') or BAIL_OUT('nginx did not start');

# a code to look up, and the worker's read-ahead done
my $first = $t->get('/api/v1/stats?period=all&group=agency');
is($first->{status}, 200, 'a first miss is answered');
my $any;
{
    open(my $fh, '-|', $Onestop::Test::CLI, '--store', $t->store, 'changes',
        'limit=1') or die;
    local $/;
    my $page = eval { $json->decode(<$fh>) } // {};
    $any = $page->{entries}[0]{code};
}
ok(defined $any, 'a dossier code to look up') or BAIL_OUT('no code');

sub send_req($path) {
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
        PeerPort => $t->port, Proto => 'tcp') or die "connect: $!";
    print $s "GET $path HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
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

# 70 distinct one-month-day queries: 68 taken, 2 refused
my @q;
for my $m (1 .. 12) {
    for my $d (2 .. 7) {
        push @q, sprintf('from=2023-%02d-01&to=2023-%02d-%02d&group=agency',
            $m, $m, $d);
    }
}
@q = @q[0 .. $TAKEN + 1];

my $t0 = time;
my @socks;
for my $q (@q) {
    push @socks, send_req("/api/v1/stats?$q");
    sleep 0.001;                        # in this order at the worker
}

# a badge asked while the queue is full: an image still (an <img> of an
# agency's site shows it), a 503 with Retry-After, not the error object
my $badge = send_req('/widget/province.svg');

# the event loop is free while they wait
sleep 0.1;
my @looked;
for (1 .. 3) {
    my $r = $t->get("/api/v1/dossiers/$any");
    push @looked, $r->{status};
}
my $mid = time - $t0;
is_deeply(\@looked, [200, 200, 200], 'lookups answered while 70 misses wait');
cmp_ok($mid, '<', ($TAKEN / 4) * $SLOW / 1000,
    '... before the queue was through (not behind the misses)');

{
    my ($bst, $bbody, $bhead) = read_res($badge);
    is($bst, 503, 'a badge while the queue is full: 503');
    like($bhead, qr{^Content-Type: image/svg\+xml}mi, '... an SVG image');
    like($bhead, qr/^Retry-After: \d+\r?$/mi, '... with Retry-After');
    like(Encode::decode('UTF-8', $bbody), qr{^<svg\b.*tạm bận}s,
        '... saying "tạm bận"');
}

my @got = map { [read_res($_)] } @socks;
my @status = map { $_->[0] } @got;
is(scalar(grep { $_ == 200 } @status), $TAKEN,
    "$TAKEN misses answered 200: four on the readers, 64 waiting")
    or diag("@status");
is_deeply([@status[$TAKEN .. $TAKEN + 1]], [503, 503],
    'the two past the queue: 503') or diag("@status");

my (undef, $body, $head) = @{ $got[$TAKEN] };
my $e = eval { $json->decode($body) } // {};
is($e->{error}{code}, 'unavailable', '... "unavailable"') or diag($body);
like($e->{error}{message}, qr/too many answers are being computed at once/,
    '... saying why');
like($head, qr/^Retry-After: \d+\r?$/mi, '... with Retry-After');

# each answered one is the engine's own
my $same = 0;
for my $i (0 .. $TAKEN - 1) {
    my %a = map { split /=/ } split /&/, $q[$i];
    my (undef, $want) = $t->cli('stats', '--from', $a{from}, '--to', $a{to},
        '--group', 'agency');
    $same++ if $got[$i][1] eq $want;
}
is($same, $TAKEN, 'each answer the engine\'s for its own period');

# once the queue is through, the refused ones are answered
my $r = $t->get("/api/v1/stats?$q[-1]");
is($r->{status}, 200, 'a refused query, sent again, is answered');

# clients that send misses and leave do not hold the queue: a full queue
# gives up the places of those whose clients closed (they were kept until
# their turn, every one computed, while a client still there was told
# 503)
my @gone;
for my $i (0 .. $TAKEN - 1) {
    my $q = $q[$i];
    $q =~ s/group=agency/group=field/;
    push @gone, send_req("/api/v1/stats?$q");
    sleep 0.001;
}
sleep 0.2;
close $_ for @gone;
sleep 0.2;
my $live_q = $q[$TAKEN];
$live_q =~ s/group=agency/group=procedure/;
my ($st, $live_body) = read_res(send_req("/api/v1/stats?$live_q"));
is($st, 200, 'a client still there is answered: the queue gave up the '
    . 'places of the clients that left');
my %la = map { split /=/ } split /&/, $live_q;
my (undef, $want) = $t->cli('stats', '--from', $la{from}, '--to', $la{to},
    '--group', 'procedure');
is($live_body, $want, '... the engine\'s answer');

$t->check_log;
done_testing();
