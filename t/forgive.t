#!/usr/bin/perl

# Pages that forgive and speak Vietnamese (issue 17): a dossier's code
# typed or pasted with spaces around it (no-break and zero-width ones too)
# or in lower case is found by the JSON lookup, /tra-cuu, /q/ and the
# question form; the failures a person meets on the public pages (429 from
# limit_req, 413, a 502 behind them, an unknown page) are Vietnamese pages
# in the portal's style through onestop_error_page, while /api/ keeps JSON.

use v5.36;
use utf8;

use lib 't/lib';

use Digest::SHA qw(sha256_hex hmac_sha256);
use Encode qw(decode encode);
use JSON::PP;
use MIME::Base64 qw(encode_base64url);
use Test::More;

use Onestop::Test;

binmode(Test::More->builder->$_, ':encoding(UTF-8)')
    for qw(output failure_output todo_output);

local $SIG{ALRM} = sub { BAIL_OUT('forgive.t did not finish in 120 s') };
alarm 120;

my $json = JSON::PP->new->utf8->canonical;
my $KEY = '5a' x 32;
my $ERR = 'error_page 400 404 405 409 413 422 429 500 502 503 504 '
    . '/_onestop_errors/trang;';

my $t = Onestop::Test->new(today => '2024-06-15');
$t->spew('keys', sha256_hex('fg-admin') . " * admin\n");
$t->spew('qr.key', "$KEY\n");
$t->write_standard_conf(serve => [qw(lookup lookup_page ingest resolve)],
    qr_key => 1,
    http => "limit_req_zone \$binary_remote_addr zone=slow:1m rate=1r/m;\n"
        . "limit_req_status 429;\n",
    location => {
        lookup_page => "$ERR\n",
        resolve => "$ERR\n",
    },
    server => <<"END");
error_page 413 /_onestop_errors/413.json;
error_page 429 /_onestop_errors/429.json;
location ^~ /_onestop_errors/ {
    internal;
    client_max_body_size 0;
    location = /_onestop_errors/413.json {
        return 413 '{"error": {"code": "payload_too_large"}}';
    }
    location = /_onestop_errors/429.json {
        return 429 '{"error": {"code": "too_many_requests"}}';
    }
    location = /_onestop_errors/trang { onestop_error_page; }
}
location /hoi-dap {
    onestop_feedback html;
    client_max_body_size 2k;
    limit_req zone=slow burst=2 nodelay;
    $ERR
}
location /api/v1/feedback { onestop_feedback json; }
location /api/v1/hep/ {
    onestop_lookup json;
    limit_req zone=slow burst=1 nodelay;
}
location /api/v1/ingest/feedback { onestop_feedback ingest; }
location /tin-tuc {
    proxy_pass http://127.0.0.1:9;
    $ERR
}
END
ok($t->start, 'nginx starts') or BAIL_OUT('nginx did not start');

my %admin = (Authorization => 'Bearer fg-admin');
my $r = $t->http('POST', '/api/v1/ingest/catalog', headers => \%admin,
    body => Onestop::Test::catalog_json());
is($r->{status}, 200, 'catalog written') or diag($r->{content});

my $CODE = '000.00.12.H36-240603-0007';
$r = $t->http('POST', '/api/v1/ingest/dossiers', headers => \%admin,
    body => $json->encode([{version => 1, code => $CODE,
        agency => '000.00.12.H36', procedure => '1.001234',
        channel => 'online',
        applicant => {name => 'Nguyễn Văn An', type => 'citizen'},
        received_at => '2024-06-03T08:15:00+07:00',
        due_at => '2024-06-20T17:00:00+07:00'}]));
is($r->{status}, 200, 'a dossier written') or diag($r->{content});

sub esc ($s) {
    my $v = encode('UTF-8', $s);
    $v =~ s/([^A-Za-z0-9_.-])/sprintf('%%%02X', ord $1)/ge;
    return $v;
}

# --- codes forgiven: spaces around, lower case ---

my $lc = lc $CODE;
for my $typed ($CODE, $lc, " $lc ", "\t$CODE\n", "\x{a0}$lc\x{200b}",
    "\x{feff}$CODE ")
{
    (my $show = $typed) =~ s/([^\x21-\x7e])/sprintf('\\x{%x}', ord $1)/ge;
    $r = $t->get('/api/v1/dossiers/' . esc($typed));
    is($r->{status}, 200, "JSON lookup of '$show': 200");
    my $j = eval { $json->decode($r->{content}) } // {};
    is($j->{code}, $CODE, '  the dossier, its code as stored');

    $r = $t->get('/tra-cuu?code=' . esc($typed));
    is($r->{status}, 200, "/tra-cuu?code='$show': 200");
    my $page = decode('UTF-8', $r->{content});
    ok(index($page, 'Nguyễn V. A.') >= 0, '  shows the dossier, masked');
}

$r = $t->get('/tra-cuu?code=++' . $lc . '++');
is($r->{status}, 200, "a form's '+' spaces around the code: 200");
$r = $t->get('/api/v1/dossiers/' . esc(' 000.00.12.H36-240603-0008 '));
is($r->{status}, 404, 'an unknown code, spaces trimmed: still 404');
$r = $t->get('/api/v1/dossiers/' . esc('a b'));
is($r->{status}, 400, 'a space inside a code: not forgiven, 400');

