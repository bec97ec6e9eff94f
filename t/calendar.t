#!/usr/bin/perl

# The working-day calendar and Điều 9.1 through nginx and the CLI: an
# online dossier sent with submitted_at and no received_at is received at
# the next opening of the office when it came after 17:00 or on a day off
# (Friday 17:30 -> Monday 07:00; the evening before Tết -> the first
# working day after it), the lookup shows both moments, a given
# received_at is kept and counted as given, statistics count the derived
# day, the rules' refusals, onestop_office_hours, and nginx -t on a bad
# calendar file.

use v5.36;
use utf8;

use lib 't/lib';

use Digest::SHA qw(sha256_hex);
use Encode qw(decode encode);
use JSON::PP;
use Test::More;

use Onestop::Test;

binmode(Test::More->builder->$_, ':encoding(UTF-8)')
    for qw(output failure_output todo_output);

my $json = JSON::PP->new->utf8->canonical;
my $root = $Onestop::Test::ROOT;

my $t = Onestop::Test->new(today => '2024-06-20');
$t->spew('keys', sha256_hex('cal-admin-key') . " * admin\n");
$t->write_standard_conf(serve => [qw(ingest lookup lookup_page stats)],
    http => "onestop_calendar $root/conf/calendar-vn.txt;\n"
          . "onestop_office_hours 07:00-17:00;\n");
ok($t->start, 'nginx starts with onestop_calendar and onestop_office_hours')
    or BAIL_OUT('nginx did not start');

my %admin = (Authorization => 'Bearer cal-admin-key');
my $r = $t->http('POST', '/api/v1/ingest/catalog', headers => \%admin,
    body => Onestop::Test::catalog_json());
is($r->{status}, 200, 'catalog') or diag($r->{content});

sub rec ($code, %m) {
    return {code => $code, version => 1, agency => '000.00.12.H36',
        procedure => '1.001234', channel => 'online',
        applicant => {name => 'Nguyễn Văn An'},
        due_at => '2024-06-28', %m};
}

sub ingest (@recs) {
    my $r = $t->http('POST', '/api/v1/ingest/dossiers', headers => \%admin,
        body => $json->encode([@recs]));
    return ($r, eval { $json->decode($r->{content}) });
}

sub lookup ($code) {
    my $r = $t->get("/api/v1/dossiers/$code");
    return eval { $json->decode($r->{content}) } // {};
}

my ($j);
($r, $j) = ingest(
    rec('ON-FRI-1730', submitted_at => '2024-06-14T17:30:00+07:00'),
    rec('ON-FRI-1000', submitted_at => '2024-06-14T10:00:00+07:00'),
    rec('ON-SAT', submitted_at => '2024-06-15T09:00:00+07:00'),
    rec('ON-EARLY', submitted_at => '2024-06-17T06:15:00+07:00'),
    rec('ON-TET', submitted_at => '2024-02-07T18:00:00+07:00',
        due_at => '2024-02-20'),
    rec('ON-GIVEN', submitted_at => '2024-06-14T17:30:00+07:00',
        received_at => '2024-06-14T17:45:00+07:00'),
    rec('ON-UTC', submitted_at => '2024-06-14T10:30:00Z'),
);
is($r->{status}, 200, 'online dossiers with submitted_at accepted')
    or diag($r->{content});

my $l = lookup('ON-FRI-1730');
is_deeply([@$l{qw(received_date submitted_at received_at)}],
    ['2024-06-17', '2024-06-14T17:30:00+07:00', '2024-06-17T07:00:00+07:00'],
    'Friday 17:30: received Monday 07:00, both shown');
$l = lookup('ON-FRI-1000');
is_deeply([@$l{qw(received_date received_at)}],
    ['2024-06-14', '2024-06-14T10:00:00+07:00'],
    'Friday 10:00: received as submitted');
is(lookup('ON-SAT')->{received_at}, '2024-06-17T07:00:00+07:00',
    'Saturday: Monday 07:00');
is(lookup('ON-EARLY')->{received_at}, '2024-06-17T07:00:00+07:00',
    'before opening: the same day at 07:00');
is(lookup('ON-TET')->{received_at}, '2024-02-15T07:00:00+07:00',
    'the evening before Tết 2024: the first working day after it');
is(lookup('ON-UTC')->{received_at}, '2024-06-17T07:00:00+07:00',
    'a submission in UTC (17:30 local): Monday');
$l = lookup('ON-GIVEN');
is_deeply([@$l{qw(received_date submitted_at received_at)}],
    ['2024-06-14', '2024-06-14T17:30:00+07:00', '2024-06-14T17:45:00+07:00'],
    'a given received_at is kept');

my %members = map { $_ => 1 } keys %{ lookup('ON-FRI-1000') };
$r = $t->http('POST', '/api/v1/ingest/dossiers', headers => \%admin,
    body => $json->encode({%{ rec('PLAIN-1', received_at => '2024-06-14') },
        channel => 'direct'}));
