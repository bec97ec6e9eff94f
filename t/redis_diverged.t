#!/usr/bin/perl

# A store restored from an older backup that committed changes before it
# published (Redis unreachable meanwhile, or nginx started on it without
# onestop_redis; docs/feed.md, "After restoring a store from a backup"):
# its last change is past the stream's end, yet the changes under the
# stream's numbers are others.  t/redis_ahead.t's check (the stream ending
# beyond the store) passed; Redis refused the store's changes as replays,
# the publisher counted them acknowledged, and they were lost from the
# stream without a word, which then held the old store's dossiers under
# those numbers and the new store's after them.  The publisher now
# compares the streams' last entries with the store's changes under their
# numbers (the outbox, else the change log).

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

local $SIG{ALRM} = sub { BAIL_OUT('redis_diverged.t did not finish') };
alarm 300;

my $json = JSON::PP->new->utf8->canonical;
my %admin = (Authorization => 'Bearer diverged-admin');

sub post($t, $n) {
    my $r = $t->http('POST', '/api/v1/ingest/dossiers', headers => \%admin,
        body => $json->encode({
            code => sprintf('000.00.30.H36-240601-%04d', $n),
            version => 1, agency => '000.30.01.H36',
            procedure => '1.000894', channel => 'online',
            applicant => { name => 'Nguyễn Văn Ba' },
            received_at => '2024-06-01', due_at => '2024-06-20' }));
    is($r->{status}, 200, "dossier $n written") or diag($r->{content});
}

# the dossiers' numbers in a stream, in order
sub codes($redis, $stream) {
    return join ' ', map { my %f = @{ $_->[1] }; $f{code} =~ /-(\d+)$/ ? $1 + 0 : '?' }
        grep { my %f = @{ $_->[1] }; defined $f{code} }
        @{ $redis->cmd('XRANGE', $stream, '-', '+') };
}

# a store published up to dossier 5 (change 6) under prefix t, and the
# copy of it at dossier 2 (change 3) that a restore puts back
sub setup($log) {
    my $t = Onestop::Test->new(today => '2024-06-15', workers => 2);
    my $rport = $t->start_redis;
    $t->spew('keys', sha256_hex('diverged-admin') . " * admin\n");
    my $redis_conf = "127.0.0.1:$rport prefix=t interval=100"
        . ($log ? ' log=on' : '');
    $t->write_conf($t->standard_conf(serve => [qw(lookup ingest metrics)],
        zone => '8m', redis => $redis_conf));
    ok($t->start, 'nginx starts') or BAIL_OUT('nginx did not start');

    is($t->http('POST', '/api/v1/ingest/catalog', headers => \%admin,
        body => Onestop::Test::catalog_json())->{status}, 200, 'catalog');
    post($t, $_) for 1 .. 2;
    is($t->feed_caught_up(15), 3, 'published: the catalog and 2 dossiers');

    $t->stop;
    my $old = $t->dir . '/store.old';
    mkdir $old;
    File::Copy::copy($t->store . '/data.mdb', "$old/data.mdb") or die $!;
    ok($t->start, 'nginx starts again');
    post($t, $_) for 3 .. 5;
    is($t->feed_caught_up(15), 6, 'published: 3 dossiers more');
    $t->stop;

    unlink $t->store . '/lock.mdb';
    File::Copy::copy("$old/data.mdb", $t->store . '/data.mdb') or die $!;
    return ($t, $rport, $redis_conf);
}

# ---------------------------------------------------------------------
# the restored store writes while Redis cannot be reached

