#!/usr/bin/perl

# A later version of a dossier against an earlier one waiting in the retry
# queue (issue 16): an apology letter's new date (version 1) cannot be
# sent, the gateway answering 503, and a second letter (version 2) gives
# another date.  Once the gateway is back, the citizen is told the second
# date, never the first one after it: the queued message of version 1 is
# dropped when a newer version of its event has been claimed.  (Until 7
# December 2026 the queue sent it whatever came after it, so the
# citizen's last message could say the date that no longer held.)

use v5.36;
use utf8;

use lib 't/lib';

use JSON::PP;
use Test::More;
use Time::HiRes qw(sleep time);

use Onestop::Test;
use Onestop::Notify;

plan skip_all => 'redis-server is not installed'
    unless system('command -v redis-server >/dev/null 2>&1') == 0;

local $SIG{ALRM} = sub { BAIL_OUT('notify_newer.t did not finish in 120 s') };
alarm 120;

my $json = JSON::PP->new->utf8->canonical;
my $t = Onestop::Test->new(workers => 1);
my %admin = Onestop::Notify::primary($t, 'newer-admin-key');

my $n = Onestop::Notify->new($t);
$n->start_http('sms');
$n->mode('sms', '5xx');
ok($n->start_notifier('a'), 'the notifier starts');

my $now = Onestop::Notify::now_vn();
my $today = Onestop::Notify::today();
my $code = '000.00.12.H36-261207-N0001';
my %rec = (code => $code, agency => '000.00.12.H36', procedure => '1.001234',
    channel => 'online', applicant => { name => 'Công dân' },
    contact => { phone => '0912000222' }, notify => ['sms'],
    received_at => $now, due_at => Onestop::Notify::today(3));

sub post($rec) {
    is($t->http('POST', '/api/v1/ingest/dossiers', headers => \%admin,
        body => $json->encode($rec))->{status}, 200,
        "version $rec->{version} written");
}

sub failed($key) {
    return Onestop::Notify::wait_until(15, sub {
        $n->log_text('a') =~ /\Q$key\E to \S+ failed/ });
}

post({ %rec, version => 1, apology => { issued_at => $today,
    new_due_at => Onestop::Notify::today(10), reason => 'Thu nhat' } });
ok(failed("$code.1.appointment.sms"), 'the first date: 503, queued');
post({ %rec, version => 2, apology => { issued_at => $today,
    new_due_at => Onestop::Notify::today(12), reason => 'Thu hai' } });
ok(failed("$code.2.appointment.sms"), 'the second date: 503, queued');
$n->mode('sms', '');

sub appointments {
    return map { $_->{body} =~ /ref=\Q$code\E\.(\d+)\.appointment\.sms/
                 ? $1 : () } @{ $n->requests('sms') };
}

ok(Onestop::Notify::wait_until(30, sub { grep { $_ == 2 } appointments() }),
    'the gateway back: the second date sent');
sleep 4;                    # the first one's retry would be due by now
is_deeply([appointments()], [2], 'the first date never sent')
    or diag(explain([appointments()]));
my ($rc, $out) = $t->cli('notify', '--status');
is($json->decode($out)->{queued}, 0, 'nothing left in the queue');
is($json->decode($out)->{channels}{sms}{appointment}{superseded}, 1,
    '--status: the first date counted as superseded') or diag($out);

# The same with a result: an apology's date waiting in the queue is not
# told once the result of a newer version is (an appointment is told only
# while the dossier is not resolved).

$n->mode('sms', '5xx');
my $code2 = '000.00.12.H36-261207-N0002';
post({ %rec, code => $code2, version => 1, apology => { issued_at => $today,
    new_due_at => Onestop::Notify::today(10), reason => 'Thu nhat' } });
ok(failed("$code2.1.appointment.sms"), 'a date: 503, queued');
post({ %rec, code => $code2, version => 2, apology => { issued_at => $today,
    new_due_at => Onestop::Notify::today(10), reason => 'Thu nhat' },
    resolved_at => $now, return_channel => 'online' });
ok(failed("$code2.2.result.sms"), 'the result: 503, queued');
$n->mode('sms', '');

sub told2 {
    return map { $_->{body} =~ /ref=\Q$code2\E\.(\d+\.\w+)\.sms/ ? $1 : () }
        @{ $n->requests('sms') };
}

ok(Onestop::Notify::wait_until(30, sub { grep { $_ eq '2.result' } told2() }),
    'the gateway back: the result sent');
sleep 4;
is_deeply([grep { /appointment/ } told2()], [],
    'the date never sent after it') or diag(explain([told2()]));
($rc, $out) = $t->cli('notify', '--status');
is($json->decode($out)->{channels}{sms}{appointment}{superseded}, 2,
    '--status: that one superseded too') or diag($out);

# A dossier deleted (entered in error, perhaps with someone else's phone)
# while its receipt waits in the queue: the receipt is dropped, not sent.
# (Until 7 December 2026 it was sent once the gateway was back.)

$n->mode('sms', '5xx');
my $code3 = '000.00.12.H36-261207-N0003';
post({ %rec, code => $code3, version => 1 });
ok(failed("$code3.1.received.sms"), 'a receipt: 503, queued');
is($t->http('DELETE', "/api/v1/ingest/dossiers/$code3",
    headers => \%admin)->{status}, 200, 'the dossier deleted');
$n->mode('sms', '');
ok(Onestop::Notify::wait_until(30, sub {
        $n->log_text('a') =~ /\Q$code3\E\.1\.received\.sms: a newer version of the dossier was told since: not sent/ }),
    'the gateway back: the receipt dropped');
is_deeply([grep { $_->{body} =~ /\Q$code3\E/ } @{ $n->requests('sms') }], [],
    'never sent');
($rc, $out) = $t->cli('notify', '--status');
is($json->decode($out)->{channels}{sms}{received}{superseded}, 1,
    '--status: counted as superseded') or diag($out);
is($json->decode($out)->{queued}, 0, 'nothing left in the queue');

# A dead letter of a dossier deleted since: removed with the deletion,
# the contact it kept with it.  (Until 7 December 2026 it stayed, the
# phone of a dossier deleted perhaps for holding the wrong one.)

$n->mode('sms', '4xx');
my $code4 = '000.00.12.H36-261207-N0004';
post({ %rec, code => $code4, version => 1 });
ok(Onestop::Notify::wait_until(15, sub {
    ($t->cli('notify', '--dead'))[1] =~ /\Q$code4\E/ }), 'a dead letter');
$n->mode('sms', '');
is($t->http('DELETE', "/api/v1/ingest/dossiers/$code4",
    headers => \%admin)->{status}, 200, 'its dossier deleted');
ok(Onestop::Notify::wait_until(15, sub {
    ($t->cli('notify', '--dead'))[1] !~ /\Q$code4\E/ }),
    'the dead letter removed') or diag(($t->cli('notify', '--dead'))[1]);
like($n->log_text('a'), qr/\Q$code4\E deleted: its 1 dead letter\(s\) removed/,
    'the log says so');

$n->stop('a');
$t->stop;
$t->stop_redis;
done_testing;
