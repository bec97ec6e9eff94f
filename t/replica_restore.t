#!/usr/bin/perl

# A follower across its primary's restore (docs/operators-guide.md,
# "Restoring", step 4): the primary's store put back from an older backup
# and the feed reset (DEL the prefix's streams), the followers not seeded
# again.  A follower ahead of the restored primary read the log past its
# own sequence, found nothing, and said it was following and caught up
# while it served changes the primary no longer had, until the primary's
# sequence passed its own.  It now looks at the log's end when a read
# finds nothing: a last entry below its sequence that is not its own
# change under that number (its commit time) stops it as diverged, loudly.

use v5.36;
use utf8;

use lib 't/lib';

use Digest::SHA qw(sha256_hex);
use File::Copy ();
use JSON::PP;
use Test::More;
use Time::HiRes qw(sleep);

use Onestop::Resp;
use Onestop::Test;

plan skip_all => 'redis-server is not installed'
    unless system('command -v redis-server >/dev/null 2>&1') == 0;

local $SIG{ALRM} = sub { BAIL_OUT('replica_restore.t did not finish') };
alarm 120;

my $json = JSON::PP->new->utf8->canonical;
my %admin = (Authorization => 'Bearer restore-admin');

my $p = Onestop::Test->new(today => '2024-06-15', workers => 2);
my $f = Onestop::Test->new(today => '2024-06-15', workers => 2);
my $rport = $p->start_redis;
my $redis = Onestop::Resp->new($rport);
$_->spew('keys', sha256_hex('restore-admin') . " * admin\n") for $p, $f;

my @serve = qw(lookup ingest metrics);
$p->write_standard_conf(serve => \@serve, zone => '8m',
    redis => "127.0.0.1:$rport prefix=r interval=100 log=on");
$f->write_standard_conf(serve => \@serve, zone => '8m',
    http => "onestop_follow 127.0.0.1:$rport prefix=r;");
ok($p->start, 'the primary starts') or BAIL_OUT('no primary');
ok($f->start, 'the follower starts') or BAIL_OUT('no follower');

sub code($n) { sprintf('000.00.30.H36-240601-%04d', $n) }

sub post($n) {
    my $r = $p->http('POST', '/api/v1/ingest/dossiers', headers => \%admin,
        body => $json->encode({
            code => code($n), version => 1, agency => '000.30.01.H36',
            procedure => '1.000894', channel => 'online',
            applicant => { name => 'Nguyễn Văn Ba' },
            received_at => '2024-06-01', due_at => '2024-06-20' }));
    is($r->{status}, 200, "dossier $n written") or diag($r->{content});
}

sub applied() { $f->metrics->{onestop_replica_applied_seq} // 0 }

sub follower_state() {
    my $m = $f->get('/metrics')->{content} // '';
    return $m =~ /^onestop_replica_state\{state="(\w+)"\} 1$/m ? $1 : '?';
}

is($p->http('POST', '/api/v1/ingest/catalog', headers => \%admin,
    body => Onestop::Test::catalog_json())->{status}, 200, 'catalog');
post($_) for 1 .. 2;
is($p->feed_caught_up(15), 3, 'published: the catalog and 2 dossiers');

# the backup a restore will put back
$p->stop;
my $old = $p->dir . '/store.old';
mkdir $old;
File::Copy::copy($p->store . '/data.mdb', "$old/data.mdb") or die $!;
ok($p->start, 'the primary starts again');
post($_) for 3 .. 5;
is($p->feed_caught_up(15), 6, 'published: 3 dossiers more');
ok(Onestop::Test::wait_for(15, sub { applied() == 6 }),
    'the follower applied the 6 changes');
is($f->get('/api/v1/dossiers/' . code(5))->{status}, 200,
    'the follower has dossier 5');

# ---------------------------------------------------------------------
# the primary restored (at change 3), the feed reset as step 4 says,
# the follower forgotten

$p->stop;
unlink $p->store . '/lock.mdb';
File::Copy::copy("$old/data.mdb", $p->store . '/data.mdb') or die $!;
is($redis->cmd('DEL', 'r:changes', 'r:log'), 2, 'DEL r:changes r:log');
ok($p->start, 'the primary starts on the restored store');
post(10);                              # the primary's change 4
ok(Onestop::Test::wait_for(15, sub {
    @{ $redis->cmd('XRANGE', 'r:log', '-', '+') } > 0 }),
    'the restored primary publishes its change 4 on the log');
is($p->get('/api/v1/dossiers/' . code(5))->{status}, 404,
    'the primary no longer has dossier 5');

ok(Onestop::Test::wait_for(10, sub { follower_state() eq 'diverged' }),
    'the follower stops as diverged') or diag($f->get('/metrics')->{content});
like($f->error_log,
    qr/\[alert\].*onestop_follow: store "[^"]+": .*the log ends at change 4, which is not this store's change 4 \(it is at 6\).*restored from an older backup.*seed/,
    'it says so at alert, and what to do') or diag($f->error_log);
is($f->get('/api/v1/dossiers/' . code(5))->{status}, 200,
    'it keeps serving what it has');
is(applied(), 6, 'its store is untouched');

$p->check_log;
$f->stop;
$p->stop;
$p->stop_redis;

done_testing();
