#!/usr/bin/perl

# The Vietnamese an official and a citizen read, as the regulation
# (Decision 30/2019/QĐ-UBND, docs/rules.md's table of terms) words it:
# the apology letter is a "phiếu xin lỗi và hẹn lại ngày trả kết quả", a
# dossier resolved after its due date is "trễ hạn" ("quá hạn" is one still
# in progress past it), and the dossiers carried over from the previous
# period are "kỳ trước chuyển qua", the same on every page and download.

use v5.36;
use utf8;

use lib 't/lib';

use Digest::SHA qw(sha256_hex hmac_sha256);
use MIME::Base64 qw(encode_base64url);
use Encode qw(decode);
use JSON::PP;
use Test::More;

use Onestop::Test;

binmode(Test::More->builder->$_, ':encoding(UTF-8)')
    for qw(output failure_output todo_output);

my $json = JSON::PP->new->utf8->canonical;

$ENV{ONESTOP_TIME} = '10:00';
my $t = Onestop::Test->new(today => '2024-11-20');
my ($rc, undef, $err) = $t->cli('demo', '300');
is($rc, 0, 'the demo data set') or BAIL_OUT("demo: $err");
$t->spew('keys', sha256_hex('vw-admin') . " * admin\n");
my $QR_KEY = 'e5' x 32;
$t->spew('qr.key', "$QR_KEY\n");
$t->write_standard_conf(
    serve => [qw(lookup lookup_page apologies ingest dashboard stats resolve
        evaluate receipt)],
    qr_key => 1, map_size => '1g', main => "env ONESTOP_TIME;\n",
    server => "location /api/v1/feedback { onestop_feedback json; }\n"
        . "location /hoi-dap { onestop_feedback html; }\n"
        . "location /api/v1/ingest/feedback { onestop_feedback ingest; }\n");
ok($t->start, 'nginx starts') or BAIL_OUT('nginx did not start');

sub page ($path) {
    my $r = $t->get($path);
    return ($r->{status}, decode('UTF-8', $r->{content}));
}

# --- the apology letter on the lookup page ---

my $r = $t->get('/api/v1/apologies?limit=1');
my $code = eval { $json->decode($r->{content})->{items}[0]{code} };
ok(defined $code, 'a dossier with an apology letter') or BAIL_OUT('none');

my ($status, $html) = page("/tra-cuu?code=$code");
is($status, 200, 'its lookup page');
like($html, qr/Phiếu xin lỗi và hẹn lại ngày trả kết quả/,
    'the letter named as the regulation names it');
unlike($html, qr/Thư xin lỗi/i, 'not "thư xin lỗi"');
my $D = qr{\d\d/\d\d/\d{4}};
like($html, qr{Phiếu xin lỗi và hẹn lại ngày trả kết quả</strong> \(ngày $D\): hẹn trả kết quả ngày $D\.},
    'the letter: "hẹn trả kết quả ngày DD/MM/YYYY", "ngày" once');
unlike($html, qr/ngày hẹn trả mới ngày/, 'not "ngày hẹn trả mới ngày"');

# --- the statistics' CSV for Excel ---

$r = $t->get('/api/v1/stats?period=year&group=agency&format=csv&locale=vi');
is($r->{status}, 200, 'stats, locale=vi');
my ($head) = split /\r\n/, decode('UTF-8', $r->{content});
$head =~ s/^\x{feff}//;
my %col = map { $_ => 1 } split /;/, $head;
ok($col{'Giải quyết trễ hạn'}, 'resolved_late: "Giải quyết trễ hạn"')
    or diag($head);
ok(!$col{'Giải quyết quá hạn'}, 'not "quá hạn", which is in progress');
ok($col{'Đang giải quyết quá hạn'}, 'pending_overdue: "quá hạn"');
ok($col{'Phiếu xin lỗi đã ban hành'},
    'apologies_issued: "Phiếu xin lỗi đã ban hành"');
ok($col{'Kỳ trước chuyển qua'}, 'carried_over: "Kỳ trước chuyển qua"');

$r = $t->get('/api/v1/apologies?format=csv&locale=vi');
is($r->{status}, 200, 'the apology letters, locale=vi');
is($r->{headers}{'content-disposition'},
    'attachment; filename="phieu-xin-loi-tat-ca.csv"',
    'their file name: "phieu-xin-loi"');
