#!/usr/bin/perl

# onestop_zone under a stream of writes: every write makes every answer
# in the zone stale, and a stale answer can never be served again (the
# zone's sequence only rises), yet its body stayed in the zone until its
# key was asked again.  Many distinct queries (a dashboard's, a crawler's)
# thus filled the zone with answers of past sequences, and from then on
# the answers in use were not kept: each computed anew at every request,
# and the log said "onestop_zone is full" over and over (each time a
# quarter of it came free) while half of it held nothing that could be
# served.  An answer that does not fit now frees the stale ones first.
#
# Counted, not timed: the zone's hits in /metrics, and its log.

use v5.36;

use lib 't/lib';

use HTTP::Tiny;
use Test::More;

use Onestop::Test;

local $SIG{ALRM} = sub { BAIL_OUT('zone_stale.t did not finish in 120 s') };
alarm 120;

my $t = Onestop::Test->new(today => '2024-06-15', workers => 1);
my ($rc, $out, $err) = $t->cli('demo', '2000');
is($rc, 0, 'a demo store') or diag($err);
$t->write_standard_conf(serve => [qw(stats metrics)], zone => '1m',
    keys => 0);
ok($t->start, 'nginx starts') or BAIL_OUT('no nginx');

my $ua = HTTP::Tiny->new(timeout => 30, keep_alive => 0);

sub hits () {
    my $m = $ua->get($t->url('/metrics'))->{content} // '';
    return $m =~ /^onestop_zone_answers_total\{result="hit"\} (\d+)$/m
        ? $1 : die "no hits in /metrics\n";
}

# answers of some 100 KB each: a few fill what the slots leave of 1m
my @q = map { sprintf('/api/v1/stats?group=agency&from=2023-01-%02d', $_) }
    1 .. 28;
my $r = $ua->get($t->url($q[0]));
is($r->{status}, 200, 'a statistics answer');
cmp_ok(length($r->{content}), '>', 50_000, 'of more than 50 KB');

# a round of distinct queries, then a write (by the CLI: the workers
# see it within their 250 ms poll; awaited, not timed), then the next
my $round = 0;
my $seq = 0;

sub write_one () {
    $round++;
    my $rec = sprintf('{"code":"000.00.01.H36-240614-9%03d","version":1,'
        . '"agency":"000.00.01.H36","procedure":"1.000786",'
        . '"channel":"online","applicant":{"name":"Nguyễn Văn An"},'
        . '"received_at":"2024-06-14T08:00:00+07:00",'
        . '"due_at":"2024-06-28"}', $round);
    # the worker has seen it when the same query answers differently
    my $before = $ua->get($t->url('/api/v1/stats?period=year'))->{content};
    my ($rc, undef, $err) = $t->cli('import', '-', \$rec);
    is($rc, 0, "write $round") or diag($err);
    ok(Onestop::Test::wait_for(10, sub {
        ($ua->get($t->url('/api/v1/stats?period=year'))->{content} // '')
            ne $before }), "write $round seen by nginx");
}

sub fill ($from, $to) {
    for my $i ($from .. $to) {
        my $s = $ua->get($t->url($q[$i]))->{status};
        return 0 unless $s == 200;
    }
    return 1;
}

# 1: the zone filled with current answers (that is a full zone, rightly)
ok(fill(0, 13), 'the first 14 queries');
write_one();

# 2, 3: after each write, what the zone holds is stale; a few new
# answers are each kept, served from the zone on their second request
# (three: four fit in what the slots leave of 1m, unless the slab's free
# pages lie apart, as they did once in a busy make test)
for my $from (14, 18) {
    write_one() if $from > 14;
    for my $i ($from .. $from + 2) {
        my $body = $ua->get($t->url($q[$i]))->{content};
        my $h = hits();
        my $again = $ua->get($t->url($q[$i]))->{content};
        my $now = hits();
        is($again, $body, "query $i: the same answer twice");
        # /metrics' own lookup may count besides
        cmp_ok($now - $h, '>=', 1, "query $i: its second request a hit");
    }
}

# full once, by the first round's current answers
my @full = $t->error_log =~ /onestop_zone is full/g;
cmp_ok(scalar(@full), '<=', 1, 'the zone is not said to be full again')
    or diag(scalar(@full) . ' times');

$t->check_log;
$t->stop;

done_testing;
