#!/usr/bin/perl

# Backups as a service (issue 19): conf/onestop-backup, the script that
# onestop-backup.timer runs, and "onestop restore".
#
# The script: two backups in the same second get two names; each holds
# the store's copy, the keys file and the QR key (0600) and SHA256SUMS;
# retention keeps the newest N; a failing verify leaves NAME.failed, no
# backup counted, nothing deleted, exit 1 and the failure's metric; a
# second run while one runs is refused; the copy-off-the-host hook.  The
# systemd units pass systemd-analyze verify.  restore: refused while
# nginx has the store open and over a store without --replace; a backup
# whose counters are wrong is not restored and the store is untouched; a
# good one replaces the store (the old one moved aside, the owner kept)
# and nginx serves it.

use v5.36;
use utf8;

use lib 't/lib';

use Digest::MD5 qw(md5_hex);
use Fcntl qw(:flock);
use JSON::PP;
use Test::More;

use Onestop::Test;

local $SIG{ALRM} = sub { BAIL_OUT('backup.t did not finish in 120 s') };
alarm 120;

my $json = JSON::PP->new->utf8->canonical;
my $t = Onestop::Test->new(today => '2024-06-15');
my $dir = $t->dir;
my $store = $t->store;
my $CLI = $Onestop::Test::CLI;
my $ROOT = $Onestop::Test::ROOT;
my $SCRIPT = "$ROOT/conf/onestop-backup";
my $backups = "$dir/backups";

sub run (@args) {
    my $cmd = join ' ', map { Onestop::Test::quote($_) } @args;
    system("$cmd </dev/null >$dir/out 2>$dir/err");
    return ($? >> 8, Onestop::Test::slurp("$dir/out"),
        Onestop::Test::slurp("$dir/err"));
}

sub cli (@args) { run($CLI, @args) }

# one run of the script with the test's settings, and more
sub backup (%env) {
    local %ENV = (%ENV, ONESTOP => $CLI, ONESTOP_STORE => $store,
        ONESTOP_BACKUP_DIR => $backups, ONESTOP_ETC => "$dir/etc",
        ONESTOP_TEXTFILE_DIR => "$dir/textfile", ONESTOP_BACKUP_KEEP => 8,
        %env);
    return run('sh', $SCRIPT);
}

sub names () {
    opendir(my $dh, $backups) or return [];
    return [sort grep { !/^\./ } readdir $dh];
}

sub mode ($f) { sprintf '%04o', (stat $f)[2] & 07777 }

sub snapshot ($d) {
    opendir(my $dh, $d) or return {};
    return {map { $_ => md5_hex(Onestop::Test::slurp("$d/$_")) }
        grep { !/^\.\.?$/ } readdir $dh};
}

sub record ($code) {
    return $json->encode({code => $code, version => 1,
        agency => '000.00.12.H36', procedure => '1.001234',
        channel => 'online', applicant => {name => 'Võ Thị Sáu'},
        received_at => '2024-06-10', due_at => '2024-06-20'}) . "\n";
}

# --- a store and its secrets ---

$t->spew('catalog.json', Onestop::Test::catalog_json());
is(($t->cli('catalog', "$dir/catalog.json"))[0], 0, 'a catalog');
is(($t->cli('import', '-', \(record('BK-1') . record('BK-2'))))[0], 0,
    'two dossiers');
mkdir "$dir/etc", 0700;
mkdir "$dir/textfile";
is((cli('key', 'add', '--keys-file', "$dir/etc/keys", 'admin', '*'))[0], 0,
    'a keys file');
is((cli('qr-key', 'rotate', '--qr-key-file', "$dir/etc/qr.key"))[0], 0,
    'a QR key');

# --- two backups in the same second, and on the same day ---

my ($rc, $out, $err) = backup(ONESTOP_BACKUP_TIME => '2024-06-15T013000Z');
is($rc, 0, 'a backup') or diag($err);
like($out, qr{^onestop-backup: \Q$backups\E/2024-06-15T013000Z: the store \(\d+ bytes\), keys qr.key; verified; 1 kept$},
    'says what it made');
($rc, $out, $err) = backup(ONESTOP_BACKUP_TIME => '2024-06-15T013000Z');
is($rc, 0, 'a second backup in the same second') or diag($err);
is_deeply(names(), ['2024-06-15T013000Z', '2024-06-15T013000Z-2'],
    'the two have two names');
($rc, $out, $err) = backup();
($rc, $out, $err) = backup() if $rc == 0;
is($rc, 0, 'two more, named by the clock') or diag($err);
is(scalar(@{ names() }), 4, 'four backups, none overwritten');

