#!/usr/bin/perl

# The command-line tool (SPEC section 10): catalog, import (a file and
# stdin), atomic imports, get, delete, backup, unknown commands, the
# store's owner when the CLI runs as root before and after nginx (whose
# workers run as "nobody"), a non-owner refused, and demo.

use v5.36;
use utf8;

use lib 't/lib';

use Digest::SHA qw(sha256_hex);
use Encode qw(encode);
use JSON::PP;
use POSIX ();
use Test::More;
use Time::HiRes qw(sleep time);

use Onestop::Test;

binmode(Test::More->builder->$_, ':encoding(UTF-8)')
    for qw(output failure_output todo_output);

# a server that dies must fail this test, not hang it
local $SIG{ALRM} = sub { BAIL_OUT('cli.t did not finish in 180 s') };
alarm 180;

my $json = JSON::PP->new->utf8->canonical;

my $t = Onestop::Test->new(today => '2024-06-15');
my $dir = $t->dir;
my $store = $t->store;

sub record (%m) {
    return {
        version => 1,
        agency => '000.30.01.H36',
        procedure => '1.000894',
        channel => 'direct',
        applicant => {name => 'Phan Thị Mỹ Lệ', type => 'citizen'},
        contact => {phone => '0272 3826 123'},
        received_at => '2024-06-11T09:30:00+07:00',
        due_at => '2024-06-13T17:00:00+07:00',
        %m,
    };
}

sub ndjson (@recs) { join '', map { $json->encode($_) . "\n" } @recs }

sub one_line_ok ($err, $name) {
    my @lines = split /\n/, $err;
    ok(@lines == 1 && length $lines[0], "$name: one line on stderr")
        or diag("stderr: $err");
}

# the CLI's get, decoded
sub cli_get ($code, $dest = undef) {
    my ($rc, $out, $err) = defined $dest
        ? run_cli('--store', $dest, 'get', $code)
        : $t->cli('get', $code);
    return ($rc, eval { $json->decode($out) }, $err);
}

# the CLI on another store (the harness's cli() uses the test's own)
sub run_cli (@args) {
    my $cmd = join ' ', map { Onestop::Test::quote($_) }
        $Onestop::Test::CLI, @args;
    my $out = `$cmd 2>$dir/run.err </dev/null`;
    return ($? >> 8, $out, Onestop::Test::slurp("$dir/run.err"));
}

# --- a store created by the CLI, before nginx ---

my $catfile = $t->spew('catalog.json', Onestop::Test::catalog_json());
my ($rc, $out, $err) = $t->cli('catalog', $catfile);
is($rc, 0, 'catalog exits 0') or diag($err);
ok(-d $store, 'catalog created the store');
is_deeply(eval { $json->decode($out) }, {agencies => 7, fields => 3,
    procedures => 3}, 'catalog prints the entries written');

my $file = $t->spew('three.ndjson', ndjson(
    record(code => 'CLI-1', resolved_at => '2024-06-13T10:00:00+07:00',
        returned_at => '2024-06-14', return_channel => 'postal'),
    record(code => 'CLI-2', agency => '000.00.12.H36', procedure => '1.001234',
        channel => 'online', applicant => {name => 'Công ty CP Đồng Tâm',
        type => 'organization'}),
    record(code => 'CLI-3', due_at => '2024-06-20', version => 4)));
($rc, $out, $err) = $t->cli('import', $file);
is($rc, 0, 'import FILE exits 0') or diag($err);
is_deeply(eval { $json->decode($out) }, {accepted => 3, unchanged => 0,
    stale => 0}, 'import prints the counts');

my $j;
($rc, $j, $err) = cli_get('CLI-1');
is($rc, 0, 'get exits 0') or diag($err);
is_deeply($j, {
    code => 'CLI-1',
    applicant => {name => 'Phan T. M. L.', type => 'citizen'},
    agency => {id => '000.30.01.H36', name => 'UBND thị trấn Bến Lức'},
    field => {id => 'ho-tich', name => 'Hộ tịch'},
    procedure => {id => '1.000894', name => 'Đăng ký khai sinh'},
    channel => 'direct',
    received_date => '2024-06-11', due_date => '2024-06-13',
    resolved_date => '2024-06-13', returned_date => '2024-06-14',
    withdrawn_date => undef,
    status => 'returned', timeliness => 'on_time',
    status_text => 'Đã trả kết quả (đúng hạn)',
    apology => undef, apologies => [], due_changes => [],
}, 'get prints the lookup JSON');

