#!/usr/bin/perl

# Lookup (SPEC section 4): GET /api/v1/dossiers/{code} and the page at
# /tra-cuu: every member present, exact values, masked names, derived
# status and timeliness against a fixed today, errors as the error object,
# methods, headers, ETag and 304, and a CLI write showing in nginx.

use v5.36;
use utf8;

use lib 't/lib';

use Digest::SHA qw(sha256_hex);
use Encode qw(decode encode);
use JSON::PP;
use Test::More;
use IO::Socket::INET;
use Time::HiRes qw(sleep time);

use Onestop::Test;

binmode(Test::More->builder->$_, ':encoding(UTF-8)')
    for qw(output failure_output todo_output);

# a server that dies must fail this test, not hang it
local $SIG{ALRM} = sub { BAIL_OUT('lookup.t did not finish in 120 s') };
alarm 120;

my $json = JSON::PP->new->utf8->canonical;

my $t = Onestop::Test->new(today => '2024-06-15');
$t->spew('keys', sha256_hex('lookup-admin-key') . " * admin\n");
$t->write_standard_conf(serve => [qw(lookup lookup_page ingest)]);

ok($t->start, 'nginx starts') or BAIL_OUT('nginx did not start');

my %admin = (Authorization => 'Bearer lookup-admin-key');

my $r = $t->http('POST', '/api/v1/ingest/catalog', headers => \%admin,
    body => Onestop::Test::catalog_json());
is($r->{status}, 200, 'catalog written') or diag($r->{content});

# the catalog's names, as the lookup shows them
my %agency = (
    '000.00.12.H36' => 'Sở Tư pháp',
    '000.00.15.H36' => 'Sở Xây dựng',
    '000.00.30.H36' => 'UBND huyện Bến Lức',
    '000.30.01.H36' => 'UBND thị trấn Bến Lức',
    '000.30.02.H36' => 'UBND xã Thạnh Đức',
    '000.00.31.H36' => 'UBND huyện Cần Giuộc',
    '000.31.01.H36' => 'UBND xã Phước Lý',
);
my %procedure = (
    '1.001234' => ['Cấp phiếu lý lịch tư pháp', 'tu-phap'],
    '1.009999' => ['Cấp giấy phép xây dựng', 'xay-dung'],
    '1.000894' => ['Đăng ký khai sinh', 'ho-tich'],
);
my %field = (
    'tu-phap' => 'Tư pháp',
    'xay-dung' => 'Xây dựng',
    'ho-tich' => 'Hộ tịch',
);

# the masking rule of SPEC 4, computed here on its own: words split on
# runs of white space, the first whole, each later one as its first code
# point with the combining marks after it, and a dot
sub mask ($name) {
    my @w = grep { length } split /\s+/, $name;
    return '' unless @w;
    my $first = shift @w;
    return join ' ', $first, map { /^(\P{M}\p{M}*)/ ? "$1." : '' } @w;
}

my %status_text = (
    'processing not_due' => 'Đang giải quyết',
    'processing overdue' => 'Đang giải quyết (quá hạn)',
    'resolved early' => 'Đã giải quyết (trước hạn)',
    'resolved on_time' => 'Đã giải quyết (đúng hạn)',
    'resolved late' => 'Đã giải quyết (trễ hạn)',
    'returned early' => 'Đã trả kết quả (trước hạn)',
    'returned on_time' => 'Đã trả kết quả (đúng hạn)',
    'returned late' => 'Đã trả kết quả (trễ hạn)',
    'withdrawn' => 'Đã rút hồ sơ',
);

sub record (%m) {
    return {
        version => 1,
        agency => '000.00.12.H36',
        procedure => '1.001234',
        channel => 'online',
        applicant => {name => 'Nguyễn Văn An', type => 'citizen'},
        received_at => '2024-06-03T08:15:00+07:00',
        due_at => '2024-06-20T17:00:00+07:00',
        %m,
    };
}

sub post (@recs) {
    my $r = $t->http('POST', '/api/v1/ingest/dossiers', headers => \%admin,
        body => $json->encode(\@recs));
    return $r;
}

sub lookup ($code) {
    my $r = $t->get("/api/v1/dossiers/$code");
    my $j = eval { $json->decode($r->{content}) };
    return ($r, $j);
}