my $b1 = "$backups/2024-06-15T013000Z";
is(mode($backups), '0711', 'the backup directory: 0711');
is(mode($b1), '0711', 'a backup: 0711');
is_deeply([sort keys %{ snapshot("$b1/store") }], ['data.mdb'],
    'the store\'s copy, without lock.mdb');
is(mode("$b1/store/data.mdb"), '0640', 'the copy is not for others');
for my $f (qw(keys qr.key)) {
    is(Onestop::Test::slurp("$b1/etc/$f"),
        Onestop::Test::slurp("$dir/etc/$f"), "etc/$f: the same bytes");
    is(mode("$b1/etc/$f"), '0600', "etc/$f: 0600");
}
is(`cd $b1 && sha256sum -c --quiet SHA256SUMS 2>&1`, '',
    'SHA256SUMS checks every file');
is($? >> 8, 0, 'sha256sum -c exits 0');
like(Onestop::Test::slurp("$dir/textfile/onestop_backup_success.prom"),
    qr/^onestop_backup_last_success_timestamp_seconds \d+$/m,
    'the time of the last good backup, for node_exporter');

# --- retention ---

my $newest = names()->[-1];
($rc, $out, $err) = backup(ONESTOP_BACKUP_TIME => '2098-01-01T013000Z',
    ONESTOP_BACKUP_KEEP => 2);
is($rc, 0, 'a backup keeping 2') or diag($err);
my @kept = @{ names() };
is_deeply(\@kept, [$newest, '2098-01-01T013000Z'], 'the newest two are kept');
ok(!-e $b1 && !-e "$b1-2", 'the oldest are gone');
like($out, qr/; 2 kept$/, 'and says how many are kept');

# --- a failing verify ---

my $fake = $t->spew('fake-onestop', <<"END");
#!/bin/sh
for a; do
    if [ "\$a" = verify ]; then
        echo "differs: P channel online all time"
        exit 1
    fi
done
exec $CLI "\$@"
END
chmod 0755, $fake;
my $good = Onestop::Test::slurp("$dir/textfile/onestop_backup_success.prom");
($rc, $out, $err) = backup(ONESTOP => $fake,
    ONESTOP_BACKUP_TIME => '2099-01-01T000000Z', ONESTOP_BACKUP_KEEP => 1);
is($rc, 1, 'a failing verify fails the backup');
like($err, qr/verify: differs: P channel online all time/,
    'the difference reaches the journal');
like($err, qr/counters do not match.*2099-01-01T000000Z\.failed/,
    'and where the copy is');
is_deeply(names(), [@kept, '2099-01-01T000000Z.failed'],
    'nothing counted, nothing deleted');
is(Onestop::Test::slurp("$dir/textfile/onestop_backup_success.prom"), $good,
    'the last good backup\'s time stays');
like(Onestop::Test::slurp("$dir/textfile/onestop_backup_failure.prom"),
    qr/^onestop_backup_last_failure_timestamp_seconds \d+$/m,
    'the failure\'s time is there');

# --- one at a time; no store; the copy off the host ---

open(my $lock, '>>', "$backups/.lock") or die;
flock($lock, LOCK_EX) or die;
($rc, $out, $err) = backup();
is($rc, 1, 'a second run while one runs is refused');
like($err, qr/another backup is running/, 'and says so');
close $lock;

($rc, $out, $err) = backup(ONESTOP_STORE => "$dir/no-store");
is($rc, 1, 'no store: exit 1');
like($err, qr/no store at/, 'and says so');

mkdir "$dir/offsite";
($rc, $out, $err) = backup(ONESTOP_BACKUP_AFTER => "cp -a \"\$1\" $dir/offsite/",
    ONESTOP_BACKUP_TIME => '2024-06-17T013000Z');
is($rc, 0, 'a backup with a copy off the host') or diag($err);
ok(-f "$dir/offsite/2024-06-17T013000Z/store/data.mdb",
    'ONESTOP_BACKUP_AFTER got the new backup\'s directory');
($rc, $out, $err) = backup(ONESTOP_BACKUP_AFTER => 'false',
    ONESTOP_BACKUP_TIME => '2024-06-17T013001Z');
is($rc, 1, 'a failing copy off the host fails the run');

# --- the systemd units ---

