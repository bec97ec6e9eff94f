#!/usr/bin/perl

# A store whose data.mdb is cut short (issue 19): a disk that filled
# during a copy, a restore that did not finish.  LMDB maps the file and
# reads a page where its meta page says it is, so "nginx -t" and nginx's
# start died of a bus error (signal 7) in the probe and the open.  Now
# both fail with one [emerg] line that names the store and the fix, and
# so do the CLI's commands, whose open says the same.  A store that ends
# before its last page number only by pages that are free (never read)
# is whole: nginx -t passes, nginx starts and serves it.

use v5.36;

use lib 't/lib';

use POSIX ();
use Test::More;

use Onestop::Test;

local $SIG{ALRM} = sub { BAIL_OUT('store_cut.t did not finish in 120 s') };
alarm 120;

my $t = Onestop::Test->new;
my $dir = $t->dir;
my $store = $t->store;
my $data = "$store/data.mdb";
$t->write_standard_conf(serve => [qw(lookup)], keys => 0);

my ($rc, $out, $err) = $t->cli('demo', '1500');
is($rc, 0, 'a demo store') or BAIL_OUT("demo: $err");
my ($code) = `mdb_dump -p -s dossiers $store` =~ /HEADER=END\n (\S+)\n/;
ok(defined $code, "a dossier of it ($code)") or BAIL_OUT('no code');

($rc, $out, $err) = $t->cli('backup', "$dir/bk");
is($rc, 0, 'a backup of it') or BAIL_OUT("backup: $err");
my $whole = Onestop::Test::slurp($data);
my $size = length($whole);

sub cut_to ($n) {
    truncate($data, $n) or die "$data: $!";
}

# nginx -t and the start: (exit status, output); a signal is an exit >= 128
sub nginx_t () {
    my ($rc, $out) = $t->test_conf;
    return ($rc, $out);
}

# --- cut in half --------------------------------------------------------

my $half = int($size / 2 / 4096) * 4096;
ok($half >= 2 * 4096 && $half < $size, "half of the pages kept ($half of "
    . "$size bytes)");
cut_to($half);

($rc, $out) = nginx_t();
is($rc, 1, 'nginx -t on the cut store: exit 1, no bus error')
    or diag("exit $rc: $out");
like($out, qr/\[emerg\][^\n]*"\Q$store\E"[^\n]*cut short[^\n]*restore/,
    'an [emerg] line naming the store, what is wrong and the fix')
    or diag($out);
unlike($out, qr/signal|core dumped/, 'no signal');
is(-s $data, $half, 'nginx -t left the file as it was');

# cut lower, the probe's own reads fell past the end: a bus error
cut_to(10 * 4096);
($rc, $out) = nginx_t();
is($rc, 1, 'nginx -t on a store of 10 pages: exit 1, no bus error')
    or diag("exit $rc: $out");
like($out, qr/\[emerg\][^\n]*cut short/, 'cut short') or diag($out);
$t->spew('store/data.mdb', substr($whole, 0, $half));

# the start, as the harness runs it, with what it says (on stderr: the
# store is refused while the configuration is read, before the error log
# is opened, as any mistake of the configuration is)
$out = `$Onestop::Test::NGINX -p $dir/ -c $dir/nginx.conf 2>&1`;
$rc = $? >> 8;
is($rc, 1, 'nginx does not start on it: exit 1, no bus error')
    or diag("exit $?: $out");
like($out . $t->error_log, qr/\[emerg\][^\n]*"\Q$store\E"[^\n]*cut short/,
    'it says why') or diag($out);
unlike($out . $t->error_log, qr/signal 7|exited on signal/, 'no bus error');
is(-s $data, $half, 'the start wrote nothing into it');

for my $args (['get', $code], ['verify'], ['stats'], ['status'],
    ['delete', $code])
{
    ($rc, $out, $err) = $t->cli(@$args);
    is($rc, 1, "onestop $args->[0] on the cut store: exit 1")
        or diag("exit $rc: $err");
    like($err, qr/\Aonestop: [^\n]*"\Q$store\E"[^\n]*cut short[^\n]*\n\z/,
        '... one line naming the store') or diag($err);
}
is(-s $data, $half, 'no command wrote into it (a write would have hidden '
    . 'the cut behind a hole of zeros)');

# the fix the message gives: a restore over it
($rc, $out, $err) = $t->cli('restore', "$dir/bk");
is($rc, 1, 'restore over it without --replace: exit 1');
like($err, qr/holds a store already/, '... it is a store to move aside')
    or diag($err);
($rc, $out, $err) = $t->cli('restore', '--replace', "$dir/bk");
is($rc, 0, 'restore --replace over it') or diag($err);
is(($t->cli('get', $code))[0], 0, 'the store is whole again');

# --- only its last page in use cut ------------------------------------------

