#!/usr/bin/perl

# A dead notifier's claims that a newer version of their dossier has made
# old news by the time another notifier takes them over (issue 16).
# Notifier X claims the first apology letter's new date of two dossiers
# and hangs in its first send (an SMTP server that never greets); it is
# killed with kill -9, its journal saying that the first dossier's was
# sent.  Notifier A then tells both dossiers' second letters, and takes
# X's entries over: it sends neither first date, counts the first
# dossier's as sent (the journal has it) and the second's as superseded.
# (Until 7 December 2026 both stayed claimed for good and were counted
# nowhere: --status said 2 sent, not 3, and nothing superseded.)

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

local $SIG{ALRM} = sub { BAIL_OUT('notify_superseded.t did not finish in 120 s') };
alarm 120;

my $json = JSON::PP->new->utf8->canonical;
my $t = Onestop::Test->new(workers => 1);
my %admin = Onestop::Notify::primary($t, 'superseded-admin-key');

my $n = Onestop::Notify->new($t);
$n->start_smtp;
my $sink_port = $n->{smtp_port};

my $mute = IO::Socket::INET->new(Listen => 64, LocalAddr => '127.0.0.1',
    LocalPort => 0, Proto => 'tcp', ReuseAddr => 1) or die "listen: $!";
$n->{smtp_port} = $mute->sockport;
ok($n->start_notifier('x', main => "batch = 2\n"),
    'notifier X starts, its SMTP server mute');
$n->{smtp_port} = $sink_port;

my $now = Onestop::Notify::now_vn();
my $today = Onestop::Notify::today();
my @codes = map { "000.00.12.H36-261207-S000$_" } 1 .. 2;

sub letters($version, $days) {
    return [ map {
        { code => $_, version => $version, agency => '000.00.12.H36',
          procedure => '1.001234', channel => 'online',
          applicant => { name => 'Công dân' },
          contact => { email => 'cd@example.vn' }, notify => ['email'],
          received_at => $now, due_at => Onestop::Notify::today(3),
          apology => { issued_at => $today,
                       new_due_at => Onestop::Notify::today($days),
                       reason => 'Chờ xác minh' } }
    } @codes ];
}

# received more than max_age_days ago would not be told; the receipts
# are told too (2 of them), the appointments are what this is about
is($t->http('POST', '/api/v1/ingest/dossiers', headers => \%admin,
    body => $json->encode(letters(1, 10)))->{status}, 200,
    'the first letters written');
ok(Onestop::Notify::wait_until(10, sub {
        $t->redis('XPENDING', 'n:log', 'notify') =~ /^x\n2$/m }),
    'both entries pending for X');
sleep 0.5;
$n->stop('x', 'KILL');
pass('notifier X killed with kill -9 in its first send');
Onestop::Test::spew($t, 'notify/journal/journal.x',
    "$codes[0].1.appointment.email\n");

# A takes entries over only once they are idle for 4 s: the second
# letters come first
ok($n->start_notifier('a', main => "claim_idle = 4000\n"),
    'notifier A starts');
is($t->http('POST', '/api/v1/ingest/dossiers', headers => \%admin,
    body => $json->encode(letters(2, 12)))->{status}, 200,
    'the second letters written');

my ($rc, $out, $st);
ok(Onestop::Notify::wait_until(30, sub {
        ($rc, $out) = $t->cli('notify', '--status');
        $st = $json->decode($out);
        ($st->{pending} // -1) == 0
            && $n->log_text('a') =~ /took over/ }),
    'A took X\'s entries over') or diag($out);
sleep 1;

my @dates = sort map { $_->{message_id} =~ /\.(\d+)\.appointment\./ ? $1 : () }
    @{ $n->mails };
is_deeply(\@dates, [2, 2], 'only the second dates at the sink')
    or diag(explain([map { $_->{message_id} } @{ $n->mails }]));

($rc, $out) = $t->cli('notify', '--status');
$st = $json->decode($out);
my $c = $st->{channels}{email}{appointment};
is($c->{sent}, 3, '--status: 3 appointments sent, X\'s journaled one among '
    . 'them') or diag($out);
is($c->{superseded}, 1, '--status: 1 superseded') or diag($out);
like($n->log_text('a'),
    qr/\Q$codes[1]\E\.1\.appointment\.email, taken over from a notifier that stopped: a newer version of the dossier was told since: not sent/,
    'A says why it does not send the other');
my $m = $t->get('/metrics')->{content};
like($m, qr/^onestop_notify_superseded_total\{channel="email",event="appointment"\} 1$/m,
    '/metrics: onestop_notify_superseded_total');

$n->stop('a');
close $mute;
$t->stop;
$t->stop_redis;
done_testing;
