#!/usr/bin/perl

# A store that nginx's workers cannot open (docs/operators-guide.md, "Who
# owns it"): the master, as root, gives the store to the "user" of the
# configuration, but a mode that keeps that user out (data.mdb or lock.mdb
# not readable and writable, the directory or one above it not searchable)
# used to pass "nginx -t" and leave the master without workers, with a
# message about ownership.  "nginx -t" and a start now fail, saying which
# file, what is wrong (its mode, or its owner) and the command that fixes
# it; the command given does fix it.  A reload keeps its master, and the
# new workers say the same.  Needs root, to run workers as another user.

use v5.36;

use lib 't/lib';

use HTTP::Tiny;
use POSIX ();
use Test::More;
use Time::HiRes qw(sleep time);

use Onestop::Test;

plan skip_all => 'needs root: nginx\'s workers must run as another user '
    . '(the "user" directive) than the master'
    if $> != 0;

my @nobody = getpwnam('nobody') or plan skip_all => 'no user "nobody"';
my $group = getgrgid($nobody[3]) // $nobody[3];
my @other = getpwnam('daemon') or plan skip_all => 'no user "daemon"';

# a server that dies must fail this test, not hang it
local $SIG{ALRM} = sub { BAIL_OUT('store_access.t did not finish in 120 s') };
alarm 120;

sub conf ($t, $store) {
    $t->write_conf(<<"END", main => "user nobody $group;");
    onestop_store $store map_size=64m;

    server {
        listen 127.0.0.1:%%PORT%%;
        location /api/v1/stats { onestop_stats; }
    }
END
}

# the command a message gives after "fix: ", run as root
sub fix_ok ($out, $name) {
    my ($cmd) = $out =~ /; fix: ([^\n]+?)(?:, or put the store elsewhere)?$/m;
    ok(defined $cmd, "$name: the message gives a command") or return;
    is(system('/bin/sh', '-c', $cmd), 0, "$name: '$cmd' runs");
}

my $t = Onestop::Test->new(workers => 1);
my $dir = $t->dir;
my $store = $t->store;

my ($rc, $out, $err) = $t->cli('demo', '20');
is($rc, 0, 'a demo store, made by the CLI as root') or diag($err);
conf($t, $store);

($rc, $out) = $t->test_conf;
is($rc, 0, 'nginx -t passes: a start will give the store to the workers\' user')
    or diag($out);
is((stat "$store/data.mdb")[4], 0, 'nginx -t changes nothing: data.mdb is still root\'s');
ok($t->start, 'a start') or diag($t->error_log);
$t->stop;
is((stat "$store/data.mdb")[4], $nobody[2], 'data.mdb belongs to nobody');

# a file the owner may not write or read: the mode is wrong, not the owner
for my $c (['data.mdb', 0400, 'read and write', 'u+rw'],
    ['lock.mdb', 0000, 'read and write', 'u+rw'],
    ['', 0600, 'search', 'u+x'])
{
    my ($file, $mode, $action, $perm) = @$c;
    my $path = $file eq '' ? $store : "$store/$file";
    my $name = sprintf('%s mode %04o', $file || 'the store directory', $mode);
    chmod $mode, $path;
    ($rc, $out) = $t->test_conf;
    isnt($rc, 0, "$name: nginx -t fails");
    like($out, qr/\Q[emerg]\E.*nginx's workers, which run as user "nobody", /,
        "$name: it is the workers' user");
    my $want = sprintf('cannot %s "%s": its mode is %04o (owner nobody:%s); '
        . 'fix: chmod %s %s', $action, $path, $mode, $group, $perm, $path);
    like($out, qr/\Q$want\E$/m, "$name: what is wrong, and the command");
    unlike($out, qr/must belong/, "$name: nothing about ownership");
    fix_ok($out, $name);
    ($rc, $out) = $t->test_conf;
    is($rc, 0, "$name: nginx -t passes after the fix") or diag($out);
}

# a directory above the store that the workers' user cannot search
mkdir "$dir/deep";
chmod 0700, "$dir/deep";
rename $store, "$dir/deep/store" or die "rename: $!";
conf($t, "$dir/deep/store");
($rc, $out) = $t->test_conf;
isnt($rc, 0, 'a directory above the store not searchable: nginx -t fails');
my $want = qq{cannot search the directory "$dir/deep" above the store: its }
    . qq{mode is 0700 (owner root:root); fix: chmod o+x $dir/deep, or put }
    . 'the store elsewhere';
like($out, qr/\Q$want\E$/m, 'which directory, and the command');
fix_ok($out, 'the directory above');
($rc, $out) = $t->test_conf;
is($rc, 0, 'nginx -t passes after the fix') or diag($out);

# a start fails the same way, before any worker runs
chmod 0400, "$dir/deep/store/data.mdb";
$out = `$Onestop::Test::NGINX -p $dir/ -c $dir/nginx.conf 2>&1`;
isnt($? >> 8, 0, 'a start fails');
$want = "fix: chmod u+rw $dir/deep/store/data.mdb";
like($t->error_log, qr/\[emerg\].*\Q$want\E/, 'and says why in the error log');
ok(!$t->pid || !kill(0, $t->pid), 'no master is left running');
chmod 0660, "$dir/deep/store/data.mdb";

