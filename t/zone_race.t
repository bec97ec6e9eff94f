#!/usr/bin/perl

# The zone's lock-free reader (issue 13, point 2): a worker that tests a
# slot's body and then copies it must copy what it tested.  Another
# worker's put frees the body and sets the pointer to NULL, and leaves it
# NULL when its own allocation fails (a zone too small for its answer).
#
# Two workers share a zone just large enough for small answers.  A hot
# key H and a key C whose answer cannot fit fall in the same slot: every
# request for C is a miss whose put frees H's body and leaves the slot
# empty.  With ONESTOP_TEST_ZONE_DELAY_MS (a hook for this test) each read
# waits between testing the slot and copying the body, so a put lands in
# between again and again.  A reader that loaded the pointer twice copied
# from NULL and the worker died (SIGSEGV); now every answer is 200 and the
# same as the engine's, and no worker exits.

use v5.36;

use lib 't/lib';

use Compress::Zlib qw(crc32);
use JSON::PP;
use POSIX qw(WNOHANG);
use Test::More;
use Time::HiRes qw(sleep time);

use Onestop::Test;

my $SLOTS = 1024;           # NGX_HTTP_ONESTOP_SLOTS
my $SECONDS = $ENV{ONESTOP_RACE_SECONDS} // 8;

my $json = JSON::PP->new->utf8->canonical;
my $t = Onestop::Test->new(today => '2024-06-15', workers => 2);

my ($rc, $out, $err) = $t->cli('demo', '3000');
is($rc, 0, 'a demo store of 3,000 dossiers') or diag($err);

# the zone's key of a statistics request: "s?" and its arguments
sub slot ($args) { crc32("s?$args") % $SLOTS }

# H: a small answer; C: the procedure breakdown (about 60 KB), which the
# small zone cannot hold, in the same slot
my $h = 'from=2024-01-01&to=2024-06-15';
my $c;
for my $d (0 .. 20000) {
    my $args = "group=procedure&from=2019-07-01&to="
        . sprintf('%04d-%02d-%02d', 2020 + int($d / 372),
                  1 + int(($d % 372) / 31), 1 + $d % 31);
    next unless $args =~ /-(\d\d)-(\d\d)$/ && $2 <= 28;
    if (slot($args) == slot($h)) { $c = $args; last }
}
ok(defined $c, "a key in the hot key's slot ($c)") or BAIL_OUT('no collision');

# the smallest zone: the slots' table (about 330 KB) and room for answers,
# filled below with other answers until C cannot fit
$t->write_conf(<<'END', main => 'env ONESTOP_TEST_ZONE_DELAY_MS=20;');
    onestop_store %%STORE%%;
    onestop_zone onestop 1m;

    server {
        listen 127.0.0.1:%%PORT%%;
        location /api/v1/stats { onestop_stats; }
    }
END
ok($t->start, 'nginx starts with two workers and a small zone')
    or BAIL_OUT('nginx did not start');
my @workers = $t->worker_pids;
is(scalar(@workers), 2, 'two workers');

my ($hrc, $hout) = $t->cli('stats', '--from', '2024-01-01',
    '--to', '2024-06-15');
is($hrc, 0, 'the CLI answers H');
my $want_h = $json->decode($hout);

my $r = $t->get("/api/v1/stats?$h");
is($r->{status}, 200, 'H answers 200');
is_deeply($json->decode($r->{content}), $want_h, 'H equals the CLI');

# other answers, in other slots, until the zone is full
my $filled = 0;
for my $d (1 .. 600) {
    my $args = sprintf('group=agency&from=2019-07-01&to=%04d-%02d-%02d',
                       2021 + int($d / 336), 1 + int($d / 28) % 12,
                       1 + $d % 28);
    next if slot($args) == slot($h);
    $t->get("/api/v1/stats?$args");
    if ($t->error_log =~ /onestop_zone is full/) { $filled = $d; last }
}
ok($filled, "the zone is full after $filled other answers");
$r = $t->get("/api/v1/stats?$c");
is($r->{status}, 200, 'C answers 200');

# the race: readers of H in both workers, C's misses putting into the slot
my @kids;
for my $k (0 .. 5) {
    my $pid = fork() // die "fork: $!";
    if ($pid == 0) {
        my $ua = HTTP::Tiny->new(timeout => 10, keep_alive => 1);
        my ($n, $bad) = (0, 0);
        my $end = time + $SECONDS;
        while (time < $end) {
            my $args = ($k % 3 == 2) ? $c : $h;
            my $res = $ua->get($t->url("/api/v1/stats?$args"));
            $n++;
            if ($res->{status} != 200) { $bad++; next }
            if ($args eq $h) {
                my $got = eval { $json->decode($res->{content}) };
                $bad++ unless $got && $json->encode($got)
                    eq $json->encode($want_h);
            }
        }
        open(my $fh, '>', $t->dir . "/race.$k") or exit 1;
        print $fh "$n $bad\n";
        close $fh;
        exit 0;
    }
    push @kids, $pid;
}
waitpid($_, 0) for @kids;

my ($total, $wrong) = (0, 0);
for my $k (0 .. 5) {
    my ($n, $bad) = split ' ', Onestop::Test::slurp($t->dir . "/race.$k");
    $total += $n // 0;
    $wrong += $bad // 1;
}
cmp_ok($total, '>', 50, "requests made during the race ($total)");
is($wrong, 0, 'every answer 200, and H equal to the CLI');

my $log = $t->error_log;
my @exits = $log =~ /(worker process \d+ exited on signal \d+[^\n]*)/g;
is(scalar(@exits), 0, 'no worker exited on a signal') or diag(join "\n", @exits);
my %now = map { $_ => 1 } $t->worker_pids;
is(scalar(grep { $now{$_} } @workers), 2, 'the same two workers serve');
like($log, qr/onestop_zone is full/, 'the zone was too small for C, as meant');

# issue 19: said at error (Debian's default error_log level shows it), with
# what to do, once for the whole episode however many answers did not fit
my @full = $log =~ /^.*onestop_zone is full.*$/mg;
is(scalar(@full), 1, 'the full zone is logged once') or diag(join "\n", @full);
like($full[0] // '', qr/\[error\].*increase the size in "onestop_zone" and reload nginx/,
    'at error, saying what to do');

$t->stop;
$t->check_log;

done_testing();
