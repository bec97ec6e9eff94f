#!/usr/bin/perl

# The command-line tool's manners (issue 19): --help on stdout, --version,
# wrong command lines (exit 2), the man page (it renders without a
# warning and names every command of --help), the progress line of
# import, demo, verify and backup on a terminal and nothing of it
# elsewhere; and the explicit commands on a whole store: init (a new
# store, an existing one, another program's LMDB environment and a
# directory of other files refused and left byte for byte as they were,
# the owner when run as root) and migrate (a schema 1 store upgraded, a
# current one left alone, a foreign one refused).

use v5.36;

use lib 't/lib';

use Digest::MD5 qw(md5_hex);
use File::Temp qw(tempdir);
use Test::More;

use Onestop::Test;

local $SIG{ALRM} = sub { BAIL_OUT('cli_ops.t did not finish in 120 s') };
alarm 120;

my $t = Onestop::Test->new(today => '2024-06-15');
my $dir = $t->dir;
my $CLI = $Onestop::Test::CLI;
my $ROOT = $Onestop::Test::ROOT;

# the CLI with any arguments: (exit status, stdout, stderr)
sub run (@args) {
    my $cmd = join ' ', map { Onestop::Test::quote($_) } $CLI, @args;
    system("$cmd </dev/null >$dir/out 2>$dir/err");
    return ($? >> 8, Onestop::Test::slurp("$dir/out"),
        Onestop::Test::slurp("$dir/err"));
}

# the same on a terminal (util-linux's script gives it a pty): what the
# terminal showed, stdout and stderr together
sub run_tty (@args) {
    my $cmd = join ' ', map { Onestop::Test::quote($_) } $CLI, @args;
    my $out = `script -qec ${\ Onestop::Test::quote($cmd)} /dev/null </dev/null 2>&1`;
    return ($? >> 8, $out);
}

# every file under a directory with its bytes' digest and its mode
sub snapshot ($d) {
    my %s;
    opendir(my $dh, $d) or return {};
    for my $f (sort grep { !/^\.\.?$/ } readdir $dh) {
        my @st = stat "$d/$f";
        $s{$f} = sprintf('%o %s', $st[2],
            md5_hex(Onestop::Test::slurp("$d/$f")));
    }
    return \%s;
}

# --- --help, --version, wrong command lines ---

my ($rc, $out, $err) = run('--help');
is($rc, 0, '--help exits 0');
is($err, '', '--help writes nothing on stderr');
like($out, qr/^usage: onestop /, '--help prints the usage on stdout');
my @commands = qw(init migrate import catalog get changes delete backup
    restore stats verify demo key qr-key notify);
for my $c (@commands) {
    like($out, qr/^  \Q$c\E\b/m, "--help names $c");
}
my $help = $out;
is_deeply([(run('-h'))[0, 1]], [0, $help], '-h is --help');
is_deeply([(run('help'))[0, 1]], [0, $help], 'help is --help');

($rc, $out, $err) = run('--version');
is($rc, 0, '--version exits 0');
like($out, qr/^onestop (\d+\.\d+\.\d+) \(store schema version 6\)\n\z/,
    '--version prints the version and the schema version');
my ($version) = $out =~ /^onestop (\S+)/;
is((run('-V'))[1], $out, '-V is --version');
my ($deb) = Onestop::Test::slurp("$ROOT/debian/changelog")
    =~ /^onestop \(([^)-]+)-[^)]+\)/;
is($deb, $version, 'the Debian package has the same version');

for my $bad (['--bogus'], ['--store'], ['--store', "$dir/s", '--bogus'],
    ['--store', "$dir/s", 'stats', '--period'])
{
    ($rc, $out, $err) = run(@$bad);
    my @lines = split /\n/, $err;
    ok($rc != 0 && @lines == 1, "@$bad: fails with one line")
        or diag("exit $rc: $err");
}
is((run('--bogus'))[0], 2, 'an unknown option exits 2');
is((run('--store', "$dir/s", 'frobnicate'))[0], 2,
    'an unknown command exits 2');
is((run('key', 'frob'))[0], 2, 'an unknown key command exits 2');

