#!/usr/bin/perl

# The notifier across a Redis that comes back empty (issue 16): a restart
# without persistence loses the log and the consumer group notify.  The
# primary's outbox keeps what was committed during the outage and writes
# it to the new log once Redis is back, maybe before the notifier
# reconnects; the notifier that makes the group again must make it where
# it had read to, not at the log's end, or those dossiers' citizens are
# never told.  (Until 7 December 2026 the group was made again at the
# log's end, "$", and a receipt committed during the outage was lost.)

use v5.36;
use utf8;

use lib 't/lib';

use IO::Socket::INET;
use JSON::PP;
use POSIX ();
use Test::More;
use Time::HiRes qw(sleep time);

use Onestop::Test;
use Onestop::Notify;

plan skip_all => 'redis-server is not installed'
    unless system('command -v redis-server >/dev/null 2>&1') == 0;

local $SIG{ALRM} = sub { BAIL_OUT('notify_redis.t did not finish in 120 s') };
alarm 120;

my $json = JSON::PP->new->utf8->canonical;
my $t = Onestop::Test->new(workers => 1);
my %admin = Onestop::Notify::primary($t, 'redis-admin-key');
my $rport = $t->redis_port;

my $n = Onestop::Notify->new($t);
$n->start_http('sms');
ok($n->start_notifier('a'), 'the notifier starts');

my $now = Onestop::Notify::now_vn();
my %rec = (version => 1, agency => '000.00.12.H36', procedure => '1.001234',
    channel => 'online', applicant => { name => 'Công dân' },
    contact => { phone => '0912000333' }, notify => ['sms'],
    received_at => $now, due_at => Onestop::Notify::today(3));

sub post($code) {
    is($t->http('POST', '/api/v1/ingest/dossiers', headers => \%admin,
        body => $json->encode({ %rec, code => $code }))->{status}, 200,
        "$code written");
}

sub sent($code, $secs) {
    return Onestop::Notify::wait_until($secs, sub {
        grep { $_->{body} =~ /\Q$code\E/ } @{ $n->requests('sms') } });
}

post('000.00.12.H36-261207-D0001');
ok(sent('000.00.12.H36-261207-D0001', 15), 'a receipt before the outage');

$t->stop_redis;
post('000.00.12.H36-261207-D0002');
sleep 5;                                # the notifier waits longer each time
$t->start_redis(port => $rport);
ok(sent('000.00.12.H36-261207-D0002', 40),
    'a receipt committed while Redis was down is sent once it is back')
    or diag($n->log_text('a'));
post('000.00.12.H36-261207-D0003');
ok(sent('000.00.12.H36-261207-D0003', 15), 'and one after');

$n->stop('a');

# A notifier started again under its name reads its own pending entries
# first; Redis going away while it sends them (its XACK fails) must not
# kill it: it waits for Redis like at any other time.  (Until 7 December
# 2026 it read its pending entries again on the closed connection, a
# NULL one: a segmentation fault.)

my $mute = IO::Socket::INET->new(Listen => 8, LocalAddr => '127.0.0.1',
    LocalPort => 0, Proto => 'tcp', ReuseAddr => 1) or die "listen: $!";
my $sms_port = $n->{sms_port};
$n->{sms_port} = $mute->sockport;           # never answers
ok($n->start_notifier('p', main => "batch = 5\n"),
    'notifier P starts, its gateway mute');
$n->{sms_port} = $sms_port;
my @codes = map { sprintf('000.00.12.H36-261207-D01%02d', $_) } 1 .. 5;
is($t->http('POST', '/api/v1/ingest/dossiers', headers => \%admin,
    body => $json->encode([map { { %rec, code => $_ } } @codes]))->{status},
    200, 'five receipts written');
ok(Onestop::Notify::wait_until(10, sub {
        $t->redis('XPENDING', 'n:log', 'notify') =~ /^p\n5$/m }),
    'the five pending for P');
$n->stop('p', 'KILL');

$n->mode('sms', 'slow');                    # 0.7 s a message
ok($n->start_notifier('p', main => "batch = 5\n"), 'P starts again');
sleep 1;                                    # in its pending entries
$t->stop_redis;
sleep 4;                                    # their XACK failed
ok(kill(0, $n->{pids}{p}) && waitpid($n->{pids}{p}, POSIX::WNOHANG()) == 0,
    'P is alive after Redis went away in its pending entries')
    or diag($n->log_text('p'));
$t->start_redis(port => $rport);
$n->mode('sms', '');
ok(Onestop::Notify::wait_until(40, sub {
        my $l = $n->log_text('p');
        !grep { $l !~ /sent \Q$_\E\.1\.received\.sms/ } @codes }),
    'and has sent them all');

$n->stop('p');
close $mute;
$t->stop;
$t->stop_redis;
done_testing;