is($r->{status}, 200, 'a dossier without submitted_at');
ok(!exists lookup('PLAIN-1')->{submitted_at}
    && !exists lookup('PLAIN-1')->{received_at},
    'without submitted_at the lookup has its usual members only');

# the page shows both
$r = $t->get('/tra-cuu/ON-FRI-1730');
my $page = decode('UTF-8', $r->{content});
like($page, qr/Nộp trực tuyến lúc.*17 giờ 30, ngày 14\/06\/2024/s,
    'the page shows the submission');
like($page, qr/Ngày tiếp nhận.*07 giờ 00, ngày 17\/06\/2024/s,
    'and the received moment');

# statistics count the derived day, and a given one as given
$r = $t->get('/api/v1/stats?from=2024-06-17&to=2024-06-17');
$j = eval { $json->decode($r->{content}) };
is($j->{totals}{received}, 4, 'received on Monday 17/6: the four derived');
$r = $t->get('/api/v1/stats?from=2024-06-14&to=2024-06-14');
$j = eval { $json->decode($r->{content}) };
is($j->{totals}{received}, 3,
    'received on Friday 14/6: 10:00, the given one, and the direct one');

# the rules
($r, $j) = ingest({%{ rec('BAD-DIRECT',
    submitted_at => '2024-06-14T10:00:00+07:00') }, channel => 'direct'});
is($r->{status}, 422, 'a direct dossier still needs received_at');
like($j->{error}{items}[0]{message} // '', qr/received_at is required/,
    'with its message');
($r, $j) = ingest(rec('BAD-DATE', submitted_at => '2024-06-14'));
is($r->{status}, 422, 'submitted_at as a date: 422');
like($j->{error}{items}[0]{message} // '', qr/submitted_at must be an RFC/,
    'it needs the hour');
($r, $j) = ingest(rec('BAD-ORDER', submitted_at => '2024-06-14T10:00:00+07:00',
    received_at => '2024-06-13'));
is($r->{status}, 422, 'received before submitted: 422');
($r, $j) = ingest(rec('BAD-DUE', submitted_at => '2024-06-14T17:30:00+07:00',
    due_at => '2024-06-14'));
is($r->{status}, 422, 'a due date before the derived receipt: 422');
like($j->{error}{items}[0]{message} // '', qr/due_at is before received_at/,
    'with the usual message');
is(lookup('BAD-DUE')->{code}, undef, 'nothing of it stored');

# the same record again: unchanged (the derivation is the same)
($r, $j) = ingest(rec('ON-FRI-1730', submitted_at => '2024-06-14T17:30:00+07:00'));
is_deeply($j, {accepted => 0, unchanged => 1, stale => 0},
    'sent again: unchanged');

# the CLI: the same rule with --calendar; without it Tết is not known
my $nd = $json->encode(rec('CLI-TET', submitted_at => '2024-02-07T18:00:00+07:00',
    due_at => '2024-02-20')) . "\n";
my ($rc, $out, $err) = $t->cli('--calendar', "$root/conf/calendar-vn.txt",
    'import', '-', \$nd);
is($rc, 0, 'CLI import with --calendar') or diag($err);
($rc, $out) = $t->cli('get', 'CLI-TET');
is(eval { $json->decode($out)->{received_at} }, '2024-02-15T07:00:00+07:00',
    'the CLI derives by the calendar');
$nd = $json->encode(rec('CLI-PLAIN', submitted_at => '2024-02-07T18:00:00+07:00',
    due_at => '2024-02-20')) . "\n";
($rc) = $t->cli('--office-hours', '08:00-16:30', 'import', '-', \$nd);
($rc, $out) = $t->cli('get', 'CLI-PLAIN');
is(eval { $json->decode($out)->{received_at} }, '2024-02-08T08:00:00+07:00',
    'without a calendar: weekends only, and --office-hours');

# without --calendar and --office-hours, the CLI derives as nginx does:
# nginx recorded its onestop_calendar and onestop_office_hours in the store
# when it opened it (it derived by weekends alone, and an online dossier
# sent the evening before Tết was received on a day of Tết)
$nd = $json->encode(rec('CLI-AS-NGINX',
    submitted_at => '2024-02-07T18:00:00+07:00', due_at => '2024-02-20')) . "\n";
($rc, $out, $err) = $t->cli('import', '-', \$nd);
is($rc, 0, 'CLI import without --calendar') or diag($err);
($rc, $out) = $t->cli('get', 'CLI-AS-NGINX');
is(eval { $json->decode($out)->{received_at} }, '2024-02-15T07:00:00+07:00',
    'derives by the calendar nginx recorded in the store');

# the derived moment stays when the hours (or the calendar) change later:
# the same record again is unchanged, and a later version of the same
# submission keeps it (docs/rules.md section 10)
($rc, $out, $err) = $t->cli('import', '-', \$nd);
is($rc, 0, 'sent again under other office hours') or diag($err);
is(eval { $json->decode($out)->{unchanged} }, 1, 'and unchanged')
    or diag($out);
$nd = $json->encode(rec('CLI-PLAIN', version => 2,
    submitted_at => '2024-02-07T18:00:00+07:00', due_at => '2024-02-20',
    resolved_at => '2024-02-19')) . "\n";