# a command's arguments are all read, or the command line is refused (2)
# with nothing done: an extra code given to delete, a word after verify,
# a count for demo that is not a number
{
    my $s = "$dir/args-store";
    my $cat = $t->spew('args-catalog.json', Onestop::Test::catalog_json());
    my ($c1, $c2) = ('ARGS-1', 'ARGS-2');
    my $recs = $t->spew('args.ndjson', join '', map {
        qq({"code":"$_","version":1,"agency":"000.00.12.H36",)
        . qq("procedure":"1.000894","channel":"direct",)
        . qq("applicant":{"name":"Lê Văn Tám"},"received_at":"2024-06-03",)
        . qq("due_at":"2024-06-20"}\n) } $c1, $c2);
    ($rc, $out, $err) = run('--store', $s, 'catalog', $cat);
    is($rc, 0, 'a store with a catalog') or diag($err);
    ($rc, $out, $err) = run('--store', $s, 'import', $recs);
    is($rc, 0, 'and two dossiers') or diag($err);
    ($rc, $out, $err) = run('--store', $s, 'delete', $c1, $c2);
    is($rc, 2, 'delete with two codes: a wrong command line (2)')
        or diag($err);
    is((run('--store', $s, 'get', $c1))[0], 0, 'and the first one is kept');
    is((run('--store', $s, 'get', $c2))[0], 0, 'and the second one too');
    for my $bad (['verify', 'now'], ['get', $c1, $c2], ['backup',
        "$dir/args-b1", "$dir/args-b2"], ['import', '-', 'x'],
        ['demo', '10', '20'])
    {
        ($rc, $out, $err) = run('--store', $s, @$bad);
        is($rc, 2, "@$bad: a wrong command line (2)") or diag($err);
    }
    ok(!-e "$dir/args-b1", 'no backup was made');
    my $before = (run('--store', $s, 'stats', '--period', 'all'))[1];
    for my $n ('abc', '-5', '', '10x') {
        ($rc, $out, $err) = run('--store', $s, 'demo', $n);
        is($rc, 2, "demo '$n': a wrong command line (2)") or diag($err);
        like($err, qr/\A[^\n]*\n\z/, "demo '$n': one line");
    }
    is((run('--store', $s, 'stats', '--period', 'all'))[1], $before,
        'the store is as it was');

    # the demo data set (invented dossiers, its own catalog) never goes
    # into a store that holds a province's dossiers or catalog, where it
    # would be served and counted, unless --force
    ($rc, $out, $err) = run('--store', $s, 'demo', '10');
    is($rc, 1, 'demo into a store with dossiers and a catalog: exit 1');
    like($err, qr/\Aonestop: demo: the store already holds 2 dossier\(s\) and a catalog: [^\n]*never into a production store [^\n]*"demo --force"[^\n]*\n\z/,
        '... saying why in one line, and the option that writes anyway');
    is((run('--store', $s, 'stats', '--period', 'all'))[1], $before,
        '... with nothing written');
    ($rc, $out, $err) = run('--store', $s, 'demo', '--force', '10', '20');
    is($rc, 2, 'demo --force 10 20: a wrong command line (2)') or diag($err);
    my $cs = "$dir/args-catalog-only";
    run('--store', $cs, 'catalog', $cat);
    ($rc, $out, $err) = run('--store', $cs, 'demo', '10');
    is($rc, 1, 'demo into a store with a catalog alone: exit 1');
    like($err, qr/already holds a catalog: /, '... saying so');
    ($rc, $out, $err) = run('--store', $cs, 'demo', '10', '--force');
    is($rc, 0, 'demo 10 --force writes there') or diag($err);
    like($err, qr/^onestop: demo: 10 dossiers$/m, '... its 10 dossiers');
    ($rc, $out, $err) = run('--store', "$dir/args-fresh", 'demo', '10');
    is($rc, 0, 'demo into a new store needs no --force') or diag($err);
    ($rc, $out, $err) = run('--store', "$dir/args-none", 'demo', 'abc');
    is($rc, 2, 'demo abc on no store: 2');
    ok(!-e "$dir/args-none", 'and no store is created');

    # stats and changes, whose options are the API's query arguments: a
    # wrong option or value is a wrong command line (2), as for every
    # other command, not a failure (1) a script would take for the store's
    for my $bad (['stats', '--bogus'], ['stats', '--period'],
        ['stats', 'extra'], ['stats', '--period', 'x'],
        ['stats', '--from', '2024-13-01'], ['stats', '--format', 'xml'],
        ['stats', '--agency', 'A', '--agency', 'B'],
        ['changes', 'after=x'], ['changes', 'limit=0'],
        ['changes', 'limit=5', 'limit=6'])
    {
        ($rc, $out, $err) = run('--store', $s, @$bad);
        is($rc, 2, "@$bad: a wrong command line (2)") or diag($err);
        like($err, qr/\Aonestop: [^\n]*\(onestop --help\)\n\z/,
            "@$bad: one line, pointing at --help") or diag($err);
        is($out, '', "@$bad: nothing on stdout");
    }
}