($rc, $j, $err) = cli_get('CLI-2');
is_deeply([$j->{applicant}, $j->{status_text}],
    [{name => 'Công ty CP Đồng Tâm', type => 'organization'},
        'Đang giải quyết (quá hạn)'],
    'get CLI-2');
($rc, $out, $err) = $t->cli('get', 'CLI-3');
unlike($out, qr/0272|contact/, 'get shows no contact');

# stdin
($rc, $out, $err) = $t->cli('import', '-', \ndjson(
    record(code => 'STDIN-1'), record(code => 'STDIN-2', due_at => '2024-06-14')));
is($rc, 0, 'import - exits 0') or diag($err);
($rc, $j, $err) = cli_get('STDIN-2');
is_deeply([$rc, $j->{status_text}], [0, 'Đang giải quyết (quá hạn)'],
    'a record from stdin');

# a file saved with a byte order mark and CRLF (Windows' Notepad): read
($rc, $out, $err) = $t->cli('import', '-', \("\xef\xbb\xbf" . join('',
    map { $json->encode(record(code => "BOM-$_")) . "\r\n" } 1, 2)));
is($rc, 0, 'import of a file with a BOM') or diag($err);
($rc) = cli_get('BOM-2');
is($rc, 0, 'its records there');

# atomic: one bad line, nothing imported
($rc, $out, $err) = $t->cli('import', '-', \ndjson(
    record(code => 'ATOM-1'), record(code => 'ATOM-2'),
    record(code => 'ATOM-3', channel => 'carrier-pigeon')));
isnt($rc, 0, 'import with a bad record fails');
one_line_ok($err, 'a bad record');
like($err, qr/^onestop: line 3: channel must be/,
    'the line named as an editor counts it (the third)');
($rc) = cli_get('ATOM-1');
isnt($rc, 0, 'nothing of the failed import is there');

($rc, $out, $err) = $t->cli('import', '-',
    \(ndjson(record(code => 'ATOM-4')) . "{\"code\": \"ATOM-5\",\n"));
isnt($rc, 0, 'import with a line that is not JSON fails');
one_line_ok($err, 'a line that is not JSON');
like($err, qr/^onestop: line 2 is not valid JSON/,
    'the line named as an editor counts it (the second), as for a bad record')
    or diag($err);
($rc) = cli_get('ATOM-4');
isnt($rc, 0, 'nothing of it is there');

($rc, $out, $err) = $t->cli('import', '-',
    \(ndjson(record(code => 'ATOM-6')) . "{\"code\": tru}\n"));
isnt($rc, 0, 'import with a lexical error fails');
one_line_ok($err, 'a lexical error');
like($err, qr/^onestop: line 2 is not valid JSON/, 'the line, from 1');

($rc, $out, $err) = $t->cli('import', '-', \(ndjson(record(code => 'ATOM-7'))
    . '{"code": "ATOM-8", "applicant": {"name": "L' . "\xff\xfe" . '"}}' . "\n"));
isnt($rc, 0, 'import with invalid UTF-8 fails');
one_line_ok($err, 'invalid UTF-8');
like($err, qr/^onestop: line 2 (has invalid UTF-8|is not valid JSON)/,
    'its line (the second)')
    or diag($err);
($rc) = cli_get('ATOM-7');
isnt($rc, 0, 'nothing of it is there');

($rc, $out, $err) = $t->cli('import', '-', \ndjson(record(code => 'CLI-3',
    version => 4, channel => 'online')));
isnt($rc, 0, 'import of a conflicting version fails');
one_line_ok($err, 'a conflict');
($rc, $j) = cli_get('CLI-3');
is($j->{channel}, 'direct', 'the conflict changed nothing');

($rc, $out, $err) = $t->cli('import', "$dir/no-such-file.ndjson");
isnt($rc, 0, 'import of a missing file fails');
one_line_ok($err, 'a missing file');

