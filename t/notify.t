#!/usr/bin/perl

# Telling citizens (issue 16), end to end against real local servers: a
# primary publishing {prefix}:log (log=on) to a real Redis, the notifier
# (onestop notify) in the consumer group notify, an SMTP sink (Debian's
# python3-aiosmtpd), HTTP sinks for an SMS gateway (form-encoded) and
# Zalo ZNS.  A dossier written with an e-mail and a phone: one e-mail,
# one SMS and one ZNS message with the right text; an apology, then a
# result: one each more; a version that changes nothing a citizen sees:
# nothing; a record's "notify" choice obeyed; onestop notify --status and
# /metrics; the SMS gateway answering 4xx: a dead letter, --dead, --retry
# sends it; the SMS gateway down for 30 seconds: retried and delivered;
# the ZNS token file changed: read again; the JSON shape of an SMS
# gateway; the SMS lookup (onestop_sms) for a code, a lower-case code,
# with diacritics, an unknown code and garbage; no log line with a phone
# or an address.

use v5.36;
use utf8;

use lib 't/lib';

use Digest::SHA qw(sha256_hex);
use Encode ();
use JSON::PP;
use Test::More;
use Time::HiRes qw(sleep time);

use Onestop::Test;
use Onestop::Notify;

binmode(Test::More->builder->$_, ':encoding(UTF-8)')
    for qw(output failure_output todo_output);

plan skip_all => 'redis-server is not installed'
    unless system('command -v redis-server >/dev/null 2>&1') == 0;
plan skip_all => 'python3-aiosmtpd is not installed'
    unless system('/usr/bin/python3 -c "import aiosmtpd" 2>/dev/null') == 0;

local $SIG{ALRM} = sub { BAIL_OUT('notify.t did not finish in 240 s') };
alarm 240;

my $json = JSON::PP->new->utf8->canonical;
my $t = Onestop::Test->new(workers => 2);
my $rport = $t->start_redis;

$t->spew('keys', sha256_hex('notify-admin-key') . " * admin\n"
    . sha256_hex('notify-sms-key') . " sms gateway\n"
    . sha256_hex('notify-agency-key') . " 000.00.12.H36 tu-phap\n");
my %admin = (Authorization => 'Bearer notify-admin-key');

$t->write_standard_conf(serve => [qw(lookup ingest metrics)],
    redis => "127.0.0.1:$rport prefix=n interval=100 log=on",
    server => "location = /sms { onestop_sms; }\n");
ok($t->start, 'nginx starts') or BAIL_OUT('no nginx');
is($t->http('POST', '/api/v1/ingest/catalog', headers => \%admin,
    body => Onestop::Test::catalog_json())->{status}, 200, 'catalog');

my $n = Onestop::Notify->new($t);
$n->start_smtp;
$n->start_http('sms');
$n->start_http('zns');
ok($n->start_notifier('a'), 'the notifier starts and joins the group')
    or diag($n->log_text('a'));

my $today = Onestop::Notify::today();
my $due = Onestop::Notify::today(3);
my $new_due = Onestop::Notify::today(10);
my ($dd, $dm, $dy) = (substr($due, 8, 2), substr($due, 5, 2), substr($due, 0, 4));
my ($nd, $nm, $ny) = (substr($new_due, 8, 2), substr($new_due, 5, 2),
    substr($new_due, 0, 4));
my $now = Onestop::Notify::now_vn();

sub post(@recs) {
    my $r = $t->http('POST', '/api/v1/ingest/dossiers', headers => \%admin,
        body => $json->encode(\@recs));
    is($r->{status}, 200, 'written') or diag($r->{content});
}

sub counts {
    return (scalar @{ $n->mails }, scalar @{ $n->requests('sms') },
        scalar @{ $n->requests('zns') });
}

sub wait_counts($secs, @want) {
    Onestop::Notify::wait_until($secs, sub { "@{[counts()]}" eq "@want" });
    return [counts()];
}

# ---------------------------------------------------------------------
# a receipt

my $code = '000.00.12.H36-261206-0001';
my %rec = (code => $code, version => 1, agency => '000.00.12.H36',
    procedure => '1.001234', channel => 'direct',
    applicant => { name => 'Nguyễn Thị Hoa' },
    contact => { phone => '0912345678', email => 'hoa.nguyen@example.vn' },
    received_at => $now, due_at => $due);
post(\%rec);

