#!/usr/bin/perl

# A read that fails says why (issue 12: "read errors logged without a
# reason").  A damaged dossier record and a damaged entry of the change log
# are put in the store with mdb_load, as a disk error or a file edited by
# hand would leave them; the lookup (JSON and the page), the change log
# and the CLI's get and changes fail with a 500 (or exit 1), and what the
# sysadmin reads names the dossier or the entry, the store and the reason.
# Before, nginx's line was "could not read a dossier from store" or
# "onestop_changes: could not read the change log" (whose row in the
# operators' guide said "the store's other messages say why": none did),
# and the CLI said "cannot read dossier" and "cannot read the change log".
# A QR code or a receipt said "could not render a QR code or a receipt"
# of a read that failed; and the citizen who scanned a good receipt's
# token was told that the dossier does not exist (404), with nothing in
# the log, where a read that could not begin answers 500 (t/qr_errlog.t).
# A sync partner's GET /api/v1/ingest/dossiers/CODE and the SMS lookup
# (onestop_sms) logged nothing; a question that could not be read was
# "no question has this id" to its sender, with nothing in the log.

use v5.36;
use utf8;

use lib 't/lib';

use Digest::SHA qw(hmac_sha256 sha256_hex);
use Encode ();
use MIME::Base64 qw(encode_base64url);
use JSON::PP;
use Test::More;

use Onestop::Test;

local $SIG{ALRM} = sub { BAIL_OUT('read_errors.t did not finish') };
alarm 120;

my $json = JSON::PP->new->utf8->canonical;
my $code = '000.00.12.H36-240601-0001';
my $KEY = '3f' . ('a5' x 15) . '0c' . ('5a' x 15);
my $token = $code . '.' . encode_base64url(substr(
    hmac_sha256($code, pack('H*', $KEY)), 0, 12));
my ($mac) = $token =~ /\.(.+)$/;

my $t = Onestop::Test->new(today => '2024-06-15', workers => 1);
$t->spew('keys', sha256_hex('read-errors-admin') . " * admin\n"
    . sha256_hex('read-errors-sms') . " sms gateway\n");
$t->spew('qr.key', "$KEY\n");
$t->write_standard_conf(serve => [qw(lookup lookup_page ingest qr receipt
    resolve)], qr_key => 1,
    server => "location /api/v1/changes { onestop_changes; }\n"
        . "location = /sms { onestop_sms; }\n"
        . "location /api/v1/feedback { onestop_feedback json; }\n");
ok($t->start, 'nginx starts') or BAIL_OUT('no nginx');
my %admin = (Authorization => 'Bearer read-errors-admin');
is($t->http('POST', '/api/v1/ingest/catalog', headers => \%admin,
    body => Onestop::Test::catalog_json())->{status}, 200, 'catalog');
for my $c ($code, '000.00.12.H36-240601-0002') {
    is($t->http('POST', '/api/v1/ingest/dossiers', headers => \%admin,
        body => $json->encode({ code => $c, version => 1,
            agency => '000.00.12.H36', procedure => '1.001234',
            channel => 'direct', applicant => { name => 'Nguyễn Thị Hoa' },
            received_at => '2024-06-01', due_at => '2024-06-20' }))->{status},
        200, "dossier $c");
}
is($t->get("/api/v1/dossiers/$code")->{status}, 200, 'the lookup answers');
is($t->get('/api/v1/changes?after=0')->{status}, 200,
    'the change log answers');
is($t->get("/q/$token")->{status}, 200, 'the /q/ page answers');
my $q = $t->http('POST', '/api/v1/feedback',
    headers => { 'Content-Type' => 'application/json' },
    body => $json->encode({ kind => 'question', agency => '000.00.12.H36',
        subject => 'Thời hạn', text => 'Mất bao lâu?',
        name => 'Nguyễn Thị Hoa', contact => '0912 345 678' }));
is($q->{status}, 201, 'a question') or diag($q->{content});
my $qtoken = eval { $json->decode($q->{content})->{token} } // '';
is($t->get("/api/v1/feedback/1?token=$qtoken")->{status}, 200,
    'its sender reads it');
is($t->get("/qr/$code.svg", headers => \%admin)->{status}, 200,
    'the QR code answers');

# the dossier's record and the change log's second entry damaged: one byte
# each (LMDB itself is whole; what onestop stored in it is not)
sub load ($db, $key, $value) {
    open(my $load, '|-', "mdb_load -T -s $db " . $t->store) or die;
    print $load "$key\n$value\n";
    close $load or die "mdb_load: $?";
}
load('dossiers', $code, '\\ff');
load('feedback', '\\00\\00\\00\\00\\00\\00\\00\\01', '\\ff');
load('changelog', '\\00\\00\\00\\00\\00\\00\\00\\02', '\\00');

my $store = $t->store;
my $log = length $t->error_log;