($rc, $out, $err) = $t->cli('catalog', $t->spew('bad-catalog.json',
    encode('UTF-8', '{"agencies": [{"id": "000.00.15.H36", "name": "Sở Xây dựng",'
    . ' "level": "district", "parent": null}], "fields": [], "procedures": []}')));
isnt($rc, 0, 'a catalog changing a level fails');
one_line_ok($err, 'a bad catalog');
{
    my ($drc, undef, $derr) = $t->cli('catalog', $t->dir);
    isnt($drc, 0, 'catalog: a file that cannot be read fails');
    like($derr, qr/^onestop: cannot read "\Q${\ $t->dir}\E": Is a directory$/,
        'catalog: and says why, not that the JSON is bad');
    ($drc, undef, $derr) = $t->cli('catalog', '-', \'{"agencies": [');
    isnt($drc, 0, 'catalog: truncated JSON fails');
    like($derr, qr/^onestop: the body is not valid JSON: parse error: premature EOF \(400\)$/,
        'catalog: in one line, without yajl\'s pointer');
}

# versions: stale and unchanged are not failures
($rc, $out, $err) = $t->cli('import', '-', \ndjson(record(code => 'CLI-3',
    version => 3, channel => 'online'), record(code => 'CLI-3', version => 4,
    due_at => '2024-06-20')));
is($rc, 0, 'a stale and an unchanged record: exit 0') or diag($err);
is_deeply(eval { $json->decode($out) }, {accepted => 0, unchanged => 1,
    stale => 1}, 'counted as stale and unchanged');

# get and delete of unknown codes, unknown commands
($rc, $out, $err) = $t->cli('get', 'NO-SUCH-1');
isnt($rc, 0, 'get of an unknown code fails');
one_line_ok($err, 'get of an unknown code');
is($out, '', 'and prints nothing on stdout');

($rc, $out, $err) = $t->cli('get', '-bad code-');
isnt($rc, 0, 'get of a bad code fails');

($rc, $out, $err) = $t->cli('frobnicate');
isnt($rc, 0, 'an unknown command fails');
like($err, qr/frobnicate/, 'and names it');

($rc, $out, $err) = $t->cli();
isnt($rc, 0, 'no command fails');

($rc, $out, $err) = $t->cli('import');
isnt($rc, 0, 'import without FILE fails');

# delete
($rc, $out, $err) = $t->cli('delete', 'STDIN-1');
is($rc, 0, 'delete exits 0') or diag($err);
($rc) = cli_get('STDIN-1');
isnt($rc, 0, 'deleted: get fails');
($rc, $out, $err) = $t->cli('delete', 'STDIN-1');
isnt($rc, 0, 'delete again fails');
one_line_ok($err, 'delete again');
($rc, $out, $err) = $t->cli('import', '-', \ndjson(record(code => 'STDIN-1')));
is_deeply([$rc, eval { $json->decode($out) }], [0, {accepted => 0,
    unchanged => 0, stale => 1}], 'the tombstone makes version 1 stale');
($rc) = cli_get('STDIN-1');
isnt($rc, 0, 'still deleted');

# backup, before nginx (the store is root's)
($rc, $out, $err) = $t->cli('backup', "$dir/backup0");
is($rc, 0, 'backup exits 0') or diag($err);
is(sprintf('%04o', (stat("$dir/backup0/data.mdb"))[2] & 07777), '0640',
    'the copy is not readable by others (it holds contacts)');
($rc, $j, $err) = cli_get('CLI-1', "$dir/backup0");
is($rc, 0, 'get from the backup') or diag($err);
is($j->{status_text}, 'Đã trả kết quả (đúng hạn)', 'the backup holds CLI-1');
($rc) = cli_get('STDIN-1', "$dir/backup0");
isnt($rc, 0, 'the backup holds the deletion');

my @st = stat $store;
is($st[4], 0, 'a store created by the CLI as root is root\'s');

# --- nginx on the CLI's store, workers as nobody ---

my $nobody = getpwnam('nobody');
$t->spew('keys', sha256_hex('cli-admin-key') . " * admin\n");
$t->write_standard_conf(serve => [qw(lookup ingest)]);

ok($t->start, 'nginx starts on the CLI\'s store') or BAIL_OUT('no nginx');

my @workers = $t->worker_pids;
if ($> == 0) {
    is_deeply([map { (stat "/proc/$_")[4] } @workers], [$nobody],
        'the worker runs as nobody');
}