# it serves once fixed; a reload onto a broken mode is refused: the
# master and its worker go on (it used to be taken, and the new workers
# could not open the store)
ok($t->start, 'a start after the fix') or diag($t->error_log);
my $r = $t->get('/api/v1/stats');
is($r->{status}, 200, 'the workers serve');
my $master = $t->pid;
my @old = $t->worker_pids;
chmod 0400, "$dir/deep/store/data.mdb";
my $log = length $t->error_log;
kill 'HUP', $master;
ok(Onestop::Test::wait_for(10, sub {
    substr($t->error_log, $log) =~ /nginx's workers, which run as user/ }),
    'a reload onto a broken mode says so');
ok(kill(0, $master), 'and keeps the master');
$want = qq{store "$dir/deep/store": nginx's workers, which run as user }
    . qq{"nobody", cannot read and write "$dir/deep/store/data.mdb": its }
    . qq{mode is 0400 (owner nobody:$group); fix: chmod u+rw }
    . "$dir/deep/store/data.mdb";
like(substr($t->error_log, $log), qr/\[emerg\].*\Q$want\E$/m,
    'what is wrong and the fix, at [emerg]');
unlike(substr($t->error_log, $log), qr/could not open store/,
    'no new worker tried');
is_deeply([$t->worker_pids], \@old, 'the old worker goes on');
is($t->get('/api/v1/stats')->{status}, 200, '... serving the store it has');

# a worker that cannot open the store stays and answers 503: one
# respawned while the mode is broken (the old one crashed) used to exit
# with code 2, which nginx does not respawn: no worker, the port
# accepting connections nobody answered
$log = length $t->error_log;
kill 'KILL', $old[0];
ok(Onestop::Test::wait_for(10, sub {
    substr($t->error_log, $log) =~ /could not open store/ }),
    'the respawned worker cannot open the store');
$want = qq{could not open store "$dir/deep/store": Permission denied: user }
    . qq{"nobody" cannot read and write "$dir/deep/store/data.mdb": its mode }
    . qq{is 0400 (owner nobody:$group); fix: chmod u+rw }
    . "$dir/deep/store/data.mdb";
like(substr($t->error_log, $log), qr/\[emerg\].*\Q$want\E$/m,
    'it says what is wrong and the fix');
$r = HTTP::Tiny->new(timeout => 10)->get($t->url('/api/v1/stats'));
is($r->{status}, 503, 'and answers 503');
like($r->{content}, qr/"unavailable"/, '... unavailable');
is($r->{headers}{'retry-after'}, '5',
    '... with Retry-After: 5 (a client library waits, then asks again)');
like(substr($t->error_log, $log),
    qr/\[alert\].*this worker answers 503 until it can open the store: fix it, then "nginx -s reload"/,
    'saying it answers 503 until a reload after the fix');
is(scalar($t->worker_pids), 1, 'it stays')
    or diag(substr($t->error_log, $log));
chmod 0660, "$dir/deep/store/data.mdb";
$t->reload;
my $deadline = time + 10;
do { $r = $t->get('/api/v1/stats') }
    while ($r->{status} != 200 && time < $deadline && sleep 0.1);
is($r->{status}, 200, 'a reload after the fix serves again');
$t->stop;

# nginx run by another user than the store's owner (no root, so no
# "user"): the owner is wrong, and the fix is chown
{
    my $u = Onestop::Test->new(workers => 1);
    my $udir = $u->dir;
    ($rc, $out, $err) = $u->cli('demo', '5');
    is($rc, 0, 'a store of root\'s') or diag($err);
    $u->write_conf(<<'END');
    onestop_store %%STORE%% map_size=64m;
    server { listen 127.0.0.1:%%PORT%%; location / { onestop_stats; } }
END
    # what nginx writes must be writable by that user
    mkdir "$udir/tmp";
    chmod 01777, "$udir/tmp";
    for my $f (qw(error.log access.log nginx.pid)) {
        $u->spew($f, '');
        chmod 0666, "$udir/$f";
    }
    chmod 0755, $u->store;
    pipe(my $rd, my $wr) or die "pipe: $!";
    my $pid = fork() // die "fork: $!";
    if ($pid == 0) {
        close $rd;
        open(STDOUT, '>&', $wr);
        open(STDERR, '>&', $wr);
        $) = "$other[3] $other[3]";
        $( = $other[3];
        POSIX::setuid($other[2]);
        { exec($Onestop::Test::NGINX, '-p', "$udir/", '-c',
            "$udir/nginx.conf", '-e', 'stderr', '-t') }
        POSIX::_exit(127);
    }
    close $wr;
    $out = do { local $/; <$rd> } // '';
    waitpid($pid, 0);
    isnt($? >> 8, 0, 'nginx -t as another user than the store\'s fails');
    my $ustore = $u->store;
    my $ogroup = getgrgid($other[3]) // $other[3];
    my $mode = sprintf('%04o', (stat "$ustore/data.mdb")[2] & 07777);
    my $want = qq{could not open store "$ustore": Permission denied: user }
        . qq{"daemon" cannot read and write "$ustore/data.mdb": it belongs }
        . qq{to root:root (mode $mode); fix: chown -R daemon:$ogroup $ustore};
    like($out, qr/\Q$want\E/, 'the owner is wrong, and the command is chown')
        or diag($out);
}

alarm 0;

done_testing;
