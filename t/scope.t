#!/usr/bin/perl

# Scope around tombstones and fresh codes (SPEC section 5): a deleted
# dossier keeps the agency it was stored under, and only a key covering
# that agency brings it back; a new code whose first part (before its
# first '-') is the id of an agency of the catalog is created only by a
# key covering that agency.  Administrators, the CLI included, do
# anything; transfers between agencies a key covers stay possible.

use v5.36;
use utf8;

use lib 't/lib';

use Digest::SHA qw(sha256_hex);
use Encode qw(encode);
use JSON::PP;
use Test::More;

use Onestop::Test;

binmode(Test::More->builder->$_, ':encoding(UTF-8)')
    for qw(output failure_output todo_output);

local $SIG{ALRM} = sub { BAIL_OUT('scope.t did not finish in 120 s') };
alarm 120;

my $json = JSON::PP->new->utf8->canonical;

# A is Sở Tư pháp, B the district of Bến Lức (with its two communes)
my $A = '000.00.12.H36';
my $B = '000.00.30.H36';
my $B1 = '000.30.01.H36';

my $t = Onestop::Test->new(today => '2024-06-15');
$t->spew('keys', encode('UTF-8', join '',
    sha256_hex('admin-key') . " * administrator\n",
    sha256_hex('a-key') . " $A Sở Tư pháp\n",
    sha256_hex('b-key') . " $B UBND huyện Bến Lức\n",
    sha256_hex('b1-key') . " $B1 UBND thị trấn Bến Lức\n",
    sha256_hex('ab-key') . " $A,$B both\n"));
$t->write_conf(<<'END');
    onestop_store %%STORE%% map_size=64m;
    onestop_ingest_keys %%DIR%%/keys;

    server {
        listen 127.0.0.1:%%PORT%%;

        location /api/v1/dossiers/ { onestop_lookup json; }
        location /api/v1/ingest/ { onestop_ingest; }
    }
END

ok($t->start, 'nginx starts') or BAIL_OUT('nginx did not start');

my %key = map { $_ => {Authorization => "Bearer $_-key"} }
    qw(admin a b b1 ab);

sub record (%m) {
    return {
        version => 1,
        procedure => '1.000894',
        channel => 'direct',
        applicant => {name => 'Trương Văn Bé', type => 'citizen'},
        received_at => '2024-06-10T08:00:00+07:00',
        due_at => '2024-06-14T17:00:00+07:00',
        %m,
    };
}

sub post ($who, $body) {
    return $t->http('POST', '/api/v1/ingest/dossiers', headers => $key{$who},
        body => $json->encode($body));
}

sub del ($who, $code) {
    return $t->http('DELETE', "/api/v1/ingest/dossiers/$code",
        headers => $key{$who});
}

