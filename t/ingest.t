#!/usr/bin/perl

# Writes (SPEC section 5): keys and scope, one record, arrays and NDJSON,
# version ordering, atomic batches, the order of failures, deletes and
# tombstones, body limits (413 after 401, temporary files, chunked
# bodies), the catalog's rules, and concurrent writers.

use v5.36;
use utf8;

use lib 't/lib';

use Digest::SHA qw(sha256_hex);
use Encode qw(encode);
use IO::Socket::INET;
use JSON::PP;
use POSIX ();
use Test::More;

use Onestop::Test;

binmode(Test::More->builder->$_, ':encoding(UTF-8)')
    for qw(output failure_output todo_output);

# a server that dies must fail this test, not hang it
local $SIG{ALRM} = sub { BAIL_OUT('ingest.t did not finish in 180 s') };
alarm 180;

my $json = JSON::PP->new->utf8->canonical;

my $t = Onestop::Test->new(today => '2024-06-15', workers => 2);
$t->spew('keys', encode('UTF-8', join '',
    "# onestop ingest keys\n",
    sha256_hex('ingest-admin-key') . " * administrator\n",
    sha256_hex('benluc-key') . " 000.00.30.H36 UBND huyện Bến Lức\n",
    sha256_hex('tuphap-key') . " 000.00.12.H36 Sở Tư pháp\n",
    sha256_hex('multi-key') . " 000.00.15.H36,000.31.01.H36 two agencies\n"));
$t->write_standard_conf(serve => [qw(lookup ingest)], map_size => '512m',
    location => { ingest => 'client_max_body_size 64k;' }, server => <<'END');
location /bulk/ {
    onestop_ingest;
    client_max_body_size 10m;
    client_body_buffer_size 1k;
}
END

ok($t->start, 'nginx starts') or BAIL_OUT('nginx did not start');

my %admin = (Authorization => 'Bearer ingest-admin-key');
my %benluc = (Authorization => 'Bearer benluc-key');
my %tuphap = (Authorization => 'Bearer tuphap-key');
my %multi = (Authorization => 'Bearer multi-key');

sub record (%m) {
    return {
        version => 1,
        agency => '000.30.01.H36',
        procedure => '1.000894',
        channel => 'direct',
        applicant => {name => 'Trương Văn Bé', type => 'citizen'},
        contact => {phone => '0987654321'},
        received_at => '2024-06-10T08:00:00+07:00',
        due_at => '2024-06-14T17:00:00+07:00',
        %m,
    };
}