is_deeply(wait_counts(15, 1, 1, 1), [1, 1, 1],
    'received: one e-mail, one SMS, one ZNS message');

my $mail = $n->mails->[0];
is($mail->{rcpt}, 'hoa.nguyen@example.vn', 'the e-mail goes to the citizen');
is($mail->{subject}, "Đã tiếp nhận hồ sơ $code", 'its Vietnamese subject');
like($mail->{from}, qr/Bộ phận Một cửa tỉnh Long An <motcua\@longan\.gov\.vn>/,
    'its From');
like($mail->{body}, qr/Kính gửi Ông\/Bà Nguyễn Thị Hoa,/, 'addressed by name');
like($mail->{body}, qr/Sở Tư pháp đã tiếp nhận hồ sơ/, 'the agency by name');
like($mail->{body}, qr/Thủ tục: Cấp phiếu lý lịch tư pháp/, 'the procedure');
my ($d, $m, $y) = (substr($today, 8, 2), substr($today, 5, 2),
    substr($today, 0, 4));
like($mail->{body}, qr{Ngày hẹn trả kết quả: $dd/$dm/$dy}, 'the due date');
like($mail->{body}, qr{tra-cuu\?code=000\.00\.12\.H36-261206-0001},
    'the lookup link');
like($mail->{message_id}, qr/^<\Q$code\E\.1\.received\.email\@onestop>$/,
    'the Message-ID is the message\'s identity');

my $sms = $n->requests('sms')->[0];
is($sms->{method}, 'POST', 'SMS: POST');
is($sms->{headers}{'Content-Type'}, 'application/x-www-form-urlencoded',
    'SMS: form-encoded');
my %form = map { my ($k, $v) = split /=/, $_, 2; $v =~ tr/+/ /;
    $v =~ s/%([0-9A-F]{2})/chr hex $1/ge; ($k => $v) } split /&/, $sms->{body};
is($form{to}, '0912345678', 'SMS: to the citizen');
is($form{ref}, "$code.1.received.sms", 'SMS: the request id');
like($form{text}, qr/^Da tiep nhan HS \Q$code\E luc \d\d:\d\d \Q$d\/$m\/$y\E\. Hen tra KQ \Q$dd\/$dm\/$dy\E\./,
    'SMS: the unaccented text');
like($form{text}, qr/TT: Cap phieu ly \.\.\.$/,
    'SMS: the procedure without diacritics, shortened to fit');
cmp_ok(length $form{text}, '<=', 160, 'SMS: at most 160 characters');
unlike($form{text}, qr/[^\x20-\x7e]/, 'SMS: GSM-7 characters only');

my $zns = $n->requests('zns')->[0];
is($zns->{headers}{access_token}, 'zns-token-1', 'ZNS: the access token');
my $zb = JSON::PP->new->decode($zns->{body});
is($zb->{phone}, '84912345678', 'ZNS: the phone as 84...');
is($zb->{template_id}, '201001', 'ZNS: the template of a receipt');
is($zb->{tracking_id}, "$code.1.received.zalo", 'ZNS: the tracking id');
is($zb->{template_data}{ma_ho_so}, $code, 'ZNS: template data, the code');
is($zb->{template_data}{ten}, 'Nguyễn Thị Hoa', 'ZNS: the name, in UTF-8');

# ---------------------------------------------------------------------
# an apology, then a result; then a version a citizen sees no change in

post({ %rec, version => 2, apology => { issued_at => $today,
    new_due_at => $new_due, reason => 'Cần xác minh thêm thông tin' } });
is_deeply(wait_counts(15, 2, 2, 2), [2, 2, 2],
    'the apology: one message more on each channel');
like($n->mails->[1]{body}, qr/Lý do: Cần xác minh thêm thông tin/,
    'the apology\'s reason');
like($n->mails->[1]{body}, qr{Ngày hẹn trả kết quả mới: \Q$nd/$nm/$ny\E},
    'the new date');

post({ %rec, version => 3, apology => { issued_at => $today,
    new_due_at => $new_due, reason => 'Cần xác minh thêm thông tin' },
    resolved_at => $now, return_channel => 'postal' });
is_deeply(wait_counts(15, 3, 3, 3), [3, 3, 3],
    'the result: one message more on each channel');
like($n->mails->[2]{subject}, qr/đã có kết quả/, 'the result\'s subject');
like($n->mails->[2]{body}, qr/Cách nhận kết quả: nhận qua dịch vụ bưu chính công ích/,
    'by post, not said sent before it is');

