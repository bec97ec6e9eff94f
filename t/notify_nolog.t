#!/usr/bin/perl

# The notifier on a store that keeps no log (h-docs, review round 6): the
# guide says it needs the primary's log, onestop_redis ... log=on.  A
# sysadmin who followed its steps but left log=on out started a notifier
# that said "reading n:log" and then told nobody, ever, without a word.
# It says at its start that the store keeps no log and what to turn on;
# once nginx has log=on, a notifier started then says nothing of it.

use v5.36;
use utf8;

use lib 't/lib';

use Digest::SHA qw(sha256_hex);
use Test::More;

use Onestop::Test;
use Onestop::Notify;

binmode(Test::More->builder->$_, ':encoding(UTF-8)')
    for qw(output failure_output todo_output);

plan skip_all => 'redis-server is not installed'
    unless system('command -v redis-server >/dev/null 2>&1') == 0;
plan skip_all => 'python3-aiosmtpd is not installed'
    unless system('/usr/bin/python3 -c "import aiosmtpd" 2>/dev/null') == 0;

local $SIG{ALRM} = sub { BAIL_OUT('notify_nolog.t did not finish in 120 s') };
alarm 120;

my $t = Onestop::Test->new(workers => 1);
my $rport = $t->start_redis;
$t->spew('keys', sha256_hex('nolog-admin') . " * admin\n");

# the change feed without log=on, as the production example's line reads
$t->write_standard_conf(serve => [qw(lookup ingest)],
    redis => "127.0.0.1:$rport prefix=n interval=100");
ok($t->start, 'nginx starts, onestop_redis without log=on')
    or BAIL_OUT('no nginx');

my $n = Onestop::Notify->new($t);
$n->start_smtp;
ok($n->start_notifier('a'), 'a notifier starts');
like($n->log_text('a'),
    qr/the store keeps no log of its changes .*onestop_redis .*log=on.*nothing is told/,
    'it says the store keeps no log, and what to turn on')
    or diag($n->log_text('a'));
$n->stop('a');

# log=on: the store keeps its changes from the reload on
$t->write_standard_conf(serve => [qw(lookup ingest)],
    redis => "127.0.0.1:$rport prefix=n interval=100 log=on");
ok($t->reload, 'reloaded with log=on');
my ($rc, $out) = (1, '');
for (1 .. 100) {
    ($rc, $out) = $t->cli('status');
    last if $out =~ /"log": true/;
    select(undef, undef, undef, 0.05);
}
like($out, qr/"log": true/, 'the store keeps its log now');
ok($n->start_notifier('b'), 'a notifier started then');
unlike($n->log_text('b'), qr/keeps no log/, 'says nothing of it');
$n->stop('b');

$t->stop;
$t->check_log;

done_testing();
