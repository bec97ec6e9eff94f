#!/usr/bin/perl

# Query arguments are read whole or refused (issue 13, point 3): every
# handler that takes arguments (statistics, apology letters, evaluation
# summary, lookup's `code`, the QR code's `size`, the evaluation form)
# reads an argument after forty others as well as the first; more than
# ONESTOP_ARGS_MAX (64) arguments where a handler reads them all, an
# argument given twice or a filter without '=' is a 400 with the error
# object, never an answer that left something out; names are URL-decoded
# like values, '+' is a space; a value that is not UTF-8 is quoted in the
# error as valid JSON; a handler that reads one argument (code, size)
# finds it among any number, and those that take none (widgets, metrics)
# ignore any number; the CLI refuses a repeated option.

use v5.36;
use utf8;

use lib 't/lib';

use Digest::SHA qw(hmac_sha256 sha256_hex);
use Encode qw(decode);
use JSON::PP;
use MIME::Base64 qw(encode_base64url);
use Test::More;

use Onestop::Test;

binmode(Test::More->builder->$_, ':encoding(UTF-8)')
    for qw(output failure_output todo_output);

my $json = JSON::PP->new->utf8->canonical;

my $t = Onestop::Test->new(today => '2024-06-15');
my $QRKEY = ('3c' x 16) . ('b7' x 16);
$t->spew('keys', sha256_hex('qa-admin-key') . " * admin\n");
$t->spew('qr.key', "$QRKEY\n");
$t->write_conf(<<'END');
    onestop_store %%STORE%% map_size=256m;
    onestop_zone onestop 8m;
    onestop_ingest_keys %%DIR%%/keys;
    onestop_qr_key %%DIR%%/qr.key;
    onestop_public_url http://127.0.0.1:%%PORT%%;

    server {
        listen 127.0.0.1:%%PORT%%;

        location /api/v1/ingest/ { onestop_ingest; }
        location /api/v1/stats { onestop_stats; }
        location /api/v1/apologies { onestop_apologies; }
        location /api/v1/evaluations { onestop_evaluate; }
        location /api/v1/dossiers { onestop_lookup json; }
        location /qr/ { onestop_qr; }
        location /widget/ { onestop_widget; }
        location = /metrics { onestop_metrics; }
    }
END

ok($t->start, 'nginx starts') or BAIL_OUT('nginx did not start');

my %admin = (Authorization => 'Bearer qa-admin-key');
my $r = $t->http('POST', '/api/v1/ingest/catalog', headers => \%admin,
    body => Onestop::Test::catalog_json());
is($r->{status}, 200, 'catalog written') or diag($r->{content});

my $TP = '000.00.12.H36';       # Sở Tư pháp: the agency asked for
my $XD = '000.00.15.H36';       # Sở Xây dựng: the rest of the province

sub rec ($code, $agency, $proc, $resolved) {
    return {code => $code, version => 1, agency => $agency,
        procedure => $proc, channel => 'online',
        applicant => {name => 'Nguyễn Văn An'},
        received_at => '2024-06-03T08:00:00+07:00',
        due_at => '2024-06-10T17:00:00+07:00',
        resolved_at => $resolved,
        apology => {issued_at => '2024-06-04', new_due_at => '2024-06-12'}};
}

my @recs = (
    rec('QA-T1', $TP, '1.001234', '2024-06-07'),
    rec('QA-T2', $TP, '1.001234', '2024-06-11'),
    map { rec("QA-X$_", $XD, '1.009999', '2024-06-05') } 1 .. 5,
);
$r = $t->http('POST', '/api/v1/ingest/dossiers', headers => \%admin,
    body => $json->encode(\@recs));
is($r->{status}, 200, 'dossiers written') or diag($r->{content});

for my $code (map { $_->{code} } @recs) {
    $r = $t->http('POST', '/api/v1/evaluations',
        headers => {%admin, 'Content-Type' => 'application/json'},
        body => $json->encode({code => $code, answers => {7 => 2}}));
    is($r->{status}, 201, "$code evaluated") or diag($r->{content});
}

