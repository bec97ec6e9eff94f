#!/usr/bin/perl

# A follower whose store has no free page left (onestop_follow): an old
# reader -- here a backup that stalled, an "mdb_copy" nobody reads from --
# keeps LMDB from reusing the pages later writes free, until the map has
# none.  Each worker of a follower used to write the store's role at its
# start, whether it changed or not: on such a store the write failed, the
# worker exited with code 2, which nginx does not respawn, and nginx was
# left without workers, its port accepting connections nobody answered
# (after a worker's crash, a restart or a reload).  Now a store that is a
# follower of that prefix already takes no write: the worker serves and
# follows.  A change that must be written and cannot (another prefix,
# the map full) leaves the worker up, answering 503 "unavailable", with
# the reason and the fix at [alert]; once map_size is raised and nginx
# reloaded, it follows the new prefix.

use v5.36;

use lib 't/lib';

use HTTP::Tiny;
use JSON::PP;
use Test::More;
use Time::HiRes qw(sleep);

use Onestop::Test;

plan skip_all => 'redis-server is not installed'
    unless system('command -v redis-server >/dev/null 2>&1') == 0;
plan skip_all => 'mdb_copy (lmdb-utils) is not installed'
    unless system('command -v mdb_copy >/dev/null 2>&1') == 0;

local $SIG{ALRM} = sub { BAIL_OUT('follow_full.t did not finish in 120 s') };
alarm 120;

my $json = JSON::PP->new->utf8;

my $t = Onestop::Test->new(today => '2024-06-15', workers => 1);
my $rport = $t->start_redis;
my $store = $t->store;
$t->spew('keys', '');

# answers within 5 s, or none: a port without a worker accepts, and never
# answers
my $ua = HTTP::Tiny->new(timeout => 5, keep_alive => 0);
sub get ($path) { $ua->get($t->url($path)) }

sub conf ($prefix, $map) {
    $t->write_standard_conf(serve => [qw(lookup stats ingest metrics)],
        map_size => $map, zone => '1m',
        http => "onestop_follow 127.0.0.1:$rport prefix=$prefix;");
}

sub follows () {
    my ($rc, $out) = $t->cli('status');
    return $rc == 0 ? $json->decode($out)->{follows} // '' : undef;
}

# a follower's store of 1m, made by the CLI
my ($rc, $out, $err) = $t->cli('init', '--map-size', '1m');
is($rc, 0, 'a store of 1m') or diag($err);
($rc, $out, $err) = $t->cli('follow', 'a');
is($rc, 0, 'a follower of "a"') or diag($err);

# the stalled backup: mdb_copy holds its read transaction while it writes
# into a pipe nobody reads (16k: its meta pages, written while it holds
# the writers' lock, go through; the data pages wait)
sub pin ($store) {
    my ($pid, $rd) = Onestop::Test::stalled_mdb_copy($store, 16384);
    ok(Onestop::Test::wait_for(10, sub {
        `mdb_stat -r $store 2>/dev/null` =~ /^\s*$pid\s+\S+\s+\d+/m }),
        'the backup holds a read transaction');
    return ($pid, $rd);
}

sub unpin ($pid, $rd) { Onestop::Test::release_mdb_copy($pid, $rd) }

my ($copy, $rd) = pin($store);

# the CLI changes the prefix back and forth until no page is left: the
# prefix that was written last is the store's
my ($last, $n) = ('a', 0);
while ($n < 2000) {
    my $next = $last eq 'a' ? 'b' : 'a';
    ($rc, $out, $err) = $t->cli('follow', $next);
    last if $rc != 0;
    ($last, $n) = ($next, $n + 1);
}
like($err, qr/could not write the store: it has no room: it reached its map size \(raise map_size in "onestop_store"\)/,
    "after $n changes the map is full, and the CLI says so and how to fix it");
is(follows(), $last, "the store follows \"$last\"");

# nginx, a follower of the prefix the store has: its worker writes
# nothing, serves and follows
conf($last, '1m');
ok($t->start, 'nginx starts on the full store') or diag($t->error_log);
is(get('/api/v1/stats')->{status}, 200, 'its worker answers');
my $log = $t->error_log;
unlike($log, qr/exited with (fatal )?code 2/, 'no worker exited with code 2');
like($log, qr/onestop_follow: reading the log from Redis/, 'it follows');