# the commands that only read need a store: a directory without one (an
# empty one, or the top of a backup that onestop-backup made, whose copy
# is in store/) is not made into an empty store that verify finds right
{
    my $empty = "$dir/ro-empty";
    mkdir $empty;
    my $top = "$dir/ro-backup";
    mkdir $top;
    ($rc, $out, $err) = run('--store', "$dir/args-store", 'backup',
        "$top/store");
    is($rc, 0, 'a backup in store/ of a directory') or diag($err);
    $t->spew('ro-backup/SHA256SUMS', "x\n");
    for my $c (['verify'], ['stats'], ['get', 'X-1'], ['changes'],
        ['backup', "$dir/ro-copy"], ['status'], ['promote'],
        ['notify', '--status'])
    {
        for my $d ($empty, $top) {
            ($rc, $out, $err) = run('--store', $d, @$c);
            is($rc, 1, "$c->[0] on a directory without a store: exit 1")
                or diag("exit $rc: $out$err");
            like($err, qr/\Aonestop: no store at "\Q$d\E"[^\n]*\n\z/,
                'one line: no store there') or diag($err);
            unlike($out, qr/ok: every counter/, 'and no "ok"');
        }
    }
    like($err, qr/\Q$top\E\/store/, 'for a backup, the line names its store/');
    # a wrong command line is exit 2 with the usage (onestop(1)), the
    # store there or not
    for my $c (['get'], ['get', 'X-1', 'X-2'], ['delete'], ['backup'],
        ['verify', 'extra'], ['import', 'a', 'b'],
        # the commands that read their own options read them first too
        ['stats', '--bogus'], ['stats', '--from'], ['stats', 'extra'],
        ['changes', 'bogus'], ['changes', 'limit=0'],
        ['notify', '--bogus'], ['notify'], ['status', 'extra'],
        ['promote', '--bogus'])
    {
        ($rc, $out, $err) = run('--store', $empty, @$c);
        is($rc, 2, "@$c on a directory without a store: exit 2, the usage")
            or diag("exit $rc: $out$err");
        like($err, qr/\(onestop --help\)\n\z/, "@$c: says where the usage is")
            or diag($err);
    }
    ok(!-e "$empty/data.mdb" && !-e "$empty/lock.mdb",
        'nothing was created in the empty directory');
    ok(!-e "$top/data.mdb" && !-e "$top/lock.mdb",
        'nor in the backup') or diag(`ls -la '$top'`);
    ok(!-e "$dir/ro-copy", 'and no copy was made');
}

# --- the man page ---

my $man = "$ROOT/docs/onestop.1";
ok(-f $man, 'docs/onestop.1 is there');
my $warnings = `groff -k -man -Tutf8 -ww -z $man 2>&1`;
is($warnings, '', 'the man page renders without a warning');
my $text = Onestop::Test::slurp($man);
for my $c (@commands) {
    (my $roff = $c) =~ s/-/\\-/g;
    like($text, qr/^\.B[IR]? \Q$roff\E\b/m, "the man page describes $c");
}
# and every command and option that --help lists (status, follow, promote,
# --calendar and --office-hours were in --help alone)
my %listed = map { $_ => 1 } $help =~ /^  ((?:--)?[a-z][a-z-]*)\b/mg;
ok(keys %listed >= 20, 'the commands and options of --help: '
    . join(' ', sort keys %listed));
for my $c (sort keys %listed) {
    (my $roff = $c) =~ s/-/\\-/g;
    like($text, qr/^\.B[IR]? \Q$roff\E\b/m, "the man page describes $c");
}
like($text, qr/^\.TH ONESTOP 1 "[^"]+" "onestop \Q$version\E"/m,
    'the man page is of this version');

# --- progress on a terminal, and nowhere else ---

