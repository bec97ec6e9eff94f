#!/usr/bin/perl

# The notifier's configuration where it used to fail quietly (issue 16),
# against a real Redis, SMTP sink and ZNS sink:
# - a [zalo] section that gives ZNS templates for some events only: the
#   other events are not sent by Zalo (they were dead-lettered, "zalo: no
#   template.received"), and the log says so at the start; a [zalo]
#   section without any template is refused at load;
# - a redis_db that Redis refuses (SELECT 99 of 16 databases): said in the
#   log and retried, never read from database 0 instead (it was ignored,
#   and the notifier told database 0's citizens);
# - notify --dead: one JSON object a line even when the masked address
#   holds a quote (it was printed raw: not JSON);
# - an unaccented From: name holding a comma: quoted (it was sent raw:
#   two mailboxes, one without an address).

use v5.36;
use utf8;

use lib 't/lib';

use JSON::PP;
use Test::More;
use Time::HiRes qw(sleep);

use Onestop::Test;
use Onestop::Notify;

binmode(Test::More->builder->$_, ':encoding(UTF-8)')
    for qw(output failure_output todo_output);

plan skip_all => 'redis-server is not installed'
    unless system('command -v redis-server >/dev/null 2>&1') == 0;
plan skip_all => 'python3-aiosmtpd is not installed'
    unless system('/usr/bin/python3 -c "import aiosmtpd" 2>/dev/null') == 0;

local $SIG{ALRM} = sub { BAIL_OUT('notify_conf.t did not finish in 120 s') };
alarm 120;

my $json = JSON::PP->new->utf8->canonical;
my $t = Onestop::Test->new(workers => 1);
my %admin = Onestop::Notify::primary($t, 'notify-conf-admin');

my $n = Onestop::Notify->new($t);
$n->start_smtp;
$n->start_http('zns');

sub post(@recs) {
    my $r = $t->http('POST', '/api/v1/ingest/dossiers', headers => \%admin,
        body => $json->encode(\@recs));
    is($r->{status}, 200, 'written') or diag($r->{content});
}

# ---------------------------------------------------------------------
# a [zalo] section without a single template: refused at load

my $file = $n->write_conf(zalo_templates => '');
my $err = qx(timeout 10 $Onestop::Test::CLI --store @{[$t->store]} notify --config $file 2>&1);
my $rc = $? >> 8;
ok($rc != 0 && $rc != 124,
    '[zalo] without any template.EVENT: the notifier refuses to start');
like($err, qr/\[zalo\] needs the template of an event/, '... saying why')
    or diag($err);

# ---------------------------------------------------------------------
# secrets' files are their owner's alone (conf/notify.conf: mode 0600), as
# nginx's password_file= is: one its group or others may read is refused,
# saying the chmod (they were read whatever their mode)

for my $case (['email', 'password_file', 'smtp.pass', 0644],
    ['main', 'redis_password_file', 'redis.pass', 0640],
    ['zalo', 'token_file', 'zns.token', 0604])
{
    my ($where, $key, $name, $mode) = @$case;
    my $secret = $t->spew("notify/$name", "bi-mat\n");
    chmod $mode, $secret;
    my %o = $where eq 'email' ? (email => "starttls = no\nusername = motcua\n"
            . "$key = $secret\n")
        : $where eq 'main' ? (main => "$key = $secret\n") : ();
    my $conf = $n->write_conf(%o);
    if ($where eq 'zalo') {             # the harness's own token file
        chmod $mode, $n->dir . '/zns.token';
    }
    my $out = qx(timeout 10 $Onestop::Test::CLI --store @{[$t->store]} notify --config $conf 2>&1);
    my $code = $? >> 8;
    my $file = $where eq 'zalo' ? $n->dir . '/zns.token' : $secret;
    my $m = sprintf('%04o', $mode);
    ok($code != 0 && $code != 124, "$key of mode $m: refused at load")
        or diag("exit $code: $out");
    like($out, qr/\Q$key "$file" is open to its group or others (mode $m): run "chmod 0600 $file"\E/,
        '... saying the mode and the command that mends it') or diag($out);
    chmod 0600, $secret, $n->dir . '/zns.token';
}

# ---------------------------------------------------------------------
# a redis_db that Redis refuses

my $log = $n->dir . '/db.log';
$n->spawn('db', $log, $Onestop::Test::CLI, '--store', $t->store, 'notify',
    '--config', $n->write_conf(main => "consumer = db\nredis_db = 99\n"));