sub answer ($r) { eval { $json->decode($r->{content}) } // {} }

# (status, agency id) of a lookup
sub where ($code) {
    my $r = $t->get("/api/v1/dossiers/$code");
    return [$r->{status}, $r->{status} == 200 ? answer($r)->{agency}{id} : undef];
}

sub accepted_ok ($r, $n, $name) {
    is($r->{status}, 200, "$name: 200") or diag($r->{content});
    is_deeply(answer($r), {accepted => $n, unchanged => 0, stale => 0},
        "$name: accepted $n");
}

# a 403 whose items are exactly @$items, each "forbidden" with a message
sub forbidden_ok ($r, $items, $name, $like = undef) {
    is($r->{status}, 403, "$name: 403") or diag($r->{content});
    my $e = answer($r)->{error} // {};
    is($e->{code}, 'forbidden', "$name: forbidden");
    my @f = grep { ($_->{code} // '') eq 'forbidden' } @{ $e->{items} // [] };
    is_deeply([map { $_->{index} } @f], $items, "$name: items");
    like($_->{message} // '', $like, "$name: item message") for $like ? @f : ();
}

my $r = $t->http('POST', '/api/v1/ingest/catalog', headers => $key{admin},
    body => Onestop::Test::catalog_json());
is($r->{status}, 200, 'catalog') or diag($r->{content});

# --- a) tombstones keep their agency, and its scope ---

for my $code ('TOMB-1', "$A-240610-0001") {
    accepted_ok(post(a => record(code => $code, agency => $A)), 1,
        "$code: A writes it");
    is(del(b => $code)->{status}, 403, "$code: B deletes nothing of A");
    is_deeply(where($code), [200, $A], "$code: still there");
    is(del(a => $code)->{status}, 200, "$code: A deletes it");
    is(where($code)->[0], 404, "$code: deleted");

    forbidden_ok(post(b => record(code => $code, version => 2, agency => $B)),
        [0], "$code: B revives it under B", qr/deleted|agency/);
    is(where($code)->[0], 404, "$code: B did not revive it");
    forbidden_ok(post(b => record(code => $code, version => 1, agency => $B)),
        [0], "$code: B at the tombstone's version (scope before version)");
    forbidden_ok(post(b => record(code => $code, version => 2, agency => $A)),
        [0], "$code: B under A");
    forbidden_ok(post(b => record(code => $code, version => 2, agency => $B,
        channel => 'fax')), [0], "$code: an invalid record of B: 403 over 422");
    forbidden_ok(post(b => [record(code => "B-OWN-$code", agency => $B),
        record(code => $code, version => 2, agency => $B1)]),
        [1], "$code: in a batch");
    is(where("B-OWN-$code")->[0], 404, "$code: nothing of that batch written");
    is(del(b => $code)->{status}, 404, "$code: DELETE of the tombstone: 404");

    accepted_ok(post(a => record(code => $code, version => 2, agency => $A)), 1,
        "$code: A brings it back");
    is_deeply(where($code), [200, $A], "$code: back under A");
}

# a key covering both moves a deleted dossier of A to B; an administrator
# revives anything
accepted_ok(post(a => record(code => 'TOMB-2', agency => $A)), 1, 'TOMB-2');
is(del(a => 'TOMB-2')->{status}, 200, 'TOMB-2 deleted');
accepted_ok(post(ab => record(code => 'TOMB-2', version => 2, agency => $B)), 1,
    'a key covering both brings it back under B');
is_deeply(where('TOMB-2'), [200, $B], 'TOMB-2 under B');
is(del(b => 'TOMB-2')->{status}, 200, 'B deletes it now');
forbidden_ok(post(a => record(code => 'TOMB-2', version => 3, agency => $A)),
    [0], "A cannot take back B's deleted dossier");
accepted_ok(post(admin => record(code => 'TOMB-2', version => 3, agency => $A)),
    1, 'an administrator can');
is_deeply(where('TOMB-2'), [200, $A], 'TOMB-2 under A');

# --- b) a new code in an agency's format ---

my $fresh = "$A-240610-0100";
forbidden_ok(post(b => record(code => $fresh, agency => $B)), [0],
    "B claims a fresh code of A's", qr/\Q$A\E|agency/);
is(where($fresh)->[0], 404, 'not written');
accepted_ok(post(a => record(code => $fresh, agency => $A)), 1,
    "A's key writes it");
is_deeply(where($fresh), [200, $A], "A's code is A's");

accepted_ok(post(admin => record(code => "$A-240610-0101", agency => $B)), 1,
    "an administrator creates a code of A's under B");
accepted_ok(post(ab => record(code => "$A-240610-0102", agency => $B)), 1,
    'so does a key covering both');
forbidden_ok(post(b => record(code => $A, agency => $B)), [0],
    'a code that is an agency id');
# nor in lower case: a lookup of a code not found as typed tries it in
# upper case, and a citizen of A who types A's code in lower case would
# see B's dossier
forbidden_ok(post(b => record(code => lc("$A-240610-0105"), agency => $B)),
    [0], "B claims a fresh code of A's in lower case",
    qr/\Q$A\E|agency/);
forbidden_ok(post(b => record(code => '000.00.12.h36', agency => $B)), [0],
    'an agency id in mixed case');
accepted_ok(post(a => record(code => lc("$A-240610-0105"), agency => $A)), 1,
    "A's key writes it");
forbidden_ok(post(b1 => record(code => "$B-240610-0001", agency => $B1)), [0],
    "a commune's key, a code of its district's");

# codes that name no agency, or an agency the key covers: as before
for my $c (["$B-240610-0001", $B], ["$B1-240610-0001", $B1],
    ['XYZ.99.H36-240610-0001', $B], ['SC-9', $B1], ['PLAIN', $B],
    ['000.00.12.H3-1', $B], ['000.00.12.H36X-1', $B])
{
    my ($code, $agency) = @$c;
    accepted_ok(post(b => record(code => $code, agency => $agency)), 1,
        "B writes $code");
    is_deeply(where($code), [200, $agency], "$code stored");
}

# 403 lists every offender, before 422
$r = post(b => [record(code => "$B-240610-0002", agency => $B),
    record(code => "$A-240610-0103", agency => $B),
    record(code => "$A-240610-0104", agency => $B1, channel => 'fax'),
    record(code => "$B-240610-0003", agency => $B, channel => 'fax')]);
forbidden_ok($r, [1, 2], 'a batch with two claims');
is(where("$B-240610-0002")->[0], 404, 'nothing of it written');

# an existing dossier of A moves to B with a key covering both; then it is
# B's: B's key writes it, A's no longer
accepted_ok(post(a => record(code => "$A-240610-0200", agency => $A)), 1,
    "A's dossier");
forbidden_ok(post(b => record(code => "$A-240610-0200", version => 2,
    agency => $B)), [0], 'B cannot take it');
accepted_ok(post(ab => record(code => "$A-240610-0200", version => 2,
    agency => $B)), 1, 'a key covering both moves it to B');
accepted_ok(post(b => record(code => "$A-240610-0200", version => 3,
    agency => $B1)), 1, 'B updates it now');
is_deeply(where("$A-240610-0200"), [200, $B1], 'stored under B');
forbidden_ok(post(a => record(code => "$A-240610-0200", version => 4,
    agency => $A)), [0], "A's key no longer covers it");

# the CLI is an administrator
my $nd = join '', map { $json->encode($_) . "\n" }
    record(code => "$A-240610-0300", agency => $B),
    record(code => 'TOMB-2', version => 9, agency => $B);
is(del(a => 'TOMB-2')->{status}, 200, 'TOMB-2 deleted by A');
my ($rc, $out, $err) = $t->cli('import', '-', \$nd);
is($rc, 0, 'the CLI imports a code of A under B and revives TOMB-2 under B')
    or diag($err);
is_deeply(where("$A-240610-0300"), [200, $B], 'CLI: the code of A under B');
is_deeply(where('TOMB-2'), [200, $B], 'CLI: TOMB-2 under B');

ok($t->check_log, 'no alert in error.log');

done_testing;
