#!/usr/bin/perl

# A reload onto a store whose open fails (nginx -s reload, systemctl
# reload nginx): nginx's master must stay, with the workers it has, which
# go on serving the running configuration, and the error log says why.
# The read-only probe at the end of the http block (t/store_cut.t) passes
# such a store; its read-write open, which creates, upgrades and grows the
# store, was in the module's init_module, whose failure nginx takes as
# fatal on a reload too (exit(1)): the master died and left its workers
# orphaned, nothing to restart a worker or take another reload.  Provoked
# here by a map_size the address space cannot hold (a typo of a few
# zeros: the map grows at the open) and by a store path too long.

use v5.36;

use lib 't/lib';

use Test::More;

use Onestop::Test;

local $SIG{ALRM} = sub { BAIL_OUT('reload_open.t did not finish in 120 s') };
alarm 120;

my $t = Onestop::Test->new(workers => 1);
my $dir = $t->dir;
my $store = $t->store;
$t->write_standard_conf(serve => [qw(lookup)], keys => 0);

my ($rc, $out, $err) = $t->cli('demo', '20');
is($rc, 0, 'a demo store') or BAIL_OUT("demo: $err");
my ($code) = `mdb_dump -p -s dossiers $store` =~ /HEADER=END\n (\S+)\n/;
ok(defined $code, "a dossier of it ($code)") or BAIL_OUT('no code');

ok($t->start, 'nginx starts') or BAIL_OUT($t->error_log);
is($t->get("/api/v1/dossiers/$code")->{status}, 200, 'and serves it');

# (a master that exited is a zombie: its parent, init, may not reap it)
sub alive ($pid) { (`ps -o stat= -p $pid` // '') =~ /^\s*[^\sZ]/ }

my $master = $t->pid;
my @workers = $t->worker_pids;

sub refused ($name, $conf, $why) {
    $t->write_conf($conf);
    my $log = length $t->error_log;
    kill 'HUP', $master;
    ok(Onestop::Test::wait_for(30, sub {
        substr($t->error_log, $log) =~ /\[emerg\][^\n]*$why/ }),
        "$name: the reload says why, at [emerg]")
        or diag(substr($t->error_log, $log));
    ok(!Onestop::Test::wait_for(1, sub { !alive($master) }),
        "$name: the master is still there") or diag(`ps -ef | grep nginx`);
    is_deeply([$t->worker_pids], \@workers, "$name: with its workers");
    is($t->get("/api/v1/dossiers/$code")->{status}, 200,
        "$name: which serve the running configuration");
}

# a map of a million gigabytes (1m, 64g were meant): the probe passes,
# the open's mmap fails
refused('a map the address space cannot hold',
    $t->standard_conf(serve => [qw(lookup)], keys => 0,
        map_size => '1000000g'),
    qr/could not reserve the map of store "\Q$store\E"/);

# a store path longer than nginx's paths: relative to the prefix, as
# nginx reads no longer word in its configuration
my $long = 'd' x (4090 - length("$dir/"));
(my $conf = $t->standard_conf(serve => [qw(lookup)], keys => 0))
    =~ s{onestop_store \S+}{onestop_store $long} or die;
refused('a store path too long', $conf,
    qr/onestop_store path is too long \(4\d{3} bytes, 4080 at most\)/);

# the running configuration is still nginx's: a reload onto a good one
# is taken
$t->write_standard_conf(serve => [qw(lookup)], keys => 0);
ok($t->reload, 'a reload back onto the store');
ok(alive($master) && !grep({ my $w = $_; grep { $_ == $w } @workers }
    $t->worker_pids), 'the master took it: new workers');
is($t->get("/api/v1/dossiers/$code")->{status}, 200, '... serving');
# orphaned workers of a master that died would answer on the port
for my $w (@workers) { kill 'QUIT', $w if !grep { $_ == $w } $t->worker_pids }
$t->stop;

alarm 0;

done_testing;
