#!/usr/bin/perl

# The audit trail (issue 19): with onestop_audit_log, every write, delete
# and catalog change made with a key leaves one JSON line per thing done
# or refused -- the time, the key's name, the action, the agency, the code,
# the version, the status and, when refused, why -- and never a name or a
# contact.  The file is reopened with nginx's own logs (USR1).

use v5.36;
use utf8;

use lib 't/lib';

use Digest::SHA qw(sha256_hex);
use Encode qw(encode);
use JSON::PP;
use Test::More;
use Time::HiRes qw(sleep);

use Onestop::Test;

my $json = JSON::PP->new->utf8->canonical;

my $A = '000.00.12.H36';
my $B = '000.00.30.H36';

my $t = Onestop::Test->new(today => '2024-06-15');
$t->spew('keys', encode('UTF-8', join '',
    sha256_hex('admin-key') . " * quản trị\n",
    sha256_hex('a-key') . " $A Sở Tư pháp\n"));
$t->write_standard_conf(serve => [qw(lookup ingest)],
    http => "onestop_audit_log %%DIR%%/audit.log;\n");

my ($rc, undef, $err) = $t->cli('catalog',
    $t->spew('catalog.json', Onestop::Test::catalog_json()));
is($rc, 0, 'a catalog') or diag($err);
ok($t->start, 'nginx starts') or BAIL_OUT('nginx did not start');

my %key = map { $_ => {Authorization => "Bearer $_-key"} } qw(admin a);

sub record (%m) {
    return {
        version => 1,
        procedure => '1.000894',
        channel => 'direct',
        applicant => {name => 'Trương Văn Bé', type => 'citizen',
            phone => '0909123456', email => 'be@example.vn'},
        received_at => '2024-06-10T08:00:00+07:00',
        due_at => '2024-06-14T17:00:00+07:00',
        %m,
    };
}

sub post ($who, $body) {
    return $t->http('POST', '/api/v1/ingest/dossiers', headers => $key{$who},
        body => $json->encode($body));
}

# the audit log's lines so far, decoded
sub lines ($file = 'audit.log') {
    my $text = Onestop::Test::slurp($t->dir . "/$file");
    return [map { $json->decode($_) } split /\n/, $text];
}

my $r = post('a', [record(code => "$A-1", agency => $A),
    record(code => "$A-2", agency => $A, version => 3)]);
is($r->{status}, 200, 'two records written') or diag($r->{content});
my $l = lines();
is(scalar @$l, 2, 'a line per record');
like($l->[0]{time}, qr/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+07:00$/,
    'the time, in the store\'s offset');
is_deeply([map { delete $_->{time}; $_ } @$l], [
    {key => 'Sở Tư pháp', action => 'write', status => 200, agency => $A,
        code => "$A-1", version => 1},
    {key => 'Sở Tư pháp', action => 'write', status => 200, agency => $A,
        code => "$A-2", version => 3},
], 'key name, action, status, agency, code and version');

$r = post('a', [record(code => "$A-3", agency => $A),
    record(code => "$B-1", agency => $B)]);
is($r->{status}, 403, 'a batch outside the key\'s scope is refused');
$l = lines();
is(scalar @$l, 4, 'still a line per record');
is_deeply([map { [$_->{code}, $_->{status}, $_->{error}] } @$l[2, 3]],
    [["$A-3", 403, 'forbidden'], ["$B-1", 403, 'forbidden']],
    'each with the status the client was told, and why');

$r = $t->http('DELETE', "/api/v1/ingest/dossiers/$A-1",
    headers => $key{admin});
is($r->{status}, 200, 'a delete') or diag($r->{content});
$l = lines();
is(scalar @$l, 5, 'one line');
is_deeply({map { $_ => $l->[4]{$_} } qw(key action status code)},
    {key => 'quản trị', action => 'delete', status => 200, code => "$A-1"},
    'the delete, by the administrator');

$r = $t->http('POST', '/api/v1/ingest/catalog', headers => $key{admin},
    body => Onestop::Test::catalog_json());
is($r->{status}, 200, 'a catalog change') or diag($r->{content});
$l = lines();
is(scalar @$l, 6, 'one line');
is($l->[5]{action}, 'catalog', 'the catalog change');
my $ans = $json->decode($r->{content});
is_deeply({map { $_ => $l->[5]{$_} } qw(agencies fields procedures)},
    {map { $_ => $ans->{$_} } qw(agencies fields procedures)},
    'with the counts the answer gave');

$r = $t->http('POST', '/api/v1/ingest/dossiers',
    headers => {Authorization => 'Bearer wrong'},
    body => $json->encode(record(code => "$A-9", agency => $A)));
is($r->{status}, 401, 'an unknown key');
is(scalar @{ lines() }, 6, 'leaves no line: no key, no write');

my $text = Onestop::Test::slurp($t->dir . '/audit.log');
unlike($text, qr/Trương|Bé|0909123456|example\.vn|applicant/,
    'no name or contact in the trail');
unlike($text, qr/a-key|admin-key/, 'no key');

# reopened with nginx's logs
rename $t->dir . '/audit.log', $t->dir . '/audit.log.1' or die;
kill 'USR1', $t->pid;
sleep 0.5;
$r = post('a', [record(code => "$A-4", agency => $A)]);
is($r->{status}, 200, 'a write after USR1');
is(scalar @{ lines('audit.log.1') }, 6, 'the old file keeps its lines');
is_deeply([map { $_->{code} } @{ lines() }], ["$A-4"],
    'the new file gets the new one');

$t->stop;
$t->check_log;

done_testing;
