#!/usr/bin/perl

# The regulation's finer points of issue 18, through nginx:
#   - every apology letter kept (Điều 11.3): two letters across versions
#     are both in the lookup, the page, the published list and
#     apologies_issued; the same issue time corrects a letter;
#   - moved due dates kept: old and new date, when, by which key, why, and
#     whether the old one had passed; due_moved_late in the statistics
#     and /metrics; the key's name only in the writers' own view;
#   - dossiers without a deadline (due_at null): received and resolved,
#     never early, on time, late or overdue; out of the on-time rate;
#   - the return channel as a grouping and a filter.

use v5.36;
use utf8;

use lib 't/lib';

use Digest::SHA qw(sha256_hex);
use Encode qw(decode);
use JSON::PP;
use Test::More;

use Onestop::Test;

binmode(Test::More->builder->$_, ':encoding(UTF-8)')
    for qw(output failure_output todo_output);

my $json = JSON::PP->new->utf8->canonical;

my $t = Onestop::Test->new(today => '2024-06-15');
$t->spew('keys', sha256_hex('dh-admin') . " * so-tu-phap-mot-cua\n");
$t->write_standard_conf(serve => [qw(ingest lookup lookup_page stats
    apologies metrics)]);
ok($t->start, 'nginx starts') or BAIL_OUT('nginx did not start');

my %admin = (Authorization => 'Bearer dh-admin');
my $r = $t->http('POST', '/api/v1/ingest/catalog', headers => \%admin,
    body => Onestop::Test::catalog_json());
is($r->{status}, 200, 'catalog');

sub write_rec (%m) {
    my %rec = (agency => '000.00.12.H36', procedure => '1.001234',
        channel => 'direct', applicant => {name => 'Phạm Thị Lan'},
        received_at => '2024-06-03T08:00:00+07:00', %m);
    my $r = $t->http('POST', '/api/v1/ingest/dossiers', headers => {%admin,
        'Content-Type' => 'application/json'}, body => $json->encode(\%rec));
    return $r;
}