post({ %rec, version => 4, apology => { issued_at => $today,
    new_due_at => $new_due, reason => 'Cần xác minh thêm thông tin' },
    resolved_at => $now, return_channel => 'postal', channel => 'online' });
sleep 1.5;
is_deeply([counts()], [3, 3, 3], 'a version that changes nothing told: '
    . 'nothing sent');

# the applicant's choice: only SMS
post({ %rec, code => '000.00.12.H36-261206-0002', notify => ['sms'] });
is_deeply(wait_counts(15, 3, 4, 3), [3, 4, 3], '"notify": ["sms"]: an SMS only');

# withdrawn
post({ %rec, code => '000.00.12.H36-261206-0002', notify => ['sms'],
    version => 2, withdrawn_at => $now });
is_deeply(wait_counts(15, 3, 5, 3), [3, 5, 3], 'withdrawn: one SMS more');
like($n->requests('sms')->[-1]{body}, qr/da\+duoc\+rut\+ngay/,
    'withdrawn: its text');

my $bad = $t->http('POST', '/api/v1/ingest/dossiers', headers => \%admin,
    body => $json->encode({ %rec, code => '000.00.12.H36-261206-0003',
        notify => ['fax'] }));
is($bad->{status}, 422, '"notify": ["fax"] is refused');
like($bad->{content}, qr/notify must be an array/, '... saying why');

# ---------------------------------------------------------------------
# the counts

my ($rc, $out) = $t->cli('notify', '--status');
is($rc, 0, 'notify --status');
my $st = eval { $json->decode($out) } // {};
is($st->{channels}{email}{received}{sent}, 1, '--status: e-mails of receipts');
is($st->{channels}{sms}{received}{sent}, 2, '--status: SMS of receipts');
is($st->{channels}{sms}{withdrawn}{sent}, 1, '--status: SMS of withdrawals');
is($st->{channels}{zalo}{result}{sent}, 1, '--status: ZNS of results');
is($st->{dead}, 0, '--status: no dead letter');
ok(defined $st->{lag}, '--status: the group\'s lag') or diag($out);

my $metrics = $t->get('/metrics')->{content};
like($metrics, qr/^onestop_notify_sent_total\{channel="email",event="appointment"\} 1$/m,
    '/metrics: sent by channel and event');
like($metrics, qr/^onestop_notify_dead_total\{channel="sms",event="received"\} 0$/m,
    '/metrics: dead letters by channel and event');
like($metrics, qr/^onestop_notify_lag \d+$/m, '/metrics: the group\'s lag');

# ---------------------------------------------------------------------
# the SMS lookup

my %smskey = (Authorization => 'Bearer notify-sms-key');

sub sms_get($text, %h) {
    my $q = Encode::encode_utf8($text)
        =~ s/([^A-Za-z0-9._-])/sprintf('%%%02X', ord $1)/ger;
    return $t->http('GET', "/sms?text=$q", headers => { %smskey, %h });
}

my $r = sms_get("TRACUU $code");
is($r->{status}, 200, 'SMS lookup: 200');
like($r->{headers}{'content-type'}, qr{^text/plain}, 'SMS lookup: text/plain');
is($r->{content}, "HS $code: Da giai quyet (truoc han). Nhan $d/$m/$y. "
    . "Hen moi $nd/$nm/$ny. Co KQ $d/$m/$y.", 'SMS lookup: status and dates');
cmp_ok(length $r->{content}, '<=', 160, 'SMS lookup: one message');
unlike($r->{content}, qr/Hoa|0912|example/, 'SMS lookup: no personal data');

is(sms_get('tracuu ' . lc $code)->{content}, $r->{content},
    'SMS lookup: a lower-case code and keyword');
is(sms_get("  Tra cứu   $code  ")->{content}, $r->{content},
    'SMS lookup: with diacritics and spaces');
$r = $t->http('POST', '/sms', headers => { %smskey,
    'Content-Type' => 'application/x-www-form-urlencoded' },
    body => "from=0912345678&text=TRACUU+$code");
is($r->{content}, sms_get("TRACUU $code")->{content},
    'SMS lookup: a POSTed form');
like(sms_get('TRACUU 000.00.12.H36-999999-0000')->{content},
    qr/^Khong tim thay ho so 000\.00\.12\.H36-999999-0000\./,
    'SMS lookup: an unknown code');
like(sms_get('xin chao')->{content}, qr/^Soan tin: TRACUU <ma ho so>/,
    'SMS lookup: garbage gets the help text');
