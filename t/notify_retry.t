#!/usr/bin/perl

# The retry queue shared by two notifiers (issue 16): the queue is the
# store's, and every notifier sends from it; a message due again must be
# sent by one of them only.  The SMS gateway answers 503 to a receipt (the
# message goes to the queue), then takes 0.7 s to answer: two notifiers
# that both see the message due must not both send it.  Counted at the
# gateway and in onestop notify --status.  (Until 7 December 2026 each
# notifier sent every due message it saw, and both counted it as sent.)

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

local $SIG{ALRM} = sub { BAIL_OUT('notify_retry.t did not finish in 180 s') };
alarm 180;

my $json = JSON::PP->new->utf8->canonical;
my $t = Onestop::Test->new(workers => 1);
my %admin = Onestop::Notify::primary($t, 'retry-admin-key');

my $n = Onestop::Notify->new($t);
$n->start_smtp;
$n->start_http('sms');
$n->mode('sms', '5xx');
ok($n->start_notifier('a'), 'notifier A starts');
ok($n->start_notifier('b'), 'notifier B starts');

my $now = Onestop::Notify::now_vn();
my $due = Onestop::Notify::today(5);
my @codes = map { sprintf('000.00.12.H36-261207-R%04d', $_) } 1 .. 4;
is($t->http('POST', '/api/v1/ingest/dossiers', headers => \%admin,
    body => $json->encode([map {
        { code => $_, version => 1, agency => '000.00.12.H36',
          procedure => '1.001234', channel => 'online',
          applicant => { name => 'Công dân' },
          contact => { phone => '0912000111' }, notify => ['sms'],
          received_at => $now, due_at => $due } } @codes]))->{status},
    200, 'four dossiers written');

ok(Onestop::Notify::wait_until(15, sub {
        my $l = $n->log_text('a') . $n->log_text('b');
        !grep { $l !~ /\Q$_\E\.1\.received\.sms to \S+ failed/ } @codes }),
    'the gateway answers 503: each receipt failed, queued');
$n->mode('sms', 'slow');

my %times;
ok(Onestop::Notify::wait_until(30, sub {
        %times = ();
        $times{$_}++ for map { $_->{body} =~ /(261207-R\d{4})/ ? $1 : () }
            @{ $n->requests('sms') };
        keys %times == @codes }), 'then each is sent from the queue');
sleep 3;                                # a second send would come now
%times = ();
$times{$_}++ for map { $_->{body} =~ /(261207-R\d{4})/ ? $1 : () }
    @{ $n->requests('sms') };
is_deeply([grep { $times{$_} != 1 } sort keys %times], [],
    'none sent twice by the two notifiers') or diag(explain(\%times));

my ($rc, $out) = $t->cli('notify', '--status');
my $st = $json->decode($out);
is($st->{channels}{sms}{received}{sent}, scalar @codes,
    '--status: each counted once as sent') or diag($out);
is($st->{queued}, 0, '--status: nothing left in the queue');

$n->stop('a');
$n->stop('b');

# A notifier killed (kill -9) while it sends a message of the queue: the
# message stays queued, and the notifier that finds it after its lease
# does not send it again when the dead one's journal has it (as it would
# had the channel's answer come just before the death).

my $mute = IO::Socket::INET->new(Listen => 8, LocalAddr => '127.0.0.1',
    LocalPort => 0, Proto => 'tcp', ReuseAddr => 1) or die "listen: $!";
my $sink_port = $n->{smtp_port};
$n->{smtp_port} = $mute->sockport;          # never greets: a timeout
ok($n->start_notifier('x'), 'notifier X starts, its SMTP server mute');
$n->{smtp_port} = $sink_port;

my $code = '000.00.12.H36-261207-R0101';
is($t->http('POST', '/api/v1/ingest/dossiers', headers => \%admin,
    body => $json->encode({ code => $code, version => 1,
        agency => '000.00.12.H36', procedure => '1.001234',
        channel => 'online', applicant => { name => 'Công dân' },
        contact => { email => 'cd.r0101@example.vn' }, notify => ['email'],
        received_at => $now, due_at => $due }))->{status}, 200,
    'a dossier with an e-mail address written');
ok(Onestop::Notify::wait_until(15, sub {
        $n->log_text('x') =~ /\Q$code\E\.1\.received\.email to \S+ failed/ }),
    'its first attempt timed out: queued');
sleep 2;                            # X sends it from the queue, and hangs
$n->stop('x', 'KILL');
($rc, $out) = $t->cli('notify', '--status');
is($json->decode($out)->{queued}, 1, 'X killed in the send: still queued');
Onestop::Test::spew($t, 'notify/journal/journal.x',
    "$code.1.received.email\n");

ok($n->start_notifier('c'), 'notifier C starts');
ok(Onestop::Notify::wait_until(30, sub {
        ($rc, $out) = $t->cli('notify', '--status');
        $st = $json->decode($out);
        $st->{queued} == 0 }), 'C takes the message past its lease')
    or diag($out);
is($st->{channels}{email}{received}{sent}, 1, '--status: counted as sent');
is(scalar(grep { $_->{rcpt} eq 'cd.r0101@example.vn' } @{ $n->mails }), 0,
    'not sent again: X\'s journal has it');
like($n->log_text('c'), qr/\Q$code\E\.1\.received\.email was sent by a notifier that stopped/,
    'C says so');

$n->stop('c');