SKIP: {
    skip 'no systemd-analyze', 4 unless -x '/usr/bin/systemd-analyze';
    my $u = "$dir/units";
    mkdir $u;
    for my $f (qw(onestop-backup.service onestop-backup.timer
        onestop-failure@.service))
    {
        my $text = Onestop::Test::slurp("$ROOT/conf/systemd/$f");
        $text =~ s{/usr/sbin/onestop-backup}{$SCRIPT}g;
        $t->spew("units/$f", $text);
    }
    my $v = `cd $u && systemd-analyze verify --man=no ./onestop-backup.service ./onestop-backup.timer ./onestop-failure\@.service 2>&1`;
    is($? >> 8, 0, 'systemd-analyze verify passes the units') or diag($v);
    my $timer = Onestop::Test::slurp("$u/onestop-backup.timer");
    like($timer, qr/^OnCalendar=Sun \*-\*-\* 01:30:00$/m,
        'weekly by default');
    like(Onestop::Test::slurp("$ROOT/conf/systemd/daily.conf"),
        qr/^OnCalendar=\nOnCalendar=\*-\*-\* 01:30:00$/m,
        'daily in the example drop-in');
    like(Onestop::Test::slurp("$u/onestop-backup.service"),
        qr/^OnFailure=onestop-failure@%n\.service$/m, 'an OnFailure= hook');
}
# the notifier's unit: one that cannot start (a wrong configuration)
# restarts until the start limit fails the unit, which starts the
# OnFailure= hook; with RestartSec=5 and systemd's default limit (5 starts
# in 10 s) the limit was never reached: a restart every 5 s, for ever, and
# no one told
{
    my $unit = Onestop::Test::slurp("$ROOT/conf/systemd/onestop-notify.service");
    like($unit, qr/^OnFailure=onestop-failure@%n\.service$/m,
        'the notifier\'s unit has the OnFailure= hook');
    my ($restart) = $unit =~ /^RestartSec=(\d+)s?$/m;
    my ($interval) = $unit =~ /^StartLimitIntervalSec=(\d+)s?$/m;
    my ($burst) = $unit =~ /^StartLimitBurst=(\d+)$/m;
    ok(defined $restart, "it restarts (RestartSec=${\ ($restart // '') })");
    $interval //= 10;
    $burst //= 5;
    cmp_ok($restart * ($burst - 1), '<', $interval,
        "a start failing each time reaches the start limit ($burst starts "
        . "in $interval s, one each $restart s): the unit fails and says so");
    SKIP: {
        skip 'no systemd-analyze', 1 unless -x '/usr/bin/systemd-analyze';
        my $u = "$dir/units";
        mkdir $u;
        (my $text = $unit) =~ s{/usr/bin/onestop}{$CLI}g;
        $t->spew('units/onestop-notify.service', $text);
        my $v = `cd $u && systemd-analyze verify --man=no ./onestop-notify.service 2>&1`;
        is($? >> 8, 0, 'systemd-analyze verify passes it') or diag($v);
    }
}