my %owner = map { $_ => (stat "$store/$_")[4] } qw(. data.mdb lock.mdb);
is_deeply(\%owner, {'.' => $nobody, 'data.mdb' => $nobody,
    'lock.mdb' => $nobody}, 'nginx gave the store to its workers\' user')
    if $> == 0;

my $r = $t->get('/api/v1/dossiers/CLI-1');
is($r->{status}, 200, 'nginx serves the CLI\'s record');
($rc, $j) = cli_get('CLI-1');
is_deeply(eval { $json->decode($r->{content}) }, $j,
    'nginx and the CLI give the same lookup');

$r = $t->http('POST', '/api/v1/ingest/dossiers',
    headers => {Authorization => 'Bearer cli-admin-key'},
    body => $json->encode([record(code => 'HTTP-1', agency => '000.00.15.H36',
        procedure => '1.009999', channel => 'online',
        applicant => {name => 'Đoàn Văn Hậu'})]));
is($r->{status}, 200, 'an HTTP write to the CLI\'s store') or diag($r->{content});
is_deeply(eval { $json->decode($r->{content}) },
    {accepted => 1, unchanged => 0, stale => 0}, 'accepted');

# the CLI afterwards, as root: it takes the owner's identity
($rc, $j, $err) = cli_get('HTTP-1');
is($rc, 0, 'the CLI reads the HTTP write') or diag($err);
is_deeply([$j->{applicant}{name}, $j->{field}{id}], ['Đoàn V. H.', 'xay-dung'],
    'HTTP-1 through the CLI');

($rc, $out, $err) = $t->cli('import', '-', \ndjson(record(code => 'AFTER-1',
    agency => '000.00.31.H36', applicant => {name => 'Mai Thị Hoa'})));
is($rc, 0, 'the CLI imports while nginx runs') or diag($err);
my $deadline = time + 1;
do { $r = $t->get('/api/v1/dossiers/AFTER-1') }
    while ($r->{status} != 200 && time < $deadline && sleep 0.05);
is($r->{status}, 200, 'nginx serves the CLI\'s import within a second');

%owner = map { $_ => (stat "$store/$_")[4] } qw(. data.mdb lock.mdb);
is_deeply(\%owner, {'.' => $nobody, 'data.mdb' => $nobody,
    'lock.mdb' => $nobody}, 'the CLI left the store to its owner')
    if $> == 0;

$r = $t->http('POST', '/api/v1/ingest/dossiers',
    headers => {Authorization => 'Bearer cli-admin-key'},
    body => $json->encode(record(code => 'HTTP-2')));
is($r->{status}, 200, 'HTTP writes still work after the CLI wrote')
    or diag($r->{content});

($rc, $out, $err) = $t->cli('delete', 'HTTP-1');
is($rc, 0, 'the CLI deletes while nginx runs') or diag($err);
$deadline = time + 1;
do { $r = $t->get('/api/v1/dossiers/HTTP-1') }
    while ($r->{status} != 404 && time < $deadline && sleep 0.05);
is($r->{status}, 404, 'nginx sees the deletion');

# backup while nginx serves: DEST must be writable by the store's owner
mkdir "$dir/bk";
chown $nobody, -1, "$dir/bk" if $> == 0;
($rc, $out, $err) = $t->cli('backup', "$dir/bk/copy");
is($rc, 0, 'backup while nginx serves') or diag($err);
($rc, $j, $err) = cli_get('HTTP-2', "$dir/bk/copy");
is($rc, 0, 'the live backup holds the HTTP write') or diag($err);
($rc, $j, $err) = cli_get('AFTER-1', "$dir/bk/copy");
is_deeply([$rc, $j->{applicant}{name}], [0, 'Mai T. H.'],
    'the live backup holds the CLI import');
($rc) = cli_get('HTTP-1', "$dir/bk/copy");
isnt($rc, 0, 'the live backup holds the deletion');

