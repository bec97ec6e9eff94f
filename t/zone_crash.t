#!/usr/bin/perl

# A worker that dies while it writes an answer into onestop_zone (killed
# by the OOM killer, a crash on another of its threads): nginx's master
# frees the zone's mutex it held, but the slot's generation counter, odd
# while a slot is written, stayed odd.  Each later write of the slot then
# left it odd (a reader took it for "being written": the answer was never
# served from the zone again, computed anew at every request) and made it
# even while it was written (a reader could copy half a write).  A writer
# now finds an odd counter under the mutex, which only a dead writer
# leaves, and sets it right first.  The worker is stopped in the write by
# gdb (a breakpoint on ngx_slab_alloc_locked, which only the zone's write
# calls) and killed there.

use v5.36;

use lib 't/lib';

use HTTP::Tiny;
use Test::More;
use Time::HiRes qw(sleep);

use Onestop::Test;

plan skip_all => 'gdb is not installed'
    unless system('command -v gdb >/dev/null 2>&1') == 0;
plan skip_all => 'needs root to attach gdb to a worker' if $> != 0;

local $SIG{ALRM} = sub { BAIL_OUT('zone_crash.t did not finish in 120 s') };
alarm 120;

my $t = Onestop::Test->new(today => '2024-06-15', workers => 1);
my ($rc, $out, $err) = $t->cli('demo', '200');
is($rc, 0, 'a demo store') or diag($err);
$t->write_standard_conf(serve => [qw(stats metrics)], zone => '1m', keys => 0);
ok($t->start, "nginx starts") or BAIL_OUT("no nginx");

my $ua = HTTP::Tiny->new(timeout => 5, keep_alive => 0);
my $q = '/api/v1/stats?from=2023-01-01&to=2023-12-31&group=agency';

sub hits () {
    my $m = $ua->get($t->url('/metrics'))->{content} // '';
    return $m =~ /^onestop_zone_answers_total\{result="hit"\} (\d+)$/m
        ? $1 : undef;
}

# the worker stopped in the write of the answer to $q, and killed there
my ($worker) = $t->worker_pids;
my $gdbout = $t->dir . '/gdb.out';
my $gdb = fork() // die "fork: $!";
if ($gdb == 0) {
    open(STDOUT, '>', $gdbout) or exit 127;
    open(STDERR, '>&', \*STDOUT);
    exec('gdb', '-nx', '-batch', '-p', $worker,
        '-ex', 'break ngx_slab_alloc_locked', '-ex', 'continue',
        '-ex', 'kill', '-ex', 'quit');
    exit 127;
}
ok(Onestop::Test::wait_for(30, sub {
    Onestop::Test::slurp($gdbout) =~ /^Breakpoint 1 at/m }), 'gdb is attached')
    or diag(Onestop::Test::slurp($gdbout));
my $r = $ua->get($t->url($q));
waitpid($gdb, 0);
like(Onestop::Test::slurp($gdbout), qr/Breakpoint 1, .*ngx_slab_alloc_locked/,
    'in the zone\'s write');
ok(Onestop::Test::wait_for(10, sub {
    $t->error_log =~ /shared memory zone "onestop" was locked by $worker/ }),
    'the worker is killed there: nginx\'s master frees the mutex it held');
ok(Onestop::Test::wait_for(10, sub {
    my @w = $t->worker_pids; @w == 1 && $w[0] != $worker }),
    'a new worker');

# the same answer, written again, is served from the zone
$r = $ua->get($t->url($q));
is($r->{status}, 200, 'the answer') or diag($r->{content});
my $body = $r->{content};
my $before = hits();
my $same = 0;
for (1 .. 3) {
    $same++ if ($ua->get($t->url($q))->{content} // '') eq $body;
}
is($same, 3, 'the same answer three times');
cmp_ok(hits() - $before, '>=', 3, '... each from the zone');

my $master = $t->pid;
$t->stop;
ok(!kill(0, $master), 'nginx stopped');

done_testing;