# a worker that crashes is respawned, and serves too
my @w = $t->worker_pids;
is(scalar(@w), 1, 'one worker');
my $at = length $t->error_log;
kill 'KILL', @w;
ok(Onestop::Test::wait_for(10, sub {
    my @now = $t->worker_pids;
    @now == 1 && $now[0] != $w[0] }), 'the crashed worker is respawned');
is(get('/api/v1/stats')->{status}, 200, 'the new one answers');
unlike(substr($t->error_log, $at), qr/exited with (fatal )?code 2/,
    'and stays');

# another prefix must be written, and cannot: the worker stays and says so
my $other = $last eq 'a' ? 'b' : 'a';
conf($other, '1m');
$at = length $t->error_log;
$t->reload;
my $r = get('/api/v1/stats');
is($r->{status}, 503, 'a reload onto another prefix: the worker answers 503');
like($r->{content} // '', qr/"unavailable"/, '... "unavailable"');
is(scalar($t->worker_pids), 1, 'it stays');
my $new = substr($t->error_log, $at);
unlike($new, qr/exited with (fatal )?code 2/, 'no worker exited');
like($new, qr/\[alert\].*store "\Q$store\E": cannot make it a follower of the primary that publishes under "$other" \(onestop_follow\): could not write the store: it has no room: it reached its map size \(raise map_size in "onestop_store"\); this worker answers 503 until then: fix it, then "nginx -s reload"/,
    'why and the fix, at [alert]');
is(follows(), $last, 'the store is as it was');

# the fix: a larger map (the backup still stalled)
conf($other, '4m');
$at = length $t->error_log;
$t->reload;
is(get('/api/v1/stats')->{status}, 200, 'map_size=4m and a reload: it answers');
is(follows(), $other, "the store follows \"$other\"");
like(substr($t->error_log, $at), qr/onestop_follow: reading the log from Redis/,
    'and it follows');

unpin($copy, $rd);
my $master = $t->pid;
$t->stop;
ok(!kill(0, $master), 'nginx stopped');

# a primary's full store, its log off; onestop_redis log=on must turn it
# on, and cannot
my $u = Onestop::Test->new(today => '2024-06-15', workers => 1);
$u->spew('keys', '');
($rc, $out, $err) = $u->cli('init', '--map-size', '1m');
is($rc, 0, 'another store of 1m') or diag($err);
($copy, $rd) = pin($u->store);
$n = 0;
while ($n < 2000) {
    ($rc, $out, $err) = $u->cli($n % 2 ? 'promote' : 'follow', $n % 2 ? () : 'a');
    last if $rc != 0;
    $n++;
}
like($err, qr/it has no room: it reached its map size/, "full after $n changes");

sub uconf ($map) {
    $u->write_standard_conf(serve => [qw(lookup stats ingest metrics)],
        map_size => $map, zone => '1m',
        redis => "127.0.0.1:$rport prefix=lg log=on");
}
uconf('1m');
ok($u->start, 'nginx with log=on starts on it') or diag($u->error_log);
$r = $ua->get($u->url('/api/v1/stats'));
is($r->{status}, 503, 'its worker answers 503');
is(scalar($u->worker_pids), 1, 'and stays');
$log = $u->error_log;
unlike($log, qr/exited with (fatal )?code 2/, 'no worker exited');
like($log, qr/\[alert\].*store "\Q${\ $u->store}\E": cannot turn its log on \(onestop_redis log=\): could not write the store: it has no room: it reached its map size \(raise map_size in "onestop_store"\); this worker answers 503 until then/,
    'why and the fix, at [alert]');
uconf('4m');
$u->reload;
is($ua->get($u->url('/api/v1/stats'))->{status}, 200,
    'map_size=4m and a reload: it answers');
($rc, $out) = $u->cli('status');
like($out, qr/"log": true/, 'its log is on');
unpin($copy, $rd);
$master = $u->pid;
$u->stop;
ok(!kill(0, $master), 'nginx stopped');
$t->stop_redis;

done_testing;