sub get_json ($path, %h) {
    my $r = $t->get($path, %h ? (headers => \%h) : ());
    return ($r, eval { $json->decode($r->{content}) } // {});
}

sub totals ($qs) {
    my ($r, $j) = get_json("/api/v1/stats?$qs");
    is($r->{status}, 200, "stats?$qs: 200") or diag($r->{content});
    return $j->{totals} // {};
}

my $j;

# --- every apology letter kept -------------------------------------------

$r = write_rec(code => 'DH-AP', version => 1, due_at => '2024-06-07',
    apology => {issued_at => '2024-06-06T09:00:00+07:00',
        new_due_at => '2024-06-10', reason => 'Chờ ý kiến của Lan'});
is($r->{status}, 200, 'a dossier with a first letter') or diag($r->{content});
$r = write_rec(code => 'DH-AP', version => 2, due_at => '2024-06-07',
    apology => {issued_at => '2024-06-10T16:00:00+07:00',
        new_due_at => '2024-06-14', reason => 'Cần xác minh thêm'});
is($r->{status}, 200, 'a second letter in a later version')
    or diag($r->{content});

($r, $j) = get_json('/api/v1/dossiers/DH-AP');
is($r->{status}, 200, 'lookup: 200');
is_deeply($j->{apology}, {issued_date => '2024-06-10',
    new_due_date => '2024-06-14', reason => 'Cần xác minh thêm'},
    'apology: the latest letter');
is_deeply($j->{apologies}, [
    {issued_date => '2024-06-06', new_due_date => '2024-06-10',
        reason => 'Chờ ý kiến của L.'},
    {issued_date => '2024-06-10', new_due_date => '2024-06-14',
        reason => 'Cần xác minh thêm'}],
    'apologies: both letters, oldest first, the name in the reason masked');
is($j->{timeliness}, 'overdue', 'lateness still judged by the first due date');

$r = $t->get('/tra-cuu/DH-AP');
my $page = decode('UTF-8', $r->{content});
is(scalar(() = $page =~ /Phiếu xin lỗi và hẹn lại ngày trả kết quả/g), 2,
    'the page shows both letters');

($r, $j) = get_json('/api/v1/apologies?limit=10');
is_deeply([map { "$_->{code} $_->{issued_date}" } @{$j->{items}}],
    ['DH-AP 2024-06-10', 'DH-AP 2024-06-06'],
    'the published list: one entry a letter, newest first');

is(totals('from=2024-06-01&to=2024-06-15')->{apologies_issued}, 2,
    'apologies_issued: two letters in June');
is(totals('from=2024-06-07&to=2024-06-15')->{apologies_issued}, 1,
    'one from the 7th (each by its own issue date)');

# the same issue time again: the letter corrected, not a third one
$r = write_rec(code => 'DH-AP', version => 3, due_at => '2024-06-07',
    apology => {issued_at => '2024-06-10T09:00:00Z',
        new_due_at => '2024-06-14', reason => 'Cần xác minh thêm hồ sơ'});
is($r->{status}, 200, 'the latest letter sent again, its reason corrected');
($r, $j) = get_json('/api/v1/dossiers/DH-AP');
is(scalar @{$j->{apologies}}, 2, 'still two letters');
is($j->{apologies}[1]{reason}, 'Cần xác minh thêm hồ sơ',
    'the second one corrected');

# a version without a letter keeps those issued
$r = write_rec(code => 'DH-AP', version => 4, due_at => '2024-06-07',
    resolved_at => '2024-06-13');
is($r->{status}, 200, 'resolved, no letter in this version');
($r, $j) = get_json('/api/v1/dossiers/DH-AP');
is($j->{apology}, undef, 'no current letter');
is(scalar @{$j->{apologies}}, 2, 'the two letters issued are kept');
is($j->{timeliness}, 'late', 'resolved late');
is(totals('period=month')->{apologies_issued}, 2, 'and still counted');

# a deletion takes them away
$r = $t->http('DELETE', '/api/v1/ingest/dossiers/DH-AP', headers => \%admin);
is($r->{status}, 200, 'deleted');
is(totals('period=month')->{apologies_issued}, 0, 'no letter counted');
($r, $j) = get_json('/api/v1/apologies');
is_deeply($j->{items}, [], 'none published');

# --- moved due dates kept --------------------------------------------------

$r = write_rec(code => 'DH-MV', version => 1, due_at => '2024-06-10');
is($r->{status}, 200, 'a dossier due on 10/6');
$r = write_rec(code => 'DH-MV', version => 2, due_at => '2024-06-12',
    due_change => 'supplement');
is($r->{status}, 200, 'moved after it passed, for a supplement');
$r = write_rec(code => 'DH-MV', version => 3, due_at => '2024-06-20',
    due_change => 'correction');
is($r->{status}, 200, 'moved again, corrected');
$r = write_rec(code => 'DH-SOON', version => 1, due_at => '2024-06-20');
$r = write_rec(code => 'DH-SOON', version => 2, due_at => '2024-06-21');
is($r->{status}, 200, 'another moved before it passed');

($r, $j) = get_json('/api/v1/dossiers/DH-MV');
is_deeply($j->{due_changes}, [
    {from => '2024-06-10', to => '2024-06-12', changed_date => '2024-06-15',
        after_due => JSON::PP::true, due_change => 'supplement'},
    {from => '2024-06-12', to => '2024-06-20', changed_date => '2024-06-15',
        after_due => JSON::PP::true, due_change => 'correction'}],
    'the lookup shows both changes, without the key')
    or diag($r->{content});
($r, $j) = get_json('/api/v1/dossiers/DH-SOON');
is_deeply([map { [$_->{after_due} ? 1 : 0, $_->{due_change}] }
    @{$j->{due_changes}}], [[0, undef]], 'a move before the date: not late');

($r, $j) = get_json('/api/v1/ingest/dossiers/DH-MV', %admin);
is($r->{status}, 200, 'the writers\' view: 200') or diag($r->{content});
is_deeply([map { $_->{by} } @{$j->{due_changes} // []}],
    ['so-tu-phap-mot-cua', 'so-tu-phap-mot-cua'],
    'the writers\' view names the key that moved it');
$r = write_rec(%$j, version => 4);
is($r->{status}, 200, 'a sync partner writes that view back as it is')
    or diag($r->{content});
($r, $j) = get_json('/api/v1/dossiers/DH-MV');
is(scalar @{$j->{due_changes}}, 2, 'its read-only history changes nothing');

$r = $t->get('/tra-cuu/DH-MV');
$page = decode('UTF-8', $r->{content});
like($page, qr/Thay đổi ngày hẹn trả kết quả.*bổ sung hồ sơ.*khi đã quá hạn/s,
    'the page lists the changes');

is(totals('period=month')->{due_moved_late}, 1,
    'due_moved_late: one dossier (moved late twice counts once)');
is(totals('from=2024-06-01&to=2024-06-14')->{due_moved_late}, 0,
    'counted on the day of the move');
$r = $t->get('/metrics');
like($r->{content},
    qr/^onestop_dossiers_due_moved_late\{agency="000\.00\.12\.H36",channel="direct"\} 1$/m,
    '/metrics: per top agency');

# --- without a deadline ----------------------------------------------------

$r = write_rec(code => 'DH-FREE', version => 1, due_at => undef,
    resolved_at => '2024-06-05');
is($r->{status}, 200, 'due_at null: a procedure without a deadline')
    or diag($r->{content});
$r = write_rec(code => 'DH-FREE2', version => 1, due_at => undef);
is($r->{status}, 200, 'another, pending');
my %rec = (code => 'DH-NODUE', version => 1, agency => '000.00.12.H36',
    procedure => '1.001234', channel => 'direct',
    applicant => {name => 'Phạm Thị Lan'}, received_at => '2024-06-03');
$r = $t->http('POST', '/api/v1/ingest/dossiers', headers => \%admin,
    body => $json->encode(\%rec));
is($r->{status}, 422, 'due_at left out: still 422');
like($r->{content}, qr/null for a procedure without a deadline/,
    'the message says how to write one');
$r = write_rec(code => 'DH-FREE3', version => 1, due_at => undef,
    apology => {issued_at => '2024-06-05', new_due_at => '2024-06-08'});
is($r->{status}, 422, 'an apology without a deadline: 422');

($r, $j) = get_json('/api/v1/dossiers/DH-FREE');
is($j->{due_date}, undef, 'lookup: due_date null');
is($j->{timeliness}, undef, 'timeliness null');
is($j->{status_text}, 'Đã giải quyết', 'the status text without a judgement');
($r, $j) = get_json('/api/v1/dossiers/DH-FREE2');
is($j->{status_text}, 'Đang giải quyết', 'pending, never overdue');
$r = $t->get('/tra-cuu/DH-FREE');
like(decode('UTF-8', $r->{content}), qr/Không quy định thời hạn/,
    'the page says there is no deadline');

my $m = totals('period=month');
is($m->{resolved_no_deadline}, 1, 'resolved_no_deadline');
is($m->{resolved}, $m->{resolved_early} + $m->{resolved_on_time}
    + $m->{resolved_late} + $m->{resolved_no_deadline},
    'resolved includes it');
is($m->{carried_over} + $m->{received},
    $m->{resolved} + $m->{withdrawn} + $m->{pending}, 'the identity holds');
is($m->{pending_overdue} + $m->{pending_not_due}, $m->{pending},
    'pending split');
my $judged = $m->{resolved} - $m->{resolved_no_deadline};
is($m->{on_time_rate}, $judged ? $m->{resolved_in_time} / $judged : undef,
    'the on-time rate leaves it out');
is($m->{resolution_rate}, $m->{resolved} / ($m->{carried_over}
    + $m->{received}), 'the resolution rate counts it');

# --- by return channel -------------------------------------------------------

$r = write_rec(code => 'DH-POST', version => 1, due_at => '2024-06-12',
    return_channel => 'postal', resolved_at => '2024-06-11',
    returned_at => '2024-06-12');
is($r->{status}, 200, 'a result returned by post');
$r = write_rec(code => 'DH-POST2', version => 1, due_at => '2024-06-20',
    return_channel => 'postal', channel => 'online');
is($r->{status}, 200, 'another registered for postal return, pending');

($r, $j) = get_json('/api/v1/stats?period=month&group=return_channel');
is($r->{status}, 200, 'group=return_channel: 200') or diag($r->{content});
my %by = map { $_->{return_channel} => $_ } @{$j->{groups} // []};
is($by{postal}{received}, 2, 'postal: two received');
is($by{postal}{resolved}, 1, 'one resolved');
is($by{postal}{pending}, 1, 'one pending');
is($by{postal}{returned_postal}, 1, 'one returned by post');
is($by{postal}{received_online}, 1, 'the intake channel still known');
my $sum = 0;
$sum += $_->{received} for values %by;
is($sum, $j->{totals}{received}, 'the return channels add up to the total');

my $p = totals('period=month&return_channel=postal&group=channel');
is($p->{received}, 2, 'return_channel=postal as a filter');
($r) = get_json('/api/v1/stats?group=field,return_channel');
is($r->{status}, 400, 'with field: 400');
like($r->{content}, qr/return_channel/, 'saying why');
($r) = get_json('/api/v1/stats?return_channel=pigeon');
is($r->{status}, 400, 'an unknown return channel: 400');

($r) = get_json('/api/v1/stats?period=month&group=return_channel&format=csv');
like($r->{content}, qr/^(?:\xEF\xBB\xBF)?return_channel,/m,
    'CSV: the return_channel column');

my ($rc, $out) = $t->cli('verify');
is($rc, 0, 'verify: every counter equals the records') or diag($out);

$t->check_log;

done_testing;