{
    my ($t, $rport, $redis_conf) = setup(0);
    my $redis = Onestop::Resp->new($rport);
    is(codes($redis, 't:changes'), '1 2 3 4 5', 'the stream holds dossiers 1 to 5');

    # Redis unreachable (here: another port): 4 dossiers, changes 4-7,
    # wait in the outbox
    my $down = Onestop::Test::free_port();
    (my $down_conf = $redis_conf) =~ s/:$rport /:$down /;
    $t->write_conf($t->standard_conf(serve => [qw(lookup ingest metrics)],
        zone => '8m', redis => $down_conf));
    ok($t->start, 'nginx starts on the restored store, Redis unreachable');
    post($t, $_) for 10 .. 13;
    $t->stop;

    $t->write_conf($t->standard_conf(serve => [qw(lookup ingest metrics)],
        zone => '8m', redis => $redis_conf));
    ok($t->start, 'nginx starts with Redis reachable again');

    ok(Onestop::Test::wait_for(10, sub {
        $t->error_log =~ /"t:changes" ends at change 6, which is not change 6 of store "[^"]+" \(at 7\)/ }),
        'the log says the stream holds other changes than the store under its numbers')
        or diag($t->error_log);
    like($t->error_log, qr/redis-cli DEL t:changes\)/, '... and what to do');
    sleep 1.5;
    is(codes($redis, 't:changes'), '1 2 3 4 5',
        'dossiers 10 to 13 are neither lost as replays nor put after the old store\'s');
    cmp_ok($t->metrics->{onestop_redis_outbox_depth}, '>=', 4,
        'they wait in the outbox');
    is(() = $t->error_log =~ /which is not change 6/g, 1,
        'said once, though the publisher asks again each second');

    is($redis->cmd('DEL', 't:changes'), 1, 'DEL t:changes');
    # (with what the restored store had not seen acknowledged before it)
    ok(Onestop::Test::wait_for(10, sub { codes($redis, 't:changes') =~ /(^| )10 11 12 13$/ }),
        'dossiers 10 to 13 are published') or diag(codes($redis, 't:changes'));
    like($t->error_log, qr/"t:changes" no longer holds other changes than the store: publishing/,
        'the log says publishing goes on');
    is($t->feed_caught_up(15), 7, 'the outbox is empty');

    # a restart on a store that agrees with its stream says nothing
    $t->stop;
    ok($t->start, 'nginx starts again on the same store');
    post($t, 14);
    is($t->feed_caught_up(15), 8, 'dossier 14 is published');
    like(codes($redis, 't:changes'), qr/ 13 14$/, '... after 13');
    is(() = $t->error_log =~ /which is not change/g, 1, 'no new complaint');

    $t->check_log;
    $t->stop;
    $t->stop_redis;
}

# ---------------------------------------------------------------------
# the restored store writes without onestop_redis (its outbox is let go:
# the change log says what its changes were)

{
    my ($t, $rport, $redis_conf) = setup(0);
    my $redis = Onestop::Resp->new($rport);

    $t->write_conf($t->standard_conf(serve => [qw(lookup ingest metrics)],
        zone => '8m'));
    ok($t->start, 'nginx starts on the restored store, without onestop_redis');
    post($t, $_) for 10 .. 13;
    $t->stop;

    $t->write_conf($t->standard_conf(serve => [qw(lookup ingest metrics)],
        zone => '8m', redis => $redis_conf));
    ok($t->start, 'nginx starts with onestop_redis again');
    ok(Onestop::Test::wait_for(10, sub {
        $t->error_log =~ /"t:changes" ends at change 6, which is not change 6 of store "[^"]+" \(at 7\)/ }),
        'the log says the stream holds other changes than the store')
        or diag($t->error_log);
    post($t, 14);
    sleep 1.5;
    is(codes($redis, 't:changes'), '1 2 3 4 5',
        'dossier 14 is not put after the old store\'s dossiers');

    is($redis->cmd('DEL', 't:changes'), 1, 'DEL t:changes');
    ok(Onestop::Test::wait_for(10, sub { codes($redis, 't:changes') =~ /(^| )14$/ }),
        'dossier 14 is published') or diag(codes($redis, 't:changes'));
    is($t->feed_caught_up(15), 8, 'the outbox is empty');

    $t->check_log;
    $t->stop;
    $t->stop_redis;
}

done_testing();