# the copy off the host that the settings and the guide show (rsync to
# user@host: ssh as root, with /root/.ssh's key and known_hosts) must be
# able to run in the unit's sandbox: ProtectHome=yes hid /root, so every
# run failed and no backup left the machine
{
    my $unit = Onestop::Test::slurp("$ROOT/conf/systemd/onestop-backup.service");
    like(Onestop::Test::slurp("$ROOT/conf/onestop-backup.default"),
        qr/^#ONESTOP_BACKUP_AFTER='rsync -a "\$1" [^ ']*@/m,
        'the settings show a copy off the host over ssh');
    my ($home) = $unit =~ /^ProtectHome=(\S+)$/m;
    ok(!defined $home || $home =~ /^(?:no|false|read-only)\z/,
        'the backup unit lets its ssh read /root/.ssh (ProtectHome='
        . ($home // '') . ')');
    unlike($unit, qr{^InaccessiblePaths=.*(?:/root|/home)}m,
        '... and hides no home otherwise');
}
is(`groff -k -man -Tutf8 -ww -z $ROOT/docs/onestop-backup.8 2>&1`, '',
    'onestop-backup(8) renders without a warning');

# --- restore ---

my $bk = "$backups/2024-06-17T013000Z";

$t->write_standard_conf(serve => [qw(lookup ingest)]);
$t->spew('keys', "");
ok($t->start, 'nginx on the store') or BAIL_OUT('no nginx');
my $owner = (stat "$store/data.mdb")[4];
is(($t->cli('import', '-', \record('BK-AFTER')))[0], 0,
    'a dossier written after the backup');
is($t->get('/api/v1/dossiers/BK-AFTER')->{status}, 200, 'nginx serves it');

($rc, $out, $err) = cli('--store', $store, 'restore', '--replace', $bk);
is($rc, 1, 'restore is refused while nginx has the store open');
like($err, qr/in use by process \d+: stop nginx first/, 'and says so');
$t->stop;
my $before = snapshot($store);

($rc, $out, $err) = cli('--store', $store, 'restore', $bk);
is($rc, 1, 'restore over a store needs --replace');
like($err, qr/holds a store already/, 'and says so');

# a backup whose counters do not match its records
system('cp', '-a', $bk, "$dir/bad-backup") == 0 or die;
my ($key) = `mdb_dump -s counters $dir/bad-backup/store` =~ /^HEADER=END\n (\S+)\n/m;
ok($key, 'a counter block of the backup');
open(my $load, '|-', "mdb_load -s counters $dir/bad-backup/store") or die;
print $load "VERSION=3\nformat=bytevalue\ntype=btree\nHEADER=END\n"
    . " $key\n 00\nDATA=END\n";
close $load;
unlink "$dir/bad-backup/store/lock.mdb";
($rc, $out, $err) = cli('--store', $store, 'restore', '--replace',
    "$dir/bad-backup");
is($rc, 1, 'a backup with a wrong counter is not restored');
like($err, qr/1 counter\(s\) differ from its records.*nothing restored/,
    'and says why');
is_deeply(snapshot($store), $before, 'the store is untouched');
opendir(my $dh, $dir);
is_deeply([grep { /restoring|replaced/ } readdir $dh], [],
    'nothing is left beside it');

($rc, $out, $err) = cli('--store', $store, 'restore', '--replace', $bk);
is($rc, 0, 'restore --replace of a good backup') or diag($err);
like($out, qr/^restored store "\Q$store\E" from "\Q$bk\E" \(schema version 6, verified\)\n/,
    'says so');
my ($aside) = $out =~ /the store that was there is in "([^"]+)"/;
ok($aside && -f "$aside/data.mdb", 'the old store is kept aside');
like($out, qr/keys file and QR key are in "\Q$bk\E\/etc"/,
    'and where the secrets are');
is((stat "$store/data.mdb")[4], $owner, 'the restored store has the owner');
is(mode("$store"), '0750', 'and the store directory\'s mode');
ok(!-e "$store/lock.mdb", 'no lock.mdb from the check');
is(Onestop::Test::slurp("$bk/store/data.mdb") eq
    Onestop::Test::slurp("$store/data.mdb") ? 1 : 0, 1,
    'the store is the backup\'s copy, byte for byte');
ok(!-e "$bk/store/lock.mdb", 'the backup was only read');

ok($t->start, 'nginx on the restored store') or BAIL_OUT('no nginx');
is($t->get('/api/v1/dossiers/BK-1')->{status}, 200,
    'a dossier of the backup is there');
is($t->get('/api/v1/dossiers/BK-AFTER')->{status}, 404,
    'one written after it is not');
$t->stop;
is((cli('--store', $aside, 'get', 'BK-AFTER'))[0], 0,
    'it is in the store moved aside');

($rc, $out, $err) = cli('--store', "$dir/fresh", 'restore', $bk);
is($rc, 0, 'restore where there is no store') or diag($err);
is((cli('--store', "$dir/fresh", 'get', 'BK-2'))[0], 0, 'it holds the data');

($rc, $out, $err) = cli('--store', "$dir/fresh2", 'restore', "$dir/etc");
is($rc, 1, 'restore of a directory that is not a backup fails');
ok(!-e "$dir/fresh2", 'and creates nothing');

# --- a copy cut short (the disk filled while it was written) ---
# LMDB maps data.mdb and reads a page where the meta page says it is: a
# copy shorter than its pages made restore die of a bus error (signal 7),
# with --no-verify too

my $whole = Onestop::Test::slurp("$bk/store/data.mdb");
my $cut = int(length($whole) / 2 / 4096) * 4096;
ok($cut >= 2 * 4096, "the copy has pages to cut ($cut of "
    . length($whole) . ' bytes kept)');
