#!/usr/bin/perl

# "nginx -t" changes nothing (issue 19).  It used to create the store,
# give its files to nginx's user, upgrade an old schema and even write
# onestop's databases into another program's LMDB environment.  Now it
# only looks (LMDB opened read-only and without its lock file) and says
# what a start would do: against an empty directory, a foreign LMDB
# environment, an old schema and a current store, every file is byte for
# byte, owner and mode, the same afterwards.  A start still creates and
# upgrades; a foreign environment is refused by the start and the CLI
# too, and stays as it was.

use v5.36;

use lib 't/lib';

use Digest::SHA qw(sha256_hex);
use File::Find ();
use Test::More;

use Onestop::Test;

# every file and directory under $dir: type, mode, owner, size, contents
sub snapshot ($dir) {
    my %s;
    File::Find::find({ no_chdir => 1, wanted => sub {
        my @st = lstat($_) or return;
        my $what = -d _ ? 'dir' : sha256_hex(Onestop::Test::slurp($_));
        $s{$_} = join(' ', $st[2], $st[4], $st[5], -d _ ? 0 : $st[7], $what);
    } }, $dir);
    return \%s;
}

sub same_tree ($before, $dir, $name) {
    is_deeply(snapshot($dir), $before, $name);
}

my $t = Onestop::Test->new;
my $store = $t->store;
$t->write_standard_conf(serve => [qw(lookup)], keys => 0);

# --- an empty directory ---------------------------------------------------

mkdir $store or die "$store: $!";
my $before = snapshot($store);
my ($rc, $out) = $t->test_conf;
is($rc, 0, 'nginx -t on an empty directory passes') or diag($out);
like($out, qr/does not exist yet: nginx creates it when it starts, or run "onestop --store \S+ init"/,
    'and says what a start will do');
same_tree($before, $store, 'nothing created or changed');
ok(!-e "$store/data.mdb", 'no data.mdb');

rmdir $store or die;
($rc, $out) = $t->test_conf;
is($rc, 0, 'nginx -t without the directory passes') or diag($out);
ok(!-e $store, 'the directory is still absent');

# --- another program's LMDB environment -----------------------------------

mkdir $store or die;
$t->spew('other.dump', "VERSION=3\nformat=bytevalue\ndatabase=accounts\n"
    . "type=btree\nHEADER=END\n " . unpack('H*', 'alice') . "\n "
    . unpack('H*', 'secret') . "\nDATA=END\n");
is(system("mdb_load -s accounts -f " . $t->dir . "/other.dump $store"), 0,
    'a foreign environment made with mdb_load');
# the data (maxreaders is the lock file's, which an open sets up)
sub data_of ($dir) { `mdb_dump -a $dir` =~ s/^maxreaders=\d+\n//mr }
my $dump = data_of($store);

$before = snapshot($store);
($rc, $out) = $t->test_conf;
isnt($rc, 0, 'nginx -t refuses it');
like($out, qr/is not an onestop store \(an LMDB environment without/,
    'saying it is not an onestop store') or diag($out);
same_tree($before, $store, 'every file unchanged by nginx -t');

# (refused while the configuration is read: on stderr, as any mistake of
# the configuration, before the error log is opened)
my $sout = `$Onestop::Test::NGINX -p ${\ $t->dir}/ -c ${\ $t->dir}/nginx.conf 2>&1`;
isnt($?, 0, 'a start refuses it too');
like($sout . $t->error_log, qr/not an onestop store/, 'with the same reason')
    or diag($sout);
my ($crc, undef, $cerr) = $t->cli('catalog',
    $t->spew('catalog.json', Onestop::Test::catalog_json()));
isnt($crc, 0, 'the CLI refuses it');
like($cerr, qr/not an onestop store/, 'with the same reason');
is(data_of($store), $dump, 'its data as it was: no onestop database in it');

system("rm -rf $store");

# --- a store of schema 1 ----------------------------------------------------

($crc, undef, $cerr) = $t->cli('catalog', $t->dir . '/catalog.json');
is($crc, 0, 'a store made by the CLI') or diag($cerr);
$t->spew('meta.dump', "VERSION=3\nformat=bytevalue\ndatabase=meta\n"
    . "type=btree\nHEADER=END\n " . unpack('H*', 'schema_version')
    . "\n 01000000\nDATA=END\n");
is(system("mdb_load -s meta -f " . $t->dir . "/meta.dump $store"), 0,
    'its schema set back to 1 (it has no counters yet)');

$before = snapshot($store);
($rc, $out) = $t->test_conf;
is($rc, 0, 'nginx -t on schema 1 passes') or diag($out);
like($out, qr/schema version 1: nginx upgrades it to \d+ in place when it starts, or run "onestop --store \S+ migrate"/,
    'and says a start upgrades it');
same_tree($before, $store, 'every file unchanged: no upgrade by nginx -t');
like(`mdb_dump -s meta $store`, qr/\n 01000000\n/, 'still schema 1');

ok($t->start, 'a start') or diag($t->error_log);
$t->stop;
like(`mdb_dump -s meta $store`, qr/\n 06000000\n/, 'upgrades it to 6');

# --- a current store ----------------------------------------------------------

$before = snapshot($store);
($rc, $out) = $t->test_conf;
is($rc, 0, 'nginx -t on a current store passes') or diag($out);
unlike($out, qr/\[(?:notice|warn|emerg)\]/, 'with nothing to say about it');
same_tree($before, $store, 'every file unchanged');

done_testing;
