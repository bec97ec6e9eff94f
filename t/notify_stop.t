#!/usr/bin/perl

# A notifier stopped (SIGTERM, systemctl stop or restart) in the middle of
# a long batch (issue 16): it finishes the message in hand, records what
# it sent and stops, as conf/systemd/onestop-notify.service says; the
# rest is sent once by its next start.  (Until 7 December 2026 it sent the
# whole batch first: with a slow gateway, longer than systemd's
# TimeoutStopSec, so that a restart ended in SIGKILL and the unit failed.)

use v5.36;
use utf8;

use lib 't/lib';

use JSON::PP;
use Test::More;
use Time::HiRes qw(sleep);

use Onestop::Test;
use Onestop::Notify;

plan skip_all => 'redis-server is not installed'
    unless system('command -v redis-server >/dev/null 2>&1') == 0;

local $SIG{ALRM} = sub { BAIL_OUT('notify_stop.t did not finish in 120 s') };
alarm 120;

my $N = 40;
my $json = JSON::PP->new->utf8->canonical;
my $t = Onestop::Test->new(workers => 1);
my %admin = Onestop::Notify::primary($t, 'stop-admin-key');

my $n = Onestop::Notify->new($t);
$n->start_http('sms');
$n->mode('sms', 'slow');                # 0.7 s a message: 28 s for all
ok($n->start_notifier('a'), 'the notifier starts');

my $now = Onestop::Notify::now_vn();
my @codes = map { sprintf('000.00.12.H36-261207-T%04d', $_) } 1 .. $N;
is($t->http('POST', '/api/v1/ingest/dossiers', headers => \%admin,
    body => $json->encode([ map {
        { code => $_, version => 1, agency => '000.00.12.H36',
          procedure => '1.001234', channel => 'online',
          applicant => { name => 'Công dân' },
          contact => { phone => '0912000333' }, notify => ['sms'],
          received_at => $now, due_at => Onestop::Notify::today(5) }
    } @codes ]))->{status}, 200, "$N dossiers written");

ok(Onestop::Notify::wait_until(20, sub { @{ $n->requests('sms') } >= 2 }),
    'the batch is being sent');
$n->stop('a');                          # SIGTERM; SIGKILL 10 s later
like($n->log_text('a'), qr/stopping/, 'the notifier stopped on SIGTERM, '
    . 'not killed after 10 s');
my $before = @{ $n->requests('sms') };
cmp_ok($before, '<', $N, "it did not send the whole batch first ($before)");

$n->mode('sms', '');
ok($n->start_notifier('a'), 'started again');
ok(Onestop::Notify::wait_until(30, sub { @{ $n->requests('sms') } >= $N }),
    'the rest is sent');
sleep 1;
my %at;
$at{$_->{body} =~ /ref=([^&]+)/ ? $1 : ''}++ for @{ $n->requests('sms') };
is(scalar keys %at, $N, "each of the $N receipts at the gateway");
is(scalar(grep { $_ > 1 } values %at), 0, 'none twice');
my ($rc, $out) = $t->cli('notify', '--status');
is($json->decode($out)->{channels}{sms}{received}{sent}, $N,
    "--status: $N sent") or diag($out);

$n->stop('a');
$t->stop;
$t->stop_redis;
done_testing;