# a request on a raw socket, so that a body where none belongs is seen:
# (status, {lower-case header => value}, body)
sub raw ($req) {
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
        PeerPort => $t->port, Proto => 'tcp', Timeout => 10)
        or return (0, {}, '');
    print $s $req;
    my $resp = '';
    while (sysread($s, my $buf, 65536)) { $resp .= $buf }
    close $s;
    my ($head, $body) = split /\r\n\r\n/, $resp, 2;
    my ($line, @h) = split /\r\n/, $head // '';
    my ($status) = ($line // '') =~ m{^HTTP/1\.[01] (\d{3})};
    my %h = map { /^([^:]+):\s*(.*)$/ ? (lc $1 => $2) : () } @h;
    return ($status // 0, \%h, $body // '');
}

sub error_ok ($r, $status, $code, $name) {
    is($r->{status}, $status, "$name: status $status");
    like($r->{headers}{'content-type'} // '', qr{^application/json\b},
        "$name: JSON");
    my $j = eval { $json->decode($r->{content}) } // {};
    is(ref $j->{error}, 'HASH', "$name: error object");
    is($j->{error}{code}, $code, "$name: error code $code") if defined $code;
    ok(defined $j->{error}{message} && !ref $j->{error}{message}
        && length $j->{error}{message}, "$name: error message");
    return $j;
}

# --- the full record: every member, exact values ---

my $full = record(
    code => '000.00.12.H36-240603-0001',
    version => 3,
    channel => 'postal',
    return_channel => 'postal',
    applicant => {name => 'Đặng Thị Ánh', type => 'citizen'},
    contact => {phone => '0912345678', email => 'anh.dang@example.vn'},
    received_at => '2024-06-03T08:15:00+07:00',
    due_at => '2024-06-10T17:00:00+07:00',
    apology => {issued_at => '2024-06-11T09:00:00+07:00',
        new_due_at => '2024-06-20', reason => 'Cần xác minh thêm hồ sơ đất đai'},
    unknown_member => 'ignored',
);

$r = post($full);
is($r->{status}, 200, 'full record written') or diag($r->{content});
is_deeply(eval { $json->decode($r->{content}) },
    {accepted => 1, unchanged => 0, stale => 0}, 'full record accepted');

my ($j);
($r, $j) = lookup('000.00.12.H36-240603-0001');
is($r->{status}, 200, 'lookup 200');
is($r->{headers}{'content-type'}, 'application/json; charset=utf-8',
    'lookup content type');
is_deeply($j, {
    code => '000.00.12.H36-240603-0001',
    applicant => {name => 'Đặng T. Á.', type => 'citizen'},
    agency => {id => '000.00.12.H36', name => 'Sở Tư pháp'},
    field => {id => 'tu-phap', name => 'Tư pháp'},
    procedure => {id => '1.001234', name => 'Cấp phiếu lý lịch tư pháp'},
    channel => 'postal',
    received_date => '2024-06-03',
    due_date => '2024-06-10',
    resolved_date => undef,
    returned_date => undef,
    withdrawn_date => undef,
    status => 'processing',
    timeliness => 'overdue',
    status_text => 'Đang giải quyết (quá hạn)',
    apology => {issued_date => '2024-06-11', new_due_date => '2024-06-20',
        reason => 'Cần xác minh thêm hồ sơ đất đai'},
    apologies => [{issued_date => '2024-06-11', new_due_date => '2024-06-20',
        reason => 'Cần xác minh thêm hồ sơ đất đai'}],
    due_changes => [],
}, 'lookup body: every member, exact values, apology does not excuse')
    or diag($r->{content});
is(mask('Đặng Thị Ánh'), 'Đặng T. Á.', 'the masking rule of the test');

my $raw = $r->{content};
unlike($raw, qr/0912345678/, 'no phone in the body');
unlike($raw, qr/anh\.dang\@example\.vn/, 'no e-mail in the body');
unlike($raw, qr/contact/, 'no contact member');
unlike(decode('UTF-8', $raw), qr/Đặng Thị Ánh/, 'no full name in the body');
unlike($raw, qr/unknown_member|ignored/, 'unknown members not echoed');

is($r->{headers}{'cache-control'}, 'private, no-store', 'Cache-Control');
is($r->{headers}{'referrer-policy'}, 'no-referrer', 'Referrer-Policy');
my $etag = $r->{headers}{etag};
ok(defined $etag && length $etag, 'ETag present');

# --- ETag, If-None-Match ---

my ($st, $h, $body) = raw("GET /api/v1/dossiers/000.00.12.H36-240603-0001"
    . " HTTP/1.1\r\nHost: localhost\r\nIf-None-Match: $etag\r\n"
    . "Connection: close\r\n\r\n");
is($st, 304, 'If-None-Match with the ETag: 304');
is($body, '', '304 has no body');
is($h->{etag}, $etag, '304 repeats the ETag');
is($h->{'cache-control'}, 'private, no-store', '304 keeps Cache-Control');

$r = $t->get('/api/v1/dossiers/000.00.12.H36-240603-0001',
    headers => {'If-None-Match' => '"0000000000000000"'});
is($r->{status}, 200, 'If-None-Match with another ETag: 200');

# the answers have no Last-Modified: If-Modified-Since beside If-None-Match
# is ignored (RFC 9110 13.1.3), and If-Unmodified-Since, which has no date
# to compare, too (13.1.4): neither turns a match into 200 nor an answer
# into 412
my $date = 'Sat, 15 Jun 2024 08:00:00 GMT';
$r = $t->get('/api/v1/dossiers/000.00.12.H36-240603-0001',
    headers => {'If-None-Match' => $etag, 'If-Modified-Since' => $date});
is($r->{status}, 304, 'If-None-Match matching, If-Modified-Since beside: 304');
for my $ius ($date, 'not a date') {
    $r = $t->get('/api/v1/dossiers/000.00.12.H36-240603-0001',
        headers => {'If-Unmodified-Since' => $ius});
    is($r->{status}, 200, "If-Unmodified-Since: $ius: 200, not 412");
    $r = $t->get('/tra-cuu/000.00.12.H36-240603-0001',
        headers => {'If-Unmodified-Since' => $ius});
    is($r->{status}, 200, "page, If-Unmodified-Since: $ius: 200, not 412");
}

# --- HEAD ---

my $get = $t->get('/api/v1/dossiers/000.00.12.H36-240603-0001');
($st, $h, $body) = raw("HEAD /api/v1/dossiers/000.00.12.H36-240603-0001"
    . " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
is($st, 200, 'HEAD 200');
is($body, '', 'HEAD has no body');
is($h->{'content-type'}, 'application/json; charset=utf-8',
    'HEAD content type');
is($h->{etag}, $get->{headers}{etag}, 'HEAD ETag as GET');
is($h->{'content-length'}, length($get->{content}),
    'HEAD Content-Length as GET body');
is($h->{'cache-control'}, 'private, no-store', 'HEAD Cache-Control');
($st, $h, $body) = raw("HEAD /api/v1/dossiers/NO-SUCH-CODE-0 HTTP/1.1\r\n"
    . "Host: localhost\r\nConnection: close\r\n\r\n");
is($st, 404, 'HEAD of an unknown code: 404');
is($body, '', 'HEAD 404 has no body');

# --- the ?code= form ---

$r = $t->get('/api/v1/dossiers/?code=000.00.12.H36-240603-0001');
is($r->{status}, 200, '?code= on the JSON location');
is($r->{content}, $get->{content}, '?code= gives the same body');
$r = $t->get('/api/v1/dossiers/?code=000%2E00%2E12%2EH36%2D240603%2D0001');
is($r->{content}, $get->{content}, '?code= is percent-decoded');
$r = $t->get('/api/v1/dossiers/000%2E00%2E12%2EH36%2D240603%2D0001');
is($r->{content}, $get->{content}, 'the path is percent-decoded');
$r = $t->get('/api/v1/dossiers//000.00.12.H36-240603-0001');
is($r->{content}, $get->{content}, 'leading slashes are skipped');

# --- masking ---

my @names = (
    ['Đặng Thị Ánh', 'Đặng T. Á.'],
    ["  Nguyễn   Văn\t\tAn  ", 'Nguyễn V. A.'],
    ['Trần Thị Ngọc Bích Ưng', 'Trần T. N. B. Ư.'],
    ['Tâm', 'Tâm'],
    ['lê thị ơn', 'lê t. ơ.'],
    ["Phạm\x{00a0}Ổn", 'Phạm Ổ.'],
    ["Hồ Ê\x{0301}m Ánh", "Hồ Ê\x{0301}. Á."],       # combining acute kept
    ["Võ A\x{0300}\x{0323}nh", "Võ A\x{0300}\x{0323}."],  # two marks kept
    ["Lý\nĐức", 'Lý Đ.'],
);
my $i = 0;
for my $n (@names) {
    my ($name, $want) = @$n;
    is(mask($name), $want, "test's masking of '$want'");
    my $code = sprintf('MASK-%02d', ++$i);
    $r = post(record(code => $code, applicant => {name => $name}));
    is($r->{status}, 200, "$code written") or diag($r->{content});
    ($r, $j) = lookup($code);
    is($j->{applicant}{name}, $want, "$code: name masked to '$want'");
    is($j->{applicant}{type}, 'citizen', "$code: type defaults to citizen");
}

# what shows as nothing between two words (a zero-width space or joiner,
# as a source system may send them; control characters are refused:
# t/invisible_text.t) parts the words too: the given names are never
# shown whole as part of the first word
for my $n (["Lê\x{2060}Văn\x{200c}An", 'Lê V. A.'],
           ["Lê\x{200b}Văn\x{180e}An", 'Lê V. A.']) {
    my ($name, $want) = @$n;
    my $code = sprintf('MASK-%02d', ++$i);
    $r = post(record(code => $code, applicant => {name => $name}));
    is($r->{status}, 200, "$code written") or diag($r->{content});
    ($r, $j) = lookup($code);
    is($j->{applicant}{name}, $want, "$code: invisible parting: '$want'");
    my $page = decode('UTF-8', $t->get("/tra-cuu/$code")->{content});
    ok(index($page, 'Văn') < 0, "$code: the page does not show 'Văn'");
}

# an organisation's name whole, even with markup in it
my $org = 'Công ty TNHH <Phú> & Long An "ABC"';
$r = post(record(code => 'ORG-1',
    applicant => {name => $org, type => 'organization'}));
is($r->{status}, 200, 'organisation written') or diag($r->{content});
($r, $j) = lookup('ORG-1');
is_deeply($j->{applicant}, {name => $org, type => 'organization'},
    'organisation name whole');

# --- status, timeliness and status_text, today 2024-06-15 ---

my @cases = (
    # code, members, status, timeliness, dates (received, due, resolved,
    # returned, withdrawn)
    ['ST-NOTDUE', {due_at => '2024-06-20T17:00:00+07:00'},
        'processing', 'not_due', ['2024-06-03', '2024-06-20']],
    ['ST-DUETODAY', {due_at => '2024-06-15'},
        'processing', 'not_due', ['2024-06-03', '2024-06-15']],
    ['ST-OVERDUE', {due_at => '2024-06-14T17:00:00+07:00'},
        'processing', 'overdue', ['2024-06-03', '2024-06-14']],
    # 20:00 UTC on the 14th is 03:00 today here: not due yet
    ['ST-DUE-UTC', {due_at => '2024-06-14T20:00:00Z'},
        'processing', 'not_due', ['2024-06-03', '2024-06-15']],
    # 16:59:59 UTC on the 14th is still the 14th here: overdue
    ['ST-DUE-UTC2', {due_at => '2024-06-14T16:59:59Z'},
        'processing', 'overdue', ['2024-06-03', '2024-06-14']],
    # +05:45 midnight on the 10th is 01:15 on the 10th here
    ['ST-NEPAL', {due_at => '2024-06-10', resolved_at => '2024-06-10T00:00:00+05:45'},
        'resolved', 'on_time', ['2024-06-03', '2024-06-10', '2024-06-10']],
    # -10:00 20:00 on the 9th is 13:00 on the 10th here
    ['ST-HAWAII', {due_at => '2024-06-09', resolved_at => '2024-06-09T20:00:00-10:00'},
        'resolved', 'late', ['2024-06-03', '2024-06-09', '2024-06-10']],
    ['ST-LEAPDAY', {received_at => '2024-02-29T08:00:00+07:00', due_at => '2024-03-01',
            resolved_at => '2024-02-29'},
        'resolved', 'early', ['2024-02-29', '2024-03-01', '2024-02-29']],
    ['ST-EARLY', {due_at => '2024-06-10', resolved_at => '2024-06-07T10:00:00+07:00'},
        'resolved', 'early', ['2024-06-03', '2024-06-10', '2024-06-07']],
    ['ST-ONTIME', {due_at => '2024-06-10T08:00:00+07:00',
            resolved_at => '2024-06-10T23:30:00+07:00'},
        'resolved', 'on_time', ['2024-06-03', '2024-06-10', '2024-06-10']],
    ['ST-LATE', {due_at => '2024-06-10', resolved_at => '2024-06-11T07:00:00+07:00'},
        'resolved', 'late', ['2024-06-03', '2024-06-10', '2024-06-11']],
    # UTC 18:00 on the 16th is 01:00 on the 17th in Long An: late
    ['ST-UTC-LATE', {received_at => '2019-07-09T08:15:00+07:00',
            due_at => '2019-07-16T17:00:00+07:00',
            resolved_at => '2019-07-16T18:00:00Z'},
        'resolved', 'late', ['2019-07-09', '2019-07-16', '2019-07-17']],
    # 16:59:59.999 UTC is 23:59:59 on the 16th here: on time
    ['ST-UTC-ONTIME', {received_at => '2019-07-09T08:15:00+07:00',
            due_at => '2019-07-16', resolved_at => '2019-07-16T16:59:59.999Z'},
        'resolved', 'on_time', ['2019-07-09', '2019-07-16', '2019-07-16']],
    # +09:00 01:00 on the 11th is 23:00 on the 10th here: on time
    ['ST-TOKYO', {due_at => '2024-06-10',
            resolved_at => '2024-06-11T01:00:00+09:00'},
        'resolved', 'on_time', ['2024-06-03', '2024-06-10', '2024-06-10']],
    # -05:00 20:00 on the 9th is 08:00 on the 10th here, and 17:30 UTC on
    # the 9th is 00:30 on the 10th: the same day; lower-case t and z
    ['ST-WEST', {received_at => '2024-06-02t20:00:00-05:00',
            due_at => '2024-06-09t17:30:00z',
            resolved_at => '2024-06-09T20:00:00-05:00'},
        'resolved', 'on_time', ['2024-06-03', '2024-06-10', '2024-06-10']],
    ['ST-RET-EARLY', {due_at => '2024-06-12', resolved_at => '2024-06-11',
            returned_at => '2024-06-13T09:00:00+07:00', return_channel => 'postal'},
        'returned', 'early', ['2024-06-03', '2024-06-12', '2024-06-11', '2024-06-13']],
    ['ST-RET-ONTIME', {due_at => '2024-06-12', resolved_at => '2024-06-12',
            returned_at => '2024-06-12'},
        'returned', 'on_time', ['2024-06-03', '2024-06-12', '2024-06-12', '2024-06-12']],
    ['ST-RET-LATE', {due_at => '2024-06-12', resolved_at => '2024-06-13T08:00:00+07:00',
            returned_at => '2024-06-14'},
        'returned', 'late', ['2024-06-03', '2024-06-12', '2024-06-13', '2024-06-14']],
    ['ST-WITHDRAWN', {due_at => '2024-06-10', withdrawn_at => '2024-06-05T15:00:00+07:00'},
        'withdrawn', undef, ['2024-06-03', '2024-06-10', undef, undef, '2024-06-05']],
    # withdrawn after its due date: still no timeliness
    ['ST-WD-LATE', {due_at => '2024-06-10', withdrawn_at => '2024-06-14'},
        'withdrawn', undef, ['2024-06-03', '2024-06-10', undef, undef, '2024-06-14']],
    # received at +09:00 early on the 1st is the 31st of May here; due
    # 20:00 UTC on the 31st is the 1st of June here, before today
    ['ST-RECV-TZ', {received_at => '2024-06-01T01:00:00+09:00',
            due_at => '2024-05-31T20:00:00Z'},
        'processing', 'overdue', ['2024-05-31', '2024-06-01']],
);

for my $c (@cases) {
    my ($code, $m, $status, $tl, $dates) = @$c;
    $r = post(record(code => $code, %$m));
    is($r->{status}, 200, "$code written") or diag($r->{content});
    ($r, $j) = lookup($code);
    is($r->{status}, 200, "$code: lookup 200");
    my $key = $status eq 'withdrawn' ? 'withdrawn' : "$status $tl";
    my %want = (
        status => $status,
        timeliness => $tl,
        status_text => $status_text{$key},
        received_date => $dates->[0],
        due_date => $dates->[1],
        resolved_date => $dates->[2],
        returned_date => $dates->[3],
        withdrawn_date => $dates->[4],
        apology => undef,
    );
    my %got = map { $_ => $j->{$_} } keys %want;
    is_deeply(\%got, \%want, "$code: $key, dates")
        or diag($r->{content});
}

# an apology without reason: reason null, the other members there
$r = post(record(code => 'AP-NOREASON', due_at => '2024-06-12',
    apology => {issued_at => '2024-06-13', new_due_at => '2024-06-25T17:00:00+07:00'}));
is($r->{status}, 200, 'apology without reason written') or diag($r->{content});
($r, $j) = lookup('AP-NOREASON');
is_deeply($j->{apology}, {issued_date => '2024-06-13',
    new_due_date => '2024-06-25', reason => undef}, 'apology, reason null');
is($j->{timeliness}, 'overdue', 'an apology leaves the dossier overdue');

# markup in a reason: as sent in JSON, escaped in the page
my $reason = '<script>alert("x")</script> & <b>chờ</b>';
$r = post(record(code => 'AP-XSS', due_at => '2024-06-12',
    apology => {issued_at => '2024-06-13', new_due_at => '2024-06-25',
    reason => $reason}));
is($r->{status}, 200, 'apology with markup written') or diag($r->{content});
($r, $j) = lookup('AP-XSS');
is($j->{apology}{reason}, $reason, 'the reason as sent, in JSON');

# control characters in a reason and an organization's name (JSON allows
# them, \u0000 included) are refused (t/invisible_text.t); TAB, LF and CR
# are white space: kept in JSON, and the page shows them as they are
$r = post(record(code => 'AP-CTRL', due_at => '2024-06-12',
    applicant => {name => "Công ty\x{1}Phú\x{0}Long", type => 'organization'},
    apology => {issued_at => '2024-06-13', new_due_at => '2024-06-25',
    reason => "chờ\x{0}bổ\x{1b}sung\x{7f}."}));
is($r->{status}, 422, 'control characters refused') or diag($r->{content});
$r = post(record(code => 'AP-CTRL', due_at => '2024-06-12',
    applicant => {name => "Công ty\tPhú Long", type => 'organization'},
    apology => {issued_at => '2024-06-13', new_due_at => '2024-06-25',
    reason => "chờ\tbổ\r\nsung."}));
is($r->{status}, 200, 'white space written') or diag($r->{content});
($r, $j) = lookup('AP-CTRL');
is($j->{apology}{reason}, "chờ\tbổ\r\nsung.",
    'white space: the reason as sent, in JSON');

# a different agency, procedure and field
$r = post(record(code => 'X-COMMUNE', agency => '000.30.02.H36',
    procedure => '1.000894', channel => 'direct'));
is($r->{status}, 200, 'commune dossier written') or diag($r->{content});
($r, $j) = lookup('X-COMMUNE');
is_deeply([@$j{qw(agency field procedure channel)}], [
    {id => '000.30.02.H36', name => $agency{'000.30.02.H36'}},
    {id => 'ho-tich', name => $field{'ho-tich'}},
    {id => '1.000894', name => $procedure{'1.000894'}[0]},
    'direct'], 'agency, field, procedure and channel of a commune dossier');

# every member present in every answer
my @members = sort qw(code applicant agency field procedure channel
    received_date due_date resolved_date returned_date withdrawn_date
    status timeliness status_text apology apologies due_changes);
for my $code (qw(ST-NOTDUE ST-WITHDRAWN ORG-1 MASK-01)) {
    ($r, $j) = lookup($code);
    is_deeply([sort keys %$j], \@members, "$code: exactly the members");
}

# --- errors ---

$r = $t->get('/api/v1/dossiers/NO-SUCH-CODE-1');
error_ok($r, 404, 'not_found', 'unknown code');
$r = $t->get('/api/v1/dossiers/' . ('A' x 64));
error_ok($r, 404, 'not_found', 'unknown 64-byte code');

for my $bad ('a%20b', '-abc', 'abc-', '_abc', 'A' x 65, 'a%2Fb', 'm%C3%A3',
    'a+b', 'a%2Bb')
{
    $r = $t->get("/api/v1/dossiers/$bad");
    error_ok($r, 400, 'bad_request', "bad code '$bad'");
}
$r = $t->get('/api/v1/dossiers/');
error_ok($r, 400, 'bad_request', 'no code at all');
$r = $t->get('/api/v1/dossiers/?code=a%20b');
error_ok($r, 400, 'bad_request', 'bad code in ?code=');

for my $m (qw(POST PUT DELETE PATCH)) {
    $r = $t->http($m, '/api/v1/dossiers/000.00.12.H36-240603-0001',
        body => '{}');
    error_ok($r, 405, undef, "$m");
    my %allow = map { uc($_) => 1 } split /\s*,\s*/,
        ($r->{headers}{allow} // '');
    is_deeply(\%allow, {GET => 1, HEAD => 1}, "$m: Allow: GET, HEAD");
}
($r, $j) = lookup('000.00.12.H36-240603-0001');
is($j->{status}, 'processing', 'a refused DELETE deleted nothing');

# --- the page ---

sub page ($path) {
    my $r = $t->get($path);
    return ($r, decode('UTF-8', $r->{content}));
}

my $html;
($r, $html) = page('/tra-cuu/000.00.12.H36-240603-0001');
is($r->{status}, 200, 'page 200');
like($r->{headers}{'content-type'} // '', qr{^text/html\b}, 'page is HTML');
is($r->{headers}{'cache-control'}, 'private, no-store', 'page Cache-Control');
is($r->{headers}{'referrer-policy'}, 'no-referrer', 'page Referrer-Policy');
ok(index($html, 'Đặng T. Á.') >= 0, 'page shows the masked name');
ok(index($html, 'Đặng Thị Ánh') < 0, 'page hides the full name');
ok(index($html, 'Đang giải quyết (quá hạn)') >= 0, 'page shows the status');
ok(index($html, '000.00.12.H36-240603-0001') >= 0, 'page shows the code');
ok(index($html, 'Cấp phiếu lý lịch tư pháp') >= 0, 'page shows the procedure');
ok(index($html, '0912345678') < 0 && index($html, 'example.vn') < 0,
    'page shows no contact');
unlike($html, qr/<script/i, 'page needs no script');
like($html, qr/<form\b/i, 'page has the search form');
like($html, qr{<title>Tra cứu hồ sơ – Cổng Dịch vụ công tỉnh Long An</title>},
    'page: the template\'s title with the page\'s');
like($html, qr{<style>[^<]*\{[^<]*\}[^<]*</style>}, 'page: the style sheet inline');
unlike($html, qr/\{\{/, 'page: no template mark left');
like($html, qr{</html>\s*\z}, 'page: the template to its end');

($r, $html) = page('/tra-cuu?code=000.00.12.H36-240603-0001');
is($r->{status}, 200, 'page ?code= 200');
ok(index($html, 'Đặng T. Á.') >= 0, 'page ?code= shows the dossier');

($r, $html) = page('/tra-cuu');
is($r->{status}, 200, 'empty page 200');
like($html, qr/<input\b[^>]*\bname="code"/, 'empty page has input name="code"');
like($html, qr/<form\b/i, 'empty page has a form');

($r, $html) = page('/tra-cuu/ORG-1');
is($r->{status}, 200, 'organisation page');
ok(index($html, 'Công ty TNHH &lt;Phú&gt; &amp; Long An') >= 0,
    'organisation name escaped in the page');
ok(index($html, '<Phú>') < 0, 'no raw markup from the data');

($r, $html) = page('/tra-cuu/ST-WITHDRAWN');
ok(index($html, 'Đã rút hồ sơ') >= 0, 'withdrawn page shows its status');

($r, $html) = page('/tra-cuu/AP-XSS');
is($r->{status}, 200, 'the page of a dossier with an apology');
unlike($html, qr/<script|<b>/i, 'markup of the reason not in the page');
ok(index($html, '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; '
    . '&lt;b&gt;chờ&lt;/b&gt;') >= 0 || index($html,
    '&lt;script&gt;alert("x")&lt;/script&gt; &amp; &lt;b&gt;chờ&lt;/b&gt;') >= 0,
    'the reason escaped in the page');

($r, $html) = page('/tra-cuu/AP-CTRL');
is($r->{status}, 200, 'the page of a dossier with white space');
unlike($html, qr/[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/,
    'no control character in the page');
ok(index($html, "chờ\tbổ\r\nsung.") >= 0 || index($html, "chờ\tbổ\nsung.") >= 0,
    'the reason with its white space');
ok(index($html, "Công ty\tPhú Long") >= 0, "the organization's name too");

($r, $html) = page('/tra-cuu?code=NO-SUCH-CODE-2');
is($r->{status}, 404, 'unknown code page 404');
like($r->{headers}{'content-type'} // '', qr{^text/html\b}, '404 page is HTML');
like($html, qr/<input\b[^>]*\bname="code"/, '404 page has the form');

($r, $html) = page('/tra-cuu/-abc');
is($r->{status}, 400, 'bad code page 400');
like($r->{headers}{'content-type'} // '', qr{^text/html\b}, '400 page is HTML');

($r, $html) = page('/tra-cuu?code=%3Cscript%3Ealert(1)%3C/script%3E');
is($r->{status}, 400, 'markup as code: 400');
unlike($html, qr/<script/i, 'markup in the code is not echoed raw');

# what is typed is echoed in the form: never bytes that make the page
# invalid (a page declared UTF-8; no NUL or control character in HTML)
for my $bad ('%FF%FE', '%C3', '%00abc', 'a%01b', '%ED%A0%80', 'x%7F') {
    $r = $t->get("/tra-cuu?code=$bad");
    is($r->{status}, 400, "code=$bad: 400 page");
    my $raw = $r->{content};
    ok(utf8::decode(my $copy = $raw), "code=$bad: the page is valid UTF-8");
    unlike($raw, qr/[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/,
        "code=$bad: no control character in the page");
    like($raw, qr/<input\b[^>]*\bname="code"/, "code=$bad: the form is there");
}
# a code given twice on the page: a 400 page, as any code that is not
# one, never the JSON API's error object
$r = $t->get('/tra-cuu?code=ST-WITHDRAWN&code=ST-WITHDRAWN');
is($r->{status}, 400, 'page: code given twice: 400');
like($r->{headers}{'content-type'} // '', qr{^text/html\b},
    'page: code given twice: an HTML page, not JSON');
($r, $html) = page('/tra-cuu?code=M%C3%A3+h%E1%BB%93+s%C6%A1');
is($r->{status}, 400, 'Vietnamese text as code: 400');
like($html, qr/value="Mã hồ sơ"/, 'valid text typed is echoed in the form');

$r = $t->http('POST', '/tra-cuu/ST-WITHDRAWN', body => 'x');
is($r->{status}, 405, 'POST to the page: 405');

($r, $html) = page('/tra-cuu/');
is($r->{status}, 200, '/tra-cuu/ shows the form');
like($html, qr/<input\b[^>]*\bname="code"/, '/tra-cuu/ has input name="code"');

($r, $html) = page('/tra-cuu?code=a+b');
is($r->{status}, 400, "a form's a+b (a space) is a bad code");

($st, $h, $body) = raw("HEAD /tra-cuu/ST-WITHDRAWN HTTP/1.1\r\n"
    . "Host: localhost\r\nConnection: close\r\n\r\n");
is_deeply([$st, $body], [200, ''], 'HEAD of the page: 200, no body');

$get = $t->get('/tra-cuu/ST-WITHDRAWN');
$r = $t->get('/tra-cuu/ST-WITHDRAWN',
    headers => {'If-None-Match' => $get->{headers}{etag} // '"none"'});
is($r->{status}, 304, 'page If-None-Match: 304');

# --- a CLI write shows in nginx ---

($r, $j) = lookup('CLI-1');
is($r->{status}, 404, 'CLI-1 not there yet');
my $file = $t->spew('cli.ndjson', $json->encode(record(code => 'CLI-1',
    applicant => {name => 'Huỳnh Văn Ớt'},
    resolved_at => '2024-06-14T10:00:00+07:00')) . "\n");
my ($rc, $out, $err) = $t->cli('import', $file);
is($rc, 0, 'CLI import exits 0') or diag($err);

my $deadline = time + 1;
do { ($r, $j) = lookup('CLI-1') } while ($r->{status} == 404
    && time < $deadline && sleep 0.05);
is($r->{status}, 200, 'CLI write visible to nginx within a second');
is($j->{applicant}{name}, 'Huỳnh V. Ớ.', 'CLI record masked');
is($j->{status_text}, 'Đã giải quyết (trước hạn)', 'CLI record status');

my $etag1 = $r->{headers}{etag};
$file = $t->spew('cli2.ndjson', $json->encode(record(code => 'CLI-1',
    version => 2, applicant => {name => 'Huỳnh Văn Ớt'},
    resolved_at => '2024-06-14T10:00:00+07:00',
    returned_at => '2024-06-15T08:00:00+07:00')) . "\n");
($rc, $out, $err) = $t->cli('import', $file);
is($rc, 0, 'CLI import of version 2') or diag($err);
$deadline = time + 1;
do { ($r, $j) = lookup('CLI-1') } while ($j->{status} ne 'returned'
    && time < $deadline && sleep 0.05);
is($j->{status_text}, 'Đã trả kết quả (trước hạn)', 'CLI update visible');
isnt($r->{headers}{etag}, $etag1, 'ETag changed with the record');
$r = $t->get('/api/v1/dossiers/CLI-1', headers => {'If-None-Match' => $etag1});
is($r->{status}, 200, 'old ETag no longer matches');

# a reload keeps serving the same answers
my $before = $t->get('/api/v1/dossiers/CLI-1')->{content};
ok($t->reload, 'reload');
$r = $t->get('/api/v1/dossiers/CLI-1');
is_deeply([$r->{status}, $r->{content}], [200, $before],
    'the same answer after a reload');

$t->stop;
$t->check_log;

alarm 0;

done_testing;
