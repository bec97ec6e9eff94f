#!/usr/bin/perl

# The notifier's e-mail over STARTTLS with authentication (issue 16):
# an SMTP sink (Debian's python3-aiosmtpd) that requires STARTTLS and then
# AUTH, with a certificate made here for 127.0.0.1; the notifier checks it
# against that certificate (cacert) and logs in with the password from
# its file.  A wrong password: nothing delivered, the attempt retried and
# counted, the password in no log line.

use v5.36;
use utf8;

use lib 't/lib';

use Digest::SHA qw(sha256_hex);
use JSON::PP;
use Test::More;
use Time::HiRes qw(sleep);

use Onestop::Test;
use Onestop::Notify;

plan skip_all => 'redis-server is not installed'
    unless system('command -v redis-server >/dev/null 2>&1') == 0;
plan skip_all => 'python3-aiosmtpd is not installed'
    unless system('/usr/bin/python3 -c "import aiosmtpd" 2>/dev/null') == 0;
plan skip_all => 'openssl is not installed'
    unless system('command -v openssl >/dev/null 2>&1') == 0;

local $SIG{ALRM} = sub { BAIL_OUT('notify_tls.t did not finish in 120 s') };
alarm 120;

my $json = JSON::PP->new->utf8->canonical;
my $t = Onestop::Test->new(workers => 1);
my $rport = $t->start_redis;
$t->spew('keys', sha256_hex('tls-admin-key') . " * admin\n");
my %admin = (Authorization => 'Bearer tls-admin-key');
$t->write_standard_conf(serve => [qw(lookup ingest)],
    redis => "127.0.0.1:$rport prefix=n interval=100 log=on");
ok($t->start, 'nginx starts') or BAIL_OUT('no nginx');
is($t->http('POST', '/api/v1/ingest/catalog', headers => \%admin,
    body => Onestop::Test::catalog_json())->{status}, 200, 'catalog');

my $n = Onestop::Notify->new($t);
my $d = $n->dir;
system("openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 "
    . "-addext subjectAltName=IP:127.0.0.1 -keyout $d/tls.key -out $d/tls.crt "
    . ">/dev/null 2>&1") == 0 or BAIL_OUT('openssl could not make a certificate');
$t->spew('notify/smtp.user', "motcua\n");
$t->spew('notify/smtp.pass', "mat-khau-dung\n");
$t->spew('notify/client.pass', "mat-khau-dung\n");
chmod 0644, "$d/tls.crt";
$n->start_smtp(tls => 1);

my $email = "starttls = required\ncacert = $d/tls.crt\nusername = motcua\n"
    . "password_file = $d/client.pass\n";
ok($n->start_notifier('a', email => $email), 'the notifier starts');

my $now = Onestop::Notify::now_vn();
my %rec = (version => 1, agency => '000.00.12.H36', procedure => '1.001234',
    channel => 'direct', applicant => { name => 'Phạm Văn Tâm' },
    contact => { email => 'tam@example.vn' }, received_at => $now,
    due_at => Onestop::Notify::today(3));

sub post($code) {
    my $r = $t->http('POST', '/api/v1/ingest/dossiers', headers => \%admin,
        body => $json->encode({ %rec, code => $code }));
    is($r->{status}, 200, "$code written");
}

post('000.00.12.H36-261206-0101');
ok(Onestop::Notify::wait_until(15, sub { @{ $n->mails } == 1 }),
    'delivered over STARTTLS, logged in') or diag($n->log_text('a'));
is($n->mails->[0]{subject}, 'Đã tiếp nhận hồ sơ 000.00.12.H36-261206-0101',
    'the message whole');

# a wrong password: not delivered, retried

$n->stop('a');
$t->spew('notify/client.pass', "mat-khau-sai\n");
ok($n->start_notifier('b', email => $email), 'a notifier with a wrong '
    . 'password starts');
post('000.00.12.H36-261206-0102');
ok(Onestop::Notify::wait_until(15, sub {
    $n->log_text('b') =~ /261206-0102\.1\.received\.email .*failed.*again in/ }),
    'refused login: failed, to be tried again') or diag($n->log_text('b'));
is(scalar @{ $n->mails }, 1, 'nothing more delivered');
my ($rc, $out) = $t->cli('notify', '--status');
cmp_ok($json->decode($out)->{queued}, '>=', 1, 'the message waits in the '
    . 'retry queue');
unlike($n->log_text('a') . $n->log_text('b'), qr/mat-khau/,
    'no password in the log');

# the right password again: the queued message goes

$n->stop('b');
$t->spew('notify/client.pass', "mat-khau-dung\n");
ok($n->start_notifier('c', email => $email), 'the password corrected');
ok(Onestop::Notify::wait_until(20, sub { @{ $n->mails } == 2 }),
    'the queued message is delivered');

$n->stop('c');
$t->stop;
$t->stop_redis;
done_testing;