is(sms_get('xin chao')->{status}, 200, '... with 200');
is($t->http('GET', "/sms?text=TRACUU+$code")->{status}, 401,
    'SMS lookup: no key, 401');
is(sms_get("TRACUU $code", Authorization => 'Bearer notify-admin-key')
    ->{status}, 403, 'SMS lookup: a key of another scope, 403');
is($t->http('GET', '/sms?from=1', headers => \%smskey)->{status}, 400,
    'SMS lookup: no text, 400');
is($t->http('POST', '/api/v1/ingest/dossiers', headers => \%smskey,
    body => $json->encode({ %rec, version => 9 }))->{status}, 403,
    'a key of scope sms writes nothing');

# ---------------------------------------------------------------------
# the SMS gateway answering 4xx: a dead letter; --dead; --retry

$n->mode('sms', '4xx');
post({ %rec, code => '000.00.12.H36-261206-0004',
    contact => { phone => '0987654321' } });
ok(Onestop::Notify::wait_until(15, sub {
    ($t->cli('notify', '--dead'))[1] =~ /261206-0004/ }),
    'a gateway answering 400: dead-lettered');
($rc, $out) = $t->cli('notify', '--dead');
is($rc, 0, '--dead exits 0');
my ($letter) = map { $json->decode($_) } grep { /0004/ } split /\n/, $out;
is($letter->{channel}, 'sms', '--dead: the channel');
is($letter->{to}, '09******21', '--dead: the phone masked');
is($letter->{error}, 'HTTP 400', '--dead: why');
my $nsms = @{ $n->requests('sms') };
$n->mode('sms', '');
($rc, $out) = $t->cli('notify', '--retry');
is($out, "{\"retried\": 1}\n", '--retry puts it back');
ok(Onestop::Notify::wait_until(15, sub {
    @{ $n->requests('sms') } == $nsms + 1 }), '... and it is sent');
like($n->requests('sms')->[-1]{body}, qr/0987654321/, '... to its phone');
is(($t->cli('notify', '--dead'))[1], '', 'no dead letter left');

# a letter that cannot be delivered (a phone the gateway refuses for
# good): --drop removes it, the phone and text it kept with it, instead
# of keeping it for ever or sending it round again with --retry
$n->mode('sms', '4xx');
post({ %rec, code => '000.00.12.H36-261206-0014',
    contact => { phone => '0987654314' } });
post({ %rec, code => '000.00.12.H36-261206-0015',
    contact => { phone => '0987654315' } });
ok(Onestop::Notify::wait_until(15, sub {
    ($t->cli('notify', '--dead'))[1] =~ /0014.*\n.*0015/s }),
    'two dead letters');
$n->mode('sms', '');
($rc, $out) = $t->cli('notify', '--drop', '000.00.12.H36-261206-0014');
is($out, "{\"dropped\": 1}\n", '--drop CODE removes that dossier\'s');
($rc, $out) = $t->cli('notify', '--dead');
unlike($out, qr/0014/, '... it is gone from --dead');
like($out, qr/0015/, '... the other is there');
($rc, $out) = $t->cli('notify', '--drop');
is($out, "{\"dropped\": 1}\n", '--drop removes every one');
is(($t->cli('notify', '--dead'))[1], '', 'no dead letter left');
($rc, $out) = $t->cli('notify', '--status');
is($json->decode($out)->{dead}, 0, '--status: no dead letter kept');
($rc, $out) = $t->cli('notify', '--retry');
is($out, "{\"retried\": 0}\n", 'nothing for --retry to send again');

# ---------------------------------------------------------------------
# the SMS gateway down for 30 seconds

$n->stop('sms');
post({ %rec, code => '000.00.12.H36-261206-0005',
    contact => { phone => '0987000005' } });
Onestop::Notify::wait_until(10, sub { $n->log_text('a') =~ /261206-0005.*failed/ });
like($n->log_text('a'), qr/261206-0005\.1\.received\.sms to 09\*+05 failed/,
    'the gateway down: the failure logged, the phone masked');
sleep 30 - 3;
$n->start_http('sms');
ok(Onestop::Notify::wait_until(20, sub {
    grep { $_->{body} =~ /0987000005/ } @{ $n->requests('sms') } }),
    'down for 30 s: retried and delivered');
($rc, $out) = $t->cli('notify', '--status');
$st = $json->decode($out);
cmp_ok($st->{channels}{sms}{received}{failed}, '>=', 2,
    'the failed attempts are counted');

