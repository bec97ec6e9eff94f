#!/usr/bin/perl

# A reload that points onestop_store at another store (operations, SPEC
# section 2): the zone of answers outlives the reload, and so does the
# sequence it stamps them with, which only rises.  The answers must be the
# new store's at once, and stay its own as it is written, whatever the
# old store's sequence was; and back on the first store, its own again.

use v5.36;
use utf8;

use lib 't/lib';

use Digest::SHA qw(sha256_hex);
use JSON::PP;
use Test::More;

use Onestop::Test;

my $json = JSON::PP->new->utf8->canonical;
my $t = Onestop::Test->new(today => '2024-06-15', workers => 1);
my $dir = $t->dir;
$t->spew('keys', sha256_hex('rs-admin-key') . " * admin\n");
my %admin = (Authorization => 'Bearer rs-admin-key');

sub conf ($store) {
    my $c = $t->standard_conf(serve => [qw(stats ingest)], zone => '4m');
    $c =~ s/onestop_store \S+/onestop_store $store/ or die;
    return $c;
}

sub write_dossiers (@codes) {
    my $r = $t->http('POST', '/api/v1/ingest/dossiers', headers => \%admin,
        body => $json->encode([map { {code => $_, version => 1,
            agency => '000.00.12.H36', procedure => '1.001234',
            channel => 'online', applicant => {name => 'Trần Văn Hai'},
            received_at => '2024-06-10', due_at => '2024-06-20'} }
            @codes]));
    return $r->{status};
}

sub received () {
    my $r = $t->get('/api/v1/stats?period=all');
    return $r->{status} == 200 ? $json->decode($r->{content})->{totals}{received}
        : "status $r->{status}";
}

$t->write_conf(conf("$dir/store"));
ok($t->start, 'nginx on the first store') or BAIL_OUT('nginx did not start');
is($t->http('POST', '/api/v1/ingest/catalog', headers => \%admin,
    body => Onestop::Test::catalog_json())->{status}, 200, 'a catalog');
is(write_dossiers("A-$_"), 200, "dossier A-$_") for 1 .. 5;
is(received(), 5, 'the first store: 5 received');
is(received(), 5, 'again, from the zone');

$t->write_conf(conf("$dir/second"));
ok($t->reload, 'reload onto a second, new store');
is(received(), 0, 'the second store: nothing received');
is($t->http('POST', '/api/v1/ingest/catalog', headers => \%admin,
    body => Onestop::Test::catalog_json())->{status}, 200,
    'a catalog in the second store');
is(write_dossiers('B-1'), 200, 'a dossier in the second store');
is(received(), 1, 'the second store: 1 received');
is(write_dossiers('B-2'), 200, 'another');
is(received(), 2, 'the second store: 2 received');

$t->write_conf(conf("$dir/store"));
ok($t->reload, 'reload back onto the first store');
is(received(), 5, 'the first store again: 5 received');

$t->check_log;
$t->stop;

done_testing();