# LMDB's free pages: mdb_stat -fff lists them (N, or N[SPAN])
sub free_pages () {
    my %free;
    for (`mdb_stat -fff $store`) {
        next unless /^\s+(\d+)(?:\[(\d+)\])?\s*$/;
        $free{$_} = 1 for $1 .. $1 + ($2 // 1) - 1;
    }
    return \%free;
}

$t->spew('store/data.mdb', $whole);
my $free = free_pages();
my $last = $size / 4096 - 1;
$last-- while $free->{$last};
cut_to($last * 4096);
($rc, $out) = nginx_t();
is($rc, 1, "nginx -t on a store without its last page in use ($last): "
    . 'exit 1') or diag("exit $rc: $out");
like($out, qr/\[emerg\][^\n]*cut short/, 'cut short') or diag($out);

# --- the pages past the end are all free ------------------------------------
# deletes free pages at the top of the file: a store that ends before
# them is whole (LMDB never reads a free page, and writes one before it
# uses it again), as a store nginx writes may end before pages it
# allocated and freed in one transaction

$t->spew('store/data.mdb', $whole);
my @codes = `mdb_dump -p -s dossiers $store` =~ /^ (\S+)\n(?: [^\n]*\n)/mg;
for my $c (@codes[0 .. 199]) {
    ($rc, undef, $err) = $t->cli('delete', $c);
    $rc == 0 or BAIL_OUT("delete $c: $err");
}
$free = free_pages();
my $pages = (-s $data) / 4096;
my $end = $pages;
$end-- while $end > 2 && $free->{$end - 1};
ok($end < $pages, 'the top ' . ($pages - $end) . ' pages are free')
    or BAIL_OUT('no free page at the top of the file');
cut_to($end * 4096);

($rc, $out) = nginx_t();
is($rc, 0, 'nginx -t on it passes') or diag($out);
unlike($out, qr/cut short|emerg/, 'with nothing to say');
($rc, $out, $err) = $t->cli('verify');
is($rc, 0, 'onestop verify on it') or diag($err);
ok($t->start, 'nginx starts on it') or diag($t->error_log);
is($t->get("/api/v1/dossiers/$codes[300]")->{status}, 200,
    'and serves a dossier');
isnt($t->get("/api/v1/dossiers/$codes[0]")->{status}, 200,
    'and not a deleted one');
($rc, $out) = nginx_t();
is($rc, 0, 'nginx -t while nginx has it open') or diag($out);

# while a writer deletes (freeing pages, writing the free list), nginx -t
# and the CLI's reads never take the store for one cut short
my $child = fork // die;
if ($child == 0) {
    for my $c (@codes[200 .. 399]) {
        system($Onestop::Test::CLI, '--store', $store, 'delete', $c) == 0
            or POSIX::_exit(1);
    }
    POSIX::_exit(0);
}
my @alarms;
for (1 .. 15) {
    ($rc, $out) = nginx_t();
    push @alarms, $out if $rc != 0;
    ($rc, undef, $err) = $t->cli('get', $codes[500]);
    push @alarms, $err if $rc != 0;
}
waitpid($child, 0);
is($?, 0, 'the writer deleted 200 dossiers');
is_deeply(\@alarms, [], 'no false alarm meanwhile');

# a reload onto a cut store is refused, and nginx goes on: the check
# was in the module's init_module, whose failure nginx takes as fatal
# (exit(1)) on a reload too, so the master died and left its workers
# orphaned (no more reloads, nothing to restart a worker)
mkdir "$dir/cut";
$t->spew('cut/data.mdb', substr($whole, 0, $half));
(my $conf = $t->standard_conf(serve => [qw(lookup)], keys => 0))
    =~ s{onestop_store \S+}{onestop_store $dir/cut} or die;
$t->write_conf($conf);
my $master = $t->pid;
my @workers = $t->worker_pids;
kill 'HUP', $master;
ok(Onestop::Test::wait_for(30, sub { $t->error_log =~ /\[emerg\][^\n]*"\Q$dir\E\/cut"[^\n]*cut short/ }),
    'a reload onto a cut store: [emerg], cut short') or diag($t->error_log);
# (a master that exited is a zombie: its parent, init, may not reap it)
sub alive ($pid) { (`ps -o stat= -p $pid` // '') =~ /^\s*[^\sZ]/ }
ok(!Onestop::Test::wait_for(1, sub { !alive($master) }),
    'the master is still there') or diag(`ps -ef | grep nginx`);
is_deeply([$t->worker_pids], \@workers, 'with its workers');
is($t->get("/api/v1/dossiers/$codes[500]")->{status}, 200,
    'which serve the store they had');
# nginx -s reads the configuration for its pid file only: the store's
# state must not keep it from signalling (logrotate's reopen, a stop)
$out = `$Onestop::Test::NGINX -p $dir/ -c $dir/nginx.conf -s reopen 2>&1`;
is($?, 0, 'nginx -s reopen with the cut store configured') or diag($out);

# the same for a store whose directory the start could not create (the
# directory above it missing): nginx -t said the start would create it
($conf = $t->standard_conf(serve => [qw(lookup)], keys => 0))
    =~ s{onestop_store \S+}{onestop_store $dir/no-such-dir/store} or die;
$t->write_conf($conf);
($rc, $out) = nginx_t();
is($rc, 1, 'nginx -t on a store under a missing directory: exit 1')
    or diag($out);
like($out, qr/\[emerg\][^\n]* onestop_store "\Q$dir\E\/no-such-dir\/store" cannot be created: "\Q$dir\E\/no-such-dir" is not a directory/,
    '... saying why') or diag($out);
kill 'HUP', $master;
ok(Onestop::Test::wait_for(30, sub { $t->error_log =~ /\[emerg\][^\n]*no-such-dir" is not a directory/ }),
    'a reload onto it: [emerg]') or diag($t->error_log);
ok(!Onestop::Test::wait_for(1, sub { !alive($master) }),
    'the master is still there') or diag(`ps -ef | grep nginx`);
is_deeply([$t->worker_pids], \@workers, 'with its workers');

$t->write_standard_conf(serve => [qw(lookup)], keys => 0);
ok($t->reload, 'a reload back onto the store');
ok(alive($master) && !grep({ my $w = $_; grep { $_ == $w } @workers }
    $t->worker_pids), 'the master took it: new workers');
is($t->get("/api/v1/dossiers/$codes[500]")->{status}, 200, '... serving');
# orphaned workers of a master that died would answer on the port
for my $w (@workers) { kill 'QUIT', $w if !grep { $_ == $w } $t->worker_pids }
$t->stop;

done_testing;
