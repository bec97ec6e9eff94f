#!/usr/bin/perl

# The published questions' page (/hoi-dap) paged under a filter: its
# "Xem thêm" link carries every filter of the page it ends, so the next
# page holds the same agency's, field's and kind's questions, and no
# question is skipped or shown twice.  A search uses every word it is
# given (a ninth word was dropped, or took the eighth's place), and a q
# that is not UTF-8 is refused rather than shown again in the page.

use v5.36;
use utf8;

use lib 't/lib';

use Digest::SHA qw(sha256_hex);
use Encode qw(decode encode);
use JSON::PP;
use Test::More;

use Onestop::Test;

binmode(Test::More->builder->$_, ':encoding(UTF-8)')
    for qw(output failure_output todo_output);

my $json = JSON::PP->new->utf8->canonical;

$ENV{ONESTOP_TIME} = '10:00';
my $t = Onestop::Test->new(today => '2024-06-20');
$t->spew('keys', sha256_hex('fp-admin') . " * admin\n");
$t->write_standard_conf(serve => [qw(ingest)],
    server => "location /api/v1/feedback { onestop_feedback json; }\n"
        . "location /hoi-dap { onestop_feedback html; }\n"
        . "location /api/v1/ingest/feedback { onestop_feedback ingest; }\n",
    main => "env ONESTOP_TIME;\n");
ok($t->start, 'nginx starts') or BAIL_OUT('nginx did not start');

my %admin = (Authorization => 'Bearer fp-admin',
    'Content-Type' => 'application/json');
my $r = $t->http('POST', '/api/v1/ingest/catalog', headers => \%admin,
    body => Onestop::Test::catalog_json());
is($r->{status}, 200, 'catalog');

# questions 1..6, the odd ones to Sở Tư pháp, the even ones to Bến Lức,
# each answered and published

for my $i (1 .. 6) {
    my $agency = $i % 2 ? '000.00.12.H36' : '000.00.30.H36';
    $r = $t->http('POST', '/api/v1/feedback',
        headers => {'Content-Type' => 'application/json'},
        body => $json->encode({kind => 'question', agency => $agency,
            subject => "Câu hỏi số $i", text => 'Xin hỏi.',
            name => 'Phạm Văn Dũng', contact => '0912345678'}));
    is($r->{status}, 201, "question $i") or diag($r->{content});
    $r = $t->http('POST', "/api/v1/ingest/feedback/$i", headers => \%admin,
        body => $json->encode({answer => "Trả lời số $i",
            publish => JSON::PP::true}));
    is($r->{status}, 200, "answered and published $i");
}

# the page, followed by its links from the first
sub walk ($url) {
    my @ids;

    for my $n (1 .. 10) {
        my $r = $t->get($url);
        my $page = decode('UTF-8', $r->{content});
        push @ids, $page =~ /<h3 id="q(\d+)"/g;
        last unless $page =~ m{<p class="more"><a href="([^"]+)"};
        ($url = $1) =~ s/&amp;/&/g;
    }

    return join(',', @ids);
}

is(walk('/hoi-dap?agency=000.00.12.H36&limit=1'), '5,3,1',
    "one agency's questions, a page at a time, none of another's");
is(walk('/hoi-dap?agency=000.00.30.H36&limit=2'), '6,4,2',
    'the other agency, two a page');
is(walk('/hoi-dap?limit=4'), '6,5,4,3,2,1', 'unfiltered, four a page');

# a search uses every word it is given, and its text is UTF-8: question 7
# has nine words, and a tenth or another ninth finds nothing
$r = $t->http('POST', '/api/v1/feedback',
    headers => {'Content-Type' => 'application/json'},
    body => $json->encode({kind => 'question', agency => '000.00.12.H36',
        subject => 'một hai ba bốn năm sáu bảy tám chín', text => 'Xin hỏi.',
        name => 'Phạm Văn Dũng', contact => '0912345678'}));
is($r->{status}, 201, 'question 7');
$r = $t->http('POST', '/api/v1/ingest/feedback/7', headers => \%admin,
    body => $json->encode({answer => 'Trả lời.', publish => JSON::PP::true}));
is($r->{status}, 200, 'answered and published 7');