# The same, X started again under its own name (as with a fixed
# consumer): what it sends before the lease ends empties its journal, and
# the message found past its lease must still be found in what the journal
# held at the start.

sub email_dossier($c) {
    is($t->http('POST', '/api/v1/ingest/dossiers', headers => \%admin,
        body => $json->encode({ code => $c, version => 1,
            agency => '000.00.12.H36', procedure => '1.001234',
            channel => 'online', applicant => { name => 'Công dân' },
            contact => { email => lc(substr($c, -5)) . '@example.vn' },
            notify => ['email'], received_at => $now, due_at => $due }))
        ->{status}, 200, "$c written");
}

$n->{smtp_port} = $mute->sockport;
ok($n->start_notifier('x'), 'notifier X starts again, its SMTP server mute');
$n->{smtp_port} = $sink_port;
my $code2 = '000.00.12.H36-261207-R0102';
email_dossier($code2);
ok(Onestop::Notify::wait_until(15, sub {
        $n->log_text('x') =~ /\Q$code2\E\.1\.received\.email to \S+ failed/ }),
    'its first attempt timed out: queued');
sleep 2;
$n->stop('x', 'KILL');
Onestop::Test::spew($t, 'notify/journal/journal.x',
    "$code2.1.received.email\n");
ok($n->start_notifier('x'), 'X starts again under its name');
email_dossier('000.00.12.H36-261207-R0103');
ok(Onestop::Notify::wait_until(15, sub {
        grep { $_->{rcpt} eq 'r0103@example.vn' } @{ $n->mails } }),
    'X sends another receipt (its journal emptied)');
ok(Onestop::Notify::wait_until(30, sub {
        ($rc, $out) = $t->cli('notify', '--status');
        $st = $json->decode($out);
        $st->{queued} == 0 }), 'X takes its message past its lease')
    or diag($out);
is(scalar(grep { $_->{rcpt} eq 'r0102@example.vn' } @{ $n->mails }), 0,
    'not sent again: X\'s journal had it');
is($st->{channels}{email}{received}{sent}, 3, '--status: 3 sent');
$n->stop('x');

# retry_max is the attempts before a dead letter (docs/notify.md,
# conf/notify.conf): with 3, the third failure makes it dead.  (Until 7
# December 2026 a message was tried retry_max + 1 times.)

$n->mode('sms', '5xx');
ok($n->start_notifier('d', main => "retry_max = 3\n"),
    'a notifier with retry_max = 3');
$code = '000.00.12.H36-261207-R0201';
is($t->http('POST', '/api/v1/ingest/dossiers', headers => \%admin,
    body => $json->encode({ code => $code, version => 1,
        agency => '000.00.12.H36', procedure => '1.001234',
        channel => 'online', applicant => { name => 'Công dân' },
        contact => { phone => '0912000444' }, notify => ['sms'],
        received_at => $now, due_at => $due }))->{status}, 200,
    'a dossier written, the gateway answering 503');
my $letter;
ok(Onestop::Notify::wait_until(30, sub {
        ($rc, $out) = $t->cli('notify', '--dead');
        ($letter) = map { $json->decode($_) } grep { /R0201/ } split /\n/,
            $out;
        $letter }), 'a dead letter at last');
is($letter->{attempts}, 3, 'after 3 attempts');
my $tries = () = $n->log_text('d') =~ /\Q$code\E\.1\.received\.sms to \S+ failed/g;
is($tries, 3, 'the gateway was tried 3 times');

$n->stop('d');

# The queue is sent as it falls due, whatever the wait for new entries:
# a notifier waiting a minute for them (block = 60000) still sends the
# messages of the queue when they are due, all of them, not 32 a wait.
# (Until 7 December 2026 it looked at the queue once between two waits
# for new entries, and took 32 each time: after a gateway's outage, a
# notifier with nothing new to read sent 32 messages a second, or with
# the default wait and Redis away, 32 every 30 seconds.)

$n->mode('sms', '5xx');
ok($n->start_notifier('e', main => "block = 60000\n"),
    'a notifier that waits a minute for new entries');
my @many = map { sprintf('000.00.12.H36-261207-M%04d', $_) } 1 .. 40;
is($t->http('POST', '/api/v1/ingest/dossiers', headers => \%admin,
    body => $json->encode([map {
        { code => $_, version => 1, agency => '000.00.12.H36',
          procedure => '1.001234', channel => 'online',
          applicant => { name => 'Công dân' },
          contact => { phone => '0912000555' }, notify => ['sms'],
          received_at => $now, due_at => $due } } @many]))->{status},
    200, 'forty dossiers written, the gateway answering 503');
ok(Onestop::Notify::wait_until(15, sub {
        my $l = $n->log_text('e');
        !grep { $l !~ /\Q$_\E\.1\.received\.sms to \S+ failed/ } @many }),
    'each receipt failed: queued');
$n->mode('sms', '');
my %sent;
ok(Onestop::Notify::wait_until(20, sub {
        %sent = map { $_->{body} =~ /(261207-M\d{4})/ ? ($1 => 1) : () }
            @{ $n->requests('sms') };
        keys %sent == @many }),
    'all forty sent from the queue as they fell due, long before the '
    . 'minute\'s wait ended') or diag(scalar(keys %sent) . ' sent');
$n->stop('e');
close $mute;
$t->stop;
$t->stop_redis;
done_testing;
