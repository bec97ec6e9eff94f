#!/usr/bin/perl

# The demo's store as years of writes would have left it (issue 20: a
# dossier's bytes in the store): `onestop demo` into a new store writes
# each record at its newest event, a day's events a commit, so that
# - the change log holds only its last onestop_changelog_days (31) days,
#   contiguous up to the store's sequence, and a reader from 0 is told
#   410 gone;
# - the outbox is as once consumed: published up to the sequence;
# and nothing else differs from the same demo written into a store that
# had a write before it (written now, as an import): the same statistics
# (CLI, byte for byte), every dossier looked up through nginx the same,
# and verify finds the counters right.

use v5.36;
use utf8;

use lib 't/lib';

use JSON::PP;
use POSIX qw(strftime);
use Test::More;
use Time::Local qw(timegm);

use Onestop::Test;

my $json = JSON::PP->new->utf8->canonical;
my $TODAY = '2024-06-15';
my $N = 3000;

my $aged = Onestop::Test->new(today => $TODAY);
my $plain = Onestop::Test->new(today => $TODAY);

# the demo into a new store
my ($rc, $out, $err) = $aged->cli('demo', $N);
is($rc, 0, "demo $N into a new store") or diag($err);

# the same into a store that had a write (its catalog) before
$plain->spew('catalog.json',
    Onestop::Test::slurp("$Onestop::Test::ROOT/conf/catalog-longan.json"));
($rc, $out, $err) = $plain->cli('catalog', $plain->dir . '/catalog.json');
is($rc, 0, 'a catalog written first into the other store') or diag($err);
($rc, $out, $err) = $plain->cli('demo', '--force', $N);
is($rc, 0, "demo $N into the store that had a write") or diag($err);

# the outbox: consumed in the new store, left to its readers in the other

my %status;
for my $s ([aged => $aged], [plain => $plain]) {
    ($rc, $out) = $s->[1]->cli('status');
    $status{$s->[0]} = eval { $json->decode($out) } // {};
}
ok($status{aged}{seq} > $N, "the new store's sequence ($status{aged}{seq})");
is($status{aged}{published}, $status{aged}{seq},
    "the new store's outbox is consumed: published up to its sequence");
ok($status{plain}{published} < $status{plain}{seq},
    'the other store\'s outbox waits for its readers');

# the same figures, byte for byte

for my $q (['--period', 'all'],
           ['--period', 'year', '--group', 'agency'],
           ['--period', 'month', '--group', 'field'],
           ['--from', '2019-07-01', '--to', $TODAY, '--interval', 'month'],
           ['--period', 'all', '--group', 'procedure'],
           ['--from', '2023-01-01', '--to', '2024-04-30', '--as', 'published',
            '--group', 'agency'])
{
    my @a = $aged->cli('stats', @$q);
    my @p = $plain->cli('stats', @$q);
    is($a[0], 0, "stats @$q answers");
    ok(length($a[1]) > 100 && $a[1] eq $p[1], "stats @$q: the same answer");
}

($rc, $out, $err) = $aged->cli('verify');
is($rc, 0, 'verify finds the new store\'s counters right') or diag($err);

# nginx on both: the change logs and every dossier

for my $t ($aged, $plain) {
    $t->write_conf($t->standard_conf(serve => [qw(lookup)], keys => 0,
        server => "location /api/v1/changes { onestop_changes; }\n"));
    ok($t->start, 'nginx starts') or BAIL_OUT('nginx did not start');
}

# a change log read whole from its oldest entry
sub changes ($t) {
    my (@entries, $after);
    for (1 .. 1000) {
        my $r = $t->get('/api/v1/changes?limit=1000'
                        . (defined $after ? "&after=$after" : ''));
        my $page = eval { $json->decode($r->{content}) };
        return (undef, $r) unless $r->{status} == 200 && $page;
        push @entries, @{ $page->{entries} };
        last if !@{ $page->{entries} };
        $after = $page->{next};
    }
    return (\@entries, undef);
}

my ($plog) = changes($plain);
my @codes = map { $_->{kind} eq 'dossier' ? $_->{code} : () } @{ $plog // [] };
is(scalar(@codes), $N, "the other store's log names the $N dossiers");

my ($alog, $bad) = changes($aged);
ok($alog && @$alog, 'the new store\'s change log has entries')
    or diag($bad && $bad->{content});
$alog //= [];

# 31 days before today's date, as the trim counts them (today's time of
# day, in +07:00), and today's end
my ($y, $m, $d) = split /-/, $TODAY;
my $from = strftime('%Y-%m-%dT%H:%M:%S', gmtime(timegm(0, 0, 0, $d, $m - 1,
    $y) - 31 * 86400));
my ($min, $max) = (sort map { $_->{ts} } @$alog)[0, -1];
ok(@$alog < $N / 4, 'the new store\'s log holds a part of the dossiers ('
    . scalar(@$alog) . " of $N)");
ok(defined $min && substr($min, 0, 10) ge substr($from, 0, 10),
    "its oldest entry ($min) is of the last 31 days (from $from)");
ok(defined $max && substr($max, 0, 10) le $TODAY,
    "its newest entry ($max) is not after today");
is($alog->[-1]{seq}, $status{aged}{seq},
    'its entries run up to the store\'s sequence');
is(scalar(grep { $alog->[$_]{seq} != $alog->[0]{seq} + $_ } 0 .. $#$alog),
    0, 'without a gap');

my $r = $aged->get('/api/v1/changes?after=0');
is($r->{status}, 410, 'a reader from 0 is told 410: the older entries '
    . 'were trimmed');

# every dossier, looked up on both

my ($same, $found) = (0, 0);
for my $code (@codes) {
    my $a = $aged->get("/api/v1/dossiers/$code");
    my $p = $plain->get("/api/v1/dossiers/$code");
    $found++ if $a->{status} == 200;
    $same++ if $a->{status} == $p->{status} && $a->{content} eq $p->{content};
}
is($found, $N, "every dossier is looked up in the new store");
is($same, $N, 'each lookup answers as in the other store');

# a dossier's entry in the new store's log: its record as of its commit
# day, which is the day of its newest event
my ($e) = grep { $_->{kind} eq 'dossier' } reverse @$alog;
ok($e && $e->{record} && $e->{record}{code} eq $e->{code},
    'an entry of the new store\'s log carries its record');

for my $t ($aged, $plain) {
    $t->stop;
    $t->check_log;
}

done_testing();
