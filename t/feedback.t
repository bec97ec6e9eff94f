#!/usr/bin/perl

# Citizens' questions and complaints (Điều 13) through nginx: asked by
# JSON and by the page's form, refused as spam (honeypot, oversize, bad
# kind) with nothing stored, listed to the agencies by their keys' scope
# (contacts included), forwarded, answered in time and late (the 16th
# working day across Tết 2024), published, listed and searched with and
# without diacritics, followed by the sender's token, counted by
# GET /api/v1/stats?subject=feedback, checked by verify and kept by a
# backup; no contact and no full name in any public answer.

use v5.36;
use utf8;

use lib 't/lib';

use Digest::SHA qw(sha256_hex);
use Encode qw(decode encode);
use JSON::PP;
use Test::More;
use Unicode::Normalize ();

use Onestop::Test;

binmode(Test::More->builder->$_, ':encoding(UTF-8)')
    for qw(output failure_output todo_output);

my $json = JSON::PP->new->utf8->canonical;
my $root = $Onestop::Test::ROOT;

$ENV{ONESTOP_TIME} = '10:00';
my $t = Onestop::Test->new(today => '2024-02-01');
$t->spew('keys', sha256_hex('fb-admin') . " * admin\n"
    . sha256_hex('fb-tuphap') . " 000.00.12.H36 Tu phap\n"
    . sha256_hex('fb-benluc') . " 000.00.30.H36 Ben Luc\n");
$t->write_standard_conf(serve => [qw(ingest stats)],
    http => "onestop_calendar $root/conf/calendar-vn.txt;\n",
    server => "location /api/v1/feedback { onestop_feedback json; }\n"
        . "location /hoi-dap { onestop_feedback html; }\n"
        . "location /api/v1/ingest/feedback { onestop_feedback ingest; }\n",
    main => "env ONESTOP_TIME;\n");
ok($t->start, 'nginx starts') or BAIL_OUT('nginx did not start');

my %admin = (Authorization => 'Bearer fb-admin');
my %tuphap = (Authorization => 'Bearer fb-tuphap');
my %benluc = (Authorization => 'Bearer fb-benluc');
my $r = $t->http('POST', '/api/v1/ingest/catalog', headers => \%admin,
    body => Onestop::Test::catalog_json());
is($r->{status}, 200, 'catalog');

