#!/usr/bin/perl

# onestop_utc_offset (SPEC section 2): the local time zone of dates,
# written into a new store; the CLI reads it from the store; nginx -t
# fails when the configuration's (+07:00 when not set) differs from the
# store's, and says both as the directive writes them.

use v5.36;
use utf8;

use lib 't/lib';

use Digest::SHA qw(sha256_hex);
use JSON::PP;
use Test::More;

use Onestop::Test;

my $json = JSON::PP->new->utf8->canonical;
my $t = Onestop::Test->new(today => '2024-06-14');
my %admin = (Authorization => 'Bearer tz-admin');

$t->spew('keys', sha256_hex('tz-admin') . " * admin\n");
$t->write_standard_conf(serve => [qw(lookup ingest)],
    http => "onestop_utc_offset -05:00;\n");
ok($t->start, 'nginx starts with onestop_utc_offset -05:00 on a new store')
    or BAIL_OUT('nginx did not start');

my $r = $t->http('POST', '/api/v1/ingest/catalog', headers => \%admin,
    body => Onestop::Test::catalog_json());
is($r->{status}, 200, 'the catalog');

# 03:00 UTC on 1 June is the evening of 31 May at -05:00
$r = $t->http('POST', '/api/v1/ingest/dossiers', headers => \%admin,
    body => $json->encode({ code => 'TZ-1', version => 1,
        agency => '000.00.12.H36', procedure => '1.001234',
        channel => 'online', applicant => { name => 'Lê Văn Tám' },
        received_at => '2024-06-01T03:00:00Z', due_at => '2024-06-20' }));
is($r->{status}, 200, 'a dossier') or diag($r->{content});

$r = $t->get('/api/v1/dossiers/TZ-1');
is(eval { $json->decode($r->{content})->{received_date} }, '2024-05-31',
    'its local date is the configured offset\'s');

my ($rc, $out, $err) = $t->cli('get', 'TZ-1');
is($rc, 0, 'the CLI reads it') or diag($err);
is(eval { $json->decode($out)->{received_date} }, '2024-05-31',
    'with the store\'s offset, written by nginx');

$t->stop;

# the same store under the default offset: nginx -t says what to set
$t->write_standard_conf(serve => [qw(lookup ingest)]);
my ($st, $msg) = $t->test_conf;
isnt($st, 0, 'nginx -t fails when the default +07:00 differs from the store\'s');
like($msg, qr/UTC offset -05:00, the configuration says \+07:00/,
    'and names both offsets as the directive writes them')
    or diag($msg);
like($msg, qr/set onestop_utc_offset -05:00/, 'and what to set');

$t->write_standard_conf(serve => [qw(lookup ingest)],
    http => "onestop_utc_offset +09:00;\n");
($st, $msg) = $t->test_conf;
isnt($st, 0, 'nginx -t fails when a configured offset differs');
like($msg, qr/UTC offset -05:00, the configuration says \+09:00/,
    'naming both') or diag($msg);

$t->write_standard_conf(serve => [qw(lookup ingest)],
    http => "onestop_utc_offset -05:00;\n");
($st, $msg) = $t->test_conf;
is($st, 0, 'the store\'s own offset passes nginx -t') or diag($msg);

done_testing;