my $store = "$dir/progress";
my $tty;
($rc, $tty) = run_tty('--store', $store, 'demo', 3000);
is($rc, 0, 'demo on a terminal exits 0');
like($tty, qr/\r\e\[Kdemo: 3,000 of 3,000 records \(100%\)/,
    'demo shows its progress on a terminal');
like($tty, qr/\e\[Konestop: demo: 3000 dossiers/,
    'and erases it before its last line');

($rc, $tty) = run_tty('--store', $store, 'verify');
like($tty, qr/\r\e\[Kverify: 33,000 of 33,000 records \(100%\)/,
    'verify shows its progress (eleven passes over 3,000 records)');
like($tty, qr/\e\[Kok: every counter matches the records/, 'verify ends ok');

($rc, $tty) = run_tty('--store', $store, 'backup', "$dir/progress-copy");
is($rc, 0, 'backup on a terminal exits 0');
like($tty, qr/\r\e\[Kbackup: [\d.]+ MB of [\d.]+ MB \(100%\)/,
    'backup shows its progress in bytes');

my $records = join '', map {
    sprintf('{"code": "PROG-%d", "version": 1, "agency": "000.00.12.H36", '
        . '"procedure": "1.001234", "channel": "direct", "applicant": '
        . '{"name": "Lê Văn Tám"}, "received_at": "2024-06-10", '
        . '"due_at": "2024-06-20"}' . "\n", $_)
} 1 .. 500;
my $file = $t->spew('records.ndjson', $records);
$t->spew('catalog.json', Onestop::Test::catalog_json());
run('--store', $store, 'catalog', "$dir/catalog.json");
($rc, $tty) = run_tty('--store', $store, 'import', $file);
is($rc, 0, 'import on a terminal exits 0');
like($tty, qr/\r\e\[Kimport: 500 of 500 records \(100%\)/,
    'import shows its progress');
like($tty, qr/\e\[K\{"accepted": 500, /, 'and erases it before the answer');

for my $c (['demo', 100], ['verify'], ['import', $file],
    ['backup', "$dir/quiet-copy"])
{
    ($rc, $out, $err) = run('--store', "$dir/quiet", @$c);
    unlike($err, qr/[\r\e]|records\/s|\d+%/,
        "$c->[0] shows no progress when stderr is not a terminal");
}

# --- init ---

my $new = "$dir/new";
($rc, $out, $err) = run('--store', $new, 'init', '--map-size', '1g');
is($rc, 0, 'init creates a store') or diag($err);
like($out, qr/^created store "\Q$new\E": schema version 6, UTC offset \+07:00, map size 1g, owned by root\n/,
    'and says what it created') if $> == 0;
like(`mdb_stat -e $new`, qr/Map size: 1073741824\b/,
    'with the map size asked for');
my $before = snapshot($new);
($rc, $out, $err) = run('--store', $new, 'init');
is($rc, 0, 'init of an existing store exits 0');
like($out, qr/exists already \(schema version 6/, 'and says so');
is_deeply(snapshot($new), $before, 'and changes nothing');

($rc, $out, $err) = run('--store', $new, 'init', '--map-size', 'lots');
is($rc, 2, 'init --map-size lots is a wrong command line');

# another program's LMDB environment
my $foreign = "$dir/foreign";
mkdir $foreign;
open(my $load, '|-', "mdb_load $foreign") or die;
print $load "VERSION=3\nformat=print\ntype=btree\nHEADER=END\n"
    . " accounts\n 42\nDATA=END\n";
close $load;
unlink "$foreign/lock.mdb";
$before = snapshot($foreign);
is_deeply([sort keys %$before], ['data.mdb'], 'a foreign environment');
for my $c (['init'], ['migrate'], ['catalog', "$dir/catalog.json"],
    ['import', $file], ['restore', "$dir/progress-copy"])
{
    ($rc, $out, $err) = run('--store', $foreign, @$c);
    is($rc, 1, "$c->[0] refuses a foreign LMDB environment");
    like($err, qr/is not an onestop store|holds a store already/,
        "$c->[0] says why") or diag($err);
    is_deeply(snapshot($foreign), $before,
        "$c->[0] leaves it byte for byte as it was, no lock.mdb added");
}

my $others = "$dir/others";
mkdir $others;
$t->spew('others/notes.txt', "mine\n");
($rc, $out, $err) = run('--store', $others, 'init');
is($rc, 1, 'init refuses a directory of other files');
like($err, qr/holds other files/, 'and says so');
is_deeply([sort keys %{ snapshot($others) }], ['notes.txt'],
    'and writes nothing into it');

($rc, $out, $err) = run('--store', "$dir/no/such/parent/store", 'init');
is($rc, 1, 'init without the directory above fails');

SKIP: {
    skip 'the owner of a new store needs root', 10 if $> != 0;
    my ($nobody, $nogroup) = (getpwnam('nobody'))[2, 3];

    ($rc, $out, $err) = run('--store', "$dir/for-nobody", 'init',
        '--user', 'nobody');
    is($rc, 0, 'init --user nobody') or diag($err);
    is_deeply([map { (stat "$dir/for-nobody/$_")[4] } '.', 'data.mdb',
        'lock.mdb'], [$nobody, $nobody, $nobody],
        'makes a store that nobody owns');

    mkdir "$dir/var-lib";
    chown $nobody, $nogroup, "$dir/var-lib";
    ($rc, $out, $err) = run('--store', "$dir/var-lib/store", 'init');
    is($rc, 0, 'init in a directory that nobody owns') or diag($err);
    like($out, qr/owned by nobody\n/, 'says who owns the store');
    is((stat "$dir/var-lib/store/data.mdb")[4], $nobody,
        'the store belongs to the owner of the directory above it');

    ($rc, $out, $err) = run('--store', "$dir/bad-user", 'init',
        '--user', 'no-such-user-here');
    is($rc, 1, 'init --user with an unknown user fails');

    # root reads a file as the store's owner, whose identity it took: a
    # file that only root may read was "Permission denied", which root,
    # who can read it, could not make sense of
    my $secret = $t->spew('root-only.json', Onestop::Test::catalog_json());
    chmod 0600, $secret;
    for my $cmd ('catalog', 'import') {
        ($rc, $out, $err) = run('--store', "$dir/for-nobody", $cmd, $secret);
        is($rc, 1, "$cmd of a file only root reads: exit 1");
        like($err, qr/\Aonestop: cannot open "\Q$secret\E": Permission denied \(run as root, onestop reads it as user "nobody", the store's owner[^\n]*readable by that user, or give it on standard input: - < FILE\)\n\z/,
            "$cmd: says as whom it was read, and what to do") or diag($err);
    }
    ($rc, $out, $err) = run('--store', "$dir/for-nobody", '--calendar',
        $secret, 'get', 'X');
    like($err, qr/Permission denied \(run as root, onestop reads it as user "nobody"[^\n]*readable by that user\)\n\z/,
        '--calendar FILE: the same') or diag($err);
    system("$CLI --store $dir/for-nobody catalog - <$secret >$dir/out 2>$dir/err");
    is($? >> 8, 0, 'catalog - < FILE reads it (the shell, as root, opens it)')
        or diag(Onestop::Test::slurp("$dir/err"));
}

# --- migrate ---

($rc, $out, $err) = run('--store', "$dir/missing", 'migrate');
is($rc, 1, 'migrate without a store fails');
like($err, qr/no store at .*init" creates one/, 'and says what creates one');
ok(!-e "$dir/missing", 'and creates nothing');

# a store of schema 1: a new (empty) store with its version set back
my $old = "$dir/old";
run('--store', $old, 'init');
open($load, '|-', "mdb_load -T -s meta $old") or die;
print $load "schema_version\n\\01\\00\\00\\00\n";
close $load;
like(`mdb_dump -p -s meta $old`, qr/^ schema_version\n \\01\\00\\00\\00$/m,
    'a store of schema 1');
$before = snapshot($old);
($rc, $out, $err) = run('--store', $old, 'init');
is($rc, 1, 'init refuses a store of schema 1');
like($err, qr/schema version 1: "onestop --store \Q$old\E migrate" upgrades/,
    'and says what upgrades it');
is_deeply(snapshot($old), $before, 'and leaves it as it was');

($rc, $out, $err) = run('--store', $old, 'migrate');
is($rc, 0, 'migrate upgrades it') or diag($err);
like($out, qr/schema version 1 -> 6/, 'and says so');
like(`mdb_dump -p -s meta $old`, qr/^ schema_version\n \\06\\00\\00\\00$/m,
    'the store is of schema 6');
($rc, $out, $err) = run('--store', $old, 'verify');
is($rc, 0, 'verify after migrate') or diag($err);

$before = snapshot($old);
($rc, $out, $err) = run('--store', $old, 'migrate');
is($rc, 0, 'migrate of a current store exits 0');
like($out, qr/nothing to do/, 'and does nothing');
is_deeply(snapshot($old), $before, 'byte for byte');

# a store of a schema this build does not know
open($load, '|-', "mdb_load -T -s meta $old") or die;
print $load "schema_version\n\\09\\00\\00\\00\n";
close $load;
($rc, $out, $err) = run('--store', $old, 'migrate');
is($rc, 1, 'migrate refuses a store of a newer schema');
like($err, qr/schema version 9, newer than this build's/, 'and says so');

alarm 0;

done_testing;