my $r = $t->get("/api/v1/dossiers/$code");
is($r->{status}, 500, 'a damaged dossier: 500');
like(substr($t->error_log, $log),
    qr/\[error\].*could not read dossier "\Q$code\E" from store "\Q$store\E": a stored dossier does not decode: the store is damaged \(restore it from a backup\)/,
    'the log names the dossier, the store and why');
$log = length $t->error_log;

$r = $t->get("/tra-cuu?code=$code");
is($r->{status}, 500, 'the page: 500');
like(substr($t->error_log, $log),
    qr/\[error\].*could not read dossier "\Q$code\E" from store "\Q$store\E": a stored dossier does not decode/,
    'the log names the dossier, the store and why');
$log = length $t->error_log;

$r = $t->get('/api/v1/changes?after=0');
is($r->{status}, 500, 'a damaged entry of the change log: 500');
like(substr($t->error_log, $log),
    qr/\[error\].*onestop_changes: could not read the change log of store "\Q$store\E": the entry after change 1 is damaged: restore the store from a backup/,
    'the log names the store, the entry and why');
unlike($r->{content}, qr/damaged|\Q$store\E/,
    'the client is not told the store\'s path');
$log = length $t->error_log;

$r = $t->get('/api/v1/changes?after=0',
    headers => { Accept => 'text/event-stream' });
is($r->{status}, 500, 'the stream: 500');
like(substr($t->error_log, $log),
    qr/could not read the change log of store "\Q$store\E": the entry after change 1 is damaged/,
    'the log says why');

$r = $t->get("/q/$token");
is($r->{status}, 500, '/q/TOKEN of a damaged dossier: 500, not "no such dossier"');
unlike(Encode::decode('UTF-8', $r->{content} // ''), qr/Không tìm thấy/,
    '... the page does not say that the dossier does not exist');
like(substr($t->error_log, $log),
    qr/\[error\].*could not read dossier "\Q$code\E" from store "\Q$store\E": a stored dossier does not decode/,
    'the log names the dossier, the store and why');
unlike($t->error_log, qr/\Q$mac\E/, '... and holds no QR token');
$log = length $t->error_log;

$r = $t->get("/qr/$code.svg", headers => \%admin);
is($r->{status}, 500, 'its QR code: 500');
like(substr($t->error_log, $log),
    qr/\[error\].*could not make the QR code of dossier "\Q$code\E" from store "\Q$store\E": a stored dossier does not decode/,
    'the log says the read failed, and why');
$log = length $t->error_log;

$r = $t->get("/receipt/$code", headers => \%admin);
is($r->{status}, 500, 'its receipt: 500');
like(substr($t->error_log, $log),
    qr/\[error\].*could not make the receipt of dossier "\Q$code\E" from store "\Q$store\E": a stored dossier does not decode/,
    'the log says the read failed, and why');

$log = length $t->error_log;

# a sync partner's read of the record (issue 15) logged nothing at all
$r = $t->get("/api/v1/ingest/dossiers/$code", headers => \%admin);
is($r->{status}, 500, 'a sync partner\'s GET of the record: 500');
like(substr($t->error_log, $log),
    qr/\[error\].*could not read dossier "\Q$code\E" from store "\Q$store\E": a stored dossier does not decode/,
    'the log names the dossier, the store and why');

$log = length $t->error_log;

# the SMS lookup's 500 logged nothing
$r = $t->get("/sms?text=TRACUU+$code",
    headers => { Authorization => 'Bearer read-errors-sms' });
is($r->{status}, 500, 'an SMS lookup of the damaged dossier: 500');
like(substr($t->error_log, $log),
    qr/\[error\].*onestop_sms: store "\Q$store\E": dossier \Q$code\E cannot be read: a stored dossier does not decode/,
    'the log names the store, the dossier and why');
unlike($r->{content}, qr/damaged/, 'the gateway is told only that it failed');

$log = length $t->error_log;

# a question that could not be read was "no question has this id" to its
# sender, and nothing in the log
$r = $t->get("/api/v1/feedback/1?token=$qtoken");
is($r->{status}, 500, 'a damaged question: 500, not 404');
like(substr($t->error_log, $log),
    qr/\[error\].*onestop_feedback: could not read question 1 from store "\Q$store\E": a stored question does not decode: the store is damaged/,
    'the log names the question, the store and why');
unlike($t->error_log, qr/\Q$qtoken\E/, '... and holds no sender\'s token');

unlike($t->error_log, qr/Nguyễn|Hoa/, 'no applicant\'s name in the log');

my ($rc, $out, $err) = $t->cli('get', $code);
is($rc, 1, 'onestop get: exit 1');
like($err, qr/cannot read dossier "\Q$code\E": a stored dossier does not decode: the store is damaged/,
    'and says why');

($rc, $out, $err) = $t->cli('changes', 'after=0');
is($rc, 1, 'onestop changes: exit 1');
like($err, qr/cannot read the change log: the entry after change 1 is damaged: restore the store from a backup/,
    'and says why');

$t->check_log;
$t->stop;

done_testing;