# forty (or n) arguments no handler knows
sub pad ($n) { join('&', map { "dummy$_=$_" } 1 .. $n) }

sub error_ok ($r, $like, $name) {
    my $e = eval { $json->decode($r->{content}) };
    my $ok = $r->{status} == 400 && ref $e eq 'HASH'
        && ref $e->{error} eq 'HASH'
        && ($e->{error}{code} // '') eq 'bad_request'
        && ($e->{error}{message} // '') =~ $like
        && ($r->{headers}{'content-type'} // '') =~ m{^application/json};
    ok($ok, "$name: 400 with the error object, message like $like")
        or diag("$r->{status} " . substr($r->{content}, 0, 300));
}

sub body_of ($path) {
    my $r = $t->get($path);
    is($r->{status}, 200, "$path: 200") or diag($r->{content});
    return $r->{content};
}

# --- the statistics, the apology letters and the evaluation summary ---

for my $api ('/api/v1/stats', '/api/v1/apologies',
             '/api/v1/evaluations/summary')
{
    my $all = body_of($api);
    my $one = body_of("$api?agency=$TP");
    isnt($one, $all, "$api: the agency's answer is not the province's");

    my $p40 = pad(40);
    $r = $t->get("$api?$p40&agency=$TP");
    is($r->{status}, 200, "$api: 40 arguments, then agency: 200");
    is($r->{content}, $one, "$api: 40 arguments, then agency: the agency's"
        . ' answer, not the province\'s');

    $r = $t->get("$api?$p40&agency=nope");
    error_ok($r, qr/no agency "nope"/, "$api: 40 arguments, then agency=nope");

    $r = $t->get("$api?" . pad(63) . "&agency=$TP");
    is($r->{content}, $one, "$api: 64 arguments are read");

    $r = $t->get("$api?" . pad(64) . "&agency=$TP");
    error_ok($r, qr/too many query arguments \(at most 64\)/,
        "$api: 65 arguments");
    $r = $t->get("$api?" . pad(300));
    error_ok($r, qr/too many query arguments/, "$api: 300 arguments");

    # one value each: a second one is not silently preferred
    $r = $t->get("$api?agency=$TP&agency=$XD");
    error_ok($r, qr/agency is given twice/, "$api: agency given twice");
    $r = $t->get("$api?from=2024-06-01&" . pad(50) . '&from=2024-06-02');
    error_ok($r, qr/from is given twice/, "$api: from given twice");

    # a filter without a value is not a missing filter
    $r = $t->get("$api?agency");
    error_ok($r, qr/no agency ""/, "$api: agency without '='");
    $r = $t->get("$api?" . pad(10) . '&agency&' . pad(3));
    error_ok($r, qr/no agency ""/, "$api: agency without '=' among others");

    # names are decoded as values are; empty pieces are nothing
    is(body_of("$api?%61gency=$TP"), $one, "$api: %61gency is agency");
    is(body_of("$api?&&agency=$TP&&"), $one, "$api: empty pieces skipped");

    # a value that is not UTF-8 comes back as valid JSON
    $r = $t->get("$api?agency=%FF%C3");
    error_ok($r, qr/no agency/, "$api: agency=%FF%C3");
    ok(eval { decode('UTF-8', $r->{content}, Encode::FB_CROAK); 1 },
        "$api: the error about a non-UTF-8 value is UTF-8");

    # a long value is refused, not cut to something that matches
    $r = $t->get("$api?agency=$TP" . ('x' x 5000));
    error_ok($r, qr/no agency "000\.00\.12\.H36x+\.\.\."/,
        "$api: a 5000-byte agency, quoted shortened");
}

# the CSV answer follows the one format argument there is
$r = $t->get('/api/v1/stats?' . pad(40) . '&format=csv');
is($r->{status}, 200, 'format=csv after 40 arguments: 200');
like($r->{headers}{'content-type'} // '', qr{^text/csv},
    'format=csv after 40 arguments: CSV');
$r = $t->get('/api/v1/stats?format=csv&format=json');
error_ok($r, qr/format is given twice/, 'format given twice');

# the apology list's own arguments
$r = $t->get('/api/v1/apologies?' . pad(40) . '&limit=1');
is(scalar @{(eval { $json->decode($r->{content}) } // {items => []})->{items}},
    1, 'limit=1 after 40 arguments: one letter');
$r = $t->get('/api/v1/apologies?limit=1&limit=2');
error_ok($r, qr/limit is given twice/, 'limit given twice');

# '+' is a space, as a form sends it: no id has one
$r = $t->get('/api/v1/stats?group=agency,+channel');
error_ok($r, qr/group/, "group=agency,+channel");

# --- the lookup's code ---

$r = $t->get('/api/v1/dossiers?' . pad(40) . '&code=QA-T1');
is($r->{status}, 200, 'lookup: code after 40 arguments: 200')
    or diag($r->{content});
is((eval { $json->decode($r->{content}) } // {})->{code}, 'QA-T1',
    'lookup: code after 40 arguments: that dossier');
$r = $t->get('/api/v1/dossiers?code=QA-T1&code=QA-T2');
error_ok($r, qr/code is given twice/, 'lookup: code given twice');
# one argument looked for among all the others: no limit to their number
$r = $t->get('/api/v1/dossiers?' . pad(300) . '&code=QA-T1');
is((eval { $json->decode($r->{content}) } // {})->{code}, 'QA-T1',
    'lookup: code after 300 arguments: that dossier');
$r = $t->get('/api/v1/dossiers?code=QA%2DT1');
is($r->{status}, 200, 'lookup: code=QA%2DT1 is QA-T1');

# --- the QR code's size ---

$r = $t->get('/qr/QA-T1.svg?' . pad(40) . '&size=20', headers => \%admin);
is($r->{status}, 200, 'qr: size after 40 arguments: 200');
my $big = length $r->{content};
$r = $t->get('/qr/QA-T1.svg?size=1', headers => \%admin);
cmp_ok(length $r->{content}, '<', $big, 'qr: size=20 was read');
$r = $t->get('/qr/QA-T1.svg?size=1&size=20', headers => \%admin);
error_ok($r, qr/size is given twice/, 'qr: size given twice');
$r = $t->get('/qr/QA-T1.svg?size=%32%30', headers => \%admin);
is($r->{status}, 200, 'qr: size=%32%30 is 20');

# --- the evaluation form ---

sub token_of ($code) {
    my $mac = hmac_sha256($code, pack('H*', $QRKEY));
    return $code . '.' . encode_base64url(substr($mac, 0, 12));
}

my %form = ('Content-Type' => 'application/x-www-form-urlencoded');
$r = $t->http('POST', '/api/v1/evaluations', headers => \%form,
    body => 'token=' . token_of('QA-X1') . '&a3=1&a3=2');
error_ok($r, qr/a3 is given twice/, 'form: a3 given twice');
$r = $t->http('POST', '/api/v1/evaluations', headers => \%form,
    body => pad(70) . '&token=' . token_of('QA-X1') . '&a3=1');
error_ok($r, qr/too many/, 'form: 72 fields');

# --- handlers that take no argument ignore any number of them ---

$r = $t->get('/widget/province.svg?' . pad(100));
is($r->{status}, 200, 'widget: 100 arguments ignored');
$r = $t->get('/metrics?' . pad(100));
is($r->{status}, 200, 'metrics: 100 arguments ignored');

# --- the CLI: an option given twice is refused ---

my ($rc, $out, $err) = $t->cli('stats', '--agency', $TP, '--agency', $XD);
isnt($rc, 0, 'cli stats: --agency twice fails');
like($err, qr/agency is given twice/, 'cli stats: --agency twice: why');
($rc, $out, $err) = $t->cli('stats', ('--period', 'all') x 40);
isnt($rc, 0, 'cli stats: --period 40 times fails');
like($err, qr/period is given twice/, 'cli stats: --period 40 times: why');

$t->check_log;

done_testing();
