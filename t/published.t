#!/usr/bin/perl

# Published figures (issue 18): a closed month's per-agency figures are
# frozen when it closes plus onestop_report_grace_days; a record written
# after that changes today's figures but not the published ones
# (GET /api/v1/stats?as=published), and the difference lists its code.
# Today is moved by restarting nginx with another ONESTOP_TODAY.

use v5.36;
use utf8;

use lib 't/lib';

use Digest::SHA qw(sha256_hex);
use JSON::PP;
use Test::More;

use Onestop::Test;

my $json = JSON::PP->new->utf8->canonical;

my $t = Onestop::Test->new(today => '2024-02-03');
$t->spew('keys', sha256_hex('pub-admin') . " * admin\n");

sub conf (%o) {
    return $t->standard_conf(serve => [qw(ingest stats lookup)],
        http => $o{http} // "onestop_report_grace_days 5;\n");
}

$t->write_conf(conf());
ok($t->start, 'nginx starts') or BAIL_OUT('nginx did not start');

my %admin = (Authorization => 'Bearer pub-admin');
my $r = $t->http('POST', '/api/v1/ingest/catalog', headers => \%admin,
    body => Onestop::Test::catalog_json());
is($r->{status}, 200, 'catalog');

my $TP = '000.00.12.H36';
my $XD = '000.00.15.H36';

sub write_recs (@recs) {
    my $body = join '', map {
        $json->encode({procedure => '1.001234', channel => 'direct',
            applicant => {name => 'Phạm Thị Lan', phone => '0912345678'},
            version => 1, %$_}) . "\n"
    } @recs;
    my $r = $t->http('POST', '/api/v1/ingest/dossiers', headers => {%admin,
        'Content-Type' => 'application/x-ndjson'}, body => $body);
    is($r->{status}, 200, 'written: ' . join(' ', map { $_->{code} } @recs))
        or diag($r->{content});
}

sub stats ($q) {
    my $r = $t->get("/api/v1/stats?$q");
    return ($r, eval { $json->decode($r->{content}) } // {});
}

sub group_of ($j, $agency) {
    my ($g) = grep { $_->{agency} eq $agency } @{ $j->{groups} // [] };
    return $g // {};
}

my $JAN = 'from=2024-01-01&to=2024-01-31';

# January's dossiers, written on 3 February
write_recs(
    {code => "$TP-A1", agency => $TP, received_at => '2024-01-08T08:00:00+07:00',
     due_at => '2024-01-20', resolved_at => '2024-01-15T10:00:00+07:00'},
    {code => "$TP-A2", agency => $TP, received_at => '2024-01-10T08:00:00+07:00',
     due_at => '2024-01-25', channel => 'online'},
    {code => "$XD-B1", agency => $XD, procedure => '1.009999',
     received_at => '2024-01-12T08:00:00+07:00', due_at => '2024-02-20'},
);

# before the freeze day (1 February + 5 days): not published yet

my ($res, $j) = stats("$JAN&group=agency&as=published");
is($res->{status}, 400, 'January before 6 February: 400');
like($j->{error}{message} // '', qr/2024-01 are published on 2024-02-06/,
    'the error says when January is published');
like($j->{error}{message} // '', qr/up to 2023-12/,
    'and which months are published');

($res, $j) = stats("from=2023-12-01&to=2023-12-31&as=published");
is($res->{status}, 200, 'December is published (nothing in it)');
is($j->{totals}{received}, 0, 'December: nothing received');

# bad queries

for my $bad (['as=later', qr/as must be today or published/],
    ["$JAN&as=published&channel=online", qr/group is agency or top_agency/],
    ["$JAN&as=published&group=procedure", qr/group is agency or top_agency/],
    ["$JAN&as=published&interval=month", qr/interval/],
    ['from=2024-01-01&as=published', qr/needs from and to/],
    ['from=2023-12-02&to=2023-12-31&as=published', qr/whole months/],
    ['from=2023-12-01&to=2023-12-30&as=published', qr/whole months/],
    ["$JAN&as=published&as=published", qr/once|twice|more than/])
{
    my ($r, $e) = stats($bad->[0]);
    is($r->{status}, 400, "400 for $bad->[0]");
    like($e->{error}{message} // '', $bad->[1], '... and says why');
}

# 10 February: January is due.  With no write since its freeze day, the
# published figures are today's

$t->stop;
$ENV{ONESTOP_TODAY} = $t->{today} = '2024-02-10';
ok($t->start, 'restarted on 10 February');

my ($today_r, $today) = stats("$JAN&group=agency");
is($today_r->{status}, 200, "today's figures of January");
($res, $j) = stats("$JAN&group=agency&as=published");
is($res->{status}, 200, 'January published');
ok($j->{published}, '"published": true');
is($j->{published_through}, '2024-01', 'published through January');
is_deeply($j->{totals}{changed}, {}, 'nothing changed yet');
is_deeply($j->{totals}{changed_by}, [], 'no code');
for my $k (qw(carried_over received received_online received_direct
    resolved_early pending pending_overdue))
{
    is($j->{totals}{$k}, $today->{totals}{$k}, "published $k = today's");
}
is(group_of($j, $TP)->{received}, 2, 'the justice department received 2 in January');
is(group_of($j, $XD)->{received}, 1, 'the construction department received 1');
my $published = $j;
like($res->{headers}{'cache-control'} // '', qr/public/, 'public caching');
ok($res->{headers}{etag}, 'an ETag');

# a late record received in January, written on 10 February (this write
# freezes January first); a version of B1 that changes no figure; a
# deletion of A1

write_recs({code => "$TP-LATE", agency => $TP, channel => 'postal',
    received_at => '2024-01-15T08:00:00+07:00', due_at => '2024-01-30'});
write_recs({code => "$XD-B1", agency => $XD, procedure => '1.009999',
    version => 2, received_at => '2024-01-12T08:00:00+07:00',
    due_at => '2024-02-20',
    applicant => {name => 'Phạm Thị Lan', phone => '0987654321'}});

($today_r, $today) = stats("$JAN&group=agency");
is($today->{totals}{received}, 4, "today's figures: 4 received in January");
is(group_of($today, $TP)->{received_postal}, 1, '... one by post');

($res, $j) = stats("$JAN&group=agency&as=published");
is($res->{status}, 200, 'January published, after the late record');
is($j->{totals}{received}, 3, 'the published figures did not move');
is(group_of($j, $TP)->{received}, 2, "... nor the agency's");
is_deeply($j->{totals}{changed}{received}, {published => 3, today => 4},
    'totals: received published 3, today 4');
is_deeply(group_of($j, $TP)->{changed}{received},
    {published => 2, today => 3}, "the agency's difference");
is_deeply(group_of($j, $TP)->{changed}{received_postal},
    {published => 0, today => 1}, '... by post');
is_deeply($j->{totals}{changed_by}, ["$TP-LATE"],
    'the difference lists the late code (not B1, whose figures did not move)');
is_deeply(group_of($j, $TP)->{changed_by}, ["$TP-LATE"], '... in its agency');
is_deeply(group_of($j, $XD)->{changed_by}, [], 'none for the other agency');
is_deeply(group_of($j, $XD)->{changed}, {}, 'whose figures are the same');
unlike($res->{content}, qr/Phạm|091234|098765/, 'no personal data');

my $r2 = $t->http('DELETE', "/api/v1/ingest/dossiers/$TP-A1",
    headers => \%admin);
is($r2->{status}, 200, 'A1 deleted');
($res, $j) = stats("$JAN&group=agency&as=published");
is_deeply(group_of($j, $TP)->{changed_by}, ["$TP-A1", "$TP-LATE"],
    'a deletion is listed too');
is(group_of($j, $TP)->{resolved_early}, 1, 'its resolution stays published');
is_deeply(group_of($j, $TP)->{changed}{resolved_early},
    {published => 1, today => 0}, 'and today has none');

# top_agency and the agency filter

($res, my $top) = stats("$JAN&group=top_agency&as=published");
is($res->{status}, 200, 'group=top_agency');
is(scalar @{ $top->{groups} }, 2, 'two top agencies');
($res, my $one) = stats("$JAN&agency=$XD&as=published");
is($one->{totals}{received}, 1, 'agency= keeps one agency');
is_deeply($one->{totals}{changed_by}, [], '... and its codes');

# CSV: the published figures

($res) = stats("$JAN&group=agency&as=published&format=csv");
is($res->{status}, 200, 'CSV');
my $csv = $res->{content};
utf8::decode($csv);
like($csv, qr/^\x{feff}?agency,agency_name,carried_over,received,/,
    'the ordinary columns');
like($csv, qr/^$TP,[^,]*,0,2,/m, 'the published received (2)');

# the CLI: the same answer

my ($rc, $out, $err) = $t->cli('stats', '--from', '2024-01-01', '--to',
    '2024-01-31', '--group', 'agency', '--as', 'published');
is($rc, 0, 'the CLI answers') or diag($err);
($res, $j) = stats("$JAN&group=agency&as=published");
is_deeply(eval { $json->decode($out) }, $j, 'the same answer as HTTP');

# a restart keeps the published figures

$t->stop;
ok($t->start, 'restarted');
($res, my $again) = stats("$JAN&group=agency&as=published");
is_deeply($again, $j, 'the published figures survive the restart');

# a counter of the statistics like any other: an apology letter issued in
# January, written now

write_recs({code => "$TP-A2", agency => $TP, version => 2, channel => 'online',
    received_at => '2024-01-10T08:00:00+07:00', due_at => '2024-01-25',
    apology => {issued_at => '2024-01-24', new_due_at => '2024-02-28',
        reason => 'Cần xác minh thêm'}});
($res, $j) = stats("$JAN&group=agency&as=published");
is_deeply(group_of($j, $TP)->{changed}{apologies_issued},
    {published => 0, today => 1}, 'a letter of January issued late: listed');
is_deeply(group_of($j, $TP)->{changed_by}, ["$TP-A1", "$TP-A2", "$TP-LATE"],
    '... with its code');

# the directive: its range, its syntax; grace 0 publishes on the 1st

for my $bad (['40', qr/value must be between 0 and 31 in .*nginx.conf:\d+/],
    ['-1', qr/invalid|must be/], ['five', qr/invalid/])
{
    $t->write_conf(conf(http => "onestop_report_grace_days $bad->[0];\n"));
    my ($st, $msg) = $t->test_conf;
    isnt($st, 0, "onestop_report_grace_days $bad->[0] refused");
    like($msg, $bad->[1], '... with a clear message');
}

$t->write_conf(conf(http => "onestop_report_grace_days 1;\n"
    . "onestop_report_grace_days 2;\n"));
my ($st, $msg) = $t->test_conf;
isnt($st, 0, 'the directive twice is refused');
like($msg, qr/duplicate/, '... as a duplicate');

$t->stop;
$ENV{ONESTOP_TODAY} = $t->{today} = '2024-03-01';
$t->write_conf(conf());
ok($t->start, 'restarted on 1 March, grace 5');
($res) = stats('from=2024-02-01&to=2024-02-29&as=published');
is($res->{status}, 400, 'February is not published on 1 March with grace 5');
$t->stop;
$t->write_conf(conf(http => "onestop_report_grace_days 0;\n"));
ok($t->start, 'grace 0');
($res, $j) = stats('from=2024-02-01&to=2024-02-29&as=published');
is($res->{status}, 200, 'February is published on 1 March with grace 0');

# the CLI freezes on the same day: the grace is the store's

($rc, $out) = $t->cli('stats', '--from', '2024-02-01', '--to', '2024-02-29',
    '--as', 'published');
is($rc, 0, 'the CLI reads the grace nginx recorded (0)');

# the groups in the ordinary answer's order (ids by bytes), not in the
# order the catalog named the agencies (000.30.01.H36 came before
# 000.00.31.H36): March, read as it will be frozen

write_recs(map {
    {code => "ORD-$_", agency => $_, procedure => '1.000894',
     received_at => '2024-03-01T08:00:00+07:00', due_at => '2024-03-20'}
} '000.30.01.H36', '000.00.31.H36', $TP);
$t->stop;
$ENV{ONESTOP_TODAY} = $t->{today} = '2024-04-01';
ok($t->start, 'restarted on 1 April, grace 0');
my $MAR = 'from=2024-03-01&to=2024-03-31&group=agency';
my ($res_today, $j_today) = stats($MAR);
($res, $j) = stats("$MAR&as=published");
is($res->{status}, 200, 'March as published') or diag($res->{content});
my @order = map { $_->{agency} } @{ $j_today->{groups} };
is_deeply(\@order, [sort @order], "today's groups: ids by bytes");
is_deeply([map { $_->{agency} } @{ $j->{groups} }], \@order,
    'as=published: the same groups in the same order');
my @rows = map { (split /,/)[0] } grep { /^0/ }
    split /\r\n/, $t->get("/api/v1/stats?$MAR&as=published&format=csv")
    ->{content};
is_deeply(\@rows, \@order, 'and its CSV rows');
($rc, $out) = $t->cli('stats', '--from', '2024-03-01', '--to', '2024-03-31',
    '--group', 'agency', '--as', 'published');
is_deeply([map { $_->{agency} } @{ (eval { $json->decode($out) } // {})
    ->{groups} // [] }], \@order, 'and the CLI');

# a month once published stays published: March frozen by a write on 1
# April (grace 0), then nginx restarted with a longer grace the same day.
# (Until 7 December 2026 March answered 400, "published on 2024-04-06",
# though its figures had been frozen and served.)

write_recs({code => 'ORD-APR', agency => $TP, procedure => '1.000894',
    received_at => '2024-04-01T08:00:00+07:00', due_at => '2024-04-20'});
($res, my $frozen) = stats("$MAR&as=published");
is($res->{status}, 200, 'March frozen on 1 April, grace 0');
$t->stop;
$t->write_conf(conf());
ok($t->start, 'restarted on 1 April with grace 5');
($res, $j) = stats("$MAR&as=published");
is($res->{status}, 200, 'March is still published') or diag($res->{content});
is_deeply($j, $frozen, '... with the same figures');
is($j->{published_through}, '2024-03', '... and published through March');
($rc, $out) = $t->cli('stats', '--from', '2024-03-01', '--to', '2024-03-31',
    '--group', 'agency', '--as', 'published');
is($rc, 0, 'the CLI too');
($res, $j) = stats('from=2024-04-01&to=2024-04-30&as=published');
is($res->{status}, 400, 'April is not published');

$t->stop;
done_testing;