# ---------------------------------------------------------------------
# the ZNS token file changed: read again

$t->spew('notify/zns.token', "zns-token-2\n");
post({ %rec, code => '000.00.12.H36-261206-0006' });
ok(Onestop::Notify::wait_until(15, sub {
    grep { $_->{body} =~ /261206-0006/ } @{ $n->requests('zns') } }),
    'ZNS: sent after the token changed');
is((grep { $_->{body} =~ /261206-0006/ } @{ $n->requests('zns') })[0]
    {headers}{access_token}, 'zns-token-2', 'ZNS: with the new token');

# ---------------------------------------------------------------------
# the JSON shape of an SMS gateway

$n->stop('a');
ok($n->start_notifier('b', sms_shape => 'json'), 'a notifier with the '
    . 'JSON gateway');
post({ %rec, code => '000.00.12.H36-261206-0007', notify => ['sms'] });
ok(Onestop::Notify::wait_until(15, sub {
    grep { $_->{path} =~ /^\/api\/sms\/84/ } @{ $n->requests('sms') } }),
    'SMS (JSON): sent');
my ($js) = grep { $_->{path} =~ /^\/api\/sms/ } @{ $n->requests('sms') };
is($js->{path}, '/api/sms/84912345678', 'SMS (JSON): the URL template');
is($js->{headers}{Authorization}, 'Bearer sms-gateway-token',
    'SMS (JSON): a header template');
my $jb = JSON::PP->new->decode($js->{body});
is($jb->{to}, '84912345678', 'SMS (JSON): the phone');
like($jb->{message}, qr/^Da tiep nhan HS 000\.00\.12\.H36-261206-0007/,
    'SMS (JSON): the text');
is($jb->{request_id}, '000.00.12.H36-261206-0007.1.received.sms',
    'SMS (JSON): the request id');

# a phone written with the international prefix 00: {{phone84}} is 84...,
# not 84084... (a number no carrier knows: the gateway refused it)
post({ %rec, code => '000.00.12.H36-261206-0008', notify => ['sms'],
    contact => { phone => '0084 912 000 444' } });
ok(Onestop::Notify::wait_until(15, sub {
    grep { $_->{body} =~ /261206-0008/ } @{ $n->requests('sms') } }),
    'SMS (JSON): a phone written 0084 ...');
($js) = grep { $_->{body} =~ /261206-0008/ } @{ $n->requests('sms') };
is($js->{path}, '/api/sms/84912000444', '... {{phone84}} in the URL');
is(JSON::PP->new->decode($js->{body})->{to}, '84912000444',
    '... and in the body');

# a slow gateway and two notifiers: a batch that takes longer than
# claim_idle (1.5 s) stays its notifier's, and nothing is sent twice

ok($n->start_notifier('c', sms_shape => 'json'), 'a second notifier');
$n->mode('sms', 'slow');
my @slow = map { sprintf('000.00.12.H36-261206-01%02d', $_) } 1 .. 6;
post(map { { %rec, code => $_, notify => ['sms'] } } @slow);
ok(Onestop::Notify::wait_until(30, sub {
    my %at = map { $_->{body} =~ /(261206-01\d\d)/ ? ($1 => 1) : () }
        @{ $n->requests('sms') };
    keys %at == 6 }), 'a slow gateway (0.7 s a message): all six sent');
sleep 3;
my %times;
$times{$_}++ for map { $_->{body} =~ /(261206-01\d\d)/ ? $1 : () }
    @{ $n->requests('sms') };
is_deeply([grep { $times{$_} != 1 } sort keys %times], [],
    'none twice: the slow batch was not taken over');
like($n->log_text('b') . $n->log_text('c'), qr/^(?!.*took over)/s,
    'no notifier took the other\'s entries over');
$n->mode('sms', '');
$n->stop('c');

# ---------------------------------------------------------------------
# personal data in log lines

my $logs = $n->log_text('a') . $n->log_text('b') . $t->error_log;
unlike($logs, qr/0912345678|0987654321|hoa\.nguyen|Nguyễn Thị Hoa/,
    'no phone, address or name in the notifier\'s or nginx\'s log');
like($n->log_text('a'), qr/sent \Q$code\E\.1\.received\.email to h\*\*\*\@example\.vn/,
    'the log names the message and the masked address');

$n->stop('b');
$t->check_log;
$t->stop;
$t->stop_redis;
done_testing;
