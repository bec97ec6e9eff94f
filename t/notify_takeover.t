#!/usr/bin/perl

# A notifier that takes over a dead one's batch in which more messages
# were sent before the death than a round of outcomes holds (issue 16).
# Notifier X claims a batch of 20 receipts and hangs on its first send (an
# SMTP server that accepts the connection and never greets); it is killed
# with kill -9.  Its journal then says that 13 of the 20 were sent before
# it died (as it would had the sends gone through and the death come
# before their outcomes were stored).  Notifier A takes the batch over:
# it must send the 7 others, not the 13, and store all 20 as sent --
# onestop notify --status counts 20, and nothing stays claimed.  (Until
# 7 December 2026 the outcomes of messages found in the journal were
# stored only when a round ended on a message actually sent, so 12 of
# them could be lost: t/notify_crash.t saw 988 of 1,000 now and then.)

use v5.36;
use utf8;

use lib 't/lib';

use IO::Socket::INET;
use JSON::PP;
use Test::More;
use Time::HiRes qw(sleep time);

use Onestop::Test;
use Onestop::Notify;

plan skip_all => 'redis-server is not installed'
    unless system('command -v redis-server >/dev/null 2>&1') == 0;
plan skip_all => 'python3-aiosmtpd is not installed'
    unless system('/usr/bin/python3 -c "import aiosmtpd" 2>/dev/null') == 0;

local $SIG{ALRM} = sub { BAIL_OUT('notify_takeover.t did not finish in 120 s') };
alarm 120;

my $N = 20;
my $SENT = 13;                  # in the dead notifier's journal
my $json = JSON::PP->new->utf8->canonical;
my $t = Onestop::Test->new(workers => 1);
my %admin = Onestop::Notify::primary($t, 'takeover-admin-key');

my $n = Onestop::Notify->new($t);
$n->start_smtp;
my $sink_port = $n->{smtp_port};

# an SMTP server that never says hello: the kernel accepts, nobody answers
my $mute = IO::Socket::INET->new(Listen => 64, LocalAddr => '127.0.0.1',
    LocalPort => 0, Proto => 'tcp', ReuseAddr => 1) or die "listen: $!";
$n->{smtp_port} = $mute->sockport;
ok($n->start_notifier('x', main => "batch = $N\n"),
    'notifier X starts, its SMTP server mute');
$n->{smtp_port} = $sink_port;

my $now = Onestop::Notify::now_vn();
my $due = Onestop::Notify::today(5);
my @codes = map { sprintf('000.00.12.H36-261207-%05d', $_) } 1 .. $N;
my @recs = map {
    { code => $codes[$_ - 1], version => 1, agency => '000.00.12.H36',
      procedure => '1.001234', channel => 'online',
      applicant => { name => "Công dân $_" },
      contact => { email => "cd$_\@example.vn" }, notify => ['email'],
      received_at => $now, due_at => $due }
} 1 .. $N;
is($t->http('POST', '/api/v1/ingest/dossiers', headers => \%admin,
    body => $json->encode(\@recs))->{status}, 200, "$N dossiers written");

# X has read the batch (pending for it in the group), claimed it and
# waits for a greeting (5 s before its timeout)
ok(Onestop::Notify::wait_until(10, sub {
        $t->redis('XPENDING', 'n:log', 'notify') =~ /^x\n$N$/m }),
    "the $N entries pending for X");
sleep 1;
$n->stop('x', 'KILL');
pass('notifier X killed with kill -9 in its first send');
is(scalar @{ $n->mails }, 0, 'nothing at the sink yet');

my @keys = map { "$_.1.received.email" } @codes;
Onestop::Test::spew($t, 'notify/journal/journal.x',
    join('', map { "$_\n" } @keys[0 .. $SENT - 1]));

ok($n->start_notifier('a', main => "batch = $N\n"), 'notifier A starts');
ok(Onestop::Notify::wait_until(30, sub {
        scalar @{ $n->mails } >= $N - $SENT }),
    'A sends what X did not');
my ($rc, $out, $st);
ok(Onestop::Notify::wait_until(20, sub {
        ($rc, $out) = $t->cli('notify', '--status');
        $st = $json->decode($out);
        ($st->{channels}{email}{received}{sent} // 0) >= $N
            && ($st->{pending} // -1) == 0 }),
    'A is done') or diag($out);
sleep 1;                                # anything more would come now

my %at_sink = map { $_->{message_id} => 1 } @{ $n->mails };
is(scalar @{ $n->mails }, $N - $SENT, ($N - $SENT) . ' messages at the sink');
is_deeply([sort keys %at_sink],
    [map { "<$_\@onestop>" } @keys[$SENT .. $N - 1]],
    'exactly those X had not sent');
($rc, $out) = $t->cli('notify', '--status');
$st = $json->decode($out);
is($st->{channels}{email}{received}{sent}, $N,
    "--status: $N sent, the $SENT of X's journal among them") or diag($out);
is($st->{channels}{email}{received}{failed}, 0, 'none failed');
is($st->{pending}, 0, 'nothing left pending in the group');
my $said = () = $n->log_text('a')
    =~ /was sent by a notifier that stopped: not again/g;
is($said, $SENT, "A says so of the $SENT");

# the journals do not pile up (one a start with the default consumer
# name, one a kill): A's, empty, goes when A stops; X's, every line of
# it recorded, when the next notifier reads the journals
my $jdir = "$n->{dir}/journal";
ok(-e "$jdir/journal.x", 'X\'s journal still there while A runs');
$n->stop('a');
ok(!-e "$jdir/journal.a", 'A stopped: its empty journal removed');
ok($n->start_notifier('b'), 'notifier B starts');
ok(!-e "$jdir/journal.x", 'B removed X\'s journal, all of it recorded');
like($n->log_text('b'), qr/journal\.x: every message in it recorded: removed/,
    'and says so');
$n->stop('b');
is_deeply([map { s{.*/}{}r } glob("$jdir/journal.*")], [],
    'no journal left') or diag(explain([glob("$jdir/journal.*")]));
close $mute;
$t->stop;
$t->stop_redis;
done_testing;