sub found ($q) {
    my $e = encode('UTF-8', $q);
    $e =~ s/([^A-Za-z0-9])/sprintf('%%%02X', ord $1)/ge;
    my $r = $t->get("/api/v1/feedback?q=$e");
    return $r->{status} . ' ' . join(',',
        map { $_->{id} } @{ (eval { $json->decode($r->{content}) } // {})
                            ->{items} // [] });
}

is(found('mot hai ba bon nam sau bay tam chin'), '200 7', 'nine words');
is(found('mot hai ba bon nam sau bay tam muoi'), '200 ',
    'a ninth word it does not have: none');
is(found('một hai ba bốn năm sáu bảy mười chín'), '200 ',
    'an eighth it does not have before a ninth with diacritics: none');
is(found('mot hai ba bon nam sau bay tam chin muoi'), '200 ',
    'a tenth it does not have: none');
is(found('chin tam bay sau nam bon ba hai mot mot hai'), '200 7',
    'eleven words, its own, in any order');
is(found('ệ' x 200), '200 ', 'a search of 200 characters, as the form '
    . 'allows, of 600 bytes');
is(found('ệ' x 201), '400 ', 'of 201: 400');

for my $path ('/api/v1/feedback?q=thu%FF%FE', '/hoi-dap?q=thu%FF%FE',
              '/hoi-dap?q=%C3') {
    $r = $t->get($path);
    is($r->{status}, 400, "$path: not UTF-8, 400");
    ok(eval { decode('UTF-8', $r->{content}, Encode::FB_CROAK); 1 },
        'and the answer is UTF-8');
}

# the page's form refused by its rules (a contact that is neither a phone
# nor an address, a code that is not a dossier's): 422, the form again
# with what the citizen typed, and what to correct in Vietnamese, never
# the API's English message
for my $case (['contact', 'abc', qr/Xin nhập số điện thoại hoặc địa chỉ thư điện tử/],
              ['code', 'a b c', qr/Mã hồ sơ không hợp lệ/]) {
    my ($field, $bad, $say) = @$case;
    my %form = (kind => 'complaint', code => '', subject => 'Lệ phí "khai" <sinh>',
        text => "Đăng ký khai sinh\r\ncó mất phí không?", name => 'Lê Thị Hoa',
        contact => '0912345678', website => '', $field => $bad);
    my ($r, $page) = $t->form('/hoi-dap', %form);
    is($r->{status}, 422, "a bad $field: 422");
    like($page, $say, "$field: what to correct, in Vietnamese");
    unlike($page, qr/ is required| must be /, "$field: no English message");
    like($page, qr/<form class="ask"/, "$field: the form again");
    like($page, qr/value="complaint" selected/, "$field: its kind kept");
    like($page, qr/name="subject" value="Lệ phí &quot;khai&quot; &lt;sinh&gt;"/,
        "$field: its subject kept");
    like($page, qr/>Đăng ký khai sinh\r?\ncó mất phí không\?<\/textarea>/,
        "$field: its text kept");
    like($page, qr/name="name" value="Lê Thị Hoa"/, "$field: its name kept");
    like($page, qr/name="contact" value="\Q$form{contact}\E"/,
        "$field: its contact kept");
}
# the list's form is empty
my $list = decode('UTF-8', $t->get('/hoi-dap')->{content});
like($list, qr/name="subject" value=""/, 'the list: an empty form');
unlike($list, qr/ selected>(?:Hỏi đáp|Phản ánh|Kiến nghị)<\/option><\/select>\n<label for="f-code"/,
    'no kind chosen in it');

# the page's other failures: in Vietnamese, without the API's English
for my $case (['GET', '/hoi-dap/99999', 404, qr/Không tìm thấy câu hỏi này/],
              ['GET', '/hoi-dap/1?token=AAAAAAAAAAAAAAAAAAAAAA', 404,
               qr/mã theo dõi không đúng/],
              ['GET', '/hoi-dap?limit=abc', 400, qr/chưa hợp lệ/],
              ['GET', '/hoi-dap?q=' . ('x' x 201), 400, qr/tối đa 200 ký tự/],
              ['POST', '/hoi-dap', 413, qr/quá dài/]) {
    my ($method, $path, $status, $say) = @$case;
    my $r = $t->http($method, $path, $method eq 'POST'
        ? (headers => {'Content-Type' => 'application/x-www-form-urlencoded'},
           body => 'text=' . ('x' x 70000)) : ());
    is($r->{status}, $status, "$method $path: $status");
    my $page = decode('UTF-8', $r->{content});
    like($page, $say, "$method $path: says so in Vietnamese");
    unlike($page, qr/\b(?:must|is at most|no question|token is|the body)\b/,
        "$method $path: no English message");
}

$t->stop;
ok($t->check_log, 'no alert or crit in error.log');

done_testing();
