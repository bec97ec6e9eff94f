#!/usr/bin/perl

# A follower whose store has no room left (onestop_follow) cannot apply
# the primary's log until map_size is raised and nginx reloaded.  It used
# to read the same 2,000 entries from Redis again at every tick, four
# times a second, and hand them to the writer's thread to fail again:
# megabytes a second from Redis for nothing.  A batch not applied is now
# read again after a pause that doubles (1 s, 2 s, 4 s ... up to a
# minute); a reload with a larger map follows at once.

use v5.36;
use utf8;

use lib 't/lib';

use Digest::SHA qw(sha256_hex);
use HTTP::Tiny;
use JSON::PP;
use Test::More;
use Time::HiRes qw(sleep);

use Onestop::Test;

plan skip_all => 'redis-server is not installed'
    unless system('command -v redis-server >/dev/null 2>&1') == 0
        && system('command -v redis-cli >/dev/null 2>&1') == 0;
plan skip_all => 'mdb_copy (lmdb-utils) is not installed'
    unless system('command -v mdb_copy >/dev/null 2>&1') == 0;

local $SIG{ALRM} = sub { BAIL_OUT('follow_retry.t did not finish in 120 s') };
alarm 120;

my $json = JSON::PP->new->utf8->canonical;

my $f = Onestop::Test->new(today => '2024-06-15', workers => 1);
my $p = Onestop::Test->new(today => '2024-06-15', workers => 1);
my $rport = $f->start_redis;
$f->spew('keys', '');
$p->spew('keys', sha256_hex('retry-admin-key') . " * admin\n");
my %admin = (Authorization => 'Bearer retry-admin-key');

sub redis (@cmd) { scalar `redis-cli -p $rport @cmd 2>&1` }

sub xreads () {
    redis('INFO', 'commandstats') =~ /^cmdstat_xread:calls=(\d+)/m
        ? $1 : 0;
}

# the follower's store of 1m, filled up: a stalled backup keeps LMDB from
# reusing pages while the CLI changes the prefix back and forth
my ($rc, $out, $err) = $f->cli('init', '--map-size', '1m');
is($rc, 0, 'a store of 1m') or diag($err);
($rc, $out, $err) = $f->cli('follow', 'a');
is($rc, 0, 'a follower of "a"') or diag($err);

my ($copy, $rd) = Onestop::Test::stalled_mdb_copy($f->store, 16384);
my $store = $f->store;
ok(Onestop::Test::wait_for(10, sub {
    `mdb_stat -r $store 2>/dev/null` =~ /^\s*$copy\s+\S+\s+\d+/m }),
    'a stalled backup holds a read transaction');

my ($last, $n) = ('a', 0);
while ($n < 2000) {
    my $next = $last eq 'a' ? 'b' : 'a';
    ($rc, $out, $err) = $f->cli('follow', $next);
    last if $rc != 0;
    ($last, $n) = ($next, $n + 1);
}
like($err, qr/it has no room/, "the map is full after $n changes");

# the primary publishes its log under that prefix: a catalog and 200
# dossiers
$p->write_standard_conf(serve => [qw(lookup stats ingest)], zone => '1m',
    redis => "127.0.0.1:$rport prefix=$last log=on");
ok($p->start, 'the primary starts') or BAIL_OUT($p->error_log);
my $r = $p->http('POST', '/api/v1/ingest/catalog', headers => \%admin,
    body => Onestop::Test::catalog_json());
is($r->{status}, 200, 'its catalog') or diag($r->{content});
my @recs = map { {
    code => sprintf('000.00.30.H36-240601-%05d', $_),
    version => 1,
    agency => '000.30.01.H36',
    procedure => '1.000894',
    channel => 'online',
    applicant => { name => 'Nguyễn Văn Bí Mật' },
    received_at => '2024-06-01',
    due_at => '2024-06-20',
} } 1 .. 200;
$r = $p->http('POST', '/api/v1/ingest/dossiers', headers => \%admin,
    body => $json->encode(\@recs));
is($r->{status}, 200, '200 dossiers') or diag($r->{content});
my ($prc, $pout) = $p->cli('status');
my $pseq = $json->decode($pout)->{seq};
ok($pseq > 0, "the primary is at change $pseq");

# the follower: its batch does not fit
sub conf ($map) {
    $f->write_standard_conf(serve => [qw(lookup stats ingest metrics)],
        map_size => $map, zone => '1m',
        http => "onestop_follow 127.0.0.1:$rport prefix=$last;");
}
conf('1m');
ok($f->start, 'the follower starts on its full store')
    or BAIL_OUT($f->error_log);
ok(Onestop::Test::wait_for(20, sub {
    $f->error_log =~ /onestop_follow: store "[^"]*": could not apply the log: .*no room/ }),
    'it cannot apply the log, and says why') or diag($f->error_log);

# a pause that doubles: over the next six seconds at most three reads
# (the fourth would come 1 + 2 + 4 = 7 s after the first failure); at
# every tick, as before, about 24
sleep 0.5;
redis('CONFIG', 'RESETSTAT');
sleep 6;
my $reads = xreads();
cmp_ok($reads, '<=', 3, "$reads reads of the log in six seconds, not one a tick");
is(scalar($f->worker_pids), 1, 'the worker is up');
is($f->get('/api/v1/stats')->{status}, 200, 'and serves');

# the fix: a larger map and a reload; the new worker follows at once
conf('4m');
$f->reload;
ok(Onestop::Test::wait_for(20, sub {
    my ($rc, $out) = $f->cli('status');
    $rc == 0 && $json->decode($out)->{seq} == $pseq }),
    "map_size=4m and a reload: the follower reaches change $pseq");
is($f->get('/api/v1/dossiers/000.00.30.H36-240601-00200')->{status}, 200,
    'a dossier of the primary is found on the follower');

Onestop::Test::release_mdb_copy($copy, $rd);
$_->stop for $f, $p;
$f->stop_redis;

done_testing;