($head) = split /\r\n/, decode('UTF-8', $r->{content});
$head =~ s/^\x{feff}//;
%col = map { $_ => 1 } split /;/, $head;
ok($col{'Ngày hẹn trả kết quả'} && $col{'Ngày hẹn trả kết quả mới'},
    'the due dates named as the lookup page and the receipt name them')
    or diag($head);
ok($col{'Ngày phiếu xin lỗi'}, 'the letter\'s date: "Ngày phiếu xin lỗi"');
ok(!grep({ /Hạn giải quyết/ } keys %col), 'not "Hạn giải quyết"');

# --- the dashboard: the same words as the CSV ---

($status, $html) = page('/');
is($status, 200, 'the dashboard');
like($html, qr/Kỳ trước chuyển qua:/, 'carried over: "Kỳ trước chuyển qua"');
unlike($html, qr/chuyển sang/, 'not another word for it');
like($html, qr/phiếu xin lỗi và hẹn lại ngày trả kết quả/,
    'the apology letter: "phiếu xin lỗi"');
unlike($html, qr/thư xin lỗi/i, 'not "thư xin lỗi"');

# --- the applicant's given name in an apology's reason: masked whichever
# vowel of "Hoà" its tone was written on ---

$r = $t->get("/api/v1/ingest/dossiers/$code",
    headers => { Authorization => 'Bearer vw-admin' });
my $rec = eval { $json->decode($r->{content}) };
ok($rec, 'the dossier as the agency sent it') or diag($r->{content});
$rec->{version}++;
$rec->{applicant} = { name => 'Lê Thị Hoà', type => 'citizen' };
$rec->{apology}{reason} = 'Chờ bà Hòa bổ sung tờ khai; bà Thủy đã nộp';
$r = $t->http('POST', '/api/v1/ingest/dossiers',
    headers => { Authorization => 'Bearer vw-admin',
        'Content-Type' => 'application/json' },
    body => $json->encode($rec));
is($r->{status}, 200, 'its applicant Lê Thị Hoà, named in the reason')
    or diag($r->{content});
my $shown = eval { $json->decode($t->get("/api/v1/dossiers/$code")->{content}) };
is($shown->{applicant}{name}, 'Lê T. H.', 'the name masked');
is($shown->{apology}{reason}, 'Chờ bà H. bổ sung tờ khai; bà Thủy đã nộp',
    'the reason: "Hòa" masked as the name "Hoà" is');
($status, $html) = page("/tra-cuu?code=$code");
like($html, qr/Chờ bà H\. bổ sung/, 'on the lookup page too');
unlike($html, qr/Hòa|Hoà/, 'nowhere whole');

# --- the questions' search: a word's tone mark on either vowel ---
# "Hòa" (the mark on the o, as the agency types it) and "hoà" (on the a,
# as many phones' keyboards put it) are one word to a Vietnamese reader

my %admin = (Authorization => 'Bearer vw-admin',
    'Content-Type' => 'application/json');
my %asked;
for my $q (['Đất ở xã Đức Hòa Hạ', 'Huyện Đức Hòa trả lời.'],
    ['Khoẻ mạnh và thuỷ lợi', 'Trả lời về thuỷ lợi.'])
{
    $r = $t->http('POST', '/api/v1/feedback',
        headers => { 'Content-Type' => 'application/json' },
        body => $json->encode({kind => 'question', subject => $q->[0],
            text => 'Xin hỏi.', name => 'Trần An',
            contact => '0912345678'}));
    is($r->{status}, 201, qq{question "$q->[0]" sent}) or diag($r->{content});
    my $id = eval { $json->decode($r->{content})->{id} } // 0;
    $r = $t->http('POST', "/api/v1/ingest/feedback/$id", headers => \%admin,
        body => $json->encode({answer => $q->[1], publish => JSON::PP::true}));
    is($r->{status}, 200, '... answered and published') or diag($r->{content});
    $asked{$q->[0]} = $id;
}