ok(Onestop::Notify::wait_until(10, sub {
    Onestop::Test::slurp($log) =~ /SELECT 99 refused/ }),
    'redis_db = 99: the refusal is in the log') or diag(Onestop::Test::slurp($log));
unlike(Onestop::Test::slurp($log), qr/reading n:log as/,
    '... and the notifier does not read database 0 instead');
$n->stop('db');

# ---------------------------------------------------------------------
# ZNS templates for results only

ok($n->start_notifier('a', zalo_templates => "template.result = 201003\n"),
    'the notifier starts with [zalo] template.result only')
    or diag($n->log_text('a'));
like($n->log_text('a'), qr/zalo: no template\.received: those messages go by the other channels only/,
    'the log names the events Zalo does not carry');

my $now = Onestop::Notify::now_vn();
my %rec = (code => '000.00.12.H36-261207-0001', version => 1,
    agency => '000.00.12.H36', procedure => '1.001234', channel => 'direct',
    applicant => { name => 'Trần Văn Bình' },
    contact => { phone => '0912345678', email => 'binh.tran@example.vn' },
    received_at => $now, due_at => Onestop::Notify::today(3));
post(\%rec);
ok(Onestop::Notify::wait_until(15, sub { @{ $n->mails } == 1 }),
    'the receipt: its e-mail is sent');
sleep 1;
is(scalar @{ $n->requests('zns') }, 0, 'the receipt: nothing by Zalo');

post({ %rec, version => 2, resolved_at => $now, return_channel => 'counter' });
ok(Onestop::Notify::wait_until(15, sub { @{ $n->requests('zns') } == 1 }),
    'the result: sent by Zalo');
is(JSON::PP->new->decode($n->requests('zns')->[0]{body})->{template_id}, '201003',
    '... with the result\'s template');
ok(Onestop::Notify::wait_until(15, sub { @{ $n->mails } == 2 }),
    'the result: and by e-mail');

my $out;
($rc, $out) = $t->cli('notify', '--status');
my $st = eval { $json->decode($out) } // {};
is($st->{dead}, 0, 'no dead letter: the receipt was never given to Zalo')
    or diag($out);
is($st->{channels}{zalo}{received}{failed} // 0, 0, 'no failed ZNS receipt');

# ---------------------------------------------------------------------
# --dead with a quote in the masked address

$t->spew('notify/smtp.fail', "550 mailbox unavailable\n");
post({ %rec, code => '000.00.12.H36-261207-0002',
    contact => { email => '"binh"@example.vn' } });
ok(Onestop::Notify::wait_until(15, sub {
    ($t->cli('notify', '--dead'))[1] =~ /261207-0002/ }),
    'the SMTP server refusing: dead-lettered');
($rc, $out) = $t->cli('notify', '--dead');
is($rc, 0, '--dead exits 0');
my @letters = map { eval { $json->decode($_) } } split /\n/, $out;
is(scalar @letters, scalar(split /\n/, $out), '--dead: every line is JSON')
    or diag($out);
my ($letter) = grep { $_->{code} =~ /0002$/ } @letters;
is($letter->{to}, '"***@example.vn', '--dead: the address masked');
like($letter->{error}, qr/550/, '--dead: the server\'s refusal');

$n->stop('a');

# ---------------------------------------------------------------------
# an unaccented From: name with a comma: one mailbox, its name quoted
# (it was sent as it is: "UBND tinh Long An" and a second mailbox, a
# From: header mail servers refuse)

unlink glob($n->dir . '/mail/*.eml'), $n->dir . '/smtp.fail';
ok($n->start_notifier('f', zalo_templates => "template.result = 201003\n",
    from => 'UBND tinh Long An, Bo phan "Mot cua" <motcua@longan.gov.vn>'),
    'a notifier whose From: name holds a comma and quotes');
post({ %rec, code => '000.00.12.H36-261207-0003' });
ok(Onestop::Notify::wait_until(15, sub { @{ $n->mails } == 1 }),
    'its e-mail is sent');
is($n->mails->[0]{from},
    '"UBND tinh Long An, Bo phan \\"Mot cua\\"" <motcua@longan.gov.vn>',
    'the name quoted, its quotes escaped');
$n->stop('f');
$t->check_log;
$t->stop;
$t->stop_redis;
done_testing;
