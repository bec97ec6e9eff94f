#!/usr/bin/perl

# A store on read-only media (a backup's snapshot, a disk mounted ro, an
# operator checking a copy): the commands that only read (verify, stats,
# get, backup) work there; each failed with "could not open store: Read-
# only file system", since LMDB makes its lock file beside data.mdb.  On
# such a file system no process can write, so they open the store
# read-only without one.  A command that writes still fails, saying why.

use v5.36;
use utf8;

use lib 't/lib';

use JSON::PP;
use Test::More;

use Onestop::Test;

plan skip_all => 'mounting a tmpfs needs root' if $> != 0;

my $t = Onestop::Test->new(today => '2024-06-15');
my $mnt = $t->dir . '/ro';
mkdir $mnt;
system('mount', '-t', 'tmpfs', '-o', 'size=64m', 'tmpfs', $mnt) == 0
    or plan skip_all => 'could not mount a tmpfs';
my $mounted = 1;
END { system('umount', $mnt) if $mounted }

sub cli (@args) {
    my $out = qx($Onestop::Test::CLI @args 2>&1);
    return ($? >> 8, $out);
}

my ($rc, $out) = cli('--store', "$mnt/s", 'demo', '300');
is($rc, 0, 'a demo store of 300 dossiers') or diag($out);
is(system('mount', '-o', 'remount,ro', $mnt), 0, 'the file system remounted read-only');

($rc, $out) = cli('--store', "$mnt/s", 'verify');
is($rc, 0, 'verify on read-only media: exit 0') or diag($out);
like($out, qr/^ok: every counter matches the records/m, '... and its answer');

($rc, $out) = cli('--store', "$mnt/s", 'stats');
is($rc, 0, 'stats: exit 0') or diag($out);
is(eval { JSON::PP->new->decode($out)->{totals}{received} }, 300,
    '... 300 received');

my $bk = $t->dir . '/copy';
($rc, $out) = cli('--store', "$mnt/s", 'backup', $bk);
is($rc, 0, 'backup from read-only media: exit 0') or diag($out);
ok(-s "$bk/data.mdb", '... the copy is there');
($rc, $out) = cli('--store', $bk, 'verify');
is($rc, 0, '... and verifies') or diag($out);

($rc, $out) = cli('--store', "$mnt/s", 'demo', '10');
is($rc, 1, 'a command that writes: exit 1');
like($out, qr/Read-only file system/, '... saying why');

is(system('umount', $mnt), 0, 'unmounted');
$mounted = 0;
done_testing();