($rc, $out, $err) = $t->cli('import', '-', \$nd);
is($rc, 0, 'a later version under other office hours') or diag($err);
($rc, $out) = $t->cli('get', 'CLI-PLAIN');
is(eval { $json->decode($out)->{received_at} }, '2024-02-08T08:00:00+07:00',
    'keeps the moment derived when the dossier was first written');
is(eval { $json->decode($out)->{status} }, 'resolved', 'and is the new version');

# a later version with another submission derives anew (weekends only,
# as given)
$nd = $json->encode(rec('CLI-PLAIN', version => 3,
    submitted_at => '2024-02-07T19:00:00+07:00', due_at => '2024-02-20',
    resolved_at => '2024-02-19')) . "\n";
($rc, $out, $err) = $t->cli('--office-hours', '07:00-17:00', 'import', '-',
    \$nd);
is($rc, 0, 'a version with another submission') or diag($err);
($rc, $out) = $t->cli('get', 'CLI-PLAIN');
is(eval { $json->decode($out)->{received_at} }, '2024-02-08T07:00:00+07:00',
    'is derived by the hours in force');
($rc, $out, $err) = $t->cli('--calendar', "$root/no-such-file", 'get',
    'CLI-TET');
isnt($rc, 0, 'a missing calendar file fails the CLI');
like($err, qr/could not open calendar/, 'and says so');

# nginx -t on bad files and values
$t->spew('bad-calendar.txt',
    encode('UTF-8', "2024-06-15 off Tết\n2024-06-17 work Làm bù\n"));
my $conf = Onestop::Test::slurp($t->dir . '/nginx.conf');
(my $bad = $conf) =~ s{onestop_calendar \S+;}{onestop_calendar bad-calendar.txt;};
$t->spew('bad.conf', $bad);
my $dir = $t->dir;
$out = `$Onestop::Test::NGINX -t -p $dir/ -c $dir/bad.conf 2>&1`;
isnt($?, 0, 'nginx -t fails on a bad calendar');
like($out, qr/bad-calendar\.txt:2: "work" names a weekday/,
    'naming the file, the line and the rule');
($bad = $conf) =~ s{onestop_office_hours \S+;}{onestop_office_hours 17:00-07:00;};
$t->spew('bad.conf', $bad);
$out = `$Onestop::Test::NGINX -t -p $dir/ -c $dir/bad.conf 2>&1`;
like($out, qr/invalid value "17:00-07:00"/, 'bad office hours refused');
($bad = $conf) =~ s{(onestop_calendar \S+;)}{$1\n$1};
$t->spew('bad.conf', $bad);
$out = `$Onestop::Test::NGINX -t -p $dir/ -c $dir/bad.conf 2>&1`;
like($out, qr/"onestop_calendar" directive is duplicate/,
    'onestop_calendar twice refused');
($bad = $conf) =~ s{(onestop_calendar \S+;)}{$1\n$1};
$bad =~ s{(onestop_office_hours \S+;)}{};
$bad =~ s{(onestop_calendar \S+;)}{onestop_office_hours 07:00-17:00;\n$1};
$t->spew('bad.conf', $bad);
$out = `$Onestop::Test::NGINX -t -p $dir/ -c $dir/bad.conf 2>&1`;
like($out, qr/"onestop_calendar" directive is duplicate/,
    'onestop_calendar twice after onestop_office_hours refused too');

$t->stop;
ok($t->check_log, 'no alert or crit in error.log');

# office hours closing at midnight (24:00, which the parser accepts) keep
# their opening: an evening submission is received at once
my $t24 = Onestop::Test->new(today => '2024-06-20');
$t24->spew('keys', sha256_hex('cal-admin-key') . " * admin\n");
$t24->write_standard_conf(serve => [qw(ingest lookup stats)],
    http => "onestop_office_hours 07:00-24:00;\n");
ok($t24->start, 'nginx starts with onestop_office_hours 07:00-24:00')
    or BAIL_OUT('nginx did not start');
$r = $t24->http('POST', '/api/v1/ingest/catalog', headers => \%admin,
    body => Onestop::Test::catalog_json());
$r = $t24->http('POST', '/api/v1/ingest/dossiers', headers => \%admin,
    body => $json->encode([rec('ON-EVENING',
        submitted_at => '2024-06-14T20:00:00+07:00'),
        rec('ON-MORNING', submitted_at => '2024-06-14T07:30:00+07:00')]));
is($r->{status}, 200, 'ingested under 07:00-24:00') or diag($r->{content});
$r = $t24->get('/api/v1/dossiers/ON-EVENING');
is(eval { $json->decode($r->{content})->{received_at} },
    '2024-06-14T20:00:00+07:00', 'Friday 20:00 within 07:00-24:00: received '
    . 'at once');
$r = $t24->get('/api/v1/dossiers/ON-MORNING');
is(eval { $json->decode($r->{content})->{received_at} },
    '2024-06-14T07:30:00+07:00', 'Friday 07:30: received at once');
$t24->stop;

done_testing();
