#!/usr/bin/perl

# Moved due dates (issue 18): a later version may move a dossier's due
# date freely while it has not passed; once it has passed, only with a
# reason, due_change "supplement" (the time restarts when a requested
# supplement arrives) or "correction" — else 422 and nothing stored, so a
# late dossier cannot be made on time by a new version.

use v5.36;
use utf8;

use lib 't/lib';

use Digest::SHA qw(sha256_hex);
use JSON::PP;
use Test::More;

use Onestop::Test;

my $json = JSON::PP->new->utf8->canonical;

my $t = Onestop::Test->new(today => '2024-06-15');
$t->spew('keys', sha256_hex('dc-admin') . " * admin\n");
$t->write_standard_conf(serve => [qw(ingest lookup)]);
ok($t->start, 'nginx starts') or BAIL_OUT('nginx did not start');

my %admin = (Authorization => 'Bearer dc-admin');
my $r = $t->http('POST', '/api/v1/ingest/catalog', headers => \%admin,
    body => Onestop::Test::catalog_json());
is($r->{status}, 200, 'catalog');

sub write_rec (%m) {
    my %rec = (agency => '000.00.12.H36', procedure => '1.001234',
        channel => 'direct', applicant => {name => 'Phạm Thị Lan'},
        received_at => '2024-06-03T08:00:00+07:00', %m);
    my $r = $t->http('POST', '/api/v1/ingest/dossiers', headers => {%admin,
        'Content-Type' => 'application/json'}, body => $json->encode(\%rec));
    return ($r, eval { $json->decode($r->{content}) } // {});
}

sub due_of ($code) {
    my $r = $t->get("/api/v1/dossiers/$code");
    my $j = eval { $json->decode($r->{content}) } // {};
    return $j->{due_date} // $j->{due_at};
}

my $j;
($r) = write_rec(code => 'DC-PAST', version => 1, due_at => '2024-06-10');
is($r->{status}, 200, 'a dossier due on 10/6, pending on 15/6');
($r) = write_rec(code => 'DC-SOON', version => 1, due_at => '2024-06-20');
is($r->{status}, 200, 'another due on 20/6');
my $before = due_of('DC-PAST');

($r, $j) = write_rec(code => 'DC-PAST', version => 2, due_at => '2024-06-25');
is($r->{status}, 422, 'its passed due date moved without a reason: 422')
    or diag($r->{content});
like($r->{content}, qr/due_change/, 'the error says what to send');
is(due_of('DC-PAST'), $before, 'nothing stored: the due date as it was');

($r, $j) = write_rec(code => 'DC-PAST', version => 2, due_at => '2024-06-25',
    due_change => 'reschedule');
is($r->{status}, 422, 'an unknown reason: 422');
like($r->{content}, qr/supplement.*correction/, 'naming the two reasons');

($r, $j) = write_rec(code => 'DC-PAST', version => 2, due_at => '2024-06-25',
    due_change => 'supplement');
is($r->{status}, 200, 'with due_change "supplement": accepted')
    or diag($r->{content});
isnt(due_of('DC-PAST'), $before, 'the new due date stored');

($r) = write_rec(code => 'DC-PAST', version => 3, due_at => '2024-06-25',
    resolved_at => '2024-06-14');
is($r->{status}, 200, 'a later version keeping the due date needs no reason');

($r) = write_rec(code => 'DC-SOON', version => 2, due_at => '2024-06-22');
is($r->{status}, 200, 'a due date not yet passed moves freely');
($r) = write_rec(code => 'DC-SOON', version => 3, due_at => '2024-06-18',
    due_change => 'correction');
is($r->{status}, 200, 'with a reason too');

$t->stop;
$t->check_log;

done_testing();
