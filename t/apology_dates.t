#!/usr/bin/perl

# When an apology letter can be issued (Điều 11.3; Nghị định 61/2018:
# the agency apologises, at the latest the day before the due date, for a
# dossier it holds that will be late): a record whose letter was issued
# before the dossier was received, or after the dossier was resolved or
# withdrawn by its due date (it was never late), is refused with 422 and
# is neither stored nor published in /api/v1/apologies nor counted in
# apologies_issued; a letter issued the day of receipt, before a
# resolution that came in time after all, or after a late resolution is
# accepted and published.

use v5.36;
use utf8;

use lib 't/lib';

use Digest::SHA qw(sha256_hex);
use JSON::PP;
use Test::More;

use Onestop::Test;

binmode(Test::More->builder->$_, ':encoding(UTF-8)')
    for qw(output failure_output todo_output);

my $json = JSON::PP->new->utf8->canonical;

my $t = Onestop::Test->new(today => '2024-06-28');
$t->spew('keys', sha256_hex('apd-admin-key') . " * admin\n");
$t->write_standard_conf(serve => [qw(ingest lookup apologies stats)]);
ok($t->start, 'nginx starts') or BAIL_OUT('nginx did not start');

my %admin = (Authorization => 'Bearer apd-admin-key');
my $r = $t->http('POST', '/api/v1/ingest/catalog', headers => \%admin,
    body => Onestop::Test::catalog_json());
is($r->{status}, 200, 'catalog written') or diag($r->{content});

sub rec ($code, $issued, %m) {
    return {code => $code, version => 1, agency => '000.00.12.H36',
        procedure => '1.001234', channel => 'direct',
        applicant => {name => 'Nguyễn Văn An'},
        received_at => '2024-06-10T08:00:00+07:00', due_at => '2024-06-17',
        apology => {issued_at => $issued, new_due_at => '2024-06-21',
            reason => 'Cần xác minh thêm'},
        %m};
}

sub ingest ($rec) {
    my $r = $t->http('POST', '/api/v1/ingest/dossiers', headers => \%admin,
        body => $json->encode($rec));
    return ($r, eval { $json->decode($r->{content}) } // {});
}

# refused: the letter contradicts the dossier's own dates

for my $case (
    ['AP-BEFORE', '2024-06-09', [],
     qr/apology issued_at is before received_at/,
     'issued the day before the dossier was received'],
    ['AP-BEFORE-UTC', '2024-06-09T16:59:59Z', [],
     qr/apology issued_at is before received_at/,
     'issued 06-09T16:59:59Z, local 06-09 23:59:59, before receipt'],
    ['AP-AFTER-EARLY', '2024-06-14', [resolved_at => '2024-06-12'],
     qr/apology issued_at is after resolved_at/,
     'issued after the dossier was resolved early'],
    ['AP-AFTER-ONTIME', '2024-06-18', [resolved_at => '2024-06-17'],
     qr/apology issued_at is after resolved_at/,
     'issued after the dossier was resolved on its due date'],
    ['AP-AFTER-WD', '2024-06-14', [withdrawn_at => '2024-06-12'],
     qr/apology issued_at is after withdrawn_at/,
     'issued after the dossier was withdrawn before its due date'],
) {
    my ($code, $issued, $more, $msg, $what) = @$case;
    my ($r, $j) = ingest(rec($code, $issued, @$more));
    is($r->{status}, 422, "$what: 422") or diag($r->{content});
    is($j->{error}{code}, 'invalid', "$what: invalid");
    like($j->{error}{items}[0]{message} // '', $msg, "$what: the reason");
    is($t->get("/api/v1/dossiers/$code")->{status}, 404,
        "$what: nothing stored");
}

# accepted: a letter the dossier's dates allow

for my $case (
    ['AP-SAMEDAY', '2024-06-10T07:30:00+07:00', [],
     'issued the day of receipt, before its hour'],
    ['AP-THEN-INTIME', '2024-06-14', [resolved_at => '2024-06-15'],
     'issued, then resolved in time after all'],
    ['AP-ONTIME-DAY', '2024-06-17', [resolved_at => '2024-06-17'],
     'issued the day of an on-time resolution'],
    ['AP-AFTER-LATE', '2024-06-20', [resolved_at => '2024-06-19'],
     'issued after a late resolution'],
    ['AP-AFTER-LATE-WD', '2024-06-20', [withdrawn_at => '2024-06-19'],
     'issued after a withdrawal past the due date'],
) {
    my ($code, $issued, $more, $what) = @$case;
    my ($r, $j) = ingest(rec($code, $issued, @$more));
    is($r->{status}, 200, "$what: accepted") or diag($r->{content});
}

$r = $t->get('/api/v1/apologies');
is($r->{status}, 200, 'the apology list');
my $list = eval { $json->decode($r->{content}) } // {};
is_deeply([sort map { $_->{code} } @{$list->{items} // []}],
    [sort qw(AP-SAMEDAY AP-THEN-INTIME AP-ONTIME-DAY AP-AFTER-LATE
             AP-AFTER-LATE-WD)],
    'only the letters the dates allow are published');

$r = $t->get('/api/v1/stats?from=2024-06-01&to=2024-06-28');
my $s = eval { $json->decode($r->{content}) } // {};
is($s->{totals}{apologies_issued}, 5, 'apologies_issued counts them alone');

# a later version may not make a stored letter contradict it

my ($r2, $j2) = ingest({%{rec('AP-THEN-INTIME', '2024-06-14',
    resolved_at => '2024-06-13')}, version => 2});
is($r2->{status}, 422,
    'a version resolving early, before its letter was issued: 422')
    or diag($r2->{content});
is($t->get('/api/v1/dossiers/AP-THEN-INTIME')->{status}, 200,
    'the stored version stays');

$t->check_log;

done_testing();