# run as root into a directory only root may write (onestop-backup's
# /var/backups/onestop, 0711): the owner's identity is why, and said so
SKIP: {
    skip 'needs root', 2 if $> != 0;
    mkdir "$dir/rootonly";
    chmod 0711, "$dir/rootonly";
    ($rc, $out, $err) = $t->cli('backup', "$dir/rootonly/copy");
    is($rc, 1, 'backup into a directory only root may write: exit 1');
    like($err, qr/could not create "\Q$dir\E\/rootonly\/copy": Permission denied \(run as root, onestop writes as user "nobody", the store's owner, whose identity it takes: .*\)/,
        '... saying whose identity could not create it') or diag($err);
}

# a user who is neither root nor the owner is refused
SKIP: {
    skip 'needs root to become another user', 3 if $> != 0;
    my $other = getpwnam('daemon') // 1;
    pipe(my $rd, my $wr) or die "pipe: $!";
    my $pid = fork();
    die "fork: $!" unless defined $pid;
    if ($pid == 0) {
        close $rd;
        open(STDERR, '>&', $wr);
        open(STDOUT, '>', '/dev/null');
        open(STDIN, '<', '/dev/null');
        $) = "$other $other";
        $( = $other;
        POSIX::setuid($other);
        { exec($Onestop::Test::CLI, '--store', $store, 'get', 'CLI-1') }
        POSIX::_exit(127);
    }
    close $wr;
    my $msg = do { local $/; <$rd> } // '';
    waitpid($pid, 0);
    my $code = $? >> 8;
    ok($code != 0 && $code != 127, 'another user is refused');
    one_line_ok($msg, 'another user');
    %owner = map { $_ => (stat "$store/$_")[4] } qw(. data.mdb lock.mdb);
    is_deeply(\%owner, {'.' => $nobody, 'data.mdb' => $nobody,
        'lock.mdb' => $nobody}, 'and leaves the store as it was');
}

$t->stop;

# nginx again on the same store: everything still there
ok($t->start, 'nginx starts again') or BAIL_OUT('no nginx');
is_deeply([map { $t->get("/api/v1/dossiers/$_")->{status} }
    qw(CLI-1 CLI-2 CLI-3 STDIN-2 HTTP-2 AFTER-1 HTTP-1 STDIN-1)],
    [200, 200, 200, 200, 200, 200, 404, 404], 'the store after a restart');
$t->stop;

# --- demo ---

SKIP: {
    my $probe = Onestop::Test->new;
    my (@r) = $probe->cli('demo', 10);
    skip "onestop demo 10 does not work: exit $r[0], $r[2]", 7 if $r[0] != 0;

    my $d = Onestop::Test->new;
    local $ENV{ONESTOP_TODAY};
    delete $ENV{ONESTOP_TODAY};
    ($rc, $out, $err) = $d->cli('demo', 2000);
    is($rc, 0, 'demo 2000 exits 0') or diag($err);
    ($rc, $out, $err) = $d->cli('stats', '--period', 'all');
    my $s = eval { $json->decode($out) } // {};
    is($s->{totals}{carried_over} + $s->{totals}{received}, 2000,
        'the demo store holds 2000 dossiers')
        or diag("stats: exit $rc, $err, " . substr($out, 0, 300));
    ($rc, $out, $err) = $d->cli('stats', '--period', 'all', '--group', 'level');
    $s = eval { $json->decode($out) } // {};
    is_deeply([sort map { $_->{level} } @{ $s->{groups} // [] }],
        [qw(commune district province)],
        'the demo catalog has departments, districts and communes');
    # every argument of GET /api/v1/stats is an option, return_channel too
    ($rc, $out, $err) = $d->cli('stats', '--period', 'all',
        '--return_channel', 'postal');
    is($rc, 0, 'stats --return_channel postal: exit 0') or diag($err);
    my $f = eval { $json->decode($out) } // {};
    ($rc, $out, $err) = $d->cli('stats', '--period', 'all', '--group',
        'return_channel');
    my ($g) = grep { $_->{return_channel} eq 'postal' }
        @{ (eval { $json->decode($out) } // {})->{groups} // [] };
    delete $g->{return_channel} if $g;
    ok($g && $g->{received}, 'the demo has results returned by post');
    is_deeply($f->{totals}, $g, 'the filter\'s totals are the group\'s');
    ($rc, $out, $err) = $d->cli('verify');
    is($rc, 0, 'verify finds the demo\'s counters right') or diag($err);
}

$t->check_log;

alarm 0;

done_testing;
