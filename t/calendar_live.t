#!/usr/bin/perl

# Điều 9.1 as a source system meets it live, on the evening itself: an
# online dossier submitted after 17:00 on a Friday, or on the evening
# before Tết, sent the same evening with submitted_at and no received_at,
# is received at the next opening (Monday, or the first working day after
# Tết), days ahead of today.  It is accepted (the "more than one day in the
# future" rule is the submission's), the lookup shows the derived moment,
# and today's statistics do not count it yet.

use v5.36;
use utf8;

use lib 't/lib';

use Digest::SHA qw(sha256_hex);
use JSON::PP;
use Test::More;

use Onestop::Test;

binmode(Test::More->builder->$_, ":encoding(UTF-8)")
    for qw(output failure_output todo_output);

my $json = JSON::PP->new->utf8->canonical;
my $root = $Onestop::Test::ROOT;

# Friday 13 February 2026, the last working day before Tết Bính Ngọ
# (16-20 February off, the weekends around them too)
my $t = Onestop::Test->new(today => '2026-02-13');
$t->spew('keys', sha256_hex('live-admin-key') . " * admin\n");
$t->write_standard_conf(serve => [qw(ingest lookup stats)],
    http => "onestop_calendar $root/conf/calendar-vn.txt;\n");
ok($t->start, 'nginx starts') or BAIL_OUT('nginx did not start');

my %admin = (Authorization => 'Bearer live-admin-key');
my $r = $t->http('POST', '/api/v1/ingest/catalog', headers => \%admin,
    body => Onestop::Test::catalog_json());
is($r->{status}, 200, 'catalog') or diag($r->{content});

sub rec ($code, %m) {
    return {code => $code, version => 1, agency => '000.00.12.H36',
        procedure => '1.001234', channel => 'online',
        applicant => {name => 'Nguyễn Văn An'},
        due_at => '2026-03-20', %m};
}

sub ingest (@recs) {
    my $r = $t->http('POST', '/api/v1/ingest/dossiers', headers => \%admin,
        body => $json->encode([@recs]));
    return ($r, eval { $json->decode($r->{content}) });
}

my ($j);
($r, $j) = ingest(rec('LIVE-TET-EVE',
    submitted_at => '2026-02-13T18:05:00+07:00'));
is($r->{status}, 200, 'submitted on the evening before Tết, sent at once: '
    . 'accepted') or diag($r->{content});

$r = $t->get('/api/v1/dossiers/LIVE-TET-EVE');
$j = eval { $json->decode($r->{content}) } // {};
is_deeply([@$j{qw(received_date received_at status timeliness)}],
    ['2026-02-23', '2026-02-23T07:00:00+07:00', 'processing', 'not_due'],
    'received at the first opening after Tết (Monday 23 February)');

# a submission more than a day ahead is still refused
($r, $j) = ingest(rec('LIVE-AHEAD',
    submitted_at => '2026-02-15T09:00:00+07:00'));
is($r->{status}, 422, 'a submission two days ahead: 422');
like($j->{error}{items}[0]{message} // '', qr/more than one day in the future/,
    '... saying why');

# received on a day to come: not in today's figures yet, identities kept
$r = $t->get('/api/v1/stats?period=today');
$j = eval { $json->decode($r->{content}) } // {};
is_deeply([@{$j->{totals} // {}}{qw(received pending carried_over)}],
    [0, 0, 0], 'not received today: not counted today');

ok($t->check_log, 'no error in the log');

done_testing();
