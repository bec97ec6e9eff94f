#!/usr/bin/perl

# A worker that starts while another process holds the store's write lock
# (LMDB has one writer at a time: the CLI importing a large file, a
# non-compacting mdb_copy, which holds it while it writes the meta pages)
# answers at once.  Every read-write open of the store used to begin a
# write transaction, and nginx's workers wrote their configuration's
# values (outbox, change log, grace days, the feed's log=, the
# follower's prefix) at each start whether they changed or not: a worker
# respawned after a crash, or the new workers of a reload, waited for the
# writer, and nginx's port took connections that nobody answered until
# the writer was done.  Here the writer is an mdb_copy stalled on a pipe
# nobody reads, on a primary (onestop_redis log=on) and on a follower.

use v5.36;

use lib 't/lib';

use Digest::SHA qw(sha256_hex);
use HTTP::Tiny;
use Test::More;

use Onestop::Test;

plan skip_all => 'redis-server is not installed'
    unless system('command -v redis-server >/dev/null 2>&1') == 0;
plan skip_all => 'mdb_copy (lmdb-utils) is not installed'
    unless system('command -v mdb_copy >/dev/null 2>&1') == 0;

local $SIG{ALRM} = sub { BAIL_OUT('store_locked.t did not finish in 120 s') };
alarm 120;


# answers within 5 s, or none: a worker that waits for the lock never
# answers
my $ua = HTTP::Tiny->new(timeout => 5, keep_alive => 0);

my $p = Onestop::Test->new(today => '2024-06-15', workers => 1);
my $f = Onestop::Test->new(today => '2024-06-15', workers => 1);
my $rport = $p->start_redis;
my $keys = sha256_hex('locked-admin') . " * admin\n";
$_->spew('keys', $keys) for $p, $f;

my @serve = qw(lookup stats ingest metrics);
$p->write_standard_conf(serve => \@serve, zone => '1m',
    redis => "127.0.0.1:$rport prefix=lk log=on");
$f->write_standard_conf(serve => \@serve, zone => '1m',
    http => "onestop_follow 127.0.0.1:$rport prefix=lk;");
ok($p->start, 'the primary starts') or diag($p->error_log);
ok($f->start, 'the follower starts') or diag($f->error_log);

for my $t ($p, $f) {
    my $name = $t == $p ? 'the primary' : 'the follower';

    # the writers' lock held: mdb_copy writes its meta pages (8k) into a
    # pipe of 4k nobody reads
    my ($copy, $rd) = Onestop::Test::stalled_mdb_copy($t->store, 4096);
    ok(Onestop::Test::wait_for(10, sub {
        Onestop::Test::slurp("/proc/$copy/wchan") =~ /pipe_write/ }),
        "$name: mdb_copy waits on the pipe, holding the lock");

    is($ua->get($t->url('/api/v1/stats'))->{status}, 200,
        "$name: its worker answers");

    # a crash
    my @w = $t->worker_pids;
    kill 'KILL', @w;
    ok(Onestop::Test::wait_for(10, sub {
        my @now = $t->worker_pids;
        @now == 1 && $now[0] != $w[0] }), "$name: the worker is respawned");
    my $r = $ua->get($t->url('/api/v1/stats'));
    is($r->{status}, 200, "$name: the respawned worker answers")
        or diag($r->{content});

    # a reload
    @w = $t->worker_pids;
    $t->reload;
    ok(Onestop::Test::wait_for(10, sub {
        my @now = $t->worker_pids;
        @now == 1 && $now[0] != $w[0] }), "$name: a reload's new worker");
    is($ua->get($t->url('/api/v1/stats'))->{status}, 200,
        "$name: it answers");
    is($ua->get($t->url('/api/v1/dossiers/NO-SUCH-CODE'))->{status}, 404,
        "$name: lookups too");

    Onestop::Test::release_mdb_copy($copy, $rd);
}

# the lock gone, writes go on, and the follower takes them
my $code = '000.00.12.H36-240614-00001';
my $rec = qq({"code":"$code","version":1,"agency":"000.00.12.H36",)
    . qq("procedure":"1.001234","channel":"online",)
    . qq("applicant":{"name":"Trần Thị Khoá"},"received_at":"2024-06-14",)
    . qq("due_at":"2024-06-20"});
my %admin = (Authorization => 'Bearer locked-admin');
my $r = $p->http('POST', '/api/v1/ingest/catalog', headers => \%admin,
    body => Onestop::Test::catalog_json());
is($r->{status}, 200, 'the primary takes a catalog') or diag($r->{content});
$r = $p->http('POST', '/api/v1/ingest/dossiers', headers => \%admin,
    body => $rec);
is($r->{status}, 200, 'and a dossier') or diag($r->{content});
ok(Onestop::Test::wait_for(15, sub {
    $f->get("/api/v1/dossiers/$code")->{status} == 200 }),
    'the follower has it');

for my $t ($p, $f) {
    unlike($t->error_log, qr/exited with (?:fatal )?code [^0]|exited on signal (?!9\b)/,
        'no worker exited but those killed');
}

my @masters = ($p->pid, $f->pid);
$_->stop for $p, $f;
ok(!grep({ kill 0, $_ } @masters), 'both nginx stopped');
$p->stop_redis;

done_testing;
