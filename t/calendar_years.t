#!/usr/bin/perl

# A calendar file that knows nothing of a year counts that year's public
# holidays and Tết as working days: an online dossier sent on the first
# day of Tết would be received that day (Điều 9.1), a question's 15
# working days (Điều 13.3.b) would run through the holidays. So nginx
# warns, at start, reload and nginx -t, when the file names no day of
# the current year, or of the year 45 days ahead (as far as a due date
# computed now can reach): the shipped file (2019-2027) is silent on
# 8 December 2026, and warns of 2028 from 17 November 2027; a file of
# 2024 alone warns of 2025 on a day of 2025. A weekends-only
# configuration (no onestop_calendar) is the operator's choice, unwarned.

use v5.36;
use utf8;

use lib 't/lib';

use Digest::SHA qw(sha256_hex);
use Encode qw(decode encode);
use Test::More;

use Onestop::Test;

binmode(Test::More->builder->$_, ':encoding(UTF-8)')
    for qw(output failure_output todo_output);

my $root = $Onestop::Test::ROOT;

sub warned ($t) {
    my @w = grep { /\[warn\].*onestop_calendar/ }
        split /\n/, decode('UTF-8', $t->error_log);
    return join("\n", @w);
}

sub run ($today, $http, $what) {
    my $t = Onestop::Test->new(today => $today);
    $t->spew('keys', sha256_hex('cy-key') . " * admin\n");
    $t->write_standard_conf(serve => [qw(lookup)], http => $http);
    ok($t->start, "$what: nginx starts") or diag($t->error_log);
    my ($rc, $out) = $t->test_conf;
    is($rc, 0, "$what: nginx -t passes");
    # at start nginx says configuration warnings on its standard error
    # (the journal, under systemd); at a reload, in error.log
    ok($t->reload, "$what: nginx reloads");
    $t->check_log;
    my $w = warned($t);
    $t->stop;
    return ($w, decode('UTF-8', $out));
}

my $shipped = "onestop_calendar $root/conf/calendar-vn.txt;\n";

my ($w, $out) = run('2026-12-08', $shipped, 'the shipped file, 2026-12-08');
is($w, '', '... no warning: 2026 and 2027 are in the file');

($w, $out) = run('2027-11-16', $shipped, 'the shipped file, 2027-11-16');
is($w, '', '... no warning: 45 days ahead is 31 December 2027');

($w, $out) = run('2027-11-17', $shipped, 'the shipped file, 2027-11-17');
like($w, qr/onestop_calendar: the file names no day of 2028: its holidays count as working days/,
    '... warns of 2028, which 45 days ahead reaches (error.log, at reload)');
like($out, qr/\[warn\].*names no day of 2028/, '... and nginx -t says it');

my $t = Onestop::Test->new(today => '2025-03-01');
$t->spew('keys', sha256_hex('cy-key') . " * admin\n");
$t->spew('cal2024.txt', encode('UTF-8', "2024-01-01 off Tết Dương lịch\n"
    . "2024-02-12 off Tết Nguyên đán\n"));
my $dir = $t->dir;
$t->write_standard_conf(serve => [qw(lookup)],
    http => "onestop_calendar $dir/cal2024.txt;\n");
ok($t->start, 'a file of 2024 alone, on 2025-03-01: nginx starts');
ok($t->reload, '... reloads');
like(warned($t), qr/names no day of 2025/, '... warns of this year, 2025');
$t->check_log;
$t->stop;

($w, $out) = run('2031-05-01', "onestop_office_hours 07:30-17:00;\n",
    'no calendar file, office hours only');
is($w, '', '... no warning: weekends only, as configured');

done_testing();
