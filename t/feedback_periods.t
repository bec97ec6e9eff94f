#!/usr/bin/perl

# The periods of the questions' statistics (GET /api/v1/stats?subject=
# feedback, Điều 13.3, 21.4) at their bounds: from the first day the API
# takes (1990-01-01, "since the beginning") a question is received in the
# period, never carried over from before 1990, and the identities hold.

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
my $root = $Onestop::Test::ROOT;

$ENV{ONESTOP_TIME} = '10:00';
my $t = Onestop::Test->new(today => '2024-02-01');
$t->spew('keys', sha256_hex('fbp-admin') . " * admin\n");
$t->write_standard_conf(serve => [qw(ingest stats)],
    http => "onestop_calendar $root/conf/calendar-vn.txt;\n",
    server => "location /api/v1/feedback { onestop_feedback json; }\n"
        . "location /api/v1/ingest/feedback { onestop_feedback ingest; }\n",
    main => "env ONESTOP_TIME;\n");
ok($t->start, 'nginx starts') or BAIL_OUT('nginx did not start');

my %admin = (Authorization => 'Bearer fbp-admin');
my $r = $t->http('POST', '/api/v1/ingest/catalog', headers => \%admin,
    body => Onestop::Test::catalog_json());
is($r->{status}, 200, 'catalog');

$r = $t->http('POST', '/api/v1/feedback',
    headers => {'Content-Type' => 'application/json'},
    body => $json->encode({kind => 'question', agency => '000.00.12.H36',
        subject => 'Thời hạn cấp phiếu', text => 'Xin hỏi mất bao lâu?',
        name => 'Nguyễn Văn An', contact => '0912345678'}));
is($r->{status}, 201, 'a question') or diag($r->{content});

sub totals ($q) {
    my $r = $t->get("/api/v1/stats?subject=feedback$q");
    is($r->{status}, 200, "stats$q: 200") or diag($r->{content});
    my $j = eval { $json->decode($r->{content}) } // {};
    return [@{$j->{totals} // {}}{qw(carried_over received pending)}],
        $j->{groups};
}

for my $q ('&from=1990-01-01', '&from=1990-01-02', '&period=all', '',
           '&from=1990-01-01&to=2024-02-01') {
    my ($tot) = totals($q);
    is_deeply($tot, [0, 1, 1],
        "$q: received in the period, nothing carried over");
}

my ($tot, $groups) = totals('&from=1990-01-01&group=agency');
is_deeply([map { @$_{qw(agency carried_over received)} } @{$groups // []}],
    ['000.00.12.H36', 0, 1], 'and its agency\'s group too');

# a period wholly before it: nothing at all
($tot) = totals('&from=1990-01-01&to=2000-12-31');
is_deeply($tot, [0, 0, 0], 'a period before the first question: zeros');

ok($t->check_log, 'no error in the log');

done_testing();
