#!/usr/bin/perl

# The notifier's Zalo token file (issue 16, [zalo] token_file), read again
# when it changes: when it cannot be read, each failed ZNS message said
# "zalo: cannot read the token file" in the notifier's log and in --dead,
# naming neither the file nor why.  Now the file and the reason (the C
# library's, or that it is empty); against a real Redis and ZNS sink.

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

local $SIG{ALRM} = sub { BAIL_OUT('notify_token.t did not finish in 120 s') };
alarm 120;

my $json = JSON::PP->new->utf8->canonical;
my $t = Onestop::Test->new(workers => 1);
my %admin = Onestop::Notify::primary($t, 'notify-token-admin');

my $n = Onestop::Notify->new($t);
$n->start_http('zns');
my $token = $n->dir . '/zns.token';

ok($n->start_notifier('a', zalo_templates => "template.received = 201001\n",
    main => "retry_max = 1\n"), 'the notifier starts')
    or diag($n->log_text('a'));

my $now = Onestop::Notify::now_vn();
my $seq = 0;
sub post {
    my $code = sprintf('000.00.12.H36-261208-%04d', ++$seq);
    my $r = $t->http('POST', '/api/v1/ingest/dossiers', headers => \%admin,
        body => $json->encode({ code => $code, version => 1,
            agency => '000.00.12.H36', procedure => '1.001234',
            channel => 'direct', applicant => { name => 'Trần Văn Bình' },
            contact => { phone => '0912345678' },
            received_at => $now, due_at => Onestop::Notify::today(3) }));
    is($r->{status}, 200, "dossier $code written");
    return $code;
}

post();
ok(Onestop::Notify::wait_until(15, sub { @{ $n->requests('zns') } == 1 }),
    'with its token file, the receipt goes by Zalo');

# the file gone
unlink $token or die "$token: $!";
my $code = post();
ok(Onestop::Notify::wait_until(15, sub {
    $n->log_text('a') =~ /\Q$code\E.*zalo: cannot read the token file/ }),
    'without it, the message fails') or diag($n->log_text('a'));
like($n->log_text('a'),
    qr/zalo: cannot read the token file "\Q$token\E": No such file or directory/,
    'the log names the file and why');

# the file empty
Onestop::Test::spew($t, 'notify/zns.token', '');
$code = post();
ok(Onestop::Notify::wait_until(15, sub {
    $n->log_text('a') =~ /\Q$code\E.*zalo: cannot read the token file "\Q$token\E": it is empty/ }),
    'an empty file: the log says so') or diag($n->log_text('a'));

# a first line without a token: refused here, not sent with an empty token
Onestop::Test::spew($t, 'notify/zns.token', "\nzns-token-2\n");
$code = post();
ok(Onestop::Notify::wait_until(15, sub {
    $n->log_text('a') =~ /\Q$code\E.*zalo: cannot read the token file "\Q$token\E": its first line is empty/ }),
    'an empty first line: the log says so') or diag($n->log_text('a'));
is(scalar @{ $n->requests('zns') }, 1, '... and nothing was sent without a token');

my ($rc, $out) = $t->cli('notify', '--dead');
like($out, qr/cannot read the token file \\"\Q$token\E\\": No such file or directory/,
    '--dead: the dead letter says it too');

$n->stop('a');
$t->check_log;
$t->stop;
$t->stop_redis;
done_testing;