# the receipt's link pasted with spaces around it
my $mac = hmac_sha256($CODE, pack('H*', $KEY));
my $token = $CODE . '.' . encode_base64url(substr($mac, 0, 12));
$r = $t->get('/q/' . esc(" $token\x{a0}"));
is($r->{status}, 200, '/q/ TOKEN with spaces around: 200');
ok(index(decode('UTF-8', $r->{content}), 'Nguyễn Văn An') >= 0,
    '  the receipt holder\'s page');

# a question about a dossier, its code typed in lower case with spaces
$r = $t->http('POST', '/api/v1/feedback',
    headers => {'Content-Type' => 'application/json'},
    body => $json->encode({kind => 'question', code => "  $lc ",
        subject => 'Hồ sơ của tôi', text => 'Bao giờ có kết quả?',
        name => 'Nguyễn Văn An', contact => '0912345678'}));
is($r->{status}, 201, 'a question naming " code " in lower case: 201')
    or diag($r->{content});
$r = $t->http('GET', '/api/v1/ingest/feedback?status=all', headers => \%admin);
my $list = eval { $json->decode($r->{content}) } // {};
my ($item) = @{ $list->{items} // $list->{feedback} // [] };
is($item->{code}, $CODE, '  kept as the dossier\'s code, upper case')
    or diag($r->{content});

# a code stored in lower case (SPEC section 3 allows a-z) is named as it
# is, as the lookup and the evaluation find it: upper case is only tried
# when the code is not found as typed
$r = $t->http('POST', '/api/v1/ingest/dossiers', headers => \%admin,
    body => $json->encode([{version => 1, code => 'hs-lower-1',
        agency => '000.00.15.H36', procedure => '1.009999',
        channel => 'direct', applicant => {name => 'Võ Thị Em'},
        received_at => '2024-06-03T08:15:00+07:00',
        due_at => '2024-06-20T17:00:00+07:00'}]));
is($r->{status}, 200, 'a dossier of a lower-case code') or diag($r->{content});
is($t->get('/api/v1/dossiers/hs-lower-1')->{status}, 200, '  looked up');
$r = $t->http('POST', '/api/v1/feedback',
    headers => {'Content-Type' => 'application/json'},
    body => $json->encode({kind => 'question', code => ' hs-lower-1 ',
        subject => 'Hồ sơ của tôi', text => 'Bao giờ có kết quả?',
        name => 'Võ Thị Em', contact => '0912345679'}));
is($r->{status}, 201, 'a question naming it as it is: 201')
    or diag($r->{content});
$r = $t->http('GET', '/api/v1/ingest/feedback?status=all', headers => \%admin);
$list = eval { $json->decode($r->{content}) } // {};
($item) = grep { ($_->{code} // '') =~ /lower/i } @{ $list->{items} // [] };
is($item && $item->{code}, 'hs-lower-1', '  its code as stored');
is($item && $item->{agency}{id} // $item->{agency}, '000.00.15.H36',
    '  in its agency');

# --- Vietnamese pages for the failures a person meets ---

sub is_vn_page ($r, $status, $words, $name) {
    is($r->{status}, $status, "$name: $status");
    like($r->{headers}{'content-type'} // '', qr{^text/html}, '  a page');
    my $page = decode('UTF-8', $r->{content});
    like($page, qr/<html lang="vi">/, '  in Vietnamese');
    like($page, qr/Cổng Dịch vụ công/, '  in the portal\'s frame');
    like($page, $words, '  says what happened');
    like($page, qr{href="/tra-cuu"}, '  and where to go');
    unlike($page, qr/"error"|nginx/, '  no JSON, no server banner');
}

$r = $t->get('/tin-tuc/');
is_vn_page($r, 502, qr/Hệ thống tạm ngừng/, 'a 502 behind a public page');

$r = $t->http('POST', '/hoi-dap',
    headers => {'Content-Type' => 'application/x-www-form-urlencoded'},
    body => 'kind=question&text=' . ('x' x 4000));
is_vn_page($r, 413, qr/quá dài/, 'a form over client_max_body_size');

my $last;
for (1 .. 5) {
    $last = $t->get('/hoi-dap');
    last if $last->{status} == 429;
}
is_vn_page($last, 429, qr/Quá nhiều yêu cầu/, '/hoi-dap over its limit_req');

# the module's own pages stay theirs: a code not found says which
$r = $t->get('/tra-cuu?code=NOPE-1');
is($r->{status}, 404, 'an unknown code on /tra-cuu: 404');
like(decode('UTF-8', $r->{content}), qr/Không tìm thấy hồ sơ có mã NOPE-1/,
    '  the lookup\'s own notice, not the generic page');

# /api/ keeps JSON
for (1 .. 6) {
    $last = $t->get('/api/v1/hep/' . $CODE);
    last if $last->{status} == 429;
}
is($last->{status}, 429, '/api/ over its limit_req: 429');
like($last->{content}, qr/"too_many_requests"/, '  as JSON');

$r = $t->http('POST', '/api/v1/feedback',
    headers => {'Content-Type' => 'application/json'}, body => '{');
is($r->{status}, 400, 'a broken JSON body on /api/: 400');
like($r->{content}, qr/^\{"error"/, '  as JSON');

$t->stop;
done_testing();
