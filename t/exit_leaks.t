#!/usr/bin/perl

# A worker's exit under valgrind (one process: master_process off): after
# statistics answers, whose buffers a worker keeps for the next ones (up
# to eight of 4 MB), no block the module allocated is lost.  They were
# lost at every exit, 64 KB to 32 MB of "definitely lost" that sent a
# leak hunt the wrong way; what remains is nginx's own (its environment,
# its cycle), which names no onestop function.

use v5.36;

use lib 't/lib';

use Test::More;
use Time::HiRes qw(sleep);

use Onestop::Test;

plan skip_all => 'valgrind is not installed'
    unless system('command -v valgrind >/dev/null 2>&1') == 0;

local $SIG{ALRM} = sub { BAIL_OUT('exit_leaks.t did not finish in 240 s') };
alarm 240;

my $t = Onestop::Test->new(today => '2024-06-15', workers => 1);
my ($rc, $out, $err) = $t->cli('init', '--map-size', '64m');
is($rc, 0, 'a store of 64m (valgrind maps less than the default)')
    or diag($err);
($rc, $out, $err) = $t->cli('demo', '--force', '300');
is($rc, 0, 'the demo data') or diag($err);
$t->spew('keys', '');
$t->write_standard_conf(serve => [qw(stats lookup)], map_size => '64m');

# one process, in the foreground, under valgrind
my $conf = Onestop::Test::slurp($t->dir . '/nginx.conf');
$conf =~ s/^daemon on;/daemon off;/m;
$conf =~ s/^master_process on;/master_process off;/m;
$t->spew('nginx.conf', $conf);

my $vlog = $t->dir . '/valgrind.log';
my $pid = fork();
die "fork: $!" unless defined $pid;
if ($pid == 0) {
    open(STDOUT, '>', '/dev/null');
    open(STDERR, '>', '/dev/null');
    exec('valgrind', '--leak-check=full', '--errors-for-leak-kinds=definite',
        "--log-file=$vlog", '/usr/sbin/nginx', '-p', $t->dir,
        '-c', $t->dir . '/nginx.conf');
    exit 127;
}

ok(Onestop::Test::wait_for(60, sub {
    ($t->get('/api/v1/stats')->{status} // 0) == 200 }),
    'nginx answers under valgrind') or diag($t->error_log);
for my $q ('period=year&group=agency', 'period=month&group=channel',
    'period=all&group=procedure', 'period=all&interval=month')
{
    is($t->get("/api/v1/stats?$q")->{status}, 200, "stats?$q");
}

kill 'QUIT', $pid;
waitpid($pid, 0);
my $log = Onestop::Test::slurp($vlog);
like($log, qr/LEAK SUMMARY|All heap blocks were freed/, 'valgrind reported')
    or diag($log);

# each loss record: its stack; those that pass through the module, whose
# frames valgrind cannot name any more (nginx unloads the module before
# the report: "by 0x...: ???" without the "(in FILE)" of nginx's own and
# the system's) or names with onestop
my @lost = grep { /definitely lost in loss record/
                  && (/onestop/ || /: \?\?\?\n/ || /: \?\?\?\z/) }
    split /\n==\d+== \n/, $log;
is(scalar(@lost), 0, 'no block of the module definitely lost at exit')
    or diag(join "\n\n", @lost);

done_testing;