sub jpost ($path, $body, %h) {
    my $r = $t->http('POST', $path, headers => {%h,
        'Content-Type' => 'application/json'},
        body => ref $body ? $json->encode($body) : $body);
    return ($r, eval { $json->decode($r->{content}) } // {});
}

sub jget ($path, %h) {
    my $r = $t->http('GET', $path, headers => {%h});
    return ($r, eval { $json->decode($r->{content}) } // {});
}

sub form ($path, %f) { $t->form($path, %f) }

# --- asked by JSON and by the form ---

my ($j, $page);
($r, $j) = jpost('/api/v1/feedback', {kind => 'question',
    agency => '000.00.12.H36', procedure => '1.001234',
    subject => 'Thời hạn cấp phiếu lý lịch tư pháp',
    text => "Xin hỏi cấp phiếu lý lịch tư pháp mất bao lâu?\nXin cảm ơn.",
    name => 'Nguyễn Văn An', contact => '0912 345 678'});
is($r->{status}, 201, 'a question by JSON: 201') or diag($r->{content});
is($j->{id}, '1', 'its id');
like($j->{token} // '', qr/^[A-Za-z0-9_-]{22}$/, 'and a token');
is($j->{received_at}, '2024-02-01T10:00:00+07:00', 'received at once');
is($j->{due_date}, '2024-02-29', '15 working days across Tết 2024');
my $token1 = $j->{token};

($r, $page) = form('/hoi-dap', kind => 'complaint',
    subject => 'Phản ánh về thuế đất', text => 'Thuế đất tính sai.',
    name => 'Trần Thị Bích', contact => 'bich@example.vn', website => '');
is($r->{status}, 201, 'a complaint by the form: 201');
like($page, qr/Đã nhận câu hỏi số 2/, 'the page names it');
my ($token2) = $page =~ /class="token">([A-Za-z0-9_-]{22})</;
ok($token2, 'and shows its token once');

# --- spam and broken ones: refused, nothing stored ---

($r, $page) = form('/hoi-dap', kind => 'question', subject => 'Mua thuốc',
    text => 'x', name => 'Bot', contact => 'bot@example.com',
    website => 'http://spam.example');
is($r->{status}, 400, 'the honeypot filled: 400');
like($page, qr/Nội dung gửi hoặc từ khóa tìm kiếm chưa hợp lệ/,
    'with a message in Vietnamese');
like($r->{headers}{'content-type'}, qr{text/html}, 'as a page');
($r, $j) = jpost('/api/v1/feedback', {kind => 'praise', subject => 's',
    text => 't', name => 'n', contact => '0912345678'});
is($r->{status}, 422, 'a bad kind: 422');
like($j->{error}{message} // '', qr/kind must be/, 'says which rule');
($r, $j) = jpost('/api/v1/feedback', {kind => 'question', subject => 's',
    text => 'x' x 4001, name => 'n', contact => '0912345678'});
is($r->{status}, 422, 'text over 4,000 characters: 422');
like($j->{error}{message} // '', qr/4000 characters/, 'says so');
($r, $j) = jpost('/api/v1/feedback', {kind => 'question', subject => 's',
    text => 't', name => 'n', contact => 'nowhere'});
is($r->{status}, 422, 'a contact that is neither phone nor e-mail: 422');
($r, $j) = jpost('/api/v1/feedback', 'not json');
is($r->{status}, 400, 'not JSON: 400');
# a member given twice: which one a library takes differs (yajl's tree the
# first, most others the last), so neither is, as the form's
($r, $j) = jpost('/api/v1/feedback', '{"kind": "question", "subject": "s", '
    . '"text": "t", "name": "n", "contact": "0912345678", '
    . '"agency": "000.00.12.H36", "agency": "000.00.15.H36"}');
is($r->{status}, 400, 'a member given twice: 400');
like($j->{error}{message} // '', qr/given twice/, 'says so');
($r, $j) = jpost('/api/v1/feedback', {kind => 'question', subject => 's',
    text => 't', name => 'n', contact => '0912345678', agency => 'NOPE'});
is($r->{status}, 422, 'an agency not in the catalog: 422');
$r = $t->http('POST', '/hoi-dap', headers => {
    'Content-Type' => 'application/x-www-form-urlencoded'},
    body => 'kind=question&subject=ab%FFcd&text=t&name=n&contact=0912345678');
is($r->{status}, 400, 'a form whose percent-encoded bytes are not UTF-8: 400');

($r, $j) = jget('/api/v1/ingest/feedback?status=all', %admin);
is(scalar @{ $j->{items} // [] }, 2, 'only the two questions were stored');

# --- the agencies ---

($r, $j) = jget('/api/v1/ingest/feedback?status=open');
is($r->{status}, 401, 'no key: 401');
($r, $j) = jget('/api/v1/ingest/feedback?status=open', %tuphap);
is_deeply([map { $_->{id} } @{ $j->{items} }], ['1'],
    'Sở Tư pháp sees its own question only');
is($j->{items}[0]{contact}, '0912 345 678', 'with the contact');
is($j->{items}[0]{name}, 'Nguyễn Văn An', 'and the full name');
($r, $j) = jget('/api/v1/ingest/feedback?status=open', %admin);
is_deeply([map { $_->{id} } @{ $j->{items} }], ['1', '2'],
    'the administrator sees both, oldest first');
is($j->{items}[1]{agency}, undef, 'the complaint has no agency yet');

($r, $j) = jpost('/api/v1/ingest/feedback/2',
    {answer => 'x', publish => JSON::PP::true}, %tuphap);
is($r->{status}, 403, 'an agency cannot answer what is not in its scope');
($r, $j) = jpost('/api/v1/ingest/feedback/2',
    {forward_to => '000.00.30.H36'}, %admin);
is($r->{status}, 200, 'forwarded to UBND huyện Bến Lức') or diag($r->{content});
($r, $j) = jpost('/api/v1/ingest/feedback/2', {forward_to => 'NOPE'}, %admin);
is($r->{status}, 422, 'forward to an unknown agency: 422');
($r, $j) = jpost('/api/v1/ingest/feedback/99', {answer => 'x'}, %admin);
is($r->{status}, 404, 'an unknown id: 404');
($r, $j) = jget('/api/v1/ingest/feedback/2', %benluc);
is($j->{agency}{id}, '000.00.30.H36', 'Bến Lức has it now');
is($j->{due_date}, '2024-02-29', 'forwarding keeps the due date');
is($j->{forwarded_from}, undef, 'forwarded from no agency');
ok($j->{forwarded}, 'marked forwarded');

# a third, answered but not published
($r, $j) = jpost('/api/v1/feedback', {kind => 'suggestion',
    agency => '000.00.12.H36', subject => 'Đề nghị mở thêm quầy',
    text => 'Nên mở thêm quầy tiếp nhận.', name => 'Lê Văn Cường',
    contact => 'cuong@example.vn'});
my $token3 = $j->{token};
is($j->{id}, '3', 'a suggestion');

# --- answers: in time on 29/2, late on 1/3 (the 16th working day) ---

sub restart ($day) {
    $t->stop;
    $ENV{ONESTOP_TODAY} = $day;
    ok($t->start, "nginx restarted on $day");
}

restart('2024-02-29');
($r, $j) = jpost('/api/v1/ingest/feedback/1', {answer =>
    'Thời hạn cấp phiếu lý lịch tư pháp là 10 ngày làm việc.',
    publish => JSON::PP::true}, %tuphap);
is($r->{status}, 200, 'answered on the 15th working day') or diag($r->{content});
($r, $j) = jpost('/api/v1/ingest/feedback/3', {answer => 'Sẽ xem xét.',
    publish => JSON::PP::false}, %tuphap);
is($r->{status}, 200, 'the suggestion answered, not published');
($r, $j) = jpost('/api/v1/ingest/feedback/1', {forward_to => '000.00.30.H36'},
    %tuphap);
is($r->{status}, 409, 'an answered question is not forwarded');

restart('2024-03-01');
($r, $j) = jpost('/api/v1/ingest/feedback/2', {answer =>
    'Chi cục Thuế đã tính lại thuế đất.', publish => JSON::PP::true}, %benluc);
is($r->{status}, 200, 'the complaint answered on the 16th working day');
($r, $j) = jget('/api/v1/ingest/feedback/1', %admin);
is($j->{timeliness}, 'in_time', 'the first in time');
($r, $j) = jget('/api/v1/ingest/feedback/2', %admin);
is($j->{timeliness}, 'late', 'the complaint late, across Tết');

# --- the public list and search ---

($r, $j) = jget('/api/v1/feedback');
is($r->{status}, 200, 'the published list');
is_deeply([map { $_->{id} } @{ $j->{items} }], ['2', '1'],
    'newest first, the unpublished one left out');
is($j->{next}, undef, 'one page');
is($j->{items}[1]{name}, 'Nguyễn V. A.', 'names masked');
ok(!exists $j->{items}[0]{contact} && !exists $j->{items}[0]{code},
    'no contact, no code');
unlike($r->{content}, qr/0912|example\.vn|Văn An|Thị Bích/,
    'no contact or full name anywhere in the list');

sub ids ($q) {
    my ($r, $j) = jget("/api/v1/feedback?$q");
    return join(',', map { $_->{id} } @{ $j->{items} // [] });
}

is(ids('q=' . 'thu%E1%BA%BF%20%C4%91%E1%BA%A5t'), '2', 'search "thuế đất"');
is(ids('q=thue+dat'), '2', 'search "thue dat", without diacritics');
is(ids('q=THUE'), '2', 'upper case');
is(ids('q=ly+lich'), '1', 'search "ly lich"');
is(ids('q=ng%C3%A0y+l%C3%A0m+vi%E1%BB%87c'), '1', 'a word of the answer');
is(ids('q=thu%E1%BA%BB'), '', 'diacritics typed must match: "thuẻ" none');
is(ids('q=quay'), '', 'the unpublished one is not found');
is(ids('kind=complaint'), '2', 'filtered by kind');
is(ids('agency=000.00.12.H36'), '1', 'by agency');
is(ids('field=tu-phap'), '1', 'by field');
is(ids('limit=1'), '2', 'a page of one');
($r, $j) = jget('/api/v1/feedback?limit=1');
is($j->{next}, '2', 'with its cursor');
is(ids('limit=1&after=2'), '1', 'the next page');
($r) = jget('/api/v1/feedback?limit=0');
is($r->{status}, 400, 'a bad limit: 400');

# --- following by the token ---

($r, $j) = jget("/api/v1/feedback/3?token=$token3");
is($r->{status}, 200, 'the sender follows an unpublished answer');
is($j->{answer}, 'Sẽ xem xét.', 'and sees it');
is($j->{name}, 'Lê Văn Cường', 'with the name whole');
ok(!exists $j->{contact}, 'never the contact');
($r) = jget('/api/v1/feedback/3');
is($r->{status}, 404, 'unpublished without a token: 404');
($r) = jget("/api/v1/feedback/3?token=$token1");
is($r->{status}, 404, "another's token: 404");
($r, $j) = jget('/api/v1/feedback/1');
is($j->{name}, 'Nguyễn V. A.', 'a published one without a token, masked');
$r = $t->get("/hoi-dap/%202%20?token=$token2");
$page = decode('UTF-8', $r->{content});
is($r->{status}, 200, 'the page follows it, spaces around the id forgiven');
like($page, qr/Chi cục Thuế đã tính lại/, 'with the answer');
like($page, qr/trễ hạn/, 'late');

$r = $t->get('/hoi-dap?q=thue');
$page = decode('UTF-8', $r->{content});
like($page, qr/Phản ánh về thuế đất/, 'the page searches');
unlike($page, qr/0912|example\.vn|Nguyễn Văn An|Trần Thị Bích/,
    'no contact or full name on the page');
like($page, qr/name="website"/, 'the form has its honeypot');

# --- statistics ---

($r, $j) = jget('/api/v1/stats?subject=feedback&from=2024-02-01&to=2024-03-01'
    . '&group=kind');
is($r->{status}, 200, 'stats subject=feedback') or diag($r->{content});
is_deeply([@{ $j->{totals} }{qw(received answered answered_in_time
    answered_late pending pending_overdue)}], [3, 3, 2, 1, 0, 0],
    'received 3, answered 3: 2 in time, 1 late');
is_deeply([map { "$_->{kind}:$_->{received}" } @{ $j->{groups} }],
    ['question:1', 'complaint:1', 'suggestion:1'], 'by kind');
($r, $j) = jget('/api/v1/stats?subject=feedback&from=2024-02-01&to=2024-02-29'
    . '&group=agency');
is_deeply([@{ $j->{totals} }{qw(answered pending pending_overdue)}],
    [2, 1, 0], 'on 29/2 the complaint was pending, not yet overdue');
($r, $j) = jget('/api/v1/stats?subject=feedback&group=channel');
is($r->{status}, 400, 'a dossier dimension with subject=feedback: 400');
($r, $j) = jget('/api/v1/stats?group=kind');
is($r->{status}, 400, 'kind without subject=feedback: 400');

# --- the list is assembled, each question's public JSON kept when it was
# published and its catalog entries added as the catalog names them now:
# the same bytes as the question answers alone, and a renamed agency seen
# at once ---

{
    my ($r, $list) = jget('/api/v1/feedback');
    ok(@{ $list->{items} } >= 2, 'published questions listed');
    for my $item (@{ $list->{items} }) {
        my $one = $t->get("/api/v1/feedback/$item->{id}");
        ok(index($r->{content}, $one->{content}) > 0,
            "question $item->{id}: the list holds the bytes it answers alone")
            or diag("$one->{content}\n$r->{content}");
    }
    my $cat = decode_json(Onestop::Test::catalog_json());
    $_->{name} = 'Sở Tư pháp tỉnh Long An'
        for grep { $_->{id} eq '000.00.12.H36' } @{ $cat->{agencies} };
    $r = $t->http('POST', '/api/v1/ingest/catalog', headers => \%admin,
        body => $json->encode($cat));
    is($r->{status}, 200, "an agency renamed") or diag($r->{content});
    ($r, $list) = jget('/api/v1/feedback?agency=000.00.12.H36');
    is($list->{items}[0]{agency}{name}, 'Sở Tư pháp tỉnh Long An',
        'the list names it as the catalog does now');
    $r = $t->http('POST', '/api/v1/ingest/catalog', headers => \%admin,
        body => Onestop::Test::catalog_json());
    is($r->{status}, 200, 'and back');
}

# --- the sender's name in the published free text: masked in public as
# the name is, whole to the sender (issue 18) ---

{
    my ($r, $q) = jpost('/api/v1/feedback', {kind => 'question',
        agency => '000.00.12.H36',
        subject => 'Hồ sơ của Trần Minh Khôi',
        text => 'Tôi là Trần Minh Khôi, xin hỏi về hồ sơ.',
        name => 'Trần Minh Khôi', contact => 'khoi@example.vn'});
    is($r->{status}, 201, 'a question naming its sender') or diag($r->{content});
    ($r) = jpost("/api/v1/ingest/feedback/$q->{id}", {answer =>
        'Gửi ông Khôi: hồ sơ đã xong.', publish => JSON::PP::true}, %admin);
    is($r->{status}, 200, 'answered and published');
    my ($lr) = jget('/api/v1/feedback?limit=100');
    my $page = $t->get('/hoi-dap?limit=100');
    for my $res ([$lr, 'the list'], [$page, 'the page'],
        [$t->get("/api/v1/feedback/$q->{id}"), 'the question alone'])
    {
        my $text = decode('UTF-8', $res->[0]{content});
        unlike($text, qr/Minh|Khôi/, "$res->[1]: no given or middle name");
        like($text, qr/Trần M\. K\./, "$res->[1]: masked as the name is");
    }
    is(ids('q=Kh%C3%B4i'), '', 'a masked word is not searchable: "Khôi"');
    is(ids('q=khoi'), '', 'nor "khoi"');
    like(ids('q=Tr%E1%BA%A7n+h%E1%BB%93+s%C6%A1'), qr/\b$q->{id}\b/,
        'the words shown are: "Trần hồ sơ"');
    my ($tr, $tj) = jget("/api/v1/feedback/$q->{id}?token=$q->{token}");
    is($tj->{subject}, 'Hồ sơ của Trần Minh Khôi', 'whole to the sender');
    my ($ar, $aj) = jget("/api/v1/ingest/feedback/$q->{id}", %admin);
    is($aj->{text}, 'Tôi là Trần Minh Khôi, xin hỏi về hồ sơ.',
        'whole to the agency');
}

# --- typed in combining characters (Unikey's "Unicode tổ hợp", a Mac):
# found by a search typed with a phone's precomposed letters, and a
# search typed that way finds what was typed precomposed ---

{
    my $nfd = sub ($s) { Unicode::Normalize::NFD($s) };
    my $uri = sub ($s) { join '', map { sprintf('%%%02X', ord) }
        split //, encode('UTF-8', $s) };
    my ($r, $q) = jpost('/api/v1/feedback', {kind => 'question',
        agency => '000.00.12.H36',
        subject => $nfd->('Giấy phép xây dựng nhà ở nông thôn'),
        text => $nfd->('Xin hỏi thời hạn cấp phép.'),
        name => 'Phạm Văn Đức', contact => '0912000111'});
    is($r->{status}, 201, 'a question typed in combining characters')
        or diag($r->{content});
    ($r) = jpost("/api/v1/ingest/feedback/$q->{id}", {answer =>
        $nfd->('Thời hạn là mười lăm ngày.'), publish => JSON::PP::true},
        %admin);
    is($r->{status}, 200, 'answered and published');
    like(ids('q=' . $uri->('giấy phép')), qr/\b$q->{id}\b/,
        'found by "giấy phép" typed precomposed');
    like(ids('q=' . $uri->('NÔNG THÔN')), qr/\b$q->{id}\b/,
        'and in capitals');
    like(ids('q=' . $uri->($nfd->('mười lăm'))), qr/\b$q->{id}\b/,
        'by words of the answer, typed decomposed');
    like(ids('q=giay+phep'), qr/\b$q->{id}\b/, 'and without diacritics');
    is(ids('q=' . $uri->('giây')), '', 'other diacritics: "giây" none');
    is(ids('q=' . $uri->($nfd->('thuế đất'))), '2',
        'a search typed decomposed finds what was typed precomposed');
    is(ids('q=' . $uri->($nfd->('thuẻ'))), '',
        'and its diacritics must match too: "thuẻ" decomposed, none');
}

# --- verify, backup ---

my ($rc, $out, $err) = $t->cli('verify');
is($rc, 0, 'verify is clean') or diag("$out$err");
mkdir $t->dir . '/bk';
chmod 0777, $t->dir . '/bk';
($rc, $out, $err) = $t->cli('backup', $t->dir . '/bk/backup');
is($rc, 0, 'backup') or diag($err);
my $cmd = join(' ', $Onestop::Test::CLI, '--store', $t->dir . '/bk/backup',
    'stats', '--subject', 'feedback', '--from', '2024-02-01', '--to',
    '2024-03-01');
$j = eval { $json->decode(scalar `$cmd`) };
is($j->{totals}{received}, 5,
    'the backup keeps the questions (the three, the one naming its sender, '
    . 'the one typed in combining characters)');

$t->stop;
$t->check_log;

done_testing();