mkdir "$dir/cut";
$t->spew('cut/data.mdb', substr($whole, 0, $cut));
for my $args (['restore', "$dir/cut"], ['restore', '--no-verify',
    "$dir/cut"])
{
    ($rc, $out, $err) = cli('--store', "$dir/fresh3", @$args);
    is($rc, 1, "@$args[0 .. $#$args - 1] of a copy cut short: exit 1")
        or diag("exit $rc: $err");
    like($err, qr/\Aonestop: [^\n]*cut short[^\n]*\n\z/,
        'one line that says so') or diag($err);
    ok(!-e "$dir/fresh3", 'and nothing is restored');
}
# the commands that read a store, pointed at the cut copy itself: one
# line and exit 1, not a bus error (signal 7, exit 135) and a core
for my $args (['verify'], ['get', '000.00.12.H36-240101-0001'], ['stats']) {
    ($rc, $out, $err) = cli('--store', "$dir/cut", @$args);
    is($rc, 1, "$args->[0] on the cut copy: exit 1") or diag("exit $rc: $err");
    like($err, qr/\Aonestop: the data\.mdb of store "\Q$dir\E\/cut" is cut short[^\n]*\n\z/,
        '... one line that says so') or diag($err);
}
is(length(Onestop::Test::slurp("$dir/cut/data.mdb")), $cut,
    'the cut copy is left as it was');

# --- onestop backup on a disk that fills ---
# a copy that fails leaves nothing behind: no half-written data.mdb
# (readable by all, with the applicants' contacts) that a later restore
# or a retry would trip on; a data.mdb that was there is not touched

SKIP: {
    skip 'mounting a tmpfs needs root', 9 if $> != 0;
    my $small = "$dir/small";
    mkdir $small;
    my $size = int(length($whole) / 2 / 4096) * 4096;
    my $m = `mount -t tmpfs -o size=$size tmpfs '$small' 2>&1`;
    skip "could not mount a tmpfs: $m", 9 if $? != 0;
    ($rc, $out, $err) = cli('--store', $store, 'backup', "$small/b");
    is($rc, 1, 'backup on a full disk: exit 1') or diag($err);
    like($err, qr/\Aonestop: [^\n]*No space left on device[^\n]*\n\z/,
        'one line that says so') or diag($err);
    ok(!-e "$small/b", 'the directory it made is gone, with the half copy')
        or diag(`ls -la '$small/b'`);
    my ($uid, $gid) = (stat $store)[4, 5];
    mkdir "$small/c";
    chown $uid, $gid, "$small/c";
    ($rc, $out, $err) = cli('--store', $store, 'backup', "$small/c");
    is($rc, 1, 'into a directory that was there: exit 1') or diag($err);
    ok(-d "$small/c" && !-e "$small/c/data.mdb",
        'the directory is left, without a half copy')
        or diag(`ls -la '$small/c'`);
    system('umount', $small) == 0 or system('umount', '-l', $small);
    mkdir "$dir/room";
    chown $uid, $gid, "$dir/room";
    ($rc, $out, $err) = cli('--store', $store, 'backup', "$dir/room/again");
    is($rc, 0, 'a backup where there is room') or diag($err);
    is(mode("$dir/room/again/data.mdb"), '0640', 'its copy: 0640');
    my $before = md5_hex(Onestop::Test::slurp("$dir/room/again/data.mdb"));
    ($rc, $out, $err) = cli('--store', $store, 'backup', "$dir/room/again");
    is($rc, 1, 'a backup over a copy that is there is refused') or diag($err);
    is(md5_hex(Onestop::Test::slurp("$dir/room/again/data.mdb")), $before,
        'and the copy is untouched');
}

# --- retention when the clock went back ---
# a backup named before the others (a clock set back, a backup once named
# by a clock far ahead) was the oldest by name, and retention deleted it
# at once: the run said "verified", handed a deleted directory to the
# copy off the host, and no new backup was ever kept

{
    my @had = grep { !/\.failed\z/ } @{ names() };
    ok(@had >= 3, 'backups named after 2020: ' . join(' ', @had));
    mkdir "$dir/offsite2";
    ($rc, $out, $err) = backup(ONESTOP_BACKUP_TIME => '2020-01-01T000000Z',
        ONESTOP_BACKUP_KEEP => 2,
        ONESTOP_BACKUP_AFTER => "cp -a \"\$1\" $dir/offsite2/");
    is($rc, 0, 'a backup named before the others') or diag($err);
    ok(-f "$backups/2020-01-01T000000Z/store/data.mdb",
        'it is kept: the backup just made is never deleted');
    ok(-f "$dir/offsite2/2020-01-01T000000Z/store/data.mdb",
        'and copied off the host');
    my @now = grep { !/\.failed\z/ } @{ names() };
    is_deeply(\@now, ['2020-01-01T000000Z', $had[-1]],
        'with the newest by name of the others: 2 kept');
    like($out, qr/; 2 kept$/, 'and says so');
}

$t->check_log;

alarm 0;

done_testing;