sub found ($q) {
    my $res = $t->get('/api/v1/feedback?q=' . join('',
        map { sprintf('%%%02X', ord) } split //, Encode::encode('UTF-8', $q)));
    my $items = eval { $json->decode($res->{content})->{items} } // [];
    return join ',', map { $_->{id} } @$items;
}

my $hoa = $asked{'Đất ở xã Đức Hòa Hạ'};
my $khoe = $asked{'Khoẻ mạnh và thuỷ lợi'};
is(found('hoà'), $hoa, '"hoà" finds "Đức Hòa"');
is(found('Đức Hoà'), $hoa, '"Đức Hoà" finds it');
is(found('hòa'), $hoa, '"hòa", as it was written, finds it');
is(found('hoa'), $hoa, '"hoa", without marks, finds it');
is(found('hóa'), '', '"hóa", another tone, does not');
is(found('khỏe'), $khoe, '"khỏe" finds "Khoẻ"');
is(found('thủy'), $khoe, '"thủy" finds "thuỷ"');
is(found('thuỷ lợi'), $khoe, '"thuỷ lợi", as it was written, finds it');

my ($st, $page) = page('/hoi-dap?q=ho%C3%A0');
like($page, qr/Đức Hòa Hạ/, 'the page /hoi-dap?q=hoà lists it');

# --- the citizen addressed as the e-mails address them: "Ông/Bà" ---

my $token = $code . '.' . encode_base64url(substr(hmac_sha256($code,
    pack('H*', $QR_KEY)), 0, 12));
($status, $html) = page("/q/$token");
is($status, 200, 'the page of the receipt\'s QR code');
like($html, qr/Ông\/Bà có thể đánh giá khi hồ sơ đã được giải quyết/,
    'the evaluation: "Ông/Bà có thể đánh giá"');
unlike($html, qr/\bBạn\b/, 'not "Bạn"');

# --- the receipt's dates as administrative papers write them (Decree
# 30/2020/NĐ-CP): a 0 before a day under 10, and before the month of
# January and February only ---

my %key = (Authorization => 'Bearer vw-admin');
$r = $t->get("/receipt/$code", headers => \%key);
is($r->{status}, 200, 'the receipt');
$html = decode('UTF-8', $r->{content});
like($html, qr/16 giờ 46 phút, ngày 06 tháng 9 năm 2024/,
    'received: "ngày 06 tháng 9 năm 2024"');
like($html, qr/16 giờ 30 phút, ngày 09 tháng 9 năm 2024/,
    'due: "ngày 09 tháng 9 năm 2024"');
unlike($html, qr/tháng 09/, 'not "tháng 09"');

my $feb = $json->decode($json->encode($rec));
delete $feb->{apology};
$feb->{code} = "$feb->{agency}-240205-0901";
$feb->{version} = 1;
$feb->{received_at} = '2024-02-05T08:05:00+07:00';
$feb->{due_at} = '2024-02-15T17:00:00+07:00';
$r = $t->http('POST', '/api/v1/ingest/dossiers',
    headers => { %key, 'Content-Type' => 'application/json' },
    body => $json->encode($feb));
is($r->{status}, 200, 'a dossier of February') or diag($r->{content});
$r = $t->get("/receipt/$feb->{code}", headers => \%key);
$html = decode('UTF-8', $r->{content});
like($html, qr/08 giờ 05 phút, ngày 05 tháng 02 năm 2024/,
    'its receipt: "ngày 05 tháng 02 năm 2024"');
like($html, qr/17 giờ 00 phút, ngày 15 tháng 02 năm 2024/,
    '... and "ngày 15 tháng 02 năm 2024"');

# --- the pages' footer: true of every page it is under ---
# (the questions' page is not a lookup, nor under Điều 15)

for my $path ('/hoi-dap', '/tra-cuu', "/tra-cuu?code=$code",
    '/tra-cuu?code=000.00.12.H36-190709-9999')
{
    my (undef, $p) = page($path);
    my ($foot) = $p =~ m{<footer>(.*?)</footer>}s;
    $foot //= '';
    $foot =~ s/\s+/ /g;
    unlike($foot, qr/Tra cứu theo Điều 15/, "$path: the footer names no "
        . 'article of lookups');
    # the act's own title: "Quy định hoạt động …" (Decision 30/2019,
    # Điều 1), not a "Quy chế", which is another kind of act
    ok(index($foot, 'Quy định hoạt động của Cổng Dịch vụ công và Hệ thống '
        . 'thông tin một cửa điện tử, ban hành kèm theo Quyết định số '
        . '30/2019/QĐ-UBND') >= 0, "$path: the regulation, by its name")
        or diag($foot);
}

$t->check_log;
done_testing;
