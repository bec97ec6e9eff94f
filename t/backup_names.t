#!/usr/bin/perl

# conf/onestop-backup's names and its last rename (t/backup.t tests the
# rest).  Retention sorted the names as text, so a second backup in the
# same second named -10 came before -2 .. -9: with KEEP=2 it was deleted
# and -9 kept, the newer backup gone.  And the rename of NAME.partial to
# NAME that makes a backup count was not checked: a directory of that
# name made meanwhile took the backup inside it, and the run ended with
# stat's complaint, no "onestop-backup:" line and no failure metric.

use v5.36;

use lib 't/lib';

use Test::More;

use Onestop::Test;

local $SIG{ALRM} = sub { BAIL_OUT('backup_names.t did not finish in 120 s') };
alarm 120;

my $t = Onestop::Test->new(today => '2024-06-15');
my $dir = $t->dir;
my $store = $t->store;
my $CLI = $Onestop::Test::CLI;
my $SCRIPT = "$Onestop::Test::ROOT/conf/onestop-backup";
my $backups = "$dir/backups";

sub run (@args) {
    my $cmd = join ' ', map { Onestop::Test::quote($_) } @args;
    system("$cmd </dev/null >$dir/out 2>$dir/err");
    return ($? >> 8, Onestop::Test::slurp("$dir/out"),
        Onestop::Test::slurp("$dir/err"));
}

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

$t->spew('catalog.json', Onestop::Test::catalog_json());
is(($t->cli('catalog', "$dir/catalog.json"))[0], 0, 'a store');
mkdir "$dir/etc", 0700;
mkdir "$dir/textfile";

# --- retention past -9 ---

my $s = '2024-06-15T013000Z';
my ($rc, $out, $err);
for my $i (1 .. 10) {
    ($rc, $out, $err) = backup(ONESTOP_BACKUP_TIME => $s,
        ONESTOP_BACKUP_KEEP => 20);
    is($rc, 0, "backup $i in the same second") or diag($err);
}
is(scalar(@{ names() }), 10, 'ten backups') or diag(explain(names()));
ok(-d "$backups/$s-10", "the tenth is $s-10");
($rc, $out, $err) = backup(ONESTOP_BACKUP_TIME => '2024-06-16T013000Z',
    ONESTOP_BACKUP_KEEP => 2);
is($rc, 0, 'a backup the next day, keeping 2') or diag($err);
is_deeply([sort @{ names() }], [sort("$s-10", '2024-06-16T013000Z')],
    'the newest two are kept: -10 is newer than -9')
    or diag(explain(names()));

# a failed backup is kept while it is not older than the oldest kept:
# $s-10.failed is newer than $s-9
mkdir "$backups/$s-9.failed";
mkdir "$backups/$s-11.failed";
($rc, $out, $err) = backup(ONESTOP_BACKUP_TIME => '2024-06-17T013000Z',
    ONESTOP_BACKUP_KEEP => 3);
is($rc, 0, 'a backup keeping 3') or diag($err);
ok(!-e "$backups/$s-9.failed", 'a failed one older than the oldest kept goes');
ok(-e "$backups/$s-11.failed", 'one newer than it stays');

# --- the rename that makes the backup count ---

my $taken = "$backups/2024-06-18T013000Z";
my $fake = $t->spew('fake-onestop', <<"END");
#!/bin/sh
for a; do
    if [ "\$a" = verify ]; then
        mkdir -p $taken/other
    fi
done
exec $CLI "\$@"
END
chmod 0755, $fake;
my $failures = "$dir/textfile/onestop_backup_failure.prom";
unlink $failures;
($rc, $out, $err) = backup(ONESTOP => $fake,
    ONESTOP_BACKUP_TIME => '2024-06-18T013000Z');
is($rc, 1, 'a backup whose name was taken meanwhile fails');
like($err, qr/^onestop-backup: cannot name the backup \Q$taken\E \(what was copied is in \Q$taken\E\.failed\)$/m,
    'saying so, and where the copy is') or diag($err);
ok(-f $failures, 'with the failure\'s metric');
ok(!-e "$taken/other/store" && !-e "$taken/2024-06-18T013000Z.partial",
    'the backup was not moved inside the other directory');
ok(-f "$taken.failed/store/data.mdb", 'the copy is there');

alarm 0;

done_testing;
