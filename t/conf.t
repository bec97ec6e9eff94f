#!/usr/bin/perl

# The reference configuration, conf/onestop.conf, as shipped (paths and
# port moved into the test's directory, no Redis): it starts; a lookup and
# a QR page work; past the rate limit the refusal is the JSON error object
# with its charset and no-store; and no dossier code or QR token reaches
# the access log or the error log from a public request, refused or not
# (SPEC section 2: URIs that carry codes and tokens are not logged).

use v5.36;

use lib 't/lib';

use Digest::SHA qw(sha256_hex);
use JSON::PP;
use Test::More;

use Onestop::Test;

my $json = JSON::PP->new->utf8->canonical;

my $t = Onestop::Test->new(workers => 1);
my $dir = $t->dir;
my $port = $t->port;

my ($rc, $out, $err) = $t->cli('demo', '2000');
is($rc, 0, 'a demo store') or diag($err);

$t->spew('keys', sha256_hex('conf-admin-key') . " * administrator\n");
$t->spew('qr.key', ('ab' x 32) . "\n");
mkdir "$dir/tmp";

my $conf = Onestop::Test::slurp('conf/onestop.conf');
$conf =~ s{^load_module .*$}{load_module $Onestop::Test::MODULE;}m;
$conf =~ s{^user .*$}{}m;
$conf =~ s{^\s*onestop_redis .*$}{}m;
$conf =~ s{\bvar/}{$dir/}g;
$conf =~ s{127\.0\.0\.1:8080}{127.0.0.1:$port}g;
$t->spew('nginx.conf', $conf);
ok($t->start, 'conf/onestop.conf starts') or BAIL_OUT($t->error_log);

# a dossier of the store, and its QR token (minted by the receipt's key)
my $r = $t->get('/api/v1/apologies?limit=1');
my $code = eval { $json->decode($r->{content})->{items}[0]{code} };
ok(defined $code, 'a code') or BAIL_OUT('no code');

$r = $t->get("/api/v1/dossiers/$code");
is($r->{status}, 200, 'a lookup');
$r = $t->get("/tra-cuu/$code");
is($r->{status}, 200, 'the lookup page');
$r = $t->get("/qr/$code.svg",
    headers => { Authorization => 'Bearer conf-admin-key' });
is($r->{status}, 200, 'a QR code with the key');
my $token = "$code.AAAAAAAAAAAAAAAA";
$r = $t->get("/q/$token");
is($r->{status}, 404, 'a guessed token: 404');

# past the limit (10 a second, bursts of 20): refused, as JSON
my %st;
my $refused;
for (1 .. 60) {
    my $res = $t->get("/api/v1/dossiers/$code");
    $st{$res->{status}}++;
    $refused //= $res if $res->{status} == 429;
    $res = $t->get("/q/$token");
    $st{$res->{status}}++;
}
ok($st{429}, "the limit refuses ($st{429} answers 429)");
SKIP: {
    skip 'nothing refused', 4 unless $refused;
    is($refused->{headers}{'content-type'}, 'application/json; charset=utf-8',
        '429: JSON with its charset');
    is($refused->{headers}{'cache-control'}, 'no-store', '429: no-store');
    my $e = eval { $json->decode($refused->{content}) } // {};
    is($e->{error}{code}, 'too_many_requests', '429: the error object');
    like(Onestop::Test::slurp("$dir/access.log"), qr/"GET" 429 /,
        '429s are in the access log (without their URI)');
}

$t->stop;
# /qr/ and /receipt/ are the agencies' own, authenticated: their lines
# stay, as the record of who minted which link
my $logs = join("\n", grep { !m{"GET /(?:qr|receipt)/} }
    split /\n/, Onestop::Test::slurp("$dir/access.log")) . $t->error_log;
ok(index($logs, $code) < 0, 'no dossier code in the logs of public requests');
ok(index($logs, 'AAAAAAAAAAAAAAAA') < 0, 'no QR token in the logs');
$t->check_log;

done_testing();
