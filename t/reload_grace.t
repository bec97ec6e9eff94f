#!/usr/bin/perl

# onestop_report_grace_days changed by a reload (nginx -s reload), with
# onestop_zone: the zone is kept across the reload with its answers,
# which are current while nothing is written.  A published-figures
# answer depends on the grace days, though (which months are published
# by today), so the answer computed under the old grace must not be
# served under the new one: on 1 March, February is published with
# grace 0 and not with grace 5, at once after the reload, not after the
# next write.  (The dossier is written under grace 5: a write under grace
# 0 would freeze February, which then stays published whatever the grace.)

use v5.36;
use utf8;

use lib 't/lib';

use Digest::SHA qw(sha256_hex);
use JSON::PP;
use Test::More;

use Onestop::Test;

my $json = JSON::PP->new->utf8->canonical;

my $t = Onestop::Test->new(today => '2024-03-01', workers => 2);
$t->spew('keys', sha256_hex('rg-admin') . " * admin\n");

sub conf ($grace) {
    return $t->standard_conf(serve => [qw(ingest stats)], zone => '8m',
        http => "onestop_report_grace_days $grace;\n");
}

$t->write_conf(conf(5));
ok($t->start, 'nginx starts, grace 5') or BAIL_OUT('nginx did not start');

my %admin = (Authorization => 'Bearer rg-admin');
is($t->http('POST', '/api/v1/ingest/catalog', headers => \%admin,
    body => Onestop::Test::catalog_json())->{status}, 200, 'catalog');
is($t->http('POST', '/api/v1/ingest/dossiers', headers => \%admin,
    body => $json->encode({code => 'RG-1', version => 1,
        agency => '000.00.12.H36', procedure => '1.001234',
        channel => 'direct', applicant => {name => 'Phạm Thị Lan'},
        received_at => '2024-02-05T08:00:00+07:00',
        due_at => '2024-02-20'}))->{status}, 200, 'a February dossier');
is($t->get('/api/v1/stats?from=2024-02-01&to=2024-02-29&as=published')
    ->{status}, 400, 'February is not published with grace 5');

$t->write_conf(conf(0));
ok($t->reload, 'reloaded with grace 0');

my $q = '/api/v1/stats?from=2024-02-01&to=2024-02-29&as=published';

# asked on both workers (each keeps nothing of its own: the zone is
# shared), so that the answer is in the zone
for (1 .. 4) {
    is($t->get($q)->{status}, 200, 'February is published with grace 0');
}

$t->write_conf(conf(5));
ok($t->reload, 'reloaded with grace 5');

for (1 .. 4) {
    my $r = $t->get($q);
    is($r->{status}, 400, 'February is not published on 1 March with grace 5')
        or diag($r->{content});
    like($r->{content}, qr/published on 2024-03-06/, '... until 6 March');
}

$t->write_conf(conf(0));
ok($t->reload, 'and back to grace 0');
is($t->get($q)->{status}, 200, 'February is published again');

$t->check_log;
$t->stop;

done_testing;