sub post ($headers, $body, %opt) {
    $body = $json->encode($body) if ref $body;
    my %h = (%$headers, %{ $opt{headers} // {} });
    return $t->http('POST', $opt{path} // '/api/v1/ingest/dossiers',
        headers => \%h, body => $body);
}

sub answer ($r) { eval { $json->decode($r->{content}) } }

sub short ($s) { length($s // '') > 600 ? substr($s, 0, 600) . '...' : $s // '' }

sub counts_ok ($r, $want, $name) {
    is($r->{status}, 200, "$name: 200") or diag(short($r->{content}));
    is_deeply(answer($r), $want, "$name: counts");
}

sub lookup ($code) {
    my $r = $t->get("/api/v1/dossiers/$code");
    return ($r->{status}, answer($r));
}

# the error object; with $items, the exact indexes of the items of the
# error's own kind (an answer may list other faults of the batch beside)
sub error_ok ($r, $status, $code, $name, $items = undef) {
    is($r->{status}, $status, "$name: $status") or diag(short($r->{content}));
    like($r->{headers}{'content-type'} // '', qr{^application/json\b},
        "$name: JSON");
    my $j = answer($r) // {};
    is(ref $j->{error}, 'HASH', "$name: error object");
    is($j->{error}{code}, $code, "$name: code $code") if defined $code;
    ok(defined $j->{error}{message} && length $j->{error}{message},
        "$name: message");
    if ($items) {
        my $kind = $j->{error}{code} // '';
        my @got = map { $_->{index} }
            grep { ($_->{code} // '') eq $kind } @{ $j->{error}{items} // [] };
        is_deeply(\@got, $items, "$name: items of kind '$kind'")
            or diag(short($r->{content}));
        ok(!grep({ !defined $_->{message} || !length $_->{message} }
            @{ $j->{error}{items} // [] }), "$name: each item has a message");
    }
    return $j;
}

# --- the catalog ---

my $r = $t->http('POST', '/api/v1/ingest/catalog',
    body => Onestop::Test::catalog_json());
error_ok($r, 401, undef, 'catalog without a key');
like($r->{headers}{'www-authenticate'} // '', qr/^Bearer\b/,
    'WWW-Authenticate: Bearer');

$r = post(\%benluc, Onestop::Test::catalog_json(), path => '/api/v1/ingest/catalog');
error_ok($r, 403, undef, 'catalog with a scoped key');

$r = post(\%admin, record(code => 'BEFORE-CATALOG'));
error_ok($r, 422, 'invalid', 'a dossier before the catalog', [0]);

$r = post(\%admin, Onestop::Test::catalog_json(), path => '/api/v1/ingest/catalog');
counts_ok($r, {agencies => 7, fields => 3, procedures => 3}, 'catalog');

# --- authentication ---

my $one = record(code => 'AUTH-1');
for my $c (
    ['no Authorization', {}],
    ['an unknown key', {Authorization => 'Bearer not-a-key'}],
    ['Basic credentials', {Authorization => 'Basic YWRtaW46YWRtaW4='}],
    ['Bearer without a key', {Authorization => 'Bearer '}],
    ['a key without Bearer', {Authorization => 'ingest-admin-key'}],
    ['the hash instead of the key',
        {Authorization => 'Bearer ' . sha256_hex('ingest-admin-key')}],
    ['a prefix of the key', {Authorization => 'Bearer ingest-admin-ke'}],
    ['the key and more', {Authorization => 'Bearer ingest-admin-keyx'}],
)
{
    my ($name, $h) = @$c;
    $r = post($h, $one);
    error_ok($r, 401, undef, $name);
    like($r->{headers}{'www-authenticate'} // '', qr/^Bearer\b/,
        "$name: WWW-Authenticate");
}
is((lookup('AUTH-1'))[0], 404, 'nothing written without a valid key');

$r = $t->http('DELETE', '/api/v1/ingest/dossiers/AUTH-1');
error_ok($r, 401, undef, 'DELETE without a key');

$r = post({Authorization => 'bearer ingest-admin-key'}, record(code => 'AUTH-2'));
counts_ok($r, {accepted => 1, unchanged => 0, stale => 0},
    'the scheme is case-insensitive');

$r = post(\%admin, record(code => 'AUTH-3'), path => '/api/v1/ingest/nothing');
error_ok($r, 404, 'not_found', 'an unknown ingest resource');
$r = $t->http('PUT', '/api/v1/ingest/dossiers', headers => \%admin,
    body => $json->encode(record(code => 'AUTH-3')));
error_ok($r, 405, undef, 'PUT on dossiers');
like($r->{headers}{allow} // '', qr/\bPOST\b/, 'PUT: Allow: POST');
is((lookup('AUTH-3'))[0], 404, 'nothing written by a refused method');

# --- one record, an array, NDJSON ---

$r = post(\%admin, record(code => 'ONE-1'));
counts_ok($r, {accepted => 1, unchanged => 0, stale => 0}, 'one record');
like($r->{headers}{'content-type'} // '', qr{^application/json\b},
    'write answer is JSON');
my ($st, $j) = lookup('ONE-1');
is($st, 200, 'ONE-1 visible at once');
is($j->{applicant}{name}, 'Trương V. B.', 'ONE-1 stored as sent');

$r = post(\%admin, [map { record(code => "ARR-$_") } 1 .. 3]);
counts_ok($r, {accepted => 3, unchanged => 0, stale => 0}, 'an array');
is_deeply([map { (lookup("ARR-$_"))[0] } 1 .. 3], [200, 200, 200],
    'array records visible');

$r = post(\%admin, [], );
counts_ok($r, {accepted => 0, unchanged => 0, stale => 0}, 'an empty array');

my $nd = join '', map { $json->encode(record(code => "ND-$_")) . "\n" } 1 .. 3;
$r = post(\%admin, $nd,
    headers => {'Content-Type' => 'application/x-ndjson'});
counts_ok($r, {accepted => 3, unchanged => 0, stale => 0}, 'NDJSON');
is_deeply([map { (lookup("ND-$_"))[0] } 1 .. 3], [200, 200, 200],
    'NDJSON records visible');

# no final newline, charset parameter
$nd = join "\n", map { $json->encode(record(code => "ND2-$_")) } 1 .. 2;
$r = post(\%admin, $nd,
    headers => {'Content-Type' => 'application/x-ndjson; charset=utf-8'});
counts_ok($r, {accepted => 2, unchanged => 0, stale => 0},
    'NDJSON without a final newline');

# NDJSON by the name its specification registers now, in any case; a type
# that only begins like it is no NDJSON (read as JSON: two lines are not
# one document)
$nd = join "\n", map { $json->encode(record(code => "ND3-$_")) } 1 .. 2;
$r = post(\%admin, $nd,
    headers => {'Content-Type' => 'Application/NDJSON'});
counts_ok($r, {accepted => 2, unchanged => 0, stale => 0},
    'application/ndjson');
$r = post(\%admin, $nd,
    headers => {'Content-Type' => 'application/x-ndjsonx'});
is($r->{status}, 400, 'application/x-ndjsonx: read as JSON, 400');

# --- version ordering ---

my $v2 = record(code => 'VER-1', version => 2);
$r = post(\%admin, $v2);
counts_ok($r, {accepted => 1, unchanged => 0, stale => 0}, 'VER-1 v2');

my $v3 = record(code => 'VER-1', version => 3,
    resolved_at => '2024-06-13T10:00:00+07:00');
$r = post(\%admin, $v3);
counts_ok($r, {accepted => 1, unchanged => 0, stale => 0}, 'VER-1 v3 replaces');
($st, $j) = lookup('VER-1');
is($j->{status}, 'resolved', 'v3 stored');

$r = post(\%admin, $v3);
counts_ok($r, {accepted => 0, unchanged => 1, stale => 0}, 'v3 again: unchanged');

# the same content written otherwise: same instants, an ignored member
my $v3same = {%$v3, resolved_at => '2024-06-13T03:00:00Z',
    received_at => '2024-06-10t01:00:00z', extra => [1, 2, 3]};
$r = post(\%admin, $v3same);
counts_ok($r, {accepted => 0, unchanged => 1, stale => 0},
    'v3 with the same instants in UTC: unchanged');

$r = post(\%admin, {%$v3, return_channel => 'counter',
    applicant => {name => 'Trương Văn Bé'}});
counts_ok($r, {accepted => 0, unchanged => 1, stale => 0},
    'v3 with the defaults written out: unchanged');

my $v3nocontact = {%$v3};
delete $v3nocontact->{contact};
$r = post(\%admin, $v3nocontact);
error_ok($r, 409, undef, 'v3 without its contact', [0]);

my $v3other = record(code => 'VER-1', version => 3,
    resolved_at => '2024-06-14T10:00:00+07:00');
$r = post(\%admin, $v3other);
error_ok($r, 409, undef, 'v3 with other content', [0]);

my $v3contact = {%$v3, contact => {phone => '0900000000'}};
$r = post(\%admin, $v3contact);
error_ok($r, 409, undef, 'v3 with another contact', [0]);

my $v3second = {%$v3, resolved_at => '2024-06-13T10:00:01+07:00'};
$r = post(\%admin, $v3second);
error_ok($r, 409, undef, 'v3 one second later', [0]);

$r = post(\%admin, record(code => 'VER-1', version => 1,
    withdrawn_at => '2024-06-11'));
counts_ok($r, {accepted => 0, unchanged => 0, stale => 1}, 'v1: stale');
($st, $j) = lookup('VER-1');
is_deeply([$j->{status}, $j->{resolved_date}, $j->{withdrawn_date}],
    ['resolved', '2024-06-13', undef], 'stale and conflicting writes changed nothing');

$r = post(\%admin, [record(code => 'VER-1', version => 2), $v3,
    record(code => 'VER-2')]);
counts_ok($r, {accepted => 1, unchanged => 1, stale => 1},
    'a batch of stale, unchanged and new');

# --- order within one batch ---

$r = post(\%admin, [record(code => 'ORD-1'),
    record(code => 'ORD-1', version => 2, resolved_at => '2024-06-12')]);
counts_ok($r, {accepted => 2, unchanged => 0, stale => 0}, 'v1 then v2');
($st, $j) = lookup('ORD-1');
is($j->{resolved_date}, '2024-06-12', 'v2 stored');

$r = post(\%admin, [record(code => 'ORD-2', version => 2, resolved_at => '2024-06-12'),
    record(code => 'ORD-2')]);
counts_ok($r, {accepted => 1, unchanged => 0, stale => 1}, 'v2 then v1');
($st, $j) = lookup('ORD-2');
is($j->{resolved_date}, '2024-06-12', 'v2 kept');

$r = post(\%admin, [record(code => 'ORD-3'), record(code => 'ORD-3')]);
counts_ok($r, {accepted => 1, unchanged => 1, stale => 0}, 'v1 twice');

$r = post(\%admin, [record(code => 'ORD-4'),
    record(code => 'ORD-4', channel => 'online')]);
error_ok($r, 409, undef, 'v1 twice with other content', [1]);
is((lookup('ORD-4'))[0], 404, 'a conflicting batch writes nothing');

# --- atomic batches, 422 ---

$r = post(\%admin, [record(code => 'ATOM-1'),
    record(code => 'ATOM-2', channel => 'fax'), record(code => 'ATOM-3')]);
error_ok($r, 422, 'invalid', 'a batch with one bad record', [1]);
is_deeply([map { (lookup("ATOM-$_"))[0] } 1 .. 3], [404, 404, 404],
    'nothing of the batch written');

$nd = join '', map { $json->encode($_) . "\n" } record(code => 'ATOM-4'),
    record(code => 'ATOM-5'), record(code => 'ATOM-6', due_at => '2024-06-01'),
    record(code => 'ATOM-7', agency => '000.99.99.H36');
$r = post(\%admin, $nd, headers => {'Content-Type' => 'application/x-ndjson'});
error_ok($r, 422, 'invalid', 'NDJSON with bad lines',
    [2, 3]);
is_deeply([map { (lookup("ATOM-$_"))[0] } 4 .. 7], [404, 404, 404, 404],
    'nothing of the NDJSON batch written');

# each rule of SPEC 3, today 2024-06-15
my @invalid = (
    ['unknown agency', agency => '000.00.99.H36'],
    ['unknown procedure', procedure => '9.999999'],
    ['agency missing', agency => undef],
    ['procedure missing', procedure => undef],
    ['channel missing', channel => undef],
    ['bad channel', channel => 'fax'],
    ['bad return_channel', return_channel => 'pigeon'],
    ['bad applicant type', applicant => {name => 'An', type => 'robot'}],
    ['no applicant name', applicant => {type => 'citizen'}],
    ['empty applicant name', applicant => {name => ''}],
    ['name of 257 bytes', applicant => {name => 'Ơ' x 128 . 'a'}],
    ['received missing', received_at => undef],
    ['due missing', due_at => undef],
    ['due before received', due_at => '2024-06-09'],
    ['resolved before received', resolved_at => '2024-06-09T23:00:00+07:00'],
    ['returned without resolved', returned_at => '2024-06-12'],
    ['returned before resolved', resolved_at => '2024-06-12',
        returned_at => '2024-06-11'],
    ['withdrawn before received', withdrawn_at => '2024-06-09'],
    ['resolved and withdrawn', resolved_at => '2024-06-12',
        withdrawn_at => '2024-06-12'],
    ['received two days ahead', received_at => '2024-06-17',
        due_at => '2024-06-20'],
    ['received two days ahead, in UTC', received_at => '2024-06-16T17:00:00Z',
        due_at => '2024-06-20'],
    ['offset +24:00', due_at => '2024-06-14T17:00:00+24:00'],
    ['offset +07:60', due_at => '2024-06-14T17:00:00+07:60'],
    ['offset without a colon', due_at => '2024-06-14T17:00:00+0700'],
    ['February 29th of 2023', received_at => '2023-02-29', due_at => '2023-03-10'],
    ['month 13', due_at => '2024-13-01'],
    ['a one-digit day', due_at => '2024-06-1'],
    ['resolved two days ahead', resolved_at => '2024-06-17'],
    ['withdrawn two days ahead', withdrawn_at => '2024-06-17T08:00:00+07:00'],
    ['apology without new due', apology => {issued_at => '2024-06-15'}],
    ['apology without issue', apology => {new_due_at => '2024-06-20'}],
    ['apology new due not after due', apology => {issued_at => '2024-06-15',
        new_due_at => '2024-06-14'}],
    ['apology issued two days ahead', apology => {issued_at => '2024-06-17',
        new_due_at => '2024-06-20'}],
    ['year 1989', received_at => '1989-12-31', due_at => '1990-01-05'],
    ['year 2101', due_at => '2101-01-01'],
    ['February 30th', due_at => '2024-02-30'],
    ['hour 24', due_at => '2024-06-14T24:00:00+07:00'],
    ['leap second', due_at => '2016-12-31T23:59:60Z',
        received_at => '2016-12-30'],
    ['no offset', due_at => '2024-06-14T17:00:00'],
    ['a space for T', due_at => '2024-06-14 17:00:00+07:00'],
    ['version 0', version => 0],
    ['version 2^53', version => 9007199254740992],
    ['a code with a space', code => 'BAD 1'],
    ['a code of 65 bytes', code => 'C' x 65],
    ['version as a string', version => '2'],
);
my $n = 0;
for my $c (@invalid) {
    my ($name, %m) = @$c;
    my $rec = record(code => sprintf('INV-%02d', ++$n), %m);
    delete $rec->{$_} for grep { !defined $m{$_} } grep { exists $m{$_} } keys %m;
    $r = post(\%admin, [record(code => "INV-OK-$n"), $rec]);
    is($r->{status}, 422, "invalid: $name: 422") or diag(short($r->{content}));
    my $e = (answer($r) // {})->{error} // {};
    is_deeply([map { [$_->{index}, $_->{code}] } @{ $e->{items} // [] }],
        [[1, 'invalid']], "invalid: $name: item 1");
    is((lookup("INV-OK-$n"))[0], 404, "invalid: $name: nothing written");
}

# the edges that are valid
my @valid = (
    ['received one day ahead', received_at => '2024-06-16T23:59:59+07:00',
        due_at => '2024-06-20'],
    ['received one day ahead, in UTC', received_at => '2024-06-16T16:59:59Z',
        due_at => '2024-06-20'],
    ['February 29th of 2024', received_at => '2024-02-29', due_at => '2024-03-10'],
    ['offset -12:00', due_at => '2024-06-14T17:00:00-12:00'],
    ['offset +14:00', due_at => '2024-06-14T17:00:00+14:00'],
    ['resolved on the day received', resolved_at => '2024-06-10T07:59:59+07:00'],
    ['due on the day received', due_at => '2024-06-10'],
    ['year 1990', received_at => '1990-01-01', due_at => '1990-01-05'],
    ['year 2100 due', due_at => '2100-12-31T23:59:59+07:00'],
    ['version 2^53-1', version => 9007199254740991],
    ['a fraction', due_at => '2024-06-14T17:00:00.123456+07:00'],
    ['a name of 256 bytes', applicant => {name => 'Ơ' x 128}],
    ['a code of 64 bytes', code => 'V' x 64],
    ['returned on the day resolved', resolved_at => '2024-06-12',
        returned_at => '2024-06-12', return_channel => 'online'],
    ['organization', applicant => {name => 'HTX Nông nghiệp Long An',
        type => 'organization'}],
);
$n = 0;
for my $c (@valid) {
    my ($name, %m) = @$c;
    my $rec = record(code => sprintf('VAL-%02d', ++$n), %m);
    $r = post(\%admin, $rec);
    counts_ok($r, {accepted => 1, unchanged => 0, stale => 0}, "valid: $name");
    is((lookup($rec->{code}))[0], 200, "valid: $name: visible");
}

# --- scope ---

$r = post(\%benluc, record(code => 'SC-1', agency => '000.30.01.H36'));
counts_ok($r, {accepted => 1, unchanged => 0, stale => 0},
    'district key writes its commune');
$r = post(\%benluc, record(code => 'SC-2', agency => '000.00.30.H36'));
counts_ok($r, {accepted => 1, unchanged => 0, stale => 0},
    'district key writes its own agency');
$r = post(\%benluc, record(code => 'SC-3', agency => '000.31.01.H36'));
error_ok($r, 403, undef, "another district's commune", [0]);
$r = post(\%benluc, record(code => 'SC-4', agency => '000.00.12.H36'));
error_ok($r, 403, undef, 'a department', [0]);
is_deeply([(lookup('SC-3'))[0], (lookup('SC-4'))[0]], [404, 404],
    'out of scope records not written');

$r = post(\%tuphap, record(code => 'SC-5', agency => '000.30.01.H36'));
error_ok($r, 403, undef, 'a department key on a commune', [0]);

$r = post(\%multi, [record(code => 'SC-6', agency => '000.00.15.H36'),
    record(code => 'SC-7', agency => '000.31.01.H36')]);
counts_ok($r, {accepted => 2, unchanged => 0, stale => 0},
    'a key of two agencies writes both');
$r = post(\%multi, record(code => 'SC-8', agency => '000.00.31.H36'));
error_ok($r, 403, undef, "the parent of a key's commune", [0]);

# moving a dossier stored elsewhere into the key's scope
$r = post(\%admin, record(code => 'MOVE-1', agency => '000.00.12.H36'));
counts_ok($r, {accepted => 1, unchanged => 0, stale => 0}, 'MOVE-1 by admin');
$r = post(\%benluc, record(code => 'MOVE-1', version => 2,
    agency => '000.30.01.H36'));
error_ok($r, 403, undef, "moving another agency's dossier in", [0]);
($st, $j) = lookup('MOVE-1');
is($j->{agency}{id}, '000.00.12.H36', 'MOVE-1 stays where it was');
$r = post(\%benluc, record(code => 'MOVE-1', version => 1,
    agency => '000.30.01.H36'));
error_ok($r, 403, undef, "another agency's dossier, even at its version", [0]);

# moving one's own dossier out
$r = post(\%benluc, record(code => 'MOVE-2', agency => '000.30.02.H36'));
counts_ok($r, {accepted => 1, unchanged => 0, stale => 0}, 'MOVE-2 by Bến Lức');
$r = post(\%benluc, record(code => 'MOVE-2', version => 2,
    agency => '000.00.15.H36'));
error_ok($r, 403, undef, "moving one's dossier out", [0]);
($st, $j) = lookup('MOVE-2');
is_deeply([$j->{agency}{id}], ['000.30.02.H36'], 'MOVE-2 stays');

# within the district: allowed
$r = post(\%benluc, record(code => 'MOVE-2', version => 3,
    agency => '000.30.01.H36'));
counts_ok($r, {accepted => 1, unchanged => 0, stale => 0},
    'moving within the scope');
($st, $j) = lookup('MOVE-2');
is($j->{agency}{id}, '000.30.01.H36', 'MOVE-2 moved within the district');

# an administrator moves anything
$r = post(\%admin, record(code => 'MOVE-2', version => 4,
    agency => '000.00.15.H36'));
counts_ok($r, {accepted => 1, unchanged => 0, stale => 0}, 'admin moves it out');

# precedence: 403 before 422, 422 before 409
$r = post(\%benluc, [record(code => 'PREC-1'),
    record(code => 'PREC-2', channel => 'fax'),
    record(code => 'PREC-3', agency => '000.00.12.H36')]);
error_ok($r, 403, undef, '403 over 422', [2]);
$r = post(\%benluc, [record(code => 'PREC-3', agency => '000.00.12.H36'),
    record(code => 'PREC-2', channel => 'fax'), record(code => 'PREC-1')]);
error_ok($r, 403, undef, '403 over 422, reversed', [0]);
$r = post(\%admin, [record(code => 'VER-1', version => 3, channel => 'online'),
    record(code => 'PREC-2', channel => 'fax'), record(code => 'PREC-1')]);
error_ok($r, 422, 'invalid', '422 over 409', [1]);
is_deeply([map { (lookup("PREC-$_"))[0] } 1 .. 3], [404, 404, 404],
    'nothing of the refused batches written');
($st, $j) = lookup('VER-1');
is($j->{channel}, 'direct', 'VER-1 untouched');

# --- DELETE and tombstones ---

$r = post(\%admin, record(code => 'DEL-1', version => 5));
counts_ok($r, {accepted => 1, unchanged => 0, stale => 0}, 'DEL-1 v5');

$r = $t->http('DELETE', '/api/v1/ingest/dossiers/DEL-1', headers => \%tuphap);
error_ok($r, 403, undef, 'DELETE out of scope');
is((lookup('DEL-1'))[0], 200, 'DEL-1 still there');

# issue 15: GET reads the record back (t/sync_partner.t); PUT is refused
$r = $t->http('GET', '/api/v1/ingest/dossiers/DEL-1', headers => \%benluc);
is($r->{status}, 200, 'GET on a dossier of the ingest API: the record');
$r = $t->http('PUT', '/api/v1/ingest/dossiers/DEL-1', headers => \%benluc,
    body => '{}');
error_ok($r, 405, undef, 'PUT on a dossier of the ingest API');
like($r->{headers}{allow} // '', qr/\bDELETE\b/, 'Allow: DELETE');
$r = $t->http('GET', '/api/v1/ingest/dossiers', headers => \%admin);
error_ok($r, 405, undef, 'GET on the dossiers of the ingest API');
like($r->{headers}{allow} // '', qr/\bPOST\b/, 'Allow: POST');

$r = $t->http('DELETE', '/api/v1/ingest/dossiers/DEL-1', headers => \%benluc);
is($r->{status}, 200, 'DELETE 200') or diag($r->{content});
is_deeply(answer($r), {deleted => 1}, 'DELETE answer');
is((lookup('DEL-1'))[0], 404, 'deleted: lookup 404');

$r = $t->http('DELETE', '/api/v1/ingest/dossiers/DEL-1', headers => \%benluc);
error_ok($r, 404, 'not_found', 'DELETE again');
$r = $t->http('DELETE', '/api/v1/ingest/dossiers/NEVER-WAS', headers => \%admin);
error_ok($r, 404, 'not_found', 'DELETE of an unknown code');
$r = $t->http('DELETE', '/api/v1/ingest/dossiers/-bad-', headers => \%admin);
error_ok($r, 400, 'bad_request', 'DELETE of a bad code');

$r = post(\%admin, record(code => 'DEL-1', version => 5));
counts_ok($r, {accepted => 0, unchanged => 0, stale => 1},
    'after DELETE: the same version is stale');
$r = post(\%admin, record(code => 'DEL-1', version => 3));
counts_ok($r, {accepted => 0, unchanged => 0, stale => 1},
    'after DELETE: a lower version is stale');
is((lookup('DEL-1'))[0], 404, 'still deleted');
$r = post(\%admin, record(code => 'DEL-1', version => 6, channel => 'postal'));
counts_ok($r, {accepted => 1, unchanged => 0, stale => 0},
    'after DELETE: a higher version brings it back');
($st, $j) = lookup('DEL-1');
is_deeply([$st, $j->{channel}], [200, 'postal'], 'DEL-1 back, as v6');

# --- body limits ---

my @big = map { record(code => sprintf('BIG-%04d', $_)) } 1 .. 400;
my $bigbody = $json->encode(\@big);
cmp_ok(length $bigbody, '>', 65536, 'the big batch is over 64k');
$r = post(\%admin, $bigbody);
error_ok($r, 413, undef, 'over client_max_body_size');
$r = post({}, $bigbody);
error_ok($r, 401, undef, 'over client_max_body_size without a key: 401 first');
is((lookup('BIG-0001'))[0], 404, 'nothing of the big batch written');

# exactly at the limit: accepted
my $edge = $json->encode([record(code => 'EDGE-1')]);
$edge .= ' ' x (65536 - length $edge);
is(length $edge, 65536, 'a body of exactly 64k');
$r = post(\%admin, $edge);
counts_ok($r, {accepted => 1, unchanged => 0, stale => 0},
    'a body of exactly client_max_body_size');
$r = post(\%admin, $edge . ' ');
error_ok($r, 413, undef, 'one byte more');

# a body in a temporary file (client_body_buffer_size 1k)
my $n_tmp = 700;
my $tmpbody = join '', map { $json->encode(record(code => sprintf('TMP-%04d', $_),
    applicant => {name => 'Nguyễn Thị Bông ' . ('x' x 40)})) . "\n" } 1 .. $n_tmp;
cmp_ok(length $tmpbody, '>', 200_000, 'the NDJSON batch is over 200 KB');
$r = post(\%admin, $tmpbody, path => '/bulk/dossiers',
    headers => {'Content-Type' => 'application/x-ndjson'});
counts_ok($r, {accepted => $n_tmp, unchanged => 0, stale => 0},
    'a body buffered to a file');
is_deeply([map { (lookup(sprintf 'TMP-%04d', $_))[0] } 1, 350, $n_tmp],
    [200, 200, 200], 'records of the buffered body visible');

# records longer than the reads of a body from its file, with multi-byte
# characters across every boundary; an unknown member carries the bulk
my $note = 'Hồ sơ bổ sung giấy tờ đất đai, ộ' x 2000;
$r = post(\%admin, join('', map { $json->encode({%{ record(code => "LONG-$_") },
    note => $note}) . "\r\n" } 1 .. 3), path => '/bulk/dossiers',
    headers => {'Content-Type' => 'application/x-ndjson'});
counts_ok($r, {accepted => 3, unchanged => 0, stale => 0},
    'NDJSON lines of 100 KB with CRLF, from a file');
$r = post(\%admin, [map { {%{ record(code => "LONG-$_") }, note => $note} } 1 .. 4],
    path => '/bulk/dossiers');
counts_ok($r, {accepted => 1, unchanged => 3, stale => 0},
    'an array of records of 100 KB, from a file');

# a batch of 5000
my $many = join '', map { $json->encode(record(code => sprintf('MANY-%05d', $_)))
    . "\n" } 1 .. 5000;
$r = post(\%admin, $many, path => '/bulk/dossiers',
    headers => {'Content-Type' => 'application/x-ndjson'});
counts_ok($r, {accepted => 5000, unchanged => 0, stale => 0}, 'a batch of 5000');
is_deeply([map { (lookup(sprintf 'MANY-%05d', $_))[0] } 1, 2500, 5000],
    [200, 200, 200], 'records of the batch of 5000 visible');

# chunked bodies, on a raw socket; $slow: a pause after each chunk, so
# that the server reads the body in many pieces
sub chunked ($path, $headers, $body, $size = 1000, $slow = 0) {
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
        PeerPort => $t->port, Proto => 'tcp', Timeout => 30) or return {};
    local $SIG{PIPE} = 'IGNORE';
    my $req = "POST $path HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
        . "Transfer-Encoding: chunked\r\n";
    $req .= "$_: $headers->{$_}\r\n" for sort keys %$headers;
    $req .= "\r\n";
    my @parts = ($req);
    for (my $o = 0; $o < length $body; $o += $size) {
        my $c = substr($body, $o, $size);
        push @parts, sprintf("%x\r\n%s\r\n", length $c, $c);
    }
    push @parts, "0\r\n\r\n";
    if ($slow) {
        for my $p (@parts) {
            defined syswrite($s, $p) or last;
            sleep $slow;
        }
    } else {
        syswrite($s, join '', @parts);
    }
    my $resp = '';
    while (sysread($s, my $buf, 65536)) { $resp .= $buf }
    close $s;
    my ($head, $content) = split /\r\n\r\n/, $resp, 2;
    my ($line, @h) = split /\r\n/, $head // '';
    my ($status) = ($line // '') =~ m{^HTTP/1\.[01] (\d{3})};
    my %h = map { /^([^:]+):\s*(.*)$/ ? (lc $1 => $2) : () } @h;
    return {status => $status // 0, headers => \%h, content => $content // ''};
}

$r = chunked('/api/v1/ingest/dossiers', \%admin,
    $json->encode([map { record(code => "CHUNK-$_") } 1 .. 5]), 100, 0.001);
counts_ok($r, {accepted => 5, unchanged => 0, stale => 0}, 'a chunked body');
is((lookup('CHUNK-5'))[0], 200, 'chunked records visible');

$r = chunked('/api/v1/ingest/dossiers', \%admin, $bigbody);
error_ok($r, 413, undef, 'a chunked body over the limit');
$r = chunked('/api/v1/ingest/dossiers', \%admin, $bigbody, 4000, 0.005);
error_ok($r, 413, undef, 'a chunked body over the limit, sent slowly');
$r = chunked('/api/v1/ingest/dossiers', {}, $bigbody);
error_ok($r, 401, undef, 'a chunked body over the limit without a key');
is((lookup('BIG-0001'))[0], 404, 'nothing of the chunked big batch written');

$r = chunked('/bulk/dossiers', {%admin, 'Content-Type' => 'application/x-ndjson'},
    join('', map { $json->encode(record(code => "CHB-$_",
        applicant => {name => 'Lâm Thị Cúc ' . ('y' x 200)})) . "\n" } 1 .. 300));
counts_ok($r, {accepted => 300, unchanged => 0, stale => 0},
    'a chunked body in a temporary file');
is((lookup('CHB-300'))[0], 200, 'last chunked record visible');

# --- a byte order mark in front (Windows' Notepad saves UTF-8 so; RFC
# 8259 lets a parser ignore it): ignored, JSON, NDJSON and the catalog ---

my $BOM = "\xef\xbb\xbf";
$r = post(\%admin, $BOM . $json->encode(record(code => 'BOM-1')));
counts_ok($r, {accepted => 1, unchanged => 0, stale => 0},
    'a record after a BOM');
$r = post({%admin, 'Content-Type' => 'application/x-ndjson'}, $BOM
    . join('', map { $json->encode(record(code => "BOM-$_")) . "\r\n" } 2, 3));
counts_ok($r, {accepted => 2, unchanged => 0, stale => 0},
    'NDJSON lines after a BOM, CRLF');
$r = post(\%admin, $BOM . Onestop::Test::catalog_json(),
    path => '/api/v1/ingest/catalog');
is($r->{status}, 200, 'a catalog after a BOM') or diag(short($r->{content}));
$r = post(\%admin, $json->encode(record(code => 'BOM-4')) . $BOM);
is($r->{status}, 400, 'a BOM elsewhere is still not JSON');

# --- the catalog's rules ---

sub catalog ($doc) {
    return post(\%admin, $doc, path => '/api/v1/ingest/catalog');
}

my %empty = (agencies => [], fields => [], procedures => []);
for my $c (
    ['a department becoming a district', agencies => [{id => '000.00.15.H36',
        name => 'Sở Xây dựng', level => 'district', parent => undef}]],
    ['a commune changing district', agencies => [{id => '000.30.01.H36',
        name => 'UBND thị trấn Bến Lức', level => 'commune',
        parent => '000.00.31.H36'}]],
    ['a commune losing its parent', agencies => [{id => '000.30.01.H36',
        name => 'UBND thị trấn Bến Lức', level => 'commune', parent => undef}]],
    ['a procedure changing field', procedures => [{id => '1.001234',
        name => 'Cấp phiếu lý lịch tư pháp', field => 'ho-tich'}]],
    ['the id province', agencies => [{id => 'province', name => 'Tỉnh',
        level => 'province', parent => undef}]],
    ['a commune under a department', agencies => [{id => '000.12.01.H36',
        name => 'Xã lạ', level => 'commune', parent => '000.00.12.H36'}]],
    ['a commune under a commune', agencies => [{id => '000.30.09.H36',
        name => 'Xã lạ', level => 'commune', parent => '000.30.01.H36'}]],
    ['a commune under an unknown district', agencies => [{id => '000.39.01.H36',
        name => 'Xã lạ', level => 'commune', parent => '000.00.39.H36'}]],
    ['an unknown level', agencies => [{id => '000.00.40.H36',
        name => 'Lạ', level => 'ward', parent => undef}]],
    ['a procedure of an unknown field', procedures => [{id => '2.000001',
        name => 'Lạ', field => 'khong-co'}]],
    ['departments whose parents go round', agencies => [
        {id => 'CY-1', name => 'Vòng 1', level => 'province',
         parent => 'CY-3'},
        {id => 'CY-2', name => 'Vòng 2', level => 'province',
         parent => 'CY-1'},
        {id => 'CY-3', name => 'Vòng 3', level => 'province',
         parent => 'CY-2'}]],
    ['two departments each the other\'s parent', agencies => [
        {id => 'CY-4', name => 'Vòng 4', level => 'province',
         parent => 'CY-5'},
        {id => 'CY-5', name => 'Vòng 5', level => 'province',
         parent => 'CY-4'}]],
    ['a good agency and a bad one', agencies => [{id => '000.00.41.H36',
        name => 'UBND huyện Đức Hòa', level => 'district', parent => undef},
        {id => '000.00.15.H36', name => 'Sở Xây dựng', level => 'commune',
        parent => '000.00.30.H36'}]],
)
{
    my ($name, %doc) = @$c;
    $r = catalog({%empty, %doc});
    error_ok($r, 422, 'invalid', "catalog: $name");
}

# nested 400,000 deep (800 kB): yajl's tree recursed off the worker's stack
$r = post(\%admin, '{"x":' . ('[' x 400000) . (']' x 400000) . '}',
    path => '/bulk/catalog');
error_ok($r, 400, 'bad_request', 'catalog: nested 400,000 deep');

$r = post(\%admin, record(code => 'CAT-0', agency => '000.00.41.H36'));
error_ok($r, 422, 'invalid', 'the good agency of a refused catalog is not there');
$r = post(\%admin, record(code => 'CAT-0b', procedure => '2.000001'));
error_ok($r, 422, 'invalid', 'nor the procedure');
($st, $j) = lookup('SC-1');
is_deeply($j->{agency}, {id => '000.30.01.H36', name => 'UBND thị trấn Bến Lức'},
    'the commune is unchanged');
($st, $j) = lookup('ONE-1');
is($j->{field}{id}, 'ho-tich', 'the procedure keeps its field');

# a merge adding and renaming
$r = catalog({
    agencies => [
        {id => '000.31.02.H36', name => 'UBND xã Long Thượng', level => 'commune',
            parent => '000.00.31.H36'},
        {id => '000.30.01.H36', name => 'UBND thị trấn Bến Lức (mới)',
            level => 'commune', parent => '000.00.30.H36'},
    ],
    fields => [{id => 'dat-dai', name => 'Đất đai'}],
    procedures => [
        {id => '1.000894', name => 'Đăng ký khai sinh (mới)', field => 'ho-tich'},
        {id => '1.004227', name => 'Đăng ký biến động đất đai', field => 'dat-dai'},
    ],
});
counts_ok($r, {agencies => 2, fields => 1, procedures => 2}, 'catalog merge');
($st, $j) = lookup('SC-1');
is_deeply([$j->{agency}{name}, $j->{procedure}{name}],
    ['UBND thị trấn Bến Lức (mới)', 'Đăng ký khai sinh (mới)'],
    'renames show in lookups');
$r = post(\%multi, record(code => 'CAT-1', agency => '000.31.02.H36',
    procedure => '1.004227'));
error_ok($r, 403, undef, "a new commune is outside the other commune's key");
$r = post(\%admin, record(code => 'CAT-1', agency => '000.31.02.H36',
    procedure => '1.004227'));
counts_ok($r, {accepted => 1, unchanged => 0, stale => 0},
    'a dossier of the new agency and procedure');
($st, $j) = lookup('CAT-1');
is_deeply([$j->{agency}, $j->{field}], [
    {id => '000.31.02.H36', name => 'UBND xã Long Thượng'},
    {id => 'dat-dai', name => 'Đất đai'}], 'new agency and field in the lookup');
($st, $j) = lookup('ARR-1');
is($j->{agency}{name}, 'UBND thị trấn Bến Lức (mới)',
    'other dossiers of the agency show the new name');

# --- 50 writers at once ---

# fifty versions of one dossier at once: the highest wins
my %vkids;
for my $v (1 .. 50) {
    my $pid = fork();
    die "fork: $!" unless defined $pid;
    if ($pid == 0) {
        my $ua = HTTP::Tiny->new(timeout => 30, keep_alive => 0);
        my $res = $ua->request('POST', $t->url('/api/v1/ingest/dossiers'), {
            headers => {Authorization => 'Bearer ingest-admin-key'},
            content => $json->encode(record(code => 'RACE-1', version => $v,
                applicant => {name => "Version$v Nguyễn"})),
        });
        my $a = $res->{status} == 200 ? eval { $json->decode($res->{content}) }
            : undef;
        POSIX::_exit(!$a ? 3 : $a->{accepted} == 1 && $a->{stale} == 0 ? 0
            : $a->{accepted} == 0 && $a->{stale} == 1 ? 1 : 3);
    }
    $vkids{$pid} = $v;
}
my (%vres, @vbad);
for (1 .. 50) {
    my $pid = wait();
    last if $pid < 0;
    my $code = $? >> 8;
    push @vbad, $vkids{$pid} if $code > 1;
    $vres{$vkids{$pid}} = $code;
}
is_deeply(\@vbad, [], 'fifty versions of one dossier: each accepted or stale');
is($vres{50}, 0, 'version 50 was accepted');
($st, $j) = lookup('RACE-1');
is($j->{applicant}{name}, 'Version50 N.', 'version 50 is stored');

my %kids;
for my $i (1 .. 50) {
    my $pid = fork();
    die "fork: $!" unless defined $pid;
    if ($pid == 0) {
        my $ua = HTTP::Tiny->new(timeout => 30, keep_alive => 0);
        my $res = $ua->request('POST', $t->url('/api/v1/ingest/dossiers'), {
            headers => {Authorization => 'Bearer ingest-admin-key'},
            content => $json->encode(record(code => "PAR-$i",
                agency => $i % 2 ? '000.00.12.H36' : '000.31.01.H36',
                procedure => '1.001234')),
        });
        my $ok = $res->{status} == 200
            && $res->{content} =~ /^\{"accepted":\s*1,\s*"unchanged":\s*0,\s*"stale":\s*0\}\s*$/;
        POSIX::_exit($ok ? 0 : 1);    # not exit: the harness would stop nginx
    }
    $kids{$pid} = $i;
}
my @failed;
for (1 .. 50) {
    my $pid = wait();
    last if $pid < 0;
    push @failed, $kids{$pid} if $?;
}
is_deeply(\@failed, [], '50 parallel writes all answered 200 {"accepted": 1}');

# group commit: 40 writers connected and waiting, let go at once, share
# commits (the store's transaction ids count the commits)
sub txn_id {
    my ($id) = `mdb_stat -e ${\ $t->store} 2>/dev/null`
        =~ /Last transaction ID:\s*(\d+)/;
    return $id // die "mdb_stat could not read the store\n";
}
my $txn0 = txn_id();
pipe(my $gate_r, my $gate_w) or die "pipe: $!";
my %gkids;
for my $i (1 .. 40) {
    my $pid = fork() // die "fork: $!";
    if ($pid == 0) {
        close $gate_w;
        my $body = $json->encode(record(code => "GRP-$i",
            agency => '000.00.12.H36', procedure => '1.001234'));
        my $req = "POST /api/v1/ingest/dossiers HTTP/1.1\r\n"
            . "Host: 127.0.0.1\r\nConnection: close\r\n"
            . "Authorization: Bearer ingest-admin-key\r\n"
            . "Content-Type: application/json\r\n"
            . "Content-Length: " . length($body) . "\r\n\r\n$body";
        my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
            PeerPort => $t->port, Proto => 'tcp') or POSIX::_exit(2);
        sysread($gate_r, my $x, 1);         # the parent closes the gate
        syswrite($s, $req);
        my $res = '';
        while (sysread($s, my $buf, 4096)) { $res .= $buf }
        POSIX::_exit($res =~ m{^HTTP/1\.1 200 } ? 0 : 1);
    }
    $gkids{$pid} = $i;
}
close $gate_r;
select(undef, undef, undef, 0.5);         # every one connected
close $gate_w;
my @gfailed;
for (1 .. 40) {
    my $pid = wait();
    last if $pid < 0;
    push @gfailed, $gkids{$pid} if $?;
}
is_deeply(\@gfailed, [], '40 writers let go at once: all answered 200');
my $txns = txn_id() - $txn0;
diag("40 writers at once took $txns commits");
cmp_ok($txns, '<=', 30, '40 writers at once shared commits (group commit)');
my @missing = grep { (lookup("PAR-$_"))[0] != 200 } 1 .. 50;
is_deeply(\@missing, [], 'all 50 parallel records visible');

# without a feed and without a zone nobody reads the outbox: each commit
# drops everything committed before it, by either worker, so after hundreds
# of writes (the last burst mostly through the other worker, perhaps) only
# the last commit's change stays
$r = post(\%admin, record(code => 'OUTBOX-LAST'));
counts_ok($r, {accepted => 1, unchanged => 0, stale => 0}, 'one more write');
my ($outbox) = `mdb_stat -s outbox ${\ $t->store} 2>&1` =~ /Entries:\s*(\d+)/;
is($outbox // 'unreadable', 1,
    'the outbox holds only the last commit\'s change');

$t->stop;
unlike($t->error_log . Onestop::Test::slurp($t->dir . '/access.log'),
    qr/ingest-admin-key|benluc-key|tuphap-key|multi-key/, 'keys never logged');
$t->check_log;

alarm 0;

done_testing;
