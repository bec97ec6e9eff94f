#!/usr/bin/perl

# Failover (docs/scale-out.md, "Failover: the primary is lost"): a
# follower that applied everything the log holds is promoted and publishes
# under the old primary's prefix.  The publisher's check at its connection
# compares the streams' last entries with the store's changes under their
# numbers (t/redis_diverged.t): the promoted store holds the old primary's
# changes under them (its commit times, its change log's bytes, its
# digests), so it publishes at once, on both streams, and says nothing.

use v5.36;
use utf8;

use lib 't/lib';

use Digest::SHA qw(sha256_hex);
use JSON::PP;
use Test::More;

use Onestop::Resp;
use Onestop::Test;

plan skip_all => 'redis-server is not installed'
    unless system('command -v redis-server >/dev/null 2>&1') == 0;

local $SIG{ALRM} = sub { BAIL_OUT('replica_failover.t did not finish') };
alarm 120;

my $json = JSON::PP->new->utf8->canonical;
my %admin = (Authorization => 'Bearer failover-admin');

my $p = Onestop::Test->new(today => '2024-06-15', workers => 2);
my $f = Onestop::Test->new(today => '2024-06-15', workers => 2);
my $rport = $p->start_redis;
my $redis = Onestop::Resp->new($rport);
$_->spew('keys', sha256_hex('failover-admin') . " * admin\n") for $p, $f;

my @serve = qw(lookup ingest metrics);
my $changes = "location /api/v1/changes { onestop_changes; }\n";
$p->write_standard_conf(serve => \@serve, zone => '8m', server => $changes,
    redis => "127.0.0.1:$rport prefix=f interval=100 log=on");
$f->write_standard_conf(serve => \@serve, zone => '8m', server => $changes,
    http => "onestop_follow 127.0.0.1:$rport prefix=f;");
ok($p->start, 'the primary starts') or BAIL_OUT('no primary');
ok($f->start, 'the follower starts') or BAIL_OUT('no follower');

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

sub ids($stream) {
    return join ' ', map { $_->[0] =~ /^(\d+)-0$/ ? $1 : '?' }
        @{ $redis->cmd('XRANGE', $stream, '-', '+') };
}

is($p->http('POST', '/api/v1/ingest/catalog', headers => \%admin,
    body => Onestop::Test::catalog_json())->{status}, 200, 'catalog');
post($p, $_) for 1 .. 5;
is($p->feed_caught_up(15), 6, 'the primary published its 6 changes');
ok(Onestop::Test::wait_for(15, sub {
    ($f->metrics->{onestop_replica_applied_seq} // 0) == 6 }),
    'the follower applied them');

# the primary is lost; the follower is promoted and publishes under f
$p->stop;
$f->stop;
my ($rc, undef, $err) = $f->cli('promote');
is($rc, 0, 'promote') or diag($err);
$f->write_standard_conf(serve => \@serve, zone => '8m', server => $changes,
    redis => "127.0.0.1:$rport prefix=f interval=100 log=on");
ok($f->start, 'the promoted follower starts with onestop_redis');

post($f, 6);
is($f->feed_caught_up(15), 7, 'the new primary publishes its change 7');
is(ids('f:changes'), '1 2 3 4 5 6 7', 'f:changes goes on at 7');
is(ids('f:log'), '1 2 3 4 5 6 7', 'f:log too');
unlike($f->error_log, qr/ends at change|which is not change/,
    'no complaint about the streams');

$f->check_log;
$f->stop;
$p->stop_redis;

done_testing();
