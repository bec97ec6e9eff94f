#!/usr/bin/perl

# onestop_evaluate_by_code (Điều 12.1: an evaluation authenticated by the
# dossier's code, once): off by default (a code without a key is 401), on
# in a location of its own: the code alone records the evaluation, once
# (409 after), an unknown code 404, an unfinished dossier 422, and a key,
# when one is sent, still limited to its scope.  The /q/ page's form
# posts to the plain onestop_evaluate location, wherever the by-code one
# is in the configuration (conf/onestop.conf has it after).  A typed code
# is forgiven as the lookup forgives it: white space around it dropped,
# and upper case tried when it is not found as it is.

use v5.36;
use utf8;

use lib 't/lib';

use Digest::SHA qw(hmac_sha256 sha256_hex);
use JSON::PP;
use MIME::Base64 qw(encode_base64url);
use Test::More;

use Onestop::Test;

my $json = JSON::PP->new->utf8->canonical;

my $t = Onestop::Test->new(today => '2024-06-15');
my $QRKEY = '3c' x 32;
$t->spew('keys', sha256_hex('bc-admin') . " * admin\n"
    . sha256_hex('bc-xaydung') . " 000.00.15.H36 Xay dung\n");
$t->spew('qr.key', "$QRKEY\n");
$t->write_standard_conf(serve => [qw(ingest resolve)], qr_key => 1,
    server => "location /api/v1/evaluations {\n    onestop_evaluate;\n}\n"
        . "location /danh-gia {\n    onestop_evaluate;\n"
        . "    onestop_evaluate_by_code on;\n}\n");
ok($t->start, 'nginx starts') or BAIL_OUT('nginx did not start');

my %admin = (Authorization => 'Bearer bc-admin');
my $r = $t->http('POST', '/api/v1/ingest/catalog', headers => \%admin,
    body => Onestop::Test::catalog_json());
is($r->{status}, 200, 'catalog');

my @recs = (
    {code => 'BC-DONE', version => 1, agency => '000.00.12.H36',
     procedure => '1.001234', channel => 'direct',
     applicant => {name => 'Trần Thị Bình'},
     received_at => '2024-06-03T08:00:00+07:00',
     due_at => '2024-06-10T17:00:00+07:00',
     resolved_at => '2024-06-07T10:00:00+07:00'},
    {code => 'BC-TYPED', version => 1, agency => '000.00.12.H36',
     procedure => '1.001234', channel => 'direct',
     applicant => {name => 'Phạm Văn Dũng'},
     received_at => '2024-06-03T08:00:00+07:00',
     due_at => '2024-06-10T17:00:00+07:00',
     resolved_at => '2024-06-12T10:00:00+07:00'},
    {code => 'bc-lower', version => 1, agency => '000.00.12.H36',
     procedure => '1.001234', channel => 'direct',
     applicant => {name => 'Võ Thị Em'},
     received_at => '2024-06-03T08:00:00+07:00',
     due_at => '2024-06-10T17:00:00+07:00',
     resolved_at => '2024-06-10T10:00:00+07:00'},
    {code => 'BC-OPEN', version => 1, agency => '000.00.12.H36',
     procedure => '1.001234', channel => 'online',
     applicant => {name => 'Lê Văn Cường'},
     received_at => '2024-06-03T08:00:00+07:00',
     due_at => '2024-06-30T17:00:00+07:00'},
);
$r = $t->http('POST', '/api/v1/ingest/dossiers', headers => {%admin,
    'Content-Type' => 'application/x-ndjson'},
    body => join('', map { $json->encode($_) . "\n" } @recs));
is($r->{status}, 200, 'dossiers') or diag($r->{content});

sub evaluate ($path, $code, %h) {
    my $r = $t->http('POST', $path, headers => {%h,
        'Content-Type' => 'application/json'},
        body => $json->encode({code => $code, answers => {3 => 2, 7 => 1}}));
    return ($r, eval { $json->decode($r->{content}) } // {});
}

my ($j);
($r, $j) = evaluate('/api/v1/evaluations', 'BC-DONE');
is($r->{status}, 401, 'off (the default): a code without a key is 401');
is($j->{error}{code}, 'unauthorized', 'unauthorized');

($r, $j) = evaluate('/danh-gia', 'BC-DONE',
    Authorization => 'Bearer bc-xaydung');
is($r->{status}, 403, "on, with another agency's key: still 403");

# a key sent and not known (revoked, mistyped) is refused, not taken as
# none: on, the code alone would record the desk's evaluation as a
# citizen's on the portal, and the device would never learn its key is bad
for my $auth ('Bearer bc-revoked', 'bearer  bc-revoked ', 'Bearer') {
    ($r, $j) = evaluate('/danh-gia', 'BC-DONE', Authorization => $auth);
    is($r->{status}, 401, "on, an unknown key ('$auth'): 401")
        or diag($r->{content});
    is($j->{error}{code}, 'unauthorized', 'unauthorized');
    like($r->{headers}{'www-authenticate'} // '', qr/^Bearer/,
        'with WWW-Authenticate: Bearer');
}
($r, $j) = evaluate('/api/v1/evaluations', 'BC-DONE',
    Authorization => 'Bearer bc-revoked');
is($r->{status}, 401, 'off, an unknown key: 401 too');

($r, $j) = evaluate('/danh-gia', 'BC-NONE');
is($r->{status}, 404, 'on: an unknown code is 404');
($r, $j) = evaluate('/danh-gia', 'BC-OPEN');
is($r->{status}, 422, 'on: a dossier not finished is 422');

# the receipt's page: its form is the citizen's, not the by-code location's
my $token = 'BC-DONE.' . substr(encode_base64url(hmac_sha256('BC-DONE',
    pack('H*', $QRKEY))), 0, 16);
$r = $t->http('GET', "/q/$token");
is($r->{status}, 200, 'the /q/ page');
my ($action) = $r->{content} =~ /<form\b[^>]*\baction="([^"]*)"/;
is($action, '/api/v1/evaluations',
    'its form posts to onestop_evaluate, not to the by-code location after it');

($r, $j) = evaluate('/danh-gia', 'BC-DONE',
    Authorization => 'Basic dXNlcjpwYXNz');
is($r->{status}, 201, 'on: the code alone records it (another scheme, '
    . "an operator's auth_basic, is no key)") or diag($r->{content});
is_deeply($j->{answers}, {1 => 2, 3 => 2, 7 => 1},
    'with index 1 computed (early: 2)');

($r, $j) = evaluate('/danh-gia', 'BC-DONE');
is($r->{status}, 409, 'once: a second evaluation by code is 409');
($r, $j) = evaluate('/api/v1/evaluations', 'BC-DONE', %admin);
is($r->{status}, 409, 'and by key too');

# a code as a citizen types it (Điều 12.1), as the lookup forgives it
($r, $j) = evaluate('/danh-gia', " bc-typed\x{a0}\n");
is($r->{status}, 201, 'a typed code: white space and lower case forgiven')
    or diag($r->{content});
is($j->{code}, 'BC-TYPED', 'the stored code is answered');
is_deeply($j->{answers}, {1 => 0, 3 => 2, 7 => 1}, 'index 1 of it (late: 0)');
($r, $j) = evaluate('/api/v1/evaluations', 'BC-TYPED', %admin);
is($r->{status}, 409, 'it was that dossier: once');
($r, $j) = evaluate('/api/v1/evaluations', '  bc-lower ', %admin);
is($r->{status}, 201, 'a code stored in lower case is found as it is')
    or diag($r->{content});
is($j->{code}, 'bc-lower', 'its code');

$t->stop;
$t->check_log;

done_testing();
