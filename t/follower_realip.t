#!/usr/bin/perl

# A read node (conf/follower.conf) passes on to its primary what it cannot
# answer itself: evaluations, questions asked, the QR pages.  The
# primary's rate limits (conf/onestop.conf: an evaluation a second an
# address, questions six a minute) counted the read node's address, so
# that every citizen served by a read node shared one limit: the sixth
# evaluation of a second among all of them was refused 429.  The primary
# now takes the citizen's address from the read node's X-Forwarded-For
# (set_real_ip_from the read node).  Both configurations as shipped, on
# this machine: the citizens are loopback addresses of their own.

use v5.36;
use utf8;

use lib 't/lib';

use Digest::SHA qw(sha256_hex);
use HTTP::Tiny;
use JSON::PP;
use Test::More;

use Onestop::Test;

plan skip_all => 'redis-server is not installed'
    unless system('command -v redis-server >/dev/null 2>&1') == 0;

local $SIG{ALRM} = sub { BAIL_OUT('follower_realip.t did not finish') };
alarm 120;

# --- the primary: conf/onestop.conf ---

my $p = Onestop::Test->new(workers => 1);
my ($rc, $out, $err) = $p->cli('demo', '300');
is($rc, 0, 'the primary\'s store') or diag($err);
$p->spew('keys', sha256_hex('fr-admin') . " * admin\n");
$p->spew('qr.key', ('ef' x 32) . "\n");
$p->write_shipped_conf('onestop');
ok($p->start, 'the primary starts') or BAIL_OUT($p->error_log);

# --- the read node: conf/follower.conf ---

my $t = Onestop::Test->new(workers => 1);
my $rport = $t->start_redis;
($rc, $out, $err) = $t->cli('demo', '300');
is($rc, 0, 'the read node\'s store') or diag($err);
$t->write_shipped_conf('follower', primary => $p->port, redis => $rport);
ok($t->start, 'the read node starts') or BAIL_OUT($t->error_log);

# --- ten citizens, each from an address of its own, evaluate at once ---

my %status;
for my $i (11 .. 20) {
    my $http = HTTP::Tiny->new(local_address => "127.0.0.$i", timeout => 10);
    my $r = $http->post_form('http://127.0.0.1:' . $t->port
        . '/api/v1/evaluations', { token => "NO-SUCH.$i", a2 => 2 });
    $status{$r->{status}}++;
}
ok(!$status{429}, 'ten citizens through the read node: none refused 429')
    or diag(explain(\%status));
ok(!$status{502} && !$status{599}, 'each answered by the primary')
    or diag(explain(\%status));

# one citizen alone is still held to its limit
my %one;
my $http = HTTP::Tiny->new(local_address => '127.0.0.21', timeout => 10);
for (1 .. 10) {
    my $r = $http->post_form('http://127.0.0.1:' . $t->port
        . '/api/v1/evaluations', { token => 'NO-SUCH.x', a2 => 2 });
    $one{$r->{status}}++;
}
ok($one{429}, 'one citizen sending ten at once is still refused')
    or diag(explain(\%one));

$t->stop;
$t->stop_redis;
$p->stop;
done_testing();
